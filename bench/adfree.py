"""Cutting and encoding the ad-free copy, next to transcribing the same audio (issue 12).

Usage: python bench/adfree.py [AUDIO] [--repeat N]

On the long benchmark episode (bench/data/long_episode.mp3, about nine minutes, 16 kHz mono,
24 kb/s) by default: the ads are found by podsift's own detector on its own transcript, then
`podsift.tasks.ads.audio_cut.cut_audio` decodes once, drops the cuts, fades the joins and encodes
MP3.

Printed: wall and CPU seconds per audio hour for the cut (best of N) and for the transcription
(once, the configured defaults), their ratio, and the peak memory of a process that only cuts.
The CPU is named from /proc/cpuinfo: ratios measured in one run on one machine are the figures
to compare, not seconds across machines.
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from podsift.tasks.ads.audio_cut import Cut, CutPlan, cut_audio, plan_cuts, probe_duration  # noqa: E402

DEFAULT_AUDIO = Path(__file__).resolve().parent / "data" / "long_episode.mp3"


def cpu_name() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return "unknown CPU"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("audio", nargs="?", type=Path, default=DEFAULT_AUDIO)
    parser.add_argument("--repeat", type=int, default=3, help="cuts timed, best kept")
    args = parser.parse_args(argv)
    # Here, not at the top: the cutting child process must not load Whisper to be measured.
    from podsift.tasks.ads import detect_ads
    from podsift.tasks.core.config import WhisperConfig
    from podsift.tasks.speech.transcribe import transcribe_audio

    duration = probe_duration(args.audio)
    hours = duration / 3600

    wall0, cpu0 = time.perf_counter(), time.process_time()
    transcript = transcribe_audio(args.audio, WhisperConfig())
    t_wall, t_cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    segments = list(transcript.segments)
    spans = detect_ads(segments)
    plan = plan_cuts(spans, segments, duration)

    # The cuts run in a child process of their own, so its peak memory is the cut's alone
    # (this process holds the Whisper model).
    with tempfile.TemporaryDirectory() as tmp:
        dest = Path(tmp) / "copy.mp3"
        cuts = [[c.start, c.end] for c in plan.cuts]
        child = subprocess.run(
            [sys.executable, __file__, "--child", str(args.audio), str(dest), json.dumps(cuts),
             str(duration), str(args.repeat)],
            capture_output=True, text=True, check=True,
        )  # fmt: skip
        best_wall, best_cpu, peak_kib = (float(x) for x in child.stdout.split())
        copy_s = probe_duration(dest)

    print(f"CPU: {cpu_name()}")
    print(
        f"audio: {args.audio.name}, {duration / 60:.1f} min; {len(plan.cuts)} cut(s), "
        f"{plan.removed_s:.1f} s removed; copy {copy_s:.1f} s "
        f"(expected {duration - plan.removed_s:.1f} s)"
    )
    print(f"{'stage':<24}{'wall s/audio h':>16}{'CPU s/audio h':>16}")
    print(f"{'cut + encode (best)':<24}{best_wall / hours:>16.1f}{best_cpu / hours:>16.1f}")
    print(f"{'transcribe (defaults)':<24}{t_wall / hours:>16.1f}{t_cpu / hours:>16.1f}")
    print(f"cut/transcribe wall ratio: {best_wall / t_wall:.4f} ({t_wall / best_wall:.0f}x faster)")
    print(f"peak memory of the cutting process: {peak_kib / 1024:.1f} MiB (VmHWM)")
    return 0


def child(audio: str, dest: str, cuts_json: str, duration: str, repeat: str) -> int:
    """Time the cut `repeat` times; print best wall s, best CPU s and peak RSS in KiB."""
    plan = CutPlan(tuple(Cut(a, b) for a, b in json.loads(cuts_json)), float(duration))
    best_wall = best_cpu = float("inf")
    for _ in range(max(1, int(repeat))):
        Path(dest).unlink(missing_ok=True)
        wall0, cpu0 = time.perf_counter(), time.process_time()
        cut_audio(Path(audio), Path(dest), plan)
        best_wall = min(best_wall, time.perf_counter() - wall0)
        best_cpu = min(best_cpu, time.process_time() - cpu0)
    print(best_wall, best_cpu, _peak_kib())
    return 0


def _peak_kib() -> float:
    """This process's peak resident memory. VmHWM, not ru_maxrss: Linux carries ru_maxrss over
    from the parent through fork and exec (the parent here holds Whisper)."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return float(line.split()[1])
    return float(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)


if __name__ == "__main__":
    if sys.argv[1:2] == ["--child"]:
        raise SystemExit(child(*sys.argv[2:7]))
    raise SystemExit(main())
