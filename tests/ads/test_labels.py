"""The labels of real episodes (bench/labels/) stay well-formed and hold no third-party text.

They are the target of bench/ads.py's headline and bench/facts.py: a broken label would change
a figure silently. The transcripts they point at live in the shared corpus, outside the repo.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

LABELS = Path(__file__).resolve().parents[2] / "bench" / "labels"
KINDS = {"sponsor", "promo", "spot", "break"}
AD_FILES = sorted((LABELS / "ads").rglob("*.json"))
FACT_FILES = sorted((LABELS / "facts").rglob("*.json"))


def test_enough_real_episodes_from_enough_shows_are_labelled() -> None:
    shows = {p.parent.name for p in AD_FILES}
    assert len(AD_FILES) >= 200 and len(shows) >= 5
    assert len(FACT_FILES) >= 40 and len({p.parent.name for p in FACT_FILES}) >= 6


@pytest.mark.parametrize("path", AD_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_ad_label_is_well_formed(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    assert doc["transcript"] == f"{path.parent.name}/{path.stem}.json"
    assert doc["reader"] and doc["read_whole"] is True
    previous_end = -1.0
    for ad in doc["ads"]:
        assert set(ad) == {"start", "end", "start_seg", "start_word", "end_seg", "end_word", "kind"}
        assert ad["kind"] in KINDS
        assert previous_end <= ad["start"] < ad["end"]
        assert ad["start_seg"] <= ad["end_seg"]
        previous_end = ad["end"]


@pytest.mark.parametrize("path", FACT_FILES, ids=lambda p: f"{p.parent.name}/{p.stem}")
def test_key_facts_are_ranked_timed_and_in_the_readers_words(path: Path) -> None:
    doc = json.loads(path.read_text(encoding="utf-8"))
    facts = doc["facts"]
    assert facts, "a labelled episode has key facts"
    assert [f["rank"] for f in facts] == list(range(1, len(facts) + 1))
    for f in facts:
        assert len(f["text"].split()) >= 5 and f["time"] >= 0 and f["seg"] >= 0


def test_second_reads_point_at_first_reads() -> None:
    second = sorted((LABELS / "second" / "ads").rglob("*.json"))
    assert len(second) >= 0.1 * len(AD_FILES)
    for path in second:
        assert (LABELS / "ads" / path.relative_to(LABELS / "second" / "ads")).is_file()
