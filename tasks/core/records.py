"""Shared records passed between stages.

They mirror the public JSON contracts of DESIGN.md: a transcript is a list of `Segment`
(faster-whisper's own shape), ad spans are `AdSpan`, facts are `Fact`.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal, get_args

# Half of a UTF-16 surrogate pair: JSON allows "\ud83d" on its own (a transcript cut in the
# middle of an emoji), Python keeps it, and neither UTF-8 nor DuckDB can store it.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def without_lone_surrogates(text: str) -> str:
    """`text` with lone surrogates replaced by U+FFFD, so that it encodes as UTF-8."""
    return _LONE_SURROGATE.sub("\ufffd", text) if _LONE_SURROGATE.search(text) else text


@dataclass(frozen=True, slots=True)
class Word:
    start: float
    end: float
    word: str


@dataclass(frozen=True, slots=True)
class Segment:
    start: float
    end: float
    text: str
    words: tuple[Word, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {"start": self.start, "end": self.end, "text": self.text}
        if self.words:
            out["words"] = [asdict(w) for w in self.words]
        return out


@dataclass(frozen=True, slots=True)
class Transcript:
    """A transcript: segments plus where it came from.

    `source` is `whisper:<model>` for our own transcriptions or `publisher:<format>` for a
    transcript the feed carried. `warnings` name what makes it less than it should be (damaged
    audio packets skipped, a duration the feed overstates, a publisher transcript that could
    not be used), one sentence each; they are staged with it, so a later load still says so.
    """

    segments: tuple[Segment, ...]
    language: str = "en"
    duration_s: float | None = None
    source: str = "unknown"
    warnings: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "language": self.language,
            "duration": self.duration_s,
            "source": self.source,
            "segments": [s.to_json() for s in self.segments],
        }
        if self.warnings:  # only when there are any: a clean transcript's JSON is as it was
            out["warnings"] = list(self.warnings)
        return out


@dataclass(frozen=True, slots=True)
class AdSpan:
    start: float
    end: float
    confidence: float
    reason: str

    def to_json(self) -> dict[str, Any]:
        return {
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "confidence": round(self.confidence, 3),
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class Fact:
    text: str
    start: float
    end: float
    score: float
    entities: tuple[str, ...] = ()

    def to_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "text": self.text,
            "start": round(self.start, 2),
            "end": round(self.end, 2),
            "score": round(self.score, 4),
            "entities": list(self.entities),  # always present: [] when the fact names none
        }
        return out


@dataclass(frozen=True, slots=True)
class EpisodeItem:
    """One audio item as the feed describes it (before download)."""

    guid: str
    title: str
    audio_url: str
    published_at: datetime | None = None
    duration_s: float | None = None
    description: str = ""
    audio_length: int | None = None  # the enclosure's declared byte length, if any
    audio_type: str | None = None
    transcript_urls: tuple[tuple[str, str], ...] = ()  # (url, mime type) from podcast:transcript


@dataclass(slots=True)
class FeedPoll:
    """What one conditional GET of a feed found."""

    url: str
    not_modified: bool = False
    title: str | None = None
    etag: str | None = None
    last_modified: str | None = None
    new_url: str | None = None  # set when the feed moved permanently
    episodes: list[EpisodeItem] = field(default_factory=list)
    warning: str | None = None  # what the document needed repaired, or lost (feeds.last_warning)
    channel: dict[str, Any] | None = None  # the channel for the ad-free feed (feeds.channel_json)


@dataclass(frozen=True, slots=True)
class FeedState:
    """A feed's poll state as the warehouse keeps it."""

    feed_id: str
    url: str
    current_url: str | None
    etag: str | None
    last_modified: str | None
    last_error: str | None


@dataclass(frozen=True, slots=True)
class KnownEpisode:
    """An episode the warehouse already has, as planning needs it."""

    episode_id: str
    guid: str
    audio_key: str | None
    status: str
    attempts: int


# No episode lasts a week; a time past it is a unit mix-up or junk (1e308 rounds to infinity).
MAX_TIME_S = 7 * 24 * 3600.0
_SEGMENT_SHAPE = '{"start": s, "end": s, "text": str, "words": [...]}'
_SPAN_SHAPE = '{"start": s, "end": s, "confidence": 0..1, "reason": str}'


def _shown(value: Any) -> str:
    """A JSON value as the file wrote it, short: NaN, true, null, "1.5", [...]."""
    if isinstance(value, list):
        return "a list"
    if isinstance(value, dict):
        return "an object"
    text = json.dumps(value, ensure_ascii=False)  # NaN and Infinity as JSON readers write them
    return text if len(text) <= 40 else text[:37] + "..."


def _seconds(raw: dict[str, Any], key: str, what: str) -> float:
    """`raw[key]` as a time in seconds: a finite number from 0 up to a week.

    Raises:
        ValueError: one sentence naming `what` ("transcript segment 3") and the key.
    """
    if key not in raw:
        raise ValueError(f"{what} has no '{key}'")
    value = raw[key]
    number: float | None = None
    if isinstance(value, int | float) and not isinstance(value, bool):
        number = float(value)
    elif isinstance(value, str):  # "1.5": some tools write numbers as strings
        with contextlib.suppress(ValueError):
            number = float(value)
    if number is None:
        raise ValueError(f"{what} has {key} {_shown(value)}, not a number of seconds")
    if not math.isfinite(number):
        raise ValueError(f"{what} has {key} {_shown(value)}, not a finite number of seconds")
    if number < 0:
        raise ValueError(f"{what} has {key} {number:g} s: times cannot be negative")
    if number > MAX_TIME_S:
        raise ValueError(
            f"{what} has {key} {number:g} s, more than a week: no episode is that long"
        )
    return number


def _time_range(raw: dict[str, Any], what: str) -> tuple[float, float]:
    start, end = _seconds(raw, "start", what), _seconds(raw, "end", what)
    if end < start:
        raise ValueError(f"{what} ends before it starts (start {start:g} s, end {end:g} s)")
    return start, end


def _text(raw: dict[str, Any], key: str, what: str) -> str:
    """A text field; null is no text (some tools write it for a segment without speech)."""
    if key not in raw:
        raise ValueError(f"{what} has no '{key}'")
    value = raw[key]
    if value is None:
        return ""
    if not isinstance(value, str):
        raise ValueError(f"{what} has {key} {_shown(value)}, not a string")
    return value


def _words_from_json(raw: dict[str, Any], what: str) -> tuple[Word, ...]:
    listed = raw.get("words")
    if listed is None:
        return ()
    if not isinstance(listed, list):
        raise ValueError(f"{what} has words {_shown(listed)}, not a list of words")
    words = []
    for j, w in enumerate(listed):
        where = f"word {j} of {what}"
        if not isinstance(w, dict):
            raise ValueError(f"{where} is {_shown(w)}, not an object")
        if w.get("start") is None or w.get("end") is None:
            continue  # a word without timestamps: the segment's text still has it
        try:
            start, end = _time_range(w, where)
        except ValueError:
            # Aligners now and then give one word an impossible time (an end before its
            # start); its segment's text still has the word, so the word's timing is left out
            # as for a word without timestamps, and the transcript still loads.
            continue
        words.append(Word(start, end, _text(w, "word", where)))
    return tuple(words)


def segments_from_json(data: Any) -> list[Segment]:
    """Read the transcript JSON contract: a list of segments or an object with `segments`.

    Times must be finite, non-negative seconds with each end at or after its start; a null
    `text` is an empty one.

    Raises:
        ValueError: when the shape is not a transcript, one sentence naming the segment.
    """
    if isinstance(data, dict):
        data = data.get("segments")
    if not isinstance(data, list):
        raise ValueError("transcript JSON must be a list of segments or an object with 'segments'")
    segments: list[Segment] = []
    for i, raw in enumerate(data):
        what = f"transcript segment {i}"
        if not isinstance(raw, dict):
            raise ValueError(f"{what} is {_shown(raw)}, not an object like {_SEGMENT_SHAPE}")
        start, end = _time_range(raw, what)
        text = _text(raw, "text", what)
        segments.append(Segment(start, end, text, _words_from_json(raw, what)))
    return segments


def load_transcript_file(path: str | Path) -> list[Segment]:
    """Load a transcript JSON file (DESIGN.md's transcript shape).

    Raises:
        OSError: the file cannot be read.
        ValueError: not JSON, or not a transcript (see `segments_from_json`).
    """
    with open(path, encoding="utf-8") as fh:
        return segments_from_json(json.load(fh))


def spans_from_json(data: Any) -> list[AdSpan]:
    """Read the ad spans JSON contract: a list of `{"start", "end", "confidence", "reason"}`.

    Times as in a transcript; `confidence` (default 1) from 0 to 1. The spans come back sorted
    by start.

    Raises:
        ValueError: not a list of ad spans, one sentence naming the span.
    """
    if not isinstance(data, list):
        raise ValueError(
            'not an ad spans JSON list (expected [{"start": s, "end": s, "confidence": c, '
            '"reason": text}, ...], as the ads command prints)'
        )
    spans = []
    for i, raw in enumerate(data):
        what = f"ad span {i}"
        if not isinstance(raw, dict):
            raise ValueError(f"{what} is {_shown(raw)}, not an object like {_SPAN_SHAPE}")
        start, end = _time_range(raw, what)
        confidence = raw.get("confidence", 1.0)
        if (
            isinstance(confidence, bool)
            or not isinstance(confidence, int | float)
            or not 0.0 <= confidence <= 1.0  # NaN fails this too
        ):
            raise ValueError(
                f"{what} has confidence {_shown(confidence)}, not a number from 0 to 1"
            )
        reason = raw.get("reason")
        if reason is not None and not isinstance(reason, str):
            raise ValueError(f"{what} has reason {_shown(reason)}, not a string")
        spans.append(AdSpan(start, end, float(confidence), reason or ""))
    return sorted(spans, key=lambda s: (s.start, s.end))


def in_spans(start: float, end: float, spans: Sequence[AdSpan]) -> bool:
    """True when most of [start, end] lies inside one of `spans`."""
    length = max(end - start, 1e-6)
    covered = sum(max(0.0, min(end, s.end) - max(start, s.start)) for s in spans)
    return covered / length > 0.5


# An episode's status as the warehouse stores it (docs/warehouse.md, `episodes.status`).
StoredStatus = Literal["done", "failed", "skipped"]
# In memory an episode is also `transcribed` between the transcribe and analyse stages.
EpisodeStatus = Literal["transcribed", "done", "failed", "skipped"]
STORED_STATUSES: tuple[str, ...] = get_args(StoredStatus)


@dataclass(slots=True)
class EpisodeResult:
    """Everything one episode's processing produced, ready for one warehouse transaction.

    `status` is `done`, `failed` or `skipped` when loaded; failed and skipped results carry an
    `error` and nothing else, so no partial rows ever land. The methods below are the only
    places that change `status`: each transition keeps the fields consistent with it.
    """

    episode_id: str
    feed_id: str
    item: EpisodeItem
    audio_key: str
    status: EpisodeStatus
    error: str | None = None
    transcript: Transcript | None = None
    is_ad: list[bool] = field(default_factory=list)
    ad_spans: list[AdSpan] = field(default_factory=list)
    facts: list[Fact] = field(default_factory=list)
    audio_bytes: int | None = None
    audio_sha256: str | None = None
    attempts: int = 1
    adfree: AdFreeAudio | None = None  # the ad-free copy, when publish.ad_free_audio is on

    def mark_failed(self, error: str) -> None:
        """Failed, with `error`; whatever earlier stages produced is dropped."""
        self.status, self.error, self.transcript = "failed", error, None
        self.ad_spans, self.facts, self.is_ad, self.adfree = [], [], [], None

    def mark_skipped(self, reason: str) -> None:
        """Not an episode podsift can use (no speech in it); `reason` says why."""
        self.status, self.error, self.transcript = "skipped", reason, None
        self.ad_spans, self.facts, self.is_ad, self.adfree = [], [], [], None

    def mark_transcribed(self, transcript: Transcript) -> None:
        self.status, self.error, self.transcript = "transcribed", None, transcript

    def mark_done(self, ad_spans: list[AdSpan], is_ad: list[bool], facts: list[Fact]) -> None:
        """Analysed and ready to load.

        Raises:
            ValueError: the episode was not transcribed first.
        """
        if self.status != "transcribed" or self.transcript is None:
            raise ValueError(f"episode {self.episode_id} is {self.status}, not transcribed")
        self.status, self.error = "done", None
        self.ad_spans, self.is_ad, self.facts = ad_spans, is_ad, facts

    @property
    def warning(self) -> str | None:
        """What a `done` episode is loaded with a doubt about (`episodes.warning`): its
        transcript's warnings in one line, `; ` between them; None when there are none, and
        for a failed or skipped episode (its `error` says why)."""
        if self.status != "done" or self.transcript is None or not self.transcript.warnings:
            return None
        return "; ".join(self.transcript.warnings)


AdFreeStatus = Literal["cut", "original"]


@dataclass(frozen=True, slots=True)
class AdFreeAudio:
    """What the warehouse keeps about an episode's ad-free copy (table `adfree_audio`).

    `status` is `cut` when the copy exists at `path`, `original` when the feed keeps the
    source's audio (no ads found, or the copy could not be made; `reason` says which).
    Durations and `cuts` are in seconds; `cuts` in the original clock.
    """

    status: AdFreeStatus
    path: str | None
    duration_s: float | None
    removed_s: float
    bytes: int | None
    reason: str | None
    cuts: tuple[tuple[float, float], ...] = ()
    mime_type: str | None = None


@dataclass(frozen=True, slots=True)
class PublishEpisode:
    """One loaded episode as publishing needs it (times in the original clock)."""

    episode_id: str
    guid: str
    title: str
    published_at: datetime | None
    description: str
    audio_url: str
    audio_bytes: int | None
    duration_s: float
    adfree_status: str | None  # cut, original, or None (loaded before ad-free audio existed)
    adfree_path: Path | None
    adfree_mime: str | None
    adfree_duration_s: float | None
    adfree_bytes: int | None
    adfree_reason: str | None
    cuts: tuple[tuple[float, float], ...]
    segments: tuple[tuple[float, float, str, bool], ...]  # start, end, text, is_ad
    ad_spans: tuple[tuple[float, float, str], ...]  # start, end, reason
    facts: tuple[tuple[float, str], ...]  # start, text


@dataclass(frozen=True, slots=True)
class PublishFeed:
    feed_id: str
    url: str
    name: str | None
    title: str | None
    channel: dict[str, Any] | None
    episodes: tuple[PublishEpisode, ...]
