"""Render the long benchmark episode: bench/data/long_episode.mp3 and its reference text.

The episode (about nine minutes, five voices, numbers and names, two sponsor reads) is spoken
by espeak-ng from `bench/data/long_episode.script`, in the script format of
`scripts/make_audio.py`, whose renderer this reuses. It needs espeak-ng and ffmpeg on PATH
(Debian: `apt-get install espeak-ng ffmpeg`). Output is deterministic for a given espeak-ng and
ffmpeg version.

Usage:
    python bench/make_long_episode.py            # writes bench/data/long_episode.{mp3,txt}
    python bench/make_long_episode.py --if-missing
"""

from __future__ import annotations

import argparse
import importlib.util
import sys
from pathlib import Path
from types import ModuleType

BENCH = Path(__file__).resolve().parent
REPO = BENCH.parent
DATA = BENCH / "data"
SCRIPT = DATA / "long_episode.script"
AUDIO = DATA / "long_episode.mp3"
REFERENCE = DATA / "long_episode.txt"
BITRATE = "24k"  # 16 kHz mono speech; keeps the committed file near 1.6 MB


def _make_audio_module() -> ModuleType:
    """scripts/make_audio.py, imported by path (scripts/ is not a package)."""
    spec = importlib.util.spec_from_file_location("make_audio", REPO / "scripts" / "make_audio.py")
    if spec is None or spec.loader is None:
        raise RuntimeError("scripts/make_audio.py not found")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_audio"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def make_long_episode(out: Path = AUDIO, reference: Path = REFERENCE) -> tuple[Path, float]:
    """Speak the script into `out` (MP3) and write the words spoken to `reference`.

    Returns:
        (audio path, duration in seconds)
    """
    make_audio = _make_audio_module()
    make_audio.check_tools()
    make_audio.BITRATE = BITRATE
    script = make_audio.parse_script(SCRIPT.stem, SCRIPT.read_text(encoding="utf-8"))
    rendered = make_audio.render_episode(script, out)
    reference.write_text(script.spoken_text, encoding="utf-8")
    return rendered.path, rendered.duration_s


def ensure_long_episode() -> Path:
    """The long episode's MP3, rendered first when it is missing."""
    if not AUDIO.exists() or not REFERENCE.exists():
        make_long_episode()
    return AUDIO


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--if-missing", action="store_true", help="only render when missing")
    args = parser.parse_args(argv)
    if args.if_missing and AUDIO.exists() and REFERENCE.exists():
        print(f"{AUDIO} exists")
        return 0
    path, duration = make_long_episode()
    words = len(REFERENCE.read_text(encoding="utf-8").split())
    size = path.stat().st_size
    print(f"{path}: {duration / 60:.1f} min, {size / 1e6:.2f} MB, {words} words")
    return 0


if __name__ == "__main__":
    sys.exit(main())
