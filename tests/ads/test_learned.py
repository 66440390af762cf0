"""The learned ad detector (issue 24): the shipped model, its spans, its reasons, its errors.

The model is fitted on real episodes (`bench/learned/fit.py`); its quality is measured by
`bench/ads.py` on real shows, leave-one-show-out, not asserted here. These tests pin what a user
relies on whatever the figures: the model file loads offline and says where it came from, spans
are sorted, disjoint, confident and explained, a plain sponsor read is found, a conversation
without ads gives none, and a broken model file is named in a clear error. All transcripts
here are written for the tests.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import numpy as np
import pytest

from podsift.tasks.ads import DETECTORS, detect_ads, learned
from podsift.tasks.ads.features import DENSE_NAMES, HASH_SIZE, MEANING_SIZE
from podsift.tasks.ads.model import DEFAULT_MODEL, load
from podsift.tasks.core.errors import PodsiftError
from podsift.tasks.core.records import Segment, load_transcript_file

DATA = Path(__file__).resolve().parents[1] / "data" / "ads"

SPONSOR_READ = [
    "This episode is brought to you by Fernwood Coffee.",
    "Fernwood roasts every bag to order and ships it the same day.",
    "I drink it every morning before we record, and it is honestly the best coffee I have had.",
    "Right now listeners get twenty percent off their first order.",
    "Go to fernwood coffee dot com slash deep and use the code DEEP at checkout.",
    "That's fernwood coffee dot com slash deep, code DEEP, for twenty percent off.",
]
SHOW = [
    "Welcome back to Deep Water, the show about oceans and the people who study them.",
    "Today my guest is a marine biologist who has spent ten years tracking sea turtles.",
    "Thanks for having me, it is great to be here.",
    "So how did you start working with turtles in the first place?",
    "I grew up on the coast, and as a student I volunteered at a nesting beach every summer.",
    "We counted nests at night and moved the eggs that were too close to the tide line.",
    "What surprised you most when you started tagging them?",
    "How far they travel: one female we tagged swam more than two thousand kilometres.",
    "She came back to the same beach three years later to nest again.",
    "That homing is still not fully understood, though the magnetic field plays a part.",
    "Do warmer beaches change anything for the hatchlings?",
    "They do, the sand temperature decides whether a hatchling is male or female.",
    "On the hottest beaches nearly all of the hatchlings are now female.",
    "Conservation groups are trying shade cloths and moving nests to cooler sand.",
    "It is early, but the first results from two seasons look promising.",
    "Where can people follow your work?",
    "Our project posts its tracking maps every month, and anyone can look them up.",
    "Thank you so much for coming on the show.",
    "That's it for this week, see you next time on Deep Water.",
]


def _timed(lines: list[str], start: float = 0.0) -> list[Segment]:
    out, t = [], start
    for line in lines:
        length = 0.38 * len(line.split())
        out.append(Segment(round(t, 2), round(t + length, 2), line))
        t += length + 0.4
    return out


def test_the_shipped_model_loads_and_says_what_it_was_fitted_on() -> None:
    model = load(DEFAULT_MODEL)
    assert model.words.shape == (HASH_SIZE,)
    assert model.dense.shape == (len(DENSE_NAMES),)
    assert model.meaning.shape == model.meaning_mean.shape == (MEANING_SIZE,)
    assert np.abs(model.meaning).sum() > 0, "the meaning block carries weight"
    assert "real episodes" in model.meta["fitted_on"]
    assert 0 < model.sequence.prior < 1


def test_a_plain_sponsor_read_before_the_show_is_found() -> None:
    segments = _timed(SPONSOR_READ + SHOW)
    spans = detect_ads(segments)
    read_end = segments[len(SPONSOR_READ) - 1].end
    assert spans, "the pre-roll read was missed"
    first = spans[0]
    overlap = min(first.end, read_end) - max(first.start, 0.0)
    assert overlap > 0.5 * read_end, f"{first} covers too little of the read (0-{read_end})"
    assert first.end < segments[len(SPONSOR_READ) + 3].start, "the span runs into the interview"


def test_a_conversation_without_ads_gives_no_span() -> None:
    assert detect_ads(_timed(SHOW)) == []


def test_empty_transcript_has_no_ads() -> None:
    assert detect_ads([]) == []


@pytest.mark.parametrize(
    "name", sorted(p.name[: -len(".expected.json")] for p in DATA.glob("*.expected.json"))
)
def test_spans_are_sorted_disjoint_confident_and_explained(name: str) -> None:
    expected = json.loads((DATA / f"{name}.expected.json").read_text(encoding="utf-8"))
    segments = load_transcript_file(DATA / f"{name}.json")
    spans = detect_ads(segments, description=expected["description"])
    for a, b in zip(spans, spans[1:], strict=False):
        assert a.end <= b.start
    for s in spans:
        assert s.start < s.end
        assert 0.0 <= s.confidence <= 1.0
        assert s.reason and s.reason == s.reason.strip()


def test_the_reason_names_what_drove_the_score() -> None:
    spans = detect_ads(_timed(SPONSOR_READ + SHOW))
    known = {"ad language", "reads like an ad", "pre-roll", "post-roll"} | {
        c.value for c in learned.Cue
    }
    for part in spans[0].reason.split("; "):
        assert part in known, f"{part!r} in {spans[0].reason!r} names nothing the model reads"


def test_the_rules_alone_are_still_there_by_name() -> None:
    segments = _timed(SPONSOR_READ + SHOW)
    assert DETECTORS == ("learned", "rules")
    assert detect_ads(segments, detector="rules") is not None
    with pytest.raises(PodsiftError, match="unknown ad detector 'magic'"):
        detect_ads(segments, detector="magic")


def test_a_corrupt_model_file_is_named_in_the_error(tmp_path: Path) -> None:
    bad = tmp_path / DEFAULT_MODEL.name
    bad.write_bytes(b"not a zip file")
    shutil.copy(DEFAULT_MODEL.with_suffix(".json"), bad.with_suffix(".json"))
    with pytest.raises(PodsiftError, match=str(bad)):
        load(bad)


def test_a_model_fitted_for_other_features_is_refused(tmp_path: Path) -> None:
    path = tmp_path / DEFAULT_MODEL.name
    shutil.copy(DEFAULT_MODEL, path)
    meta = json.loads(DEFAULT_MODEL.with_suffix(".json").read_text(encoding="utf-8"))
    meta["dense_names"] = meta["dense_names"][:-1]
    path.with_suffix(".json").write_text(json.dumps(meta), encoding="utf-8")
    with pytest.raises(PodsiftError, match="fitted for other features"):
        load(path)
