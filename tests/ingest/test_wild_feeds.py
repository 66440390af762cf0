"""Feeds as they are in the wild, polled from a real loopback HTTP server.

Each test serves a hand-written document of a kind real shows publish (a title in CDATA with
entities, a date without a zone, an MP3 typed as video, audio offered only as a Podcasting 2.0
`podcast:alternateEnclosure`, RSS 1.0's `enc:enclosure`, an encoding name Python does not
know) and checks what a poll, and the plan of a first run, make of it.
"""

from __future__ import annotations

import gzip
from datetime import UTC, datetime
from pathlib import Path

import pytest

from podsift.tasks.core.config import Config
from podsift.tasks.core.errors import FeedError
from podsift.tasks.ingest.feeds import MAX_FEED_BYTES, poll_feed
from podsift.tasks.run.plan import plan_feed
from tests.conftest import FeedServer

ITUNES = 'xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
PODCAST = 'xmlns:podcast="https://podcastindex.org/namespace/1.0"'


def _rss(items: str, title: str = "Wild Show", encoding: str = "UTF-8") -> bytes:
    return (
        f'<?xml version="1.0" encoding="{encoding}"?>\n'
        f'<rss version="2.0" {ITUNES} {PODCAST}>\n<channel><title>{title}</title>\n'
        f"{items}\n</channel></rss>\n"
    ).encode()


def _item(
    guid: str, title: str, *, pub: str = "Mon, 03 Mar 2025 06:00:00 +0000", body: str = ""
) -> str:
    return f"<item><guid>{guid}</guid><title>{title}</title><pubDate>{pub}</pubDate>{body}</item>"


def _enclosure(url: str, kind: str = "audio/mpeg") -> str:
    return f'<enclosure url="{url}" length="1000" type="{kind}"/>'


def test_titles_written_as_html_are_stored_as_text(server: FeedServer) -> None:
    """feedparser keeps a title that looks like HTML as HTML source, so a CDATA title with
    entities in it, or a double-escaped `&amp;amp;`, was stored and printed as `Tom &amp;
    Jerry&#8217;s`. A plain title, and one with escaped tags, read as before."""
    cdn = server.url("/a")
    items = "\n".join(
        [
            _item(
                "1",
                "<![CDATA[Tom &amp; Jerry&#8217;s &quot;Best&quot; Of]]>",
                body=_enclosure(f"{cdn}/1.mp3"),
            ),
            _item("2", "Q&amp;amp;A &amp;#8211; part 2", body=_enclosure(f"{cdn}/2.mp3")),
            _item("3", "<![CDATA[Caf&eacute; & cr\u00e8me]]>", body=_enclosure(f"{cdn}/3.mp3")),
            _item("4", "Plain &amp; simple", body=_enclosure(f"{cdn}/4.mp3")),
            _item("5", "Hostile &lt;b&gt;Text&lt;/b&gt;", body=_enclosure(f"{cdn}/5.mp3")),
            _item(
                "6",
                "\n      Episode 42:\n      The Return\n    ",
                body=_enclosure(f"{cdn}/6.mp3"),
            ),
            "<item><guid>7</guid><itunes:title>Only an iTunes title</itunes:title>"
            + _enclosure(f"{cdn}/7.mp3")
            + "</item>",
        ]
    )
    url = server.add("/feed.xml", body=_rss(items, title="<![CDATA[Rock &amp; Roll Hour]]>"))

    poll = poll_feed(url)

    assert poll.title == "Rock & Roll Hour"
    assert poll.channel is not None and poll.channel["title"] == "Rock & Roll Hour"
    assert [e.title for e in poll.episodes] == [
        'Tom & Jerry\u2019s "Best" Of',
        "Q&A \u2013 part 2",
        "Caf\u00e9 & cr\u00e8me",
        "Plain & simple",
        "Hostile <b>Text</b>",
        "Episode 42: The Return",
        "Only an iTunes title",
    ]
    assert poll.warning is None


@pytest.mark.parametrize(
    ("written", "expected"),
    [
        # RFC 822 without a zone: feedparser gives up when the weekday is there.
        ("Mon, 03 Mar 2025 06:00:00", datetime(2025, 3, 3, 6, 0, tzinfo=UTC)),
        # Zones feedparser does not know were read as UTC.
        ("Mon, 03 Mar 2025 06:00:00 CEST", datetime(2025, 3, 3, 4, 0, tzinfo=UTC)),
        ("Mon, 03 Mar 2025 06:00:00 AEST", datetime(2025, 3, 2, 20, 0, tzinfo=UTC)),
        ("Mon, 03 Mar 2025 06:00:00 BST", datetime(2025, 3, 3, 5, 0, tzinfo=UTC)),
        ("Mon, 03 Mar 2025 06:00:00 UTC+02:00", datetime(2025, 3, 3, 4, 0, tzinfo=UTC)),
        ("Mon, 03 Mar 2025 06:00:00 GMT+2", datetime(2025, 3, 3, 4, 0, tzinfo=UTC)),
        # Weekdays and months in the language of the show.
        ("Lun, 03 Mar 2025 06:00:00 +0100", datetime(2025, 3, 3, 5, 0, tzinfo=UTC)),
        ("Mo, 03 M\u00e4r 2025 06:00:00 +0100", datetime(2025, 3, 3, 5, 0, tzinfo=UTC)),
        ("mer., 05 f\u00e9vr. 2025 06:00:00 +0100", datetime(2025, 2, 5, 5, 0, tzinfo=UTC)),
        ("March 3, 2025", datetime(2025, 3, 3, tzinfo=UTC)),
        # What feedparser read already is read as before.
        ("Mon, 03 Mar 2025 06:00:00 PST", datetime(2025, 3, 3, 14, 0, tzinfo=UTC)),
        ("Mon, 03 Mar 2025 06:00:00 +0530", datetime(2025, 3, 3, 0, 30, tzinfo=UTC)),
        ("2025-03-03T06:00:00+01:00", datetime(2025, 3, 3, 5, 0, tzinfo=UTC)),
        # Not dates: unknown.
        ("Mon, 03 Foo 2025 06:00:00 GMT", None),
        ("sometime last week", None),
        ("Mon, 03 Mar 2025 06:00:00 Mars/Olympus", datetime(2025, 3, 3, 6, 0, tzinfo=UTC)),
    ],
)
def test_dates_feedparser_misreads_are_read_as_written(
    server: FeedServer, written: str, expected: datetime | None
) -> None:
    url = server.add(
        "/feed.xml",
        body=_rss(_item("1", "One", pub=written, body=_enclosure(server.url("/1.mp3")))),
    )
    assert [e.published_at for e in poll_feed(url).episodes] == [expected]


def test_the_newest_episode_with_a_zoneless_date_is_not_left_out(server: FeedServer) -> None:
    """An item whose date feedparser could not read sorted as the oldest, so with
    `max_episodes_per_feed` the show's newest episode was `outside max_episodes_per_feed`."""
    items = "\n".join(
        [
            _item("new", "Newest", pub="Fri, 07 Mar 2025 06:00:00", body=_enclosure("/n.mp3")),
            _item("mid", "Middle", pub="Wed, 05 Mar 2025 06:00:00 GMT", body=_enclosure("/m.mp3")),
            _item("old", "Oldest", pub="Mon, 03 Mar 2025 06:00:00 GMT", body=_enclosure("/o.mp3")),
        ]
    )
    url = server.add("/feed.xml", body=_rss(items))

    plan = plan_feed("f", poll_feed(url).episodes, [], [], Config(max_episodes_per_feed=1))

    assert [j.item.title for j in plan.jobs] == ["Newest"]


@pytest.mark.parametrize("declared", ["utf8mb4", "x-user-defined", "bogus"])
def test_an_encoding_name_python_does_not_know_does_not_fail_the_feed(
    server: FeedServer, declared: str
) -> None:
    """`encoding="utf8mb4"` (MySQL's name for UTF-8) made the XML repair raise LookupError,
    and the whole feed failed with `unexpected error (LookupError: unknown encoding ...)`."""
    body = _rss(_item("1", "Caf\u00e9", body=_enclosure(server.url("/1.mp3"))), encoding=declared)
    url = server.add("/feed.xml", body=body)

    poll = poll_feed(url)

    assert [e.title for e in poll.episodes] == ["Caf\u00e9"]
    assert poll.warning == f"feed {url}: document declared as {declared}, but parsed as utf-8"


def test_audio_files_typed_as_video_or_html_are_episodes(server: FeedServer) -> None:
    """A file whose name says audio and nothing else is audio whatever its type says: an MP3
    typed `video/mpeg`, an M4A typed `text/html`, and an Atom enclosure link without a type
    (feedparser calls it `text/html`) were each `without audio`. A video file typed video is
    still no episode."""
    items = "\n".join(
        [
            _item(
                "1", "Typed video", body=_enclosure("https://cdn.example.org/1.mp3", "video/mpeg")
            ),
            _item("2", "Typed html", body=_enclosure("https://cdn.example.org/2.m4a", "text/html")),
            _item("3", "Real video", body=_enclosure("https://cdn.example.org/3.mp4", "video/mp4")),
        ]
    )
    rss_url = server.add("/feed.xml", body=_rss(items))
    atom_url = server.add(
        "/atom.xml",
        body=b"""<?xml version="1.0" encoding="utf-8"?>
<feed xmlns="http://www.w3.org/2005/Atom"><title>Atom Show</title><id>urn:show</id>
<updated>2025-03-03T06:00:00Z</updated>
<entry><title>Untyped link</title><id>urn:1</id><updated>2025-03-03T06:00:00Z</updated>
<link rel="enclosure" href="audio/ep1.mp3"/></entry>
</feed>""",
    )

    rss_poll, atom_poll = poll_feed(rss_url), poll_feed(atom_url)

    assert [e.audio_url for e in rss_poll.episodes] == [
        "https://cdn.example.org/1.mp3",
        "https://cdn.example.org/2.m4a",
    ]
    assert rss_poll.warning == (
        f"feed {rss_url}: 3 items, 2 loaded, 1 skipped: 1 without audio "
        "(without audio: 'Real video' (video/mp4 enclosure))"
    )
    assert [e.audio_url for e in atom_poll.episodes] == [server.url("/audio/ep1.mp3")]


def test_audio_offered_as_an_alternate_enclosure_is_found(server: FeedServer) -> None:
    """Podcasting 2.0's `podcast:alternateEnclosure` lists a video show's audio beside its
    video `<enclosure>`, and some items carry only alternates. feedparser does not read them,
    so such items were `without audio`. The `default="true"` one comes first, and of its
    sources the first podsift may fetch (not `ipfs:`)."""
    alternates = """
<podcast:alternateEnclosure type="audio/opus" length="3000" title="High">
  <podcast:source uri="https://cdn.example.org/{n}.opus"/>
</podcast:alternateEnclosure>
<podcast:alternateEnclosure type="audio/mpeg" length="4000" default="true">
  <podcast:source uri="ipfs://QmdwGqd3d2gFHGMsd"/>
  <podcast:source uri="https://cdn.example.org/{n}.mp3"/>
</podcast:alternateEnclosure>"""
    items = "\n".join(
        [
            _item(
                "1",
                "Video with audio alternates",
                body=_enclosure("https://cdn.example.org/1.mp4", "video/mp4")
                + alternates.format(n=1),
            ),
            _item("2", "Alternates only", body=alternates.format(n=2)),
            _item(
                "3",
                "Audio enclosure wins",
                body=_enclosure("https://cdn.example.org/3-enclosure.mp3") + alternates.format(n=3),
            ),
            _item("4", "Video only", body=_enclosure("https://cdn.example.org/4.mp4", "video/mp4")),
        ]
    )
    url = server.add("/feed.xml", body=_rss(items))

    poll = poll_feed(url)

    assert [(e.title, e.audio_url, e.audio_length) for e in poll.episodes] == [
        ("Video with audio alternates", "https://cdn.example.org/1.mp3", 4000),
        ("Alternates only", "https://cdn.example.org/2.mp3", 4000),
        ("Audio enclosure wins", "https://cdn.example.org/3-enclosure.mp3", 1000),
    ]
    assert poll.warning == (
        f"feed {url}: 4 items, 3 loaded, 1 skipped: 1 without audio "
        "(without audio: 'Video only' (video/mp4 enclosure))"
    )


def test_rss_1_0_enclosures_are_found(server: FeedServer) -> None:
    """RSS 1.0 (RDF) podcasts name their audio with mod_enclosure's `enc:enclosure
    rdf:resource=...`, which feedparser does not read: every item was `without audio`."""
    url = server.add(
        "/feed.rdf",
        body=b"""<?xml version="1.0" encoding="utf-8"?>
<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/"
  xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns:enc="http://purl.oclc.org/net/rss_2.0/enc#">
<channel rdf:about="https://show.example.org/"><title>RDF Show</title>
<link>https://show.example.org/</link><description>An RSS 1.0 podcast</description>
<items><rdf:Seq><rdf:li rdf:resource="https://show.example.org/2"/>
<rdf:li rdf:resource="https://show.example.org/1"/></rdf:Seq></items></channel>
<item rdf:about="https://show.example.org/2"><title>Two</title><link>https://show.example.org/2</link>
<dc:date>2025-03-02T06:00:00Z</dc:date>
<enc:enclosure rdf:resource="https://cdn.example.org/2.mp3" enc:type="audio/mpeg"
  enc:length="2000"/>
</item>
<item rdf:about="https://show.example.org/1"><title>One</title><link>https://show.example.org/1</link>
<dc:date>2025-03-01T06:00:00Z</dc:date>
<enc:enclosure rdf:resource="https://cdn.example.org/1.mp3" enc:type="audio/mpeg"
  enc:length="1000"/>
</item>
</rdf:RDF>""",
    )

    poll = poll_feed(url)

    assert poll.title == "RDF Show"
    assert [(e.guid, e.audio_url, e.audio_length, e.published_at) for e in poll.episodes] == [
        (
            "https://show.example.org/2",
            "https://cdn.example.org/2.mp3",
            2000,
            datetime(2025, 3, 2, 6, 0, tzinfo=UTC),
        ),
        (
            "https://show.example.org/1",
            "https://cdn.example.org/1.mp3",
            1000,
            datetime(2025, 3, 1, 6, 0, tzinfo=UTC),
        ),
    ]
    assert poll.warning is None


def test_a_playlist_listed_before_the_audio_is_not_the_episode(server: FeedServer) -> None:
    """Radio shows list an `.m3u` (typed `audio/x-mpegurl`, so "audio") or a `.pls` before
    the MP3. podsift took the playlist for the episode, downloaded a text file and failed the
    episode as `not a known audio format`, on every run, though the MP3 was there. A playlist
    alone is no episode, and says so."""
    items = "\n".join(
        [
            _item(
                "1",
                "M3U first",
                body=_enclosure("https://radio.example.org/1.m3u", "audio/x-mpegurl")
                + _enclosure("https://radio.example.org/1.mp3"),
            ),
            _item(
                "2",
                "PLS first",
                body=_enclosure("https://radio.example.org/2.pls", "audio/x-scpls")
                + _enclosure("https://radio.example.org/2.mp3"),
            ),
            _item(
                "3",
                "HLS only",
                body=_enclosure(
                    "https://radio.example.org/3.m3u8", "application/vnd.apple.mpegurl"
                ),
            ),
        ]
    )
    url = server.add("/feed.xml", body=_rss(items))

    poll = poll_feed(url)

    assert [e.audio_url for e in poll.episodes] == [
        "https://radio.example.org/1.mp3",
        "https://radio.example.org/2.mp3",
    ]
    assert poll.warning == (
        f"feed {url}: 3 items, 2 loaded, 1 skipped: 1 without audio "
        "(without audio: 'HLS only' (application/vnd.apple.mpegurl playlist))"
    )


CYRILLIC = "\u041f\u043e\u0434\u043a\u0430\u0441\u0442"


@pytest.mark.parametrize(
    ("encoding", "content_type", "title"),
    [
        ("windows-1251", "application/rss+xml; charset=windows-1251", CYRILLIC),
        ("koi8-r", 'text/xml; charset="KOI8-R"', CYRILLIC),
        ("shift_jis", "application/xml;charset=Shift_JIS", "\u65e5\u672c\u8a9e"),
        # A server's default charset that is wrong for the file: the UTF-8 is kept.
        ("utf-8", "text/xml; charset=iso-8859-1", CYRILLIC),
        # "Latin-1" over Windows-1252 curly quotes: read as Windows-1252, as browsers do.
        ("windows-1252", "text/xml; charset=ISO-8859-1", "Caf\u00e9 \u2019n\u2019 cr\u00e8me"),
    ],
)
def test_a_feed_whose_encoding_only_its_server_names_is_read_in_it(
    server: FeedServer, encoding: str, content_type: str, title: str
) -> None:
    """A feed without `encoding=` in its XML declaration, served with the charset in its
    Content-Type, was read as windows-1252 whatever the header said: every Cyrillic or
    Japanese title was mojibake (`Ïîäêàñò`)."""
    document = (
        '<?xml version="1.0"?>\n<rss version="2.0"><channel>'
        f"<title>{title}</title>"
        + _item("1", f"{title} 1", body=_enclosure(server.url("/1.mp3")))
        + "</channel></rss>"
    ).encode(encoding)
    url = server.add("/feed.xml", body=document, headers={"Content-Type": content_type})

    poll = poll_feed(url)

    assert (poll.title, [e.title for e in poll.episodes]) == (title, [f"{title} 1"])
    assert poll.warning is None


def test_a_feed_compressed_without_saying_so_is_decompressed(
    server: FeedServer, tmp_path: Path
) -> None:
    """A feed stored as `feed.xml.gz` and served as `application/x-gzip`, or compressed twice
    by a misconfigured server (`Content-Encoding: gzip` over gzip data), failed as `got
    binary data, not an RSS or Atom feed`; so did a local `feed.xml.gz`. The size cap holds
    for what the data decompresses to."""
    document = _rss(_item("1", "One", body=_enclosure("https://cdn.example.org/1.mp3")))
    stored = server.add(
        "/feed.xml.gz",
        body=gzip.compress(document),
        headers={"Content-Type": "application/x-gzip"},
    )
    twice = server.add(
        "/twice.xml",
        body=gzip.compress(gzip.compress(document)),
        headers={"Content-Type": "application/rss+xml", "Content-Encoding": "gzip"},
    )
    local = tmp_path / "feed.xml.gz"
    local.write_bytes(gzip.compress(document))
    bomb = server.add("/bomb.xml", body=gzip.compress(b" " * (MAX_FEED_BYTES + 1)))
    cut = server.add("/cut.xml", body=gzip.compress(document)[:40])

    for url in (stored, twice, str(local)):
        poll = poll_feed(url)
        assert [e.title for e in poll.episodes] == ["One"]
        assert poll.warning == (
            f"feed {url}: gzip-compressed without saying so (no Content-Encoding); decompressed"
        )
    with pytest.raises(FeedError, match=f"feed {bomb}: larger than {MAX_FEED_BYTES} bytes"):
        poll_feed(bomb)
    with pytest.raises(FeedError, match=f"feed {cut}: gzip data that ends early"):
        poll_feed(cut)


def test_transcripts_of_items_in_a_default_namespace_or_in_capitals_are_read(
    server: FeedServer,
) -> None:
    """RSS 2.0 under UserLand's default namespace (`xmlns="http://backend.userland.com/rss2"`)
    or written in capitals (`<ITEM>`) is read by feedparser, but podsift's own pass for
    `podcast:transcript` (and `xml:base`) looked for a bare `<item>` only: the publisher's
    transcript was ignored and Whisper transcribed the episode instead."""
    vtt = server.url("/t/1.vtt")
    userland = server.add(
        "/userland.xml",
        body=(
            '<?xml version="1.0"?><rss version="2.0" xmlns="http://backend.userland.com/rss2" '
            f"{PODCAST}><channel><title>T</title><item><guid>a</guid><title>A</title>"
            f'<podcast:transcript url="{vtt}" type="text/vtt"/>'
            '<enclosure url="https://cdn.example.org/a.mp3" type="audio/mpeg" length="5"/>'
            "</item></channel></rss>"
        ).encode(),
    )
    capitals = server.add(
        "/capitals.xml",
        body=(
            f'<?xml version="1.0"?><RSS version="2.0" {PODCAST}><CHANNEL><TITLE>T</TITLE>'
            f'<ITEM><GUID>a</GUID><TITLE>A</TITLE><podcast:transcript url="{vtt}" '
            'type="text/vtt"/><ENCLOSURE url="https://cdn.example.org/a.mp3" '
            'type="audio/mpeg" length="5"/></ITEM></CHANNEL></RSS>'
        ).encode(),
    )

    for url in (userland, capitals):
        assert [e.transcript_urls for e in poll_feed(url).episodes] == [((vtt, "text/vtt"),)]


@pytest.mark.parametrize(
    ("written", "seconds"),
    [
        ("PT1H2M3S", 3723.0),  # ISO 8601
        ("PT45M", 2700.0),
        ("1h 2m 3s", 3723.0),
        ("45 min", 2700.0),
        ("1 hr 5 mins", 3900.0),
        # As before: every colon form, a bare number, and junk.
        ("3723", 3723.0),
        ("62:03", 3723.0),
        ("1:02:03", 3723.0),
        ("1:02:03.5", 3723.5),
        ("about an hour", None),
        ("P1DT2H", None),  # over a day: no episode's length
    ],
)
def test_durations_written_with_units_are_read(
    server: FeedServer, written: str, seconds: float | None
) -> None:
    """`itunes:duration` written `PT1H2M3S` or `45 min` (some generators do) was unknown, so
    the truncation check had no duration from the feed to compare the audio with."""
    body = f"<itunes:duration>{written}</itunes:duration>" + _enclosure(server.url("/1.mp3"))
    url = server.add("/feed.xml", body=_rss(_item("1", "One", body=body)))
    assert [e.duration_s for e in poll_feed(url).episodes] == [seconds]


def test_a_repeated_xml_declaration_is_read_past(server: FeedServer) -> None:
    """A CMS template that prints `<?xml ...?>` twice (its header, then a plugin's) made expat
    stop at once: `malformed XML at line 2 (XML or text declaration not at start of entity)`,
    and the whole feed failed. Line numbers in later messages still count from the top."""
    body = _rss(_item("1", "One", body=_enclosure("https://cdn.example.org/1.mp3")))
    url = server.add("/feed.xml", body=b'<?xml version="1.0"?>\n' + body)
    broken = server.add(
        "/broken.xml",
        body=b'<?xml version="1.0"?>\n' + body.replace(b"</item>", b"</itme>"),
    )

    poll = poll_feed(url)

    assert [e.title for e in poll.episodes] == ["One"]
    assert poll.warning == f"feed {url}: a repeated XML declaration ignored"
    with pytest.raises(FeedError, match=r"malformed XML at line 5 \(mismatched tag\)"):
        poll_feed(broken)


def test_a_shows_web_page_given_as_the_feed_names_the_feed_it_links_to(
    server: FeedServer,
) -> None:
    """A user who pastes the show's web page instead of its feed got `got an HTML page, not
    an RSS or Atom feed` and no way forward; the page names its feed as podcast apps find it
    (`<link rel="alternate" type="application/rss+xml">`), and the message now says where."""
    page = server.add(
        "/show/",
        body=b"<!DOCTYPE html><html><head><title>The Show</title>"
        b'<link rel="stylesheet" href="/s.css">'
        b'<link href="/feed/podcast/?format=rss&amp;v=2" type="application/rss+xml" '
        b'rel="alternate" title="The Show"></head><body>Listen!</body></html>',
        headers={"Content-Type": "text/html; charset=utf-8"},
    )
    bare = server.add(
        "/about/",
        body=b"<!DOCTYPE html><html><head><title>About</title></head></html>",
        headers={"Content-Type": "text/html"},
    )

    with pytest.raises(FeedError) as linked:
        poll_feed(page)
    with pytest.raises(FeedError) as unlinked:
        poll_feed(bare)

    assert str(linked.value) == (
        f"feed {page}: got an HTML page, not an RSS or Atom feed; the page links to a feed at "
        f"{server.url('/feed/podcast/?format=rss&v=2')} (put that URL in config.yaml)"
    )
    assert str(unlinked.value) == f"feed {bare}: got an HTML page, not an RSS or Atom feed"
