"""The whole pipeline: first and no-op runs, stage timings for an hour, peak memory for two.

1. **Runs on the demo feed.** The repo's `demo/` folder is served over loopback HTTP (so the
   feed poll is a real conditional GET) to `podsift run` with a temporary copy of config.yaml
   (warehouse, data_dir and Prefect's home in a temp folder; the repo's `data/` is untouched).
   The first run transcribes the demo's episodes; the second finds nothing new. Both are timed
   as the user sees them (a fresh process), with the HTTP requests each made. Prefect's share
   of the no-op run is measured by timing, in fresh processes with the same Prefect home, an
   import of podsift's flow module alone and a trivial flow.
2. **Stage timings for a one-hour episode.** Download and decode run on a 64-minute MP3 (the
   long bench episode looped with ffmpeg into a temp file, served over loopback). Transcription
   is measured on the 9-minute episode and extrapolated to the hour. Ads, facts and the load
   run on a synthetic one-hour transcript: the 9-minute transcript repeated with shifted times.
3. **Peak memory for a two-hour episode**: decode + transcribe of a 2-hour MP3 (looped the same
   way) in a child process, its peak RSS from `resource.getrusage`. This takes as long as
   transcribing two hours; `--skip-memory` leaves it out.

Usage:
    python bench/pipeline.py [--skip-memory] [--skip-runs]
"""

from __future__ import annotations

import argparse
import functools
import os
import resource
import shutil
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from http.server import SimpleHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

import yaml  # noqa: E402

from bench.make_long_episode import ensure_long_episode  # noqa: E402

PY = sys.executable


@contextmanager
def serve_folder(folder: Path) -> Iterator[tuple[str, list[tuple[str, int]]]]:
    """Serve `folder` on 127.0.0.1; yields (base URL, log of (path, status))."""
    log: list[tuple[str, int]] = []

    class Handler(SimpleHTTPRequestHandler):
        def log_request(self, code: Any = "-", size: Any = "-") -> None:
            log.append((self.path, int(code) if str(code).isdigit() else 0))

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=folder))
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()


def loop_audio(source: Path, minutes: float, out: Path) -> Path:
    """`source` repeated (stream copy, no re-encoding) to at least `minutes`."""
    probe = subprocess.run(
        ["ffprobe", "-v", "error", "-show_entries", "format=duration", "-of", "csv=p=0", source],
        capture_output=True,
        text=True,
        check=True,
    )
    loops = int(minutes * 60 // float(probe.stdout.strip()))
    subprocess.run(
        ["ffmpeg", "-v", "error", "-y", "-stream_loop", str(loops), "-i", source, "-c", "copy"]
        + ["-t", str(minutes * 60), out],
        check=True,
    )
    return out


def timed_process(args: list[str], env: dict[str, str]) -> tuple[float, str]:
    started = time.perf_counter()
    proc = subprocess.run(args, env=env, capture_output=True, text=True, cwd=REPO)
    wall = time.perf_counter() - started
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{args} failed ({proc.returncode}): {proc.stderr[-2000:]}")
    return wall, proc.stdout + proc.stderr


def runs_on_demo() -> None:
    tmp = Path(tempfile.mkdtemp(prefix="podsift-bench-runs-"))
    env = dict(os.environ, PREFECT_HOME=str(tmp / "prefect"), PREFECT_LOGGING_LEVEL="WARNING")
    env["PREFECT_SERVER_ANALYTICS_ENABLED"] = "false"
    with serve_folder(REPO / "demo") as (base, log):
        config = yaml.safe_load((REPO / "config.yaml").read_text(encoding="utf-8"))
        config.update(
            feeds=[{"url": f"{base}/feed.xml", "name": "demo"}],
            warehouse=str(tmp / "warehouse.duckdb"),
            data_dir=str(tmp / "data"),
        )
        cfg_path = tmp / "config.yaml"
        cfg_path.write_text(yaml.safe_dump(config), encoding="utf-8")
        run = [PY, "-m", "podsift.flows.cli", "run", "--config", str(cfg_path), "--quiet"]
        print(f"demo feed served at {base}; temp folder {tmp}")
        for label in ("first run", "no-op run"):
            log.clear()
            load = os.getloadavg()[0]
            wall, _out = timed_process(run, env)
            requests = ", ".join(f"{path} {status}" for path, status in log)
            print(f"  {label:10} {wall:6.1f} s wall   load {load:4.2f}   requests: {requests}")
        noop_wall = wall
    imports, _ = timed_process([PY, "-c", "import flows.daily"], env)
    trivial = "from prefect import flow\n@flow\ndef noop() -> None:\n    pass\nnoop()\n"
    flow_wall, _ = timed_process([PY, "-c", "import flows.daily\n" + trivial], env)
    print(f"  python + import flows.daily (Prefect, faster-whisper, duckdb): {imports:5.1f} s")
    print(f"  the same plus one trivial Prefect flow run:                    {flow_wall:5.1f} s")
    print(
        f"  => Prefect start-up and imports: {flow_wall:.1f} s of the {noop_wall:.1f} s no-op "
        f"run ({100 * flow_wall / noop_wall:.0f} %); podsift's own work: "
        f"{max(noop_wall - flow_wall, 0):.1f} s"
    )
    shutil.rmtree(tmp, ignore_errors=True)


def stage_timings(hour_mp3: Path, episode: Path) -> None:
    from podsift.tasks.ads import detect_ads, mark_ad_segments
    from podsift.tasks.core.config import WhisperConfig
    from podsift.tasks.core.records import EpisodeItem, EpisodeResult, Segment, Transcript, Word
    from podsift.tasks.facts import extract_facts
    from podsift.tasks.ingest.download import download_audio
    from podsift.tasks.speech.transcribe import SAMPLE_RATE, decode, load_model, transcribe_audio
    from podsift.warehouse import store
    from podsift.warehouse.db import writer

    tmp = Path(tempfile.mkdtemp(prefix="podsift-bench-stages-"))
    timings: dict[str, float] = {}
    with serve_folder(hour_mp3.parent) as (base, _log):
        started = time.perf_counter()
        staged = download_audio(f"{base}/{hour_mp3.name}", tmp / "ep.mp3", max_bytes=2**31)
        timings["download"] = time.perf_counter() - started
    started = time.perf_counter()
    audio = decode(staged.path)
    timings["decode"] = time.perf_counter() - started
    hour_s = audio.size / SAMPLE_RATE
    del audio

    cfg = WhisperConfig()
    load_model(cfg)
    load = os.getloadavg()[0]
    started = time.perf_counter()
    short = transcribe_audio(episode, cfg)
    short_wall = time.perf_counter() - started
    short_s = short.duration_s or 1.0
    timings["transcribe (extrapolated)"] = short_wall * hour_s / short_s
    print(
        f"  transcribed the {short_s / 60:.1f}-min episode in {short_wall:.1f} s "
        f"(load {load:.2f}); scaled to {hour_s / 60:.0f} min"
    )

    # The real 9-minute transcript first: the repeated hour below reads as one ad repeated
    # (the detector counts recurring text as ads) and its sentences as duplicates (no facts).
    started = time.perf_counter()
    short_spans = detect_ads(list(short.segments), description="Supported by Northwind.")
    short_ads = time.perf_counter() - started
    started = time.perf_counter()
    short_facts = extract_facts(list(short.segments), short_spans)
    short_facts_s = time.perf_counter() - started
    scale = hour_s / short_s
    timings["ads (9 min x scale)"] = short_ads * scale
    timings["facts (9 min x scale)"] = short_facts_s * scale
    print(
        f"  9-min transcript: {len(short.segments)} segments, ads {short_ads:.2f} s "
        f"({len(short_spans)} spans), facts {short_facts_s:.2f} s ({len(short_facts)} facts)"
    )

    # One hour of transcript: the short one repeated with shifted times.
    segments: list[Segment] = []
    offset = 0.0
    while offset < hour_s:
        for s in short.segments:
            if s.start + offset >= hour_s:
                break
            words = tuple(Word(w.start + offset, w.end + offset, w.word) for w in s.words)
            segments.append(Segment(s.start + offset, s.end + offset, s.text, words))
        offset += short_s
    print(f"  synthetic one-hour transcript: {len(segments)} segments")
    started = time.perf_counter()
    spans = detect_ads(segments, description="Supported by Northwind and Copperline Coffee.")
    timings["ads (repeated hour)"] = time.perf_counter() - started
    started = time.perf_counter()
    facts = extract_facts(segments, spans)
    timings["facts (repeated hour)"] = time.perf_counter() - started
    result = EpisodeResult(
        episode_id="bench-hour",
        feed_id="bench",
        item=EpisodeItem(guid="hour", title="One hour", audio_url=f"{base}/{hour_mp3.name}"),
        audio_key="hour",
        status="done",
        transcript=Transcript(tuple(segments), "en", hour_s, "whisper:tiny.en"),
        is_ad=mark_ad_segments(segments, spans),
        ad_spans=spans,
        facts=facts,
    )
    started = time.perf_counter()
    with writer(tmp / "warehouse.duckdb") as con:
        store.load_episode(con, result)
    timings["load"] = time.perf_counter() - started
    shutil.rmtree(tmp, ignore_errors=True)

    transcribe = timings["transcribe (extrapolated)"]
    after = max(timings["ads (repeated hour)"], timings["ads (9 min x scale)"]) + max(
        timings["facts (repeated hour)"], timings["facts (9 min x scale)"]
    )
    after += timings["load"]
    print(f"  {'stage':28} {'seconds':>8}")
    for name, secs in timings.items():
        print(f"  {name:28} {secs:8.2f}")
    print(
        f"  ads + facts + load = {after:.2f} s = {100 * after / transcribe:.1f} % of transcription "
        f"({len(spans)} ad spans, {len(facts)} facts)"
    )


_MEMORY_CHILD = """
import sys, time, resource
sys.path.insert(0, {repo!r})
from pathlib import Path
from podsift.tasks.core.config import WhisperConfig
from podsift.tasks.speech.transcribe import transcribe_audio
started = time.perf_counter()
t = transcribe_audio(Path({path!r}), WhisperConfig())
wall = time.perf_counter() - started
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(f"{{t.duration_s}} {{len(t.segments)}} {{wall}} {{peak}}")
"""


def peak_memory(two_hours: Path) -> None:
    load = os.getloadavg()[0]
    code = _MEMORY_CHILD.format(repo=str(REPO), path=str(two_hours))
    proc = subprocess.run([PY, "-c", code], capture_output=True, text=True, check=True)
    duration, segments, wall, peak_mb = proc.stdout.split()[-4:]
    children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(
        f"  {float(duration) / 3600:.2f} h decoded and transcribed in {float(wall):.0f} s "
        f"({segments} segments; load {load:.2f} at start): peak RSS {float(peak_mb):.0f} MB "
        f"(largest child so far {children:.0f} MB)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--skip-runs", action="store_true", help="no first/no-op runs")
    parser.add_argument("--skip-stages", action="store_true", help="no one-hour stage timings")
    parser.add_argument("--skip-memory", action="store_true", help="no two-hour memory run")
    args = parser.parse_args(argv)
    episode = ensure_long_episode()
    print(f"cores {os.cpu_count()}, load average {os.getloadavg()[0]:.2f}")
    if not args.skip_runs:
        print("runs on the demo feed:")
        runs_on_demo()
    with tempfile.TemporaryDirectory(prefix="podsift-bench-audio-") as folder:
        if not args.skip_stages:
            print("stage timings, one-hour episode:")
            stage_timings(loop_audio(episode, 60, Path(folder) / "hour.mp3"), episode)
        if not args.skip_memory:
            print("peak memory, two-hour episode (decode + transcribe):")
            peak_memory(loop_audio(episode, 120, Path(folder) / "two_hours.mp3"))
    print(f"load average at end {os.getloadavg()[0]:.2f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
