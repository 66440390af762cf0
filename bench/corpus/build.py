"""Build the written labelled corpus: episode scripts -> transcript JSON, true ad spans, metadata.

Usage: python bench/corpus/build.py [OUT_DIR]   (default: bench/corpus/built, git-ignored)

Writes `OUT_DIR/written/` (the scripts below) and `OUT_DIR/spoken/` (scripts spoken by espeak-ng
and transcribed by podsift's tiny.en pipeline, made by `speak.py` and committed as JSON).

Every script under `bench/corpus/written/<show-slug>/<episode-slug>.txt` is our own text, written
for podsift's benchmarks (shows, hosts and advertisers are invented). The output has the layout of
the ads-dev corpus (`segments.json`, `truth.txt`, `metadata.toml` in one folder per episode), so
`bench/ads.py` and `bench/facts.py` read both the same way. The build is deterministic: the timing
noise is seeded by the episode's path.

Script format:

    show: Harbour Lights                    # header lines, `key: value`, until the first block
    title: The ferry that never sailed
    description: <p>Show notes, HTML allowed, one line.</p>
    fact: A reference fact a reader would want (repeatable; the show notes' key facts)

    == show
    Conversation or narration. A blank line starts a new paragraph (a longer pause, often a new
    speaker).

    == ad
    An inserted spot: spliced in, so silence before and after it.

    == read
    A host-read ad: said in the flow of the show, no splice silence.

Each `ad` or `read` block is a true ad span; blocks back to back (no `show` block between) are
one span, an ad break, as the ads-dev labels mark them. Write text the way Whisper renders
speech (numbers as digits or words, web addresses as "example dot com slash show" or
"example.com/show", some lower-case run-ons if the style calls for it): the builder keeps the
words exactly as written.

Timing, chosen to resemble faster-whisper's word timestamps on conversational speech: a speaking
rate drawn per episode from 2.3-3.1 words a second, each word's length proportional to its
letters, 0.15-0.6 s after a sentence, 0.3-1.1 s between paragraphs, 0.7-2.0 s of silence on each
side of an inserted spot. Segments end at a sentence end once they hold 8+ words or 5+ s, and are
cut mid-sentence at 30 s, as Whisper's 30-second windows do; a silence over 1.2 s closes one.
"""

from __future__ import annotations

import hashlib
import json
import random
import re
import sys
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
WRITTEN_DIR = HERE / "written"
SPOKEN_DIR = HERE / "spoken"
DEFAULT_OUT = HERE / "built"
BLOCK_KINDS = ("show", "ad", "read")
_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")


@dataclass
class Script:
    show: str
    slug: str
    episode: str
    title: str
    description: str
    facts: list[str]
    blocks: list[tuple[str, list[str]]] = field(default_factory=list)  # kind, paragraphs


def parse_script(path: Path) -> Script:
    """Read one episode script (format in the module docstring)."""
    header: dict[str, Any] = {"fact": []}
    blocks: list[tuple[str, list[str]]] = []
    paragraph: list[str] = []

    def close_paragraph() -> None:
        if paragraph and blocks:
            blocks[-1][1].append(" ".join(paragraph))
        paragraph.clear()

    for number, raw in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
        line = raw.strip()
        if line.startswith("=="):
            close_paragraph()
            kind = line[2:].strip()
            if kind not in BLOCK_KINDS:
                raise ValueError(f"{path}:{number}: unknown block '{kind}'")
            blocks.append((kind, []))
        elif not blocks:
            if not line or line.startswith("#"):
                continue
            key, sep, value = line.partition(":")
            if not sep:
                raise ValueError(f"{path}:{number}: expected 'key: value' before the first block")
            key = key.strip()
            if key == "fact":
                header["fact"].append(value.strip())
            else:
                header[key] = value.strip()
        elif line:
            paragraph.append(line)
        else:
            close_paragraph()
    close_paragraph()
    if not blocks:
        raise ValueError(f"{path}: no blocks")
    show = header.get("show") or path.parent.name
    return Script(
        show=show,
        slug=path.parent.name,
        episode=path.stem,
        title=header.get("title", path.stem),
        description=header.get("description", ""),
        facts=header["fact"],
        blocks=blocks,
    )


def _sentences(paragraph: str) -> list[list[str]]:
    sentences: list[list[str]] = [[]]
    for word in paragraph.split():
        sentences[-1].append(word)
        if _SENTENCE_END.search(word):
            sentences.append([])
    return [s for s in sentences if s]


def timed_transcript(
    script: Script, rng: random.Random
) -> tuple[list[dict[str, Any]], list[tuple[float, float, str]]]:
    """Word-timed segments and the true ad spans (start, end, text) of one script."""
    rate = rng.uniform(2.3, 3.1)  # words a second
    letters_per_s = rate * 5.5  # an average word and its gap is about 5.5 letters
    t = rng.uniform(0.0, 0.6)
    words: list[dict[str, Any]] = []
    sentence_ends: set[int] = set()
    truth: list[tuple[float, float, str]] = []
    previous_kind = None
    for kind, paragraphs in script.blocks:
        if kind == "ad" or previous_kind == "ad":
            t += rng.uniform(0.7, 2.0)
        elif words:
            t += rng.uniform(0.3, 1.1)
        first = len(words)
        for p, paragraph in enumerate(paragraphs):
            if p:
                t += rng.uniform(0.3, 1.1)
            for sentence in _sentences(paragraph):
                for w in sentence:
                    length = max(0.12, (len(w) + 1.5) / letters_per_s * rng.uniform(0.75, 1.3))
                    end = t + length * rng.uniform(0.8, 0.95)
                    words.append({"start": round(t, 2), "end": round(end, 2), "word": " " + w})
                    t += length
                sentence_ends.add(len(words) - 1)
                t += rng.uniform(0.15, 0.6)
        if kind in ("ad", "read") and len(words) > first:
            text = " ".join(w["word"].strip() for w in words[first:])
            if previous_kind in ("ad", "read") and truth:
                # Back-to-back spots are one ad break, as the ads-dev labels mark them.
                start, _, before = truth.pop()
                truth.append((start, words[-1]["end"], f"{before} {text}"))
            else:
                truth.append((words[first]["start"], words[-1]["end"], text))
        previous_kind = kind
    return _segments(words, sentence_ends), truth


def _segments(words: list[dict[str, Any]], sentence_ends: set[int]) -> list[dict[str, Any]]:
    segments: list[dict[str, Any]] = []
    current: list[dict[str, Any]] = []
    for i, word in enumerate(words):
        current.append(word)
        span = current[-1]["end"] - current[0]["start"]
        at_end = i in sentence_ends and (len(current) >= 8 or span >= 5.0)
        # A silence over 1.2 s closes a segment, as Whisper's timestamps tokens usually do.
        silence = i + 1 < len(words) and words[i + 1]["start"] - word["end"] > 1.2
        if at_end or silence or span >= 30.0 or i == len(words) - 1:
            segments.append(
                {
                    "start": current[0]["start"],
                    "end": current[-1]["end"],
                    "text": "".join(w["word"] for w in current),
                    "words": current,
                }
            )
            current = []
    return segments


def _clock(seconds: float) -> str:
    minutes, rest = divmod(seconds, 60.0)
    return f"{int(minutes)}:{rest:05.2f}"


def _toml_string(text: str) -> str:
    return json.dumps(text, ensure_ascii=False)  # a JSON string is a valid TOML basic string


def write_episode(
    out_dir: Path,
    meta: dict[str, Any],
    segments: list[dict[str, Any]],
    truth: list[tuple[float, float, str]],
) -> Path:
    """Write one episode folder in the ads-dev layout; returns it."""
    folder = out_dir / meta["ep_id"]
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "segments.json").write_text(json.dumps(segments, indent=1), encoding="utf-8")
    lines = [f"# {meta['source'].capitalize()} corpus: true ad spans from the script.", ""]
    if not truth:
        lines.append("# Verified: no ads in this episode.")
    for i, (start, end, text) in enumerate(truth):
        if i:
            lines.append("---")
        lines += [f"start: {_clock(start)}", f"end:   {_clock(end)}", f"text:  {text}"]
    (folder / "truth.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    toml = []
    for key, value in meta.items():
        if isinstance(value, list):
            toml.append(f"{key} = [" + ", ".join(_toml_string(v) for v in value) + "]")
        elif isinstance(value, str):
            toml.append(f"{key} = {_toml_string(value)}")
        else:
            toml.append(f"{key} = {value}")
    (folder / "metadata.toml").write_text("\n".join(toml) + "\n", encoding="utf-8")
    return folder


def build_episode(path: Path, out_dir: Path) -> Path:
    """Write one script's corpus folder; returns it."""
    script = parse_script(path)
    seed = int(hashlib.sha256(f"{script.slug}/{script.episode}".encode()).hexdigest()[:12], 16)
    segments, truth = timed_transcript(script, random.Random(seed))
    meta = {
        "ep_id": f"ep-{script.slug}-{script.episode}",
        "podcast_slug": script.slug,
        "podcast_name": script.show,
        "title": script.title,
        "duration": round(segments[-1]["end"] + 1.0, 2) if segments else 0.0,
        "description": script.description,
        "reference_facts": script.facts,
        "source": "written",
    }
    return write_episode(out_dir, meta, segments, truth)


def build_spoken(path: Path, out_dir: Path) -> Path:
    """Lay out one spoken episode (`speak.py`'s JSON) as a corpus folder; returns it."""
    record = json.loads(path.read_text(encoding="utf-8"))
    truth = [(start, end, "(spoken ad)") for start, end in record["truth"]]
    return write_episode(out_dir, record["metadata"], record["segments"], truth)


def build_all(
    out_dir: Path = DEFAULT_OUT, written: Path = WRITTEN_DIR, spoken: Path = SPOKEN_DIR
) -> list[Path]:
    """Build every written script and spoken episode into `out_dir/<source>/`.

    Returns:
        The episode folders.
    """
    folders = [build_episode(p, out_dir / "written") for p in sorted(written.glob("*/*.txt"))]
    folders += [build_spoken(p, out_dir / "spoken") for p in sorted(spoken.glob("*.json"))]
    return folders


def main(argv: list[str]) -> int:
    out_dir = Path(argv[0]) if argv else DEFAULT_OUT
    folders = build_all(out_dir)
    for source in ("written", "spoken"):
        built = [f for f in folders if f.parent.name == source]
        shows = {tomllib.loads((f / "metadata.toml").read_text())["podcast_slug"] for f in built}
        print(f"{source}: {len(built)} episodes of {len(shows)} shows in {out_dir / source}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
