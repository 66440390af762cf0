"""What names an episode's audio file, whatever tracking redirects surround its URL.

Two items of a feed are one episode when their enclosures name one file (`same_audio`), and an
item whose GUID changed between polls is recognised by its file (`audio_key`). Merging two
items loses one of them for good, so the key keeps everything that can name the file: the
host, the path as written, and every query parameter that is not a known tracking parameter.
Only the wrappers analytics services put around the real URL are taken off:

- path prefixes: `https://dts.podtrac.com/redirect.mp3/host/path.mp3`, `chrt.fm/track/ID/`,
  `op3.dev/e/`, ... (`TRACKING_PREFIXES` lists them, with the service's name);
- a query that is itself a URL: `http://www.podtrac.com/pts/redirect.mp3?http://host/ep.mp3`
  (the old Podtrac form: every episode has the same path, and the query names the file).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Protocol
from urllib.parse import SplitResult, parse_qsl, quote, unquote, urlencode, urlsplit


@dataclass(frozen=True, slots=True)
class TrackingPrefix:
    """An analytics service's path prefix: `host/path/` followed by the real URL."""

    service: str
    pattern: re.Pattern[str]  # matched against `host/path` (host lower case), up to the target
    decode_slashes: bool = False  # the target's slashes may be written %2F


def _prefix(service: str, pattern: str, *, decode_slashes: bool = False) -> TrackingPrefix:
    # Any number of slashes may end the prefix (`redirect.mp3///host/...` is served as usual).
    return TrackingPrefix(service, re.compile(pattern + r"/+", re.IGNORECASE), decode_slashes)


TRACKING_PREFIXES: tuple[TrackingPrefix, ...] = (
    # dts.podtrac.com/redirect.mp3/, dts.podtrac.com/pts/redirect.mp3/, www.podtrac.com/pts/
    # redirect.mp3/, podtrac.com/pts/redirect.mp3/ (any extension), and the same prefixes
    # with a stray `.` after the extension or no slash before an `https://` target.
    TrackingPrefix(
        "Podtrac",
        re.compile(
            r"(?:[a-z0-9-]+\.)?podtrac\.com/(?:pts/)?redirect\.[a-z0-9]+(?:\.?/+|(?=https?:))",
            re.IGNORECASE,
        ),
    ),
    _prefix("Podtrac", r"play\.podtrac\.com/[a-z0-9_-]+"),
    _prefix("Chartable", r"(?:chrt\.fm|chtbl\.com)/track/[^/]+"),
    _prefix("Podscribe", r"(?:verifi\.podscribe\.com|pscrb\.fm)/rss/p"),
    _prefix("OP3", r"(?:[a-z0-9-]+\.)?op3\.dev/e(?:,[^/]*)?"),
    _prefix("Spotify", r"prfx\.byspotify\.com/e"),
    _prefix("Magellan", r"mgln\.ai/(?:track|e/[^/]+)"),
    _prefix("Claritas", r"(?:(?:www\.)?claritaspod\.com/measure|clrtpod\.com/m)"),
    _prefix("Podsights", r"pdst\.fm/e", decode_slashes=True),
    _prefix("Swap.fm", r"(?:tracking\.)?swap\.fm/track/[^/]+"),
    _prefix("Arts.ai", r"(?:[a-z0-9-]+\.)?arttrk\.com/p/[^/]+"),
)

# Query parameters that only say who listened, from where, or when the link was made. Their
# values vary between polls (and between feeds listing one file), never between files.
_TRACKING_PARAM = re.compile(
    r"^(?:utm_\w*|ref|source|src|from|aid|awcollectionid|awepisodeid|updated|modified|ts|_|"
    r"dest-id|rss_browser|listeningsessionid|fbclid|gclid|mc_cid|mc_eid)$",
    re.IGNORECASE,
)
# ... unless the value itself could name a file (`?src=ep3.mp3`, `?from=/shows/3/ep.mp3`).
_FILE_LIKE_VALUE = re.compile(r"/|\.(?:mp3|m4a|aac|ogg|oga|opus|wav|flac|mp4)$", re.IGNORECASE)
# A target's scheme, written plain or percent-encoded (`https%3A%2F%2F`), with one or two
# slashes (`https:/host` is served as `https://host`).
_TARGET_SCHEME = re.compile(r"^(https?)(?::|%3A)(?:/|%2F){1,2}", re.IGNORECASE)
# What a target must start with to be taken for a host: a dotted name (or localhost), a port.
_TARGET_HOST = re.compile(r"^(?:localhost|[a-z0-9-]+(?:\.[a-z0-9-]+)+)(?::\d+)?(?:/|$)", re.I)
_ESCAPE = re.compile(r"%([0-9A-Fa-f]{2})")
# A space, a control character, anything not ASCII, and the ASCII a URL may not hold raw
# (`"<>\^`{|}`): written raw or escaped, it is one file.
_RAW = re.compile(r'[^\x21-\x7e]|["<>\\^`{|}]')
_UNRESERVED = frozenset("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")
MAX_WRAPPERS = 10  # a longer chain of redirects is kept as it stands


class _Enclosure(Protocol):
    @property
    def audio_url(self) -> str: ...

    @property
    def audio_length(self) -> int | None: ...


def audio_key(url: str) -> str:
    """The audio URL reduced to what names the file: no scheme, tracking wrapper or parameter.

    `https://dts.podtrac.com/redirect.mp3/cdn.example/ep1.mp3?utm_source=rss` and
    `http://CDN.example/ep1.mp3` give one key; `.../play.mp3?id=1` and `.../play.mp3?id=2`
    two. Paths keep their case (servers tell `Ep1.mp3` from `ep1.mp3`). A local path is its own
    key.
    """
    target = unwrap_tracking(url.strip())
    parts = _split(target)
    if parts is None or not parts.netloc:
        return url.strip()
    path = _normal_escapes(parts.path).rstrip("/")
    key = parts.netloc.lower() + path
    params = [
        (name, value)
        for name, value in parse_qsl(parts.query, keep_blank_values=True)
        if not _is_tracking_param(name, value)
    ]
    if params:
        key += "?" + urlencode(sorted(params))
    return key


def same_audio(a: _Enclosure, b: _Enclosure) -> bool:
    """Whether two items' enclosures are provably one file.

    One key is not enough when both items declare a byte length and the lengths differ: one
    file has one length, so something in the URLs that the key dropped must tell them apart.
    """
    if audio_key(a.audio_url) != audio_key(b.audio_url):
        return False
    return not (a.audio_length and b.audio_length and a.audio_length != b.audio_length)


def unwrap_tracking(url: str) -> str:
    """The URL behind every tracking wrapper around `url` (`url` itself when there is none)."""
    for _ in range(MAX_WRAPPERS):
        inner = _unwrap_once(url)
        if inner is None:
            return url
        url = inner
    return url


def _unwrap_once(url: str) -> str | None:
    parts = _split(url)
    if parts is None or not parts.netloc:
        return None
    host_path = parts.netloc.lower() + parts.path
    for prefix in TRACKING_PREFIXES:
        match = prefix.pattern.match(host_path)
        if match is None:
            continue
        rest = host_path[match.end() :]
        if prefix.decode_slashes:
            rest = re.sub("%2F", "/", rest, flags=re.IGNORECASE)
        scheme = _TARGET_SCHEME.match(rest)
        target_scheme = scheme.group(1).lower() if scheme else (parts.scheme or "https")
        if scheme:
            rest = rest[scheme.end() :]
        if not _TARGET_HOST.match(rest):
            continue  # `redirect.mp3/` with nothing after it, or no host: not this prefix
        return f"{target_scheme}://{rest}" + (f"?{parts.query}" if parts.query else "")
    return _query_target(parts.query)


def _query_target(query: str) -> str | None:
    """The URL a query names when the whole query is one (`?http://host/ep.mp3`)."""
    scheme = _TARGET_SCHEME.match(query)
    if scheme is None:
        return None
    if "%3a" in scheme.group(0).lower():  # the whole target is percent-encoded
        query = unquote(query)
        scheme = _TARGET_SCHEME.match(query)
        if scheme is None:
            return None
    rest = query[scheme.end() :]
    if not _TARGET_HOST.match(rest):
        return None
    return f"{scheme.group(1).lower()}://{rest}"


def _is_tracking_param(name: str, value: str) -> bool:
    return bool(_TRACKING_PARAM.match(name)) and not _FILE_LIKE_VALUE.search(value)


def _split(url: str) -> SplitResult | None:
    try:
        return urlsplit(url)
    except ValueError:  # "Invalid IPv6 URL" and the like: the URL is its own key
        return None


def _normal_escapes(path: str) -> str:
    """`path` with percent-escapes in one form (RFC 3986 6.2.2): upper-case hex digits, and
    unreserved characters unescaped; a raw space as `%20`, and any other character outside
    printable ASCII (or one a URL may not hold raw, such as `|`) as the UTF-8 escapes HTTP
    clients send for it (`é` is `%C3%A9`, so `épisode.mp3` and `%C3%A9pisode.mp3` are one
    file). Nothing else is decoded: `%2F` and `/` are different paths."""

    def one(match: re.Match[str]) -> str:
        char = chr(int(match.group(1), 16))
        return char if char in _UNRESERVED else "%" + match.group(1).upper()

    def raw(match: re.Match[str]) -> str:  # a lone surrogate, too, without raising
        return quote(match.group(), safe="", errors="surrogatepass")

    return _RAW.sub(raw, _ESCAPE.sub(one, path))
