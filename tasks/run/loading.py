"""What a run reads from and writes to the warehouse, each through its `WarehouseGate`.

Planning reads without waiting (falling back on the feed's snapshot in data_dir), so a held
warehouse delays only the loads; each episode loads in its own transaction; the feed's poll and
the run's row are written last, or kept for the next run when the warehouse stays held.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

import duckdb

from podsift.tasks.core.config import Config, FeedConfig
from podsift.tasks.core.records import EpisodeItem, EpisodeResult
from podsift.tasks.ingest.audio_identity import audio_key
from podsift.tasks.ingest.feeds import UNTITLED
from podsift.tasks.run.plan import PlanInputs, load_plan_snapshot, save_plan_snapshot
from podsift.tasks.run.policy import exception_text, log_unexpected
from podsift.tasks.run.summary import RunSummary
from podsift.warehouse import store
from podsift.warehouse.gate import WarehouseGate, run_record


def plan_inputs(gate: WarehouseGate, cfg: Config, feed_id: str) -> PlanInputs | None:
    """What the warehouse knows about the feed; its snapshot when the warehouse is held.

    With no snapshot either (a data_dir from before snapshots), wait for the warehouse as a
    load would: planning blind could transcribe every episode the feed lists. None: the wait
    ran out.
    """
    with gate.writer(wait=False) as con:
        if con is not None:
            return read_plan_inputs(con, feed_id, cfg.max_attempts)
    snapshot = load_plan_snapshot(cfg.data_dir, feed_id)
    if snapshot is not None:
        return snapshot
    with gate.writer(wait=True) as con:
        return read_plan_inputs(con, feed_id, cfg.max_attempts) if con is not None else None


def read_plan_inputs(con: duckdb.DuckDBPyConnection, feed_id: str, max_attempts: int) -> PlanInputs:
    return PlanInputs(
        state=store.get_feed_state(con, feed_id),
        known=store.known_episodes(con, feed_id),
        retryable=store.retryable_episodes(con, feed_id, max_attempts),
        recent_done=store.recent_done_episode_ids(con, feed_id),
    )


def finish_feed(
    gate: WarehouseGate,
    cfg: Config,
    feed: FeedConfig,
    feed_id: str,
    *,
    wait: bool,
    title: str | None = None,
    current_url: str | None = None,
    replace_current_url: bool = False,
    etag: str | None = None,
    last_modified: str | None = None,
    error: str | None = None,
    warning: str | None = None,
    channel: dict[str, Any] | None = None,
    unchanged: bool = False,
    relisted: Sequence[tuple[str, EpisodeItem]] = (),
) -> None:
    """Record the poll and keep the feed's planning snapshot; skipped while the warehouse is
    held (the next run polls in full, and the summary carries any error).

    `relisted` are known episodes the feed still lists (done, failed or skipped; in a partial
    document, only those it holds): each takes the enclosure URL, title, show notes, date and
    stated duration the feed gives it now, without being processed again. Episodes the feed
    no longer lists keep what they have. `replace_current_url`: the poll went to the configured
    URL, so `current_url` (None: no permanent redirect) replaces the stored one instead of
    adding to it.
    """
    with gate.writer(wait=wait) as con:
        if con is None:
            return
        moved = [(eid, item.audio_url, audio_key(item.audio_url)) for eid, item in relisted]
        store.update_audio_urls(con, moved)
        # An item without a title is read as UNTITLED: that placeholder replaces no real title.
        store.refresh_episode_details(
            con,
            [(eid, replace(i, title="") if i.title == UNTITLED else i) for eid, i in relisted],
        )
        store.save_feed_poll(
            con,
            feed_id=feed_id,
            url=feed.url,
            name=feed.name,
            title=title,
            current_url=current_url,
            replace_current_url=replace_current_url,
            etag=etag,
            last_modified=last_modified,
            error=error,
            warning=warning,
            channel=channel,
            unchanged=unchanged,
        )
        inputs = read_plan_inputs(con, feed_id, cfg.max_attempts)
    save_plan_snapshot(cfg.data_dir, feed_id, inputs)


def load_result(gate: WarehouseGate, feed: FeedConfig, result: EpisodeResult) -> bool:
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
            log_unexpected(f"episode {result.item.title[:80]!r}", exc)
            result.mark_failed(f"could not be written to the warehouse ({exception_text(exc)})")
        try:
            store.load_episode(con, result)
        except Exception as exc:  # noqa: BLE001 (the summary still names the failure)
            log_unexpected(f"episode {result.item.title[:80]!r} (recording its failure)", exc)
    return True


def record_run(
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
