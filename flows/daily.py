"""The daily flow: poll every feed, process new episodes, load them, record the run.

`daily` runs one pass over all feeds in config.yaml; `ingest_feed` does one feed. Episodes are
transcribed in parallel by the configured task runner (threads by default, Dask on request) and
loaded by this process alone, one transaction per episode: DuckDB has one writer.

The flow only wires: which episodes to process is `podsift.tasks.run.plan`'s policy, each stage is
in
`tasks/`, and the warehouse is opened through `podsift.warehouse.gate` only to read what it knows
and
to load, so that a client holding the file (a notebook) delays loads, not the slow work.
"""

from __future__ import annotations

import errno
import logging
import time
import uuid
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.futures import as_completed
from prefect.task_runners import TaskRunner, ThreadPoolTaskRunner

from podsift.flows import progress
from podsift.tasks.core.config import Config, FeedConfig, load_config
from podsift.tasks.core.errors import FeedError, PodsiftError, TryLaterError
from podsift.tasks.core.records import EpisodeResult
from podsift.tasks.core.timefmt import format_clock
from podsift.tasks.ingest.download import sweep_stale_parts
from podsift.tasks.ingest.feeds import ItemizedPoll, feed_id_for, poll_feed
from podsift.tasks.run.episode import (
    EpisodeJob,
    analyse_episode,
    context_transcripts,
    failed_result,
    transcribe_episode,
)
from podsift.tasks.run.plan import (
    PlanInputs,
    WhisperCheck,
    load_plan_snapshot,
    plan_feed,
    save_plan_snapshot,
)
from podsift.warehouse import store
from podsift.warehouse.gate import WarehouseGate, run_record
from podsift.warehouse.lock import run_lock
from podsift.warehouse.search import rebuild_search_index


@dataclass(slots=True)
class FeedOutcome:
    """What one feed's ingestion did."""

    feed: str
    error: str | None = None
    warning: str | None = None  # what the document needed repaired, and the items no episode
    unchanged: bool = False
    not_polled: bool = False  # the warehouse was held and podsift had no snapshot to plan from
    counts: store.RunCounts = field(default_factory=store.RunCounts)
    failures: list[str] = field(default_factory=list)
    adfree_cut: int = 0  # episodes given an ad-free copy of their audio
    adfree_removed_s: float = 0.0
    adfree_kept: list[str] = field(default_factory=list)  # why an episode's original is kept


@dataclass(slots=True)
class RunSummary:
    """The run as the CLI prints it and the `runs` table records it."""

    run_id: str
    warehouse: Path
    started_at: datetime
    wall_s: float = 0.0  # the flow's own time; the CLI sets it to the command's wall time
    startup_s: float | None = None  # imports and Prefect's start-up, when the CLI measured it
    feeds: list[FeedOutcome] = field(default_factory=list)

    @property
    def counts(self) -> store.RunCounts:
        total = sum((o.counts for o in self.feeds), store.RunCounts())
        total.feeds_polled = sum(1 for o in self.feeds if not o.not_polled)
        total.feeds_failed = sum(1 for o in self.feeds if o.error)
        return total

    @property
    def waiting(self) -> int:
        """Episodes processed but not loaded: the warehouse was held (0 when none)."""
        return self.counts.episodes_deferred + sum(1 for o in self.feeds if o.not_polled)

    @property
    def status(self) -> store.RunStatus:
        c = self.counts
        if self.waiting:
            return "deferred"
        return "partial" if (c.feeds_failed or c.episodes_failed) else "ok"

    @property
    def exit_code(self) -> int:
        """0 when nothing failed (deferred loads are not failures), 1 when something did."""
        c = self.counts
        return 1 if (c.feeds_failed or c.episodes_failed) else 0

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
        took = f"{self.wall_s:.1f} s"
        if self.startup_s is not None:
            took += f" (start-up {self.startup_s:.1f} s)"
        lines = [
            f"podsift run {self.run_id}: {self.status} in {took}",
            f"  feeds polled      {c.feeds_polled} ({unchanged} unchanged, "
            f"{c.feeds_failed} failed)",
            f"  episodes          {c.episodes_new} new, {c.episodes_done} done, "
            f"{c.episodes_failed} failed, {c.episodes_skipped} skipped",
            f"  transcribed       {c.minutes_transcribed:.1f} min of audio",
            f"  ads found         {c.ads_found}",
            f"  facts extracted   {c.facts_extracted}",
        ]
        cut = sum(o.adfree_cut for o in self.feeds)
        kept = [why for o in self.feeds for why in o.adfree_kept]
        if cut or kept:
            removed = sum(o.adfree_removed_s for o in self.feeds)
            lines.append(
                f"  ad-free audio     {cut} cut ({format_clock(removed)} of ads removed)"
                + (f", {len(kept)} kept the original" if kept else "")
            )
        lines.append(f"  warehouse         {self.warehouse}")
        if c.episodes_deferred:
            lines.append(
                f"  waiting           {c.episodes_deferred} episode(s) wait for the warehouse "
                "(held by another process); the next run loads them from their staged "
                "transcripts"
            )
        not_polled = [o.feed for o in self.feeds if o.not_polled]
        if not_polled:
            lines.append(
                f"  not polled        {', '.join(not_polled)} (the warehouse stayed held); "
                "the next run polls them"
            )
        failures = self.failures()
        if failures:
            lines.append("  failures:")
            lines.extend(f"    - {msg}" for msg in failures)
        lines.extend(f"  warning: {o.warning}" for o in self.feeds if o.warning)
        lines.extend(f"  original audio kept: {why}" for why in kept)
        return "\n".join(lines)


def make_task_runner(cfg: Config) -> TaskRunner[Any]:
    """Prefect's thread pool by default; Dask when config asks for it."""
    if cfg.runner.kind == "dask":
        try:
            from prefect_dask import DaskTaskRunner
        except ImportError as exc:
            from podsift.tasks.core.errors import ConfigError

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
) -> tuple[ItemizedPoll | None, str | None]:
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


@flow(name="ingest_feed", flow_run_name="ingest {feed.url}")
def ingest_feed(
    feed: FeedConfig, cfg: Config, gate: WarehouseGate, whisper: WhisperCheck
) -> FeedOutcome:
    """Poll one feed, process its new episodes, load them; the feed's ETag is saved last.

    Saving the validators only after every episode is loaded means a run killed midway (or
    one whose loads wait for a held warehouse) polls the feed in full again next time instead
    of getting a 304 and missing episodes.
    """
    feed_id = feed_id_for(feed.url)
    outcome = FeedOutcome(feed=feed.name or feed.url)
    inputs = _plan_inputs(gate, cfg, feed_id)
    if inputs is None:
        outcome.not_polled = True
        progress.say(f"feed {outcome.feed}: not polled: the warehouse stayed held")
        return outcome
    state = inputs.state
    url = (state.current_url if state and state.current_url else None) or feed.url
    poll, error = poll_feed_task(
        url, state.etag if state else None, state.last_modified if state else None, cfg
    )
    if poll is None:
        outcome.error = error or "feed poll failed"
        progress.say(f"feed {outcome.feed}: failed (the summary says why)")
        _finish_feed(gate, cfg, feed, feed_id, error=outcome.error, wait=False)
        return outcome
    outcome.unchanged = poll.not_modified
    plan = plan_feed(feed_id, poll.episodes, inputs.known, inputs.retryable, cfg)
    jobs, outcome.counts.episodes_new = plan.jobs, plan.new
    # Every item the feed lists is an episode row or is named with its reason, from reading
    # the document and from planning, in one count (feeds.last_warning and the summary).
    outcome.warning = poll.warning_with(plan.skipped)
    skipped = len(poll.skipped) + len(plan.skipped)
    progress.say(
        f"feed {outcome.feed}: "
        + ("unchanged" if poll.not_modified else f"{poll.listed} items")
        + (f" ({skipped} skipped, the summary says why)" if skipped else "")
        + f", {len(jobs)} to process"
    )
    held, problem = whisper.held_back(jobs, cfg)
    if held:
        # The model cannot load: these episodes are not tried, so they use up no attempts and
        # stay new; the feed's validators are not kept, so the next run polls it in full.
        outcome.error = f"{len(held)} episode(s) not transcribed: {problem}"
        outcome.counts.episodes_new -= sum(1 for j in held if j.attempts == 1)
        progress.say(
            f"feed {outcome.feed}: {len(held)} episode(s) held back (the summary says why)"
        )
        jobs = [j for j in jobs if j not in held]
    results = _transcribe_all(jobs, cfg)
    batch = {r.episode_id: list(r.transcript.segments) for r in results if r.transcript}
    prior = context_transcripts(cfg, [e for e in inputs.recent_done if e not in batch])
    for result in results:
        context = [segs for eid, segs in batch.items() if eid != result.episode_id] + prior
        try:
            analyse_episode(result, cfg, context=context)
        except Exception as exc:  # noqa: BLE001 (one episode's failure, not the run's)
            _log_unexpected(f"episode {result.item.title[:80]!r}", exc)
            result.mark_failed(f"ads or facts failed: unexpected error ({_exception_text(exc)})")
        if _load(gate, feed, result):
            _count(outcome, result)
        else:
            outcome.counts.episodes_deferred += 1
            progress.say(f"  episode {_label(result.item.title)}: waits for the warehouse")
    complete = not held and not outcome.counts.episodes_deferred
    _finish_feed(
        gate,
        cfg,
        feed,
        feed_id,
        title=poll.title,
        current_url=poll.new_url,
        etag=poll.etag if complete else None,
        last_modified=poll.last_modified if complete else None,
        warning=outcome.warning,
        channel=poll.channel,
        unchanged=poll.not_modified,
        wait=True,
    )
    return outcome


def _plan_inputs(gate: WarehouseGate, cfg: Config, feed_id: str) -> PlanInputs | None:
    """What the warehouse knows about the feed; its snapshot when the warehouse is held.

    With no snapshot either (a data_dir from before snapshots), wait for the warehouse as a
    load would: planning blind could transcribe every episode the feed lists. None: the wait
    ran out.
    """
    with gate.writer(wait=False) as con:
        if con is not None:
            return _read_plan_inputs(con, feed_id, cfg.max_attempts)
    snapshot = load_plan_snapshot(cfg.data_dir, feed_id)
    if snapshot is not None:
        return snapshot
    with gate.writer(wait=True) as con:
        return _read_plan_inputs(con, feed_id, cfg.max_attempts) if con is not None else None


def _read_plan_inputs(
    con: duckdb.DuckDBPyConnection, feed_id: str, max_attempts: int
) -> PlanInputs:
    return PlanInputs(
        state=store.get_feed_state(con, feed_id),
        known=store.known_episodes(con, feed_id),
        retryable=store.retryable_episodes(con, feed_id, max_attempts),
        recent_done=store.recent_done_episode_ids(con, feed_id),
    )


def _finish_feed(
    gate: WarehouseGate,
    cfg: Config,
    feed: FeedConfig,
    feed_id: str,
    *,
    wait: bool,
    title: str | None = None,
    current_url: str | None = None,
    etag: str | None = None,
    last_modified: str | None = None,
    error: str | None = None,
    warning: str | None = None,
    channel: dict[str, Any] | None = None,
    unchanged: bool = False,
) -> None:
    """Record the poll and keep the feed's planning snapshot; skipped while the warehouse is
    held (the next run polls in full, and the summary carries any error)."""
    with gate.writer(wait=wait) as con:
        if con is None:
            return
        store.save_feed_poll(
            con,
            feed_id=feed_id,
            url=feed.url,
            name=feed.name,
            title=title,
            current_url=current_url,
            etag=etag,
            last_modified=last_modified,
            error=error,
            warning=warning,
            channel=channel,
            unchanged=unchanged,
        )
        inputs = _read_plan_inputs(con, feed_id, cfg.max_attempts)
    save_plan_snapshot(cfg.data_dir, feed_id, inputs)


def _load(gate: WarehouseGate, feed: FeedConfig, result: EpisodeResult) -> bool:
    """Load one episode; when its rows cannot be written, record it as failed instead.

    A warehouse that cannot be opened at all (unreadable) stops the run: every later episode
    would fail the same way. A write that fails for this episode (a value DuckDB refuses, a
    full disk) rolls back its transaction and becomes its error; its staged transcript stays,
    so a later run loads it without transcribing again.

    Returns:
        False when the warehouse stayed held past the run's limit: the episode waits for the
        next run.
    """
    with gate.writer(wait=True) as con:
        if con is None:
            return False
        store.ensure_feed(con, feed_id=result.feed_id, url=feed.url, name=feed.name)
        try:
            store.load_episode(con, result)
            return True
        except Exception as exc:  # noqa: BLE001
            _log_unexpected(f"episode {result.item.title[:80]!r}", exc)
            result.mark_failed(f"could not be written to the warehouse ({_exception_text(exc)})")
        try:
            store.load_episode(con, result)
        except Exception as exc:  # noqa: BLE001 (the summary still names the failure)
            _log_unexpected(f"episode {result.item.title[:80]!r} (recording its failure)", exc)
    return True


def _transcribe_all(jobs: list[EpisodeJob], cfg: Config) -> list[EpisodeResult]:
    if not jobs:
        return []
    futures = [transcribe_task.submit(job, cfg) for job in jobs]
    order = {job.episode_id: i for i, job in enumerate(jobs)}
    results = [f.result() for f in as_completed(futures)]
    return sorted(results, key=lambda r: order[r.episode_id])


def _count(outcome: FeedOutcome, result: EpisodeResult) -> None:
    title = _label(result.item.title)
    c = outcome.counts
    if result.status == "done":
        c.episodes_done += 1
        c.ads_found += len(result.ad_spans)
        c.facts_extracted += len(result.facts)
        if result.audio_sha256 and result.transcript and result.transcript.duration_s:
            c.minutes_transcribed += result.transcript.duration_s / 60.0
        progress.say(
            f"  episode {title}: done ({len(result.ad_spans)} ads, {len(result.facts)} facts)"
        )
        adfree = result.adfree
        if adfree is not None and adfree.status == "cut":
            outcome.adfree_cut += 1
            outcome.adfree_removed_s += adfree.removed_s
        elif adfree is not None and adfree.cuts:  # ads found, but the copy was not made
            outcome.adfree_kept.append(f"episode {title} ({outcome.feed}): {adfree.reason}")
    elif result.status == "skipped":
        c.episodes_skipped += 1
        progress.say(f"  episode {title}: skipped: {result.error}")
    else:
        c.episodes_failed += 1
        outcome.failures.append(f"episode {title} ({outcome.feed}): {result.error}")
        progress.say(f"  episode {title}: failed (the summary says why)")


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
    gate = WarehouseGate(cfg.warehouse, cfg.data_dir, wait_s=cfg.warehouse_wait_s, say=_say_waiting)
    whisper = WhisperCheck()  # one model check per run: a model fixed since is tried again
    with run_lock(cfg.warehouse):
        # Holding the lock, this is the only run: half-written files of killed runs can go.
        sweep_stale_parts(cfg.data_dir)
        with gate.writer(wait=False) as con:
            if con is not None:
                store.start_run(con, summary.run_id)
        try:
            ingest = ingest_feed.with_options(task_runner=make_task_runner(cfg))
            for feed in cfg.feeds:
                summary.feeds.append(ingest(feed, cfg, gate, whisper))
        except BaseException as exc:
            summary.wall_s = time.monotonic() - started
            if isinstance(exc, KeyboardInterrupt):
                # Stopped by the user: like a killed run, what was loaded stays and the next
                # run picks up the rest (reusing staged transcripts).
                status: store.RunStatus = "aborted"
                message = (
                    f"interrupted (Ctrl-C) after {len(summary.feeds)} of {len(cfg.feeds)} "
                    "feed(s); episodes loaded before it are kept"
                )
            else:
                status, message = "failed", f"{exc.__class__.__name__}: {exc}"
            _record_run(gate, summary, status, message, wait=False)
            raise
        summary.wall_s = time.monotonic() - started
        notes = summary.failures()
        if summary.waiting:
            notes.insert(0, f"{summary.waiting} episode(s) or feed(s) wait for a held warehouse")
        if _record_run(gate, summary, summary.status, "; ".join(notes)[:2000] or None, wait=True):
            with gate.writer(wait=False) as con:
                if con is not None and summary.counts.episodes_done:
                    _refresh_search_index(con)
    create_markdown_artifact(
        key="podsift-run-summary",
        markdown="```\n" + summary.render() + "\n```",
        description=f"podsift run {summary.run_id}",
    )
    return summary


def _record_run(
    gate: WarehouseGate,
    summary: RunSummary,
    status: store.RunStatus,
    message: str | None,
    *,
    wait: bool,
) -> bool:
    """Write the run's row; kept in data_dir for the next run when the warehouse is held.

    Returns:
        True when it was written now.
    """
    finished = datetime.now(UTC)
    with gate.writer(wait=wait) as con:
        if con is not None:
            store.record_run(
                con,
                run_id=summary.run_id,
                started_at=summary.started_at,
                finished_at=finished,
                status=status,
                counts=summary.counts,
                message=message,
            )
            return True
    gate.keep_run_for_later(
        run_record(summary.run_id, summary.started_at, finished, status, summary.counts, message)
    )
    return False


def _say_waiting(message: str) -> None:
    """The warehouse-held notice: on the CLI's stderr, or in the log under `podsift serve`."""
    if progress.enabled:
        progress.say(message)
    else:
        logging.getLogger("podsift").warning(message)


@flow(name="daily")
def daily(config_path: str | None = None, publish: bool = False) -> RunSummary:
    """Poll every feed in config.yaml and load what is new into the warehouse.

    With `publish` (as `podsift serve` runs it), the ad-free feeds in publish.dir are
    rewritten afterwards.
    """
    cfg = load_config(config_path)
    summary = run_daily(cfg)
    if publish:
        from podsift.flows.publish import publish_all

        try:
            published = publish_all(cfg, cfg.publish.dir, cfg.publish.base_url)
            get_run_logger().info("published: %s", published.render())
        except (PodsiftError, OSError) as exc:  # the run is loaded; the feeds wait a day
            get_run_logger().warning("ad-free feeds not published: %s", exc)
    return summary


if __name__ == "__main__":
    import sys

    result = daily(sys.argv[1] if len(sys.argv) > 1 else None)
    print(result.render())
