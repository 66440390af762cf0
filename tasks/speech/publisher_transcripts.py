"""Transcripts the publisher ships with an episode (`podcast:transcript`), used instead of Whisper.

A feed item may link several transcripts of one episode in different formats. The best is the
one with the finest times: JSON (the podcast namespace's format, or faster-whisper's shape with
words), then WebVTT, then SRT. HTML and plain text carry no times and are skipped.

`fetch_publisher_transcript` talks to the network (or reads a local file) and tries the links
best first; `parse_*` are pure and turn a document into sentence-sized segments. Cue text is
spread over its cue's time by character length, so each word gets an estimated time and the
segments can be re-cut at sentence ends like Whisper's.
"""

from __future__ import annotations

import html
import json
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlparse

import httpx

from podsift.tasks.core.errors import PodsiftError
from podsift.tasks.core.http import (
    RetryableHTTPError,
    client_for,
    describe_network_error,
    http_status,
    is_http_url,
    raise_for_retryable_status,
)
from podsift.tasks.core.http import with_retries as _with_retries
from podsift.tasks.core.records import (
    MAX_TIME_S,
    EpisodeItem,
    Segment,
    Transcript,
    Word,
    segments_from_json,
)
from podsift.tasks.core.sentences import split_segments
from podsift.tasks.core.timefmt import format_clock

MAX_TRANSCRIPT_BYTES = 20 * 1024 * 1024

# Formats in order of preference; lower ranks win.
FORMAT_RANK = {"json": 0, "vtt": 1, "srt": 2}
_MIME_FORMATS = {
    "application/json": "json",
    "text/json": "json",
    "text/vtt": "vtt",
    "application/x-subrip": "srt",
    "application/srt": "srt",
    "text/srt": "srt",
    "text/x-srt": "srt",
}
_EXTENSION_FORMATS = {".json": "json", ".vtt": "vtt", ".srt": "srt"}

_TIMESTAMP = re.compile(r"(?:(\d+):)?(\d{1,2}):(\d{2})[.,](\d{1,3})")
_CUE_TIMING = re.compile(rf"^\s*({_TIMESTAMP.pattern})\s*-->\s*({_TIMESTAMP.pattern})")
_TAG = re.compile(r"<[^>]*>")
# How far a transcript's last cue may run past the duration the feed declares: declared
# durations are rounded, and dynamically inserted ads make the served file longer than the
# master the transcript was made from.
OVERRUN_SHARE = 1.25
OVERRUN_SLACK_S = 60.0


class TranscriptFetchError(PodsiftError):
    """A publisher transcript could not be fetched or parsed."""


@dataclass(frozen=True, slots=True)
class TranscriptLink:
    """One `podcast:transcript` of an item, with the format podsift reads it as."""

    url: str
    mime_type: str
    format: str  # json, vtt or srt


def transcript_format(url: str, mime_type: str) -> str | None:
    """The format of a transcript link, from its type attribute or else its file extension.

    Returns:
        `json`, `vtt` or `srt`; None for formats without times (HTML, plain text).
    """
    mime = mime_type.split(";", 1)[0].strip().lower()
    if mime in _MIME_FORMATS:
        return _MIME_FORMATS[mime]
    if mime and mime not in ("application/octet-stream", "binary/octet-stream"):
        return None  # text/html, text/plain: no times to use
    suffix = Path(urlparse(url).path).suffix.lower()
    return _EXTENSION_FORMATS.get(suffix)


def rank_transcripts(links: Sequence[tuple[str, str]]) -> list[TranscriptLink]:
    """The usable links of an item, best first (JSON, VTT, SRT; feed order within a format)."""
    usable = []
    for url, mime in links:
        fmt = transcript_format(url, mime)
        if fmt is not None:
            usable.append(TranscriptLink(url, mime, fmt))
    return sorted(usable, key=lambda link: FORMAT_RANK[link.format])


# --- parsing (pure) -----------------------------------------------------------------------------


def _seconds(match: re.Match[str]) -> float:
    hours, minutes, secs, frac = match.groups()
    return int(hours or 0) * 3600 + int(minutes) * 60 + int(secs) + int(frac.ljust(3, "0")) / 1000.0


def _parse_time(text: str) -> float:
    match = _TIMESTAMP.fullmatch(text.strip())
    if match is None:
        raise ValueError(f"bad cue time {text!r}")
    return _seconds(match)


def _cue_text(lines: Sequence[str]) -> str:
    """Cue lines as plain text: tags (<v Name>, <i>, inline times) and entities removed."""
    return html.unescape(" ".join(_TAG.sub("", line).strip() for line in lines)).strip()


def _cues(text: str) -> list[tuple[float, float, str]]:
    """(start, end, text) of every timed cue in a WebVTT or SRT document."""
    cues = []
    blocks = re.split(r"\n\s*\n", text.replace("\r\n", "\n").replace("\r", "\n").lstrip("\ufeff"))
    for block in blocks:
        lines = block.strip("\n").split("\n")
        for i, line in enumerate(lines):
            match = _CUE_TIMING.match(line)
            if match is None:
                continue
            start = _parse_time(match.group(1))
            end = _parse_time(match.group(6))
            body = _cue_text(lines[i + 1 :])
            if body and end >= start:
                cues.append((start, end, body))
            break
    return cues


def parse_vtt(text: str) -> list[Segment]:
    """A WebVTT document as sentence-sized segments.

    Raises:
        TranscriptFetchError: not WebVTT, or no timed cue in it.
    """
    if not text.lstrip("\ufeff \n").startswith("WEBVTT"):
        raise TranscriptFetchError("not a WebVTT document (no WEBVTT header)")
    return _sentences_from_cues(_cues(text), "WebVTT")


def parse_srt(text: str) -> list[Segment]:
    """An SRT document as sentence-sized segments.

    Raises:
        TranscriptFetchError: no timed cue in it.
    """
    return _sentences_from_cues(_cues(text), "SRT")


def parse_json_transcript(data: Any) -> list[Segment]:
    """The podcast namespace's JSON transcript, or faster-whisper's shape, as sentence segments.

    The namespace format is `{"segments": [{"startTime", "endTime", "body", "speaker"?}]}`,
    often one word per segment; faster-whisper's is DESIGN.md's transcript JSON.

    Raises:
        TranscriptFetchError: neither shape.
    """
    raw = data.get("segments") if isinstance(data, dict) else data
    if isinstance(raw, list) and raw and isinstance(raw[0], dict) and "body" in raw[0]:
        return _sentences_from_cues([c for i, s in enumerate(raw) if (c := _cue(i, s))], "JSON")
    try:
        segments = segments_from_json(data)
    except ValueError as exc:
        raise TranscriptFetchError(f"JSON transcript: {exc}") from exc
    if not segments:
        raise TranscriptFetchError("JSON transcript holds no segments")
    return split_segments([_with_words(s) for s in segments])


def _cue(index: int, segment: Any) -> tuple[float, float, str] | None:
    """One segment of the podcast namespace's JSON as a cue; None when it holds no words.

    Raises:
        TranscriptFetchError: not an object, or times that are no times (NaN, negative,
            ending before they start), in one sentence.
    """
    what = f"JSON transcript segment {index}"
    if not isinstance(segment, dict):
        raise TranscriptFetchError(f"{what} is not an object")
    body = segment.get("body")
    if body is None or not str(body).strip():
        return None
    try:
        start, end = float(segment["startTime"]), float(segment["endTime"])
    except KeyError as missing:
        raise TranscriptFetchError(f"{what} has no {missing}") from None
    except (TypeError, ValueError):
        raise TranscriptFetchError(f"{what} has a startTime or endTime that is no number") from None
    if not (math.isfinite(start) and math.isfinite(end)) or start < 0 or end < start:
        raise TranscriptFetchError(
            f"{what} has impossible times (startTime {start:g}, endTime {end:g})"
        )
    return start, end, str(body).strip()


def _with_words(segment: Segment) -> Segment:
    if segment.words or not segment.text.strip():
        return segment
    return Segment(segment.start, segment.end, segment.text, _spread(segment))


def _spread(segment: Segment) -> tuple[Word, ...]:
    """Words of a cue with times spread over the cue by character length (Whisper's style:
    each word after the first starts with a space)."""
    tokens = segment.text.split()
    total = sum(len(t) + 1 for t in tokens)
    span = max(segment.end - segment.start, 0.0)
    words = []
    at = 0
    for i, token in enumerate(tokens):
        start = segment.start + span * at / total
        at += len(token) + 1
        end = segment.start + span * at / total
        words.append(Word(round(start, 3), round(end, 3), token if i == 0 else " " + token))
    return tuple(words)


def _sentences_from_cues(cues: list[tuple[float, float, str]], kind: str) -> list[Segment]:
    """Cues re-cut into sentences: a cue may end mid-sentence or hold several sentences."""
    if not cues:
        raise TranscriptFetchError(f"{kind} transcript holds no timed cues")
    words: list[Word] = []
    for start, end, body in sorted(cues, key=lambda c: c[0]):
        spread = _spread(Segment(start, end, body))
        if spread:
            first = spread[0]
            words.append(Word(first.start, first.end, " " + first.word.lstrip()))
            words.extend(spread[1:])
    if not words:
        raise TranscriptFetchError(f"{kind} transcript holds no words")
    text = "".join(w.word for w in words).strip()
    return split_segments([Segment(words[0].start, words[-1].end, text, tuple(words))])


def parse_transcript(content: bytes, fmt: str) -> list[Segment]:
    """Parse a fetched transcript document of format `fmt` (json, vtt, srt).

    Raises:
        TranscriptFetchError: undecodable or not that format.
    """
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("latin-1")
    if fmt == "json":
        try:
            data = json.loads(text)
        except ValueError as exc:
            raise TranscriptFetchError(f"transcript is not valid JSON ({exc})") from exc
        return parse_json_transcript(data)
    if fmt == "vtt":
        return parse_vtt(text)
    if fmt == "srt":
        return parse_srt(text)
    raise TranscriptFetchError(f"unknown transcript format {fmt!r}: expected json, vtt or srt")


# --- fetching -----------------------------------------------------------------------------------


def fetch_transcript_document(
    url: str, *, timeout_s: float = 30.0, retries: int = 3, client: httpx.Client | None = None
) -> bytes:
    """GET a transcript (retrying transient failures), or read it when `url` is a local path.

    Raises:
        TranscriptFetchError: network failure after retries, 4xx, oversized, missing file.
    """
    if not is_http_url(url):
        path = Path(urlparse(url).path if url.startswith("file:") else url)
        try:
            if path.stat().st_size > MAX_TRANSCRIPT_BYTES:
                raise TranscriptFetchError(f"transcript {url}: larger than {MAX_TRANSCRIPT_BYTES}")
            return path.read_bytes()
        except OSError as exc:
            raise TranscriptFetchError(f"transcript {url}: cannot read ({exc.strerror})") from exc

    def attempt(http: httpx.Client) -> bytes:
        with http.stream("GET", url) as response:
            raise_for_retryable_status(response)
            if response.status_code >= 400:
                raise TranscriptFetchError(f"transcript {url}: {http_status(response)}")
            body = bytearray()
            for chunk in response.iter_bytes():
                body.extend(chunk)
                if len(body) > MAX_TRANSCRIPT_BYTES:
                    raise TranscriptFetchError(
                        f"transcript {url}: larger than {MAX_TRANSCRIPT_BYTES} bytes"
                    )
            return bytes(body)

    try:
        with client_for(timeout_s, client) as http:
            return _with_retries(lambda: attempt(http), retries=retries)
    except (httpx.HTTPError, RetryableHTTPError) as exc:
        raise TranscriptFetchError(f"transcript {url}: {describe_network_error(exc)}") from exc


def timing_problem(segments: Sequence[Segment], declared_s: float | None) -> str | None:
    """Why a parsed transcript's times cannot be the episode's, or None when they can be.

    A transcript whose cues run far past the end the feed declares (an SRT written for another
    cut, hours typed for minutes), or that times nothing (every cue at 0:00), would be loaded
    with segments, ads and facts at moments the audio does not have; Whisper is used instead.
    """
    last = max(s.end for s in segments)
    if last <= 0:
        return "its cues carry no times (every one at 0:00)"
    limit = MAX_TIME_S
    if declared_s:
        limit = min(limit, declared_s * OVERRUN_SHARE + OVERRUN_SLACK_S)
    if last > limit:
        said = (
            f"the episode's {format_clock(declared_s)} the feed declares"
            if declared_s
            else "a week, longer than any episode"
        )
        return f"its cues run to {format_clock(last)}, past {said}"
    return None


def fetch_publisher_transcript(
    item: EpisodeItem,
    *,
    timeout_s: float = 30.0,
    retries: int = 3,
    language: str = "en",
    client: httpx.Client | None = None,
) -> tuple[Transcript | None, list[str]]:
    """The best publisher transcript of `item` that can be fetched and parsed.

    Links are tried best first; one that fails to fetch or parse gives way to the next.

    Returns:
        (transcript or None, one message per link that failed). The transcript's `source` is
        `publisher:<format>`; None when the item links no usable transcript or all failed.
    """
    failures: list[str] = []
    for link in rank_transcripts(item.transcript_urls):
        try:
            content = fetch_transcript_document(
                link.url, timeout_s=timeout_s, retries=retries, client=client
            )
        except TranscriptFetchError as exc:
            failures.append(str(exc))
            continue
        try:
            segments = parse_transcript(content, link.format)
        except TranscriptFetchError as exc:  # name the link, as a fetch failure does
            failures.append(f"transcript {link.url}: {exc}")
            continue
        if not segments:
            failures.append(f"transcript {link.url}: no text")
            continue
        problem = timing_problem(segments, item.duration_s)
        if problem is not None:
            failures.append(f"transcript {link.url}: {problem}")
            continue
        return (
            Transcript(
                segments=tuple(segments),
                language=language,
                duration_s=item.duration_s,
                source=f"publisher:{link.format}",
            ),
            failures,
        )
    return None, failures
