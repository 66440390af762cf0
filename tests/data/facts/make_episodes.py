"""Build the scripted test episodes from `*.script.txt` (our own invented text).

Run from the repository root after editing a script: `python tests/data/facts/make_episodes.py`.
It writes, per script, `NAME.json` (DESIGN.md's transcript shape with word timestamps),
`NAME.ads.json` (ad spans) and `NAME.reference.json` (reference facts with the times they were
said, and sentences that must never become facts).

Script format, one transcript segment per line:
- `# ...` comment; `@pace SECONDS` sets the pause between segments (default 0.6).
- `!ad ` before a line makes that segment part of an ad read (consecutive ones form one span).
- `{{...}}` marks a reference fact, `[[...]]` a sentence that must never be a fact; the marks
  are removed from the transcript.
Word times are deterministic: each word takes 0.12 s plus 0.055 s per character, with 0.05 s
between words.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

HERE = Path(__file__).resolve().parent
MARK_RE = re.compile(r"\{\{|\}\}|\[\[|\]\]")


def build(script: Path) -> None:
    segments: list[dict] = []
    ads: list[dict] = []
    refs: list[dict] = []
    never: list[str] = []
    open_ref: dict | None = None
    open_never: list[str] | None = None
    pace = 0.6
    t = 0.0
    for raw in script.read_text(encoding="utf-8").splitlines():
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        if line.startswith("@pace"):
            pace = float(line.split()[1])
            continue
        is_ad = line.startswith("!ad ")
        if is_ad:
            line = line[4:]
        words: list[dict] = []
        seg_start = t
        for token in line.split():
            marks = MARK_RE.findall(token)
            text = MARK_RE.sub("", token)
            if "{{" in marks:
                open_ref = {"words": [], "start": None}
            if "[[" in marks:
                open_never = []
            if text:
                duration = round(0.12 + 0.055 * len(text), 2)
                word = {"start": round(t, 2), "end": round(t + duration, 2), "word": " " + text}
                words.append(word)
                t = round(t + duration + 0.05, 2)
                if open_ref is not None:
                    open_ref["words"].append(word)
                if open_never is not None:
                    open_never.append(text)
            if "}}" in marks and open_ref is not None:
                refs.append(
                    {
                        "text": " ".join(w["word"].strip() for w in open_ref["words"]),
                        "start": open_ref["words"][0]["start"],
                        "end": open_ref["words"][-1]["end"],
                    }
                )
                open_ref = None
            if "]]" in marks and open_never is not None:
                never.append(" ".join(open_never))
                open_never = None
        seg_end = words[-1]["end"] if words else t
        segments.append(
            {
                "start": round(seg_start, 2),
                "end": seg_end,
                "text": "".join(w["word"] for w in words),
                "words": words,
            }
        )
        if is_ad:
            if ads and ads[-1]["end_seg"] == len(segments) - 1:
                ads[-1]["end"] = seg_end
                ads[-1]["end_seg"] = len(segments)
            else:
                ads.append({"start": round(seg_start, 2), "end": seg_end, "end_seg": len(segments)})
        t = round(t + pace, 2)
    name = script.name.removesuffix(".script.txt")
    (HERE / f"{name}.json").write_text(json.dumps({"segments": segments}, indent=1) + "\n")
    spans = [
        {"start": a["start"], "end": a["end"], "confidence": 1.0, "reason": "scripted ad"}
        for a in ads
    ]
    (HERE / f"{name}.ads.json").write_text(json.dumps(spans, indent=1) + "\n")
    reference = {"facts": refs, "never": never}
    (HERE / f"{name}.reference.json").write_text(json.dumps(reference, indent=1) + "\n")


if __name__ == "__main__":
    for path in sorted(HERE.glob("*.script.txt")):
        build(path)
        print(f"built {path.name}")
