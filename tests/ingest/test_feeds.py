"""Feeds on a bad day: golden parser files, and fetches from a real loopback HTTP server.

Every failure must become a `FeedError` naming the feed and the problem; nothing is expanded,
fetched from elsewhere or held open for ever.
"""

from __future__ import annotations

import gzip
import json
import re
import time
import tracemalloc
from collections.abc import Callable
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

import podsift.tasks.ingest.feeds
from podsift.tasks.core.config import Config
from podsift.tasks.core.errors import FeedError
from podsift.tasks.core.records import EpisodeItem, KnownEpisode
from podsift.tasks.ingest.feeds import audio_key, parse_feed, poll_feed, read_feed
from podsift.tasks.run.plan import plan_feed, plan_jobs
from tests.conftest import DATA, FeedServer, Route, closed_port, rss

FEEDS = DATA / "feeds"
GOLDEN_BASE = "https://feeds.example.org/show/feed.rss"
GOLDEN = sorted([*FEEDS.glob("*.rss"), *FEEDS.glob("*.xml")])


def _as_json(content: bytes) -> dict[str, object]:
    """What the golden files record: every field podsift keeps of the feed and its episodes
    (and the key that names each episode's audio file), or the error, with the feed's URL
    written as {base}."""
    try:
        document = read_feed(content, GOLDEN_BASE)
    except FeedError as exc:
        return {"error": str(exc).replace(GOLDEN_BASE, "{base}")}
    return {
        "title": document.title,
        "warning": document.warning.replace(GOLDEN_BASE, "{base}") if document.warning else None,
        "partial": document.partial,
        "episodes": [
            {
                "guid": e.guid,
                "title": e.title,
                "audio_url": e.audio_url,
                "audio_key": audio_key(e.audio_url),
                "published_at": e.published_at.isoformat() if e.published_at else None,
                "duration_s": e.duration_s,
                "audio_length": e.audio_length,
                "audio_type": e.audio_type,
                "description": e.description,
                "transcript_urls": [list(t) for t in e.transcript_urls],
            }
            for e in document.episodes
        ],
    }


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_golden_feed(path: Path) -> None:
    expected_path = path.with_name(path.stem + ".expected.json")
    expected = json.loads(expected_path.read_text(encoding="utf-8"))
    assert _as_json(path.read_bytes()) == expected


@pytest.mark.parametrize("path", GOLDEN, ids=[p.stem for p in GOLDEN])
def test_every_episode_of_a_golden_feed_is_planned(path: Path) -> None:
    """What `read_feed` keeps, the planner keeps: no item of a golden feed is merged by the
    plan, and each episode's audio key is its own."""
    try:
        document = read_feed(path.read_bytes(), GOLDEN_BASE)
    except FeedError:
        return
    plan = plan_feed("f", document.episodes, [], [], Config())
    assert plan.skipped == []
    assert sorted(j.item.guid for j in plan.jobs) == sorted(e.guid for e in document.episodes)
    keys = [audio_key(e.audio_url) for e in document.episodes]
    assert len(set(keys)) == len(keys) or path.stem == "skipped_items"  # lengths differ there
    assert len(document.episodes) + len(document.skipped) == document.listed


def test_every_golden_feed_has_its_expectation() -> None:
    assert len(GOLDEN) >= 15
    for path in FEEDS.glob("*.expected.json"):
        stem = path.name.removesuffix(".expected.json")
        assert any(path.with_name(stem + ext).exists() for ext in (".rss", ".xml")), path


@pytest.mark.parametrize("name", ["entity_bomb", "entity_bomb_after_comment"])
def test_entity_bomb_is_refused_fast_without_memory_blowup(name: str) -> None:
    content = (FEEDS / f"{name}.rss").read_bytes()
    tracemalloc.start()
    started = time.monotonic()
    try:
        with pytest.raises(FeedError, match="declares XML entities, refused for safety"):
            parse_feed(content, GOLDEN_BASE)
        elapsed = time.monotonic() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    # Expanded, &lol9; is a billion "lol"s (3 GB); refused, it costs about the document itself.
    assert elapsed < 1.0
    assert peak < 2 * 1024 * 1024


def test_external_dtd_is_never_fetched(server: FeedServer) -> None:
    server.add("/evil.dtd", body=b'<!ENTITY title "stolen">', headers={"Content-Type": "text/xml"})
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "'
        + server.url("/evil.dtd").encode()
        + b'">\n<rss version="2.0"><channel><title>Plain</title><item><guid>1</guid>'
        b'<enclosure url="a.mp3" type="audio/mpeg" length="10"/></item></channel></rss>'
    )
    url = server.add("/dtd.xml", body=body, headers={"Content-Type": "application/rss+xml"})
    poll = poll_feed(url, retries=0)
    assert [e.guid for e in poll.episodes] == ["1"]
    assert server.hits("/evil.dtd") == 0
    # A reference to an entity only the external DTD could define is an error, not a fetch.
    body2 = body.replace(b"<title>Plain</title>", b"<title>&title;</title>")
    url2 = server.add("/dtd2.xml", body=body2, headers={"Content-Type": "application/rss+xml"})
    with pytest.raises(FeedError, match="malformed XML"):
        poll_feed(url2, retries=0)
    assert server.hits("/evil.dtd") == 0


def test_a_partial_feed_keeps_no_validators_and_a_whole_one_does(server: FeedServer) -> None:
    """A cut-short copy must not earn a 304 next time: its lost items would never be read."""
    whole = (FEEDS / "basic.rss").read_bytes()
    cut = (FEEDS / "truncated_after_items.rss").read_bytes()
    url = server.add("/cut.xml", body=cut, headers={"Content-Type": "application/rss+xml"})
    poll = poll_feed(url, retries=0)
    assert [e.guid for e in poll.episodes] == ["cut-4", "cut-3"]
    assert (poll.etag, poll.last_modified) == (None, None)
    assert poll.warning is not None and poll.warning.startswith(f"feed {url}: the document ends")
    server.routes["/cut.xml"].body = whole
    poll = poll_feed(url, retries=0)
    assert [e.guid for e in poll.episodes] == ["basic-3", "basic-2", "basic-1"]
    assert poll.etag and poll.warning is None
    assert poll_feed(url, etag=poll.etag, retries=0).not_modified


def test_an_entity_only_an_external_dtd_defines_is_refused_by_name() -> None:
    body = (
        b'<?xml version="1.0"?>\n<!DOCTYPE rss SYSTEM "https://dtd.example.org/show.dtd">\n'
        b'<rss version="2.0"><channel><title>&showname;</title></channel></rss>'
    )
    with pytest.raises(FeedError) as err:
        parse_feed(body, GOLDEN_BASE)
    assert str(err.value) == (
        f"feed {GOLDEN_BASE}: malformed XML at line 3 (undefined entity &showname;, which only "
        "the external DTD could define, and podsift does not read external DTDs)"
    )


def test_the_xml_repairs_refuse_entity_declarations_on_their_own() -> None:
    """parse_feed refuses `<!ENTITY` before any parser runs; the repair step's own parsers
    refuse it too, should that first check ever be bypassed."""
    from podsift.tasks.ingest.feed_xml import MalformedFeedXml, repair_feed_xml

    content = (FEEDS / "entity_bomb.rss").read_bytes()
    with pytest.raises(MalformedFeedXml, match="declares XML entities, refused for safety"):
        repair_feed_xml(b"\n" + content)


def test_unreachable_host() -> None:
    url = f"http://127.0.0.1:{closed_port()}/feed.xml"
    started = time.monotonic()
    with pytest.raises(FeedError) as err:
        poll_feed(url, timeout_s=2, retries=2)
    assert str(err.value).startswith(f"feed {url}: cannot connect")
    assert time.monotonic() - started < 5


def _sleep_then_answer(
    seconds: float, body: bytes = b""
) -> Callable[[BaseHTTPRequestHandler], None]:
    def handler(req: BaseHTTPRequestHandler) -> None:
        time.sleep(seconds)
        try:
            req.send_response(200)
            req.send_header("Content-Length", str(len(body)))
            req.end_headers()
            req.wfile.write(body)
        except OSError:  # the client gave up, as it should
            pass

    return handler


def test_timeout_is_retried_then_reported(server: FeedServer) -> None:
    url = server.add("/slow.xml", Route(handler=_sleep_then_answer(2.0)))
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"feed http://127\.0\.0\.1:\d+/slow\.xml: timed out"):
        poll_feed(url, timeout_s=0.3, retries=1)
    assert server.hits("/slow.xml") == 2  # one retry
    assert time.monotonic() - started < 2.0


@pytest.mark.parametrize(("status", "reason"), [(404, "Not Found"), (410, "Gone")])
def test_4xx_is_final_and_not_retried(server: FeedServer, status: int, reason: str) -> None:
    url = server.add("/gone.xml", status=status, body=b"nope", etag=False)
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=3)
    assert str(err.value) == f"feed {url}: HTTP {status} {reason}"
    assert server.hits("/gone.xml") == 1


def test_500_then_success_is_retried(server: FeedServer) -> None:
    body = rss([{"guid": "a", "url": "a.mp3"}])
    url = server.add("/flaky.xml", body=body, fail_first=2)
    poll = poll_feed(url, retries=2)
    assert [e.guid for e in poll.episodes] == ["a"]
    assert server.hits("/flaky.xml") == 3


def test_500_for_ever_is_reported_after_retries(server: FeedServer) -> None:
    url = server.add("/down.xml", body=b"", fail_first=100)
    with pytest.raises(FeedError, match="server error HTTP 500, still failing after retries"):
        poll_feed(url, retries=2)
    assert server.hits("/down.xml") == 3


@pytest.mark.parametrize(
    ("status", "permanent"), [(301, True), (302, False), (307, False), (308, True)]
)
def test_redirects_are_followed_and_permanent_ones_reported(
    server: FeedServer, status: int, permanent: bool
) -> None:
    body = rss([{"guid": "r1", "url": "audio/r1.mp3"}], title="Moved Show")
    new = server.add("/new/feed.xml", body=body)
    old = server.add("/old.xml", status=status, location=new)
    poll = poll_feed(old, retries=0)
    assert poll.title == "Moved Show"
    assert poll.new_url == (new if permanent else None)
    # Relative enclosures resolve against where the feed really is.
    assert poll.episodes[0].audio_url == server.url("/new/audio/r1.mp3")


def test_mixed_redirect_chain_is_not_permanent(server: FeedServer) -> None:
    final = server.add("/final.xml", body=rss([]))
    hop = server.add("/hop.xml", status=302, location=final)
    first = server.add("/first.xml", status=301, location=hop)
    assert poll_feed(first, retries=0).new_url is None


def test_redirect_loop_is_reported(server: FeedServer) -> None:
    server.add("/a.xml", status=302, location=server.url("/b.xml"))
    server.add("/b.xml", status=302, location=server.url("/a.xml"))
    with pytest.raises(FeedError, match="too many redirects"):
        poll_feed(server.url("/a.xml"), retries=0)


@pytest.mark.parametrize(
    ("status", "message"),
    [
        (302, "HTTP 302 Found, a redirect without a Location header to follow"),
        (300, "HTTP 300 Multiple Choices, a redirect without a Location header to follow"),
        (204, "empty response, not a feed"),
    ],
)
def test_a_redirect_without_location_or_an_empty_2xx_is_named(
    server: FeedServer, status: int, message: str
) -> None:
    # These answers used to escape as httpx's ResponseNotRead ("Attempted to access streaming
    # response content"): only 200 and 203 had their body read.
    url = server.add("/odd.xml", status=status, body=b"", etag=False)
    with pytest.raises(FeedError, match=re.escape(f"feed {url}: {message}")):
        poll_feed(url, retries=0)


def test_a_304_to_an_unconditional_request_is_an_error(server: FeedServer) -> None:
    # A misconfigured cache answering 304 to a first poll used to count as "unchanged" on every
    # run: the feed was never read, and nothing said so.
    url = server.add("/cached.xml", status=304, body=b"", etag=False)
    with pytest.raises(FeedError, match=re.escape("HTTP 304 Not Modified to a request without")):
        poll_feed(url, retries=0)
    assert poll_feed(url, etag='"abc"', retries=0).not_modified  # asked conditionally: fine


def test_a_feed_url_httpx_cannot_request_is_a_feed_error() -> None:
    # It escaped as httpx.InvalidURL: "feed URL: unexpected error (InvalidURL: ...)".
    with pytest.raises(FeedError, match=re.escape("not a valid URL (Invalid port: 'abc')")):
        poll_feed("http://127.0.0.1:abc/feed.xml", retries=0)


def test_validators_outside_ascii_do_not_fail_the_next_poll(server: FeedServer) -> None:
    body = rss([{"guid": "1", "title": "One", "url": "http://example.invalid/1.mp3"}])

    def answer(req: BaseHTTPRequestHandler) -> None:  # raw bytes: http.server would refuse them
        req.wfile.write(
            b'HTTP/1.1 200 OK\r\nContent-Length: %d\r\nETag: "caf\xc3\xa9"\r\n'
            b"Last-Modified: Mon, 03 Mar 2025 06:00:00 GMT\r\n\r\n" % len(body) + body
        )

    url = server.add("/cafe.xml", handler=answer)
    first = poll_feed(url, retries=0)
    assert first.etag == '"café"'
    # The second poll raised UnicodeEncodeError building its If-None-Match, on every run.
    second = poll_feed(url, etag=first.etag, last_modified=first.last_modified, retries=0)
    assert [e.title for e in second.episodes] == ["One"]
    sent = server.requests[-1][1]
    assert "if-none-match" not in sent
    assert sent["if-modified-since"] == "Mon, 03 Mar 2025 06:00:00 GMT"


def test_a_feed_answered_with_another_2xx_is_read(server: FeedServer) -> None:
    body = rss([{"guid": "1", "title": "One", "url": "http://example.invalid/1.mp3"}])
    url = server.add("/accepted.xml", status=202, body=body, etag=False)
    assert [e.title for e in poll_feed(url, retries=0).episodes] == ["One"]


def test_a_date_written_as_a_unix_time_is_read_as_one() -> None:
    dates = ["1700000000", "1700000000123", " 946684800 ", "12345678901234", "9" * 5000]
    items = [
        {"guid": str(i), "url": f"http://example.invalid/{i}.mp3", "pub": d}
        for i, d in enumerate(dates)
    ]
    episodes = read_feed(rss(items), "http://example.invalid/feed.xml").episodes
    # feedparser read 1700000000 as 1699-11-30 and 946684800 as the year 9466.
    assert [e.published_at for e in episodes] == [
        datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC),
        datetime(2023, 11, 14, 22, 13, 20, 123000, tzinfo=UTC),
        datetime(2000, 1, 1, tzinfo=UTC),
        None,  # no Unix time, in seconds or milliseconds
        None,
    ]


def test_a_year_first_date_of_numbers_is_read_as_written() -> None:
    dates = ["2025/03/03 06:00", "2025.3.4", "2025-03-03T06:07:08", "2025-13-45", "2025/02/30"]
    items = [
        {"guid": str(i), "url": f"http://example.invalid/{i}.mp3", "pub": d}
        for i, d in enumerate(dates)
    ]
    episodes = read_feed(rss(items), "http://example.invalid/feed.xml").episodes
    # feedparser read the first two as 1 December 2025 and rolled 2025-13-45 into 2026.
    assert [e.published_at for e in episodes] == [
        datetime(2025, 3, 3, 6, 0, tzinfo=UTC),
        datetime(2025, 3, 4, tzinfo=UTC),
        datetime(2025, 3, 3, 6, 7, 8, tzinfo=UTC),
        None,  # no thirteenth month
        None,
    ]


def test_html_page_with_feed_content_type_is_refused(server: FeedServer) -> None:
    url = server.add(
        "/login.xml",
        body=b"<!DOCTYPE html><html><body>Please log in</body></html>",
        headers={"Content-Type": "application/rss+xml"},
    )
    with pytest.raises(FeedError, match="got an HTML page, not an RSS or Atom feed"):
        poll_feed(url, retries=0)


def test_oversized_and_gzip_bomb_feeds_are_refused(
    server: FeedServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(podsift.tasks.ingest.feeds, "MAX_FEED_BYTES", 1024 * 1024)
    url = server.add("/huge.xml", body=b" " * (2 * 1024 * 1024))
    with pytest.raises(FeedError, match="larger than 1048576 bytes"):
        poll_feed(url, retries=0)
    # 8 MB of zeros compress to a few KB; the cap counts what decompression produces.
    packed = gzip.compress(b"\0" * (8 * 1024 * 1024))
    assert len(packed) < 20_000
    url = server.add("/bomb.xml", body=packed, headers={"Content-Encoding": "gzip"})
    with pytest.raises(FeedError, match="larger than 1048576 bytes"):
        poll_feed(url, retries=0)


def _trickle(req: BaseHTTPRequestHandler) -> None:
    """A byte every 50 ms: never slow enough for a read timeout, never finished."""
    try:
        req.send_response(200)
        req.send_header("Content-Length", "100000")
        req.end_headers()
        for _ in range(400):
            req.wfile.write(b" ")
            req.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass


def test_trickling_feed_hits_the_time_cap(server: FeedServer) -> None:
    url = server.add("/trickle.xml", Route(handler=_trickle))
    started = time.monotonic()
    with pytest.raises(FeedError, match=r"still downloading after 1 s, given up"):
        poll_feed(url, timeout_s=2, retries=0, max_seconds=1.0)
    assert time.monotonic() - started < 3


def test_a_local_feeds_escaped_enclosure_urls_name_the_file(tmp_path: Path) -> None:
    audio = tmp_path / "my ép 1.mp3"
    audio.write_bytes(b"ID3")
    escaped = "my%20%C3%A9p%201.mp3"
    feed = tmp_path / "feed.xml"
    feed.write_bytes(
        rss(
            [
                {"guid": "file", "url": f"file://{tmp_path}/{escaped}", "length": 1},
                {"guid": "relative", "url": escaped, "length": 2},
                {"guid": "raw", "url": "my ép 1.mp3", "length": 3},
            ]
        )
    )
    # The escapes were kept in the path: "episode audio not found: .../my%20%C3%A9p%201.mp3".
    episodes = poll_feed(str(feed)).episodes
    assert [e.audio_url for e in episodes] == [str(audio.resolve())] * 3


def test_missing_local_feed_file(tmp_path: Path) -> None:
    with pytest.raises(FeedError, match="feed file not found"):
        poll_feed(str(tmp_path / "nope.xml"))


# --- one episode, however its identity drifts ------------------------------------------------


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://cdn.example.org/ep1.mp3", "https://cdn.example.org/ep1.mp3?utm_source=rss"),
        ("https://cdn.example.org/ep1.mp3", "http://CDN.example.org/ep1.mp3?updated=1712"),
        (
            "https://cdn.example.org/ep1.mp3",
            "https://dts.podtrac.com/redirect.mp3/cdn.example.org/ep1.mp3",
        ),
        (
            "https://chrt.fm/track/ABC123/cdn.example.org/ep1.mp3",
            "https://op3.dev/e/pdst.fm/e/cdn.example.org/ep1.mp3?aid=rss",
        ),
        ("https://host.example/play.php?id=17", "https://host.example/play.php?utm_medium=x&id=17"),
        # Characters outside ASCII, raw or escaped as HTTP clients send them (they were two keys).
        ("https://cdn.example.org/épisode 1.mp3", "https://cdn.example.org/%C3%A9pisode%201.mp3"),
        ("https://cdn.example.org/中文.mp3", "https://cdn.example.org/%e4%b8%ad%e6%96%87.mp3"),
    ],
)
def test_audio_key_ignores_tracking(a: str, b: str) -> None:
    assert audio_key(a) == audio_key(b)


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("https://host.example/play.php?id=17", "https://host.example/play.php?id=18"),
        ("https://host.example/download?episode=1", "https://host.example/download?episode=2"),
        ("https://cdn.example.org/ep1.mp3", "https://cdn.example.org/ep2.mp3"),
        # A query that is not tracking may name the file, even after an audio path.
        ("https://host.example/sermon.mp3?id=1", "https://host.example/sermon.mp3?id=2"),
        ("https://cdn.example.org/ep1.mp3", "https://cdn.example.org/ep1.mp3?token=abc"),
        ("https://host.example/a.mp3?2025-03-23", "https://host.example/a.mp3?2025-03-30"),
        # A tracking parameter's name, but a value that names a file.
        ("https://host.example/stream?src=1.mp3", "https://host.example/stream?src=2.mp3"),
        # Paths keep their case; the old Podtrac form's query is the file.
        ("https://cdn.example.org/Ep1.mp3", "https://cdn.example.org/ep1.mp3"),
        (
            "http://www.podtrac.com/pts/redirect.mp3?http://media.example.org/show-62.mp3",
            "http://www.podtrac.com/pts/redirect.mp3?http://media.example.org/show-63.mp3",
        ),
    ],
)
def test_audio_key_keeps_what_names_the_file(a: str, b: str) -> None:
    assert audio_key(a) != audio_key(b)


def test_one_file_written_raw_and_escaped_is_one_episode() -> None:
    # Without GUIDs each item's identity is its URL; the two spellings were two episodes, so
    # the file was downloaded and transcribed twice.
    items = [
        {"title": "Raw", "url": "http://cdn.example.org/épisode.mp3"},
        {"title": "Escaped", "url": "http://cdn.example.org/%C3%A9pisode.mp3"},
    ]
    document = read_feed(rss(items), "http://cdn.example.org/feed.xml")
    assert [e.title for e in document.episodes] == ["Raw"]
    assert document.warning is not None
    assert "'Escaped' has the audio of 'Raw'" in document.warning


def _item(guid: str, url: str, day: int = 1) -> EpisodeItem:
    from datetime import UTC, datetime

    return EpisodeItem(
        guid=guid, title=guid, audio_url=url, published_at=datetime(2025, 3, day, tzinfo=UTC)
    )


def _known(guid: str, url: str, status: str = "done", attempts: int = 1) -> KnownEpisode:
    return KnownEpisode(f"id-{guid}", guid, audio_key(url), status, attempts)


def test_plan_changed_guid_same_audio_is_not_new() -> None:
    known = [_known("old-guid", "https://cdn.example.org/ep1.mp3")]
    items = [_item("new-guid", "https://cdn.example.org/ep1.mp3?utm_source=feed")]
    jobs, new = plan_jobs("f", items, known, [], Config())
    assert (jobs, new) == ([], 0)


def test_plan_changed_tracking_prefix_same_guid_is_not_new() -> None:
    known = [_known("g1", "https://cdn.example.org/ep1.mp3")]
    items = [_item("g1", "https://pdst.fm/e/chrt.fm/track/XYZ/cdn.example.org/ep1.mp3?x=2")]
    jobs, new = plan_jobs("f", items, known, [], Config())
    assert (jobs, new) == ([], 0)


def test_plan_query_named_files_are_distinct_episodes() -> None:
    items = [
        _item("g1", "https://host.example/play.php?id=1", day=1),
        _item("g2", "https://host.example/play.php?id=2", day=2),
    ]
    jobs, new = plan_jobs("f", items, [], [], Config())
    assert new == 2
    assert sorted(j.item.guid for j in jobs) == ["g1", "g2"]


def test_plan_same_audio_twice_in_one_feed_is_one_job() -> None:
    items = [
        _item("g1", "https://cdn.example.org/ep1.mp3", day=2),
        _item("g1-copy", "https://dts.podtrac.com/redirect.mp3/cdn.example.org/ep1.mp3", day=1),
    ]
    jobs, new = plan_jobs("f", items, [], [], Config())
    assert new == 1 and [j.item.guid for j in jobs] == ["g1"]


def test_plan_failed_episode_is_retried_until_max_attempts() -> None:
    url = "https://cdn.example.org/ep1.mp3"
    cfg = Config(max_attempts=3)
    for attempts, retried in [(1, True), (2, True), (3, False), (4, False)]:
        known = [_known("g1", url, status="failed", attempts=attempts)]
        jobs, new = plan_jobs("f", [_item("g1", url)], known, [], cfg)
        assert new == 0
        assert [j.attempts for j in jobs] == ([attempts + 1] if retried else [])


def test_plan_exhausted_episode_is_tried_again_when_its_audio_changes() -> None:
    # Three tries on a dead link used up; then the publisher fixes the enclosure. The episode
    # used to stay failed for good (its row just took the new URL).
    cfg = Config(max_attempts=3)
    known = [_known("g1", "https://cdn.example.org/ep1.mp3", status="failed", attempts=3)]
    fixed = _item("g1", "https://cdn.example.org/ep1-fixed.mp3")
    plan = plan_feed("f", [fixed], known, [], cfg)
    assert [(j.item.audio_url, j.attempts) for j in plan.jobs] == [(fixed.audio_url, 1)]
    assert plan.relisted == [] and plan.new == 0
    # The same file again: still left alone.
    same = _item("g1", "https://cdn.example.org/ep1.mp3")
    assert plan_feed("f", [same], known, [], cfg).jobs == []
    # A done episode whose audio moves is not processed again (its URL is updated).
    done = [_known("g1", "https://cdn.example.org/ep1.mp3", status="done", attempts=1)]
    plan = plan_feed("f", [fixed], done, [], cfg)
    assert plan.jobs == [] and [e for e, _ in plan.relisted] == [done[0].episode_id]


def test_rate_limited_feed_is_retried_after_the_date_it_names(server: FeedServer) -> None:
    from email.utils import formatdate

    from tests.ingest.test_download import refuse_first

    body = rss([{"guid": "a", "url": "a.mp3"}])
    when = formatdate(time.time() + 1, usegmt=True)  # Retry-After as an HTTP date
    url = server.add("/limited.xml", Route(handler=refuse_first(1, 429, when, body)))
    poll = poll_feed(url, retries=2)
    assert [e.guid for e in poll.episodes] == ["a"]
    assert server.hits("/limited.xml") == 2


def test_rate_limited_feed_for_ever_names_the_429(server: FeedServer) -> None:
    from tests.ingest.test_download import refuse_first

    url = server.add("/limited.xml", Route(handler=refuse_first(99, 429, "0", b"")))
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=2)
    assert str(err.value) == (
        f"feed {url}: rate limited (HTTP 429 Too Many Requests), still refused after retries"
    )
    assert server.hits("/limited.xml") == 3


def test_an_episode_url_given_as_the_feed_says_so(server: FeedServer) -> None:
    """A common slip: the config names an episode's MP3, not the feed. The XML parser alone
    said `malformed XML at line 2 (not well-formed (invalid token))`."""
    from tests.conftest import AUDIO

    url = server.add("/episode.mp3", body=(AUDIO / "speech_short.mp3").read_bytes())
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=0)
    assert str(err.value) == (
        f"feed {url}: got mp3 audio (is this the URL of an episode rather than of the feed?), "
        "not an RSS or Atom feed"
    )


def test_corrupt_compressed_answer_is_named(server: FeedServer) -> None:
    url = server.add(
        "/badgz.xml", body=b"this is not gzip", headers={"Content-Encoding": "gzip"}, etag=False
    )
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=0)
    assert str(err.value) == (
        f"feed {url}: the server's compressed answer is corrupt "
        "(Error -3 while decompressing data: incorrect header check)"
    )


@pytest.mark.parametrize("encoding", ["br", "zstd", "gzip, br", "x-gzip"])
def test_a_compression_podsift_did_not_ask_for_is_named(server: FeedServer, encoding: str) -> None:
    """A server that compresses with what httpx cannot decode (Brotli, Zstandard: their packages
    are not installed). httpx passed those bytes through, so the feed was "malformed XML at
    line 1 (not well-formed (invalid token))", which blamed the feed, not the server."""
    squeezed = b"\x1b\x8b\x03\x00" + bytes(range(7, 200))  # compressed-looking bytes
    url = server.add("/squeezed.xml", body=squeezed, headers={"Content-Encoding": encoding})
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=2)
    unknown = encoding.removeprefix("gzip, ")
    assert str(err.value) == (
        f"feed {url}: the server compressed its answer as {unknown}, which podsift did not ask "
        "for and cannot decode (it asks for gzip, deflate)"
    )
    assert server.hits("/squeezed.xml") == 1  # the server will not change its mind: no retry


def _announcing(feed: bytes, new_url: str) -> bytes:
    return feed.replace(
        b"<channel>", f"<channel><itunes:new-feed-url>{new_url}</itunes:new-feed-url>".encode()
    )


def test_an_announced_move_that_leads_back_or_names_itself_is_not_taken(
    server: FeedServer,
) -> None:
    """`itunes:new-feed-url` is followed one hop, and only to a feed that does not send podsift
    back: a pair of feeds naming each other, or a new address that redirects to the old, stay
    where they are (no flip-flop between runs). A feed naming its own address (many do, or its
    `http:` twin after a move to `https:`) costs no second request."""
    a, b = server.url("/a.xml"), server.url("/b.xml")
    server.add("/a.xml", body=_announcing(rss([], "A"), b))
    server.add("/b.xml", body=_announcing(rss([], "B"), a))
    poll = poll_feed(a, retries=0)
    assert (poll.title, poll.new_url) == ("A", None)
    assert poll.warning == (
        f"feed {a}: announces a move to {b} (itunes:new-feed-url), which announces a move back "
        "here; still read here"
    )
    back = server.add("/back.xml", status=301, location=server.url("/c.xml"))
    server.add("/c.xml", body=_announcing(rss([], "C"), back))
    poll = poll_feed(server.url("/c.xml"), retries=0)
    assert (poll.title, poll.new_url) == ("C", None)
    assert "which leads back here" in str(poll.warning)
    own = server.url("/own.xml")
    server.add("/own.xml", body=_announcing(rss([], "Own"), own.replace("http:", "https:") + "/"))
    poll = poll_feed(own, retries=0)
    assert (poll.title, poll.new_url, poll.warning) == ("Own", None, None)
    assert server.hits("/own.xml") == 1
    local = server.add("/local.xml", body=_announcing(rss([], "L"), "file:///etc/podcast.xml"))
    assert poll_feed(local, retries=0).warning is None  # never a local file


def test_an_announced_move_from_a_local_copy_or_to_an_example_name_is_not_taken(
    server: FeedServer,
) -> None:
    """A copy of a feed served from this machine keeps the original's `itunes:new-feed-url`:
    following it would leave the copy the user configured for the network. And a name
    reserved for examples (RFC 2606) is never a show's new home. Neither is asked."""
    targets = (
        "https://feeds.elsewhere.net/show.xml",
        "http://example.com/new.xml",
        "https://podcast.example.org/feed",
    )
    for n, target in enumerate(targets):
        url = server.add(f"/copy{n}.xml", body=_announcing(rss([], "Copy"), target))
        poll = poll_feed(url, retries=0)
        assert (poll.title, poll.new_url, poll.warning) == ("Copy", None, None)
    moved = server.add("/moved.xml", body=_announcing(rss([], "Old"), server.url("/new.xml")))
    server.add("/new.xml", body=rss([], "New"))
    poll = poll_feed(moved, retries=0)  # loopback to loopback: followed
    assert (poll.title, poll.new_url) == ("New", server.url("/new.xml"))


def test_self_signed_certificate_is_named(server: FeedServer, tmp_path: Path) -> None:
    """HTTPS on the loopback server with a certificate nobody signed."""
    import shutil
    import ssl
    import subprocess

    if not shutil.which("openssl"):
        pytest.skip("needs openssl to make a certificate")
    key, cert = tmp_path / "key.pem", tmp_path / "cert.pem"
    subprocess.run(
        ["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", str(key)]
        + ["-out", str(cert), "-days", "1", "-subj", "/CN=127.0.0.1"],
        check=True,
        capture_output=True,
    )
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    context.load_cert_chain(cert, key)
    server.httpd.socket = context.wrap_socket(server.httpd.socket, server_side=True)
    url = server.add("/feed.xml", body=rss([])).replace("http://", "https://")
    with pytest.raises(FeedError) as err:
        poll_feed(url, retries=0, timeout_s=5)
    # OpenSSL 3 says "self-signed certificate", OpenSSL 1.1 "self signed certificate".
    assert str(err.value).startswith(f"feed {url}: the server's TLS certificate is not trusted")
    assert "self" in str(err.value) and "signed certificate" in str(err.value)


@pytest.mark.parametrize(
    ("value", "seconds"),
    [
        ("3600", 3600.0),
        ("1:02:03", 3723.0),
        ("62:03", 3723.0),
        ("2700000", 2700.0),  # milliseconds: 45 minutes, not a month
        ("99:00:00", None),  # 99 hours: junk, not a reason to call the audio truncated
        ("900000000", None),  # over a day even as milliseconds
        ("nan", None),
        ("inf", None),
        ("-5", None),
        ("10:-30", None),  # was 570 s: junk, not "9:30"
        ("1:-5", None),
        ("", None),
        ("abc", None),
        (" 1:02:03 ", 3723.0),
    ],
)
def test_durations_that_would_call_good_audio_truncated_are_not_trusted(
    value: str, seconds: float | None
) -> None:
    from podsift.tasks.ingest.feeds import parse_duration

    assert parse_duration(value) == seconds


# --- a blemished feed through the daily flow: episodes, feeds.last_warning, the summary -------


def _blemished_item(server: FeedServer, n: int, pub: str) -> str:
    """An item that uses the itunes: and podcast: prefixes the document never declares, with
    a transcript the loopback server holds (so no audio is fetched and Whisper never runs)."""
    return (
        f"<item><guid>blem-{n}</guid><title>Part {n} &gtgt; the rest</title>"
        f"<description>Notes for part {n}</description><pubDate>{pub}</pubDate>"
        "<itunes:duration>0:21</itunes:duration>"
        f'<podcast:transcript url="{server.url(f"/t/{n}.vtt")}" type="text/vtt"/>'
        f'<enclosure url="{server.url(f"/audio/{n}.mp3")}" length="1000" type="audio/mpeg"/>'
        "</item>"
    )


def _blemished_feed(items: list[str], *, cut: bool = False) -> bytes:
    head = '\n\n<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel>'
    body = head + "<title>Blemished Show</title>\n" + "\n".join(items)
    return (body if cut else body + "\n</channel></rss>\n").encode()


@pytest.mark.slow
def test_a_blemished_feed_loads_and_its_warning_is_kept_and_told_once(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    import duckdb

    from podsift.flows.daily import daily
    from tests.conftest import write_config

    vtt = (DATA / "transcripts" / "interview.vtt").read_bytes()
    for n in (1, 2, 3):
        server.add(f"/t/{n}.vtt", body=vtt, headers={"Content-Type": "text/vtt"})
    one = _blemished_item(server, 1, "Wed, 01 Jan 75 06:00:00 GMT")  # 1975, not 2075
    two = _blemished_item(server, 2, "Thu, 02 Jan 75 06:00:00 GMT")
    three = _blemished_item(server, 3, "Fri, 03 Jan 75 06:00:00 GMT")
    xml = {"Content-Type": "application/rss+xml"}
    url = server.add("/feed.xml", body=_blemished_feed([two, one]), headers=xml)
    config = write_config(tmp_path, [url])
    repaired = (
        f"feed {url}: blank space before the XML declaration ignored; unknown entities kept as "
        "text (&gtgt;); namespace prefix(es) itunes, podcast used without an xmlns declaration"
    )

    def feed_row() -> tuple[str | None, str | None, str | None]:
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            row = con.execute("SELECT last_warning, last_error, etag FROM feeds").fetchone()
        finally:
            con.close()
        assert row is not None
        return row

    def episodes() -> list[tuple[object, ...]]:
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute(
                "SELECT guid, title, published_at::VARCHAR, duration_s, status, transcript_source,"
                " description FROM episodes ORDER BY guid"
            ).fetchall()
        finally:
            con.close()

    first = daily(str(config))
    assert first.exit_code == 0, first.render()
    assert episodes() == [
        (f"blem-{n}", f"Part {n} &gtgt; the rest", f"1975-01-0{n} 06:00:00", 21.0, "done",
         "publisher:vtt", f"Notes for part {n}")
        for n in (1, 2)
    ]  # fmt: skip
    assert server.hits("/audio/1.mp3") == server.hits("/audio/2.mp3") == 0
    last_warning, last_error, etag = feed_row()
    assert (last_warning, last_error) == (repaired, None) and etag
    assert first.render().splitlines().count(f"  warning: {repaired}") == 1

    # Unchanged (a 304): the warning stays on the feed, and the summary does not repeat it.
    second = daily(str(config))
    assert second.exit_code == 0 and "warning:" not in second.render()
    assert feed_row()[0] == repaired

    # Cut short after a new item: the complete items load, the feed is marked partial and its
    # validators are dropped, so the next run reads it in full rather than getting a 304.
    server.routes["/feed.xml"].body = _blemished_feed([three, two, one[:60]], cut=True)
    third = daily(str(config))
    assert third.exit_code == 0, third.render()
    assert [g for g, *_ in episodes()] == ["blem-1", "blem-2", "blem-3"]
    last_warning, _, etag = feed_row()
    assert last_warning is not None and etag is None
    assert last_warning.endswith(
        "the document ends early (line 7: unclosed token); the 2 complete item(s) before the "
        "cut are read, later ones are missing: the feed is partial"
    )
    assert f"  warning: {last_warning}" in third.render()

    # Fixed by the publisher: read as it stands, the warning is cleared.
    server.routes["/feed.xml"].body = rss([], title="Blemished Show")
    fourth = daily(str(config))
    assert fourth.exit_code == 0 and "warning:" not in fourth.render()
    assert feed_row()[0] is None
