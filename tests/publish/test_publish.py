"""Ad-free feeds end to end: the daily flow cuts the audio, `podsift publish` writes the feed.

A loopback server serves a show of two episodes (a mid-roll read, and a post-roll spot); the
`daily` flow runs under Prefect's test harness with the real Whisper model; the published feed
is read back by feedparser and by podcastparser (gPodder's parser), and its files are checked
against what a listener would hear.
"""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import duckdb
import feedparser
import podcastparser
import pytest

from podsift.flows.cli import main
from podsift.flows.daily import daily
from podsift.flows.publish import publish_all
from podsift.tasks.ads.audio_cut import probe_duration
from podsift.tasks.core.config import load_config
from tests.conftest import AUDIO, FeedServer, Route, check_warehouse_invariants, rss, write_config

pytestmark = pytest.mark.slow

AD_WORDS = {"kettle", "starter", "kit", "percent"}


def words(text: str) -> set[str]:
    return set(re.findall(r"[a-z]+", text.lower()))


def serve_show(server: FeedServer) -> None:
    for name in ("midroll", "episode_b"):
        server.add_audio(name)
    items = [
        {
            "guid": "harbour-1",
            "title": "The lighthouse &amp; the keepers",
            "url": server.url("/audio/midroll.mp3"),
            "pub": "Mon, 03 Mar 2025 06:00:00 +0000",
            "duration": "0:28",
            "description": "The Gull Point lighthouse.",
            "length": (AUDIO / "midroll.mp3").stat().st_size,
        },
        {
            "guid": "harbour-2",
            "title": "Honey bees",
            "url": server.url("/audio/episode_b.mp3"),
            "pub": "Mon, 10 Mar 2025 06:00:00 +0000",
            "duration": "0:21",
            "description": "Bees and flowers.",
            "length": (AUDIO / "episode_b.mp3").stat().st_size,
        },
    ]
    body = rss(items, title="Harbour Notes").replace(
        b"<description>test feed</description>",
        b"<description>test feed</description><language>en</language>"
        b'<itunes:image href="http://example.invalid/cover.jpg"/>'
        b"<itunes:author>Harbour Folk</itunes:author>",
    )
    server.add("/show.xml", Route(body=body, headers={"Content-Type": "application/rss+xml"}))


def test_run_then_publish_gives_an_ad_free_feed(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    serve_show(server)
    config = write_config(tmp_path, [server.url("/show.xml")])
    summary = daily(str(config))
    assert summary.exit_code == 0, summary.render()
    assert "ad-free audio     2 cut" in summary.render()
    data_dir = tmp_path / "data"
    check_warehouse_invariants(tmp_path / "warehouse.duckdb", data_dir)
    assert list((data_dir / "audio").glob("*")) == []  # keep_audio false: originals deleted

    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    rows = con.execute(
        "SELECT e.guid, a.status, a.path, a.duration_s, a.removed_s, a.bytes, a.cuts, "
        "e.duration_s FROM adfree_audio a JOIN episodes e USING (episode_id) ORDER BY e.guid"
    ).fetchall()
    spans = con.execute(
        "SELECT e.guid, s.start_s, s.end_s FROM ad_spans s JOIN episodes e USING (episode_id) "
        "ORDER BY e.guid, s.start_s"
    ).fetchall()
    con.close()
    assert [r[0] for r in rows] == ["harbour-1", "harbour-2"]
    for guid, status, path, duration, removed, size, cuts, original in rows:
        assert status == "cut", guid
        copy = Path(path)
        assert copy.parent == data_dir / "adfree" and copy.stat().st_size == size
        # The copy is the original less what was removed; the cuts cover the spans found.
        assert abs(probe_duration(copy) - duration) < 0.05
        assert abs(duration - (original - removed)) <= 0.2
        assert removed == pytest.approx(sum(b - a for a, b in cuts), abs=0.01)
        for g, start, end in spans:
            if g == guid:
                assert any(a - 1.6 <= start and end <= b + 1.6 for a, b in cuts)

    out = tmp_path / "published"
    first = publish_all(load_config(config), out, "http://podcasts.example/ad-free/")
    (report,) = first.feeds
    assert (report.slug, report.items, report.ad_free) == ("feed0", 2, 2)
    feed_xml = (out / "feed0" / "feed.xml").read_bytes()

    assert b"<itunes:block>Yes</itunes:block>" in feed_xml  # kept out of public directories
    parsed = feedparser.parse(feed_xml)
    assert parsed.bozo == 0
    assert parsed.feed.title == "Harbour Notes (ad-free)"
    assert parsed.feed.image.href == "http://example.invalid/cover.jpg"
    assert parsed.feed.author == "Harbour Folk"
    entries = {e.id: e for e in parsed.entries}
    assert set(entries) == {"harbour-1", "harbour-2"}
    assert entries["harbour-1"].title == "The lighthouse & the keepers"
    by_guid = {r[0]: r for r in rows}
    gpodder = podcastparser.parse(
        "http://podcasts.example/ad-free/feed0/feed.xml", io.BytesIO(feed_xml)
    )
    assert gpodder["title"] == "Harbour Notes (ad-free)"
    episodes = {e["guid"]: e for e in gpodder["episodes"]}
    for guid in ("harbour-1", "harbour-2"):
        entry, episode = entries[guid], episodes[guid]
        (enclosure,) = entry.enclosures
        name = enclosure.href.rsplit("/", 1)[1]
        assert enclosure.href == f"http://podcasts.example/ad-free/feed0/{name}"
        local = out / "feed0" / name
        assert int(enclosure.length) == local.stat().st_size == by_guid[guid][5]
        assert enclosure.type == "audio/mpeg"
        assert episode["total_time"] == round(by_guid[guid][3])
        assert episode["enclosures"][0]["url"] == enclosure.href
        # podcast:transcript and podcast:chapters point at files written beside the feed.
        vtt = (out / "feed0" / name.replace(".mp3", ".vtt")).read_text(encoding="utf-8")
        chapters = json.loads((out / "feed0" / name.replace(".mp3", ".chapters.json")).read_text())
        assert f"feed0/{name.replace('.mp3', '.vtt')}".encode() in feed_xml
        assert f"feed0/{name.replace('.mp3', '.chapters.json')}".encode() in feed_xml
        assert vtt.startswith("WEBVTT")
        assert not words(vtt) & AD_WORDS, vtt
        titles = [c["title"] for c in chapters["chapters"]]
        assert any(t.startswith("Ad removed: ") for t in titles), titles
        assert all(c["startTime"] <= by_guid[guid][3] for c in chapters["chapters"])
    vtt1 = (out / "feed0").glob("*.vtt")
    assert "lighthouse" in " ".join(p.read_text() for p in vtt1).lower()

    mtimes = {p: p.stat().st_mtime_ns for p in (out / "feed0").iterdir()}
    second = publish_all(load_config(config), out, "http://podcasts.example/ad-free/")
    assert second.feeds[0].written == 0 and second.feeds[0].unchanged == len(mtimes)
    assert {p: p.stat().st_mtime_ns for p in (out / "feed0").iterdir()} == mtimes


def test_publish_before_any_run_says_what_to_do(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from podsift.warehouse.db import writer

    config = write_config(tmp_path, [])
    assert main(["publish", str(tmp_path / "out"), "--config", str(config)]) == 1
    assert capsys.readouterr().err == (
        f"podsift: no warehouse at {tmp_path / 'warehouse.duckdb'} yet: the first `run` makes it\n"
    )
    with writer(tmp_path / "warehouse.duckdb"):
        pass  # a warehouse with no episodes loaded
    assert main(["publish", str(tmp_path / "out"), "--config", str(config)]) == 0
    assert capsys.readouterr().out == (
        "nothing to publish yet: no loaded episodes (run `podsift run` first)\n"
    )


def test_publish_refuses_a_base_url_that_is_not_http(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    config = write_config(tmp_path, [])
    assert main(["publish", "--base-url", "ftp://x/", "--config", str(config)]) == 2
    assert "is not an http(s) URL" in capsys.readouterr().err
