"""podsift's transcription against bare faster-whisper, on the same audio in one run.

Bare faster-whisper is what a user would write: `WhisperModel(path, compute_type="int8")` and
`model.transcribe(audio)` with its defaults (beam 5, sequential 30 s windows, timestamp tokens,
temperature fallback), consuming every segment. podsift is
`podsift.tasks.speech.transcribe.transcribe_audio`
with the default `WhisperConfig`. Both use the same model files (`tiny.en`, bundled), both start
from the MP3 (decoding is timed), and neither includes the model load: each loads once before
the clock starts and is warmed up on a short clip.

Printed per contender: wall time, CPU time (all threads of this process), realtime factor
(audio seconds per wall second), the speed ratio against bare, and WER against the script's
words (jiwer, after the normalisation below). The machine's load average is printed too: CPU
time is the figure to trust when other processes share the cores.

Usage:
    python bench/transcribe.py                  # bare vs podsift defaults
    python bench/transcribe.py --sweep          # also each lever on its own
    python bench/transcribe.py --profile        # where podsift's time goes, stage by stage
    python bench/transcribe.py --audio X.mp3 --reference X.txt
"""

from __future__ import annotations

import argparse
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import jiwer  # noqa: E402

from bench.make_long_episode import REFERENCE, ensure_long_episode  # noqa: E402
from podsift.tasks.core.config import WhisperConfig  # noqa: E402
from podsift.tasks.core.sentences import split_segments  # noqa: E402
from podsift.tasks.core.text import NUMBER_WORDS, SCALE_WORDS  # noqa: E402
from podsift.tasks.speech.transcribe import (  # noqa: E402
    SAMPLE_RATE,
    decode,
    load_model,
    resolve_model,
    run_whisper,
    transcribe_audio,
    whisper_options,
)
from podsift.tasks.speech.transcribe import _collect as collect_segments  # noqa: E402

WARMUP = REPO / "tests" / "data" / "audio" / "speech_short.mp3"

# --- WER normalisation ------------------------------------------------------------------------
# The script spells numbers out ("two hundred and twelve"); Whisper writes digits ("212").
# Both sides become words without "and" inside numbers, so only real misrecognitions count.
_BY_VALUE = {v: w for w, v in NUMBER_WORDS.items()}  # the project's one list of number words
_ONES = [_BY_VALUE[n] for n in range(20)]
_TENS = ["_", "_", *(_BY_VALUE[n] for n in range(20, 100, 10))]
_NUMBER_WORDS = set(_ONES) | set(_TENS[2:]) | set(SCALE_WORDS) | {"billion"}


def _int_words(n: int) -> str:
    if n < 20:
        return _ONES[n]
    if n < 100:
        return _TENS[n // 10] + ("" if n % 10 == 0 else " " + _ONES[n % 10])
    for size, name in (
        (10**9, "billion"),
        (10**6, "million"),
        (1000, "thousand"),
        (100, "hundred"),
    ):
        if n >= size:
            rest = n % size
            return f"{_int_words(n // size)} {name}" + (f" {_int_words(rest)}" if rest else "")
    raise AssertionError(n)


def _number_words(token: str) -> str:
    """'1998' -> 'nineteen ninety eight', '3.2' -> 'three point two', '24,000' -> words."""
    token = token.replace(",", "")
    if "." in token:
        whole, _, frac = token.partition(".")
        return f"{_number_words(whole or '0')} point " + " ".join(_ONES[int(d)] for d in frac)
    n = int(token)
    if len(token) == 4 and (1100 <= n < 2000 or 2010 <= n < 2100) and n % 100:  # a year
        return f"{_int_words(n // 100)} {_int_words(n % 100)}"
    return _int_words(n)


def normalise(text: str) -> str:
    """Lower case, numbers as words, no punctuation, no 'and' inside numbers."""
    text = text.lower().replace("%", " percent")
    text = re.sub(r"(?<=[a-z])\.(?=[a-z])", " dot ", text)  # northwindgear.com
    text = re.sub(r"\d[\d,]*(?:\.\d+)?", lambda m: f" {_number_words(m.group(0))} ", text)
    text = re.sub(r"[^a-z' ]+", " ", text.replace("-", " "))
    words = text.replace("'", "").split()
    kept = [
        w
        for i, w in enumerate(words)
        if not (
            w == "and"
            and 0 < i < len(words) - 1
            and words[i - 1] in _NUMBER_WORDS
            and words[i + 1] in _NUMBER_WORDS
        )
    ]
    return " ".join(kept)


def wer(reference: str, hypothesis: str) -> float:
    return float(jiwer.wer(normalise(reference), normalise(hypothesis)))


# --- measuring ----------------------------------------------------------------------------------


@dataclass
class Measurement:
    name: str
    wall_s: float
    cpu_s: float
    audio_s: float
    wer: float
    load: float  # 1-minute load average when the run ended

    @property
    def realtime(self) -> float:
        return self.audio_s / self.wall_s


def timed(name: str, audio_s: float, reference: str, run: Callable[[], str]) -> Measurement:
    wall0, cpu0 = time.perf_counter(), time.process_time()
    text = run()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return Measurement(name, wall, cpu, audio_s, wer(reference, text), os.getloadavg()[0])


def bare_runner(model_path: str, audio: Path) -> Callable[[], str]:
    from faster_whisper import WhisperModel

    model = WhisperModel(model_path, compute_type="int8")
    segments, _ = model.transcribe(str(WARMUP))
    list(segments)

    def run() -> str:
        segments, _info = model.transcribe(str(audio))
        return " ".join(s.text for s in segments)

    return run


def podsift_runner(cfg: WhisperConfig, audio: Path) -> Callable[[], str]:
    transcribe_audio(WARMUP, cfg)

    def run() -> str:
        transcript = transcribe_audio(audio, cfg)
        return " ".join(s.text for s in transcript.segments)

    return run


def variant_runner(cfg: WhisperConfig, audio: Path, **overrides: Any) -> Callable[[], str]:
    """podsift's path (decode, whisper, gate, sentence split) with options overridden."""

    def run_on(path: Path) -> str:
        samples = decode(path)
        raw = run_whisper(load_model(cfg), samples, cfg, **overrides)
        segments = collect_segments(raw, samples.size / SAMPLE_RATE, 1e9, None)
        return " ".join(s.text for s in split_segments(segments))

    run_on(WARMUP)
    return lambda: run_on(audio)


@dataclass
class StageTimes:
    """Seconds spent inside each stage, summed over the decoding workers (threads)."""

    seconds: dict[str, float] = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, stage: str, seconds: float) -> None:
        with self._lock:
            self.seconds[stage] = self.seconds.get(stage, 0.0) + seconds

    def timer(self, stage: str, call: Callable[..., Any]) -> Callable[..., Any]:
        def timed_call(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return call(*args, **kwargs)
            finally:
                self.add(stage, time.perf_counter() - started)

        return timed_call


class _TimedCTranslate2:
    """Stands in for `WhisperModel.model` (a CTranslate2 object whose methods cannot be
    replaced) and times the calls that matter."""

    def __init__(self, inner: Any, times: StageTimes) -> None:
        self._inner = inner
        self.generate = times.timer("decoder (generate)", inner.generate)
        self.align = times.timer("word alignment (align)", inner.align)

    def __getattr__(self, name: str) -> Any:
        return getattr(self._inner, name)


@contextmanager
def stage_timers(model: Any, times: StageTimes) -> Iterator[None]:
    """Time the encoder, decoder and alignment calls of `model` for the duration."""
    inner = model.model
    model.encode = times.timer("encoder (encode)", model.encode)  # shadows the method
    model.model = _TimedCTranslate2(inner, times)
    try:
        yield
    finally:
        del model.encode  # the class's method again
        model.model = inner


def profile(audio: Path, bare_wall_s: float | None) -> None:
    """podsift's default path, stage by stage, and the CPU budget a 4x target leaves."""
    from podsift.tasks.speech.transcribe import speech_windows

    cfg = WhisperConfig()
    model = load_model(cfg)
    podsift_runner(cfg, audio)  # warm-up
    times = StageTimes()
    wall0, cpu0 = time.perf_counter(), time.process_time()
    started = time.perf_counter()
    samples = decode(audio)
    times.add("MP3 decode", time.perf_counter() - started)
    started = time.perf_counter()
    windows = speech_windows(samples, float(cfg.chunk_length))
    times.add("voice activity (Silero VAD)", time.perf_counter() - started)
    with stage_timers(model, times):
        raw = run_whisper(model, samples, cfg, clip_timestamps=windows)
        segments = collect_segments(raw, samples.size / SAMPLE_RATE, 1e9, None)
    split_segments(segments)
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    cores = os.cpu_count() or 1
    print(
        f"\nprofile of podsift's defaults: {len(windows)} windows, "
        f"wall {wall:.1f} s, cpu {cpu:.1f} s"
    )
    print(f"{'stage':36} {'seconds':>8}  (summed over workers; the encoder, decoder and")
    print(f"{'':36} {'':>8}   alignment run in {decode_workers_text(cfg)})")
    for stage, seconds in sorted(times.seconds.items(), key=lambda kv: -kv[1]):
        print(f"{stage:36} {seconds:8.1f}")
    if bare_wall_s:
        budget = bare_wall_s / 4 * cores
        encoder = times.seconds.get("encoder (encode)", 0.0)
        print(
            f"4x bare = {bare_wall_s / 4:.1f} s wall = at most {budget:.1f} CPU s on {cores} "
            f"cores; the encoder alone took {encoder:.1f} s of worker time "
            f"({100 * encoder / budget:.0f}% of that budget)"
        )


def decode_workers_text(cfg: WhisperConfig) -> str:
    from podsift.tasks.speech.transcribe import decode_workers

    return f"{decode_workers(cfg)} worker(s) x {cfg.cpu_threads} thread(s)"


def sweep_variants() -> Iterable[tuple[str, WhisperConfig, dict[str, Any]]]:
    """Each lever changed on its own from the defaults, all with word timestamps on."""
    base = WhisperConfig()
    for beam in (3, 2, 1):
        yield f"defaults, beam {beam}", base.model_copy(update={"beam_size": beam}), {}
    yield "defaults, timestamp tokens", base, {"without_timestamps": False}
    yield "defaults, batch 16", base.model_copy(update={"batch_size": 16}), {}
    yield "defaults, chunk_length 20", base.model_copy(update={"chunk_length": 20}), {}
    for workers, threads in ((1, 2), (1, 0), (2, 2)):
        cfg = base.model_copy(update={"num_workers": workers, "cpu_threads": threads})
        yield f"defaults, {workers} worker(s) x cpu_threads {threads}", cfg, {}


def report(rows: list[Measurement], bare: Measurement | None) -> None:
    print(
        f"{'contender':48} {'wall s':>7} {'cpu s':>7} {'x rt':>6} {'vs bare':>8} {'cpu vs':>7}"
        f" {'WER %':>6} {'load':>5}"
    )
    for m in rows:
        ratio = f"{bare.wall_s / m.wall_s:7.2f}x" if bare else "     -"
        cpu_ratio = f"{bare.cpu_s / m.cpu_s:6.2f}x" if bare else "     -"
        print(
            f"{m.name:48} {m.wall_s:7.1f} {m.cpu_s:7.1f} {m.realtime:6.1f} {ratio:>8} "
            f"{cpu_ratio:>7} {100 * m.wer:6.2f} {m.load:5.2f}"
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--audio", type=Path, help="default: bench/data/long_episode.mp3")
    parser.add_argument("--reference", type=Path, help="the words spoken, as plain text")
    parser.add_argument("--sweep", action="store_true", help="also measure each lever")
    parser.add_argument("--only-sweep", action="store_true", help="skip bare and defaults")
    parser.add_argument("--match", help="sweep only the variants whose name contains this")
    parser.add_argument(
        "--profile", action="store_true", help="also time podsift's stages (encoder, decoder...)"
    )
    args = parser.parse_args(argv)
    audio = args.audio or ensure_long_episode()
    reference = (args.reference or REFERENCE).read_text(encoding="utf-8")
    audio_s = decode(audio).size / SAMPLE_RATE
    cfg = WhisperConfig()
    print(f"audio: {audio} ({audio_s / 60:.1f} min), model {cfg.model}, cores {os.cpu_count()}")
    print(f"podsift options: {whisper_options(cfg)} cpu_threads={cfg.cpu_threads}")
    print(f"load average at start: {os.getloadavg()[0]:.2f}")
    rows: list[Measurement] = []
    bare: Measurement | None = None
    if not args.only_sweep:
        bare_run = bare_runner(resolve_model(cfg.model), audio)
        podsift_run = podsift_runner(cfg, audio)
        bare = timed("bare faster-whisper (beam 5)", audio_s, reference, bare_run)
        rows.append(bare)
        rows.append(timed("podsift transcribe_audio (defaults)", audio_s, reference, podsift_run))
        report(rows, bare)
    if args.profile:
        profile(audio, bare.wall_s if bare else None)
    if args.sweep or args.only_sweep:
        for name, variant_cfg, overrides in sweep_variants():
            if args.match and args.match not in name:
                continue
            row = timed(name, audio_s, reference, variant_runner(variant_cfg, audio, **overrides))
            rows.append(row)
            print(
                f"  {name}: {row.wall_s:.1f} s wall, {row.cpu_s:.1f} s cpu, "
                f"WER {100 * row.wer:.2f} %, load {row.load:.2f}",
                flush=True,
            )
        print()
        report(rows, bare)
    return 0


if __name__ == "__main__":
    sys.exit(main())
