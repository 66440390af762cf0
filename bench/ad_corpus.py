"""Labelled episodes for the ad benchmarks: the dev corpus, the written corpus and the fixtures.

Shared by `bench/ads.py` (scoring) and `bench/fit_ads.py` (fitting). Every episode carries its
source and its show, so figures can be kept apart per source and fitted leave-one-show-out.

- dev: the ads-dev layout (`segments.json`, `truth.txt`, `metadata.toml` per folder), real
  episodes, third-party text read in place (never copied into the repo).
- written: `bench/corpus/written/<show>/<ep>.txt`, built into the same layout in a temp folder.
- spoken: some of those scripts spoken by espeak-ng and transcribed by podsift's tiny.en
  pipeline (`bench/corpus/spoken/`): the same shows with real ASR errors. A spoken episode is
  the same show as its script, so leave-one-show-out holds both out together.
- fixtures: `tests/data/ads/*.json` beside `*.expected.json`, grouped into shows by the show
  their welcome line names (its `context` files are other episodes of it); and the scripts
  under `tests/data/ads/classes/<show>/` written for issue 11's failure classes.
"""

from __future__ import annotations

import importlib.util
import json
import re
import sys
import tempfile
import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

from podsift.tasks.core.records import Segment, Word, load_transcript_file
from podsift.tasks.core.sentences import bare_word, word_stream

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared" / "corpus"
DEV_DIR = SHARED / "ads-dev"
# Real transcripts of five shows (third-party text, read in place) and our labels for them.
REAL_DIR = SHARED / "real"
LABELS_DIR = REPO / "bench" / "labels" / "ads"
WRITTEN_DIR = REPO / "bench" / "corpus" / "written"
SPOKEN_DIR = REPO / "bench" / "corpus" / "spoken"
FIXTURES_DIR = REPO / "tests" / "data" / "ads"
# Scripts (the written corpus' format) for each failure class of issue 11, one show each.
CLASS_SCRIPTS_DIR = FIXTURES_DIR / "classes"
# "extra": any folder in the ads-dev layout a user names (`bench/ads.py --extra DIR`), e.g.
# labelled episodes of their own shows; scored leave-one-show-out like the rest (its blocks
# join the other shows' folds there), never used for the shipped weights (`bench/fit_ads.py`
# does not read it).
SOURCES = ("real", "dev", "written", "spoken", "fixtures", "extra")


@dataclass(frozen=True, slots=True)
class LabelledEpisode:
    """One episode with its true ad breaks."""

    source: str  # one of SOURCES
    show: str
    name: str
    duration_s: float
    description: str | None
    segments: list[Segment]
    truth: list[tuple[float, float]]
    context: list[list[Segment]]


def parse_time(text: str) -> float:
    """Seconds from `m:ss`, `mm:ss` or `h:mm:ss`, decimals allowed."""
    seconds = 0.0
    for part in text.strip().split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def parse_truth(text: str) -> list[tuple[float, float]]:
    """True spans from a truth.txt: `start:`/`end:` blocks split by `---`, `#` comments."""
    spans = []
    for block in re.split(r"^---\s*$", text, flags=re.MULTILINE):
        fields: dict[str, str] = {}
        for line in block.splitlines():
            if line.lstrip().startswith("#") or ":" not in line:
                continue
            key, _, value = line.strip().partition(":")
            fields.setdefault(key.strip().lower(), value.strip())
        if "start" in fields and "end" in fields:
            spans.append((parse_time(fields["start"]), parse_time(fields["end"])))
    return sorted(spans)


def load_layout(corpus: Path, source: str) -> list[LabelledEpisode]:
    """Every episode folder under `corpus` (ads-dev layout); same-show episodes are context."""
    raw = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "segments.json").is_file()):
        meta = tomllib.loads((folder / "metadata.toml").read_text(encoding="utf-8"))
        segments = load_transcript_file(folder / "segments.json")
        duration = float(meta.get("duration") or (segments[-1].end if segments else 0.0))
        truth = parse_truth((folder / "truth.txt").read_text(encoding="utf-8"))
        show = str(meta.get("podcast_slug", folder.name))
        raw.append((folder.name, show, duration, meta.get("description"), segments, truth))
    return [
        LabelledEpisode(
            source,
            show,
            name,
            duration,
            description,
            segments,
            truth,
            [r[4] for r in raw if r[1] == show and r[0] != name],
        )
        for name, show, duration, description, segments, truth in raw
    ]


def load_real(
    labels: Path = LABELS_DIR, real: Path = REAL_DIR, limit_per_show: int | None = None
) -> list[LabelledEpisode]:
    """The real episodes labelled by reading (`bench/labels/ads/<show>/<slug>.json`).

    The transcript is read from the shared corpus by the name the label gives; the show notes
    are its description. No same-show context: `podsift ads FILE` has none either.
    """
    episodes: list[LabelledEpisode] = []
    for show_dir in sorted(p for p in labels.iterdir() if p.is_dir()):
        files = sorted(show_dir.glob("*.json"))[:limit_per_show]
        for label_file in files:
            label = json.loads(label_file.read_text(encoding="utf-8"))
            path = real / label["transcript"]
            if not path.is_file():
                continue
            data = json.loads(path.read_text(encoding="utf-8"))
            segments = load_transcript_file(path)
            meta = data.get("metadata") or {}
            episodes.append(
                LabelledEpisode(
                    "real",
                    show_dir.name,
                    label_file.stem,
                    segments[-1].end if segments else 0.0,
                    meta.get("notes"),
                    segments,
                    [(float(a["start"]), float(a["end"])) for a in label["ads"]],
                    [],
                )
            )
    return episodes


def load_ad_copy(real: Path = REAL_DIR) -> list[str]:
    """The sponsor-read templates of `ad-copy/` (MinusPod community patterns, MIT): each one
    read's text. Positive examples of consumer-spot language for fitting; no timing."""
    return [text for _, text in load_ad_copy_by_sponsor(real)]


def load_ad_copy_by_sponsor(real: Path = REAL_DIR) -> list[tuple[str, str]]:
    """(sponsor, text) of each template of `ad-copy/`, in file order."""
    out = []
    for path in sorted((real / "ad-copy").glob("*.json")):
        data = json.loads(path.read_text(encoding="utf-8"))
        if isinstance(data, dict) and isinstance(data.get("text_template"), str):
            sponsor = str(data.get("sponsor") or path.stem.rsplit("-", 1)[0])
            out.append((sponsor, data["text_template"]))
    return out


def load_written(
    written: Path = WRITTEN_DIR, spoken: Path | None = SPOKEN_DIR, source: str = "written"
) -> list[LabelledEpisode]:
    """Build the written scripts (and the spoken episodes) into a temp folder and load them.

    The written episodes get `source`; the spoken ones (the same scripts through espeak-ng and
    podsift's tiny.en transcription) get "spoken".
    """
    spec = importlib.util.spec_from_file_location("corpus_build", REPO / "bench/corpus/build.py")
    if spec is None or spec.loader is None or not written.is_dir():
        return []
    build = importlib.util.module_from_spec(spec)
    sys.modules["corpus_build"] = build  # dataclasses look their module up there
    spec.loader.exec_module(build)
    with tempfile.TemporaryDirectory() as out:
        build.build_all(Path(out), written, spoken or Path(out) / "none")
        episodes = load_layout(Path(out) / "written", source)
        if (Path(out) / "spoken").is_dir():
            episodes += load_layout(Path(out) / "spoken", "spoken")
        return episodes


def fixture_show(segments: list[Segment]) -> str | None:
    """The show a fixture belongs to, from its welcome line: fixtures of one show are one fold."""
    text = " ".join(s.text for s in segments)
    match = re.search(
        r"(?:[Ww]elcome (?:back )?to|[Tt]his is) (?:[Tt]he )?((?:[A-Z][\w']+ ?)+)", text
    )
    return match.group(1).strip().lower() if match else None


def load_fixtures(directory: Path = FIXTURES_DIR) -> list[LabelledEpisode]:
    """The invented fixtures as labelled episodes, each with its context episodes."""
    episodes = []
    for expected_file in sorted(directory.glob("*.expected.json")):
        name = expected_file.name.removesuffix(".expected.json")
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        segments = load_transcript_file(directory / f"{name}.json")
        context = [load_transcript_file(directory / f"{c}.json") for c in expected["context"]]
        episodes.append(
            LabelledEpisode(
                "fixtures",
                fixture_show(segments) or name,
                name,
                segments[-1].end if segments else 0.0,
                expected["description"],
                segments,
                [(float(a), float(b)) for a, b in expected["spans"]],
                context,
            )
        )
    return episodes


def load_all(
    dev: Path | None = DEV_DIR,
    written: Path | None = WRITTEN_DIR,
    fixtures: Path | None = FIXTURES_DIR,
) -> list[LabelledEpisode]:
    """Every labelled episode of the sources given (None leaves a source out)."""
    episodes: list[LabelledEpisode] = []
    if dev is not None and dev.is_dir():
        episodes += load_layout(dev, "dev")
    if written is not None:
        episodes += load_written(written)
    if fixtures is not None:
        episodes += load_fixtures(fixtures)
        episodes += load_written(fixtures / "classes", None, "fixtures")
    return episodes


# --- stress: the same episodes as Whisper's worst stretches give them --------------------------
# Whisper sometimes stops punctuating and capitalising for minutes, and then cuts its segments
# by time, not by sentence. `flattened` turns a labelled episode into that: every word lower
# case, punctuation gone except inside a token ("acme.com", "14.99", "don't"), segments merged
# into runs of up to FLAT_SEGMENT_S. Times and labels are unchanged, so the figures say what the
# detector loses to the transcript's form alone. 25 s: a little under Whisper's 30-s window.
FLAT_SEGMENT_S = 25.0


def _flat_word(word: Word) -> Word | None:
    text = bare_word(word.word)
    return replace(word, word=" " + text) if text else None


def flattened(episode: LabelledEpisode) -> LabelledEpisode:
    """`episode` with no capitals, no sentence punctuation and time-cut segments."""
    runs: list[list[Word]] = []
    for word in word_stream(episode.segments):  # segments without word times are spread
        flat = _flat_word(word)
        if flat is None:
            continue
        if not runs or flat.end - runs[-1][0].start > FLAT_SEGMENT_S:
            runs.append([])
        runs[-1].append(flat)
    segments = [
        Segment(run[0].start, run[-1].end, "".join(w.word for w in run).strip(), tuple(run))
        for run in runs
    ]
    return replace(episode, source=episode.source + "-flat", segments=segments)
