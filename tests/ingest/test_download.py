"""Audio downloads on a bad day, against a real loopback HTTP server.

A download either leaves a complete file that looks like audio under its final name, or raises
`AudioError` with a message a user can act on and leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import random
import re
import subprocess
import sys
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler
from pathlib import Path

import pytest

from podsift.tasks.core.errors import AudioError
from podsift.tasks.ingest.download import audio_path_for, download_audio, sweep_stale_parts
from tests.conftest import AUDIO, FeedServer, Route

SPEECH = (AUDIO / "speech_short.mp3").read_bytes()
CAP = 1024 * 1024


def leftovers(folder: Path) -> list[str]:
    """Anything in the audio folder besides finished files."""
    return sorted(p.name for p in folder.glob("*") if not p.name.endswith(".audio"))


def fetch(url: str, tmp_path: Path, **kwargs: object) -> Path:
    dest = audio_path_for(tmp_path, "0123456789abcdef0123")
    options: dict[str, object] = {"max_bytes": CAP, "timeout_s": 5, "retries": 2}
    options.update(kwargs)
    staged = download_audio(url, dest, **options)  # type: ignore[arg-type]
    return staged.path


def expect_failure(url: str, tmp_path: Path, match: str, **kwargs: object) -> AudioError:
    with pytest.raises(AudioError, match=match) as err:
        fetch(url, tmp_path, **kwargs)
    folder = tmp_path / "audio"
    assert not audio_path_for(tmp_path, "0123456789abcdef0123").exists()
    assert leftovers(folder) == []  # no half file under any name
    return err.value


def test_good_download_is_named_by_the_episode_hash(server: FeedServer, tmp_path: Path) -> None:
    server.add("/etc/passwd.mp3", body=SPEECH)  # httpx normalises the dot segments to this
    path = fetch(server.url("/a/../../etc/passwd.mp3"), tmp_path)
    assert path == tmp_path / "audio" / "0123456789abcdef0123.audio"
    assert path.read_bytes() == SPEECH


@pytest.mark.parametrize(("status", "word"), [(404, "not found"), (410, "not found")])
def test_missing_audio_is_final(server: FeedServer, tmp_path: Path, status: int, word: str) -> None:
    url = server.add("/gone.mp3", status=status, body=b"gone", etag=False)
    err = expect_failure(url, tmp_path, f"episode audio {word} \\(HTTP {status}\\)")
    assert str(err).endswith(url)
    assert server.hits("/gone.mp3") == 1  # a 4xx is not retried


def test_forbidden_audio_names_the_status(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/private.mp3", status=403, body=b"no", etag=False)
    expect_failure(url, tmp_path, r"episode audio refused \(HTTP 403 Forbidden\)")


def test_audio_compressed_as_podsift_did_not_ask_is_named(
    server: FeedServer, tmp_path: Path
) -> None:
    # httpx passes a `br` body through undecoded; it failed as "not a known audio format".
    url = server.add("/ep.mp3", body=b"\x1b" + SPEECH[:4000], headers={"Content-Encoding": "br"})
    expect_failure(
        url,
        tmp_path,
        re.escape(
            "episode audio download: the server compressed its answer as br, which podsift did "
            f"not ask for and cannot decode (it asks for gzip, deflate): {url}"
        ),
    )


def test_a_redirect_without_location_names_the_status(server: FeedServer, tmp_path: Path) -> None:
    # It used to be written as an empty body: "episode audio is zero bytes, not audio".
    url = server.add("/moved.mp3", status=302, body=b"", etag=False)
    expect_failure(url, tmp_path, r"episode audio redirect \(HTTP 302 Found\) has no Location")


def test_an_enclosure_url_httpx_cannot_request_is_named(tmp_path: Path) -> None:
    # httpx raises InvalidURL (no HTTPError) and the resolver a UnicodeError for these; each
    # episode used to fail as "unexpected error (InvalidURL: Invalid port: 'abc')", no URL named.
    bad_port = "http://127.0.0.1:abc/ep.mp3"
    expect_failure(
        bad_port, tmp_path, re.escape(f"URL is not a valid URL (Invalid port: 'abc'): {bad_port}")
    )
    long_label = f"http://{'a' * 70}.example/ep.mp3"
    expect_failure(
        long_label,
        tmp_path,
        re.escape(f"cannot look up the host name (label empty or too long): {long_label}"),
    )


def test_server_error_then_success(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/busy.mp3", body=SPEECH, fail_first=2)
    assert fetch(url, tmp_path).read_bytes() == SPEECH
    assert server.hits("/busy.mp3") == 3


def test_connection_cut_mid_download_is_retried(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/cut.mp3", body=SPEECH, cut_after=len(SPEECH) // 3, cut_times=2)
    path = fetch(url, tmp_path)
    assert hashlib.sha256(path.read_bytes()).digest() == hashlib.sha256(SPEECH).digest()
    assert server.hits("/cut.mp3") == 3
    assert leftovers(tmp_path / "audio") == []


def test_connection_cut_every_time_leaves_nothing(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/cut.mp3", body=SPEECH, cut_after=5000, cut_times=100)
    expect_failure(url, tmp_path, r"episode audio download connection failed \(RemoteProtocolError")
    assert server.hits("/cut.mp3") == 3


def close_delimited(bodies: list[bytes]) -> Callable[[BaseHTTPRequestHandler], None]:
    """Answer without Content-Length, so the body ends when the connection closes; request n
    gets bodies[n] (the last one repeats). HTTP cannot tell such a cut from the end."""
    calls = [0]

    def handler(req: BaseHTTPRequestHandler) -> None:
        body = bodies[min(calls[0], len(bodies) - 1)]
        calls[0] += 1
        req.send_response(200)
        req.send_header("Content-Type", "audio/mpeg")
        req.send_header("Connection", "close")
        req.end_headers()
        req.wfile.write(body)
        req.wfile.flush()
        req.close_connection = True

    return handler


def test_cut_without_content_length_is_caught_by_the_declared_length(
    server: FeedServer, tmp_path: Path
) -> None:
    half = SPEECH[: len(SPEECH) // 2]
    url = server.add("/nolength.mp3", Route(handler=close_delimited([half, SPEECH])))
    path = fetch(url, tmp_path, expected_bytes=len(SPEECH))
    assert path.read_bytes() == SPEECH
    assert server.hits("/nolength.mp3") == 2


def test_cut_without_content_length_every_time_fails(server: FeedServer, tmp_path: Path) -> None:
    cuts = [SPEECH[:4000], SPEECH[:7000], SPEECH[:9000]]
    url = server.add("/nolength.mp3", Route(handler=close_delimited(cuts)))
    expect_failure(
        url,
        tmp_path,
        f"episode audio download ended after 9000 of the {len(SPEECH)} bytes the feed declares",
        expected_bytes=len(SPEECH),
    )


def test_stale_declared_length_does_not_block_a_complete_file(
    server: FeedServer, tmp_path: Path
) -> None:
    # The feed declares twice the real size (publishers re-encode and forget the length): the
    # same size twice in a row is the real file, not a cut.
    url = server.add("/stale.mp3", Route(handler=close_delimited([SPEECH])))
    assert fetch(url, tmp_path, expected_bytes=2 * len(SPEECH)).read_bytes() == SPEECH
    assert server.hits("/stale.mp3") == 2


@pytest.mark.parametrize(
    ("body", "what"),
    [
        (b"", "zero bytes"),
        (b"<!DOCTYPE html><html><body>Episode not available</body></html>", "an HTML page"),
        (b"<?xml version='1.0'?><Error><Code>AccessDenied</Code></Error>", "an XML or text"),
        (b'{"error": "expired link"}', "not a known audio format"),
        (b"\x89PNG\r\n\x1a\n" + b"\0" * 100, "not a known audio format"),
    ],
    ids=["zero-bytes", "html", "xml", "json", "png"],
)
def test_non_audio_bytes_are_refused(
    server: FeedServer, tmp_path: Path, body: bytes, what: str
) -> None:
    url = server.add("/ep.mp3", body=body, headers={"Content-Type": "audio/mpeg"})
    expect_failure(url, tmp_path, f"episode audio is {what}.*, not audio: {url}")


def test_over_the_size_cap_by_content_length(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/big.mp3", body=SPEECH)
    expect_failure(
        url,
        tmp_path,
        f"episode audio is {len(SPEECH)} bytes, over the 10000-byte cap",
        max_bytes=10_000,
    )


def test_over_the_size_cap_without_content_length(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/big.mp3", Route(handler=close_delimited([SPEECH * 4])))
    expect_failure(url, tmp_path, "episode audio exceeds the 30000-byte cap", max_bytes=30_000)
    assert server.hits("/big.mp3") == 1  # a cap is final, not retried


def test_over_the_size_cap_local_file(tmp_path: Path) -> None:
    expect_failure(
        str(AUDIO / "speech_short.mp3"), tmp_path, "over the 1000-byte cap", max_bytes=1000
    )
    expect_failure(str(tmp_path / "nope.mp3"), tmp_path, "episode audio not found")


def _trickle(req: BaseHTTPRequestHandler) -> None:
    try:
        req.send_response(200)
        req.send_header("Content-Length", str(len(SPEECH)))
        req.end_headers()
        for i in range(0, len(SPEECH), 10):
            req.wfile.write(SPEECH[i : i + 10])
            req.wfile.flush()
            time.sleep(0.05)
    except OSError:
        pass


def test_trickling_download_hits_the_time_cap(server: FeedServer, tmp_path: Path) -> None:
    url = server.add("/trickle.mp3", Route(handler=_trickle))
    started = time.monotonic()
    expect_failure(url, tmp_path, "episode audio download took longer than 1 s", max_seconds=1.0)
    assert time.monotonic() - started < 3


def test_stalled_download_times_out_after_retries(server: FeedServer, tmp_path: Path) -> None:
    def stall(req: BaseHTTPRequestHandler) -> None:
        time.sleep(2)

    url = server.add("/stall.mp3", Route(handler=stall))
    expect_failure(url, tmp_path, "episode audio download timed out", timeout_s=0.3, retries=1)
    assert server.hits("/stall.mp3") == 2


def test_partial_files_of_killed_runs_are_cleaned_up(server: FeedServer, tmp_path: Path) -> None:
    dest = audio_path_for(tmp_path, "0123456789abcdef0123")
    dest.parent.mkdir(parents=True)
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    stale = dest.with_name(dest.name + f".part-{int(dead.stdout)}")
    stale.write_bytes(b"half a file from a SIGKILLed run")
    live = dest.with_name(dest.name + ".part-1")  # pid 1 is alive: another process's download
    live.write_bytes(b"in progress elsewhere")
    url = server.add("/ok.mp3", body=SPEECH)
    fetch(url, tmp_path)
    assert not stale.exists()
    assert live.exists()


def refuse_first(
    times: int, status: int, retry_after: str, body: bytes
) -> Callable[[BaseHTTPRequestHandler], None]:
    """Answer `status` with `Retry-After` the first `times` requests, then `body`."""
    calls = [0]

    def handler(req: BaseHTTPRequestHandler) -> None:
        calls[0] += 1
        refused = calls[0] <= times
        payload = b"slow down" if refused else body
        req.send_response(status if refused else 200)
        if refused:
            req.send_header("Retry-After", retry_after)
        req.send_header("Content-Length", str(len(payload)))
        req.end_headers()
        req.wfile.write(payload)

    return handler


def test_rate_limited_audio_waits_as_asked_then_downloads(
    server: FeedServer, tmp_path: Path
) -> None:
    # 429 is "come back later", not "gone": retried, after the Retry-After the server asked.
    url = server.add("/busy.mp3", Route(handler=refuse_first(1, 429, "1", SPEECH)))
    started = time.monotonic()
    assert fetch(url, tmp_path).read_bytes() == SPEECH
    assert server.hits("/busy.mp3") == 2
    assert time.monotonic() - started >= 0.9  # the backoff alone would be 0.01 s in tests


def test_rate_limited_audio_asking_for_hours_is_left_for_the_next_run(
    server: FeedServer, tmp_path: Path
) -> None:
    from podsift.tasks.core.errors import RateLimitedError

    url = server.add("/later.mp3", Route(handler=refuse_first(9, 429, "7200", SPEECH)))
    started = time.monotonic()
    # Not an AudioError: nothing is wrong with the episode, so it uses up no attempt (see
    # tests/e2e/test_reliability_disk.py).
    with pytest.raises(RateLimitedError) as err:
        fetch(url, tmp_path)
    assert str(err.value) == (
        "episode audio download rate limited (HTTP 429): the server asks to wait 7200 s, "
        f"left for the next run: {url}"
    )
    assert leftovers(tmp_path / "audio") == []
    assert server.hits("/later.mp3") == 1
    assert time.monotonic() - started < 2


def _video_without_sound() -> bytes:
    """A real 3-frame MP4 with a video stream and no audio, made with PyAV (no ffmpeg CLI)."""
    import io

    import av
    import numpy as np

    buf = io.BytesIO()
    with av.open(buf, mode="w", format="mp4") as out:
        stream = out.add_stream("mpeg4", rate=5)
        stream.width = stream.height = 32
        stream.pix_fmt = "yuv420p"
        black = np.zeros((32, 32, 3), dtype=np.uint8)
        for _ in range(3):
            out.mux(stream.encode(av.VideoFrame.from_ndarray(black, format="rgb24")))
        out.mux(stream.encode())
    return buf.getvalue()


def _id3_tag_only() -> bytes:
    """An ID3v2.3 tag (a title and a small 'cover') and nothing after it."""

    def frame(fid: bytes, data: bytes) -> bytes:
        return fid + len(data).to_bytes(4, "big") + b"\0\0" + data

    body = frame(b"TIT2", b"\0Cover only") + frame(b"APIC", b"\0image/png\0\x03\0" + b"\x89PNG")
    size = bytes((len(body) >> shift) & 0x7F for shift in (21, 14, 7, 0))
    return b"ID3\x03\0\0" + size + body


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (_video_without_sound, "episode audio is a video without a sound track, nothing to "),
        (_id3_tag_only, r"episode audio is only an ID3 tag \(title, cover art\) with no audio"),
    ],
    ids=["video-without-sound", "id3-tag-only"],
)
def test_files_with_nothing_to_transcribe_are_named(
    server: FeedServer, tmp_path: Path, body: Callable[[], bytes], message: str
) -> None:
    """They sniff as MP4 / MP3, and used to fail later as `IndexError: tuple index out of
    range` or `InvalidDataError: ... '<staged path>'`."""
    url = server.add("/ep.mp4", body=body(), headers={"Content-Type": "audio/mp4"})
    expect_failure(url, tmp_path, message)
    assert server.hits("/ep.mp4") == 1  # final, not retried


def test_video_enclosure_with_sound_downloads(server: FeedServer, tmp_path: Path) -> None:
    """An MP4 whose sound track is the episode (served as audio/mp4) is audio enough."""
    import io

    import av

    out_buf = io.BytesIO()
    with av.open(io.BytesIO(SPEECH)) as src, av.open(out_buf, mode="w", format="mp4") as out:
        stream = out.add_stream("aac", rate=16000)
        for frame in src.decode(audio=0):
            frame.pts = None
            out.mux(stream.encode(frame))
        out.mux(stream.encode())
    url = server.add("/ep.m4a", body=out_buf.getvalue())
    assert fetch(url, tmp_path).stat().st_size == len(out_buf.getvalue())


def _transcoded(container: str, codec: str, rate: int, **options: object) -> bytes:
    """`SPEECH` in another container, made with PyAV (FFmpeg), as a publisher's encoder would."""
    import io

    import av

    out_buf = io.BytesIO()
    with av.open(io.BytesIO(SPEECH)) as src, av.open(out_buf, "w", format=container) as out:
        stream = out.add_stream(codec, rate=rate)
        stream.layout = "mono"
        for name, value in options.items():
            setattr(stream, name, value)
        resampler = av.AudioResampler(format=stream.format.name, layout="mono", rate=rate)
        for frame in src.decode(audio=0):
            for piece in resampler.resample(frame):
                piece.pts = None
                out.mux(stream.encode(piece))
        out.mux(stream.encode())
    return out_buf.getvalue()


def _amr_frames(seconds: int) -> bytes:
    """An AMR-NB file written frame by frame: FFmpeg builds without libopencore cannot encode
    AMR, but every build decodes it. The magic line (RFC 4867, section 5), then 20-ms frames of
    the 12.2 kbit/s mode: a header byte (frame type 7, quality bit set) and 31 bytes of
    parameters; any bits decode, as noise."""
    rng = random.Random(7)
    frame = bytes([7 << 3 | 1 << 2])
    return b"#!AMR\n" + b"".join(frame + rng.randbytes(31) for _ in range(50 * seconds))


@pytest.mark.parametrize(
    ("name", "container", "codec", "rate", "options", "fmt"),
    [
        ("sermon.wma", "asf", "wmav2", 22050, {"bit_rate": 32000}, "wma"),
        ("master.aiff", "aiff", "pcm_s16be", 16000, {}, "aiff"),
        ("memo.amr", "amr", "", 8000, {}, "amr"),
        ("take.caf", "caf", "pcm_s16le", 16000, {}, "caf"),
    ],
)
def test_older_containers_ffmpeg_decodes_download(
    server: FeedServer,
    tmp_path: Path,
    name: str,
    container: str,
    codec: str,
    rate: int,
    options: dict[str, object],
    fmt: str,
) -> None:
    """Windows Media, AIFF, AMR and Core Audio files: `podsift transcribe` read them, but a
    run refused each as `episode audio is not a known audio format, not audio`."""
    body = (
        _amr_frames(seconds=2)
        if container == "amr"
        else _transcoded(container, codec, rate, **options)
    )
    url = server.add(f"/{name}", body=body, headers={"Content-Type": "application/octet-stream"})
    staged = download_audio(url, audio_path_for(tmp_path, "0123456789abcdef0123"), max_bytes=CAP)
    assert (staged.format, staged.size) == (fmt, len(body))


@pytest.mark.parametrize("url", ["ftp://example.org/a.mp3", "data:audio/mpeg;base64,SUQz"])
def test_other_url_schemes_are_named_not_looked_up_as_files(url: str, tmp_path: Path) -> None:
    """A local feed may list them; they used to fail as `episode audio not found: ftp:/...`."""
    scheme = url.split(":", 1)[0]
    expect_failure(url, tmp_path, f"episode audio URL is {scheme}:, which podsift does not fetch")


def test_a_run_start_sweeps_every_staging_folder(tmp_path: Path) -> None:
    # A run killed mid-write leaves its part file; if the next run writes nothing more in that
    # folder, only the sweep at its start removes it.
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"],
        check=True,
        capture_output=True,
        text=True,
    )
    pid = int(dead.stdout)
    stale = [
        tmp_path / "audio" / f"{'a' * 20}.audio.part-{pid}",
        tmp_path / "transcripts" / f"{'b' * 20}.json.tmp-{pid}",
        tmp_path / "adfree" / f"{'c' * 20}-0123456789.mp3.tmp-{pid}",
    ]
    kept = [
        tmp_path / "adfree" / f"{'d' * 20}-0123456789.mp3.tmp-1",  # pid 1 is alive
        tmp_path / "adfree" / f"{'d' * 20}-0123456789.mp3",  # a finished copy
    ]
    for path in stale + kept:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(b"x")
    sweep_stale_parts(tmp_path)
    assert [path.exists() for path in stale] == [False, False, False]
    assert [path.exists() for path in kept] == [True, True]
