"""Shared fixtures: a real HTTP server on 127.0.0.1, Prefect's test harness, configs.

Nothing here is mocked: feeds and audio are served over real sockets, flows run against a real
(temporary) Prefect API, and the warehouse is a real DuckDB file under tmp_path.
"""

from __future__ import annotations

import hashlib
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
import yaml

os.environ.setdefault("PREFECT_SERVER_ANALYTICS_ENABLED", "false")
os.environ.setdefault("PREFECT_LOGGING_LEVEL", "WARNING")

import podsift.tasks.core.http  # noqa: E402

DATA = Path(__file__).parent / "data"
AUDIO = DATA / "audio"
REPO = Path(__file__).parent.parent

# Retries pause 0.5 s, 1 s, 2 s in production; tests keep the policy but not the waiting.
podsift.tasks.core.http.RETRY_BACKOFF_S = 0.01


@dataclass
class Route:
    """How the server answers one path."""

    body: bytes = b""
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    etag: bool = True  # answer If-None-Match with 304
    fail_first: int = 0  # answer 500 this many times first
    cut_after: int | None = None  # send Content-Length in full but close after this many bytes
    cut_times: int = 1  # how many requests get cut
    location: str | None = None  # redirect target (with status 301/302/307/308)
    handler: Callable[[BaseHTTPRequestHandler], None] | None = None


class FeedServer:
    """A loopback HTTP server whose routes tests set, and which logs every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.requests: list[tuple[str, dict[str, str]]] = []
        self._lock = threading.Lock()
        server = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, *args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                server._answer(self)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def add(self, path: str, route: Route | None = None, **kwargs: Any) -> str:
        self.routes[path] = route or Route(**kwargs)
        return self.url(path)

    def add_audio(self, name: str) -> str:
        """Serve `tests/data/audio/<name>.mp3` at `/audio/<name>.mp3`; its URL."""
        body = (AUDIO / f"{name}.mp3").read_bytes()
        return self.add(f"/audio/{name}.mp3", body=body, headers={"Content-Type": "audio/mpeg"})

    def hits(self, path: str) -> int:
        with self._lock:
            return sum(1 for p, _ in self.requests if p == path)

    def full_hits(self, path: str) -> int:
        """Requests for `path` answered with a body (not 304)."""
        with self._lock:
            return sum(1 for p, h in self.requests if p == path and h.get("_status") == "200")

    def _answer(self, req: BaseHTTPRequestHandler) -> None:
        path = req.path.split("?", 1)[0]
        headers = {k.lower(): v for k, v in req.headers.items()}
        entry = (path, headers)
        with self._lock:
            self.requests.append(entry)
        route = self.routes.get(path)
        if route is None:
            return self._send(req, entry, 404, b"not found", {"Content-Type": "text/plain"})
        if route.handler is not None:
            return route.handler(req)
        if route.fail_first > 0:
            route.fail_first -= 1
            return self._send(req, entry, 500, b"server error", {"Content-Type": "text/plain"})
        if route.location:
            return self._send(req, entry, route.status, b"", {"Location": route.location})
        tag = '"' + hashlib.sha1(route.body).hexdigest()[:16] + '"'
        if route.etag and route.status == 200 and headers.get("if-none-match") == tag:
            return self._send(req, entry, 304, b"", {"ETag": tag})
        extra = dict(route.headers)
        if route.etag and route.status == 200:
            extra.setdefault("ETag", tag)
        if route.cut_after is not None and route.cut_times > 0:
            route.cut_times -= 1
            headers["_status"] = "cut"
            req.send_response(200)
            req.send_header("Content-Length", str(len(route.body)))
            for k, v in extra.items():
                req.send_header(k, v)
            req.end_headers()
            req.wfile.write(route.body[: route.cut_after])
            req.wfile.flush()
            req.close_connection = True
            return None
        return self._send(req, entry, route.status, route.body, extra)

    def _send(
        self,
        req: BaseHTTPRequestHandler,
        entry: tuple[str, dict[str, str]],
        status: int,
        body: bytes,
        headers: dict[str, str],
    ) -> None:
        entry[1]["_status"] = str(status)
        req.send_response(status)
        for k, v in headers.items():
            req.send_header(k, v)
        req.send_header("Content-Length", str(len(body)))
        req.end_headers()
        if body:
            req.wfile.write(body)

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture
def server() -> Iterator[FeedServer]:
    srv = FeedServer()
    yield srv
    srv.close()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect API for the whole session (its start-up takes seconds)."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=180):
        yield


def rss(items: list[dict[str, Any]], title: str = "Test Show", extra_ns: str = "") -> bytes:
    """A small RSS 2.0 document; each item: guid, title, url, type, length, duration, pub."""
    parts = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<rss version="2.0" xmlns:itunes="http://www.itunes.com/dtds/podcast-1.0.dtd"'
        f' xmlns:podcast="https://podcastindex.org/namespace/1.0"{extra_ns}>',
        f"<channel><title>{title}</title><link>http://example.invalid/</link>"
        "<description>test feed</description>",
    ]
    for it in items:
        parts.append("<item>")
        if "guid" in it:
            parts.append(f"<guid>{it['guid']}</guid>")
        parts.append(f"<title>{it.get('title', 'Untitled')}</title>")
        parts.append(f"<pubDate>{it.get('pub', 'Mon, 03 Mar 2025 06:00:00 +0000')}</pubDate>")
        if "description" in it:
            parts.append(f"<description>{it['description']}</description>")
        if "duration" in it:
            parts.append(f"<itunes:duration>{it['duration']}</itunes:duration>")
        if "url" in it:
            length = it.get("length", 1000)
            kind = it.get("type", "audio/mpeg")
            parts.append(f'<enclosure url="{it["url"]}" length="{length}" type="{kind}"/>')
        parts.extend(it.get("raw", []))
        parts.append("</item>")
    parts.append("</channel></rss>")
    return "\n".join(parts).encode()


def write_config(tmp_path: Path, feeds: list[str], **extra: Any) -> Path:
    """A config.yaml under tmp_path with its warehouse and data_dir there too."""
    data: dict[str, Any] = {
        "feeds": [{"url": u, "name": f"feed{i}"} for i, u in enumerate(feeds)],
        "warehouse": "warehouse.duckdb",
        "data_dir": "data",
        "download": {"timeout_s": 10, "retries": 2},
        "runner": {"max_workers": 2},
    }
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(data.get(key), dict):
            data[key] = {**data[key], **value}
        else:
            data[key] = value
    path = tmp_path / "config.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def warehouse_query(warehouse: Path, sql: str) -> list[tuple[Any, ...]]:
    """The rows of `sql` over the warehouse file, on a read-only connection closed after."""
    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:
        return con.execute(sql).fetchall()
    finally:
        con.close()


def check_warehouse_invariants(
    warehouse: Path, data_dir: Path | None = None, *, finished: bool = True
) -> None:
    """Assert what must hold after any sequence of runs, killed or not, ends with a normal one.

    No half-loaded episode, no orphaned or duplicated rows, no run left 'running' (unless
    `finished` is False: right after a killed run), and staged files named only from hashes.
    """
    import re

    import duckdb

    con = duckdb.connect(str(warehouse), read_only=True)
    try:

        def rows(sql: str) -> list[tuple[Any, ...]]:
            return con.execute(sql).fetchall()

        if finished:
            assert rows("SELECT run_id FROM runs WHERE status = 'running'") == []
        assert (
            rows(
                "SELECT episode_id, status FROM episodes "
                "WHERE status NOT IN ('done', 'failed', 'skipped')"
            )
            == []
        )
        assert (
            rows(
                "SELECT episode_id FROM episodes WHERE status = 'done' AND (error IS NOT NULL OR "
                "episode_id NOT IN (SELECT episode_id FROM segments))"
            )
            == []
        ), "a done episode without its segments"
        assert (
            rows(
                "SELECT episode_id FROM episodes WHERE status <> 'done' "
                "AND (coalesce(error, '') = '' "
                "OR episode_id IN (SELECT episode_id FROM segments UNION ALL "
                "SELECT episode_id FROM ad_spans UNION ALL SELECT episode_id FROM facts))"
            )
            == []
        ), "a failed or skipped episode with rows, or without an error"
        assert (
            rows("SELECT episode_id FROM episodes WHERE status <> 'done' AND warning IS NOT NULL")
            == []
        ), "a warning kept by an episode that is not loaded (its error says why)"
        for table in ("segments", "ad_spans", "facts"):
            assert (
                rows(
                    f"SELECT episode_id FROM {table} WHERE episode_id NOT IN "
                    "(SELECT episode_id FROM episodes)"
                )
                == []
            ), f"orphaned {table}"
            assert (
                rows(
                    f"SELECT episode_id FROM {table} GROUP BY episode_id "
                    "HAVING count(*) <> max(seq) + 1 OR min(seq) <> 0"
                )
                == []
            ), f"{table} with gaps or duplicates in seq"
        assert (
            rows(
                "SELECT episode_id FROM adfree_audio WHERE episode_id NOT IN "
                "(SELECT episode_id FROM episodes WHERE status = 'done')"
            )
            == []
        ), "an ad-free copy recorded for an episode that is not loaded"
        assert rows("SELECT feed_id, guid FROM episodes GROUP BY ALL HAVING count(*) > 1") == []
        assert (
            rows(
                "SELECT feed_id, audio_key FROM episodes WHERE audio_key IS NOT NULL "
                "GROUP BY ALL HAVING count(*) > 1"
            )
            == []
        ), "the same audio loaded twice"
        assert (
            rows("SELECT episode_id FROM episodes WHERE feed_id NOT IN (SELECT feed_id FROM feeds)")
            == []
        )
    finally:
        con.close()
    if data_dir is not None:
        names = {
            "audio": re.compile(r"^[0-9a-f]{20}\.audio$"),
            "transcripts": re.compile(r"^[0-9a-f]{20}\.json$"),
            "adfree": re.compile(r"^[0-9a-f]{20}-[0-9a-f]{10}\.mp3$"),
        }
        # A SIGKILLed run skips its clean-up, so right after one a file it was writing may be
        # left under a temporary name (`<final name>.part-<pid>` / `.tmp-<pid>`); the next run
        # removes it, so after a run that finished there is none.
        leftover = re.compile(r"^(?P<name>.+)\.(?:part|tmp)-(?P<pid>\d+)$")
        for folder, pattern in names.items():
            for path in (data_dir / folder).glob("*") if (data_dir / folder).exists() else ():
                part = leftover.match(path.name)
                if part and not finished:
                    assert pattern.match(part["name"]), f"unexpected file {path}"
                    continue
                assert pattern.match(path.name), f"unexpected file {path}"


def closed_port() -> int:
    """A port on 127.0.0.1 that nothing listens on (bound once, then released)."""
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])
