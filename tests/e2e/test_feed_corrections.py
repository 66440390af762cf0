"""A feed that corrects what it said about episodes podsift already has, through the real
`daily` flow (a temporary Prefect API, a loopback HTTP server, a DuckDB file).

Publishers fix a typo in a title, fill in show notes later, correct a date or a duration. The
episodes load from publisher transcripts or transcripts staged in data_dir, so Whisper is not
needed.
"""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from podsift.flows.cli import main
from podsift.tasks.core.config import load_config
from podsift.tasks.ingest.feeds import episode_id_for, feed_id_for
from podsift.tasks.run.episode import transcript_path_for
from podsift.warehouse.search import search, stored_index_is_fresh
from tests.conftest import (
    DATA,
    FeedServer,
    check_warehouse_invariants,
    rss,
    warehouse_query,
    write_config,
)

pytestmark = pytest.mark.slow  # Prefect's temporary API

VTT = (DATA / "transcripts" / "interview.vtt").read_bytes()
WHISPER = json.loads((DATA / "transcripts" / "interview.whisper.json").read_text())
NO_TITLE = "NO-TITLE-IN-THIS-ITEM"

# What an episode's processing left, which a correction in the feed must not touch.
KEPT = "status, error, attempts, transcript_source, audio_url, first_seen_at"


def _episodes(warehouse: Path, columns: str) -> dict[str, tuple[Any, ...]]:
    rows = warehouse_query(warehouse, f"SELECT guid, {columns} FROM episodes ORDER BY guid")
    return {row[0]: row[1:] for row in rows}


def _children(warehouse: Path) -> list[list[tuple[Any, ...]]]:
    return [
        warehouse_query(warehouse, f"SELECT * FROM {table} ORDER BY ALL")
        for table in ("segments", "ad_spans", "facts")
    ]


def _feed(server: FeedServer, items: list[dict[str, Any]]) -> bytes:
    return rss(items).replace(f"<title>{NO_TITLE}</title>".encode(), b"")


def _stage(path: Path, segments: list[Any], duration_s: float) -> None:
    """A transcript a run left in data_dir: the next run loads it instead of transcribing."""
    path.parent.mkdir(parents=True, exist_ok=True)
    transcript = {"language": "en", "duration": duration_s, "source": "whisper:tiny.en"}
    path.write_text(json.dumps({**transcript, "segments": segments}), encoding="utf-8")


def test_a_feed_that_corrects_known_episodes_is_followed_without_processing_them_again(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """Titles, show notes, dates and stated durations of known episodes used to stay as podsift
    first read them, for good. Now each poll takes what the feed says of the episodes it
    lists, done, failed and skipped alike, and nothing else: no episode is processed again,
    no attempt is used, no transcript, ad or fact changes, and an episode the feed no longer
    lists (or a partial document loses) keeps what it has."""
    from podsift.flows.daily import daily

    for name in ("a", "e"):
        server.add(f"/t/{name}.vtt", body=VTT, headers={"Content-Type": "text/vtt"})

    def item(guid: str, title: str, audio: str, **more: Any) -> dict[str, Any]:
        found = {"guid": guid, "title": title, "url": server.url(f"/audio/{audio}.mp3")}
        if audio in ("a", "c", "e"):  # c's transcript link is dead: it fails, out of tries
            link = f'<podcast:transcript url="{server.url(f"/t/{audio}.vtt")}" type="text/vtt"/>'
            found["raw"] = [link]
        return {"duration": "0:21", "pub": "Mon, 03 Mar 2025 06:00:00 +0000", **found, **more}

    first_items = [
        item("publisher", "Harbr Reprot", "a"),
        item("whisper", "Staged Show", "b", duration="0:30"),
        item("dead-link", "Dead Lnk", "c", description="Old notes"),
        item("silent", "Quiet Hour", "d", duration="0:10"),
        item("gone", "Gone Tomorrow", "e"),
    ]
    feed_url = server.add("/feed.xml", body=_feed(server, first_items))
    config = write_config(tmp_path, [feed_url], publish={"ad_free_audio": False}, max_attempts=1)
    cfg = load_config(config)
    feed_id = feed_id_for(cfg.feeds[0].url)
    _stage(
        transcript_path_for(cfg.data_dir, episode_id_for(feed_id, "whisper")),
        WHISPER["segments"],
        21.5,
    )
    _stage(transcript_path_for(cfg.data_dir, episode_id_for(feed_id, "silent")), [], 10.0)
    warehouse = tmp_path / "warehouse.duckdb"

    first = daily(str(config))
    assert (first.counts.episodes_done, first.counts.episodes_failed) == (3, 1), first.render()
    assert first.counts.episodes_skipped == 1
    kept = _episodes(warehouse, KEPT)
    assert {guid: row[0] for guid, row in kept.items()} == {
        "dead-link": "failed",
        "gone": "done",
        "publisher": "done",
        "silent": "skipped",
        "whisper": "done",
    }
    children = _children(warehouse)
    publisher_id = episode_id_for(feed_id, "publisher")
    facts = f"SELECT count(*) FROM facts WHERE episode_id = '{publisher_id}'"
    assert warehouse_query(warehouse, facts)[0][0], "the new title must reach some facts' links"
    updated = _episodes(warehouse, "updated_at")
    hits = {path: server.hits(path) for path in ("/t/a.vtt", "/t/e.vtt", "/audio/c.mp3")}

    # The publisher fixes a typo, fills in show notes, corrects a date and a duration; an
    # item loses its title (a blank one keeps the stored title), another its show notes.
    server.routes["/feed.xml"].body = _feed(
        server,
        [
            item(
                "publisher",
                "Zanzibar Harbor Report",
                "a",
                description="Show notes, filled in later.",
                pub="Tue, 04 Mar 2025 07:30:00 +0000",
                duration="0:25",
            ),
            item("whisper", "Staged Show, Corrected", "b", duration="0:40"),
            item("dead-link", "Dead Link", "c"),
            item("silent", NO_TITLE, "d", duration="0:12", description="Nothing to hear."),
        ],
    )
    second = daily(str(config))
    assert second.exit_code == 0, second.render()
    counts = second.counts
    assert (counts.episodes_new, counts.episodes_done, counts.episodes_failed) == (0, 0, 0)
    assert counts.episodes_skipped == 0
    assert {path: server.hits(path) for path in hits} == hits  # nothing fetched again
    details = "title, description, published_at, duration_s"
    assert _episodes(warehouse, details) == {
        "dead-link": ("Dead Link", "Old notes", datetime(2025, 3, 3, 6), 21.0),
        "gone": ("Gone Tomorrow", "", datetime(2025, 3, 3, 6), 21.0),
        "publisher": (
            "Zanzibar Harbor Report",
            "Show notes, filled in later.",
            datetime(2025, 3, 4, 7, 30),
            25.0,  # the feed's own figure: the transcript came from the feed too
        ),
        "silent": ("Quiet Hour", "Nothing to hear.", datetime(2025, 3, 3, 6), 12.0),
        "whisper": ("Staged Show, Corrected", "", datetime(2025, 3, 3, 6), 21.5),  # decoded
    }
    assert _episodes(warehouse, KEPT) == kept
    assert _children(warehouse) == children
    now_updated = _episodes(warehouse, "updated_at")
    assert now_updated["gone"] == updated["gone"]
    assert all(now_updated[g] > updated[g] for g in ("publisher", "whisper", "dead-link", "silent"))

    # What copies the title follows: the search index (rebuilt by this run, though it loaded
    # nothing), the facts' links, and the ad-free feed `podsift publish` writes.
    assert stored_index_is_fresh(warehouse)
    found = search(warehouse, "zanzibar", 3)
    assert [(h.kind, h.episode_title) for h in found] == [("title", "Zanzibar Harbor Report")]
    assert warehouse_query(
        warehouse,
        f"SELECT DISTINCT episode_title FROM fact_links WHERE episode_id = '{publisher_id}'",
    ) == [("Zanzibar Harbor Report",)]
    assert main(["publish", str(tmp_path / "published"), "--config", str(config)]) == 0
    published = (tmp_path / "published" / "feed0" / "feed.xml").read_text(encoding="utf-8")
    assert "Zanzibar Harbor Report" in published and "Harbr Reprot" not in published
    assert "Show notes, filled in later." in published and "04 Mar 2025 07:30:00" in published

    # A document cut short: the complete item before the cut is read, the one cut is not.
    whole = _feed(
        server,
        [
            item("publisher", "Zanzibar Harbor Report, Part One", "a", duration="0:25"),
            item("whisper", "Should Not Land", "b", duration="0:40"),
        ],
    )
    server.routes["/feed.xml"].body = whole[: whole.index(b"Should Not Land") + 8]
    third = daily(str(config))
    assert third.counts.episodes_new == third.counts.episodes_done == 0, third.render()
    warning = warehouse_query(warehouse, "SELECT last_warning FROM feeds")[0][0]
    assert warning.endswith("the feed is partial"), warning
    titles = _episodes(warehouse, "title")
    assert titles["publisher"] == ("Zanzibar Harbor Report, Part One",)
    assert titles["whisper"] == ("Staged Show, Corrected",)
    # Show notes the cut document does not give are kept, like a blank title.
    assert _episodes(warehouse, "description")["publisher"] == ("Show notes, filled in later.",)
    assert _episodes(warehouse, KEPT) == kept
    assert _children(warehouse) == children
    check_warehouse_invariants(warehouse, cfg.data_dir)
