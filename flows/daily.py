"""The daily flow: poll every feed, process new episodes, load them, record the run.

`daily` runs one pass over all feeds in config.yaml; `ingest_feed` does one feed. Episodes are
transcribed in parallel by the configured task runner (threads by default, Dask on request) and
loaded by this process alone, one transaction per episode: DuckDB has one writer.

The flow only wires: which episodes to process is `podsift.tasks.run.plan`'s policy, how
failures count is `podsift.tasks.run.policy`'s, the summary is `podsift.tasks.run.summary`, each
stage is in `tasks/`, and the warehouse is reached through `podsift.tasks.run.loading` only to
read what it knows and to load, so that a client holding the file (a notebook) delays loads,
not the slow work.
"""

from __future__ import annotations

import logging
import time
import uuid
from datetime import UTC, datetime

import duckdb
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_markdown_artifact
from prefect.cache_policies import NONE as NO_CACHE
from prefect.futures import as_completed

from podsift.flows import progress
from podsift.flows.runner import make_task_runner
from podsift.tasks.core.config import Config, FeedConfig, load_config
from podsift.tasks.core.errors import FeedError, PodsiftError, redact_credentials
from podsift.tasks.core.records import EpisodeResult
from podsift.tasks.ingest.download import sweep_stale_parts
from podsift.tasks.ingest.feeds import ItemizedPoll, feed_id_for, poll_feed
from podsift.tasks.run.episode import (
    MAX_CONTEXT_EPISODES,
    EpisodeJob,
    analyse_episode,
    context_transcripts,
    discard_unused_audio,
    transcribe_episode,
)
from podsift.tasks.run.loading import finish_feed, load_result, plan_inputs, record_run
from podsift.tasks.run.plan import WhisperCheck, plan_feed
from podsift.tasks.run.policy import (
    episode_failure,
    exception_text,
    feed_failure,
    log_unexpected,
    run_ended_by,
)
from podsift.tasks.run.summary import FeedOutcome, RunSummary, episode_label
from podsift.warehouse import store
from podsift.warehouse.gate import WarehouseGate
from podsift.warehouse.lock import run_lock
from podsift.warehouse.search import rebuild_search_index, search_index_is_current

BATCH_PER_WORKER = 4  # episodes per transcription worker in one batch (see `_batch_size`)


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
        return None, feed_failure(url, exc)
    return poll, None


@task(name="transcribe-episode", cache_policy=NO_CACHE)
def transcribe_task(job: EpisodeJob, cfg: Config) -> EpisodeResult:
    progress.say(f"  episode {episode_label(job.item.title)}: downloading and transcribing")
    try:
        return transcribe_episode(job, cfg, progress.transcription_progress(job.item.title))
    except Exception as exc:  # noqa: BLE001 (one episode's failure, not the run's)
        return episode_failure(job, exc, cfg)


def _ingest_run_name() -> str:
    """`ingest URL`, the feed's flow run's name in Prefect, without the URL's credentials."""
    from prefect.runtime import flow_run

    feed = flow_run.parameters.get("feed")
    url = feed.url if isinstance(feed, FeedConfig) else str(getattr(feed, "url", feed))
    return f"ingest {redact_credentials(url)}"


@flow(name="ingest_feed", flow_run_name=_ingest_run_name)
def ingest_feed(
    feed: FeedConfig, cfg: Config, gate: WarehouseGate, whisper: WhisperCheck
) -> FeedOutcome:
    """Poll one feed, process its new episodes, load them; the feed's ETag is saved last.

    Saving the validators only after every episode is loaded means a run killed midway (or
    one whose loads wait for a held warehouse) polls the feed in full again next time instead
    of getting a 304 and missing episodes.
    """
    feed_id = feed_id_for(feed.url)
    outcome = FeedOutcome(feed=feed.name or redact_credentials(feed.url))
    inputs = plan_inputs(gate, cfg, feed_id)
    if inputs is None:
        outcome.not_polled = True
        progress.say(f"feed {outcome.feed}: not polled: the warehouse stayed held")
        return outcome
    state = inputs.state
    url = (state.current_url if state and state.current_url else None) or feed.url
    poll, error = poll_feed_task(
        url, state.etag if state else None, state.last_modified if state else None, cfg
    )
    back_home = False
    if poll is None and url != feed.url:
        # The address a permanent redirect once gave has stopped working (the new home died,
        # or a maintenance page sat behind a 301): the configured URL may work, and without
        # this the feed stayed failed for good. Asked in full; its own redirects count now.
        poll, _ = poll_feed_task(feed.url, None, None, cfg)
        back_home = poll is not None
    if poll is None:
        outcome.error = error or "feed poll failed"
        progress.say(f"feed {outcome.feed}: failed (the summary says why)")
        finish_feed(gate, cfg, feed, feed_id, error=outcome.error, wait=False)
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
    done_here: list[str] = []  # episodes this run loaded as done, the latest batch's first
    for jobs_now in _batches(jobs, _batch_size(cfg)):
        results = _transcribe_all(jobs_now, cfg)
        batch = {r.episode_id: list(r.transcript.segments) for r in results if r.transcript}
        earlier = [e for e in (*done_here, *inputs.recent_done) if e not in batch]
        prior = context_transcripts(cfg, earlier)
        loaded_done: list[str] = []
        for result in results:
            context = [segs for eid, segs in batch.items() if eid != result.episode_id] + prior
            try:
                analyse_episode(result, cfg, context=context)
            except Exception as exc:  # noqa: BLE001 (one episode's failure, not the run's)
                log_unexpected(f"episode {result.item.title[:80]!r}", exc)
                result.mark_failed(f"ads or facts failed: unexpected error ({exception_text(exc)})")
            # Also for failures `transcribe_episode` did not see (an unexpected exception, a
            # full disk): a failed or skipped episode's download is of no further use.
            discard_unused_audio(result, cfg)
            if load_result(gate, feed, result):
                _count(outcome, result)
                if result.status == "done":
                    loaded_done.append(result.episode_id)
            else:
                outcome.counts.episodes_deferred += 1
                progress.say(
                    f"  episode {episode_label(result.item.title)}: waits for the warehouse"
                )
        done_here = loaded_done + done_here
    complete = not held and not outcome.counts.episodes_deferred
    finish_feed(
        gate,
        cfg,
        feed,
        feed_id,
        title=poll.title,
        current_url=poll.new_url,
        replace_current_url=back_home,
        etag=poll.etag if complete else None,
        last_modified=poll.last_modified if complete else None,
        warning=outcome.warning,
        channel=poll.channel,
        unchanged=poll.not_modified,
        relisted=plan.relisted,
        wait=True,
    )
    return outcome


def _batch_size(cfg: Config) -> int:
    """Episodes transcribed before they are analysed and loaded: a few per worker.

    A first run over a show's back catalogue (thousands of items, `max_episodes_per_feed`
    unset) used to transcribe every episode before loading any: nothing was in the warehouse
    for days, every transcript stayed in memory, and each episode's ad detection compared it
    with every other one of the run, so the run grew with the square of the catalogue. In
    batches, each episode is loaded soon after it is transcribed, and compared with its batch
    and the latest episodes loaded before it (`MAX_CONTEXT_EPISODES`), as on any other day.
    """
    return max(MAX_CONTEXT_EPISODES + 1, BATCH_PER_WORKER * cfg.runner.max_workers)


def _batches(jobs: list[EpisodeJob], size: int) -> list[list[EpisodeJob]]:
    return [jobs[i : i + size] for i in range(0, len(jobs), size)]


def _transcribe_all(jobs: list[EpisodeJob], cfg: Config) -> list[EpisodeResult]:
    if not jobs:
        return []
    futures = [transcribe_task.submit(job, cfg) for job in jobs]
    order = {job.episode_id: i for i, job in enumerate(jobs)}
    results = [f.result() for f in as_completed(futures)]
    return sorted(results, key=lambda r: order[r.episode_id])


def _count(outcome: FeedOutcome, result: EpisodeResult) -> None:
    progress.say(outcome.record(result))


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
            status, message = run_ended_by(exc, len(summary.feeds), len(cfg.feeds))
            record_run(gate, summary, status, message, wait=False)
            raise
        summary.wall_s = time.monotonic() - started
        if record_run(gate, summary, summary.status, summary.message(), wait=True):
            with gate.writer(wait=False) as con:
                # Also when no episode loaded but the feed corrected a title or show notes.
                if con is not None and (
                    summary.counts.episodes_done or not search_index_is_current(con)
                ):
                    _refresh_search_index(con)
    create_markdown_artifact(
        key="podsift-run-summary",
        markdown="```\n" + summary.render() + "\n```",
        description=f"podsift run {summary.run_id}",
    )
    return summary


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
    print(result.render())  # type: ignore[attr-defined]  # Prefect types flows loosely
