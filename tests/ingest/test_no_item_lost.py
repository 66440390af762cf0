"""No episode silently lost (issue 26): every item a feed lists becomes a row or a named reason.

Items are merged only when they name one audio file: tracking wrappers are taken off the URL,
and nothing that can name the file is. The golden feeds (`tests/data/feeds/tracking_*.rss`)
hold each wrapper; here a seeded property test wraps N different files in random chains of
them, and the planner, the skip counts and the run summary are checked.
"""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from podsift.tasks.core.config import Config
from podsift.tasks.core.records import EpisodeItem, KnownEpisode
from podsift.tasks.ingest.audio_identity import audio_key, same_audio, unwrap_tracking
from podsift.tasks.ingest.feeds import read_feed
from podsift.tasks.ingest.skipped import SkippedItem, describe_items
from podsift.tasks.run.plan import plan_feed
from tests.conftest import DATA, FeedServer, rss

BASE = "https://feeds.example.org/show/feed.rss"

# --- the property: N items with N different files are N episodes, whatever wraps their URLs ---


def _no_scheme(url: str) -> str:
    return url.split("://", 1)[1]


# Each takes a URL and returns it behind one tracker, in one of the spellings feeds use.
WRAPPERS = [
    lambda u: "https://dts.podtrac.com/redirect.mp3/" + _no_scheme(u),
    lambda u: "https://dts.podtrac.com/pts/redirect.m4a/" + u,
    lambda u: "https://www.podtrac.com/pts/redirect.mp3/" + _no_scheme(u),
    lambda u: "http://podtrac.com/pts/redirect.mp3/" + u,
    lambda u: "http://www.podtrac.com/pts/redirect.mp3?" + u,  # the old query form
    lambda u: "http://www.podtrac.com/pts/redirect.mp3/?" + u,
    lambda u: "http://play.podtrac.com/Some-Show/" + _no_scheme(u),
    lambda u: "https://chrt.fm/track/AB12CD/" + _no_scheme(u),
    lambda u: "http://chtbl.com/track/9876/" + u,
    lambda u: "https://verifi.podscribe.com/rss/p/" + _no_scheme(u),
    lambda u: "https://pscrb.fm/rss/p/" + u,
    lambda u: "https://op3.dev/e/" + _no_scheme(u),
    lambda u: "https://op3.dev/e,pg=0f3a2b1c/" + u,
    lambda u: "https://prfx.byspotify.com/e/" + _no_scheme(u),
    lambda u: "https://mgln.ai/e/321/" + _no_scheme(u),
    lambda u: "https://mgln.ai/track/" + u,
    lambda u: "https://claritaspod.com/measure/" + _no_scheme(u),
    lambda u: "https://clrtpod.com/m/" + _no_scheme(u),
    lambda u: "https://pdst.fm/e/" + _no_scheme(u),
    lambda u: "https://tracking.swap.fm/track/XyZ123/" + _no_scheme(u),
    lambda u: "https://arttrk.com/p/ABCD1/" + _no_scheme(u),
]
TRACKING_PARAMS = ["utm_source=rss", "utm_medium=podcast", "aid=rss_feed", "updated=1712000000"]


def _file_url(rng: random.Random, n: int) -> str:
    """The URL of file number `n`: each kind tells files apart by a different part."""
    host = rng.choice(["cdn.example.org", "Media.Example.net", "audio.show.example:8443"])
    scheme = rng.choice(["http", "https"])
    kind = rng.randrange(5)
    if kind == 0:  # the path names the file
        ext = rng.choice(["mp3", "m4a", "ogg", "opus"])
        return f"{scheme}://{host}/shows/{rng.choice(['ep', 'Ep', 'EP'])}-{n}.{ext}"
    if kind == 1:  # one path for every file, a query parameter names it
        return f"{scheme}://{host}/audio/episode.mp3?id={n}"
    if kind == 2:  # a bare query names it
        return f"{scheme}://{host}/get.mp3?{n}"
    if kind == 3:  # a script and a file parameter
        return f"{scheme}://{host}/download.php?show=7&file=part-{n}.mp3"
    return f"{scheme}://{host}/a%20folder/{n}%7E.mp3"  # escapes


def _tracked(rng: random.Random, url: str) -> str:
    """`url` with tracking parameters and up to four trackers around it."""
    for _ in range(rng.randrange(3)):
        url += ("&" if "?" in url else "?") + rng.choice(TRACKING_PARAMS)
    for _ in range(rng.randrange(5)):
        url = rng.choice(WRAPPERS)(url)
    return url


def _feed(items: list[tuple[str | None, str, str]]) -> bytes:
    """A feed of (guid or None, title, enclosure URL), newest first."""
    start = datetime(2025, 4, 1, tzinfo=UTC)
    parts = ['<?xml version="1.0" encoding="UTF-8"?>\n<rss version="2.0"><channel><title>P</title>']
    for i, (guid, title, url) in enumerate(items):
        when = (start - timedelta(days=i)).strftime("%a, %d %b %Y %H:%M:%S GMT")
        parts.append(
            "<item>"
            + (f"<guid isPermaLink='false'>{escape(guid)}</guid>" if guid else "")
            + f"<title>{escape(title)}</title><pubDate>{when}</pubDate>"
            + f'<enclosure url="{escape(url)}" type="audio/mpeg"/></item>'
        )
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


@pytest.mark.parametrize("seed", range(60))
def test_n_items_with_n_files_are_n_episodes_whatever_wraps_them(seed: int) -> None:
    rng = random.Random(seed)
    count = rng.randrange(2, 40)
    files = [_file_url(rng, n) for n in rng.sample(range(1000), count)]
    listed = [_tracked(rng, f) for f in files]
    items = [
        (f"guid-{seed}-{i}" if rng.random() < 0.6 else None, f"Episode {i}", url)
        for i, url in enumerate(listed)
    ]
    document = read_feed(_feed(items), BASE)
    assert document.skipped == ()
    assert len(document.episodes) == document.listed == count
    # The key is the file's, whatever wrapped it: the same file wrapped twice is one key.
    for episode, file in zip(document.episodes, files, strict=True):
        assert audio_key(episode.audio_url) == audio_key(file)
        assert audio_key(episode.audio_url) == audio_key(_tracked(rng, file))
    plan = plan_feed("feed", document.episodes, [], [], Config())
    assert (len(plan.jobs), plan.new, plan.skipped) == (count, count, [])


@pytest.mark.parametrize("seed", range(20))
def test_one_file_under_many_wrappers_is_one_episode(seed: int) -> None:
    rng = random.Random(1000 + seed)
    file = _file_url(rng, seed)
    listed = [_tracked(rng, file) for _ in range(rng.randrange(2, 6))]
    items = [(f"g{i}", f"Copy {i}", url) for i, url in enumerate(listed)]
    document = read_feed(_feed(items), BASE)
    assert [e.title for e in document.episodes] == ["Copy 0"]
    assert {s.reason for s in document.skipped} == {"same_audio"}
    assert all(s.other == "Copy 0" for s in document.skipped)


@pytest.mark.parametrize(
    ("wrapped", "target"),
    [
        (
            "http://www.podtrac.com/pts/redirect.mp3?http://media.example.org/shows/ep-62.mp3",
            "http://media.example.org/shows/ep-62.mp3",
        ),
        (
            "http://podtrac.com/pts/redirect.mp3?http%3A%2F%2Fmedia.example.org%2Fep-61.mp3",
            "http://media.example.org/ep-61.mp3",
        ),
        (
            "https://dts.podtrac.com/redirect.mp3///media.example.org/a.mp3?x=1",
            "https://media.example.org/a.mp3?x=1",
        ),
        (
            "https://chtbl.com/track/1/https%3A%2F%2Fmedia.example.org/b.mp3",
            "https://media.example.org/b.mp3",
        ),
        ("https://pdst.fm/e/media.example.org%2Fc%2Fd.mp3", "https://media.example.org/c/d.mp3"),
        # Nothing behind the prefix, or no host: not a wrapper, the URL stands.
        ("https://dts.podtrac.com/redirect.mp3/", "https://dts.podtrac.com/redirect.mp3/"),
        ("https://op3.dev/e/not-a-host", "https://op3.dev/e/not-a-host"),
        ("https://host.example/play?id=3", "https://host.example/play?id=3"),
    ],
)
def test_unwrap_tracking(wrapped: str, target: str) -> None:
    assert unwrap_tracking(wrapped) == target


def test_one_key_but_different_declared_lengths_are_two_files() -> None:
    a = EpisodeItem("a", "A", "https://cdn.example.org/x.mp3?utm_source=1", audio_length=1000)
    b = EpisodeItem("b", "B", "https://cdn.example.org/x.mp3?utm_source=2", audio_length=2000)
    c = EpisodeItem("c", "C", "https://chrt.fm/track/Q/cdn.example.org/x.mp3")  # no length
    assert not same_audio(a, b)
    assert same_audio(a, c) and same_audio(b, c)


# --- the planner: the same rule, and every item it leaves out named ---------------------------


def _item(guid: str, url: str, day: int = 1, length: int | None = None) -> EpisodeItem:
    published = datetime(2025, 3, day, tzinfo=UTC)
    return EpisodeItem(guid, guid.upper(), url, published_at=published, audio_length=length)


def _known(guid: str, url: str, status: str = "done", attempts: int = 1) -> KnownEpisode:
    return KnownEpisode(f"id-{guid}", guid, audio_key(url), status, attempts)


def test_plan_names_items_outside_max_episodes_per_feed_that_are_not_rows_yet() -> None:
    items = [_item(f"g{d}", f"https://cdn.example.org/{d}.mp3", day=d) for d in range(1, 6)]
    known = [_known("g1", "https://cdn.example.org/1.mp3")]  # loaded before the limit was set
    plan = plan_feed("f", items, known, [], Config(max_episodes_per_feed=2))
    assert sorted(j.item.guid for j in plan.jobs) == ["g4", "g5"]
    assert plan.skipped == [SkippedItem("over_limit", "G3"), SkippedItem("over_limit", "G2")]


def test_plan_checks_guids_and_files_of_items_from_anywhere() -> None:
    items = [
        _item("g2", "https://cdn.example.org/2.mp3", day=2),
        _item("g2", "https://cdn.example.org/2-other.mp3", day=1),
        _item("g2-mirror", "https://op3.dev/e/cdn.example.org/2.mp3", day=1),
    ]
    plan = plan_feed("f", items, [], [], Config())
    assert [j.item.guid for j in plan.jobs] == ["g2"]
    assert plan.skipped == [
        SkippedItem("repeated_guid", "G2", other="G2"),
        SkippedItem("same_audio", "G2-MIRROR", other="G2"),
    ]


def test_plan_keeps_items_whose_lengths_say_they_are_two_files() -> None:
    items = [
        _item("long", "https://cdn.example.org/x.mp3?utm_source=a", day=2, length=9000),
        _item("short", "https://cdn.example.org/x.mp3?utm_source=b", day=1, length=3000),
    ]
    plan = plan_feed("f", items, [], [], Config())
    assert (sorted(j.item.guid for j in plan.jobs), plan.skipped) == (["long", "short"], [])


def test_a_changed_guid_is_matched_only_by_a_key_that_proves_the_file() -> None:
    known = [
        _known("old-1", "https://cdn.example.org/1.mp3"),
        # Two episodes under one key (keys stored by an older podsift): proves nothing.
        KnownEpisode("id-x", "x", "cdn.example.org/shared.mp3", "done", 1),
        KnownEpisode("id-y", "y", "cdn.example.org/shared.mp3", "done", 1),
        # Still listed under its own GUID: another item with its file is not it renamed.
        _known("kept", "https://cdn.example.org/kept.mp3"),
    ]
    items = [
        _item("new-1", "https://dts.podtrac.com/redirect.mp3/cdn.example.org/1.mp3", day=4),
        _item("z", "https://cdn.example.org/shared.mp3", day=3),
        _item("kept", "https://cdn.example.org/kept-v2.mp3", day=2),
        _item("kept-copy", "https://cdn.example.org/kept.mp3", day=1),
    ]
    plan = plan_feed("f", items, known, [], Config())
    assert sorted(j.item.guid for j in plan.jobs) == ["kept-copy", "z"]
    assert plan.new == 2 and plan.skipped == []


def test_a_feed_whose_episodes_an_older_podsift_merged_loads_them_now() -> None:
    """The old key dropped the query of `/pts/redirect.mp3?http://...`: all of a show's
    episodes had one key, and only the first was loaded. Now the others are new."""
    old_key = "www.podtrac.com/pts/redirect.mp3"
    known = [KnownEpisode("id-62", "lh-62", old_key, "done", 1)]
    document = read_feed((DATA / "feeds" / "tracking_podtrac_query.rss").read_bytes(), BASE)
    items = [*document.episodes, _item("lh-ancient", "http://www.podtrac.com/pts/redirect.mp3")]
    plan = plan_feed("f", items, known, [], Config())
    assert plan.new == len(items) - 1  # every item but the one already loaded (lh-62)
    assert "lh-62" not in {j.item.guid for j in plan.jobs}


# --- the sentence in feeds.last_warning and the summary --------------------------------------


def test_the_count_sentence_reads_as_the_issue_asks() -> None:
    skipped = [SkippedItem("repeated_guid", "Ep 9", other="Ep 9"), SkippedItem("no_audio", "Art")]
    assert describe_items(130, skipped) == (
        "130 items, 128 loaded, 2 skipped: 1 without audio, 1 repeated GUID "
        "(without audio: 'Art'; repeated GUID: 'Ep 9' has the GUID of 'Ep 9')"
    )
    assert describe_items(130, []) is None
    many = [SkippedItem("over_limit", f"Old {n}") for n in range(12)]
    assert describe_items(20, many) == (
        "20 items, 8 loaded, 12 skipped: 12 outside max_episodes_per_feed "
        "(outside max_episodes_per_feed: "
        + ", ".join(f"'Old {n}'" for n in range(10))
        + ", and 2 more)"
    )


def test_a_partial_document_counts_what_it_read_and_says_the_rest_is_missing() -> None:
    content = (DATA / "feeds" / "truncated_after_items.rss").read_bytes()
    head, tail = content.split(b"<item>", 1)
    content = head + b"<item><title>Blog post</title></item><item>" + tail
    document = read_feed(content, BASE)
    assert document.partial and document.listed == 3
    assert document.warning is not None
    assert "later ones are missing: the feed is partial; 3 items, 2 loaded, 1 skipped: " in (
        document.warning
    )


# --- through the daily flow: episodes, feeds.last_warning, the summary ------------------------


@pytest.mark.slow
def test_skipped_items_are_counted_in_last_warning_and_once_in_the_summary(
    tmp_path: Path, server: FeedServer, prefect_harness: None
) -> None:
    import duckdb

    from podsift.flows.daily import daily
    from tests.conftest import write_config

    vtt = (DATA / "transcripts" / "interview.vtt").read_bytes()

    def item(guid: str | None, title: str, day: int, audio: str | None) -> dict[str, object]:
        found: dict[str, object] = {"title": title, "pub": f"{day:02d} Mar 2025 06:00:00 +0000"}
        if guid:
            found["guid"] = guid
        if audio:
            n = audio.rsplit("/", 1)[-1].split(".")[0]
            server.add(f"/t/{n}.vtt", body=vtt, headers={"Content-Type": "text/vtt"})
            found["url"] = audio
            found["raw"] = [
                f'<podcast:transcript url="{server.url(f"/t/{n}.vtt")}" type="text/vtt"/>'
            ]
        return found

    audio = server.url("/audio/3.mp3")
    items = [
        item("ep-4", "Episode 4", 20, server.url("/audio/4.mp3")),
        item("ep-3", "Episode 3", 19, audio),
        item("ep-3", "Episode 3 again", 18, server.url("/audio/3b.mp3")),
        item("ep-3-op3", "Episode 3 via OP3", 18, "https://op3.dev/e/" + audio),
        item("notes", "Show notes", 17, None),
        item("ep-2", "Episode 2", 16, server.url("/audio/2.mp3")),
        item("ep-1", "Episode 1", 15, server.url("/audio/1.mp3")),
    ]
    url = server.add("/feed.xml", body=rss(items, title="Counted Show"))
    config = write_config(tmp_path, [url], max_episodes_per_feed=3)
    told = (
        f"feed {url}: 7 items, 3 loaded, 4 skipped: 1 without audio, 1 repeated GUID, "
        "1 same audio as another item, 1 outside max_episodes_per_feed "
        "(without audio: 'Show notes' (no enclosure); "
        "repeated GUID: 'Episode 3 again' has the GUID of 'Episode 3'; "
        "same audio as another item: 'Episode 3 via OP3' has the audio of 'Episode 3'; "
        "outside max_episodes_per_feed: 'Episode 1')"
    )

    def warehouse(sql: str) -> list[tuple[object, ...]]:
        con = duckdb.connect(str(tmp_path / "warehouse.duckdb"), read_only=True)
        try:
            return con.execute(sql).fetchall()
        finally:
            con.close()

    first = daily(str(config))
    assert first.exit_code == 0, first.render()
    assert warehouse("SELECT guid, status FROM episodes ORDER BY guid") == [
        ("ep-2", "done"),
        ("ep-3", "done"),
        ("ep-4", "done"),
    ]
    assert warehouse("SELECT last_warning FROM feeds") == [(told,)]
    assert first.render().splitlines().count(f"  warning: {told}") == 1
    assert first.render().count("7 items, 3 loaded, 4 skipped") == 1
    assert server.hits("/audio/3b.mp3") == server.hits("/audio/1.mp3") == 0

    # Unchanged (a 304): the count stays on the feed, and the summary does not repeat it.
    second = daily(str(config))
    assert second.exit_code == 0 and "skipped:" not in second.render()
    assert warehouse("SELECT last_warning FROM feeds") == [(told,)]
