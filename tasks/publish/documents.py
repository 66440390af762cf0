"""The ad-free feed's documents: the RSS feed, each episode's WebVTT and its JSON chapters.

Pure functions over records; every time they receive is already in the ad-free clock. The feed
is RSS 2.0 with the iTunes and Podcasting 2.0 namespaces, rendered byte-for-byte the same for
the same input (publishing rewrites only files whose bytes change).
"""

from __future__ import annotations

import math
import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from typing import Any

from podsift.tasks.core.timefmt import format_clock
from podsift.tasks.ingest.channel import ITUNES_NS, Channel

PODCAST_NS = "https://podcastindex.org/namespace/1.0"
ATOM_NS = "http://www.w3.org/2005/Atom"
AD_FREE_SUFFIX = " (ad-free)"
CHAPTERS_VERSION = "1.2.0"
CHAPTERS_TYPE = "application/json+chapters"
REASON_CHARS = 60  # an ad marker's reason, shortened to fit a chapter list's line
FALLBACK_CHAPTER_TITLE = "Content"

# Characters XML 1.0 cannot carry at all (not even as references), lone surrogates among them.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
# Where an ad's reason ends its first clause: the detector joins its evidence with "; ".
_CLAUSE_END = re.compile(r"[;\n]|[.!?,](?=\s|$)|\s[—–-]\s")
_EXPLICIT = {"yes": "true", "true": "true", "explicit": "true"}
_EXPLICIT |= {"no": "false", "false": "false", "clean": "false"}


@dataclass(frozen=True, slots=True)
class FeedItem:
    guid: str
    title: str
    published_at: datetime | None  # timezone-aware, or naive meaning UTC
    description: str
    enclosure_url: str
    enclosure_length: int
    enclosure_type: str  # e.g. "audio/mpeg"
    duration_s: float
    transcript_url: str | None = None  # WebVTT, type "text/vtt"
    chapters_url: str | None = None  # JSON chapters, type "application/json+chapters"


def render_feed(
    channel: Channel, items: Sequence[FeedItem], *, feed_url: str | None = None
) -> bytes:
    """The ad-free feed document.

    Deterministic: the same input gives the same bytes, so `lastBuildDate` is the newest
    item's date rather than the time of rendering.

    Args:
        channel: The source feed's channel; its title gets " (ad-free)" (once).
        items: The episodes, in the order the feed lists them.
        feed_url: Where the document is served, for its `atom:link rel="self"`.

    Returns:
        RSS 2.0 in UTF-8, starting with the XML declaration.
    """
    rss = ET.Element("rss", {"version": "2.0", "xmlns:itunes": ITUNES_NS})
    rss.attrib |= {"xmlns:podcast": PODCAST_NS, "xmlns:atom": ATOM_NS}
    ch = ET.SubElement(rss, "channel")
    title = " ".join(channel.title.split()) or "Podcast"
    title = title if title.endswith(AD_FREE_SUFFIX) else title + AD_FREE_SUFFIX
    link = channel.link or feed_url  # RSS 2.0 requires a channel link
    _sub(ch, "title", title)
    _sub(ch, "link", link)
    _sub(ch, "description", channel.description or "")
    if feed_url:
        _sub(ch, "atom:link", None, rel="self", type="application/rss+xml", href=feed_url)
    _sub(ch, "language", channel.language)
    _sub(ch, "copyright", channel.copyright)
    dates = [_utc(item.published_at) for item in items if item.published_at is not None]
    if dates:
        _sub(ch, "lastBuildDate", format_datetime(max(dates), usegmt=True))
    if channel.image_url:
        image = ET.SubElement(ch, "image")
        _sub(image, "url", channel.image_url)
        _sub(image, "title", title)
        _sub(image, "link", link)
        _sub(ch, "itunes:image", None, href=channel.image_url)
    _sub(ch, "itunes:author", channel.author)
    _sub(ch, "itunes:explicit", _EXPLICIT.get((channel.explicit or "").strip().lower()))
    for category in channel.categories:
        _sub(ch, "itunes:category", None, text=category)
    # A private copy of someone else's show: keep it out of Apple's and others' directories
    # (subscribing by URL still works).
    _sub(ch, "itunes:block", "Yes")
    if channel.owner_name or channel.owner_email:
        owner = ET.SubElement(ch, "itunes:owner")
        _sub(owner, "itunes:name", channel.owner_name)
        _sub(owner, "itunes:email", channel.owner_email)
    for item in items:
        el = ET.SubElement(ch, "item")
        _sub(el, "guid", item.guid, isPermaLink="false")
        _sub(el, "title", item.title)
        if item.published_at is not None:
            _sub(el, "pubDate", format_datetime(_utc(item.published_at), usegmt=True))
        _sub(el, "description", item.description)
        length = str(max(0, item.enclosure_length))
        _sub(el, "enclosure", None, url=item.enclosure_url, length=length, type=item.enclosure_type)
        _sub(el, "itunes:duration", _duration(item.duration_s))
        if item.transcript_url:
            _sub(el, "podcast:transcript", None, url=item.transcript_url, type="text/vtt")
        if item.chapters_url:
            _sub(el, "podcast:chapters", None, url=item.chapters_url, type=CHAPTERS_TYPE)
    ET.indent(rss)
    # ElementTree's own declaration is written with single quotes and a lower-case encoding.
    return b'<?xml version="1.0" encoding="UTF-8"?>\n' + ET.tostring(rss, "unicode").encode()


def _sub(parent: ET.Element, tag: str, text: str | None, /, **attrs: str) -> None:
    """Add `<tag attrs>text</tag>`; nothing when both text and attributes are missing."""
    if text is None and not attrs:
        return
    el = ET.SubElement(parent, tag, {k: _NOT_XML.sub("", v) for k, v in attrs.items()})
    if text is not None:
        el.text = _NOT_XML.sub("", text)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


def _utc(stamp: datetime) -> datetime:
    return stamp.replace(tzinfo=UTC) if stamp.tzinfo is None else stamp.astimezone(UTC)


def _seconds(value: float) -> float:
    """A time as a document can carry it: never negative, never NaN or infinite."""
    return float(value) if math.isfinite(value) and value > 0 else 0.0


def _duration(seconds: float) -> str:
    whole = int(_seconds(seconds) + 0.5)  # rounded half up; round() would round 0.5 to even
    hours, rest = divmod(whole, 3600)
    return f"{hours}:{rest // 60:02d}:{rest % 60:02d}"


def render_vtt(cues: Sequence[tuple[float, float, str]]) -> str:
    """A WebVTT document of `(start, end, text)` cues, in start order.

    Cue text is escaped as WebVTT needs (`&`, `<`, `>`; so `-->` cannot end a timing line),
    its blank lines are dropped (a blank line ends a cue), and cues left empty are dropped.

    Returns:
        ``"WEBVTT\\n\\n00:00:01.000 --> 00:00:02.500\\nHello\\n"`` for one cue.
    """
    blocks: list[str] = []
    for start, end, text in sorted(cues, key=lambda cue: cue[0]):
        text = _NOT_XML.sub("", text).replace("&", "&amp;").replace("<", "&lt;")
        lines = [" ".join(line.split()) for line in text.replace(">", "&gt;").splitlines()]
        payload = "\n".join(line for line in lines if line)
        if payload:
            start, end = _seconds(start), _seconds(end)
            blocks.append(f"{_vtt_time(start)} --> {_vtt_time(max(start, end))}\n{payload}")
    return "WEBVTT\n" + "".join(f"\n{block}\n" for block in blocks)


def _vtt_time(seconds: float) -> str:
    millis = int(round(seconds * 1000))
    hours, rest = divmod(millis, 3_600_000)
    minutes, rest = divmod(rest, 60_000)
    return f"{hours:02d}:{minutes:02d}:{rest // 1000:02d}.{rest % 1000:03d}"


@dataclass(frozen=True, slots=True)
class ContentStretch:
    start_s: float  # ad-free clock
    title: str  # already chosen by chapter_title()


@dataclass(frozen=True, slots=True)
class RemovedAd:
    at_s: float  # where the cut is in the ad-free clock
    original_start_s: float  # where the ad began in the original audio
    reason: str  # why it was judged an ad (may be long; shortened for the marker)


def chapter_title(first_fact: str | None, opening_text: str, *, max_words: int = 8) -> str:
    """A chapter's title: its first fact if it has one, else its opening words.

    Args:
        first_fact: The first fact found in the chapter, if any.
        opening_text: The chapter's first words as spoken.
        max_words: Words kept; a longer title is cut and ends with "…".

    Returns:
        The title, whitespace collapsed; "Content" when both are empty.
    """
    words = _NOT_XML.sub("", first_fact or "").split() or _NOT_XML.sub("", opening_text).split()
    if not words:
        return FALLBACK_CHAPTER_TITLE
    if len(words) <= max(1, max_words):
        return " ".join(words)
    # "The bridge, …" reads worse than "The bridge…".
    return " ".join(words[: max(1, max_words)]).rstrip(",;:—–-") + "…"


def render_chapters(
    stretches: Sequence[ContentStretch], removed: Sequence[RemovedAd]
) -> dict[str, Any]:
    """Podcasting 2.0 JSON chapters: one per stretch of content, a marker per removed ad.

    A marker reads "Ad removed: 1:42 — <first clause of the reason>", with the ad's start in
    the original audio; markers stay in the table of contents, so a listener sees where the
    ads were. A marker sorts before a stretch that starts at the same time.

    Returns:
        ``{"version": "1.2.0", "chapters": [{"startTime": 0.0, "title": ...}, ...]}``, times
        rounded to 0.01 s.
    """
    marked: list[tuple[float, int, str]] = []
    for ad in removed:
        reason = _short_reason(ad.reason)
        title = f"Ad removed: {format_clock(ad.original_start_s)}"
        marked.append((round(_seconds(ad.at_s), 2), 0, f"{title} — {reason}" if reason else title))
    for stretch in stretches:
        title = " ".join(_NOT_XML.sub("", stretch.title).split()) or FALLBACK_CHAPTER_TITLE
        marked.append((round(_seconds(stretch.start_s), 2), 1, title))
    marked.sort(key=lambda chapter: chapter[:2])  # stable: same-time stretches keep their order
    chapters = [{"startTime": start, "title": title} for start, _, title in marked]
    return {"version": CHAPTERS_VERSION, "chapters": chapters}


def _short_reason(reason: str) -> str:
    """The reason's first clause, cut at a word to about `REASON_CHARS` characters."""
    text = " ".join(_CLAUSE_END.split(_NOT_XML.sub("", reason), maxsplit=1)[0].split())
    if len(text) <= REASON_CHARS:
        return text
    cut = text[: REASON_CHARS + 1]
    cut = cut.rsplit(" ", 1)[0] if " " in cut else cut[:REASON_CHARS]  # at a word if it can
    return cut.rstrip(",;:—–- ") + "…"
