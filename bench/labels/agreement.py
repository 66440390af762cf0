"""Agreement between the first and the second (check) reader on the same episodes.

    python bench/labels/agreement.py

For each episode read twice: the breaks matched one to one at IoU >= 0.5 (F1 of one reader
against the other, as `bench/ads.py` scores a detector), and on a one-second grid the share of ad
time both marked (Jaccard) and Cohen's kappa of ad/not-ad.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

sys.path.append(str(Path(__file__).resolve().parents[1]))
from ad_score import match  # noqa: E402

LABELS = Path(__file__).resolve().parent


def spans(path: Path) -> list[tuple[float, float]]:
    return [(a["start"], a["end"]) for a in json.loads(path.read_text())["ads"]]


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
        m = len(match(a, b))
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
