"""How a run classifies failures: which use up an episode's attempt, and how each is worded.

An episode's own failure (a 404, a decoder bug) uses an attempt and is retried until
`max_attempts`; the machine's disk filling up or a server's rate limit (`TryLaterError`) says
nothing about the episode, so it fails for this run without using one. Unexpected exceptions
become one warning line and the episode's or feed's error, never a crashed run.
"""

from __future__ import annotations

import errno
import logging
import signal

from podsift.tasks.core.config import Config
from podsift.tasks.core.errors import Terminated, TryLaterError, redact_credentials
from podsift.tasks.core.records import EpisodeResult
from podsift.tasks.run.episode import EpisodeJob, failed_result
from podsift.warehouse import store


def episode_failure(job: EpisodeJob, exc: Exception, cfg: Config) -> EpisodeResult:
    """The result of an episode whose download or transcription raised `exc`.

    Args:
        job: the episode being processed.
        exc: what its stages raised.
        cfg: the run's config (names data_dir in a storage failure's message).

    Returns:
        A failed result; one that keeps the episode's attempts for a storage failure or a
        `TryLaterError`.
    """
    if isinstance(exc, TryLaterError) or (isinstance(exc, OSError) and is_storage_failure(exc)):
        # The machine's disk or a server's rate limit, not the episode: fail it for this run
        # without using an attempt, so days of it never exhaust `max_attempts`.
        result = failed_result(job, try_later_message(exc, cfg))
        result.attempts = job.attempts - 1
        return result
    # One episode's unexpected failure (a decoder bug) must not take the other episodes' work
    # down with it: it becomes that episode's error, retried later.
    log_unexpected(f"episode {job.item.title[:80]!r}", exc)
    return failed_result(job, f"unexpected error ({exception_text(exc)})")


def feed_failure(url: str, exc: Exception) -> str:
    """The error of a feed whose poll raised something other than a `FeedError`."""
    url = redact_credentials(url)
    log_unexpected(f"feed {url}", exc)
    return f"feed {url}: unexpected error ({exception_text(exc)})"  # both parts redacted


def run_ended_by(
    exc: BaseException, feeds_done: int, feeds_total: int
) -> tuple[store.RunStatus, str]:
    """The `runs` row's status and message for a run stopped by `exc`."""
    stopped_by = _stop_request(exc)
    if stopped_by:
        # Stopped by the user: like a killed run, what was loaded stays and the next run picks
        # up the rest (reusing staged transcripts).
        return "aborted", (
            f"{stopped_by} after {feeds_done} of {feeds_total} "
            "feed(s); episodes loaded before it are kept"
        )
    return "failed", f"{exc.__class__.__name__}: {exc}"


def _stop_request(exc: BaseException) -> str | None:
    """How the user stopped the run, when `exc` says they did: Ctrl-C, SIGTERM or SIGHUP."""
    if isinstance(exc, Terminated):
        return f"terminated ({exc.signal_name})"
    # Prefect turns a SIGTERM inside a flow into its own `TerminationSignal` (which carries the
    # signal number); matched by that attribute so this layer needs no Prefect import.
    if getattr(exc, "signal", None) == signal.SIGTERM:
        return "terminated (SIGTERM)"
    if isinstance(exc, KeyboardInterrupt):
        return "interrupted (Ctrl-C)"
    return None


def is_storage_failure(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def try_later_message(exc: BaseException, cfg: Config) -> str:
    if isinstance(exc, TryLaterError) or not isinstance(exc, OSError):
        return str(exc)
    where = f" writing {exc.filename}" if exc.filename else ""
    return (
        f"cannot write in data_dir {cfg.data_dir}{where}: {exc.strerror or exc} "
        "(tried again next run, no attempt used)"
    )


def exception_text(exc: BaseException) -> str:
    """An exception as one short line: its class and the first line of its message."""
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    text = redact_credentials(text)  # an enclosure URL in a library's message
    return f"{exc.__class__.__name__}: {text[:300]}" if text else exc.__class__.__name__


def log_unexpected(what: str, exc: BaseException) -> None:
    """One warning line; the traceback only at debug level (`podsift run --verbose`)."""
    log = logging.getLogger("podsift")
    log.warning("%s: unexpected %s", what, exception_text(exc))
    log.debug("traceback", exc_info=exc)
