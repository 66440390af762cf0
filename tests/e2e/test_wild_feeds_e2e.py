"""Feeds as they are in the wild, through the real `daily` flow: a loopback HTTP server, a
temporary Prefect API, a DuckDB file, and Whisper for the one episode without a transcript.

The show's feed is served gzip-compressed as `text/html` behind a 302, its audio through a
chain of tracking redirects; its items carry what real feeds carry (a CDATA title with
entities, a date without a zone, an MP3 typed as video, audio only in a
`podcast:alternateEnclosure`). Two more feeds declare an encoding Python does not know, and
are RSS 1.0. Every playable episode must be found once, loaded once, and stay itself.
"""

from __future__ import annotations

import gzip
from datetime import datetime
from pathlib import Path

import pytest

from tests.conftest import AUDIO, DATA, FeedServer, rss, warehouse_query, write_config

pytestmark = pytest.mark.slow  # Prefect's temporary API, Whisper

VTT = (DATA / "transcripts" / "interview.vtt").read_bytes()


def _transcript(server: FeedServer, name: str) -> str:
    url = server.add(f"/t/{name}.vtt", body=VTT, headers={"Content-Type": "text/vtt"})
    return f'<podcast:transcript url="{url}" type="text/vtt"/>'


def _wild_show(server: FeedServer) -> str:
    """The show's feed URL (a 302 to the gzip-compressed document)."""
    server.add(
        "/cdn/one.mp3",
        body=(AUDIO / "speech_short.mp3").read_bytes(),
        headers={"Content-Type": "audio/mpeg"},
    )
    server.add("/trk/redirect.mp3/cdn/one.mp3", status=302, location=server.url("/hop/one.mp3"))
    server.add("/hop/one.mp3", status=302, location=server.url("/cdn/one.mp3?utm_source=rss"))
    document = rss(
        [
            {
                "guid": "one",
                "title": "<![CDATA[Tom &amp; Jerry&#8217;s Hour]]>",
                "pub": "Fri, 07 Mar 2025 06:00:00",  # no zone: feedparser read no date
                "url": server.url("/trk/redirect.mp3/cdn/one.mp3"),
                "raw": [_transcript(server, "one")],
            },
            {
                "guid": "two",
                "title": "Typed as video",
                "pub": "Thu, 06 Mar 2025 08:00:00 CEST",
                "url": server.url("/cdn/two.mp3"),
                "type": "video/mpeg",
                "raw": [_transcript(server, "two")],
            },
            {
                "guid": "three",
                "title": "Only an alternate enclosure",
                "pub": "Wed, 05 Mar 2025 06:00:00 GMT",
                "raw": [
                    '<podcast:alternateEnclosure type="audio/mpeg" length="5000" default="true">'
                    f'<podcast:source uri="{server.url("/cdn/three.mp3")}"/>'
                    "</podcast:alternateEnclosure>",
                    _transcript(server, "three"),
                ],
            },
            {
                "guid": "old",
                "title": "The oldest",
                "pub": "Mon, 03 Mar 2025 06:00:00 GMT",
                "url": server.url("/cdn/old.mp3"),
                "raw": [_transcript(server, "old")],
            },
        ],
        title="<![CDATA[Rock &amp; Roll]]>",
    )
    server.add(
        "/show.xml",
        body=gzip.compress(document),
        headers={"Content-Type": "text/html; charset=utf-8", "Content-Encoding": "gzip"},
    )
    return server.add("/old-address.xml", status=302, location=server.url("/show.xml"))


def _mysql_feed(server: FeedServer) -> str:
    document = rss(
        [
            {
                "guid": "m1",
                "title": "Caf\u00e9 stories",
                "url": server.url("/cdn/m1.mp3"),
                "raw": [_transcript(server, "m1")],
            }
        ],
        title="Declared utf8mb4",
    ).replace(b'encoding="UTF-8"', b'encoding="utf8mb4"')
    return server.add("/mysql.xml", body=document)


def _rdf_feed(server: FeedServer) -> str:
    server.add(
        "/cdn/rdf1.mp3",
        body=(AUDIO / "speech_short.mp3").read_bytes(),
        headers={"Content-Type": "audio/mpeg"},
    )
    document = f"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:enc="http://purl.oclc.org/net/rss_2.0/enc#">
<channel rdf:about="{server.url("/")}"><title>RDF Show</title><link>{server.url("/")}</link>
<description>RSS 1.0</description></channel>
<item rdf:about="{server.url("/posts/1")}"><title>RDF one</title>
<link>{server.url("/posts/1")}</link>
<dc:date>2025-03-01T06:00:00Z</dc:date>
<enc:enclosure rdf:resource="{server.url("/cdn/rdf1.mp3")}" enc:type="audio/mpeg"
  enc:length="1"/>
</item></rdf:RDF>"""
    return server.add(
        "/feed.rdf", body=document.encode(), headers={"Content-Type": "application/rdf+xml"}
    )


def test_wild_feeds_load_every_playable_episode_once(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    from podsift.flows.daily import daily

    show, mysql, rdf = _wild_show(server), _mysql_feed(server), _rdf_feed(server)
    config = write_config(tmp_path, [show, mysql, rdf], max_episodes_per_feed=3)
    warehouse = tmp_path / "warehouse.duckdb"

    first = daily(str(config))

    assert first.exit_code == 0, first.render()
    episodes = (
        "SELECT f.url, e.guid, e.title, e.published_at, e.status FROM episodes e "
        "JOIN feeds f USING (feed_id) ORDER BY f.url, e.published_at DESC"
    )
    assert warehouse_query(warehouse, episodes) == [
        (rdf, server.url("/posts/1"), "RDF one", datetime(2025, 3, 1, 6, 0), "done"),
        (mysql, "m1", "Caf\u00e9 stories", datetime(2025, 3, 3, 6, 0), "done"),
        (show, "one", "Tom & Jerry\u2019s Hour", datetime(2025, 3, 7, 6, 0), "done"),
        (show, "two", "Typed as video", datetime(2025, 3, 6, 6, 0), "done"),
        (show, "three", "Only an alternate enclosure", datetime(2025, 3, 5, 6, 0), "done"),
    ]
    feeds = "SELECT url, title, last_error, last_warning FROM feeds ORDER BY url"
    assert warehouse_query(warehouse, feeds) == [
        (rdf, "RDF Show", None, None),
        (
            mysql,
            "Declared utf8mb4",
            None,
            f"feed {mysql}: document declared as utf8mb4, but parsed as utf-8",
        ),
        (
            show,
            "Rock & Roll",
            None,
            f"feed {server.url('/show.xml')}: 4 items, 3 loaded, 1 skipped: 1 outside "
            "max_episodes_per_feed (outside max_episodes_per_feed: 'The oldest')",
        ),
    ]
    # The audio went through the tracking hops once; the RDF episode was transcribed.
    assert server.hits("/cdn/one.mp3") <= 1
    assert server.hits("/cdn/rdf1.mp3") == 1

    # Polled again: every episode is known by its identity; nothing new, nothing fetched.
    second = daily(str(config))

    assert second.exit_code == 0, second.render()
    assert second.counts.episodes_new == 0 and second.counts.episodes_done == 0
    assert len(warehouse_query(warehouse, episodes)) == 5
    assert server.hits("/cdn/rdf1.mp3") == 1


def test_a_back_catalogue_is_loaded_batch_by_batch(
    tmp_path: Path,
    server: FeedServer,
    prefect_harness: None,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A first run over a show's whole back catalogue (`max_episodes_per_feed` unset) loaded
    nothing until every episode was transcribed, holding every transcript in memory and
    comparing each episode's ads with all the others (a run that grew with the square of the
    catalogue). Episodes are now analysed and loaded a few per worker at a time."""
    from podsift.flows import progress
    from podsift.flows.daily import daily

    items = [
        {
            "guid": f"ep-{n}",
            "title": f"Episode {n}",
            "pub": f"{n:02d} Mar 2025 06:00:00 +0000",
            "url": server.url(f"/cdn/{n}.mp3"),
            "raw": [_transcript(server, f"ep-{n}")],
        }
        for n in range(8, 0, -1)
    ]
    config = write_config(
        tmp_path, [server.add("/feed.xml", body=rss(items))], runner={"max_workers": 1}
    )
    progress.enabled = True
    try:
        summary = daily(str(config))
    finally:
        progress.enabled = False

    assert summary.exit_code == 0, summary.render()
    assert summary.counts.episodes_done == 8
    lines = capsys.readouterr().err.splitlines()
    # One worker: batches of six, newest first. The first six are loaded before the last two
    # are downloaded.
    third_loaded = next(
        n for n, line in enumerate(lines) if line.startswith("  episode 'Episode 3': done")
    )
    assert third_loaded < lines.index("  episode 'Episode 2': downloading and transcribing")
    statuses = warehouse_query(tmp_path / "warehouse.duckdb", "SELECT status FROM episodes")
    assert statuses == [("done",)] * 8
