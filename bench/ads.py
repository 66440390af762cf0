"""Score the ad detector on a folder of labelled episodes (issue 3).

Usage: python bench/ads.py [PATH_TO_CORPUS] [--spans] [--no-fixtures]

First the invented fixtures (`tests/data/ads/*.expected.json`, our own text: hard negatives and
hard positives of real shows' kinds), then the corpus, if one is given. Each corpus subfolder
holds `segments.json` (transcript JSON), `truth.txt` (true ad spans) and
`metadata.toml` (`podcast_slug`, `duration`, `description`), the layout of the ads-dev corpus.
Scoring follows the corpus README: a predicted span matches a true one when their intersection
over union is at least 0.5, one to one, best pairs first; precision, recall, F1 and F0.5 per
episode and averaged over the episodes with ads; false-positive spans on episodes without ads;
mean boundary error at start and end over matched pairs; CPU seconds per hour of audio.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import time
import tomllib
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.ads import detect_ads  # noqa: E402
from tasks.records import AdSpan, Segment, load_transcript_file  # noqa: E402

IOU_MATCH = 0.5
FIXTURES_DIR = Path(__file__).resolve().parents[1] / "tests" / "data" / "ads"


@dataclass(frozen=True, slots=True)
class Episode:
    name: str
    slug: str
    duration_s: float
    description: str | None
    segments: list[Segment]
    truth: list[tuple[float, float]]


@dataclass(frozen=True, slots=True)
class EpisodeScore:
    name: str
    n_true: int
    n_pred: int
    matched: int
    precision: float
    recall: float
    f1: float
    f05: float
    start_errors: list[float]
    end_errors: list[float]
    cpu_s: float
    audio_s: float


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


def load_episode(folder: Path) -> Episode:
    meta = tomllib.loads((folder / "metadata.toml").read_text(encoding="utf-8"))
    segments = load_transcript_file(folder / "segments.json")
    duration = float(meta.get("duration") or (segments[-1].end if segments else 0.0))
    return Episode(
        name=folder.name,
        slug=str(meta.get("podcast_slug", folder.name)),
        duration_s=duration,
        description=meta.get("description"),
        segments=segments,
        truth=parse_truth((folder / "truth.txt").read_text(encoding="utf-8")),
    )


def load_fixtures(directory: Path) -> list[tuple[Episode, list[list[Segment]]]]:
    """The invented fixtures as scored episodes, each with its context episodes."""
    fixtures = []
    for expected_file in sorted(directory.glob("*.expected.json")):
        name = expected_file.name.removesuffix(".expected.json")
        expected = json.loads(expected_file.read_text(encoding="utf-8"))
        segments = load_transcript_file(directory / f"{name}.json")
        context = [load_transcript_file(directory / f"{c}.json") for c in expected["context"]]
        episode = Episode(
            name=name,
            slug=name,
            duration_s=segments[-1].end if segments else 0.0,
            description=expected["description"],
            segments=segments,
            truth=[(float(a), float(b)) for a, b in expected["spans"]],
        )
        fixtures.append((episode, context))
    return fixtures


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match_spans(
    predicted: list[tuple[float, float]], truth: list[tuple[float, float]]
) -> list[tuple[int, int]]:
    """One-to-one matches (pred index, truth index) with IoU >= 0.5, best pairs first."""
    pairs = sorted(
        (
            (iou(p, t), i, j)
            for i, p in enumerate(predicted)
            for j, t in enumerate(truth)
            if iou(p, t) >= IOU_MATCH
        ),
        reverse=True,
    )
    used_p: set[int] = set()
    used_t: set[int] = set()
    matches = []
    for _, i, j in pairs:
        if i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            matches.append((i, j))
    return matches


def f_beta(precision: float, recall: float, beta: float) -> float:
    if precision + recall == 0:
        return 0.0
    b2 = beta * beta
    return (1 + b2) * precision * recall / (b2 * precision + recall)


def score_episode(episode: Episode, spans: list[AdSpan], cpu_s: float) -> EpisodeScore:
    predicted = [(s.start, s.end) for s in spans]
    matches = match_spans(predicted, episode.truth)
    tp = len(matches)
    precision = tp / len(predicted) if predicted else 0.0
    recall = tp / len(episode.truth) if episode.truth else 0.0
    return EpisodeScore(
        name=episode.name,
        n_true=len(episode.truth),
        n_pred=len(predicted),
        matched=tp,
        precision=precision,
        recall=recall,
        f1=f_beta(precision, recall, 1.0),
        f05=f_beta(precision, recall, 0.5),
        start_errors=[abs(predicted[i][0] - episode.truth[j][0]) for i, j in matches],
        end_errors=[abs(predicted[i][1] - episode.truth[j][1]) for i, j in matches],
        cpu_s=cpu_s,
        audio_s=episode.duration_s,
    )


def run(corpus: Path, *, show_spans: bool = False) -> list[EpisodeScore]:
    """Detect and score every episode folder under `corpus`; prints spans if asked."""
    folders = sorted(p for p in corpus.iterdir() if (p / "segments.json").is_file())
    episodes = [load_episode(p) for p in folders]
    return _detect_and_score(
        [
            (episode, [e.segments for e in episodes if e.slug == episode.slug and e is not episode])
            for episode in episodes
        ],
        show_spans=show_spans,
    )


def run_fixtures(directory: Path = FIXTURES_DIR, *, show_spans: bool = False) -> list[EpisodeScore]:
    """Detect and score the invented fixtures; prints spans if asked."""
    return _detect_and_score(load_fixtures(directory), show_spans=show_spans)


def _detect_and_score(
    episodes: list[tuple[Episode, list[list[Segment]]]], *, show_spans: bool
) -> list[EpisodeScore]:
    scores = []
    for episode, context in episodes:
        started = time.process_time()
        spans = detect_ads(episode.segments, context=context, description=episode.description)
        cpu = time.process_time() - started
        scores.append(score_episode(episode, spans, cpu))
        if show_spans:
            _print_spans(episode, spans)
    return scores


def _mmss(seconds: float) -> str:
    return f"{int(seconds // 60)}:{seconds % 60:05.2f}"


def _print_spans(episode: Episode, spans: list[AdSpan]) -> None:
    print(f"\n{episode.name}")
    for t in episode.truth:
        print(f"  truth {_mmss(t[0]):>9} - {_mmss(t[1]):>9}")
    for s in spans:
        print(f"  found {_mmss(s.start):>9} - {_mmss(s.end):>9}  {s.confidence:.2f}  {s.reason}")


def _mean(values: list[float]) -> float:
    return sum(values) / len(values) if values else float("nan")


def print_table(scores: list[EpisodeScore]) -> None:
    header = (
        f"{'episode':<40} {'true':>4} {'pred':>4} {'hit':>3} {'P':>5} {'R':>5} {'F1':>5} "
        f"{'F0.5':>5} {'err start':>9} {'err end':>8} {'cpu s/h':>8}"
    )
    print(header)
    print("-" * len(header))
    for s in scores:
        cpu_per_hour = s.cpu_s / (s.audio_s / 3600) if s.audio_s else float("nan")
        if s.n_true:
            figures = f"{s.precision:5.2f} {s.recall:5.2f} {s.f1:5.2f} {s.f05:5.2f}"
        else:
            figures = f"{'no ads: ' + str(s.n_pred) + ' FP':>23}"
        print(
            f"{s.name[:40]:<40} {s.n_true:>4} {s.n_pred:>4} {s.matched:>3} {figures} "
            f"{_mean(s.start_errors):9.1f} {_mean(s.end_errors):8.1f} {cpu_per_hour:8.3f}"
        )
    with_ads = [s for s in scores if s.n_true]
    without = [s for s in scores if not s.n_true]
    starts = [e for s in scores for e in s.start_errors]
    ends = [e for s in scores for e in s.end_errors]
    cpu = sum(s.cpu_s for s in scores) / (sum(s.audio_s for s in scores) / 3600)
    print("-" * len(header))
    print(
        f"{'mean over ' + str(len(with_ads)) + ' episodes with ads':<54} "
        f"{_mean([s.precision for s in with_ads]):5.2f} {_mean([s.recall for s in with_ads]):5.2f} "
        f"{_mean([s.f1 for s in with_ads]):5.2f} {_mean([s.f05 for s in with_ads]):5.2f} "
        f"{_mean(starts):9.1f} {_mean(ends):8.1f} {cpu:8.3f}"
    )
    print(
        f"false-positive spans on {len(without)} ad-free episodes: {sum(s.n_pred for s in without)}"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("corpus", type=Path, nargs="?", help="folder of episode folders")
    parser.add_argument("--spans", action="store_true", help="print true and found spans")
    parser.add_argument("--no-fixtures", action="store_true", help="score the corpus alone")
    args = parser.parse_args(argv)
    if args.corpus is not None and not args.corpus.is_dir():
        print(f"corpus folder not found: {args.corpus}", file=sys.stderr)
        return 2
    if not args.no_fixtures:
        print(f"Invented fixtures ({FIXTURES_DIR.relative_to(FIXTURES_DIR.parents[2])})")
        print_table(run_fixtures(show_spans=args.spans))
    if args.corpus is not None:
        print(f"\nCorpus {args.corpus}")
        print_table(run(args.corpus, show_spans=args.spans))
    return 0


if __name__ == "__main__":
    sys.exit(main())
