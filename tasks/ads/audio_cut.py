"""Ad-free audio: where to cut, the clock between the two files, and the cut itself.

The warehouse keeps every time in the original audio's clock. An ad-free copy has its own
clock (each cut moves what follows it earlier); `CutPlan.to_adfree` is the one function that
maps the first to the second, and the VTT and chapters of `podsift publish` go through it.

A cut is placed in the silence between two words, not at the span's own edge (a span is
snapped to sentence times, which Whisper places a little early or late), and each join gets a
short fade so no click is heard. The audio is decoded once and encoded once with PyAV (it
comes with faster-whisper), so no ffmpeg binary is needed.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np

from podsift.tasks.core.errors import PodsiftError
from podsift.tasks.core.records import AdFreeAudio, AdSpan, Segment
from podsift.tasks.ingest.download import remove_stale_parts

# A fade this long on each side of a join is too short to hear as a fade and long enough to
# hide the step in the waveform that would click (tens of milliseconds, as broadcast editors use).
FADE_S = 0.03
# An ad-free copy that keeps less than this share of the episode is more likely a detector
# mistake than an episode that is mostly ads: the feed keeps the original then (issue 12).
MIN_KEPT_SHARE = 0.5
# A snapped cut edge moves at most this far from the span's edge to reach a gap between words;
# past it the span's own edge is used (a long word-less stretch: music, or no word times).
MAX_SNAP_S = 1.5
# MP3 out, at the source's bitrate rounded to what LAME offers, within these bounds.
MP3_BITRATES_KBPS = (32, 40, 48, 56, 64, 80, 96, 112, 128, 160, 192, 224, 256, 320)
DEFAULT_KBPS = 128
# LAME's speed/quality trade-off, 0 (slowest) to 9; LAME documents 5 as "good speed, reasonable
# quality". Encoding a 9-minute speech episode (bench/adfree.py, same bitrate throughout) took
# 25 s at 0, 8.0 s at 3, 6.0 s at 5, 4.6 s at 7, 4.3 s at 9.
MP3_COMPRESSION_LEVEL = 5
# The encoder's sample rates: MPEG-1/2/2.5 layer III.
MP3_RATES = (8000, 11025, 12000, 16000, 22050, 24000, 32000, 44100, 48000)


class AdFreeError(PodsiftError):
    """The ad-free copy could not be made; the feed keeps the original audio."""


@dataclass(frozen=True, slots=True)
class Cut:
    """One stretch removed from the original audio (original clock, seconds)."""

    start: float
    end: float
    reason: str = ""

    @property
    def length(self) -> float:
        return self.end - self.start


@dataclass(frozen=True, slots=True)
class CutPlan:
    """The cuts of one episode, sorted and disjoint, and the original's duration."""

    cuts: tuple[Cut, ...]
    duration_s: float

    @property
    def removed_s(self) -> float:
        return sum(c.length for c in self.cuts)

    @property
    def kept_s(self) -> float:
        return self.duration_s - self.removed_s

    def keeps(self) -> list[tuple[float, float]]:
        """The stretches kept, in the original clock."""
        out, at = [], 0.0
        for cut in self.cuts:
            if cut.start > at:
                out.append((at, cut.start))
            at = max(at, cut.end)
        if self.duration_s > at:
            out.append((at, self.duration_s))
        return out

    def to_adfree(self, t: float) -> float:
        """A time in the original clock, in the ad-free copy's clock.

        A time inside a cut maps to the join where the cut was.
        """
        removed = 0.0
        for cut in self.cuts:
            if t <= cut.start:
                break
            removed += min(t, cut.end) - cut.start
        return max(0.0, t - removed)

    def key(self) -> str:
        """A short hash of the cuts, naming the copy: new cuts, new file; same cuts, reuse."""
        # A cut to the end of the file is keyed as such, not by the duration, which differs a
        # little between the container's and Whisper's reading of the same file.
        payload = json.dumps(
            [
                [round(c.start, 3), "end" if c.end >= self.duration_s - 1e-6 else round(c.end, 3)]
                for c in self.cuts
            ]
        )
        return hashlib.sha256(payload.encode()).hexdigest()[:10]


def plan_cuts(spans: Sequence[AdSpan], segments: Sequence[Segment], duration_s: float) -> CutPlan:
    """Where to cut each ad span: at the gap between words nearest each of its edges.

    A span that reaches the first (last) word is cut from the start (to the end) of the file,
    so a pre-roll leaves no stub of music before the show. Overlapping cuts merge.
    """
    starts = [w.start for s in segments for w in s.words] or [s.start for s in segments]
    ends = [w.end for s in segments for w in s.words] or [s.end for s in segments]
    # Gaps between consecutive words (or segments without word times): (gap start, gap end).
    gaps = [(e, s) for e, s in zip(ends[:-1], starts[1:], strict=True) if s >= e]
    first_word = min(starts, default=0.0)
    last_word = max(ends, default=duration_s)
    cuts: list[Cut] = []
    for span in sorted(spans, key=lambda s: s.start):
        start = 0.0 if span.start <= first_word + 0.05 else _snap(span.start, gaps)
        end = duration_s if span.end >= last_word - 0.05 else _snap(span.end, gaps)
        start, end = max(0.0, start), min(duration_s, end)
        if end - start <= 0:
            continue
        if cuts and start <= cuts[-1].end:
            prev = cuts.pop()
            start, end = prev.start, max(end, prev.end)
            cuts.append(Cut(start, end, prev.reason))
        else:
            cuts.append(Cut(start, end, span.reason))
    return CutPlan(tuple(cuts), duration_s)


def _snap(t: float, gaps: Sequence[tuple[float, float]]) -> float:
    """The middle of the word gap nearest `t`, or `t` when none is within MAX_SNAP_S."""
    best, best_d = t, MAX_SNAP_S
    for gap_start, gap_end in gaps:
        if gap_start <= t <= gap_end:
            return (gap_start + gap_end) / 2
        d = min(abs(t - gap_start), abs(t - gap_end))
        if d < best_d:
            best, best_d = (gap_start + gap_end) / 2, d
    return best


def adfree_path_for(data_dir: Path, episode_id: str, plan: CutPlan) -> Path:
    return data_dir / "adfree" / f"{episode_id}-{plan.key()}.mp3"


def make_adfree_audio(source: Path | None, plan: CutPlan, dest: Path) -> AdFreeAudio:
    """The ad-free copy of `source` as `plan` cuts it, or why the original is kept.

    An existing `dest` (same cuts: its name carries the plan's key) is reused. The copy is
    written beside `dest` and renamed once complete, so a full disk leaves no partial file.
    Failures are returned as `status="original"` with the reason, never raised: the episode
    itself is fine, only its copy is not.
    """
    cuts = tuple((round(c.start, 3), round(c.end, 3)) for c in plan.cuts)
    if not plan.cuts:
        return AdFreeAudio("original", None, None, 0.0, None, "no ads found", ())
    if plan.kept_s < MIN_KEPT_SHARE * plan.duration_s:
        share = plan.removed_s / plan.duration_s if plan.duration_s else 1.0
        return AdFreeAudio(
            "original",
            None,
            None,
            0.0,
            None,
            f"the ad spans cover {share:.0%} of the episode; more than half is more likely "
            "a detector mistake, so the original is kept",
            cuts,
        )
    if not dest.exists():
        if source is None or not source.exists():
            return AdFreeAudio(
                "original", None, None, 0.0, None, "the original audio was not kept", cuts
            )
        try:
            cut_audio(source, dest, plan)
        except AdFreeError as exc:
            return AdFreeAudio("original", None, None, 0.0, None, str(exc), cuts)
    return AdFreeAudio(
        "cut",
        str(dest),
        round(probe_duration(dest), 3),
        round(plan.removed_s, 3),
        dest.stat().st_size,
        None,
        cuts,
        "audio/mpeg",
    )


def probe_duration(path: Path) -> float:
    """The duration of an audio file in seconds, from its container (or a decode, if need be)."""
    import av

    with av.open(str(path)) as container:
        stream = container.streams.audio[0]
        if stream.duration is not None and stream.time_base is not None:
            return float(stream.duration * stream.time_base)
        if container.duration is not None:
            return container.duration / 1_000_000
        samples = sum(frame.samples for frame in container.decode(stream))
        return samples / (stream.rate or 1)


def cut_audio(source: Path, dest: Path, plan: CutPlan, *, fade_s: float = FADE_S) -> None:
    """Decode `source` once, drop the cuts, fade each join, encode MP3 to `dest`.

    Raises:
        AdFreeError: the source cannot be decoded or the copy cannot be written (the message
            names which); no partial file is left.
    """
    import av

    dest.parent.mkdir(parents=True, exist_ok=True)
    remove_stale_parts(dest.parent, "*.tmp-*")  # copies a killed run was writing
    tmp = dest.with_name(dest.name + f".tmp-{os.getpid()}")
    try:
        with av.open(str(source)) as src:
            if not src.streams.audio:
                raise AdFreeError("the original has no audio stream to cut")
            in_stream = src.streams.audio[0]
            rate = _mp3_rate(in_stream.rate or 44100)
            channels = 1 if (in_stream.channels or 1) == 1 else 2
            layout = "mono" if channels == 1 else "stereo"
            kbps = _mp3_kbps(in_stream.bit_rate or src.bit_rate)
            with av.open(str(tmp), "w", format="mp3") as out:
                out_stream = out.add_stream(
                    "libmp3lame",
                    rate=rate,
                    layout=layout,
                    options={"compression_level": str(MP3_COMPRESSION_LEVEL)},
                )
                out_stream.bit_rate = kbps * 1000
                resampler = av.AudioResampler(format="fltp", layout=layout, rate=rate)
                fifo = av.AudioFifo()
                gain = _Gain(plan, rate, fade_s)
                written = 0
                frame_size = out_stream.codec_context.frame_size or 1152
                for converted in _resampled(src, in_stream, resampler):
                    kept = gain.apply(converted.to_ndarray())
                    if kept.shape[1]:
                        piece = av.AudioFrame.from_ndarray(kept, format="fltp", layout=layout)
                        piece.sample_rate = rate
                        piece.pts = None
                        fifo.write(piece)
                    written = _drain(fifo, out, out_stream, frame_size, written, rate)
                written = _drain(fifo, out, out_stream, frame_size, written, rate, final=True)
                for packet in out_stream.encode(None):
                    out.mux(packet)
        os.replace(tmp, dest)
    except OSError as exc:  # first: PyAV's own OSError (ENOSPC while muxing) is one too
        reason = exc.strerror or str(exc)
        raise AdFreeError(
            f"the ad-free copy could not be written in {dest.parent}: {reason}"
        ) from exc
    except av.FFmpegError as exc:
        raise AdFreeError(f"the original audio could not be re-encoded: {exc}") from exc
    finally:
        tmp.unlink(missing_ok=True)


def _resampled(src: Any, stream: Any, resampler: Any) -> Iterator[Any]:
    """Every decoded frame in the encoder's format, then what the resampler still holds."""
    for frame in src.decode(stream):
        yield from resampler.resample(frame)
    yield from resampler.resample(None)


def _drain(
    fifo: object,
    out: object,
    stream: object,
    frame_size: int,
    written: int,
    rate: int,
    *,
    final: bool = False,
) -> int:
    """Encode whole encoder frames from the FIFO (and the rest, when `final`)."""
    while fifo.samples >= frame_size or (final and fifo.samples):  # type: ignore[attr-defined]
        frame = fifo.read(frame_size) if fifo.samples >= frame_size else fifo.read()  # type: ignore[attr-defined]
        frame.pts = written
        frame.time_base = Fraction(1, rate)
        written += frame.samples
        for packet in stream.encode(frame):  # type: ignore[attr-defined]
            out.mux(packet)  # type: ignore[attr-defined]
    return written


class _Gain:
    """Keeps the samples outside the cuts, with a fade on each side of every join.

    Blocks of decoded audio arrive in order; `pos` counts samples in the original clock.
    """

    def __init__(self, plan: CutPlan, rate: int, fade_s: float) -> None:
        self.pos = 0
        self.fade = max(1, int(fade_s * rate))
        self.keeps: list[tuple[int, int, bool, bool]] = []
        for a, b in plan.keeps():
            at_end = b >= plan.duration_s - 1e-6
            # The last keep runs to the end of the stream, whatever length the container gave.
            stop = sys.maxsize if at_end else round(b * rate)
            self.keeps.append((round(a * rate), stop, a > 0, not at_end))

    def apply(self, block: np.ndarray) -> np.ndarray:
        first, n = self.pos, block.shape[1]
        self.pos += n
        pieces = []
        for a, b, fade_in, fade_out in self.keeps:
            lo, hi = max(a, first), min(b, first + n)
            if lo >= hi:
                continue
            i = np.arange(lo, hi, dtype=np.float64)
            gain = np.ones(hi - lo)
            if fade_in:
                gain = np.minimum(gain, (i - a + 1) / self.fade)
            if fade_out:
                gain = np.minimum(gain, (b - i) / self.fade)
            pieces.append(block[:, lo - first : hi - first] * gain.astype(np.float32))
        if not pieces:
            return block[:, :0]
        return np.ascontiguousarray(np.concatenate(pieces, axis=1), dtype=np.float32)


def _mp3_rate(rate: int) -> int:
    return min(MP3_RATES, key=lambda r: (abs(r - rate), -r))


def _mp3_kbps(bit_rate: int | None) -> int:
    if not bit_rate or not math.isfinite(bit_rate) or bit_rate <= 0:
        return DEFAULT_KBPS
    kbps = bit_rate / 1000
    return min(MP3_BITRATES_KBPS, key=lambda k: abs(k - kbps))
