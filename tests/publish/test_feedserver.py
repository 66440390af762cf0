"""The ad-free feeds' HTTP server, over a real socket: Range, types, and nothing but its files."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from podsift.flows.feedserver import parse_range, start_feed_server


@pytest.fixture
def published(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    root = tmp_path / "publish"
    show = root / "demo"
    show.mkdir(parents=True)
    (show / "feed.xml").write_bytes(b"<?xml version='1.0'?><rss/>")
    (show / ("a" * 20 + ".mp3")).write_bytes(bytes(range(256)) * 40)
    (show / ("a" * 20 + ".vtt")).write_text("WEBVTT\n", encoding="utf-8")
    (show / ("a" * 20 + ".chapters.json")).write_text('{"version": "1.2.0"}', encoding="utf-8")
    (show / "notes.txt").write_text("not podsift's", encoding="utf-8")
    (show / ".hidden.mp3").write_bytes(b"x")
    (tmp_path / "secret.mp3").write_bytes(b"outside")
    os.symlink(tmp_path / "secret.mp3", show / ("b" * 20 + ".mp3"))
    server = start_feed_server(root, "127.0.0.1", 0)
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", show
    finally:
        server.shutdown()
        server.server_close()


def test_a_range_request_gets_206_and_exactly_those_bytes(published: tuple[str, Path]) -> None:
    base, show = published
    body = (show / ("a" * 20 + ".mp3")).read_bytes()
    r = httpx.get(f"{base}/demo/{'a' * 20}.mp3", headers={"Range": "bytes=100-299"})
    assert r.status_code == 206
    assert r.content == body[100:300]
    assert r.headers["content-range"] == f"bytes 100-299/{len(body)}"
    assert r.headers["content-type"] == "audio/mpeg"
    assert r.headers["accept-ranges"] == "bytes"
    tail = httpx.get(f"{base}/demo/{'a' * 20}.mp3", headers={"Range": "bytes=-10"})
    assert (tail.status_code, tail.content) == (206, body[-10:])
    whole = httpx.get(f"{base}/demo/{'a' * 20}.mp3")
    assert (whole.status_code, whole.content) == (200, body)
    past = httpx.get(f"{base}/demo/{'a' * 20}.mp3", headers={"Range": f"bytes={len(body)}-"})
    assert past.status_code == 416
    assert past.headers["content-range"] == f"bytes */{len(body)}"
    head = httpx.head(f"{base}/demo/{'a' * 20}.mp3")
    assert (head.status_code, head.headers["content-length"], head.content) == (
        200,
        str(len(body)),
        b"",
    )


def test_each_published_kind_has_its_content_type(published: tuple[str, Path]) -> None:
    base, _ = published
    types = {
        "/demo/feed.xml": "application/rss+xml; charset=utf-8",
        f"/demo/{'a' * 20}.vtt": "text/vtt; charset=utf-8",
        f"/demo/{'a' * 20}.chapters.json": "application/json+chapters; charset=utf-8",
    }
    for path, kind in types.items():
        r = httpx.get(base + path)
        assert (r.status_code, r.headers["content-type"]) == (200, kind), path


@pytest.mark.parametrize(
    "path",
    [
        "/",  # no listings
        "/demo/",
        "/demo",
        "/demo/notes.txt",  # not a kind podsift writes
        "/demo/.hidden.mp3",
        "/demo/../../secret.mp3",
        "/demo/%2e%2e/%2e%2e/secret.mp3",
        f"/demo/{'b' * 20}.mp3",  # a symlink out of the folder
        "/demo/missing.mp3",
    ],
)
def test_nothing_else_is_served(published: tuple[str, Path], path: str) -> None:
    base, _ = published
    # httpx would normalise '..' away: send the path as given.
    with httpx.Client() as client:
        request = client.build_request("GET", base + "/")
        request.url = request.url.copy_with(raw_path=path.encode())
        r = client.send(request)
    assert r.status_code == 404, path
    assert b"outside" not in r.content


def test_parse_range() -> None:
    assert parse_range(None, 100) is None
    assert parse_range("bytes=0-9", 100) == (0, 9)
    assert parse_range("bytes=90-", 100) == (90, 99)
    assert parse_range("bytes=90-500", 100) == (90, 99)
    assert parse_range("bytes=-5", 100) == (95, 99)
    assert parse_range("bytes=0-1,5-6", 100) is None  # several ranges: the whole file
    assert parse_range("bytes=100-", 100) is False
    assert parse_range("bytes=5-2", 100) is False
    assert parse_range("items=0-5", 100) is None
