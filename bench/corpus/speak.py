"""Speak written episodes and transcribe them with podsift: a corpus with real ASR errors.

Usage: python bench/corpus/speak.py SCRIPT.txt [SCRIPT.txt ...]

The written scripts (`bench/corpus/written/`) read like a large Whisper model's transcript. A
user of podsift gets the bundled tiny.en model's transcript of their audio instead: brand names
and web addresses misheard, punctuation lost, numbers spelt oddly. This speaks a script with
espeak-ng (a voice per role: host and guest alternate by paragraph, an announcer for inserted
spots, the host for host reads), puts 1.0 s of silence on each side of an inserted spot and
0.5 s between paragraphs, and transcribes the audio with podsift's own pipeline and defaults.
The true ad spans are where the ad blocks' audio starts and ends, so they are exact.

Each episode is written to `bench/corpus/spoken/<episode-id>.json`: `metadata` (as the written
corpus), `truth` ([[start, end], ...] seconds) and `segments` (podsift's transcript). They are
committed, since they take minutes to make; `build.py` lays them out like the other sources.
Needs espeak-ng and ffmpeg (Debian: `apt-get install espeak-ng ffmpeg`).
"""

from __future__ import annotations

import json
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO))
sys.path.insert(0, str(REPO / "scripts"))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from build import parse_script  # noqa: E402
from make_audio import (  # noqa: E402
    VOICES,
    _seconds,
    check_tools,
    encode_mp3,
    silence,
    synthesize,
)

from podsift.tasks.core.config import WhisperConfig  # noqa: E402
from podsift.tasks.speech.transcribe import transcribe_audio  # noqa: E402

SPOKEN_DIR = Path(__file__).resolve().parent / "spoken"
PARAGRAPH_GAP_S = 0.5
SPLICE_GAP_S = 1.0


def speak(script_path: Path, out_dir: Path = SPOKEN_DIR) -> Path:
    """Render one script to audio, transcribe it, and write its spoken-corpus JSON."""
    script = parse_script(script_path)
    pcm = bytearray(silence(0.3))
    truth: list[list[float]] = []
    previous = None
    for kind, paragraphs in script.blocks:
        if previous is not None:
            spliced = "ad" in (kind, previous)
            pcm += silence(SPLICE_GAP_S if spliced else PARAGRAPH_GAP_S)
        start = _seconds(len(pcm))
        for p, paragraph in enumerate(paragraphs):
            if p:
                pcm += silence(PARAGRAPH_GAP_S)
            if kind == "ad":
                voice = VOICES["announcer"]
            elif kind == "read" or p % 2 == 0:
                voice = VOICES["host"]
            else:
                voice = VOICES["guest"]
            pcm += synthesize(paragraph, voice)
        end = _seconds(len(pcm))
        if kind in ("ad", "read"):
            if previous in ("ad", "read") and truth:
                truth[-1][1] = round(end, 2)  # back to back: one ad break
            else:
                truth.append([round(start, 2), round(end, 2)])
        previous = kind
    pcm += silence(0.3)
    with tempfile.TemporaryDirectory() as tmp:
        audio = Path(tmp) / "episode.mp3"
        encode_mp3(bytes(pcm), audio)
        started = time.perf_counter()
        transcript = transcribe_audio(audio, WhisperConfig())
        took = time.perf_counter() - started
    duration = _seconds(len(pcm))
    segments = [
        {
            "start": s.start,
            "end": s.end,
            "text": s.text,
            "words": [{"start": w.start, "end": w.end, "word": w.word} for w in s.words],
        }
        for s in transcript.segments
    ]
    ep_id = f"ep-{script.slug}-{script.episode}"
    record = {
        "metadata": {
            "ep_id": ep_id,
            "podcast_slug": script.slug,
            "podcast_name": script.show,
            "title": script.title,
            "duration": round(duration, 2),
            "description": script.description,
            "reference_facts": script.facts,
            "source": "spoken",
        },
        "truth": truth,
        "segments": segments,
    }
    out_dir.mkdir(parents=True, exist_ok=True)
    out = out_dir / f"{ep_id}.json"
    out.write_text(json.dumps(record, indent=0, ensure_ascii=False) + "\n", encoding="utf-8")
    print(f"{out.name}: {duration / 60:.1f} min of audio, transcribed in {took:.0f} s")
    return out


def main(argv: list[str]) -> int:
    if not argv:
        print(__doc__.split("\n\n")[1], file=sys.stderr)
        return 2
    check_tools()
    for name in argv:
        speak(Path(name))
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
