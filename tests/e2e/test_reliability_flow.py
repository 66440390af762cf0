"""A bad day, end to end: the `daily` flow over many broken feeds and one show full of broken
episodes, three runs in a row, with a real loopback server, Whisper and DuckDB file.

The runs happen once (a module fixture); each test then checks one case in what they left.
Run 1 meets everything at once; between runs 1 and 2 the show renames a GUID, adds a tracking
query to an audio URL, fixes one missing file and one feed breaks; run 3 finds nothing new and
must leave exhausted failures alone (`max_attempts: 2`).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pytest

from podsift.flows.daily import daily
from podsift.tasks.ingest.feeds import feed_id_for
from podsift.tasks.run.summary import RunSummary
from podsift.warehouse.search import search
from tests.conftest import (
    AUDIO,
    DATA,
    FeedServer,
    Route,
    check_warehouse_invariants,
    closed_port,
    rss,
    write_config,
)

pytestmark = pytest.mark.slow

SPEECH = (AUDIO / "speech_short.mp3").read_bytes()
EPISODE_A = (AUDIO / "episode_a.mp3").read_bytes()
FEEDS = DATA / "feeds"
MAX_BYTES = 60_000  # speech_short (20 KB), silence and tone (40 KB) fit; episode_a (85 KB) not


def show_items(server: FeedServer, run: int) -> list[dict[str, Any]]:
    """The broken show's items; `run` 2 and later carry the publisher's changes."""

    def pub(day: int) -> str:
        return f"{day:02d} Mar 2025 06:00:00 +0000"

    items: list[dict[str, Any]] = [
        # Relative enclosure URL; its GUID changes after run 1 while the audio stays.
        {"guid": "good" if run == 1 else "good-renamed", "url": "audio/speech.mp3", "pub": pub(28)},
        # Cut mid-download once; after run 1 its URL gains a tracking query, GUID unchanged.
        {
            "guid": "cut-once",
            "url": server.url("/audio/cut.mp3") + ("" if run == 1 else "?utm_source=run2"),
            "pub": pub(27),
        },
        {"guid": "gone-404", "url": server.url("/audio/gone.mp3"), "pub": pub(26)},
        {"guid": "gone-410", "url": server.url("/audio/gone410.mp3"), "pub": pub(25)},
        {"guid": "fixed-later", "url": server.url("/audio/later.mp3"), "pub": pub(24)},
        {"guid": "cut-always", "url": server.url("/audio/cutalways.mp3"), "pub": pub(23)},
        {
            "guid": "truncated",
            "url": server.url("/audio/truncated.mp3"),
            "duration": "0:21",
            "pub": pub(22),
        },
        {"guid": "corrupt", "url": server.url("/audio/corrupt.mp3"), "pub": pub(21)},
        {"guid": "zero-bytes", "url": server.url("/audio/zero.mp3"), "pub": pub(20)},
        {"guid": "html", "url": server.url("/audio/html.mp3"), "pub": pub(19)},
        {"guid": "oversize", "url": server.url("/audio/big.mp3"), "pub": pub(18)},
        {"guid": "silence", "url": server.url("/audio/silence.mp3"), "pub": pub(17)},
        {"guid": "tone", "url": server.url("/audio/tone.mp3"), "pub": pub(16)},
        {"guid": "no-enclosure", "pub": pub(15)},
        {"guid": "image", "url": server.url("/cover.jpg"), "type": "image/jpeg", "pub": pub(14)},
        {"guid": "video", "url": server.url("/clip.mp4"), "type": "video/mp4", "pub": pub(14)},
        # The same audio as "good" under another GUID, in the same feed.
        {"guid": "mirror", "url": server.url("/show/audio/speech.mp3?ref=mirror"), "pub": pub(13)},
        {
            "guid": "../../../etc/passwd",
            "title": "../../hostile; rm -rf ~",
            "url": server.url("/audio/hostile.mp3"),
            "pub": pub(12),
        },
    ]
    if run == 1:
        # A second item with the GUID "good", later in the document: ignored.
        items.append({"guid": "good", "url": server.url("/audio/dup.mp3"), "pub": pub(11)})
    return items


@dataclass
class BadDay:
    server: FeedServer
    root: Path
    warehouse: Path
    data_dir: Path
    urls: dict[str, str]
    summaries: list[RunSummary] = field(default_factory=list)
    hits: list[dict[str, int]] = field(default_factory=list)  # per run, cumulative
    errors: list[str] = field(default_factory=list)

    def query(self, sql: str, params: list[Any] | None = None) -> list[tuple[Any, ...]]:
        con = duckdb.connect(str(self.warehouse), read_only=True)
        try:
            return con.execute(sql, params or []).fetchall()
        finally:
            con.close()

    def episode(self, guid: str) -> tuple[Any, ...]:
        rows = self.query(
            "SELECT status, error, attempts, (SELECT count(*) FROM segments s "
            "WHERE s.episode_id = e.episode_id) FROM episodes e WHERE guid = ? AND feed_id = ?",
            [guid, feed_id_for(self.urls["show"])],
        )
        assert len(rows) == 1, f"{guid}: {rows}"
        return rows[0]

    def staged_segments(self, guid: str) -> int:
        """How many segments the episode's staged transcript holds (what a load must write)."""
        from podsift.tasks.ingest.feeds import episode_id_for
        from podsift.tasks.run.episode import load_staged_transcript, transcript_path_for

        episode_id = episode_id_for(feed_id_for(self.urls["show"]), guid)
        staged = load_staged_transcript(transcript_path_for(self.data_dir, episode_id))
        assert staged is not None, guid
        return len(staged.segments)

    def feed(self, key: str) -> tuple[Any, ...]:
        rows = self.query(
            "SELECT last_error, title, current_url, etag FROM feeds WHERE feed_id = ?",
            [feed_id_for(self.urls[key])],
        )
        assert len(rows) == 1
        return rows[0]


@pytest.fixture(scope="module")
def bad_day(prefect_harness: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[BadDay]:
    server = FeedServer()
    root = tmp_path_factory.mktemp("bad_day")
    audio = {
        "/show/audio/speech.mp3": Route(body=SPEECH),
        "/audio/cut.mp3": Route(body=SPEECH, cut_after=6000, cut_times=1),
        "/audio/gone410.mp3": Route(body=b"gone", status=410, etag=False),
        "/audio/cutalways.mp3": Route(body=SPEECH, cut_after=6000, cut_times=1000),
        "/audio/truncated.mp3": Route(body=EPISODE_A[: int(len(EPISODE_A) * 0.4)]),
        "/audio/corrupt.mp3": Route(body=b"ID3\x04\0\0\0\0\0\0" + os.urandom(30_000)),
        "/audio/zero.mp3": Route(body=b""),
        "/audio/html.mp3": Route(body=b"<!DOCTYPE html><html><body>Expired</body></html>"),
        "/audio/big.mp3": Route(body=EPISODE_A),
        "/audio/silence.mp3": Route(body=(AUDIO / "silence.mp3").read_bytes()),
        "/audio/tone.mp3": Route(body=(AUDIO / "tone.mp3").read_bytes()),
        "/audio/hostile.mp3": Route(body=SPEECH),
        "/audio/dup.mp3": Route(body=SPEECH),
    }
    for path, route in audio.items():
        route.headers.setdefault("Content-Type", "audio/mpeg")
        server.add(path, route)
    xml = {"Content-Type": "application/rss+xml"}
    urls = {
        "unreachable": f"http://127.0.0.1:{closed_port()}/feed.xml",
        "404": server.add("/f404.xml", status=404, body=b"no", etag=False),
        "500-then-ok": server.add(
            "/flaky.xml", body=rss([], title="Flaky Show"), fail_first=1, headers=xml
        ),
        "html": server.add(
            "/html.xml",
            body=(FEEDS / "html_page.rss").read_bytes(),
            headers={"Content-Type": "text/html"},
        ),
        "malformed": server.add("/malformed.xml", body=(FEEDS / "malformed.rss").read_bytes()),
        "bomb": server.add("/bomb.xml", body=(FEEDS / "entity_bomb.rss").read_bytes()),
        "empty-channel": server.add("/nothing.xml", body=rss([], title="Nothing Yet")),
    }
    for code in (301, 302):
        target = server.add(f"/moved/{code}.xml", body=rss([], title=f"Moved {code}"))
        urls[f"redirect-{code}"] = server.add(f"/old/{code}.xml", status=code, location=target)
    urls["show"] = server.add("/show/feed.xml", body=rss(show_items(server, 1)), headers=xml)
    # Broken feeds first: the show after them must still be processed.
    config = write_config(
        root,
        list(urls.values()),
        download={"timeout_s": 5, "retries": 1, "max_bytes": MAX_BYTES},
        max_attempts=2,
    )
    day = BadDay(server, root, root / "warehouse.duckdb", root / "data", urls)

    def run() -> None:
        day.summaries.append(daily(str(config)))
        with server._lock:
            paths = [p for p, _ in server.requests]
        day.hits.append({p: paths.count(p) for p in set(paths)})

    try:
        run()
        # The publisher's changes, a fixed file, a feed that breaks.
        server.routes["/show/feed.xml"].body = rss(show_items(server, 2))
        server.add("/audio/later.mp3", body=SPEECH, headers={"Content-Type": "audio/mpeg"})
        server.routes["/nothing.xml"].status = 404
        run()
        run()
        yield day
    finally:
        server.close()


def hits(day: BadDay, path: str, run: int) -> int:
    """Requests for `path` up to the end of run `run` (1-based)."""
    return day.hits[run - 1].get(path, 0)


# --- runs as a whole -------------------------------------------------------------------------


def test_runs_finish_partial_and_keep_the_warehouse_consistent(bad_day: BadDay) -> None:
    assert [s.exit_code for s in bad_day.summaries] == [1, 1, 1]
    runs = bad_day.query("SELECT status, feeds_polled FROM runs ORDER BY started_at")
    assert runs == [("partial", 10)] * 3
    check_warehouse_invariants(bad_day.warehouse, bad_day.data_dir)


def test_other_feeds_go_on_after_feed_failures(bad_day: BadDay) -> None:
    first = bad_day.summaries[0]
    failed = {o.feed for o in first.feeds if o.error}
    assert len(failed) == 5  # unreachable, 404, HTML, malformed, bomb
    show = next(o for o in first.feeds if o.feed == "feed" + str(len(bad_day.urls) - 1))
    assert show.error is None and show.counts.episodes_done == 3


# --- feeds -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "message"),
    [
        ("unreachable", "cannot connect"),
        ("404", "HTTP 404 Not Found"),
        ("html", "got an HTML page, not an RSS or Atom feed"),
        ("malformed", "malformed XML at line 5 (mismatched tag)"),
        ("bomb", "declares XML entities, refused for safety"),
    ],
)
def test_feed_failure_lands_in_last_error(bad_day: BadDay, key: str, message: str) -> None:
    last_error, title, _, _ = bad_day.feed(key)
    assert last_error == f"feed {bad_day.urls[key]}: " + last_error.split(": ", 1)[1]
    assert message in last_error
    assert title is None


def test_feed_500_then_success_is_retried(bad_day: BadDay) -> None:
    assert bad_day.feed("500-then-ok")[:2] == (None, "Flaky Show")
    assert hits(bad_day, "/flaky.xml", 1) == 2


def test_empty_channel_is_not_an_error(bad_day: BadDay) -> None:
    # Run 1 polled it fine; it broke before run 2 and the last good title and ETag are kept.
    first = bad_day.summaries[0]
    assert not any(o.error and "nothing.xml" in o.error for o in first.feeds)
    last_error, title, _, etag = bad_day.feed("empty-channel")
    assert "HTTP 404" in last_error
    assert title == "Nothing Yet" and etag


@pytest.mark.parametrize(("code", "permanent"), [(301, True), (302, False)])
def test_redirected_feed(bad_day: BadDay, code: int, permanent: bool) -> None:
    last_error, title, current_url, _ = bad_day.feed(f"redirect-{code}")
    assert (last_error, title) == (None, f"Moved {code}")
    new = bad_day.server.url(f"/moved/{code}.xml")
    assert current_url == (new if permanent else None)
    # Runs 2 and 3 go straight to the new URL after a permanent move.
    assert hits(bad_day, f"/old/{code}.xml", 3) == (1 if permanent else 3)
    assert hits(bad_day, f"/moved/{code}.xml", 3) == 3


def test_a_moved_feed_whose_new_address_dies_goes_back_to_the_configured_one(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """A 301 once sent the feed to a maintenance page's address; that address now fails, and
    the configured URL serves the feed again. The feed used to stay failed for good."""
    old = server.add("/home.xml", status=301, location=server.url("/maintenance.xml"))
    server.add("/maintenance.xml", body=rss([], title="Harbour Notes"))
    config = write_config(tmp_path, [old])

    def feed_row() -> tuple[Any, ...]:
        with duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True) as con:
            row = con.execute("SELECT current_url, last_error, title FROM feeds").fetchone()
        assert row is not None
        return row

    assert daily(str(config)).exit_code == 0
    assert feed_row() == (server.url("/maintenance.xml"), None, "Harbour Notes")
    server.add("/maintenance.xml", status=503, body=b"<html>down for maintenance</html>")
    server.add("/home.xml", body=rss([], title="Harbour Notes, back home"))
    assert daily(str(config)).exit_code == 0
    assert feed_row() == (None, None, "Harbour Notes, back home")
    maintenance = server.hits("/maintenance.xml")
    assert daily(str(config)).exit_code == 0  # straight to the configured URL now
    assert server.hits("/maintenance.xml") == maintenance


# --- the show's episodes ---------------------------------------------------------------------


def test_relative_enclosure_is_loaded(bad_day: BadDay) -> None:
    status, error, attempts, segments = bad_day.episode("good")
    assert (status, error, attempts) == ("done", None, 1)
    assert segments == bad_day.staged_segments("good") > 0


def test_items_without_audio_and_duplicates_are_not_episodes(bad_day: BadDay) -> None:
    guids = {
        g
        for (g,) in bad_day.query(
            "SELECT guid FROM episodes WHERE feed_id = ?", [feed_id_for(bad_day.urls["show"])]
        )
    }
    assert not guids & {"no-enclosure", "image", "video", "mirror", "good-renamed"}
    assert hits(bad_day, "/audio/dup.mp3", 3) == 0  # the repeated GUID's second item
    assert hits(bad_day, "/cover.jpg", 3) == hits(bad_day, "/clip.mp4", 3) == 0


def test_changed_guid_same_audio_is_loaded_once(bad_day: BadDay) -> None:
    assert hits(bad_day, "/show/audio/speech.mp3", 3) == 1
    assert bad_day.summaries[1].counts.episodes_new == 0


def test_changed_query_string_same_guid_is_loaded_once(bad_day: BadDay) -> None:
    assert bad_day.episode("cut-once")[:3] == ("done", None, 1)
    assert hits(bad_day, "/audio/cut.mp3", 3) == 2  # cut once and retried, in run 1 only


@pytest.mark.parametrize(
    ("guid", "message"),
    [
        ("gone-404", "episode audio not found (HTTP 404): "),
        ("gone-410", "episode audio not found (HTTP 410): "),
        ("cut-always", "episode audio download connection failed (RemoteProtocolError"),
        ("truncated", "audio is truncated: decoded "),
        ("corrupt", "audio cannot be decoded"),
        ("zero-bytes", "episode audio is zero bytes, not audio: "),
        ("html", "episode audio is an HTML page, not audio: "),
        ("oversize", f"episode audio is {len(EPISODE_A)} bytes, over the {MAX_BYTES}-byte cap"),
    ],
)
def test_failed_episode_has_status_error_and_no_rows(
    bad_day: BadDay, guid: str, message: str
) -> None:
    status, error, attempts, segments = bad_day.episode(guid)
    assert status == "failed"
    assert error.startswith(message)
    assert segments == 0
    assert attempts == 2  # run 1, one retry in run 2, then left alone


@pytest.mark.parametrize("guid", ["silence", "tone"])
def test_silence_and_music_are_skipped_without_invented_words(bad_day: BadDay, guid: str) -> None:
    status, error, attempts, segments = bad_day.episode(guid)
    assert (status, segments, attempts) == ("skipped", 0, 1)
    assert error == "no speech found in 10 s of audio (silence or music only)"
    assert hits(bad_day, f"/audio/{guid}.mp3", 3) == 1  # skipped is final, not retried


def test_no_download_is_left_behind_without_keep_audio(bad_day: BadDay) -> None:
    """Failed (corrupt, truncated) and skipped (silence, tone) episodes downloaded their audio
    too; with keep_audio off none of it stays in data_dir/audio, nor does a done episode's."""
    assert list((bad_day.data_dir / "audio").iterdir()) == []


def test_failed_episodes_are_retried_up_to_max_attempts(bad_day: BadDay) -> None:
    assert [hits(bad_day, "/audio/gone.mp3", run) for run in (1, 2, 3)] == [1, 2, 2]
    assert hits(bad_day, "/audio/cutalways.mp3", 3) == 4  # 2 tries in each of 2 runs
    assert bad_day.summaries[2].counts.episodes_failed == 0  # run 3 left them alone


def test_failed_episode_that_gets_fixed_is_loaded(bad_day: BadDay) -> None:
    status, error, attempts, segments = bad_day.episode("fixed-later")
    assert (status, error, attempts) == ("done", None, 2)
    assert segments == bad_day.staged_segments("fixed-later") > 0


def test_files_are_named_from_hashes(bad_day: BadDay) -> None:
    assert bad_day.episode("../../../etc/passwd")[0] == "done"
    staged = sorted(p.name for p in (bad_day.data_dir / "transcripts").iterdir())
    assert len(staged) == 6  # good, cut-once, hostile, fixed-later, and the empty silence, tone
    assert all(len(name) == len("0123456789abcdef0123.json") for name in staged)
    # Nothing was written outside data_dir and the warehouse's own files.
    outside = {p.name for p in bad_day.root.iterdir()}
    assert outside <= {
        "config.yaml",
        "data",
        "warehouse.duckdb",
        "warehouse.duckdb.lock",
        "warehouse.duckdb.wal",
    }


def test_an_episode_whose_audio_moves_host_keeps_the_new_url(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """The show moves its audio to another host between runs, keeping each item's GUID. The
    episode is not processed again, but the warehouse used to keep the old, dead address in
    `audio_url`, so `fact_links`, search links and the ad-free feed pointed at it."""
    transcript = (DATA / "transcripts" / "interview.podcast.json").read_bytes()
    server.add("/t/ep.json", body=transcript, headers={"Content-Type": "application/json"})

    def feed(audio_path: str) -> bytes:
        link = f'<podcast:transcript url="{server.url("/t/ep.json")}" type="application/json"/>'
        item = {"guid": "moving-1", "title": "Harbor", "url": server.url(audio_path)}
        return rss([{**item, "duration": "0:21", "raw": [link]}])

    server.add("/feed.xml", body=feed("/old-host/ep.mp3"))
    config = write_config(
        tmp_path, [server.url("/feed.xml")], publish={"ad_free_audio": False}, max_attempts=1
    )
    assert daily(str(config)).counts.episodes_done == 1
    server.routes["/feed.xml"].body = feed("/new-host/ep.mp3")
    second = daily(str(config))
    assert second.exit_code == 0 and second.counts.episodes_new == 0
    assert server.hits("/t/ep.json") == 1  # not processed again
    assert server.hits("/old-host/ep.mp3") == server.hits("/new-host/ep.mp3") == 0
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        episodes = con.execute("SELECT guid, audio_url, audio_key FROM episodes").fetchall()
    finally:
        con.close()
    new_url = server.url("/new-host/ep.mp3")
    assert episodes == [("moving-1", new_url, new_url.split("://", 1)[1])]
    found = search(tmp_path / "warehouse.duckdb", "harbor report", 5)
    assert found and all(hit.link.startswith(new_url + "#t=") for hit in found)
    check_warehouse_invariants(tmp_path / "warehouse.duckdb", tmp_path / "data")


def test_an_episode_out_of_tries_is_tried_again_when_its_feed_fixes_the_link(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    """The feed's enclosure is a dead link until `max_attempts` is used up; then the publisher
    fixes it. The episode used to stay failed for good (its row only took the new URL)."""

    def feed(audio_path: str) -> bytes:
        item = {"guid": "fixed-link", "title": "Harbor", "url": server.url(audio_path)}
        return rss([{**item, "duration": "0:21"}])

    server.add("/feed.xml", body=feed("/dead/ep.mp3"))  # /dead/ep.mp3 is not served: a 404
    server.add("/live/ep.mp3", body=SPEECH, headers={"Content-Type": "audio/mpeg"})
    config = write_config(
        tmp_path, [server.url("/feed.xml")], publish={"ad_free_audio": False}, max_attempts=1
    )
    first = daily(str(config))
    assert first.counts.episodes_failed == 1
    assert daily(str(config)).counts.episodes_failed == 0  # out of tries: left alone
    server.routes["/feed.xml"].body = feed("/live/ep.mp3")
    third = daily(str(config))
    assert third.exit_code == 0 and third.counts.episodes_done == 1
    assert server.hits("/live/ep.mp3") == 1
    con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
    try:
        row = con.execute("SELECT status, error, attempts, audio_url FROM episodes").fetchall()
    finally:
        con.close()
    assert row == [("done", None, 1, server.url("/live/ep.mp3"))]
    check_warehouse_invariants(tmp_path / "warehouse.duckdb", tmp_path / "data")
