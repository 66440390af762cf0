"""Benchmark of the offline facts extractor.

Two parts, both printed:

1. **Scripted episodes** (`tests/data/facts/*.json`, our own text): recall of the reference facts
   (a reference counts as found when an extracted fact overlaps its time range and shares at
   least half its content words), facts that match a `never` sentence, facts inside ads.
2. **Dev corpus** (default `../shared/corpus/ads-dev`, ad spans from each `truth.txt`): share of
   the show notes' content words (HTML, URLs and hosting boilerplate stripped, lowercased,
   stopwords removed, light stemming) that the facts contain, against a baseline that takes the
   first non-ad words of the episode with the same word budget; plus facts inside ads and facts
   whose words are not found in the transcript at their time range.

Usage: `python bench/facts.py [CORPUS_DIR]` from the repository root.
"""

from __future__ import annotations

import html
import json
import re
import sys
import time
import tomllib
from collections.abc import Sequence
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tasks.facts import (  # noqa: E402
    content_terms,
    extract_facts,
    normalize_word,
    overlaps_ads,
    spoken_words,
)
from tasks.records import AdSpan, Fact, Segment, load_transcript_file, spans_from_json  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
SCRIPTED_DIR = ROOT / "tests" / "data" / "facts"
DEFAULT_CORPUS = ROOT.parent / "shared" / "corpus" / "ads-dev"

# Show-notes lines that describe the hosting platform, not the episode.
_BOILERPLATE_RE = re.compile(
    r"hosted on acast\.? see .*? for more information\.?|show notes found here\.?"
    r"|join our patreon[^.]*\.?|learn more about your ad choices[^.]*\.?",
    re.IGNORECASE,
)


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


def baseline_terms(segments: Sequence[Segment], spans: Sequence[AdSpan], budget: int) -> set[str]:
    """Content words of the first `budget` non-ad words of the episode."""
    words = [w for w in spoken_words(segments) if not overlaps_ads(w.start, w.end, spans)]
    return set(content_terms(" ".join(w.text for w in words[:budget])))


def grounded(fact: Fact, segments: Sequence[Segment]) -> bool:
    """Every word of the fact was said, in order, between its start and end."""
    said = [
        normalize_word(w.text)
        for w in spoken_words(segments)
        if w.start >= fact.start - 0.01 and w.end <= fact.end + 0.01
    ]
    wanted = [normalize_word(w) for w in fact.text.split()]
    position = 0
    for word in wanted:
        while position < len(said) and said[position] != word:
            position += 1
        if position == len(said):
            return False
        position += 1
    return True


def bench_scripted(directory: Path) -> None:
    print(f"Scripted episodes ({directory.relative_to(ROOT)})")
    print(f"{'episode':<28}{'facts':>6}{'recall':>8}{'never':>7}{'in ads':>8}{'ungrounded':>12}")
    recalls: list[float] = []
    for transcript in sorted(directory.glob("*.json")):
        if transcript.name.endswith((".reference.json", ".ads.json")):
            continue
        name = transcript.stem
        segments = load_transcript_file(transcript)
        ads_path = directory / f"{name}.ads.json"
        spans = spans_from_json(json.loads(ads_path.read_text())) if ads_path.exists() else []
        reference = json.loads((directory / f"{name}.reference.json").read_text())
        facts = extract_facts(segments, spans)
        found = sum(1 for ref in reference["facts"] if _matches(ref, facts))
        never = sum(1 for f in facts for bad in reference.get("never", []) if _same(bad, f.text))
        in_ads = sum(1 for f in facts if overlaps_ads(f.start, f.end, spans))
        ungrounded = sum(1 for f in facts if not grounded(f, segments))
        recall = found / len(reference["facts"])
        recalls.append(recall)
        print(f"{name:<28}{len(facts):>6}{recall:>8.2f}{never:>7}{in_ads:>8}{ungrounded:>12}")
    if recalls:
        print(f"{'average':<28}{'':>6}{sum(recalls) / len(recalls):>8.2f}")


def _same(a: str, b: str) -> bool:
    """Two sentences with the same words, ignoring case and punctuation (fillers aside)."""
    wa = [normalize_word(w) for w in a.split()]
    wb = [normalize_word(w) for w in b.split()]
    return " ".join(wb) in " ".join(wa) or " ".join(wa) in " ".join(wb)


def _matches(reference: dict, facts: Sequence[Fact]) -> bool:
    ref_terms = set(content_terms(reference["text"]))
    for fact in facts:
        if fact.end < reference["start"] or fact.start > reference["end"]:
            continue
        if len(ref_terms & set(content_terms(fact.text))) >= 0.5 * len(ref_terms):
            return True
    return False


def bench_corpus(corpus: Path) -> None:
    print(f"\nDev corpus ({corpus})")
    header = (
        f"{'episode':<40}{'facts':>6}{'words':>7}{'notes':>7}{'facts%':>8}{'base%':>7}"
        f"{'ratio':>7}{'in ads':>8}{'ungrnd':>8}{'ms':>6}"
    )
    print(header)
    fact_cov: list[float] = []
    base_cov: list[float] = []
    for episode in sorted(p for p in corpus.iterdir() if (p / "segments.json").exists()):
        segments = load_transcript_file(episode / "segments.json")
        spans = read_truth(episode / "truth.txt")
        meta = tomllib.loads((episode / "metadata.toml").read_text(encoding="utf-8"))
        notes = notes_terms(str(meta.get("description", "")))
        t0 = time.perf_counter()
        facts = extract_facts(segments, spans)
        elapsed_ms = (time.perf_counter() - t0) * 1000
        budget = sum(len(f.text.split()) for f in facts)
        covered = notes & set(content_terms(" ".join(f.text for f in facts)))
        base = notes & baseline_terms(segments, spans, budget)
        f_share = len(covered) / len(notes) if notes else 0.0
        b_share = len(base) / len(notes) if notes else 0.0
        fact_cov.append(f_share)
        base_cov.append(b_share)
        in_ads = sum(1 for f in facts if overlaps_ads(f.start, f.end, spans))
        ungrounded = sum(1 for f in facts if not grounded(f, segments))
        ratio = f"{f_share / b_share:.2f}" if b_share else "inf"
        print(
            f"{episode.name[:39]:<40}{len(facts):>6}{budget:>7}{len(notes):>7}"
            f"{100 * f_share:>8.1f}{100 * b_share:>7.1f}{ratio:>7}{in_ads:>8}{ungrounded:>8}"
            f"{elapsed_ms:>6.0f}"
        )
    if fact_cov:
        mean_f = sum(fact_cov) / len(fact_cov)
        mean_b = sum(base_cov) / len(base_cov)
        ratio = f"{mean_f / mean_b:.2f}" if mean_b else "inf"
        print(
            f"{'average':<40}{'':>6}{'':>7}{'':>7}{100 * mean_f:>8.1f}{100 * mean_b:>7.1f}"
            f"{ratio:>7}"
        )


def main(argv: Sequence[str]) -> int:
    corpus = Path(argv[1]) if len(argv) > 1 else DEFAULT_CORPUS
    if SCRIPTED_DIR.exists():
        bench_scripted(SCRIPTED_DIR)
    if corpus.exists():
        bench_corpus(corpus)
    else:
        print(f"\nDev corpus not found at {corpus}; skipped.")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv))
