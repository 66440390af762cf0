"""Benchmark of the offline facts extractor, per source, with weights chosen leave-one-show-out.

Sources (each episode belongs to a show; a scripted episode is its own show):

- **dev**: the real episodes of the ads-dev corpus (default `../shared/corpus/ads-dev`), ad spans
  from `truth.txt`, show notes from `metadata.toml`;
- **written**: `bench/corpus/written/` built by `bench/corpus/build.py` (our own text), with show
  notes and `reference_facts`;
- **spoken**: some written episodes spoken by espeak-ng and transcribed by podsift's tiny.en
  pipeline (`bench/corpus/spoken/`): Whisper's run-ons, lost capitals and misheard names;
- **scripted**: `tests/data/facts/*.json` with reference facts and their times.

Figures, per source and overall:

- **notes**: share of the show notes' content words (HTML, URLs and hosting boilerplate out,
  stop words out, light stemming) the facts contain; **base**: the same for the lead baseline,
  the first non-ad words of the episode with the facts' word budget; **ratio** = notes / base
  (means over episodes). The extractor is given the episode's title but never its show notes,
  which are what is scored.
- **refs**: share of reference facts found (a fact shares at least half the reference's content
  words, and overlaps its time range where the reference has one).
- **standalone**: share of facts that pass `podsift.tasks.facts.candidates.standalone_declarative`
  (the documented rule); **in ads**: facts that touch a true ad span; **ungrounded**: facts
  whose words are not all said, in order, within their time range.
- **s/h**: seconds of extraction (parse included, model load excluded) per transcript hour.

Weights: for each show, the grid point (`GRID`) with the best mean of notes recall and
reference recall on the *other* shows is the one its episodes are scored with
(leave-one-show-out). `--defaults` scores `params.DEFAULT` instead.

- **extra** (`--extra DIR`, repeatable): any folder in the ads-dev layout with show notes, such as
  openly licensed real episodes kept outside the repository.

Usage: `python bench/facts.py [CORPUS_DIR] [--defaults] [--verbose] [--extra DIR]` from the
repository root.
"""

from __future__ import annotations

import argparse
import html
import itertools
import json
import re
import sys
import tempfile
import time
import tomllib
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench" / "corpus"))

from build import build_all  # noqa: E402

from podsift.tasks.core.records import AdSpan, Fact, Segment, load_transcript_file, spans_from_json  # noqa: E402
from podsift.tasks.facts import (  # noqa: E402
    DEFAULT,
    FactOptions,
    content_terms,
    overlaps_ads,
    spoken_words,
)
from podsift.tasks.facts import PreparedEpisode as Prepared  # noqa: E402
from podsift.tasks.facts.candidates import standalone_declarative  # noqa: E402
from podsift.tasks.facts.nlp import pipeline  # noqa: E402
from podsift.tasks.facts.params import with_weights  # noqa: E402
from podsift.tasks.facts.sentences import grounded  # noqa: E402

SCRIPTED_DIR = ROOT / "tests" / "data" / "facts"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ads-dev"
GRID = {
    "w_information": (0.4, 0.8, 1.2),
    "w_centrality": (0.2, 0.5, 0.8),
    "w_title": (0.0, 0.3),
    "w_cover": (0.4, 0.8),
    "w_position": (0.0,),  # 0.2 was chosen in 1 fold of 19 when it was on the grid
}

# Show-notes lines that describe the hosting platform, not the episode.
_BOILERPLATE_RE = re.compile(
    r"hosted on acast\.? see .*? for more information\.?|show notes found here\.?"
    r"|join our patreon[^.]*\.?|learn more about your ad choices[^.]*\.?",
    re.IGNORECASE,
)


@dataclass
class Episode:
    source: str
    show: str
    name: str
    segments: list[Segment]
    spans: list[AdSpan]
    title: str = ""
    notes: set[str] = field(default_factory=set)
    references: list[dict] = field(default_factory=list)  # text, optional start/end
    prepared: Prepared | None = None
    prepare_s: float = 0.0

    @property
    def key(self) -> str:
        return f"{self.source}/{self.name}"

    @property
    def hours(self) -> float:
        return max(s.end for s in self.segments) / 3600 if self.segments else 0.0


def _clock(text: str) -> float:
    seconds = 0.0
    for part in text.strip().split(":"):
        seconds = seconds * 60 + float(part)
    return seconds


def read_truth(path: Path) -> list[AdSpan]:
    """Ad spans from a corpus `truth.txt` (`start:`/`end:` blocks, `#` comments)."""
    spans: list[AdSpan] = []
    start: float | None = None
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.startswith("start:"):
            start = _clock(line.split(":", 1)[1])
        elif line.startswith("end:") and start is not None:
            spans.append(AdSpan(start, _clock(line.split(":", 1)[1]), 1.0, "truth"))
            start = None
    return sorted(spans, key=lambda s: s.start)


def notes_terms(description: str) -> set[str]:
    """Content words of show notes: HTML, URLs and platform boilerplate removed."""
    text = html.unescape(re.sub(r"<[^>]+>", " ", description))
    text = re.sub(r"https?://\S+|\S+\.(com|org|net|fm|site|me)\S*", " ", text)
    text = _BOILERPLATE_RE.sub(" ", text)
    text = re.sub(r"[^\w'’%$-]+", " ", text)
    return set(content_terms(text))


def load_corpus(corpus: Path, source: str) -> list[Episode]:
    """Episodes in the ads-dev layout (`segments.json`, `truth.txt`, `metadata.toml`)."""
    out = []
    for folder in sorted(p for p in corpus.iterdir() if (p / "segments.json").exists()):
        meta = tomllib.loads((folder / "metadata.toml").read_text(encoding="utf-8"))
        out.append(
            Episode(
                source=source,
                show=str(meta.get("podcast_slug", folder.name)),
                name=folder.name,
                segments=load_transcript_file(folder / "segments.json"),
                spans=read_truth(folder / "truth.txt"),
                title=str(meta.get("title", "")),
                notes=notes_terms(str(meta.get("description", ""))),
                references=[{"text": t} for t in meta.get("reference_facts", [])],
            )
        )
    return out


def load_scripted(directory: Path) -> list[Episode]:
    out = []
    for transcript in sorted(directory.glob("*.json")):
        if transcript.name.endswith((".reference.json", ".ads.json")):
            continue
        ads = directory / f"{transcript.stem}.ads.json"
        reference = json.loads((directory / f"{transcript.stem}.reference.json").read_text())
        out.append(
            Episode(
                source="scripted",
                show=f"scripted-{transcript.stem}",
                name=transcript.stem,
                segments=load_transcript_file(transcript),
                spans=spans_from_json(json.loads(ads.read_text())) if ads.exists() else [],
                references=reference["facts"],
            )
        )
    return out


def baseline_terms(segments: Sequence[Segment], spans: Sequence[AdSpan], budget: int) -> set[str]:
    """Content words of the first `budget` non-ad words of the episode."""
    words = [w for w in spoken_words(segments) if not overlaps_ads(w.start, w.end, spans)]
    return set(content_terms(" ".join(w.text for w in words[:budget])))


def found(reference: dict, facts: Sequence[Fact]) -> bool:
    ref_terms = set(content_terms(reference["text"]))
    for fact in facts:
        if "start" in reference and (
            fact.end < reference["start"] or fact.start > reference["end"]
        ):
            continue
        if len(ref_terms & set(content_terms(fact.text))) >= 0.5 * len(ref_terms):
            return True
    return False


@dataclass
class Score:
    notes: float | None  # None: the episode has no show notes
    base: float | None
    refs: float | None
    facts: list[Fact]


def score_episode(episode: Episode, options: FactOptions) -> Score:
    assert episode.prepared is not None
    facts = episode.prepared.facts(None, options)
    notes = base = refs = None
    if episode.notes:
        budget = sum(len(f.text.split()) for f in facts)
        said = set(content_terms(" ".join(f.text for f in facts)))
        notes = len(episode.notes & said) / len(episode.notes)
        first = baseline_terms(episode.segments, episode.spans, budget)
        base = len(episode.notes & first) / len(episode.notes)
    if episode.references:
        refs = sum(found(r, facts) for r in episode.references) / len(episode.references)
    return Score(notes, base, refs, facts)


def objective(scores: Sequence[Score]) -> float:
    """Mean notes recall plus mean reference recall (each over the episodes that have it)."""
    notes = [s.notes for s in scores if s.notes is not None]
    refs = [s.refs for s in scores if s.refs is not None]
    return (sum(notes) / len(notes) if notes else 0.0) + (sum(refs) / len(refs) if refs else 0.0)


def grid() -> list[FactOptions]:
    keys = list(GRID)
    return [
        with_weights(DEFAULT, **dict(zip(keys, values, strict=True)))
        for values in itertools.product(*(GRID[k] for k in keys))
    ]


def leave_one_show_out(
    episodes: Sequence[Episode],
) -> tuple[dict[str, Score], dict[str, FactOptions]]:
    """Each episode scored with the grid point best on the other shows."""
    points = grid()
    table = {(i, e.key): score_episode(e, o) for i, o in enumerate(points) for e in episodes}
    chosen: dict[str, FactOptions] = {}
    out: dict[str, Score] = {}
    for show in sorted({e.show for e in episodes}):
        train = [e for e in episodes if e.show != show]
        best = max(
            range(len(points)),
            key=lambda i: (objective([table[(i, e.key)] for e in train]), -i),
        )
        chosen[show] = points[best]
        for e in episodes:
            if e.show == show:
                out[e.key] = table[(best, e.key)]
    return out, chosen


def _mean(values: Sequence[float | None]) -> float | None:
    kept = [v for v in values if v is not None]
    return sum(kept) / len(kept) if kept else None


def _pct(value: float | None) -> str:
    return "-" if value is None else f"{100 * value:.1f}"


def report(episodes: Sequence[Episode], scores: dict[str, Score]) -> None:
    header = (
        f"{'source':<10}{'eps':>4}{'facts':>6}{'notes%':>8}{'base%':>7}{'ratio':>7}{'refs%':>7}"
        f"{'standalone%':>12}{'in ads':>7}{'ungrnd':>7}{'s/h':>6}"
    )
    print(header)
    sources = ("dev", "written", "spoken", "scripted", "extra")
    groups = [(s, [e for e in episodes if e.source == s]) for s in sources]
    groups.append(("overall", list(episodes)))
    for source, group in groups:
        if not group:
            continue
        sc = [scores[e.key] for e in group]
        facts = [(f, e) for e, s in zip(group, sc, strict=True) for f in s.facts]
        notes, base = _mean([s.notes for s in sc]), _mean([s.base for s in sc])
        ratio = f"{notes / base:.2f}" if notes is not None and base else "-"
        standalone = sum(standalone_declarative(f.text) for f, _ in facts) / max(len(facts), 1)
        in_ads = sum(overlaps_ads(f.start, f.end, e.spans) for f, e in facts)
        ungrounded = sum(not grounded(f, e.segments) for f, e in facts)
        per_hour = sum(e.prepare_s for e in group) / max(sum(e.hours for e in group), 1e-9)
        print(
            f"{source:<10}{len(group):>4}{len(facts):>6}{_pct(notes):>8}{_pct(base):>7}"
            f"{ratio:>7}{_pct(_mean([s.refs for s in sc])):>7}{100 * standalone:>12.1f}"
            f"{in_ads:>7}{ungrounded:>7}{per_hour:>6.1f}"
        )


def main(argv: Sequence[str]) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", nargs="?", type=Path, default=DEFAULT_CORPUS)
    parser.add_argument("--defaults", action="store_true", help="score params.DEFAULT only")
    parser.add_argument("--verbose", action="store_true", help="print every episode's facts")
    parser.add_argument(
        "--extra",
        type=Path,
        action="append",
        default=[],
        metavar="DIR",
        help="a folder in the ads-dev layout with show notes (`description`), scored as source "
        "'extra' (e.g. openly licensed real episodes kept outside the repository); its episodes "
        "join the other shows' folds, so compare rows only between runs with the same --extra",
    )
    options = parser.parse_args(argv[1:])
    defaults, verbose, corpus = options.defaults, options.verbose, options.corpus
    episodes: list[Episode] = []
    if corpus.exists():
        episodes += load_corpus(corpus, "dev")
    else:
        print(f"dev corpus not found at {corpus}; left out")
    for folder in options.extra:
        episodes += load_corpus(folder, "extra")
    with tempfile.TemporaryDirectory() as tmp:
        build_all(Path(tmp))
        episodes += load_corpus(Path(tmp) / "written", "written")
        episodes += load_corpus(Path(tmp) / "spoken", "spoken")
    episodes += load_scripted(SCRIPTED_DIR)
    pipeline()  # load the model once, outside the timing
    for e in episodes:
        t0 = time.perf_counter()
        e.prepared = Prepared(e.segments, e.spans, title=e.title)
        e.prepared.facts(None, DEFAULT)
        e.prepare_s = time.perf_counter() - t0
    shows = len({e.show for e in episodes})
    if defaults:
        print(f"{len(episodes)} episodes, {shows} shows; params.DEFAULT")
        scores = {e.key: score_episode(e, DEFAULT) for e in episodes}
    else:
        print(f"{len(episodes)} episodes, {shows} shows; weights leave-one-show-out")
        scores, chosen = leave_one_show_out(episodes)
        picks = Counter(tuple(getattr(o, k) for k in GRID) for o in chosen.values()).most_common(3)
        print("weights chosen (" + ", ".join(GRID) + "): folds")
        for values, n in picks:
            print(f"  {values}: {n}")
    report(episodes, scores)
    if verbose:
        for e in episodes:
            s = scores[e.key]
            print(
                f"\n{e.source}/{e.name}: notes {_pct(s.notes)} base {_pct(s.base)} "
                f"refs {_pct(s.refs)}"
            )
            for f in s.facts:
                print(f"  [{f.start:7.1f}] {f.text}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
