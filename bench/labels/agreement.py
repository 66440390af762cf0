"""Agreement between the first and the second (check) reader on the same episodes.

    python bench/labels/agreement.py

For each episode read twice: the breaks matched one to one at IoU >= 0.5 (F1 of one reader
against the other, as `bench/ads.py` scores a detector), and on a one-second grid the share of ad
time both marked (Jaccard) and Cohen's kappa of ad/not-ad.
"""

from __future__ import annotations

import json
from pathlib import Path

LABELS = Path(__file__).resolve().parent


def spans(path: Path) -> list[tuple[float, float]]:
    return [(a["start"], a["end"]) for a in json.loads(path.read_text())["ads"]]


def iou(a: tuple[float, float], b: tuple[float, float]) -> float:
    inter = max(0.0, min(a[1], b[1]) - max(a[0], b[0]))
    union = max(a[1], b[1]) - min(a[0], b[0])
    return inter / union if union > 0 else 0.0


def matched(a: list[tuple[float, float]], b: list[tuple[float, float]]) -> int:
    pairs = sorted(
        ((iou(x, y), i, j) for i, x in enumerate(a) for j, y in enumerate(b)), reverse=True
    )
    used_a: set[int] = set()
    used_b: set[int] = set()
    for v, i, j in pairs:
        if v >= 0.5 and i not in used_a and j not in used_b:
            used_a.add(i)
            used_b.add(j)
    return len(used_a)


def grid(sp: list[tuple[float, float]], n: int) -> list[bool]:
    return [any(s <= t + 0.5 < e for s, e in sp) for t in range(n)]


def main() -> None:
    rows = []
    tp = na = nb = 0
    both = either = 0
    agree = total = pa = pb = 0
    for second in sorted((LABELS / "second" / "ads").rglob("*.json")):
        rel = second.relative_to(LABELS / "second" / "ads")
        first = LABELS / "ads" / rel
        if not first.exists():
            continue
        a, b = spans(first), spans(second)
        m = matched(a, b)
        tp, na, nb = tp + m, na + len(a), nb + len(b)
        n = int(max([e for _, e in a + b] + [1])) + 60
        ga, gb = grid(a, n), grid(b, n)
        both += sum(x and y for x, y in zip(ga, gb, strict=True))
        either += sum(x or y for x, y in zip(ga, gb, strict=True))
        agree += sum(x == y for x, y in zip(ga, gb, strict=True))
        total += n
        pa, pb = pa + sum(ga), pb + sum(gb)
        rows.append((str(rel), len(a), len(b), m))
    for name, x, y, m in rows:
        print(f"{name:70s} first {x}  second {y}  matched {m}")
    f1 = 2 * tp / (na + nb) if na + nb else 1.0
    po = agree / total
    pe = (pa / total) * (pb / total) + (1 - pa / total) * (1 - pb / total)
    kappa = (po - pe) / (1 - pe)
    print(f"\n{len(rows)} episodes read twice; breaks {na} (first) / {nb} (second), {tp} matched")
    print(
        f"break F1 at IoU>=0.5: {f1:.3f}; ad-time Jaccard {both / max(1, either):.3f}; "
        f"per-second kappa {kappa:.3f}"
    )


if __name__ == "__main__":
    main()
