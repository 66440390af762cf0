"""Feeds that announce a new home, and private feeds whose URL carries credentials, through
the real `daily` flow (a temporary Prefect API, a loopback HTTP server, a DuckDB file).

The episodes carry publisher transcripts, so Whisper is not needed for the ones that load.
"""

from __future__ import annotations

import base64
import logging
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from tests.conftest import DATA, FeedServer, Route, rss, warehouse_query, write_config

pytestmark = pytest.mark.slow  # Prefect's temporary API

VTT = (DATA / "transcripts" / "interview.vtt").read_bytes()


def _episode(server: FeedServer, guid: str, day: int) -> dict[str, object]:
    server.add(f"/t/{guid}.vtt", body=VTT, headers={"Content-Type": "text/vtt"})
    return {
        "guid": guid,
        "title": f"Episode {guid}",
        "pub": f"{day:02d} Mar 2025 06:00:00 +0000",
        "url": server.url(f"/audio/{guid}.mp3"),
        "raw": [f'<podcast:transcript url="{server.url(f"/t/{guid}.vtt")}" type="text/vtt"/>'],
    }


def _announcing(feed: bytes, new_url: str) -> bytes:
    return feed.replace(
        b"<channel>", f"<channel><itunes:new-feed-url>{new_url}</itunes:new-feed-url>".encode()
    )


def test_a_feed_that_announces_its_new_home_is_followed_there(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """The old host keeps a frozen copy that names the new feed in `itunes:new-feed-url`, as
    shows that change host do. podsift read only the frozen copy, run after run, and so never
    loaded another episode, without a word."""
    from podsift.flows.daily import daily

    new = server.add(
        "/new/feed.xml",
        body=rss([_episode(server, "ep-2", 20), _episode(server, "ep-1", 10)], title="New Home"),
    )
    old = server.add(
        "/old/feed.xml", body=_announcing(rss([_episode(server, "ep-1", 10)], "Old Home"), new)
    )
    config = write_config(tmp_path, [old])
    warehouse = tmp_path / "warehouse.duckdb"

    first = daily(str(config))
    assert first.exit_code == 0, first.render()
    told = (
        f"feed {new}: moved here from {old}, as that feed announces (itunes:new-feed-url); "
        "polled here from now on"
    )
    feeds = "SELECT url, current_url, title, last_warning FROM feeds"
    assert warehouse_query(warehouse, feeds) == [(old, new, "New Home", told)]
    assert warehouse_query(warehouse, "SELECT guid, status FROM episodes ORDER BY guid") == [
        ("ep-1", "done"),
        ("ep-2", "done"),
    ]
    assert first.render().count(told) == 1

    # The next run goes straight to the new home (a 304 there), not to the old one.
    second = daily(str(config))
    assert second.exit_code == 0, second.render()
    assert server.hits("/old/feed.xml") == 1
    assert server.hits("/new/feed.xml") == 2 and server.full_hits("/new/feed.xml") == 1


def test_a_move_to_an_address_that_is_no_feed_is_not_taken(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    from podsift.flows.daily import daily

    gone = server.url("/typo/feed.xml")  # a 404
    old = server.add("/feed.xml", body=_announcing(rss([_episode(server, "ep-1", 10)]), gone))
    first = daily(str(write_config(tmp_path, [old])))
    assert first.exit_code == 0, first.render()
    assert warehouse_query(
        tmp_path / "warehouse.duckdb", "SELECT current_url, last_error, last_warning FROM feeds"
    ) == [
        (
            None,
            None,
            f"feed {old}: announces a move to {gone} (itunes:new-feed-url), but that address "
            "fails (HTTP 404 Not Found); still read here",
        )
    ]
    assert warehouse_query(tmp_path / "warehouse.duckdb", "SELECT guid, status FROM episodes") == [
        ("ep-1", "done")
    ]


def test_credentials_in_feed_urls_are_sent_but_never_repeated(
    tmp_path: Path,
    server: FeedServer,
    prefect_harness: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    """A private feed's URL carries its user name and password (`https://user:pw@host/feed`).
    They are sent (the server asks for them), but messages, the warehouse, the run summary,
    log lines and Prefect's flow-run names show `https://***@host/...`. They used to repeat
    the password in `feeds.last_error`, `episodes.error`, the summary and the run's name."""
    from prefect.client.orchestration import get_client

    from podsift.flows.daily import daily

    secret = "s3cret-Pa55"
    expected = "Basic " + base64.b64encode(f"listener:{secret}".encode()).decode()
    body = rss(
        [
            {
                "guid": "private-1",
                "title": "Members only",
                "url": server.url("/private/1.mp3").replace("//", f"//listener:{secret}@", 1),
            }
        ],
        title="Members Feed",
    )

    def private(req: BaseHTTPRequestHandler) -> None:
        ok = req.headers.get("Authorization") == expected
        status, answer = (200, body) if ok else (401, b"who are you?")
        req.send_response(status)
        req.send_header("Content-Length", str(len(answer)))
        req.end_headers()
        req.wfile.write(answer)

    server.add("/private/feed.xml", Route(handler=private))
    server.add("/private/1.mp3", status=404, body=b"gone")
    with_credentials = server.url("/").replace("//", f"//listener:{secret}@", 1)
    feeds = [with_credentials + "private/feed.xml", with_credentials + "missing.xml"]
    config = write_config(tmp_path, feeds)
    for feed in ("feed0", "feed1"):  # unnamed feeds are shown by their URL
        config.write_text(config.read_text().replace(f"name: {feed}\n", ""))

    caplog.set_level(logging.DEBUG)
    summary = daily(str(config))
    assert summary.exit_code == 1
    shown = server.url("/").replace("//", "//***@", 1)
    feeds = "SELECT title, last_error FROM feeds"
    assert warehouse_query(tmp_path / "warehouse.duckdb", feeds) == [
        ("Members Feed", None),
        (None, f"feed {shown}missing.xml: HTTP 404 Not Found"),
    ]
    assert warehouse_query(tmp_path / "warehouse.duckdb", "SELECT error FROM episodes") == [
        (f"episode audio not found (HTTP 404): {shown}private/1.mp3",)
    ]
    texts = warehouse_query(
        tmp_path / "warehouse.duckdb",
        "SELECT coalesce(last_error, '') || coalesce(last_warning, '') FROM feeds UNION ALL "
        "SELECT coalesce(error, '') FROM episodes UNION ALL SELECT coalesce(message, '') FROM runs",
    )
    assert secret not in repr(texts)
    assert secret not in summary.render()
    assert f"feed {shown}missing.xml: HTTP 404 Not Found" in summary.render()
    assert secret not in "\n".join(r.getMessage() for r in caplog.records)
    with get_client(sync_client=True) as client:
        names = [run.name for run in client.read_flow_runs()]
    assert any(name == f"ingest {shown}missing.xml" for name in names), names
    assert not any(secret in name for name in names)
