"""The ad-free feed's documents (issue 12): what podcast apps' parsers read back from them.

The feed is checked with two real parsers, feedparser and gpodder's podcastparser; the VTT and
chapters against exact expected text, as a listener's app would show them.
"""

from __future__ import annotations

import io
import xml.etree.ElementTree as ET
from calendar import timegm
from dataclasses import replace
from datetime import UTC, datetime, timedelta, timezone
from typing import Any

import feedparser
import podcastparser
import pytest

from podsift.tasks.ingest.channel import Channel, parse_channel
from podsift.tasks.publish.documents import (
    ATOM_NS,
    PODCAST_NS,
    ContentStretch,
    FeedItem,
    RemovedAd,
    chapter_title,
    render_chapters,
    render_feed,
    render_vtt,
)

FEED_URL = "https://pods.example.org/tom-and-jerry/feed.xml"

# A source feed written the way hosts write them: an itunes:subtitle and itunes:summary beside
# the description, a nested category, a plain RSS category, a webMaster, "true" for explicit,
# and items with their own itunes tags (none of which belong to the channel).
SOURCE_RSS = b"""<?xml version="1.0" encoding="UTF-8"?>
<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd">
<channel>
  <title>Tom &amp; Jerry\xe2\x80\x99s Show</title>
  <link>https://example.org/show</link>
  <description>Talk about &lt;b&gt;things&lt;/b&gt;.</description>
  <itunes:subtitle>A short subtitle</itunes:subtitle>
  <itunes:summary>A longer summary</itunes:summary>
  <language>en-us</language>
  <copyright>\xc2\xa9 2024 Example Media</copyright>
  <webMaster>web@example.org (Web Master)</webMaster>
  <image><url>https://example.org/small.png</url><title>T</title><link>https://example.org/</link></image>
  <itunes:image href="https://example.org/art.jpg"/>
  <itunes:author>Jane Host</itunes:author>
  <itunes:explicit>true</itunes:explicit>
  <category>Plain RSS category</category>
  <itunes:category text="Technology"><itunes:category text="Podcasting"/></itunes:category>
  <itunes:category text="News &amp; Politics"/>
  <itunes:owner>
    <itunes:name>Owner Name</itunes:name>
    <itunes:email>owner@example.org</itunes:email>
  </itunes:owner>
  <item>
    <title>Episode 1</title><guid>ep-1</guid>
    <itunes:author>Guest Author</itunes:author><itunes:explicit>no</itunes:explicit>
    <enclosure url="https://example.org/1.mp3" length="1000" type="audio/mpeg"/>
  </item>
</channel>
</rss>
"""

SOURCE_CHANNEL = Channel(
    title="Tom & Jerry\u2019s Show",
    link="https://example.org/show",
    description="Talk about <b>things</b>.",
    language="en-us",
    image_url="https://example.org/art.jpg",
    author="Jane Host",
    explicit="true",
    categories=("Technology", "News & Politics"),
    owner_name="Owner Name",
    owner_email="owner@example.org",
    copyright="\u00a9 2024 Example Media",
)


def _items() -> list[FeedItem]:
    return [
        FeedItem(
            guid="tag:example.org,2024:ep-2",
            title="Part 2: Cats & Dogs <live> \U0001f3a4",
            published_at=datetime(2024, 3, 9, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
            description="We talk about cats, dogs and \u00e9l\u00e8ves.",
            enclosure_url="https://pods.example.org/tom-and-jerry/0123456789abcdef0123.mp3",
            enclosure_length=12_345_678,
            enclosure_type="audio/mpeg",
            duration_s=3725.5,
            transcript_url="https://pods.example.org/tom-and-jerry/0123456789abcdef0123.vtt",
            chapters_url="https://pods.example.org/tom-and-jerry/0123456789abcdef0123.chapters.json",
        ),
        FeedItem(
            guid="ep-1",
            title="Part 1",
            published_at=datetime(2024, 3, 1, 8, 0),  # naive: UTC
            description="The first one.",
            enclosure_url="https://example.org/1.mp3",
            enclosure_length=1000,
            enclosure_type="audio/x-m4a",
            duration_s=59.4,
        ),
    ]


def _podcastparser(document: bytes) -> dict[str, Any]:
    parsed: dict[str, Any] = podcastparser.parse(FEED_URL, io.BytesIO(document))
    return parsed


# --- parse_channel ---------------------------------------------------------------------------


def test_parse_channel_reads_the_channel_not_its_items() -> None:
    assert parse_channel(SOURCE_RSS) == SOURCE_CHANNEL


def test_parse_channel_keeps_explicit_as_the_source_said_it() -> None:
    for said in ("yes", "clean", "false"):
        doc = SOURCE_RSS.replace(b">true</itunes:explicit>", f">{said}</itunes:explicit>".encode())
        channel = parse_channel(doc)
        assert channel is not None and channel.explicit == said


def test_parse_channel_of_a_feed_with_an_undeclared_itunes_prefix() -> None:
    # A blemish tasks.feed_xml repairs; the iTunes tags must still be read from the XML.
    doc = SOURCE_RSS.replace(b' xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"', b"")
    assert parse_channel(doc) == SOURCE_CHANNEL


def test_parse_channel_of_a_document_only_feedparser_can_read() -> None:
    doc = b"<rss version='2.0'><channel><title>Loose &amp; Lost</title><b></channel></rss>"
    assert parse_channel(doc) == Channel(title="Loose & Lost")


def test_parse_channel_of_an_atom_feed() -> None:
    doc = (
        b'<?xml version="1.0"?><feed xmlns="http://www.w3.org/2005/Atom">'
        b'<title>Atom Show</title><link rel="alternate" href="https://example.org/a"/>'
        b"<rights>CC-BY</rights></feed>"
    )
    assert parse_channel(doc) == Channel(
        title="Atom Show", link="https://example.org/a", copyright="CC-BY"
    )


@pytest.mark.parametrize(
    "doc",
    [
        b'<?xml version="1.0"?><rss version="2.0"><channel></channel></rss>',
        b"<rss version='2.0'><channel><title>  </title></channel></rss>",
        b"not a feed at all",
        b'<?xml version="1.0"?><!DOCTYPE rss [<!ENTITY a "x">]><rss><channel><title>&a;'
        b"</title></channel></rss>",
    ],
    ids=["empty", "blank-title", "not-xml", "entity-declaration"],
)
def test_parse_channel_of_nothing(doc: bytes) -> None:
    assert parse_channel(doc) is None


def test_parse_channel_without_a_title_keeps_the_rest() -> None:
    doc = (
        b'<?xml version="1.0"?><rss version="2.0"><channel><language>de</language></channel></rss>'
    )
    assert parse_channel(doc) == Channel(title="", language="de")


def test_channel_json_round_trip() -> None:
    data = SOURCE_CHANNEL.to_json()
    assert data["categories"] == ["Technology", "News & Politics"]
    assert Channel.from_json(data) == SOURCE_CHANNEL


def test_channel_from_json_tolerates_missing_and_unknown_keys() -> None:
    assert Channel.from_json({"title": "Show", "image_url": "https://e/i.png", "new": 1}) == (
        Channel(title="Show", image_url="https://e/i.png")
    )
    assert Channel.from_json({}) == Channel(title="")
    assert Channel.from_json({"title": None, "categories": "Comedy"}).categories == ("Comedy",)


# --- render_feed -----------------------------------------------------------------------------


def test_feed_as_feedparser_reads_it() -> None:
    document = render_feed(SOURCE_CHANNEL, _items(), feed_url=FEED_URL)
    assert document.startswith(b'<?xml version="1.0" encoding="UTF-8"?>\n<rss ')
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    feed = parsed.feed
    assert feed.title == "Tom & Jerry\u2019s Show (ad-free)"
    assert feed.link == "https://example.org/show"
    assert feed.language == "en-us"
    assert feed.rights == "\u00a9 2024 Example Media"
    assert feed.image.href == "https://example.org/art.jpg"
    assert [e.id for e in parsed.entries] == ["tag:example.org,2024:ep-2", "ep-1"]
    assert [e.title for e in parsed.entries] == [
        "Part 2: Cats & Dogs <live> \U0001f3a4",
        "Part 1",
    ]
    first, second = parsed.entries
    assert first.guidislink is False
    assert first.summary == "We talk about cats, dogs and \u00e9l\u00e8ves."
    assert first.itunes_duration == "1:02:06"  # 3725.5 s, rounded
    assert second.itunes_duration == "0:00:59"
    assert [(e.href, e.length, e.type) for e in first.enclosures] == [
        (
            "https://pods.example.org/tom-and-jerry/0123456789abcdef0123.mp3",
            "12345678",
            "audio/mpeg",
        )
    ]
    assert timegm(first.published_parsed) == timegm((2024, 3, 10, 4, 30, 0))
    assert timegm(second.published_parsed) == timegm((2024, 3, 1, 8, 0, 0))
    # lastBuildDate is the newest item's date, not the time of rendering.
    assert feed.updated == "Sun, 10 Mar 2024 04:30:00 GMT"
    assert {"rel": "self", "type": "application/rss+xml", "href": FEED_URL} in feed.links


def test_feed_as_podcastparser_reads_it() -> None:
    parsed = _podcastparser(render_feed(SOURCE_CHANNEL, _items(), feed_url=FEED_URL))
    assert parsed["title"] == "Tom & Jerry\u2019s Show (ad-free)"
    assert parsed["description"] == "Talk about <b>things</b>."
    assert parsed["cover_url"] == "https://example.org/art.jpg"
    assert parsed["itunes_author"] == "Jane Host"
    assert parsed["explicit"] is True
    assert parsed["itunes_categories"] == [["Technology"], ["News & Politics"]]
    assert parsed["itunes_owner"] == {"name": "Owner Name", "email": "owner@example.org"}
    episodes = parsed["episodes"]
    assert [(e["guid"], e["title"]) for e in episodes] == [
        ("tag:example.org,2024:ep-2", "Part 2: Cats & Dogs <live> \U0001f3a4"),
        ("ep-1", "Part 1"),
    ]
    assert [e["total_time"] for e in episodes] == [3726, 59]
    assert [e["published"] for e in episodes] == [
        timegm((2024, 3, 10, 4, 30, 0)),
        timegm((2024, 3, 1, 8, 0, 0)),
    ]
    assert [e["description"] for e in episodes] == [
        "We talk about cats, dogs and \u00e9l\u00e8ves.",
        "The first one.",
    ]
    assert [e["enclosures"] for e in episodes] == [
        [
            {
                "url": "https://pods.example.org/tom-and-jerry/0123456789abcdef0123.mp3",
                "file_size": 12_345_678,
                "mime_type": "audio/mpeg",
            }
        ],
        [{"url": "https://example.org/1.mp3", "file_size": 1000, "mime_type": "audio/x-m4a"}],
    ]


def test_feed_links_each_items_transcript_and_chapters() -> None:
    # podcastparser 0.6.11 knows only the namespace's old GitHub URI, not the one the spec
    # names (https://github.com/Podcastindex-org/podcast-namespace/pull/143), so it reads no
    # podcast: tags of a correct feed; read them with ElementTree.
    root = ET.fromstring(render_feed(SOURCE_CHANNEL, _items(), feed_url=FEED_URL))
    first, second = root.iter("item")
    base = "https://pods.example.org/tom-and-jerry/0123456789abcdef0123"
    transcript = first.find(f"{{{PODCAST_NS}}}transcript")
    chapters = first.find(f"{{{PODCAST_NS}}}chapters")
    assert transcript is not None and transcript.attrib == {
        "url": base + ".vtt",
        "type": "text/vtt",
    }
    assert chapters is not None and chapters.attrib == {
        "url": base + ".chapters.json",
        "type": "application/json+chapters",
    }
    assert second.find(f"{{{PODCAST_NS}}}transcript") is None
    assert second.find(f"{{{PODCAST_NS}}}chapters") is None
    guid = first.find("guid")
    assert guid is not None and guid.attrib == {"isPermaLink": "false"}
    self_link = root.find(f"channel/{{{ATOM_NS}}}link")
    assert self_link is not None and self_link.get("href") == FEED_URL


def test_feed_is_the_same_bytes_every_time() -> None:
    first = render_feed(SOURCE_CHANNEL, _items(), feed_url=FEED_URL)
    assert render_feed(SOURCE_CHANNEL, _items(), feed_url=FEED_URL) == first


def test_feed_title_is_marked_ad_free_once() -> None:
    channel = Channel(title="Show (ad-free)")
    assert feedparser.parse(render_feed(channel, [])).feed.title == "Show (ad-free)"


def test_feed_drops_characters_xml_cannot_carry() -> None:
    item = _items()[1]
    bell = FeedItem(
        guid="ep-\x00bell",
        title="Ring\x07ing & <loud> \U0001f514 \ud83d",  # a bell, and half an emoji
        published_at=None,
        description="Tab\tand\x1b escape",
        enclosure_url=item.enclosure_url,
        enclosure_length=item.enclosure_length,
        enclosure_type=item.enclosure_type,
        duration_s=item.duration_s,
    )
    document = render_feed(Channel(title="Bells\x0b & Co"), [bell])
    parsed = feedparser.parse(document)
    assert parsed.bozo == 0, parsed.get("bozo_exception")
    assert parsed.feed.title == "Bells & Co (ad-free)"
    (entry,) = parsed.entries
    assert (entry.id, entry.title) == ("ep-bell", "Ringing & <loud> \U0001f514")
    assert "published" not in entry
    episode = _podcastparser(document)["episodes"][0]
    assert (episode["title"], episode["description"]) == (
        "Ringing & <loud> \U0001f514",
        "Tab and escape",
    )


def test_feed_of_a_bare_channel_is_still_a_podcast_feed() -> None:
    parsed = _podcastparser(render_feed(Channel(title="Bare"), _items()[1:]))
    assert parsed["title"] == "Bare (ad-free)"
    assert "cover_url" not in parsed and "itunes_owner" not in parsed
    assert [e["guid"] for e in parsed["episodes"]] == ["ep-1"]


def test_published_at_naive_means_utc() -> None:
    naive = _items()[1]
    aware = replace(naive, published_at=datetime(2024, 3, 1, 8, 0, tzinfo=UTC))
    assert render_feed(Channel(title="S"), [naive]) == render_feed(Channel(title="S"), [aware])


# --- render_vtt ------------------------------------------------------------------------------


def test_vtt_exact_text() -> None:
    cues = [
        (0.0, 2.5, "Welcome back to the show."),
        (2.5, 4.0, "   "),  # nothing said: dropped
        (3725.25, 3727.0, "Past an hour,\n\n  with a blank line\tand --> an arrow & <tag>"),
    ]
    assert render_vtt(cues) == (
        "WEBVTT\n"
        "\n"
        "00:00:00.000 --> 00:00:02.500\n"
        "Welcome back to the show.\n"
        "\n"
        "01:02:05.250 --> 01:02:07.000\n"
        "Past an hour,\n"
        "with a blank line and --&gt; an arrow &amp; &lt;tag&gt;\n"
    )


def test_vtt_of_nothing() -> None:
    assert render_vtt([]) == "WEBVTT\n"


# --- chapters --------------------------------------------------------------------------------


def test_chapter_title_prefers_the_fact() -> None:
    assert chapter_title("The bridge opened in 1932.", "So, um, today we") == (
        "The bridge opened in 1932."
    )
    assert chapter_title(None, "  So today\n we are talking  ") == "So today we are talking"
    assert chapter_title("   ", "Opening words") == "Opening words"


def test_chapter_title_is_cut_at_max_words() -> None:
    opening = "One two three four five six seven, eight nine ten"
    assert chapter_title(None, opening) == "One two three four five six seven, eight…"
    assert chapter_title(None, opening, max_words=7) == "One two three four five six seven…"
    assert chapter_title(None, "One two three", max_words=3) == "One two three"


def test_chapter_title_is_never_empty() -> None:
    assert chapter_title(None, "") == "Content"
    assert chapter_title("", " \n\t") == "Content"


def test_chapters_exact() -> None:
    stretches = [
        ContentStretch(start_s=0.0, title="Welcome and the week's news"),
        ContentStretch(start_s=62.004, title="The bridge opened in 1932."),
    ]
    removed = [
        RemovedAd(at_s=62.0, original_start_s=102.9, reason="URL nimbusnotes.com; sponsor lead-in"),
        RemovedAd(
            at_s=3500.126,
            original_start_s=3725.0,
            reason="names the product of a read next to it and also addresses the listener "
            "directly at length",
        ),
    ]
    assert render_chapters(stretches, removed) == {
        "version": "1.2.0",
        "chapters": [
            {"startTime": 0.0, "title": "Welcome and the week's news"},
            {"startTime": 62.0, "title": "Ad removed: 1:42 \u2014 URL nimbusnotes.com"},
            {"startTime": 62.0, "title": "The bridge opened in 1932."},
            {
                "startTime": 3500.13,
                "title": "Ad removed: 1:02:05 \u2014 names the product of a read next to it and "
                "also addresses\u2026",
            },
        ],
    }


def test_chapters_of_an_episode_without_ads() -> None:
    assert render_chapters([ContentStretch(0, "Content")], []) == {
        "version": "1.2.0",
        "chapters": [{"startTime": 0.0, "title": "Content"}],
    }


def test_ad_marker_without_a_reason() -> None:
    chapters = render_chapters([], [RemovedAd(at_s=-0.2, original_start_s=0.0, reason=" ")])
    assert chapters["chapters"] == [{"startTime": 0.0, "title": "Ad removed: 0:00"}]
