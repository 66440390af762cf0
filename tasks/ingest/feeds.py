"""Poll a podcast feed: a conditional GET, then feedparser.

`fetch_feed` talks to the network (or reads a local file), `read_feed` (and `parse_feed`, its
short form) is pure, and `poll_feed` combines them into a `FeedPoll`. Blemishes podcast apps
read past are mended first (`podsift.tasks.ingest.feed_xml`) and noted in the poll's warning,
as is every item that becomes no episode (`podsift.tasks.ingest.skipped`). What makes two
items one audio file is `podsift.tasks.ingest.audio_identity`.
"""

from __future__ import annotations

import hashlib
import html
import re
import time
import zlib
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email.utils import formatdate
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urljoin, urlparse, urlsplit
from xml.etree.ElementTree import Element

import feedparser
import httpx
from defusedxml import ElementTree as SafeET

from podsift.tasks.core.errors import FeedError, redact_credentials
from podsift.tasks.core.http import (
    RetryableHTTPError,
    client_for,
    describe_network_error,
    http_status,
    is_http_url,
    raise_for_retryable_status,
    undecodable_encoding,
    url_problem,
    with_retries,
)
from podsift.tasks.core.records import EpisodeItem, FeedPoll
from podsift.tasks.ingest.audio_identity import audio_key, same_audio, unwrap_tracking
from podsift.tasks.ingest.feed_xml import MalformedFeedXml, repair_feed_xml
from podsift.tasks.ingest.skipped import SkippedItem, describe_items

MAX_FEED_BYTES = 50 * 1024 * 1024
# The whole fetch, retries included. The client's timeout is per read, so a server that trickles
# a byte at a time would otherwise hold a poll open for ever.
MAX_FEED_SECONDS = 120.0
PODCAST_NS = "https://podcastindex.org/namespace/1.0"
# The URI the Podcast Index's own examples used before the namespace got its permanent one.
PODCAST_NS_OLD = "https://github.com/Podcastindex-org/podcast-namespace/blob/main/docs/1.0.md"
MEDIA_NS = "http://search.yahoo.com/mrss/"
AUDIO_EXTENSIONS = (
    *(".mp3", ".m4a", ".aac", ".ogg", ".oga", ".opus", ".wav", ".flac", ".mp4"),
    # Audiobook chapters, MPEG layers 1-2, WebM audio, Windows Media, AIFF, AMR, Core Audio:
    # an untyped (or `application/octet-stream`) enclosure of these was "without audio".
    *(".m4b", ".mpga", ".mp2", ".webm", ".weba", ".mka", ".wma", ".aif", ".aiff", ".aifc"),
    *(".amr", ".caf"),
)
# Of those, the ones that never hold video: typed `video/*`, such a file is still audio.
AUDIO_ONLY_EXTENSIONS = frozenset(AUDIO_EXTENSIONS) - {".mp4", ".ogg", ".webm"}
PERMANENT_REDIRECTS = (301, 308)
MAX_PLAUSIBLE_DURATION_S = 24 * 3600.0  # a longer itunes:duration is milliseconds, or junk
# The title of an item that gives none. A later poll that gives one replaces it; a title
# stored already is kept when the item later gives none (`podsift.tasks.run.loading`).
UNTITLED = "(untitled)"

# An XML entity declaration anywhere in the document (see parse_feed).
_ENTITY_DECLARATION = re.compile(rb"<!ENTITY", re.IGNORECASE)
# An RFC 822 date with a two- or three-digit year ("Thu, 01 Jan 70 00:00:00 GMT").
_SHORT_YEAR_DATE = re.compile(r"^\s*(?:[A-Za-z]+,?\s*)?\d{1,2}[\s-]+[A-Za-z]+\.?[\s-]+(\d{2,3})\b")


@dataclass(frozen=True, slots=True)
class FeedDocument:
    """A parsed feed: its title, its audio episodes, and what podsift had to forgive."""

    title: str
    episodes: list[EpisodeItem]
    warning: str | None = None  # "feed URL: ..." when the document needed repairs or lost items
    partial: bool = False  # the document ended early: later items are missing
    channel: dict[str, Any] | None = None  # title, image, iTunes tags: for the ad-free feed
    listed: int = 0  # the items (Atom entries) the document lists
    skipped: tuple[SkippedItem, ...] = ()  # those that are no episode, each with its reason
    notes: tuple[str, ...] = ()  # what was repaired: the warning's first part
    moved_to: str | None = None  # the address `itunes:new-feed-url` announces, when elsewhere


@dataclass(slots=True)
class ItemizedPoll(FeedPoll):
    """A `FeedPoll` that also says what became of every item the document lists.

    The planner may leave out more items (`max_episodes_per_feed`); `warning_with` gives the
    warning that counts those too, so `feeds.last_warning` and the run summary tell one
    count of every item.
    """

    source: str = ""  # the URL the warning names: where the document really came from
    listed: int = 0
    skipped: tuple[SkippedItem, ...] = ()
    notes: tuple[str, ...] = ()

    def warning_with(self, more: Sequence[SkippedItem] = ()) -> str | None:
        """The poll's warning with `more` items skipped (None: nothing to say)."""
        return feed_warning(self.source, self.notes, self.listed, (*self.skipped, *more))


def feed_warning(
    source: str, notes: Sequence[str], listed: int, skipped: Sequence[SkippedItem]
) -> str | None:
    """`feed URL: repairs; N items, M loaded, K skipped: ...`, or None when there is nothing to
    say (the document read as it stands, and every item it lists is an episode)."""
    parts = [*notes]
    items = describe_items(listed, skipped)
    if items:
        parts.append(items)
    return redact_credentials(f"feed {source}: " + "; ".join(parts)) if parts else None


@dataclass(frozen=True, slots=True)
class FeedFetch:
    """What a conditional GET returned."""

    not_modified: bool
    content: bytes = b""
    content_type: str = ""
    etag: str | None = None
    last_modified: str | None = None
    final_url: str = ""
    new_url: str | None = None  # where a permanent redirect pointed


def feed_id_for(url: str) -> str:
    """Stable feed id from the configured URL or path."""
    return hashlib.sha256(url.encode("utf-8")).hexdigest()[:16]


def episode_id_for(feed_id: str, guid: str) -> str:
    """Stable episode id: the feed and the episode's GUID, hashed."""
    return hashlib.sha256(f"{feed_id}\n{guid}".encode()).hexdigest()[:20]


def _is_local(url: str) -> bool:
    return not is_http_url(url)


def fetch_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout_s: float = 30.0,
    retries: int = 3,
    client: httpx.Client | None = None,
    max_seconds: float = MAX_FEED_SECONDS,
) -> FeedFetch:
    """Conditional GET of a feed URL, or a read of a local feed file.

    Args:
        url: an http(s) URL or a local path.
        etag: the validator of the last good poll, sent as If-None-Match.
        last_modified: likewise, sent as If-Modified-Since.
        timeout_s: the longest wait for a connection or for the next bytes.
        retries: further tries after a timeout, a dropped connection or a 5xx.
        client: an httpx client to use instead of a fresh one.
        max_seconds: the whole fetch, retries included, must end within this.

    Raises:
        FeedError: network failure after retries, 4xx/5xx, an oversized or too slow answer, a
            missing file.
    """
    if _is_local(url):
        return _read_local_feed(Path(url), last_modified)
    problem = url_problem(url)
    if problem:
        raise FeedError(f"feed {url}: not a valid URL ({problem})")
    headers = {"Accept": "application/rss+xml, application/atom+xml, application/xml;q=0.9, */*"}
    # A server may send validators with bytes outside ASCII (`ETag: "café"`); httpx reads them
    # but refuses to send them back (UnicodeEncodeError), which failed every poll after the
    # first. Such a validator is not sent: the feed is fetched in full instead.
    etag = etag if etag and etag.isascii() else None
    last_modified = last_modified if last_modified and last_modified.isascii() else None
    if etag:
        headers["If-None-Match"] = etag
    if last_modified:
        headers["If-Modified-Since"] = last_modified

    deadline = time.monotonic() + max_seconds

    def attempt(http: httpx.Client) -> httpx.Response:
        with http.stream("GET", url, headers=headers) as response:
            raise_for_retryable_status(response)
            if 300 <= response.status_code < 400 and response.status_code != 304:
                # httpx follows redirects that name a Location; one that reaches here does not.
                raise FeedError(
                    f"feed {url}: {http_status(response)}, a redirect without a Location header "
                    "to follow"
                )
            if 200 <= response.status_code < 300:  # 204 and 206 too: read_feed judges the body
                undecodable = undecodable_encoding(response)
                if undecodable:
                    raise FeedError(f"feed {url}: {undecodable}")
                body = bytearray()
                for chunk in response.iter_bytes():
                    body.extend(chunk)
                    if len(body) > MAX_FEED_BYTES:
                        raise FeedError(f"feed {url}: larger than {MAX_FEED_BYTES} bytes")
                    if time.monotonic() > deadline:
                        raise FeedError(
                            f"feed {url}: still downloading after {max_seconds:.0f} s, given up"
                        )
                response._content = bytes(body)  # keep what was streamed for the caller
            return response

    try:
        with client_for(timeout_s, client) as http:
            response = with_retries(lambda: attempt(http), retries=retries)
    except (httpx.HTTPError, RetryableHTTPError, UnicodeError) as exc:  # after retries
        raise FeedError(f"feed {url}: {describe_network_error(exc)}") from exc
    new_url = _permanent_target(response)
    if response.status_code == 304 and not (etag or last_modified):
        # Nothing was asked conditionally, so "not modified" names no copy podsift has: taken
        # as unchanged, the feed would be read by no run, and no run would say so.
        raise FeedError(
            f"feed {url}: HTTP 304 Not Modified to a request without ETag or Last-Modified; "
            "the server sent no feed"
        )
    if response.status_code == 304:
        return FeedFetch(
            not_modified=True,
            etag=etag,
            last_modified=last_modified,
            final_url=str(response.url),
            new_url=new_url,
        )
    if response.status_code >= 400:
        raise FeedError(f"feed {url}: {http_status(response)}")
    return FeedFetch(
        not_modified=False,
        content=response.content,
        content_type=response.headers.get("content-type", ""),
        etag=response.headers.get("etag"),
        last_modified=response.headers.get("last-modified"),
        final_url=str(response.url),
        new_url=new_url,
    )


def _permanent_target(response: httpx.Response) -> str | None:
    """The URL a chain of permanent redirects led to, or None when any hop was temporary."""
    if not response.history:
        return None
    if all(r.status_code in PERMANENT_REDIRECTS for r in response.history):
        return str(response.url)
    return None


def _read_local_feed(path: Path, last_modified: str | None) -> FeedFetch:
    try:
        stat = path.stat()
    except FileNotFoundError:
        raise FeedError(f"feed file not found: {path}") from None
    mtime = formatdate(stat.st_mtime, usegmt=True)
    if last_modified == mtime:
        return FeedFetch(not_modified=True, last_modified=mtime, final_url=str(path))
    if stat.st_size > MAX_FEED_BYTES:
        raise FeedError(f"feed {path}: larger than {MAX_FEED_BYTES} bytes")
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise FeedError(f"feed {path}: cannot read ({exc.strerror})") from None
    return FeedFetch(not_modified=False, content=content, last_modified=mtime, final_url=str(path))


def parse_feed(
    content: bytes, base_url: str, content_type: str = ""
) -> tuple[str, list[EpisodeItem]]:
    """The feed's title and audio episodes; `read_feed` without the warning.

    Raises:
        FeedError: as `read_feed`.
    """
    document = read_feed(content, base_url, content_type)
    return document.title, document.episodes


def read_feed(content: bytes, base_url: str, content_type: str = "") -> FeedDocument:
    """Parse feed bytes into the feed title, its audio episodes and a warning.

    Items without audio (an enclosure, or else a `media:content`) are left out; a repeated
    GUID keeps its first item, and so does one audio file listed twice. Every item left out
    is counted and named, per reason, in `warning` (and kept in `skipped`). Blemishes that
    leave the items intact (blank space before the XML declaration, undeclared
    `itunes:`/`podcast:` prefixes, an unknown entity, a bare `&`) are repaired and named in
    `warning`; a document cut short keeps its complete items and is marked `partial`.

    Args:
        content: the feed document.
        base_url: where it came from; relative enclosure URLs resolve against it.
        content_type: the HTTP Content-Type, used only to explain failures.

    Raises:
        FeedError: HTML instead of a feed, XML no repair can mend, entity declarations.
    """
    content, unpacked = _gunzipped(content, base_url)
    head = content[:4096].lstrip().lower()
    if not content.strip():
        raise FeedError(f"feed {base_url}: empty response, not a feed")
    if _ENTITY_DECLARATION.search(content):
        # Entity declarations are how XML bombs and external-entity reads work; real feeds
        # have no use for them, so refuse the document before any parser expands them. The
        # whole document is searched: a long comment can push the DOCTYPE past any prefix.
        raise FeedError(f"feed {base_url}: declares XML entities, refused for safety")
    if (head.startswith((b"<!doctype html", b"<html")) or "html" in content_type.lower()) and (
        b"<rss" not in content[:65536]
        and b"<feed" not in content[:65536]
        and b"<rdf" not in content[:65536].lower()
    ):
        raise FeedError(
            f"feed {base_url}: got an HTML page, not an RSS or Atom feed"
            + _feed_the_page_links(content, base_url)
        )
    other = _not_a_feed(content)
    if other:
        raise FeedError(f"feed {base_url}: got {other}, not an RSS or Atom feed")
    content = _declare_http_charset(content, content_type)
    try:
        repaired = repair_feed_xml(content)
    except MalformedFeedXml as malformed:
        raise FeedError(f"feed {base_url}: {malformed}") from None
    content = repaired.content
    try:
        parsed = feedparser.parse(content, sanitize_html=True, resolve_relative_uris=False)
    except Exception as crash:  # noqa: BLE001
        # feedparser falls back to its loose parser when the XML is not well-formed, and that
        # parser itself crashes on some input (a character reference to a lone surrogate,
        # `&#xD800;`, raises UnicodeEncodeError). Name what the strict parser found instead.
        raise FeedError(f"feed {base_url}: {_strict_parse_problem(content, crash)}") from crash
    if parsed.get("bozo"):
        exc = parsed.get("bozo_exception")
        if not isinstance(exc, feedparser.CharacterEncodingOverride):
            if repaired.problem:  # the same fault, with lines counted in the document as sent
                raise FeedError(f"feed {base_url}: {repaired.problem}")
            line = getattr(exc, "getLineNumber", lambda: None)()
            where = f" at line {line}" if line else ""
            msg = getattr(exc, "getMessage", lambda: str(exc))()
            raise FeedError(f"feed {base_url}: malformed XML{where} ({msg})")
    version = parsed.get("version") or ""
    if not version and not parsed.entries:
        raise FeedError(f"feed {base_url}: not an RSS or Atom feed")
    title = plain_title(parsed.feed)
    episodes, skipped = _episodes(
        parsed.entries,
        base_url,
        _publisher_transcripts(content, parsed.get("encoding")),
        _item_bases(content, parsed.get("encoding"), base_url, len(parsed.entries)),
        _other_enclosures(content, parsed.get("encoding"), len(parsed.entries)),
    )
    notes = [*unpacked, *repaired.notes]
    if isinstance(parsed.get("bozo_exception"), feedparser.CharacterEncodingOverride):
        notes.append(
            str(parsed["bozo_exception"])
        )  # "document declared as utf-8, but parsed as ..."
    listed = len(parsed.entries)
    return FeedDocument(
        title,
        episodes,
        feed_warning(base_url, notes, listed, skipped),
        repaired.partial,
        _channel(parsed.feed, content),
        listed=listed,
        skipped=tuple(skipped),
        notes=tuple(notes),
        moved_to=_announced_move(parsed.feed, base_url),
    )


# `<link rel="alternate" type="application/rss+xml" href="...">`: how a show's web page
# names its feed (RSS autodiscovery), attributes in any order.
_HTML_LINK = re.compile(rb"<link\b[^>]*>", re.IGNORECASE)
_HTML_ATTRIBUTE = re.compile(rb"""([a-z-]+)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))""", re.I)
_FEED_TYPES = (b"application/rss+xml", b"application/atom+xml")


def _feed_the_page_links(page: bytes, base_url: str) -> str:
    """`; the page links to a feed at URL (...)` when an HTML page names its feed the way
    podcast apps find it (RSS autodiscovery), else "": the URL a user gave is often the
    show's web page."""
    for tag in _HTML_LINK.findall(page[:65536]):
        attributes = {
            m.group(1).lower(): (m.group(2) or m.group(3) or m.group(4) or b"").strip()
            for m in _HTML_ATTRIBUTE.finditer(tag)
        }
        rel = attributes.get(b"rel", b"").lower().split()
        kind = attributes.get(b"type", b"").lower()
        href = attributes.get(b"href", b"")
        if b"alternate" in rel and kind in _FEED_TYPES and href:
            target = urljoin(base_url, html.unescape(href.decode("utf-8", "replace")))
            if is_http_url(target) and not same_address(target, base_url):
                return f"; the page links to a feed at {target} (put that URL in config.yaml)"
    return ""


_GZIP_MAGIC = b"\x1f\x8b"


def _gunzipped(content: bytes, base_url: str) -> tuple[bytes, tuple[str, ...]]:
    """The document, decompressed when it is gzip data the HTTP layer did not undo, with a
    note saying so (none when it was not compressed).

    A feed file stored as `feed.xml.gz`, or compressed twice by a misconfigured server (once
    by the application, once by the web server), arrives as gzip bytes without a
    `Content-Encoding` for them, and failed as `got binary data`. The size cap holds for the
    decompressed document, as for a compressed answer.

    Raises:
        FeedError: the decompressed document is over `MAX_FEED_BYTES`, or the data is corrupt
            or cut short.
    """
    if not content.startswith(_GZIP_MAGIC):
        return content, ()
    inflate = zlib.decompressobj(wbits=16 + zlib.MAX_WBITS)
    try:
        document = inflate.decompress(content, MAX_FEED_BYTES + 1)
    except zlib.error as exc:
        raise FeedError(f"feed {base_url}: gzip data that is corrupt ({exc})") from None
    if len(document) > MAX_FEED_BYTES or inflate.unconsumed_tail:
        raise FeedError(f"feed {base_url}: larger than {MAX_FEED_BYTES} bytes")
    if not inflate.eof:
        raise FeedError(f"feed {base_url}: gzip data that ends early ({len(content)} bytes)")
    return document, ("gzip-compressed without saying so (no Content-Encoding); decompressed",)


_XML_DECLARATION = re.compile(rb"^(?:\xef\xbb\xbf)?\s*<\?xml\b[^>]*?\?>")
_LATIN1_LABELS = frozenset(
    {"iso-8859-1", "iso8859-1", "latin1", "latin-1", "l1", "cp819", "us-ascii", "ascii"}
)
_CHARSET = re.compile(r";\s*charset\s*=\s*[\"']?([A-Za-z0-9._:-]+)", re.IGNORECASE)


def _declare_http_charset(content: bytes, content_type: str) -> bytes:
    """The document with the encoding its HTTP `Content-Type` names written into its XML
    declaration, when the document declares none itself and is not UTF-8.

    A feed served as `text/xml; charset=windows-1251` without `encoding=` in its declaration
    was read as windows-1252 (feedparser's guess once UTF-8 fails): every Cyrillic title was
    `Ïîäêàñò`. The header is used only then: a document that declares its encoding, starts
    with a byte-order mark, or is valid UTF-8 is read as before, because servers often send a
    default charset that is wrong for the file.
    """
    charset_match = _CHARSET.search(content_type)
    if charset_match is None or content[:2] in (b"\xff\xfe", b"\xfe\xff"):
        return content
    charset = charset_match.group(1)
    if charset.lower().replace("_", "-") in _LATIN1_LABELS:
        # As browsers do (WHATWG Encoding): servers say Latin-1 for Windows-1252 text, and
        # read as Latin-1 its curly quotes (0x92) would be invisible control characters.
        charset = "windows-1252"
    declaration = _XML_DECLARATION.match(content)
    if declaration is not None and b"encoding" in declaration.group():
        return content
    if content.startswith(b"\xef\xbb\xbf"):
        return content
    try:
        content.decode("utf-8")
        return content
    except UnicodeDecodeError:
        pass
    try:
        content.decode(charset)
    except (LookupError, UnicodeDecodeError):
        return content
    written = f' encoding="{charset}"'.encode("ascii")
    if declaration is not None:
        end = declaration.end() - 2  # before `?>`
        return content[:end].rstrip() + written + content[end:]
    return b'<?xml version="1.0"' + written + b"?>" + content


def _announced_move(feed: Any, base_url: str) -> str | None:
    """The http(s) address a feed fetched over HTTP says it has moved to
    (`<itunes:new-feed-url>`), or None when it names none, names itself, or is a local file.

    Two announcements are not taken either. A name reserved for examples and tests (RFC 2606,
    RFC 6761: `example.com`, `*.test`, `*.invalid`) is never a show's new home.
    And a copy served from this machine (`127.0.0.1`, `localhost`: a mirror, a test server)
    carries the original's tags as they were; following one to another host would leave the
    copy the user chose for the network.
    """
    raw = str(feed.get("itunes_new-feed-url") or "").strip()
    if not raw or not is_http_url(base_url):
        return None
    target = urljoin(base_url, raw)
    if not is_http_url(target) or url_problem(target) or same_address(target, base_url):
        return None
    host = (urlsplit(target).hostname or "").lower().rstrip(".")
    if _RESERVED_NAME.search(host) or (_is_loopback(base_url) and not _is_loopback(target)):
        return None
    return target


# Host names that never name a real server (RFC 2606, RFC 6761).
_RESERVED_NAME = re.compile(r"(?:^|\.)(?:example\.(?:com|net|org)|example|test|invalid)$")


def _is_loopback(url: str) -> bool:
    host = (urlsplit(url).hostname or "").lower().rstrip(".")
    return host in ("localhost", "::1") or host.startswith("127.") or host.endswith(".localhost")


def same_address(a: str, b: str) -> bool:
    """Whether two feed URLs name one document: scheme, host case, a trailing slash and a
    fragment aside (a feed still announcing its `http:` address after moving to `https:`
    has not moved)."""
    x, y = urlsplit(a.strip()), urlsplit(b.strip())
    return (x.netloc.lower(), x.path.rstrip("/"), x.query) == (
        y.netloc.lower(),
        y.path.rstrip("/"),
        y.query,
    )


# What a malformed field of one item can raise while it is read (an enclosure URL such as
# `http://[oops/ep.mp3` makes urlsplit raise ValueError): that item is skipped as unparseable,
# named in the warning, and the rest of the feed is read.
_UNPARSEABLE = (ValueError, TypeError, AttributeError, KeyError, IndexError, OverflowError)


def _episodes(
    entries: list[Any],
    base_url: str,
    transcripts: dict[str, list[tuple[str, str]]],
    item_bases: list[str] | None = None,
    other_enclosures: list[list[dict[str, Any]]] | None = None,
) -> tuple[list[EpisodeItem], list[SkippedItem]]:
    """The feed's episodes in document order, and every other item with why it is none.

    An item is left out when it has no audio, repeats an earlier item's GUID (the first is
    the episode), or names the same audio file as an earlier item (`same_audio`: same file
    once tracking wrappers are taken off, and no declared length that says otherwise).
    `item_bases` (one per entry) is what each item's relative URLs resolve against, when the
    document sets `xml:base`.
    """
    episodes: list[EpisodeItem] = []
    skipped: list[SkippedItem] = []
    by_guid: dict[str, EpisodeItem] = {}
    by_audio: dict[str, list[EpisodeItem]] = {}
    for n, entry in enumerate(entries):
        title = _entry_title(entry)
        item_base = item_bases[n] if item_bases else base_url
        others = other_enclosures[n] if other_enclosures else ()
        try:
            item = _episode_from_entry(entry, item_base, transcripts, others)
        except _UNPARSEABLE as exc:
            detail = f"{exc.__class__.__name__}: {exc}"
            skipped.append(SkippedItem("unparseable", title, detail=detail[:120]))
            continue
        if item is None:
            why = _why_no_audio(entry, item_base, others)
            skipped.append(SkippedItem("no_audio", title, detail=why))
            continue
        earlier = by_guid.get(item.guid)
        if earlier is not None:
            # Without a GUID of its own an item's GUID is its audio URL: a repeat is the file.
            own_guid = bool(str(entry.get("id") or "").strip())
            reason = "repeated_guid" if own_guid or not same_audio(earlier, item) else "same_audio"
            skipped.append(SkippedItem(reason, item.title, other=earlier.title))
            continue
        key = audio_key(item.audio_url)
        twin = next((e for e in by_audio.get(key, ()) if same_audio(e, item)), None)
        if twin is not None:
            skipped.append(SkippedItem("same_audio", item.title, other=twin.title))
            continue
        by_guid[item.guid] = item
        by_audio.setdefault(key, []).append(item)
        episodes.append(item)
    return episodes, skipped


def _entry_title(entry: Any) -> str:
    try:
        return plain_title(entry) or UNTITLED
    except _UNPARSEABLE:
        return UNTITLED


# What feedparser calls a title it takes for markup (a title in CDATA, an Atom `type="html"`).
_MARKUP_TYPES = frozenset({"text/html", "application/xhtml+xml"})


def plain_title(holder: Any) -> str:
    """The `title` of a feedparser entry or channel as the text a listener reads.

    feedparser keeps a title that looks like HTML as HTML source: `<![CDATA[Tom &amp;
    Jerry&#8217;s]]>`, or a double-escaped `Tom &amp;amp; Jerry`, came out as `Tom &amp;
    Jerry&#8217;s`, and that was stored, searched, printed and published. Its character
    references are read here (`Tom & Jerry’s`); tags are kept as written. A title spread over
    lines of an indented document (`<title>\n    Episode 42:\n    The Return\n</title>`) is
    one line, as a podcast app shows it, not a line break and indentation in every summary.
    An item with only `<itunes:title>` is called by it.
    """
    value = str(holder.get("title") or "")
    detail = holder.get("title_detail") or {}
    if str(detail.get("type") or "") in _MARKUP_TYPES:
        value = html.unescape(value)
    if not value.strip():
        value = str(holder.get("itunes_title") or "")
    return " ".join(value.split())


def _not_a_feed(content: bytes) -> str | None:
    """Name what a document that is plainly no XML is (audio, JSON, binary), or None.

    The XML parser would only say "not well-formed (invalid token)"; a feed URL that points at
    an episode's MP3, or at an API's JSON, deserves a message that says so.
    """
    from podsift.tasks.ingest.download import (
        sniff_audio,  # a pure function; download imports nothing here
    )

    head = content[:1024]
    if head.startswith((b"\xff\xfe", b"\xfe\xff")) or b"\x00" in head[:2]:
        return None  # UTF-16 XML: its BOM looks like an MP3 frame sync, its NULs like binary
    fmt = sniff_audio(head[:64])
    if fmt is not None:
        return f"{fmt} audio (is this the URL of an episode rather than of the feed?)"
    if head.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"{", b"["):
        return "JSON"
    if b"\x00" in head:
        return "binary data"
    return None


def _strict_parse_problem(content: bytes, crash: Exception) -> str:
    """Why a document that crashed feedparser is not a feed, from a strict XML parse."""
    try:
        SafeET.fromstring(content)
    except SafeET.ParseError as strict:
        line = strict.position[0] if getattr(strict, "position", None) else None
        where = f" at line {line}" if line else ""
        reason = str(strict).split(":", 1)[0]
        return f"malformed XML{where} ({reason})"
    except Exception:  # noqa: BLE001 (defusedxml's refusals; the crash below says enough)
        pass
    return f"cannot be parsed as a feed ({crash.__class__.__name__}: {crash})"


def _resolve_url(href: str, base_url: str) -> str:
    href = href.strip()
    if is_http_url(href):
        return href
    if _is_local(base_url):
        # A URL spells a space `%20` and `é` `%C3%A9`; the file's name has the characters.
        if urlparse(href).scheme.lower() == "file":
            return unquote(urlparse(href).path)
        path, unescaped = Path(base_url).parent / href, Path(base_url).parent / unquote(href)
        if not path.exists() and unescaped.exists():
            path = unescaped  # a relative URL, escaped
        return str(path.resolve())
    return urljoin(base_url, href)


# What a URL may not hold raw (RFC 3986): a space, a control character, and `"<>\^`{|}`.
_UNSAFE_IN_URL = re.compile(r'[\x00-\x20"<>\\^`{|}\x7f]')


def escape_unsafe_characters(url: str) -> str:
    """An http(s) `url` with the characters a URL may not hold escaped (`my ep.mp3` is
    `my%20ep.mp3`), as an HTTP client sends them; anything else (a local path) as it is.

    Feeds write raw spaces in enclosure URLs; kept raw, `episodes.audio_url`, the links of
    `fact_links` and search, and an ad-free feed's enclosures were no valid URLs. Letters
    outside ASCII stay as written (a browser shows and sends them either way).
    """
    if not is_http_url(url):
        return url
    return _UNSAFE_IN_URL.sub(lambda m: f"%{ord(m.group()):02X}", url)


def _audio_enclosure(
    entry: Any, base_url: str, others: Sequence[dict[str, Any]] = ()
) -> dict[str, Any] | None:
    """The item's first audio enclosure that podsift may fetch, else its first audio
    `media:content` (some hosts put the audio only there), as a dict with `href`, `type`,
    `length` and, from `media:content`, `duration`.

    From a feed fetched over HTTP only http(s) enclosures count: a remote feed must never make
    podsift read a local file (`file:///...`, `C:/...`) or speak another protocol.
    """
    for candidate in _enclosure_candidates(entry, others):
        if _not_audio(candidate, base_url) is None:
            if "declared_type" in candidate:
                candidate["type"] = candidate.pop("declared_type")
            return dict(candidate, href=str(candidate["href"]).strip())
    return None


def _why_no_audio(entry: Any, base_url: str, others: Sequence[dict[str, Any]] = ()) -> str:
    """What an item without usable audio has instead, for the warning that names it."""
    reasons = [_not_audio(c, base_url) for c in _enclosure_candidates(entry, others)]
    return "; ".join(dict.fromkeys(r for r in reasons if r)) or "no enclosure"


def _enclosure_candidates(
    entry: Any, others: Sequence[dict[str, Any]] = ()
) -> list[dict[str, Any]]:
    candidates = [
        {
            "href": e.get("href") or e.get("url") or "",
            "type": e.get("type"),
            "length": e.get("length"),
        }
        for e in entry.get("enclosures") or ()
    ]
    # Without a type, Media RSS's `medium` says what the file is: `medium="video"` is a video
    # as much as an enclosure typed video/mp4 is, whatever its name (`.mp4` holds either).
    candidates += [
        {
            "href": m.get("url") or "",
            "type": m.get("type") or _MEDIUM_TYPES.get(str(m.get("medium") or "").lower()),
            "length": m.get("filesize"),
            "duration": m.get("duration"),
            "declared_type": m.get("type"),
        }
        for m in entry.get("media_content") or ()
    ]
    return candidates + [dict(other) for other in others]


_MEDIUM_TYPES = {"audio": "audio/*", "video": "video/*", "image": "image/*"}


def _not_audio(candidate: dict[str, Any], base_url: str) -> str | None:
    """Why an enclosure is not audio podsift may fetch, or None when it is.

    Typed `audio/*` is audio; typed video, image, text or PDF is not (nor is a `media:content`
    whose `medium` is video or image). Otherwise the file's
    name decides: an audio file is audio, and so is a name with no file type at all under no
    type or a generic one such as `application/octet-stream` (`/download?id=3`: the download
    checks what the bytes are, and says so when they are not audio). A tracking redirect's
    target is the file (`redirect?http://host/ep.mp3`).
    """
    href = str(candidate["href"]).strip()
    if not href:
        return "empty enclosure URL"
    mime = str(candidate.get("type") or "").split(";", 1)[0].strip().lower()  # no `; codecs=`
    extension = _file_extension(unwrap_tracking(href))
    if extension in _PLAYLIST_EXTENSIONS or (
        mime in _PLAYLIST_TYPES and extension not in AUDIO_ONLY_EXTENSIONS
    ):
        # A playlist (`.m3u` typed `audio/x-mpegurl`, HLS, `.pls`) names audio; it is none.
        # Listed before an item's MP3, it was taken for the episode and failed as a text file.
        return f"{mime or extension} playlist"
    if mime.startswith(("video/", "text/")) and extension in AUDIO_ONLY_EXTENSIONS:
        # A file whose name says audio and nothing else (`ep.mp3` typed `video/mpeg`, or an
        # Atom enclosure link without a type, which feedparser calls `text/html`): the type
        # is the mistake. The download checks the bytes, as for an untyped enclosure.
        mime = "audio/*"
    if mime.startswith(("video/", "image/", "text/", "application/pdf")):
        return f"{mime.removesuffix('/*')} enclosure"  # "video/mp4 enclosure", "video enclosure"
    if not mime.startswith("audio/") and mime not in _AUDIO_APPLICATION_TYPES:
        if extension is None and mime not in _GENERIC_TYPES:
            return f"{mime} enclosure"
        if extension is not None and extension not in AUDIO_EXTENSIONS:
            return f"{extension} enclosure"
    if not _is_local(base_url) and not is_http_url(_resolve_url(href, base_url)):
        return "enclosure not http(s)"
    return None


# Playlists and streams' descriptors: files that name audio elsewhere (M3U, HLS, PLS, ASX,
# RealAudio), some typed `audio/*`.
_PLAYLIST_TYPES = frozenset(
    {
        "audio/x-mpegurl",
        "audio/mpegurl",
        "application/x-mpegurl",
        "application/vnd.apple.mpegurl",
        "audio/x-scpls",
        "application/pls+xml",
        "video/x-ms-asf",
        "audio/x-ms-asx",
        "audio/x-pn-realaudio",
    }
)
_PLAYLIST_EXTENSIONS = frozenset({".m3u", ".m3u8", ".pls", ".asx", ".ram", ".xspf"})
# Audio under an `application/` type: Ogg's registered type (RFC 5334), which Ogg Vorbis feeds
# use, and the MP3 types some servers and feed generators invent.
_AUDIO_APPLICATION_TYPES = frozenset({"application/ogg", "application/mp3", "application/x-mp3"})
# Types that say nothing of what a file holds: the file's name decides.
_GENERIC_TYPES = frozenset(
    {
        "",
        "application/octet-stream",
        "binary/octet-stream",
        "application/x-octet-stream",
        "application/download",
        "application/force-download",
        "application/x-download",
        "application/binary",
        "application/unknown",
    }
)
# Pages that serve any file: their extension names no file type.
_SCRIPT_EXTENSIONS = (".php", ".asp", ".aspx", ".cgi", ".jsp", ".pl", ".py", ".ashx")


def _file_extension(url: str) -> str | None:
    """The extension of the file a URL names (`.mp3`), or None when its name has none."""
    name = urlsplit(url).path.rsplit("/", 1)[-1].lower()
    if "." not in name:
        return None
    extension = "." + name.rsplit(".", 1)[-1]
    return None if extension in _SCRIPT_EXTENSIONS or len(extension) > 6 else extension


def parse_duration(value: Any) -> float | None:
    """itunes:duration as seconds: '3600', '1:02:03', '62:03'.

    Some publishers write milliseconds ('2700000' for 45 minutes). Read as seconds that is a
    month, and the truncation check would refuse every such episode as "decoded 2700 s of the
    2700000 s the feed declares"; so a bare number over a day is read as milliseconds, and
    anything still over a day is unknown (None).
    """
    if value is None:
        return None
    text = str(value).strip()
    if not text:
        return None
    spelled = _spelled_duration(text)
    if spelled is not None:
        return spelled if 0 < spelled <= MAX_PLAUSIBLE_DURATION_S else None
    try:
        parts = [float(p) for p in text.split(":")]
    except ValueError:
        return None
    if any(p != p or p in (float("inf"), float("-inf")) for p in parts):
        return None  # 'nan', 'inf'
    if any(p < 0 for p in parts):
        return None  # '10:-30' was 9:30, and could call good audio truncated
    seconds = 0.0
    for part in parts:
        seconds = seconds * 60 + part
    if len(parts) == 1 and seconds > MAX_PLAUSIBLE_DURATION_S:
        seconds /= 1000.0
    if seconds > MAX_PLAUSIBLE_DURATION_S:
        return None
    return seconds if seconds > 0 else None


# Durations written with units: ISO 8601 (`PT1H2M3S`, `PT45M`) and `1h 2m 3s`, `45 min`,
# `1 hr 5 mins`, which some feed generators emit instead of `1:02:03`.
_ISO_DURATION = re.compile(
    r"^P(?:(\d+(?:\.\d+)?)D)?T?(?:(\d+(?:\.\d+)?)H)?(?:(\d+(?:\.\d+)?)M)?"
    r"(?:(\d+(?:\.\d+)?)S)?$",
    re.IGNORECASE,
)
_UNIT_DURATION = re.compile(
    r"^(?:(\d+(?:\.\d+)?)\s*(?:h|hrs?|hours?)\.?\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:m|mins?|minutes?)\.?\s*)?"
    r"(?:(\d+(?:\.\d+)?)\s*(?:s|secs?|seconds?)\.?)?$",
    re.IGNORECASE,
)


def _spelled_duration(text: str) -> float | None:
    """Seconds of a duration written with units (`PT1H2M3S`, `1h 2m 3s`, `45 min`), or None
    when `text` is not written so (`1:02:03` and bare numbers are `parse_duration`'s)."""
    iso = _ISO_DURATION.match(text)
    if iso and text.upper() not in ("P", "PT") and any(iso.groups()):
        days, hours, minutes, seconds = (float(g or 0) for g in iso.groups())
        return ((days * 24 + hours) * 60 + minutes) * 60 + seconds
    units = _UNIT_DURATION.match(text)
    if units and any(units.groups()) and not text.replace(".", "").isdigit():
        hours, minutes, seconds = (float(g or 0) for g in units.groups())
        return (hours * 60 + minutes) * 60 + seconds
    return None


def _episode_from_entry(
    entry: Any,
    base_url: str,
    transcripts: dict[str, list[tuple[str, str]]],
    others: Sequence[dict[str, Any]] = (),
) -> EpisodeItem | None:
    enclosure = _audio_enclosure(entry, base_url, others)
    if enclosure is None:
        return None
    resolved = _resolve_url(enclosure["href"], base_url)
    # Without a GUID the audio URL is the identity (docs/warehouse.md says why not the link),
    # as written: escaping it now would change the identity of episodes already loaded.
    guid = str(entry.get("id") or "").strip() or resolved
    audio_url = escape_unsafe_characters(resolved)
    try:
        declared = int(enclosure.get("length") or 0)
    except (TypeError, ValueError):
        declared = 0
    length = declared if declared > 0 else None  # junk lengths ("lots", 0, -5) are unknown
    raw_transcripts = transcripts.get(guid) or transcripts.get(enclosure["href"].strip()) or []
    duration = parse_duration(entry.get("itunes_duration"))
    if duration is None:
        duration = parse_duration(enclosure.get("duration"))
    return EpisodeItem(
        guid=guid,
        title=plain_title(entry) or UNTITLED,
        audio_url=audio_url,
        published_at=_published_at(entry),
        duration_s=duration,
        description=str(entry.get("summary") or entry.get("description") or ""),
        audio_length=length,
        audio_type=(enclosure.get("type") or None),
        transcript_urls=tuple(
            (escape_unsafe_characters(_resolve_url(u, base_url)), t) for u, t in raw_transcripts
        ),
    )


_UNIX_TIME = re.compile(r"^\s*\d{9,}\s*$")


def _unix_time(raw: str) -> datetime | None:
    """A date written as a Unix time (`1700000000`, or in milliseconds), which some feed
    generators emit. feedparser reads those digits as a date (`1700000000` is 1699-11-30,
    `946684800` the year 9466), so they are read here instead; a number that is neither is
    unknown (None)."""
    digits = raw.strip()
    if len(digits) > 16:  # no Unix time, in seconds or milliseconds
        return None
    number = int(digits)
    seconds = number / 1000 if number >= 10**11 else number  # 12 or 13 digits: milliseconds
    if not 10**8 <= seconds < 10**10:  # 1973 to 2286: anything else is no Unix time
        return None
    return datetime.fromtimestamp(seconds, UTC)


# A year-first date of numbers with no zone: `2025/03/03 06:00`, `2025.3.4`, `2025-13-45`.
_NUMERIC_DATE = re.compile(
    r"^\s*(\d{4})([-/.])(\d{1,2})\2(\d{1,2})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?\s*$"
)


def _numeric_date(match: re.Match[str]) -> datetime | None:
    """A `_NUMERIC_DATE` as written, in UTC, or None when it names no day. feedparser reads
    `2025/03/03 06:00` (and any year-first date with slashes or dots) as 1 December 2025, and
    rolls `2025-13-45` over into 2026-01-01."""
    year, _, month, day, hour, minute, second = match.groups()
    return _utc_date(int(year), int(month), int(day), hour, minute, second)


def _utc_date(
    year: int, month: int, day: int, hour: str | None, minute: str | None, second: str | None
) -> datetime | None:
    """The date and clock as written (a leap second read as :59), in UTC; None for no day."""
    try:
        return datetime(
            year,
            month,
            day,
            int(hour or 0),
            int(minute or 0),
            min(int(second or 0), 59),
            tzinfo=UTC,
        )
    except ValueError:
        return None


# Months as feeds write them: English, and the abbreviations of the languages whose feed
# generators print localised dates (German, French, Spanish, Italian, Dutch, Portuguese).
_MONTHS = {
    name: number
    for number, names in enumerate(
        (
            "jan janv ene gen jän",
            "feb fev fév févr",
            "mar mär mrz mrt",
            "apr avr abr",
            "may mai mei mag",
            "jun juin giu",
            "jul juil lug",
            "aug ago aoû août",
            "sep sept set",
            "oct okt ott out",
            "nov",
            "dec dez déc dic",
        ),
        start=1,
    )
    for name in names.split()
}
# Zone abbreviations, for the dates `_written_date` reads. Those feedparser does not know
# (`_FEEDPARSER_ZONES` are the ones it does) it reads as UTC: "CEST" was 2 hours off.
_ZONES = {
    **{"ut": 0.0, "utc": 0.0, "gmt": 0.0, "z": 0.0, "wet": 0.0, "west": 1.0, "bst": 1.0},
    **{"cet": 1.0, "met": 1.0, "cest": 2.0, "mest": 2.0, "eet": 2.0, "eest": 3.0, "msk": 3.0},
    **{"est": -5.0, "edt": -4.0, "cst": -6.0, "cdt": -5.0, "mst": -7.0, "mdt": -6.0},
    **{"pst": -8.0, "pdt": -7.0, "akst": -9.0, "akdt": -8.0, "hst": -10.0, "ast": -4.0},
    **{"adt": -3.0, "nst": -3.5, "ndt": -2.5, "brt": -3.0, "art": -3.0, "sast": 2.0},
    **{"ist": 5.5, "sgt": 8.0, "hkt": 8.0, "awst": 8.0, "jst": 9.0, "kst": 9.0},
    **{"acst": 9.5, "acdt": 10.5, "aest": 10.0, "aedt": 11.0, "nzst": 12.0, "nzdt": 13.0},
}
_FEEDPARSER_ZONES = frozenset(
    {"ut", "gmt", "z", "adt", "ast", "at", "edt", "est", "et", "cdt", "cst", "ct", "mdt"}
    | {"mst", "mt", "pdt", "pst", "pt", "met", "mest"}
)
_CLOCK = r"(?:[ T,]+(\d{1,2}):(\d{2})(?::(\d{2}))?(?:\.\d+)?)?"
_ZONE = r"\s*(?:(?:GMT|UTC|UT)?\s*([+-])(\d{1,2}):?(\d{2})?|([A-Za-z]{1,5}))?\s*$"
# `Mon, 03 Mar 2025 06:00:00` (no zone), `Lun, 03 Mar 2025 ...`, `Mo, 03 Mär 2025 ...`,
# `03 Mar 2025 06:00 CEST`, `... GMT+2`.
_DAY_FIRST_DATE = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)?(\d{1,2})\.?[\s-]+([^\W\d_]+)\.?,?[\s-]+(\d{4})" + _CLOCK + _ZONE
)
# `March 3, 2025`, `Mon, Mar 3rd 2025 06:00:00 GMT` (a 24-hour clock, as RFC 822's).
_MONTH_FIRST_DATE = re.compile(
    r"^\s*(?:[^\W\d_]+\.?,?\s+)?([^\W\d_]+)\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+(\d{4})"
    + _CLOCK
    + _ZONE
)


def _written_date(raw: str) -> datetime | None:
    """A date feedparser reads wrongly or not at all, read as written; None for anything else.

    RFC 822 dates without a zone (`Mon, 03 Mar 2025 06:00:00`: feedparser gives up when the
    weekday is there), with a weekday or month in another language (`Lun`, `Mär`), a zone
    feedparser does not know (`CEST`, `AEST`: read as UTC), or `GMT+2`; and `March 3, 2025`.
    A date without a zone is taken as UTC, as feedparser takes a date without a time.
    """
    text = raw.strip()
    match = _DAY_FIRST_DATE.match(text)
    if match:
        day, month_name, year = match.group(1), match.group(2), match.group(3)
    else:
        match = _MONTH_FIRST_DATE.match(text)
        if not match:
            return None
        month_name, day, year = match.group(1), match.group(2), match.group(3)
    month_name = month_name.lower()
    month = _MONTHS.get(month_name) or _MONTHS.get(month_name[:4]) or _MONTHS.get(month_name[:3])
    if month is None:
        return None
    hour, minute, second, sign, zone_hours, zone_minutes, zone_name = match.groups()[3:]
    if zone_name is not None:
        offset = _ZONES.get(zone_name.lower())
        if offset is None:
            return None  # a word that is no zone: not a date this reads
    elif sign is not None:
        offset = int(zone_hours) + int(zone_minutes or 0) / 60
        offset = -offset if sign == "-" else offset
    else:
        offset = 0.0
    local = _utc_date(int(year), month, int(day), hour, minute, second)
    if local is None or abs(offset) > 14:
        return None
    return local - timedelta(hours=offset)


def _zone_feedparser_misreads(raw: str) -> bool:
    """Whether `raw` ends in a zone feedparser reads as UTC although it is not (`CEST`,
    `UTC+02:00`)."""
    match = _DAY_FIRST_DATE.match(raw.strip())
    if match is None:
        return False
    sign, name = match.group(7), match.group(10)
    if name is not None:
        return name.lower() not in _FEEDPARSER_ZONES and _ZONES.get(name.lower(), 0.0) != 0.0
    return sign is not None and bool(re.search(r"(?:UTC|UT)\s*[+-]", raw, re.IGNORECASE))


def _published_at(entry: Any) -> datetime | None:
    """The item's date in UTC, with two-digit years read as RFC 2822 says.

    RFC 2822 (section 4.3) reads a two-digit year below 50 as 20xx and the rest as 19xx, and a
    three-digit year as 1900 plus it. feedparser reads two digits below 90 as 20xx (so
    `01 Jan 70` is 2070) and keeps three digits as they are (year 70 AD).
    """
    parsed, raw = entry.get("published_parsed"), entry.get("published")
    if not parsed:
        parsed, raw = entry.get("updated_parsed"), entry.get("updated") or raw
    if _UNIX_TIME.match(str(raw or "")):
        return _unix_time(str(raw))
    numeric = _NUMERIC_DATE.match(str(raw or ""))
    if numeric:
        return _numeric_date(numeric)
    if not parsed or _zone_feedparser_misreads(str(raw or "")):
        as_written = _written_date(str(raw or ""))
        if as_written is not None or not parsed:
            return as_written
    year = parsed.tm_year
    short = _SHORT_YEAR_DATE.match(str(raw or ""))
    if short:
        digits = short.group(1)
        written = int(digits)
        feedparser_year = (
            written if len(digits) == 3 else written + (2000 if written < 90 else 1900)
        )
        rfc_year = written + (2000 if len(digits) == 2 and written < 50 else 1900)
        # Only when feedparser read those digits (a time zone can move the UTC date a year).
        if abs(parsed.tm_year - feedparser_year) <= 1:
            year = parsed.tm_year + rfc_year - feedparser_year
    try:
        stamp = datetime(
            year,
            parsed.tm_mon,
            parsed.tm_mday,
            parsed.tm_hour,
            parsed.tm_min,
            min(parsed.tm_sec, 59),  # a leap second
            tzinfo=UTC,
        )
    except ValueError:  # 29 February of a year that has none after the century moved
        return None
    return stamp


def _publisher_transcripts(
    content: bytes, encoding: str | None = None
) -> dict[str, list[tuple[str, str]]]:
    """Every podcast:transcript of every item (RSS) or entry (Atom), keyed by GUID (or Atom id)
    and by enclosure URL.

    feedparser keeps only the last podcast:transcript of an item, so read the XML again: the
    document feedparser was given, as text in the encoding feedparser found (`encoding`), so a
    UTF-16 feed, or one in an encoding expat cannot read (Shift JIS), is read all the same.
    """
    text = _document_text(content, encoding)
    document: str | bytes = content if text is None else text
    if text is not None:
        namespaces = [ns for ns in (PODCAST_NS, PODCAST_NS_OLD) if ns in text]
    else:
        namespaces = [ns for ns in (PODCAST_NS, PODCAST_NS_OLD) if ns.encode() in content]
    if not namespaces:
        return {}
    try:
        root = SafeET.fromstring(document)
    except Exception:  # defusedxml and expat raise several types; the feed parsed already
        return {}
    found: dict[str, list[tuple[str, str]]] = {}
    for item in root.iter():
        if not _is_item(item):
            continue
        links = [
            (el.get("url", ""), el.get("type", ""))
            for ns in namespaces
            for el in item.iter(f"{{{ns}}}transcript")
            if el.get("url")
        ]
        if not links:
            continue
        for key in _item_keys(item):
            found[key] = links
    return found


XML_BASE = "{http://www.w3.org/XML/1998/namespace}base"


def _item_bases(
    content: bytes, encoding: str | None, base_url: str, entries: int
) -> list[str] | None:
    """What each item's relative URLs resolve against when the document sets `xml:base`
    (on `<rss>`, `<channel>` or the item), in document order; None when it sets none.

    feedparser applies `xml:base` to Atom links but not to an RSS `<enclosure>`, so a feed
    whose channel says `xml:base="https://cdn.example/audio/"` and whose enclosures say
    `ep1.mp3` had every episode fetched beside the feed instead (a 404). Only a base that
    resolves to an http(s) URL counts: like an enclosure, `xml:base` must never point a
    remote feed at local files. When the items found here cannot be matched one to one with
    feedparser's entries, the feed's own address is used, as before.
    """
    text = _document_text(content, encoding)
    if "xml:base" not in (text if text is not None else content.decode("latin-1")):
        return None
    try:
        root = SafeET.fromstring(content if text is None else text)
    except Exception:  # defusedxml and expat raise several types; the feed parsed already
        return None
    bases: list[str] = []
    stack: list[tuple[Element, str]] = [(root, base_url)]
    while stack:  # depth first, in document order (children pushed in reverse)
        element, base = stack.pop()
        declared = (element.get(XML_BASE) or "").strip()
        if declared:
            candidate = urljoin(base, declared) if is_http_url(base) else declared
            if is_http_url(candidate):
                base = candidate
        if _is_item(element):
            bases.append(base)
            continue
        stack.extend((child, base) for child in reversed(element))
    return bases if len(bases) == entries else None


ATOM_NS = "http://www.w3.org/2005/Atom"
# RSS 1.0's mod_enclosure: `<enc:enclosure rdf:resource="URL" enc:type="..." enc:length="..."/>`
ENC_NS = "http://purl.oclc.org/net/rss_2.0/enc#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"


def _local_name(tag: str) -> str:
    return tag.rsplit("}", 1)[-1].lower()


def _is_item(element: Element) -> bool:
    """Whether `element` is an item (RSS 2.0, 1.0, 0.9x) or an Atom entry, in whatever
    namespace the document puts it (RSS 2.0 under UserLand's `xmlns="http://backend.userland.
    com/rss2"`, RSS 1.0's `http://purl.org/rss/1.0/`) and in whatever case (`<ITEM>`), as
    feedparser reads them."""
    return isinstance(element.tag, str) and _local_name(element.tag) in ("item", "entry")


def _other_enclosures(
    content: bytes, encoding: str | None, entries: int
) -> list[list[dict[str, Any]]] | None:
    """The audio each item offers where feedparser does not look, in document order (one list
    per item), or None when the document has none (or its items cannot be matched one to one
    with feedparser's entries).

    Two places: `podcast:alternateEnclosure` (Podcasting 2.0; a video show lists its audio
    there, beside a video `<enclosure>`), each `podcast:source` with the element's type and
    length, the one marked `default="true"` first; and RSS 1.0's `enc:enclosure`, which
    names its file in `rdf:resource`. feedparser reads neither, so such an item's audio was
    "no enclosure".
    """
    text = _document_text(content, encoding)
    document: str | bytes = content if text is None else text
    probe = text if text is not None else content.decode("latin-1")
    if "alternateEnclosure" not in probe and ENC_NS not in probe:
        return None
    try:
        root = SafeET.fromstring(document)
    except Exception:  # defusedxml and expat raise several types; the feed parsed already
        return None
    found: list[list[dict[str, Any]]] = []
    for item in root.iter():
        if not _is_item(item):
            continue
        offered: list[dict[str, Any]] = []
        for el in item.iter(f"{{{ENC_NS}}}enclosure"):
            offered.append(
                {
                    "href": el.get(f"{{{RDF_NS}}}resource") or el.get("url") or "",
                    "type": el.get(f"{{{ENC_NS}}}type") or el.get("type"),
                    "length": el.get(f"{{{ENC_NS}}}length") or el.get("length"),
                }
            )
        alternates = [
            el
            for ns in (PODCAST_NS, PODCAST_NS_OLD)
            for el in item.iter(f"{{{ns}}}alternateEnclosure")
        ]
        alternates.sort(key=lambda el: (el.get("default") or "").lower() != "true")
        for el in alternates:
            for source in el:
                if source.tag.rsplit("}", 1)[-1] == "source" and source.get("uri"):
                    offered.append(
                        {
                            "href": source.get("uri", ""),
                            "type": el.get("type"),
                            "length": el.get("length"),
                        }
                    )
        found.append(offered)
    return found if len(found) == entries else None


def _document_text(content: bytes, encoding: str | None) -> str | None:
    """The document decoded as feedparser decoded it, or None when that does not work.

    Parsed from text, expat ignores the encoding the XML declaration names.
    """
    if not encoding:
        return None
    try:
        return content.decode(encoding)
    except (LookupError, UnicodeDecodeError):
        return None


def _item_keys(item: Element) -> list[str]:
    keys = []
    guid = next(
        (child.text for child in item if _local_name(child.tag) in ("guid", "id") and child.text),
        None,
    )
    if guid and guid.strip():
        keys.append(guid.strip())
    enclosures = (el for el in item.iter() if _local_name(el.tag) == "enclosure")
    for audio in (*enclosures, *item.iter(f"{{{MEDIA_NS}}}content")):
        if audio.get("url"):
            keys.append(audio.get("url", "").strip())
    for link in item.iter(f"{{{ATOM_NS}}}link"):
        if link.get("rel") == "enclosure" and link.get("href"):
            keys.append(link.get("href", "").strip())
    return keys


def poll_feed(
    url: str,
    *,
    etag: str | None = None,
    last_modified: str | None = None,
    timeout_s: float = 30.0,
    retries: int = 3,
    client: httpx.Client | None = None,
    max_seconds: float = MAX_FEED_SECONDS,
) -> ItemizedPoll:
    """Fetch and parse one feed; a 304 (or an unchanged local file) costs nothing further.

    The poll's `warning` says what had to be repaired or was missing, and which items are no
    episode and why (see `read_feed`).

    Raises:
        FeedError: naming the feed and what went wrong.
    """
    fetched = fetch_feed(
        url,
        etag=etag,
        last_modified=last_modified,
        timeout_s=timeout_s,
        retries=retries,
        client=client,
        max_seconds=max_seconds,
    )
    if fetched.not_modified:
        return ItemizedPoll(
            url=url,
            not_modified=True,
            etag=fetched.etag,
            last_modified=fetched.last_modified,
            new_url=fetched.new_url,
        )
    source = fetched.final_url or url
    document = read_feed(fetched.content, source, fetched.content_type)
    new_url, notes, target = fetched.new_url, document.notes, document.moved_to
    if target:
        moved = _follow_announced_move(
            target,
            source,
            timeout_s=timeout_s,
            client=client,
            max_seconds=max_seconds,
        )
        if isinstance(moved, str):
            notes = (*notes, moved)
        else:
            fetched, document = moved
            new_url = fetched.new_url or target  # where the next runs poll (feeds.current_url)
            notes = (
                f"moved here from {source}, as that feed announces (itunes:new-feed-url); "
                "polled here from now on",
                *document.notes,
            )
            source = fetched.final_url
    # A partial document keeps no validators: the next poll must fetch it in full, not get a
    # 304 for the copy that lost its later items.
    return ItemizedPoll(
        url=url,
        title=document.title,
        etag=None if document.partial else fetched.etag,
        last_modified=None if document.partial else fetched.last_modified,
        new_url=new_url,
        episodes=document.episodes,
        warning=feed_warning(source, notes, document.listed, document.skipped),
        channel=document.channel,
        source=source,
        listed=document.listed,
        skipped=document.skipped,
        notes=notes,
    )


def _follow_announced_move(
    target: str,
    source: str,
    *,
    timeout_s: float,
    client: httpx.Client | None,
    max_seconds: float,
) -> tuple[FeedFetch, FeedDocument] | str:
    """Fetch the address a feed says it has moved to: (its fetch, its document) when it is a
    feed that does not send podsift back, else the note that says why the move is not taken.

    A show that changes host leaves the old feed up, frozen, with `<itunes:new-feed-url>`;
    podcast apps follow it as they follow a permanent redirect, and a feed that ignored it
    loaded no new episode ever again, without a word. The move is taken only when the new
    address serves a feed podsift can read, so a typo or a dead host costs nothing but a
    note, and one hop only: a new feed that announces the old address again is a loop.
    """
    try:
        fetched = fetch_feed(
            # One try: a new address that fails now is asked again by the next run's poll,
            # and the feed in hand must not wait on retries.
            target,
            timeout_s=timeout_s,
            retries=0,
            client=client,
            max_seconds=max_seconds,
        )
        arrived = fetched.final_url or target
        if same_address(arrived, source):  # the new address redirects back here
            return f"announces a move to {target} (itunes:new-feed-url), which leads back here"
        document = read_feed(fetched.content, arrived, fetched.content_type)
    except FeedError as exc:
        reason = str(exc).split(": ", 1)[-1]
        return (
            f"announces a move to {target} (itunes:new-feed-url), but that address fails "
            f"({reason}); still read here"
        )
    if document.moved_to and same_address(document.moved_to, source):
        return (
            f"announces a move to {target} (itunes:new-feed-url), which announces a move back "
            "here; still read here"
        )
    return replace(fetched, final_url=arrived), document


def _channel(feed: Any, content: bytes) -> dict[str, Any] | None:
    """The channel's title, image and iTunes tags, for the ad-free feed (`podsift publish`).

    A channel that cannot be read costs the ad-free feed its image and tags, not the poll.
    """
    from podsift.tasks.ingest.channel import channel_of

    try:
        channel = channel_of(feed, content)
    except Exception:  # noqa: BLE001 (the feed itself was read; its channel is a nicety)
        return None
    return channel.to_json() if channel else None
