"""The source feed's channel (title, image, iTunes tags), read once per poll and kept for the
ad-free copy that `podsift publish` writes.
"""

from __future__ import annotations

import contextlib
import re
import xml.etree.ElementTree as ET
from collections.abc import Mapping
from dataclasses import asdict, dataclass, fields, replace
from typing import Any

import feedparser
from defusedxml import ElementTree as SafeET

from podsift.tasks.ingest.feed_xml import MalformedFeedXml, repair_feed_xml
from podsift.tasks.ingest.feeds import plain_title

ITUNES_NS = "http://www.itunes.com/dtds/podcast-1.0.dtd"
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)


def _text(value: Any) -> str | None:
    text = str(value).strip() if value is not None else ""
    return text or None


@dataclass(frozen=True, slots=True)
class Channel:
    """The source feed's channel, as kept from its document, for the ad-free copy."""

    title: str
    link: str | None = None
    description: str | None = None
    language: str | None = None
    image_url: str | None = None
    author: str | None = None  # itunes:author
    explicit: str | None = None  # itunes:explicit as the source said it ("yes", "clean", ...)
    categories: tuple[str, ...] = ()  # itunes:category text attributes (top-level, in order)
    owner_name: str | None = None
    owner_email: str | None = None
    copyright: str | None = None

    def to_json(self) -> dict[str, Any]:
        out = asdict(self)
        out["categories"] = list(self.categories)
        return out

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Channel:
        """The channel `to_json` wrote; missing keys take their defaults, unknown ones are
        ignored (a channel kept by an older or newer podsift still reads)."""
        values: dict[str, Any] = {
            f.name: None if data.get(f.name) is None else str(data[f.name]) for f in fields(cls)
        }
        values["title"] = values["title"] or ""
        categories = data.get("categories") or ()
        categories = [categories] if isinstance(categories, str) else categories
        values["categories"] = tuple(str(c) for c in categories if c)
        return cls(**values)


def parse_channel(content: bytes) -> Channel | None:
    """The channel of a source feed document (bytes as fetched).

    feedparser reads the channel; the iTunes tags it flattens (it overwrites `<description>`
    with `itunes:subtitle`, reads only "yes" and "clean" of `itunes:explicit`, mixes nested
    and plain categories, and takes `webMaster` for the owner) are read from the XML itself
    when the document, repaired as `podsift.tasks.ingest.feed_xml` does, is well-formed.

    Args:
        content: The feed document as fetched.

    Returns:
        The channel, or None when it has no title and nothing else (or declares entities,
        which `podsift.tasks.ingest.feeds.parse_feed` refuses too).
    """
    if _ENTITY_DECLARATION.search(content):
        return None
    with contextlib.suppress(MalformedFeedXml):  # feedparser's loose parser may still read it
        content = repair_feed_xml(content).content
    feed = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False).feed
    return channel_of(feed, content)


def channel_of(feed: Mapping[str, Any], content: bytes) -> Channel | None:
    """The channel from a feed feedparser has read already (`parsed.feed`) and the repaired
    document it read, so a poll parses its feed once (`podsift.tasks.ingest.feeds.read_feed`)."""
    explicit = feed.get("itunes_explicit")
    publisher = feed.get("publisher_detail") or {}
    channel = Channel(
        title=plain_title(feed),
        link=_text(feed.get("link")),
        description=_text(feed.get("summary") or feed.get("subtitle")),
        language=_text(feed.get("language")),
        image_url=_text((feed.get("image") or {}).get("href")),
        author=_text((feed.get("author_detail") or {}).get("name")),
        explicit=None if explicit is None else ("true" if explicit else "false"),
        categories=tuple(
            t
            for tag in feed.get("tags") or ()
            if "itunes" in str(tag.get("scheme")) and (t := _text(tag.get("term")))
        ),
        owner_name=_text(publisher.get("name")),
        owner_email=_text(publisher.get("email")),
        copyright=_text(feed.get("rights")),
    )
    channel = replace(channel, **_itunes_tags(content))
    return None if channel == Channel(title="") else channel


def _itunes_tags(content: bytes) -> dict[str, Any]:
    """The RSS channel's description and iTunes tags, read from the XML, where it has them."""
    try:
        root = SafeET.fromstring(content)
    except Exception:  # noqa: BLE001 (defusedxml and expat raise several types; feedparser read it)
        return {}
    channel = root.find("channel") if root.tag == "rss" else None
    if channel is None:
        return {}

    def itunes(name: str) -> list[ET.Element]:
        # Some feeds spell the namespace "DTDs/Podcast-1.0.dtd"; apps read it all the same.
        tag = f"{{{ITUNES_NS}}}{name}".lower()
        return [el for el in channel if el.tag.lower() == tag]

    def first(elements: list[ET.Element]) -> str | None:
        return next((t for el in elements if (t := _text(el.text))), None)

    found: dict[str, Any] = {
        "description": first(channel.findall("description")) or first(itunes("summary")),
        "author": first(itunes("author")),
        "image_url": next((h for el in itunes("image") if (h := _text(el.get("href")))), None),
        "explicit": (first(itunes("explicit")) or "").lower() or None,
        "categories": tuple(t for el in itunes("category") if (t := _text(el.get("text")))),
    }
    for owner in itunes("owner")[:1]:
        found["owner_name"] = first([el for el in owner if el.tag.lower().endswith("}name")])
        found["owner_email"] = first([el for el in owner if el.tag.lower().endswith("}email")])
    return {key: value for key, value in found.items() if value}
