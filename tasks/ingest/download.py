"""Download an episode's audio into `data_dir`, safely.

The file is streamed to a temporary name beside its target and renamed only once it is complete
and looks like audio, so a crash or a cut connection never leaves a half file under the final
name. File names come from the episode id (a hash), never from the feed.
"""

from __future__ import annotations

import contextlib
import hashlib
import os
import re
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx

from podsift.tasks.core.errors import AudioError, RateLimitedError, StorageError
from podsift.tasks.core.http import (
    IncompleteBodyError,
    RetryableHTTPError,
    client_for,
    describe_network_error,
    http_status,
    is_http_url,
    is_long_rate_limit,
    raise_for_retryable_status,
    undecodable_encoding,
    url_problem,
    with_retries,
)

CHUNK = 256 * 1024
# The whole download, retries included. httpx's timeout bounds each wait for bytes, so a server
# that trickles a few bytes at a time would otherwise hold a download open for ever.
MAX_DOWNLOAD_SECONDS = 30 * 60.0
# Without a Content-Length, a body shorter than this share of the enclosure's declared length
# may be a cut connection. Feeds' declared lengths are often stale, so a short body is retried,
# and accepted when a second try gives exactly the same size.
SHORT_BODY_SHARE = 0.9


@dataclass(frozen=True, slots=True)
class StagedAudio:
    path: Path
    size: int
    sha256: str
    format: str


def audio_path_for(data_dir: Path, episode_id: str) -> Path:
    return data_dir / "audio" / f"{episode_id}.audio"


def sniff_audio(head: bytes) -> str | None:
    """Name the audio container from the first bytes, or None when it is not audio we know."""
    if head.startswith(b"ID3"):
        return "mp3"
    if len(head) >= 2 and head[0] == 0xFF and (head[1] & 0xE0) == 0xE0:
        return "mp3" if (head[1] & 0x06) else "aac"  # layer bits 00 mean ADTS AAC
    if head.startswith(b"OggS"):
        return "ogg"
    if head.startswith(b"RIFF") and head[8:12] == b"WAVE":
        return "wav"
    if head.startswith(b"fLaC"):
        return "flac"
    if head[4:8] == b"ftyp":
        return "mp4"
    if head.startswith(b"\x1a\x45\xdf\xa3"):
        return "webm"
    # Older and rarer containers FFmpeg decodes as well (`podsift transcribe` always read them;
    # a run refused them as "not a known audio format"): Windows Media (an ASF header), AIFF,
    # AMR voice memos, Core Audio.
    if head.startswith(b"\x30\x26\xb2\x75\x8e\x66\xcf\x11"):
        return "wma"
    if head.startswith(b"FORM") and head[8:12] in (b"AIFF", b"AIFC"):
        return "aiff"
    if head.startswith(b"#!AMR"):
        return "amr"
    if head.startswith(b"caff"):
        return "caf"
    return None


def _describe_not_audio(head: bytes) -> str:
    text = head.lstrip()[:64].lower()
    if text.startswith((b"<!doctype html", b"<html")) or b"<html" in text:
        return "an HTML page"
    if text.startswith((b"<?xml", b"<rss", b"<")):
        return "an XML or text document"
    if not head:
        return "zero bytes"
    return "not a known audio format"


def download_audio(
    url: str,
    dest: Path,
    *,
    max_bytes: int,
    timeout_s: float = 60.0,
    retries: int = 3,
    client: httpx.Client | None = None,
    max_seconds: float = MAX_DOWNLOAD_SECONDS,
    expected_bytes: int | None = None,
) -> StagedAudio:
    """Fetch `url` (http(s) or a local path) to `dest`.

    Args:
        url: the enclosure URL, or a local path.
        dest: the final file; named by the caller from the episode id.
        max_bytes: refuse anything larger.
        timeout_s: the longest wait for a connection or for the next bytes.
        retries: further tries after a timeout, a dropped connection or a 5xx.
        client: an httpx client to use instead of a fresh one.
        max_seconds: the whole download, retries included, must end within this.
        expected_bytes: the enclosure's declared length, to catch a cut connection when the
            server sends no Content-Length.

    Returns:
        The staged file with its size and SHA-256.

    Raises:
        AudioError: 4xx, network failure after retries, over `max_bytes`, too slow, cut short,
            or not audio.
        StorageError: the file cannot be written under `dest`'s folder (a full disk).
        RateLimitedError: a 429 asking for a longer wait than `MAX_RETRY_AFTER_S`.
    """
    scheme = urlsplit(url).scheme.lower()
    if len(scheme) > 1 and scheme not in ("http", "https"):  # one letter: a Windows drive
        raise AudioError(
            f"episode audio URL is {scheme}:, which podsift does not fetch (http, https or a "
            f"local file only): {url}"
        )
    tmp = dest.with_name(dest.name + f".part-{os.getpid()}")
    try:
        dest.parent.mkdir(parents=True, exist_ok=True)
        _remove_stale_parts(dest)
        if is_http_url(url):
            _fetch_http(
                url,
                tmp,
                max_bytes=max_bytes,
                timeout_s=timeout_s,
                retries=retries,
                client=client,
                max_seconds=max_seconds,
                expected_bytes=expected_bytes,
            )
        else:
            _copy_local(Path(url), tmp, max_bytes=max_bytes)
        staged = _check_audio(tmp, url)
        os.replace(tmp, dest)
        return StagedAudio(dest, staged.size, staged.sha256, staged.format)
    except OSError as exc:
        # Our side failed (a full disk, a read-only or missing data_dir), not the episode's
        # audio: say where, so the user can make room; the episode is tried again next run.
        raise StorageError(
            f"cannot stage episode audio in {dest.parent}: {exc.strerror or exc} "
            f"(data_dir full or not writable?): {url}"
        ) from exc
    finally:
        with contextlib.suppress(OSError):  # data_dir itself is unusable; the error says so
            tmp.unlink(missing_ok=True)


def _remove_stale_parts(dest: Path) -> None:
    remove_stale_parts(dest.parent, dest.name + ".part-*")


def remove_stale_parts(folder: Path, pattern: str) -> None:
    """Delete the temporary files in `folder` matching `pattern` (each named `...-<pid>`) that
    processes which died left behind (SIGKILL skips `finally`)."""
    for part in folder.glob(pattern):
        pid = part.name.rsplit("-", 1)[-1]
        if pid.isdigit() and int(pid) != os.getpid() and not _alive(int(pid)):
            part.unlink(missing_ok=True)


# The folders of data_dir whose files are written under a temporary name and renamed.
STAGED_FOLDERS = ("audio", "transcripts", "adfree")


def sweep_stale_parts(data_dir: Path) -> None:
    """Delete what killed runs were writing anywhere in `data_dir` (called as a run starts).

    Each writer also sweeps its own folder before it writes, but a run with nothing left to write
    in a folder would otherwise leave a killed run's part file there for ever.
    """
    for name in STAGED_FOLDERS:
        folder = data_dir / name
        if folder.is_dir():
            remove_stale_parts(folder, "*.part-*")
            remove_stale_parts(folder, "*.tmp-*")


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: alive
        return True
    return True


def _fetch_http(
    url: str,
    tmp: Path,
    *,
    max_bytes: int,
    timeout_s: float,
    retries: int,
    client: httpx.Client | None,
    max_seconds: float,
    expected_bytes: int | None,
) -> None:
    problem = url_problem(url)
    if problem:
        raise AudioError(f"episode audio URL is not a valid URL ({problem}): {url}")
    deadline = time.monotonic() + max_seconds
    short_sizes: list[int] = []  # sizes of bodies that ended short of `expected_bytes`

    def attempt(http: httpx.Client) -> None:
        with http.stream("GET", url) as response:
            raise_for_retryable_status(response)
            if response.status_code == 404 or response.status_code == 410:
                raise AudioError(f"episode audio not found (HTTP {response.status_code}): {url}")
            if response.status_code >= 400:
                raise AudioError(f"episode audio refused ({http_status(response)}): {url}")
            if 300 <= response.status_code < 400:  # httpx follows those with a Location
                raise AudioError(
                    f"episode audio redirect ({http_status(response)}) has no Location header "
                    f"to follow: {url}"
                )
            undecodable = undecodable_encoding(response)
            if undecodable:
                raise AudioError(f"episode audio download: {undecodable}: {url}")
            part = partial_content(response)
            if part:
                raise IncompleteBodyError(part)
            declared = int(response.headers.get("content-length") or 0)
            if declared > max_bytes:
                raise AudioError(
                    f"episode audio is {declared} bytes, over the {max_bytes}-byte cap: {url}"
                )
            written = 0
            with open(tmp, "wb") as fh:
                # No chunk size: each network read is checked against the caps as it arrives.
                for chunk in response.iter_bytes():
                    written += len(chunk)
                    if written > max_bytes:
                        raise AudioError(f"episode audio exceeds the {max_bytes}-byte cap: {url}")
                    if time.monotonic() > deadline:
                        raise AudioError(
                            f"episode audio download took longer than {max_seconds:.0f} s "
                            f"({written} bytes so far), given up: {url}"
                        )
                    fh.write(chunk)
            if (
                not declared
                and expected_bytes
                and written < expected_bytes * SHORT_BODY_SHARE
                and written not in short_sizes
            ):
                short_sizes.append(written)
                raise IncompleteBodyError(
                    f"ended after {written} of the {expected_bytes} bytes the feed declares"
                )

    try:
        with client_for(timeout_s, client) as http:
            with_retries(lambda: attempt(http), retries=retries)
    except (httpx.HTTPError, RetryableHTTPError, IncompleteBodyError, UnicodeError) as exc:
        why = describe_network_error(exc)
        if isinstance(exc, httpx.TimeoutException):
            # Name the bound, so a user can tell a dead server from a setting set too low.
            tries = f"each of {retries + 1} tries" if retries else "one try"
            why += f" (no answer for {timeout_s:g} s, download.timeout_s, on {tries})"
        message = f"episode audio download {why}: {url}"
        if is_long_rate_limit(exc):
            raise RateLimitedError(message) from exc
        raise AudioError(message) from exc


_CONTENT_RANGE = re.compile(r"^\s*bytes\s+(\d+)-(\d+)/(\d+|\*)\s*$", re.IGNORECASE)


def partial_content(response: httpx.Response) -> str | None:
    """Why a 206 answer to podsift's request for the whole file is not the whole file, or None.

    podsift sends no Range header, yet some CDNs answer 206 with the first chunk alone; read as
    the episode, that chunk was transcribed as "no speech found" and the episode skipped for
    good. A 206 whose Content-Range covers the whole file (`bytes 0-N/N+1`) is the file.
    """
    if response.status_code != 206:
        return None
    header = response.headers.get("content-range", "")
    match = _CONTENT_RANGE.match(header)
    if match:
        first, last, total = match.groups()
        if first == "0" and total != "*" and int(last) + 1 == int(total):
            return None
        return (
            f"answered 206 Partial Content with bytes {first}-{last} of {total}, not the "
            "whole file it was asked for"
        )
    shown = f"Content-Range {header!r}" if header else "no Content-Range"
    return f"answered 206 Partial Content ({shown}) to a request for the whole file"


def _copy_local(src: Path, tmp: Path, *, max_bytes: int) -> None:
    try:
        size = src.stat().st_size
    except FileNotFoundError:
        raise AudioError(f"episode audio not found: {src}") from None
    if size > max_bytes:
        raise AudioError(f"episode audio is {size} bytes, over the {max_bytes}-byte cap: {src}")
    try:
        source = open(src, "rb")  # noqa: SIM115 (closed below; read errors are the source's)
    except OSError as exc:
        raise AudioError(f"cannot read episode audio {src}: {exc.strerror or exc}") from None
    with source, open(tmp, "wb") as out:  # write errors are data_dir's (see download_audio)
        shutil.copyfileobj(source, out, CHUNK)


def _check_audio(path: Path, url: str) -> StagedAudio:
    digest = hashlib.sha256()
    size = 0
    with open(path, "rb") as fh:
        head = fh.read(64)
        digest.update(head)
        size += len(head)
        while chunk := fh.read(CHUNK):
            digest.update(chunk)
            size += len(chunk)
    fmt = sniff_audio(head)
    if fmt is None:
        raise AudioError(f"episode audio is {_describe_not_audio(head)}, not audio: {url}")
    if fmt == "mp3" and head.startswith(b"ID3") and _id3_tag_size(head) >= size:
        raise AudioError(
            f"episode audio is only an ID3 tag (title, cover art) with no audio after it: {url}"
        )
    _check_audio_track(path, url, fmt)
    return StagedAudio(path, size, digest.hexdigest(), fmt)


def _id3_tag_size(head: bytes) -> int:
    """Bytes an ID3v2 tag takes at the start of a file: header, body, optional footer."""
    body = 0
    for byte in head[6:10]:
        body = (body << 7) | (byte & 0x7F)  # "syncsafe": 7 bits per byte
    footer = 10 if len(head) > 5 and head[5] & 0x10 else 0
    return 10 + body + footer


def _check_audio_track(path: Path, url: str, fmt: str) -> None:
    """Open the container and make sure it has an audio stream.

    A video without sound, or an MP4/WebM holding only subtitles, sniffs as a known container
    but has nothing to transcribe; decoding it later fails with an IndexError from deep inside
    PyAV, so name the problem here. Decoding errors past the headers are the transcriber's.

    Raises:
        AudioError: no audio stream, or a container PyAV cannot open at all.
    """
    import av

    try:
        with av.open(str(path), mode="r", metadata_errors="ignore") as container:
            has_audio = bool(container.streams.audio)
            has_video = bool(container.streams.video)
    except Exception as exc:  # noqa: BLE001 (PyAV raises its own error tree for bad input)
        reason = exc.__class__.__name__
        raise AudioError(
            f"audio cannot be decoded ({reason}: not a readable {fmt} file): {url}"
        ) from exc
    if not has_audio:
        what = "a video without a sound track" if has_video else "a file without an audio stream"
        raise AudioError(f"episode audio is {what}, nothing to transcribe: {url}")
