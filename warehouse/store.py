"""What the pipeline writes and reads: feeds' poll state, episodes with their children, runs.

Every function takes an open connection (from `podsift.warehouse.db.writer`); `load_episode` and
`record_episode_failure` each run in one transaction, so an episode is wholly loaded or not
at all.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal

import duckdb

from podsift.tasks.core.records import (
    EpisodeItem,
    EpisodeResult,
    FeedState,
    KnownEpisode,
    without_lone_surrogates,
)
from podsift.warehouse.db import transaction, utcnow

if TYPE_CHECKING:
    from podsift.tasks.core.records import AdFreeAudio


def storable(value: Any) -> Any:
    """A string DuckDB can store: lone surrogates become U+FFFD. Other values pass through."""
    if isinstance(value, str):
        return without_lone_surrogates(value)
    if isinstance(value, list):
        return [storable(v) for v in value]
    return value


@dataclass(slots=True)
class RunCounts:
    """What a run (or one feed of it) did, in the `runs` table's columns.

    A feed's counts have `feeds_polled` 1; a run's are the sum of its feeds' (`+`).
    """

    feeds_polled: int = 0
    feeds_failed: int = 0
    episodes_new: int = 0
    episodes_done: int = 0
    episodes_failed: int = 0
    episodes_skipped: int = 0
    episodes_deferred: int = 0  # processed, waiting for a held warehouse to load them
    minutes_transcribed: float = 0.0
    ads_found: int = 0
    facts_extracted: int = 0

    def __add__(self, other: RunCounts) -> RunCounts:
        return RunCounts(*(getattr(self, name) + getattr(other, name) for name in _COUNT_FIELDS))


_COUNT_FIELDS = tuple(RunCounts.__dataclass_fields__)

# A run's status in `runs.status` (docs/warehouse.md).
RunStatus = Literal["running", "ok", "partial", "deferred", "failed", "aborted"]


def get_feed_state(con: duckdb.DuckDBPyConnection, feed_id: str) -> FeedState | None:
    row = con.execute(
        "SELECT feed_id, url, current_url, etag, last_modified, last_error "
        "FROM feeds WHERE feed_id = ?",
        [feed_id],
    ).fetchone()
    return FeedState(*row) if row else None


def ensure_feed(
    con: duckdb.DuckDBPyConnection, *, feed_id: str, url: str, name: str | None
) -> None:
    """Give a configured feed its row before any of its episodes is loaded.

    `save_feed_poll` runs after the feed's episodes are loaded (so a killed run re-polls in
    full); without this row, episodes loaded before a kill would point at no feed.
    """
    con.execute(
        "INSERT INTO feeds (feed_id, url, name) VALUES (?, ?, ?) ON CONFLICT (feed_id) DO NOTHING",
        [feed_id, url, name],
    )


def save_feed_poll(
    con: duckdb.DuckDBPyConnection,
    *,
    feed_id: str,
    url: str,
    name: str | None,
    title: str | None,
    current_url: str | None,
    etag: str | None,
    last_modified: str | None,
    error: str | None,
    warning: str | None = None,
    channel: dict[str, Any] | None = None,
    unchanged: bool = False,
    replace_current_url: bool = False,
) -> None:
    """Record one poll of a feed: its validators on success, `last_error` on failure.

    A failed poll keeps the validators and title of the last good one. `last_warning` is what
    the document needed repaired, or lost (None: read as it stands); it changes only when the
    document was read, so a failed poll or a 304 (`unchanged`) keeps the last one. A
    `current_url` is kept until a permanent redirect gives another, or `replace_current_url`
    (the configured URL was polled, the stored one having failed) sets it, None included.
    """
    now = utcnow()
    con.execute(
        """
        INSERT INTO feeds (feed_id, url, current_url, name, title, etag, last_modified,
                           last_checked_at, last_success_at, last_error, last_warning,
                           channel_json)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, CASE WHEN ? IS NULL THEN ?::TIMESTAMP END, ?, ?, ?)
        ON CONFLICT (feed_id) DO UPDATE SET
            url = excluded.url,
            name = excluded.name,
            current_url = CASE WHEN ? THEN excluded.current_url
                               ELSE COALESCE(excluded.current_url, feeds.current_url) END,
            title = COALESCE(excluded.title, feeds.title),
            etag = CASE WHEN excluded.last_error IS NULL THEN excluded.etag ELSE feeds.etag END,
            last_modified = CASE WHEN excluded.last_error IS NULL
                                 THEN excluded.last_modified ELSE feeds.last_modified END,
            last_checked_at = excluded.last_checked_at,
            last_success_at = COALESCE(excluded.last_success_at, feeds.last_success_at),
            last_error = excluded.last_error,
            last_warning = CASE WHEN excluded.last_error IS NULL AND NOT ?
                                THEN excluded.last_warning ELSE feeds.last_warning END,
            channel_json = COALESCE(excluded.channel_json, feeds.channel_json)
        """,
        [
            feed_id,
            url,
            current_url,
            name,
            title or None,
            etag,
            last_modified,
            now,
            error,
            now,
            error,
            warning if error is None and not unchanged else None,
            storable(json.dumps(channel, ensure_ascii=False)) if channel else None,
            replace_current_url,
            unchanged,
        ],
    )


def update_audio_urls(
    con: duckdb.DuckDBPyConnection, relisted: Sequence[tuple[str, str, str]]
) -> int:
    """Give known episodes the enclosure URL (and its audio key) their feed lists now.

    A show that moves its audio to another host keeps each item's GUID, so the episode is not
    processed again; without this its `audio_url` (and `fact_links`, search links, the ad-free
    feed's original enclosure) would stay at the old address. `updated_at` is left alone: no
    row below the episode changed.

    Args:
        relisted: (episode_id, audio_url, audio_key) of each episode the feed still lists.

    Returns:
        How many episodes changed.
    """
    stored = dict(
        con.execute(
            "SELECT episode_id, audio_url FROM episodes "
            "WHERE episode_id IN (SELECT unnest(?::VARCHAR[]))",
            [[episode_id for episode_id, _, _ in relisted]],
        ).fetchall()
    )
    moved = [
        (episode_id, storable(url), storable(key))
        for episode_id, url, key in relisted
        if episode_id in stored and stored[episode_id] != storable(url)
    ]
    if moved:  # usually none: one read, no write, even for a long back catalogue
        con.executemany(
            "UPDATE episodes SET audio_url = ?, audio_key = ? WHERE episode_id = ?",
            [[url, key, episode_id] for episode_id, url, key in moved],
        )
    return len(moved)


def refresh_episode_details(
    con: duckdb.DuckDBPyConnection, relisted: Sequence[tuple[str, EpisodeItem]]
) -> int:
    """Give known episodes the title, show notes, date and stated duration their feed lists now.

    Publishers fix a title's typo, fill in show notes or correct a date after the episode is
    out; a podcatcher shows what the feed says now. Only the episode's own row changes: its
    status, error, attempts and the rows below it (transcript, ads, facts) stay, so nothing is
    processed again. A detail the item no longer gives (a blank title or show notes, no date
    or duration) keeps the stored one. `duration_s` follows the feed only where it holds the
    feed's value: not where it is the length of audio podsift decoded (Whisper transcripts).
    `updated_at` moves for each episode that changed.

    Args:
        relisted: (episode_id, item) of each known episode the feed lists now and the run did
            not load.

    Returns:
        How many episodes changed.
    """
    stored = {
        row[0]: row[1:]
        for row in con.execute(
            "SELECT episode_id, title, description, published_at, duration_s, "
            "transcript_source IS NULL OR transcript_source LIKE 'publisher:%' "
            "FROM episodes WHERE episode_id IN (SELECT unnest(?::VARCHAR[]))",
            [[episode_id for episode_id, _ in relisted]],
        ).fetchall()
    }
    changed = []
    for episode_id, item in relisted:
        if episode_id not in stored:
            continue
        title, description, published, duration, feeds_duration = stored[episode_id]
        fresh = (
            storable(item.title) if item.title.strip() else title,
            storable(item.description) if item.description.strip() else description,
            _naive_utc(item.published_at) or published,
            item.duration_s if feeds_duration and item.duration_s is not None else duration,
        )
        if fresh != (title, description, published, duration):
            changed.append([*fresh, episode_id])
    if changed:  # usually none: one read, no write, even for a long back catalogue
        now = utcnow()
        con.executemany(
            "UPDATE episodes SET title = ?, description = ?, published_at = ?, duration_s = ?, "
            "updated_at = ? WHERE episode_id = ?",
            [[*values[:4], now, values[4]] for values in changed],
        )
    return len(changed)


def known_episodes(con: duckdb.DuckDBPyConnection, feed_id: str) -> list[KnownEpisode]:
    rows = con.execute(
        "SELECT episode_id, guid, audio_key, status, attempts FROM episodes WHERE feed_id = ?",
        [feed_id],
    ).fetchall()
    return [KnownEpisode(*row) for row in rows]


def retryable_episodes(
    con: duckdb.DuckDBPyConnection, feed_id: str, max_attempts: int
) -> list[tuple[KnownEpisode, EpisodeItem]]:
    """Failed episodes of a feed with tries left, with the item as the feed last described it."""
    rows = con.execute(
        """
        SELECT episode_id, guid, audio_key, status, attempts,
               title, audio_url, published_at, duration_s, description
        FROM episodes WHERE feed_id = ? AND status = 'failed' AND attempts < ?
        """,
        [feed_id, max_attempts],
    ).fetchall()
    found = []
    for row in rows:
        known = KnownEpisode(*row[:5])
        published = row[7].replace(tzinfo=UTC) if row[7] else None
        item = EpisodeItem(
            guid=row[1],
            title=row[5] or "",
            audio_url=row[6],
            published_at=published,
            duration_s=row[8],
            description=row[9] or "",
        )
        found.append((known, item))
    return found


def recent_done_episode_ids(
    con: duckdb.DuckDBPyConnection, feed_id: str, limit: int = 5
) -> list[str]:
    """The feed's most recent loaded episodes, newest first."""
    rows = con.execute(
        "SELECT episode_id FROM episodes WHERE feed_id = ? AND status = 'done' "
        "ORDER BY published_at DESC NULLS LAST, updated_at DESC LIMIT ?",
        [feed_id, limit],
    ).fetchall()
    return [row[0] for row in rows]


def _upsert_episode_row(con: duckdb.DuckDBPyConnection, result: EpisodeResult) -> None:
    item = result.item
    now = utcnow()
    published = _naive_utc(item.published_at)
    duration = (
        result.transcript.duration_s
        if result.transcript and result.transcript.duration_s
        else item.duration_s
    )
    con.execute(
        """
        INSERT INTO episodes (episode_id, feed_id, guid, audio_key, title, published_at,
                              audio_url, duration_s, description, status, error, attempts,
                              transcript_source, audio_bytes, audio_sha256, first_seen_at,
                              updated_at, warning)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (episode_id) DO UPDATE SET
            guid = excluded.guid, audio_key = excluded.audio_key, title = excluded.title,
            published_at = excluded.published_at, audio_url = excluded.audio_url,
            duration_s = excluded.duration_s, description = excluded.description,
            status = excluded.status, error = excluded.error, attempts = excluded.attempts,
            transcript_source = excluded.transcript_source,
            audio_bytes = excluded.audio_bytes, audio_sha256 = excluded.audio_sha256,
            updated_at = excluded.updated_at, warning = excluded.warning
        """,
        [
            result.episode_id,
            result.feed_id,
            storable(item.guid),
            storable(result.audio_key),
            storable(item.title),
            published,
            storable(item.audio_url),
            duration,
            storable(item.description),
            result.status,
            storable(result.error),
            result.attempts,
            result.transcript.source if result.transcript else None,
            result.audio_bytes,
            result.audio_sha256,
            now,
            now,
            storable(result.warning),
        ],
    )


def _delete_children(con: duckdb.DuckDBPyConnection, episode_id: str) -> None:
    for table in ("segments", "ad_spans", "facts", "adfree_audio"):
        con.execute(f"DELETE FROM {table} WHERE episode_id = ?", [episode_id])


def load_episode(con: duckdb.DuckDBPyConnection, result: EpisodeResult) -> None:
    """Write one episode and all its rows in one transaction (replacing any earlier load)."""
    with transaction(con):
        _upsert_episode_row(con, result)
        _delete_children(con, result.episode_id)
        if result.status != "done" or result.transcript is None:
            return
        segments = result.transcript.segments
        is_ad = result.is_ad or [False] * len(segments)
        _insert_columns(
            con,
            "segments",
            result.episode_id,
            [
                ("DOUBLE", [s.start for s in segments]),
                ("DOUBLE", [s.end for s in segments]),
                ("VARCHAR", [s.text for s in segments]),
                ("BOOLEAN", [bool(flag) for flag in is_ad]),
            ],
        )
        spans = result.ad_spans
        _insert_columns(
            con,
            "ad_spans",
            result.episode_id,
            [
                ("DOUBLE", [a.start for a in spans]),
                ("DOUBLE", [a.end for a in spans]),
                ("DOUBLE", [a.confidence for a in spans]),
                ("VARCHAR", [a.reason for a in spans]),
            ],
        )
        facts = result.facts
        _insert_columns(
            con,
            "facts",
            result.episode_id,
            [
                ("VARCHAR", [f.text for f in facts]),
                ("DOUBLE", [f.start for f in facts]),
                ("DOUBLE", [f.end for f in facts]),
                ("DOUBLE", [f.score for f in facts]),
                ("VARCHAR[]", [list(f.entities) for f in facts]),
            ],
        )
        if result.adfree is not None:
            _insert_adfree(con, result.episode_id, result.adfree)


def _insert_adfree(con: duckdb.DuckDBPyConnection, episode_id: str, adfree: AdFreeAudio) -> None:
    con.execute(
        "INSERT INTO adfree_audio (episode_id, status, path, mime_type, duration_s, removed_s, "
        "bytes, reason, cuts, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            episode_id,
            adfree.status,
            adfree.path,
            adfree.mime_type,
            adfree.duration_s,
            adfree.removed_s,
            adfree.bytes,
            storable(adfree.reason),
            [list(c) for c in adfree.cuts],
            utcnow(),
        ],
    )


def _insert_columns(
    con: duckdb.DuckDBPyConnection,
    table: str,
    episode_id: str,
    columns: list[tuple[str, list[Any]]],
) -> None:
    """Insert an episode's child rows, numbered from 0, in one statement.

    The columns travel as one JSON text that DuckDB parses and unnests side by side. Binding
    them as Python list parameters, registering numpy arrays (DuckDB then probes for pandas and
    friends per value), or `executemany` with a statement per row all cost about 1 ms a row.
    """
    n = len(columns[0][1])
    if n == 0:
        return
    names = [f"c{i}" for i in range(len(columns))]
    shape = json.dumps({name: f"{kind}[]" for name, (kind, _) in zip(names, columns, strict=True)})
    payload = json.dumps(
        {
            name: [storable(v) for v in values] if kind.startswith("VARCHAR") else values
            for name, (kind, values) in zip(names, columns, strict=True)
        }
    )
    unnests = ", ".join(f"unnest(j.{name})" for name in names)
    con.execute(
        f"INSERT INTO {table} SELECT ?, unnest(range(?::BIGINT))::INTEGER, {unnests} "
        "FROM (SELECT from_json(?, ?) AS j)",
        [episode_id, n, payload, shape],
    )


def start_run(con: duckdb.DuckDBPyConnection, run_id: str) -> None:
    """Open a `runs` row; runs left 'running' by a killed process are marked 'aborted'."""
    with transaction(con):
        con.execute(
            "UPDATE runs SET status = 'aborted', message = 'process ended before the run "
            "finished' WHERE status = 'running'"
        )
        con.execute(
            "INSERT INTO runs (run_id, started_at, status) VALUES (?, ?, 'running')",
            [run_id, utcnow()],
        )


def finish_run(
    con: duckdb.DuckDBPyConnection,
    run_id: str,
    status: RunStatus,
    counts: RunCounts,
    message: str | None = None,
) -> None:
    """Close the `runs` row `start_run` opened."""
    record_run(
        con,
        run_id=run_id,
        started_at=None,
        finished_at=utcnow(),
        status=status,
        counts=counts,
        message=message,
    )


def record_run(
    con: duckdb.DuckDBPyConnection,
    *,
    run_id: str,
    started_at: datetime | None,
    finished_at: datetime,
    status: str,
    counts: RunCounts,
    message: str | None,
) -> None:
    """Write a run's row whole, or complete the one `start_run` opened.

    A run whose warehouse was held throughout has no row yet: the next run writes it from the
    record kept in `data_dir`, with its own times.
    """
    con.execute(
        """
        INSERT INTO runs (run_id, started_at, finished_at, status, feeds_polled, feeds_failed,
            episodes_new, episodes_done, episodes_failed, episodes_skipped, episodes_deferred,
            minutes_transcribed, ads_found, facts_extracted, message)
        VALUES (?, COALESCE(?::TIMESTAMP, ?::TIMESTAMP), ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT (run_id) DO UPDATE SET
            finished_at = excluded.finished_at, status = excluded.status,
            feeds_polled = excluded.feeds_polled, feeds_failed = excluded.feeds_failed,
            episodes_new = excluded.episodes_new, episodes_done = excluded.episodes_done,
            episodes_failed = excluded.episodes_failed,
            episodes_skipped = excluded.episodes_skipped,
            episodes_deferred = excluded.episodes_deferred,
            minutes_transcribed = excluded.minutes_transcribed,
            ads_found = excluded.ads_found, facts_extracted = excluded.facts_extracted,
            message = excluded.message
        """,
        [
            run_id,
            _naive_utc(started_at),
            _naive_utc(finished_at),
            _naive_utc(finished_at),
            status,
            counts.feeds_polled,
            counts.feeds_failed,
            counts.episodes_new,
            counts.episodes_done,
            counts.episodes_failed,
            counts.episodes_skipped,
            counts.episodes_deferred,
            round(counts.minutes_transcribed, 3),
            counts.ads_found,
            counts.facts_extracted,
            storable(message),
        ],
    )


def _naive_utc(value: datetime | None) -> datetime | None:
    """The warehouse stores naive UTC timestamps."""
    if value is None or value.tzinfo is None:
        return value
    return value.astimezone(UTC).replace(tzinfo=None)
