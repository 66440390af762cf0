"""What `podsift publish` reads: each feed's loaded episodes with their ad-free copies."""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb

from podsift.tasks.core.records import PublishEpisode, PublishFeed
from podsift.warehouse.db import reader


def read_publishable(path: Path) -> list[PublishFeed]:
    """Every feed with its `done` episodes, newest first, ready to publish."""
    with reader(path) as con:
        return publishable_feeds(con)


def publishable_feeds(con: duckdb.DuckDBPyConnection) -> list[PublishFeed]:
    feeds = con.execute(
        "SELECT feed_id, COALESCE(current_url, url), name, title, channel_json FROM feeds "
        "ORDER BY COALESCE(name, title, url)"
    ).fetchall()
    episodes = con.execute(
        """
        SELECT e.episode_id, e.feed_id, e.guid, e.title, e.published_at, e.description,
               e.audio_url, e.audio_bytes, e.duration_s,
               a.status, a.path, a.mime_type, a.duration_s, a.bytes, a.reason, a.cuts
        FROM episodes e LEFT JOIN adfree_audio a USING (episode_id)
        WHERE e.status = 'done'
        ORDER BY e.published_at DESC NULLS LAST, e.first_seen_at DESC, e.episode_id
        """
    ).fetchall()
    ids = [row[0] for row in episodes]
    segments = _children(
        con, "SELECT episode_id, start_s, end_s, text, is_ad FROM segments", ids, "seq"
    )
    spans = _children(con, "SELECT episode_id, start_s, end_s, reason FROM ad_spans", ids, "seq")
    facts = _children(con, "SELECT episode_id, start_s, text FROM facts", ids, "start_s, seq")
    by_feed: dict[str, list[PublishEpisode]] = defaultdict(list)
    for row in episodes:
        (eid, feed_id, guid, title, published, description, audio_url, audio_bytes, duration) = row[
            :9
        ]
        status, adfree_path, mime, adfree_duration, adfree_bytes, reason, cuts = row[9:]
        by_feed[feed_id].append(
            PublishEpisode(
                episode_id=eid,
                guid=guid,
                title=title or "",
                published_at=published,
                description=description or "",
                audio_url=audio_url or "",
                audio_bytes=audio_bytes,
                duration_s=float(duration or 0.0),
                adfree_status=status,
                adfree_path=Path(adfree_path) if adfree_path else None,
                adfree_mime=mime,
                adfree_duration_s=adfree_duration,
                adfree_bytes=adfree_bytes,
                adfree_reason=reason,
                cuts=tuple((float(a), float(b)) for a, b in (cuts or ())),
                segments=tuple((s, e, t, bool(ad)) for s, e, t, ad in segments.get(eid, ())),
                ad_spans=tuple((s, e, r) for s, e, r in spans.get(eid, ())),
                facts=tuple((s, t) for s, t in facts.get(eid, ())),
            )
        )
    return [
        PublishFeed(
            feed_id=feed_id,
            url=url,
            name=name,
            title=title,
            channel=_channel(channel_json),
            episodes=tuple(by_feed[feed_id]),
        )
        for feed_id, url, name, title, channel_json in feeds
        if by_feed.get(feed_id)
    ]


def _children(
    con: duckdb.DuckDBPyConnection, select: str, ids: list[str], order: str
) -> dict[str, list[tuple[Any, ...]]]:
    out: dict[str, list[tuple[Any, ...]]] = defaultdict(list)
    if not ids:
        return out
    rows = con.execute(
        f"{select} WHERE episode_id IN (SELECT unnest(?::VARCHAR[])) ORDER BY episode_id, {order}",
        [ids],
    ).fetchall()
    for row in rows:
        out[row[0]].append(row[1:])
    return out


def _channel(text: str | None) -> dict[str, Any] | None:
    if not text:
        return None
    try:
        data = json.loads(text)
    except ValueError:
        return None
    return data if isinstance(data, dict) else None
