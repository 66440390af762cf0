"""The whole path, for real: a loopback HTTP server serves a feed and spoken audio, the `daily`
flow runs under Prefect's test harness with the real Whisper model, and rows land in a real
DuckDB file. Then a second run changes nothing and downloads no audio (ETag, 304).
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import duckdb
import pytest

from podsift.flows.cli import main
from podsift.flows.daily import daily
from tests.conftest import AUDIO, FeedServer, Route, rss, write_config

pytestmark = pytest.mark.slow

TABLES = ("feeds", "episodes", "segments", "ad_spans", "facts")
# Words only the sponsor read says, and words only the shows say.
AD_ONLY = {"starter", "kit", "supported"}
CONTENT_ONLY = {"tomatoes", "bees", "hive", "lavender", "gardeners", "centimeters"}
OTHER_SIDE = {True: CONTENT_ONLY, False: AD_ONLY}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def snapshot(path: Path) -> dict[str, list[tuple]]:
    con = duckdb.connect(str(path), read_only=True)
    try:
        return {
            "episodes": con.execute(
                "SELECT episode_id, status, error, attempts, transcript_source FROM episodes "
                "ORDER BY ALL"
            ).fetchall(),
            "segments": con.execute("SELECT * FROM segments ORDER BY ALL").fetchall(),
            "ad_spans": con.execute("SELECT * FROM ad_spans ORDER BY ALL").fetchall(),
            "facts": con.execute(
                "SELECT episode_id, seq, text, start_s, end_s FROM facts ORDER BY ALL"
            ).fetchall(),
        }
    finally:
        con.close()


def serve_show(server: FeedServer) -> None:
    for name in ("episode_a", "episode_b"):
        server.add_audio(name)
    items = [
        {
            "guid": "garden-1",
            "title": "Tomatoes",
            "url": server.url("/audio/episode_a.mp3"),
            "pub": "Mon, 03 Mar 2025 06:00:00 +0000",
            "duration": "0:21",
            "description": "This week: tomatoes. Supported by Seed Box.",
        },
        {
            "guid": "garden-2",
            "title": "Honey bees",
            "url": server.url("/audio/episode_b.mp3"),
            "pub": "Mon, 10 Mar 2025 06:00:00 +0000",
            "duration": "0:21",
            "description": "Bees and flowers. Supported by Seed Box.",
        },
        {
            "guid": "garden-3",
            "title": "Lost episode",
            "url": server.url("/audio/gone.mp3"),
            "pub": "Mon, 17 Mar 2025 06:00:00 +0000",
        },
    ]
    server.add(
        "/garden.xml",
        Route(
            body=rss(items, title="Green Garden Radio"),
            headers={"Content-Type": "application/rss+xml"},
        ),
    )
    server.add(
        "/not-a-feed.xml",
        Route(
            body=b"<!DOCTYPE html><html><body>Moved</body></html>",
            headers={"Content-Type": "text/html"},
        ),
    )


def test_daily_flow_end_to_end(tmp_path: Path, server: FeedServer, prefect_harness: None) -> None:
    serve_show(server)
    config = write_config(tmp_path, [server.url("/garden.xml"), server.url("/not-a-feed.xml")])
    warehouse = tmp_path / "warehouse.duckdb"

    summary = daily(str(config))

    assert summary.exit_code == 1  # one feed and one episode failed; the rest loaded
    con = duckdb.connect(str(warehouse), read_only=True)
    episodes = dict(con.execute("SELECT guid, status FROM episodes").fetchall())
    assert episodes == {"garden-1": "done", "garden-2": "done", "garden-3": "failed"}
    error = con.execute("SELECT error FROM episodes WHERE guid = 'garden-3'").fetchone()[0]
    assert "not found (HTTP 404)" in error and "/audio/gone.mp3" in error
    feeds = dict(con.execute("SELECT url, last_error FROM feeds").fetchall())
    assert feeds[server.url("/garden.xml")] is None
    assert "HTML page, not an RSS or Atom feed" in feeds[server.url("/not-a-feed.xml")]

    # Segments are time-ordered, and the sponsor read is marked as an ad: the ad's words and
    # the content's words are the scripts' (tests/data/audio/*.json), each on its side.
    for guid, name in (("garden-1", "episode_a"), ("garden-2", "episode_b")):
        rows = con.execute(
            "SELECT s.start_s, s.end_s, s.text, s.is_ad FROM segments s "
            "JOIN episodes e USING (episode_id) WHERE e.guid = ? ORDER BY seq",
            [guid],
        ).fetchall()
        assert all(a[0] <= b[0] for a, b in zip(rows, rows[1:], strict=False))
        script = json.loads((AUDIO / f"{name}.json").read_text(encoding="utf-8"))["parts"]
        for is_ad in (True, False):
            heard = words(" ".join(r[2] for r in rows if r[3] == is_ad))
            said = words(" ".join(p["text"] for p in script if (p["kind"] == "ad") == is_ad))
            # Whisper writes "$19" and "seedbox.com" for "nineteen dollars", "seed box dot com":
            # the words that tell the two sides apart are compared, each on its side.
            own = (AD_ONLY if is_ad else CONTENT_ONLY) & said
            assert own and own <= heard, (guid, is_ad, own - heard)
            assert not heard & (OTHER_SIDE[is_ad] - said), (guid, is_ad)
    spans = con.execute(
        "SELECT e.guid, a.start_s, a.end_s, a.confidence, a.reason FROM ad_spans a "
        "JOIN episodes e USING (episode_id) ORDER BY e.guid, a.start_s"
    ).fetchall()
    assert {s[0] for s in spans} == {"garden-1", "garden-2"}
    assert all(0 < s[3] <= 1 and s[4] for s in spans)
    facts = con.execute(
        "SELECT f.text, f.start_s, f.end_s, e.guid FROM facts f JOIN episodes e USING (episode_id)"
    ).fetchall()
    # Every fact is content speech: said outside the ad spans, in words the content says.
    # garden-2 states one ("One hive can visit 2 million flowers ..."); garden-1's only content
    # sentence is an instruction ("Plant tomatoes in May ..."), not a statement, so by the
    # documented rule (tasks/facts/candidates.py) it yields none.
    assert [f[3] for f in facts] == ["garden-2"]
    assert "2 million flowers" in facts[0][0]
    for text, start, end, guid in facts:
        assert not any(
            g == guid and start < s_end and s_start < end for g, s_start, s_end, *_ in spans
        ), text
        assert "starter kit" not in text.lower()
    run = con.execute(
        "SELECT status, feeds_polled, feeds_failed, episodes_new, episodes_done, "
        "episodes_failed, ads_found, facts_extracted, minutes_transcribed FROM runs"
    ).fetchall()
    con.close()
    assert len(run) == 1
    status, polled, feeds_failed, new, done, failed, ads, n_facts, minutes = run[0]
    assert (status, polled, feeds_failed, new, done, failed) == ("partial", 2, 1, 3, 2, 1)
    assert ads == len(spans) and n_facts == len(facts)
    assert 0.5 < minutes < 1.0
    before = snapshot(warehouse)
    audio_hits = server.hits("/audio/episode_a.mp3") + server.hits("/audio/episode_b.mp3")
    assert audio_hits == 2

    # Second run, through the CLI: the feed answers 304, no audio is fetched, nothing changes
    # but the failed episode's retry count.
    assert main(["run", "--config", str(config), "--quiet"]) == 1
    assert server.hits("/garden.xml") == 2
    assert server.full_hits("/garden.xml") == 1  # the second answer was a 304
    assert server.hits("/audio/episode_a.mp3") + server.hits("/audio/episode_b.mp3") == 2
    after = snapshot(warehouse)
    for table in ("segments", "ad_spans", "facts"):
        assert after[table] == before[table], table
    attempts = {row[0]: row[3] for row in after["episodes"]}
    assert sorted(attempts.values()) == [1, 1, 2]  # only the 404 episode was tried again
    con = duckdb.connect(str(warehouse), read_only=True)
    assert con.execute("SELECT count(*) FROM runs").fetchone()[0] == 2
    con.close()
