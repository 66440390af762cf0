"""The daily flow: poll every feed, process new episodes, load them, record the run.

`daily` runs one pass over all feeds in config.yaml; `ingest_feed` does one feed. Episodes are
transcribed in parallel by the configured task runner (threads by default, Dask on request) and
loaded by this process alone, one transaction per episode: DuckDB has one writer.
"""

from __future__ import annotations

import errno
import logging
import time
import uuid
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from flows import progress
from tasks.config import Config, FeedConfig, load_config
from tasks.episode import (
    EpisodeJob,
    analyse_episode,
    context_transcripts,
    failed_result,
    transcribe_episode,
    transcript_path_for,
)
from tasks.errors import FeedError, TranscriptionError, TryLaterError, WarehouseBusyError
from tasks.feeds import audio_key, episode_id_for, feed_id_for, poll_feed
from tasks.records import EpisodeItem, EpisodeResult, FeedPoll
from tasks.transcribe import load_model
from warehouse import store
from warehouse.db import WarehouseError, writer
from warehouse.lock import run_lock
from warehouse.search import rebuild_search_index


@dataclass(slots=True)
class FeedOutcome:
    """What one feed's ingestion did."""

    feed: str
    error: str | None = None
    warning: str | None = None  # what the feed's document needed repaired, or lost
    unchanged: bool = False
    episodes_new: int = 0
    done: int = 0
    failed: int = 0
    skipped: int = 0
    seconds_transcribed: float = 0.0
    ads_found: int = 0
    facts_extracted: int = 0
    failures: list[str] = field(default_factory=list)


@dataclass(slots=True)
class RunSummary:
    """The run as the CLI prints it and the `runs` table records it."""

    run_id: str
    warehouse: Path
    started_at: datetime
    wall_s: float = 0.0
    feeds: list[FeedOutcome] = field(default_factory=list)

    @property
    def counts(self) -> store.RunCounts:
        f = self.feeds
        return store.RunCounts(
            feeds_polled=len(f),
            feeds_failed=sum(1 for o in f if o.error),
            episodes_new=sum(o.episodes_new for o in f),
            episodes_done=sum(o.done for o in f),
            episodes_failed=sum(o.failed for o in f),
            episodes_skipped=sum(o.skipped for o in f),
            minutes_transcribed=sum(o.seconds_transcribed for o in f) / 60.0,
            ads_found=sum(o.ads_found for o in f),
            facts_extracted=sum(o.facts_extracted for o in f),
        )

    @property
    def status(self) -> str:
        c = self.counts
        return "partial" if (c.feeds_failed or c.episodes_failed) else "ok"

    @property
    def exit_code(self) -> int:
        """0 when everything succeeded, 1 when some feed or episode failed."""
        return 0 if self.status == "ok" else 1

    def failures(self) -> list[str]:
        out = []
        for o in self.feeds:
            if o.error:
                out.append(o.error)
            out.extend(o.failures)
        return out

    def render(self) -> str:
        c = self.counts
        unchanged = sum(1 for o in self.feeds if o.unchanged)
        lines = [
            f"podsift run {self.run_id}: {self.status} in {self.wall_s:.1f} s",
            f"  feeds polled      {c.feeds_polled} ({unchanged} unchanged, "
            f"{c.feeds_failed} failed)",
            f"  episodes          {c.episodes_new} new, {c.episodes_done} done, "
            f"{c.episodes_failed} failed, {c.episodes_skipped} skipped",
            f"  transcribed       {c.minutes_transcribed:.1f} min of audio",
            f"  ads found         {c.ads_found}",
            f"  facts extracted   {c.facts_extracted}",
            f"  warehouse         {self.warehouse}",
        ]
        failures = self.failures()
        if failures:
            lines.append("  failures:")
            lines.extend(f"    - {msg}" for msg in failures)
        lines.extend(f"  warning: {o.warning}" for o in self.feeds if o.warning)
        return "\n".join(lines)


def make_task_runner(cfg: Config) -> TaskRunner[Any]:
    """Prefect's thread pool by default; Dask when config asks for it."""
    if cfg.runner.kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            from tasks.errors import ConfigError

            raise ConfigError(
                "runner.kind 'dask' needs prefect-dask: pip install -e '.[dask]'"
            ) from exc
        if cfg.runner.dask_address:
            return DaskTaskRunner(address=cfg.runner.dask_address)
        _inherit_blas_threads()
        # One episode per worker process at a time: CTranslate2 already uses the cores, and a
        # worker process holds one copy of the model however many threads it runs.
        return DaskTaskRunner(
            cluster_kwargs={"n_workers": cfg.runner.max_workers, "threads_per_worker": 1}
        )
    return ThreadPoolTaskRunner(max_workers=cfg.runner.max_workers)


def _inherit_blas_threads() -> None:
    """Let local Dask workers keep this process's BLAS thread settings.

    Dask starts workers with OMP/MKL/OPENBLAS_NUM_THREADS=1. Whisper's log-mel features go
    through numpy's BLAS, whose last bits depend on its thread count, so a local cluster would
    transcribe slightly differently from the thread runner (a word time, now and then a
    sentence break). CTranslate2's threads are set explicitly (whisper.cpu_threads), so nothing
    is oversubscribed by this.
    """
    import dask
    import distributed  # noqa: F401  (loads the distributed.* config defaults)

    key = "distributed.nanny.pre-spawn-environ"
    environ = dict(dask.config.get(key, default={}) or {})
    for name in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS"):
        environ.pop(name, None)
    dask.config.set({key: environ})


@task(name="poll-feed", cache_policy=NO_CACHE)
def poll_feed_task(
    url: str, etag: str | None, last_modified: str | None, cfg: Config
) -> tuple[FeedPoll | None, str | None]:
    """Poll one feed: (the poll, None), or (None, the error) for an expected `FeedError`.

    A dead or broken feed is an everyday event that lands in `feeds.last_error`; raised, it
    would make Prefect log a crashed task with a traceback on the user's terminal.
    """
    try:
        poll = poll_feed(
            url,
            etag=etag,
            last_modified=last_modified,
            timeout_s=cfg.download.timeout_s,
            retries=cfg.download.retries,
        )
    except FeedError as exc:
        return None, str(exc)
    except Exception as exc:  # noqa: BLE001
        # Whatever a feed's bytes trip over (a parser bug, say) stops that feed, not the run.
        _log_unexpected(f"feed {url}", exc)
        return None, f"feed {url}: unexpected error ({_exception_text(exc)})"
    return poll, None


@task(name="transcribe-episode", cache_policy=NO_CACHE)
def transcribe_task(job: EpisodeJob, cfg: Config) -> EpisodeResult:
    progress.say(f"  episode {_label(job.item.title)}: downloading and transcribing")
    try:
        return transcribe_episode(job, cfg, progress.transcription_progress(job.item.title))
    except (TryLaterError, OSError) as exc:
        if not isinstance(exc, TryLaterError) and not _is_storage_failure(exc):
            _log_unexpected(f"episode {job.item.title[:80]!r}", exc)
            return failed_result(job, f"unexpected error ({_exception_text(exc)})")
        # The machine's disk or a server's rate limit, not the episode: fail it for this run
        # without using an attempt, so days of it never exhaust `max_attempts`.
        result = failed_result(job, _try_later_message(exc, cfg))
        result.attempts = job.attempts - 1
        return result
    except Exception as exc:  # noqa: BLE001
        # One episode's unexpected failure (a full disk, a decoder bug) must not take the
        # other episodes' work down with it: it becomes that episode's error, retried later.
        _log_unexpected(f"episode {job.item.title[:80]!r}", exc)
        return failed_result(job, f"unexpected error ({_exception_text(exc)})")


def _is_storage_failure(exc: OSError) -> bool:
    return exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EROFS)


def _try_later_message(exc: BaseException, cfg: Config) -> str:
    if isinstance(exc, TryLaterError) or not isinstance(exc, OSError):
        return str(exc)
    where = f" writing {exc.filename}" if exc.filename else ""
    return (
        f"cannot write in data_dir {cfg.data_dir}{where}: {exc.strerror or exc} "
        "(tried again next run, no attempt used)"
    )


def _exception_text(exc: BaseException) -> str:
    text = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return f"{exc.__class__.__name__}: {text[:300]}" if text else exc.__class__.__name__


def _log_unexpected(what: str, exc: BaseException) -> None:
    """One warning line; the traceback only at debug level (`podsift run --verbose`)."""
    log = logging.getLogger("podsift")
    log.warning("%s: unexpected %s", what, _exception_text(exc))
    log.debug("traceback", exc_info=exc)


def _label(title: str) -> str:
    """An episode title as progress lines and the summary quote it: at most 80 characters."""
    return repr(title if len(title) <= 80 else title[:77] + "...")


def plan_jobs(
    feed_id: str,
    items: Iterable[EpisodeItem],
    known: list[store.KnownEpisode],
    retryable: list[tuple[store.KnownEpisode, EpisodeItem]],
    cfg: Config,
) -> tuple[list[EpisodeJob], int]:
    """Decide which items to process: new ones, and failed ones with tries left.

    An item is the same episode as a known one when its GUID matches, or when its audio URL
    matches once tracking prefixes and query strings are stripped (a GUID that changed).

    Returns:
        (jobs, number of episodes never seen before)
    """
    by_guid = {k.guid: k for k in known}
    by_audio = {k.audio_key: k for k in known if k.audio_key}
    jobs: dict[str, EpisodeJob] = {}
    seen_audio: set[str] = set()
    new = 0
    newest_first = sorted(
        items,
        key=lambda i: i.published_at or datetime.min.replace(tzinfo=UTC),
        reverse=True,
    )
    if cfg.max_episodes_per_feed:
        newest_first = newest_first[: cfg.max_episodes_per_feed]
    for item in newest_first:
        key = audio_key(item.audio_url)
        if key in seen_audio:
            continue  # the same audio listed twice in one feed
        seen_audio.add(key)
        match = by_guid.get(item.guid) or by_audio.get(key)
        if match is None:
            episode_id = episode_id_for(feed_id, item.guid)
            jobs[episode_id] = EpisodeJob(episode_id, feed_id, item, key, attempts=1)
            new += 1
        elif match.status == "failed" and match.attempts < cfg.max_attempts:
            jobs[match.episode_id] = EpisodeJob(
                match.episode_id,
                feed_id,
                replace(item, guid=match.guid),
                key,
                attempts=match.attempts + 1,
            )
    for match, item in retryable:  # failed earlier, not (or no longer) in this poll
        if match.episode_id not in jobs and match.attempts < cfg.max_attempts:
            jobs[match.episode_id] = EpisodeJob(
                match.episode_id,
                feed_id,
                item,
                match.audio_key or audio_key(item.audio_url),
                attempts=match.attempts + 1,
            )
    return list(jobs.values()), new


@flow(name="ingest_feed", flow_run_name="ingest {feed.url}")
def ingest_feed(feed: FeedConfig, cfg: Config) -> FeedOutcome:
    """Poll one feed, process its new episodes, load them; the feed's ETag is saved last.

    Saving the validators only after every episode is loaded means a run killed midway polls
    the feed in full again next time instead of getting a 304 and missing episodes.
    """
    logger = get_run_logger()
    feed_id = feed_id_for(feed.url)
    outcome = FeedOutcome(feed=feed.name or feed.url)
    with writer(cfg.warehouse) as con:
        store.ensure_feed(con, feed_id=feed_id, url=feed.url, name=feed.name)
        state = store.get_feed_state(con, feed_id)
        known = store.known_episodes(con, feed_id)
        retryable = store.retryable_episodes(con, feed_id, cfg.max_attempts)
        earlier = store.recent_done_episode_ids(con, feed_id)
    url = (state.current_url if state and state.current_url else None) or feed.url
    poll, error = poll_feed_task(
        url, state.etag if state else None, state.last_modified if state else None, cfg
    )
    if poll is None:
        outcome.error = error or "feed poll failed"
        logger.warning(outcome.error)
        progress.say(f"feed {outcome.feed}: FAILED: {outcome.error}")
        with writer(cfg.warehouse) as con:
            store.save_feed_poll(
                con,
                feed_id=feed_id,
                url=feed.url,
                name=feed.name,
                title=None,
                current_url=None,
                etag=None,
                last_modified=None,
                error=outcome.error,
            )
        return outcome
    outcome.unchanged = poll.not_modified
    outcome.warning = poll.warning
    jobs, outcome.episodes_new = plan_jobs(feed_id, poll.episodes, known, retryable, cfg)
    progress.say(
        f"feed {outcome.feed}: "
        + ("unchanged" if poll.not_modified else f"{len(poll.episodes)} items")
        + f", {len(jobs)} to process"
    )
    held, problem = _held_back_by_whisper(jobs, cfg)
    if held:
        # The model cannot load: these episodes are not tried, so they use up no attempts and
        # stay new; the feed's validators are not kept, so the next run polls it in full.
        outcome.error = f"{len(held)} episode(s) not transcribed: {problem}"
        outcome.episodes_new -= sum(1 for j in held if j.attempts == 1)
        progress.say(f"feed {outcome.feed}: {outcome.error}")
        jobs = [j for j in jobs if j not in held]
    results = _transcribe_all(jobs, cfg)
    batch = {r.episode_id: list(r.transcript.segments) for r in results if r.transcript}
    prior = context_transcripts(cfg, [e for e in earlier if e not in batch])
    for result in results:
        context = [segs for eid, segs in batch.items() if eid != result.episode_id] + prior
        try:
            analyse_episode(result, cfg, context=context)
        except Exception as exc:  # noqa: BLE001 (one episode's failure, not the run's)
            _log_unexpected(f"episode {result.item.title[:80]!r}", exc)
            _mark_failed(result, f"ads or facts failed: unexpected error ({_exception_text(exc)})")
        _load(cfg, result)
        _count(outcome, result)
        logger.info("episode %s: %s", result.item.title, result.status)
    with writer(cfg.warehouse) as con:
        store.save_feed_poll(
            con,
            feed_id=feed_id,
            url=feed.url,
            name=feed.name,
            title=poll.title,
            current_url=poll.new_url,
            etag=None if held else poll.etag,
            last_modified=None if held else poll.last_modified,
            error=None,
            warning=poll.warning,
            unchanged=poll.not_modified,
        )
    return outcome


def _held_back_by_whisper(jobs: list[EpisodeJob], cfg: Config) -> tuple[list[EpisodeJob], str]:
    """Jobs that need Whisper when its model cannot be loaded, with the reason.

    Loading here costs nothing extra with the thread runner: the model is cached for the
    process, and the transcription threads use the same one. Dask workers load their own, so
    there a model failure shows per episode.
    """
    if cfg.runner.kind != "thread":
        return [], ""
    needs = [
        j
        for j in jobs
        if not transcript_path_for(cfg.data_dir, j.episode_id).exists()
        and not (cfg.whisper.use_publisher_transcripts and j.item.transcript_urls)
    ]
    if not needs:
        return [], ""
    key = cfg.whisper.model_dump_json()
    if key not in _model_failures:  # one load attempt per run, not one per feed
        try:
            load_model(cfg.whisper)
            _model_failures[key] = None
        except TranscriptionError as exc:
            _model_failures[key] = str(exc)
    problem = _model_failures[key]
    return (needs, problem) if problem else ([], "")


# Whisper settings -> why their model could not load (None: it loaded), for the current run.
_model_failures: dict[str, str | None] = {}


def _mark_failed(result: EpisodeResult, error: str) -> None:
    result.status, result.error, result.transcript = "failed", error, None
    result.ad_spans, result.facts, result.is_ad = [], [], []


def _load(cfg: Config, result: EpisodeResult) -> None:
    """Load one episode; when its rows cannot be written, record it as failed instead.

    A warehouse that cannot be opened at all (busy, unreadable) stops the run: every later
    episode would fail the same way. A write that fails for this episode (a value DuckDB
    refuses, a full disk) rolls back its transaction and becomes its error; its staged
    transcript stays, so a later run loads it without transcribing again.
    """
    try:
        with writer(cfg.warehouse) as con:
            store.load_episode(con, result)
        return
    except (WarehouseBusyError, WarehouseError):
        raise
    except Exception as exc:  # noqa: BLE001
        _log_unexpected(f"episode {result.item.title[:80]!r}", exc)
        _mark_failed(result, f"could not be written to the warehouse ({_exception_text(exc)})")
    try:
        with writer(cfg.warehouse) as con:
            store.load_episode(con, result)
    except Exception as exc:  # noqa: BLE001 (the summary still names the failure)
        _log_unexpected(f"episode {result.item.title[:80]!r} (recording its failure)", exc)


def _transcribe_all(jobs: list[EpisodeJob], cfg: Config) -> list[EpisodeResult]:
    if not jobs:
        return []
    futures = [transcribe_task.submit(job, cfg) for job in jobs]
    order = {job.episode_id: i for i, job in enumerate(jobs)}
    results = [f.result() for f in as_completed(futures)]
    return sorted(results, key=lambda r: order[r.episode_id])


def _count(outcome: FeedOutcome, result: EpisodeResult) -> None:
    title = _label(result.item.title)
    if result.status == "done":
        outcome.done += 1
        outcome.ads_found += len(result.ad_spans)
        outcome.facts_extracted += len(result.facts)
        if result.audio_sha256 and result.transcript and result.transcript.duration_s:
            outcome.seconds_transcribed += result.transcript.duration_s
        progress.say(
            f"  episode {title}: done ({len(result.ad_spans)} ads, {len(result.facts)} facts)"
        )
    elif result.status == "skipped":
        outcome.skipped += 1
        progress.say(f"  episode {title}: skipped: {result.error}")
    else:
        outcome.failed += 1
        outcome.failures.append(f"episode {title} ({outcome.feed}): {result.error}")
        progress.say(f"  episode {title}: FAILED: {result.error}")


def _refresh_search_index(con: duckdb.DuckDBPyConnection) -> None:
    """Rebuild the full-text index after a load; a failure only makes searches slower."""
    try:
        rebuild_search_index(con)
    except duckdb.Error as exc:
        get_run_logger().warning("search index not rebuilt (search will index on demand): %s", exc)


def run_daily(cfg: Config) -> RunSummary:
    """One pass over every feed (the body of the `daily` flow)."""
    started = time.monotonic()
    summary = RunSummary(
        run_id=uuid.uuid4().hex[:12],
        warehouse=cfg.warehouse,
        started_at=datetime.now(UTC),
    )
    with run_lock(cfg.warehouse):
        _model_failures.clear()  # a model fixed since the last run (`podsift serve`) is retried
        with writer(cfg.warehouse) as con:
            store.start_run(con, summary.run_id)
        try:
            ingest = ingest_feed.with_options(task_runner=make_task_runner(cfg))
            for feed in cfg.feeds:
                summary.feeds.append(ingest(feed, cfg))
        except BaseException as exc:
            summary.wall_s = time.monotonic() - started
            if isinstance(exc, KeyboardInterrupt):
                # Stopped by the user: like a killed run, what was loaded stays and the next
                # run picks up the rest (reusing staged transcripts).
                status = "aborted"
                message = (
                    f"interrupted (Ctrl-C) after {len(summary.feeds)} of {len(cfg.feeds)} "
                    "feed(s); episodes loaded before it are kept"
                )
            else:
                status, message = "failed", f"{exc.__class__.__name__}: {exc}"
            with writer(cfg.warehouse) as con:
                store.finish_run(con, summary.run_id, status, summary.counts, message)
            raise
        summary.wall_s = time.monotonic() - started
        with writer(cfg.warehouse) as con:
            store.finish_run(
                con,
                summary.run_id,
                summary.status,
                summary.counts,
                "; ".join(summary.failures())[:2000] or None,
            )
            if summary.counts.episodes_done:
                _refresh_search_index(con)
    create_markdown_artifact(
        key="podsift-run-summary",
        markdown="```\n" + summary.render() + "\n```",
        description=f"podsift run {summary.run_id}",
    )
    return summary


@flow(name="daily")
def daily(config_path: str | None = None) -> RunSummary:
    """Poll every feed in config.yaml and load what is new into the warehouse."""
    return run_daily(load_config(config_path))


if __name__ == "__main__":
    import sys

    result = daily(sys.argv[1] if len(sys.argv) > 1 else None)
    print(result.render())
