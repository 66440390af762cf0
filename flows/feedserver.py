"""Serve the published ad-free feeds over HTTP, as podcast apps fetch them.

Podcast apps seek with Range requests, so this answers `Range: bytes=a-b` with 206 and the
exact bytes (one range; a list of ranges gets the whole file, which RFC 9110 allows). It
serves only the files `podsift publish` writes (feed.xml, audio, .vtt, .chapters.json) from
inside the publish folder: no directory listings, no dotfiles, nothing a symlink or `..`
reaches outside it.

The standard library's server is enough for a household of podcast apps; behind a public
address put any web server in front (README: "Ad-free feeds").
"""

from __future__ import annotations

import re
import threading
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import BinaryIO
from urllib.parse import unquote, urlsplit

CONTENT_TYPES = {
    ".xml": "application/rss+xml; charset=utf-8",
    ".mp3": "audio/mpeg",
    ".m4a": "audio/mp4",
    ".aac": "audio/aac",
    ".ogg": "audio/ogg",
    ".opus": "audio/ogg",
    ".wav": "audio/wav",
    ".vtt": "text/vtt; charset=utf-8",
    ".json": "application/json+chapters; charset=utf-8",
}
MEDIA = frozenset({".mp3", ".m4a", ".aac", ".ogg", ".opus", ".wav", ".vtt"})
_RANGE = re.compile(r"^bytes=(\d*)-(\d*)$")
CHUNK = 256 * 1024


def resolve_served(root: Path, url_path: str) -> Path | None:
    """The file under `root` that `url_path` names, or None when it is not one podsift serves."""
    parts = [unquote(p) for p in urlsplit(url_path).path.split("/") if p]
    if not parts or any(p in (".", "..") or p.startswith(".") or "\\" in p for p in parts):
        return None
    root = root.resolve()
    path = root.joinpath(*parts)
    try:
        real = path.resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not real.is_relative_to(root) or not real.is_file():
        return None
    name = path.name
    if name == "feed.xml" or name.endswith(".chapters.json") or path.suffix.lower() in MEDIA:
        return real
    return None


def content_type(path: Path) -> str:
    return CONTENT_TYPES.get(path.suffix.lower(), "application/octet-stream")


def parse_range(header: str | None, size: int) -> tuple[int, int] | None | bool:
    """The inclusive byte range a `Range` header asks for.

    Returns:
        (first, last); None when there is no usable single range (serve the whole file);
        False when the range lies wholly outside the file (416).
    """
    if not header:
        return None
    m = _RANGE.match(header.strip())
    if not m or (not m.group(1) and not m.group(2)):
        return None
    if not m.group(1):  # the last N bytes
        n = int(m.group(2))
        if n == 0:
            return False
        return max(0, size - n), size - 1
    first = int(m.group(1))
    last = int(m.group(2)) if m.group(2) else size - 1
    if first >= size or last < first:
        return False
    return first, min(last, size - 1)


def make_handler(root: Path) -> type[BaseHTTPRequestHandler]:
    class FeedFiles(BaseHTTPRequestHandler):
        server_version = "podsift"

        def do_HEAD(self) -> None:  # noqa: N802 (the stdlib's name)
            self._serve(body=False)

        def do_GET(self) -> None:  # noqa: N802
            self._serve(body=True)

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002
            pass  # quiet: podcast apps poll often; errors still reach the client

        def _serve(self, *, body: bool) -> None:
            path = resolve_served(root, self.path)
            if path is None:
                self.send_error(HTTPStatus.NOT_FOUND, "not a file podsift publishes")
                return
            size = path.stat().st_size
            wanted = parse_range(self.headers.get("Range"), size)
            if wanted is False:
                self.send_response(HTTPStatus.REQUESTED_RANGE_NOT_SATISFIABLE)
                self.send_header("Content-Range", f"bytes */{size}")
                self.send_header("Content-Length", "0")
                self.end_headers()
                return
            first, last = wanted if isinstance(wanted, tuple) else (0, size - 1)
            partial = isinstance(wanted, tuple)
            self.send_response(HTTPStatus.PARTIAL_CONTENT if partial else HTTPStatus.OK)
            self.send_header("Content-Type", content_type(path))
            self.send_header("Accept-Ranges", "bytes")
            self.send_header("Content-Length", str(max(0, last - first + 1)))
            self.send_header("Last-Modified", self.date_time_string(int(path.stat().st_mtime)))
            if partial:
                self.send_header("Content-Range", f"bytes {first}-{last}/{size}")
            self.end_headers()
            if body and size:
                with open(path, "rb") as fh:
                    _copy_range(fh, self.wfile, first, last)

    return FeedFiles


def _copy_range(src: BinaryIO, dst: object, first: int, last: int) -> None:
    src.seek(first)
    left = last - first + 1
    while left > 0:
        chunk = src.read(min(CHUNK, left))
        if not chunk:
            break
        try:
            dst.write(chunk)  # type: ignore[attr-defined]
        except (BrokenPipeError, ConnectionResetError):
            return  # the app stopped listening (it seeks by closing and asking again)
        left -= len(chunk)


def start_feed_server(root: Path, host: str, port: int) -> ThreadingHTTPServer:
    """Serve `root` on host:port in a daemon thread; `server.shutdown()` stops it.

    Raises:
        OSError: the address is in use or cannot be bound.
    """
    root.mkdir(parents=True, exist_ok=True)
    server = ThreadingHTTPServer((host, port), make_handler(root))
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="podsift-feeds", daemon=True).start()
    return server
