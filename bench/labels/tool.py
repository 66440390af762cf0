"""Read real transcripts and write ad-break and key-fact labels for them (no transcript text kept).

The labels in ``bench/labels/`` are our own work: times and segment/word positions pointing at the
shared corpus files by name, and key facts written in the reader's own words. The tool resolves
a quoted boundary ("the first few words of the break") to a word position so that the label files
never hold the third-party text itself.

    python bench/labels/tool.py show python-bytes/200-....json            # numbered segments
    python bench/labels/tool.py ads python-bytes/200-....json --reader r1 < spans.json
    python bench/labels/tool.py facts python-bytes/200-....json --reader r1 < facts.json

``spans.json``: ``[{"start_seg": 12, "start_words": "this episode is", "end_seg": 20,
"end_words": "slash python bytes", "kind": "sponsor"}]`` (``[]`` for an episode without ads).
``facts.json``: ``[{"text": "own words", "seg": 40}]`` ranked, most important first.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

REAL = Path(__file__).resolve().parents[2].parent / "shared" / "corpus" / "real"
DEV = REAL.parent / "ads-dev"
LABELS = Path(__file__).resolve().parent
KINDS = {"sponsor", "promo", "spot", "break"}


def _norm(word: str) -> str:
    return re.sub(r"[^a-z0-9]", "", word.lower())


def load(name: str) -> list[dict]:
    """Segments of a real transcript (`<folder>/<slug>.json`) or a dev episode (`ads-dev/<ep>`)."""
    if name.startswith("ads-dev/"):
        data = json.loads((DEV / name.split("/", 1)[1] / "segments.json").read_text())
        return data if isinstance(data, list) else data["segments"]
    else:
        data = json.loads((REAL / name).read_text())
    return data["segments"]


def _fmt(t: float) -> str:
    return f"{int(t // 60)}:{t % 60:04.1f}"


def show(name: str, lo: int, hi: int | None, budget: int = 24_000) -> None:
    """Print numbered segments from ``lo``, stopping before ``budget`` characters (a page)."""
    segs = load(name)
    used = 0
    for i, s in enumerate(segs[lo:hi], start=lo):
        who = f" ({s['speaker']})" if s.get("speaker") else ""
        line = f"[{i}] {_fmt(s['start'])}{who} {s['text']}"
        if used + len(line) > budget and used:
            print(f"... page ends; {len(segs)} segments; continue with --from {i}")
            return
        used += len(line) + 1
        print(line)
    print(f"--- end of transcript ({len(segs)} segments, {_fmt(segs[-1]['end'])})")


def _find(seg: dict, quote: str, *, at_end: bool) -> int:
    """Word index in the segment where the quote starts (or, at_end, the index after it ends)."""
    words = [_norm(w) for w in seg["text"].split()]
    want = [w for w in (_norm(q) for q in quote.split()) if w]
    for i in range(len(words) - len(want) + 1):
        if [w for w in words[i : i + len(want)]] == want:
            return i + len(want) if at_end else i
    raise SystemExit(f"quote {quote!r} not found in segment: {seg['text'][:200]!r}")


def _time(seg: dict, word: int) -> float:
    n = max(1, len(seg["text"].split()))
    return round(seg["start"] + (seg["end"] - seg["start"]) * min(word, n) / n, 2)


def ads(name: str, reader: str, spans: list[dict], out_root: Path) -> Path:
    segs = load(name)
    rows = []
    for sp in spans:
        kind = sp.get("kind", "sponsor")
        if kind not in KINDS:
            raise SystemExit(f"kind {kind!r} is not one of {sorted(KINDS)}")
        a, b = segs[sp["start_seg"]], segs[sp["end_seg"]]
        sw = _find(a, sp["start_words"], at_end=False) if sp.get("start_words") else 0
        ew = (
            _find(b, sp["end_words"], at_end=True)
            if sp.get("end_words")
            else len(b["text"].split())
        )
        row = {
            "start": _time(a, sw),
            "end": _time(b, ew),
            "start_seg": sp["start_seg"],
            "start_word": sw,
            "end_seg": sp["end_seg"],
            "end_word": ew,
            "kind": kind,
        }
        if row["end"] <= row["start"]:
            raise SystemExit(f"span ends before it starts: {row}")
        rows.append(row)
    rows.sort(key=lambda r: r["start"])
    path = out_root / "ads" / (name.removesuffix(".json") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"transcript": name, "reader": reader, "read_whole": True, "ads": rows}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def facts(name: str, reader: str, items: list[dict], out_root: Path) -> Path:
    segs = load(name)
    rows = []
    for rank, it in enumerate(items, start=1):
        s = segs[it["seg"]]
        rows.append(
            {
                "rank": rank,
                "text": it["text"].strip(),
                "seg": it["seg"],
                "time": round(s["start"], 2),
            }
        )
    path = out_root / "facts" / (name.removesuffix(".json") + ".json")
    path.parent.mkdir(parents=True, exist_ok=True)
    doc = {"transcript": name, "reader": reader, "facts": rows}
    path.write_text(json.dumps(doc, indent=1) + "\n")
    return path


def main(argv: list[str] | None = None) -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("command", choices=["show", "ads", "facts"])
    ap.add_argument(
        "name", help="<folder>/<slug>.json under shared/corpus/real, or ads-dev/<episode>"
    )
    ap.add_argument("--from", dest="lo", type=int, default=0)
    ap.add_argument("--to", dest="hi", type=int, default=None)
    ap.add_argument("--reader", default="r1")
    ap.add_argument(
        "--second", action="store_true", help="write under bench/labels/second/ (a check read)"
    )
    args = ap.parse_args(argv)
    root = LABELS / "second" if args.second else LABELS
    if args.command == "show":
        show(args.name, args.lo, args.hi)
    elif args.command == "ads":
        print(ads(args.name, args.reader, json.load(sys.stdin), root))
    else:
        print(facts(args.name, args.reader, json.load(sys.stdin), root))


if __name__ == "__main__":
    main()
