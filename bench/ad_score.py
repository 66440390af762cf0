"""How an ad detector's spans are scored against true breaks (shared by bench/ads.py and
bench/fit_ads.py).

A predicted span matches a true one when their intersection over union is at least the
threshold (0.5 as the MinusPod benchmark scores; 0.8 as a stricter check), one to one, best
pairs first. Precision, recall and F1 per episode; averages over episodes with ads.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

Span = tuple[float, float]


def iou(a: Span, b: Span) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def match(pred: Sequence[Span], truth: Sequence[Span], threshold: float = 0.5) -> list[tuple[int, int]]:
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
