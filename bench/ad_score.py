"""How an ad detector's spans are scored against true breaks (shared by bench/ads.py and
bench/fit_ads.py).

A predicted span matches a true one when their intersection over union is at least the
threshold (0.5 as the MinusPod benchmark scores; 0.8 as a stricter check), one to one, best
pairs first. Precision, recall and F1 per episode; averages over episodes with ads.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from dataclasses import dataclass

Span = tuple[float, float]


def iou(a: Span, b: Span) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match(
    pred: Sequence[Span], truth: Sequence[Span], threshold: float = 0.5
) -> list[tuple[int, int]]:
    """One-to-one (pred index, truth index) pairs at IoU >= threshold, best pairs first."""
    pairs = sorted(
        ((iou(p, t), i, j) for i, p in enumerate(pred) for j, t in enumerate(truth)), reverse=True
    )
    used_p: set[int] = set()
    used_t: set[int] = set()
    out = []
    for v, i, j in pairs:
        if v >= threshold and i not in used_p and j not in used_t:
            used_p.add(i)
            used_t.add(j)
            out.append((i, j))
    return out


def joined(spans: Sequence[Span], gap_s: float) -> list[Span]:
    """Spans less than `gap_s` apart joined into one."""
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a - out[-1][1] < gap_s:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def overlap(a: Sequence[Span], b: Sequence[Span]) -> float:
    """Seconds where a span of `a` and a span of `b` overlap (each list non-overlapping)."""
    return sum(max(0.0, min(x[1], y[1]) - max(x[0], y[0])) for x in a for y in b)


def covered(spans: Sequence[Span]) -> float:
    return sum(b - a for a, b in joined(spans, 0.0))


@dataclass(frozen=True, slots=True)
class EpisodeScore:
    show: str
    name: str
    duration_s: float
    truth: list[Span]
    pred: list[Span]

    def f(self, threshold: float = 0.5, beta: float = 1.0, join_s: float = 0.0) -> float:
        pred = joined(self.pred, join_s) if join_s else list(self.pred)
        truth = joined(self.truth, join_s) if join_s else list(self.truth)
        if not truth:
            return 1.0 if not pred else 0.0
        tp = len(match(pred, truth, threshold))
        p = tp / len(pred) if pred else 0.0
        r = tp / len(truth)
        if p + r == 0:
            return 0.0
        b2 = beta * beta
        return (1 + b2) * p * r / (b2 * p + r)

    @property
    def ad_time(self) -> float:
        return covered(self.truth)

    @property
    def found_time(self) -> float:
        return overlap(joined(self.pred, 0.0), joined(self.truth, 0.0))

    @property
    def cut_content(self) -> float:
        """Seconds of the show (not ad) inside predicted spans."""
        return covered(self.pred) - self.found_time

    def edge_errors(self) -> list[tuple[float, float]]:
        """(start error, end error) in seconds, signed (positive: late), of matched spans."""
        return [
            (self.pred[i][0] - self.truth[j][0], self.pred[i][1] - self.truth[j][1])
            for i, j in match(self.pred, self.truth, 0.5)
        ]


HEADER = (
    "| show | eps | F1@.5 | F1@.8 | F0.5 | found | cut s/h | FP eps | start s | end s | F1 j15 |\n"
    "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |"
)


def row(label: str, scores: Sequence[EpisodeScore]) -> str:
    """One table row: F1 at IoU 0.5 and 0.8 and F0.5 (means over episodes with ads), ad time
    found, show seconds cut per hour, ad-free episodes with a span, median signed edge errors
    (positive: late), and F1 with spans less than 15 s apart joined."""
    withads = [s for s in scores if s.truth]
    adfree = [s for s in scores if not s.truth]

    def mean(xs: Sequence[float]) -> float:
        return sum(xs) / len(xs) if xs else float("nan")

    ad_time = sum(s.ad_time for s in scores)
    found = sum(s.found_time for s in scores) / ad_time if ad_time else float("nan")
    hours = sum(s.duration_s for s in scores) / 3600
    cut = sum(s.cut_content for s in scores) / hours if hours else 0.0
    errs = [e for s in scores for e in s.edge_errors()]
    start = statistics.median(e[0] for e in errs) if errs else float("nan")
    end = statistics.median(e[1] for e in errs) if errs else float("nan")
    return (
        f"| {label} | {len(scores)} | {mean([s.f(0.5) for s in withads]):.3f} "
        f"| {mean([s.f(0.8) for s in withads]):.3f} "
        f"| {mean([s.f(0.5, beta=0.5) for s in withads]):.3f} | {found:.1%} | {cut:.1f} "
        f"| {sum(1 for s in adfree if s.pred)}/{len(adfree)} | {start:+.1f} | {end:+.1f} "
        f"| {mean([s.f(0.5, join_s=15.0) for s in withads]):.3f} |"
    )


# Shows whose missed breaks were read to write cue phrasings (`tasks/ads/data/cues.json`): the five
# ads-dev episodes (the rule rounds before issue 24) and Python Bytes (issue 24: the show's own
# address with a sponsor's path, "a longtime sponsor of the show", "sponsoring this episode").
# Their leave-one-show-out figures are in sample for those cues; `table` also prints the other
# shows apart, the figure no cue was written from.
CUES_READ_ON = frozenset(
    {
        "ai-cloud-essentials",
        "crime-junkie",
        "daily-tech-news-show",
        "it-s-a-thing",
        "tosh-show",
        "python-bytes",
    }
)


def table(title: str, scores: Sequence[EpisodeScore]) -> None:
    """Print a markdown table, a row per show, one for all, one for the shows no cue was written
    from (`CUES_READ_ON`) when there are some, and the mean of per-show F1."""
    print(f"\n### {title}\n")
    print(HEADER)
    shows = sorted({s.show for s in scores})
    for show in shows:
        print(row(show, [s for s in scores if s.show == show]))
    print(row(f"**all ({len(shows)} shows)**", scores))
    # A row's show may carry a note after its slug: "crime-junkie (dev, in sample)".
    unread = [sh for sh in shows if sh.split(" (")[0] not in CUES_READ_ON]
    if unread and len(unread) < len(shows):
        print(
            row(
                f"shows no cue was written from ({len(unread)})",
                [s for s in scores if s.show in unread],
            )
        )
    per_show = [
        sum(s.f() for s in scores if s.show == sh and s.truth)
        / sum(1 for s in scores if s.show == sh and s.truth)
        for sh in shows
        if any(s.truth for s in scores if s.show == sh)
    ]
    if per_show:
        print(f"\nmean of per-show F1@.5: {sum(per_show) / len(per_show):.3f}")
