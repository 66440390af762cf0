"""The language of ads as data (tasks/ads/data/cues.json): ids, notes, and what fired."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from podsift.tasks.ads.boundaries import ad_breaks, reason
from podsift.tasks.ads.classifier import ad_probability, contributions
from podsift.tasks.ads.evidence import (
    CUE_DATA,
    CUE_OF_ID,
    CUE_PATTERNS,
    Cue,
    cue_set,
    phrase_pattern,
    sentence_evidence,
    word_list,
)
from podsift.tasks.ads.params import AdOptions, EvidenceOptions
from podsift.tasks.ads.rules import analyse
from podsift.tasks.ads.sentences import split_sentences
from podsift.tasks.core.records import Segment, load_transcript_file

DATA = Path(__file__).resolve().parents[1] / "data" / "ads"
# Cues found by code rather than by phrases: an address by core's recogniser, an advertiser by
# its list.
_FOUND_BY_CODE = {Cue.WEB_ADDRESS, Cue.ADVERTISER}


def _ids() -> list[str]:
    phrases = [p["id"] for cue in CUE_DATA["cues"] for g in cue["groups"] for p in g["phrases"]]
    others = [
        e["id"] for section in ("derived", "patterns", "words", "sets") for e in CUE_DATA[section]
    ]
    return phrases + others


def test_every_id_is_unique_and_every_entry_says_what_it_is_for() -> None:
    ids = _ids()
    assert len(ids) == len(set(ids)), sorted(i for i in ids if ids.count(i) > 1)
    assert all(re.fullmatch(r"[a-z_]+\.[a-z0-9_]+", i) for i in ids), ids
    assert CUE_DATA["note"]
    for section in ("cues", "derived", "patterns", "words", "sets"):
        assert all(entry["note"] for entry in CUE_DATA[section]), section
    assert all(f["note"] for f in CUE_DATA["fragments"].values())


def test_every_cue_has_its_phrases_and_a_phrase_id_names_its_cue() -> None:
    assert {p.cue for p in CUE_PATTERNS} == set(Cue) - _FOUND_BY_CODE
    for pattern in CUE_PATTERNS:
        assert all(i.startswith(pattern.cue.name.lower() + ".") for i in pattern.phrase_ids)
    assert set(CUE_OF_ID) == {i for i in _ids() if not i.startswith(("pattern.", "words.", "set."))}
    assert {CUE_OF_ID[d["id"]] for d in CUE_DATA["derived"]} >= _FOUND_BY_CODE


def test_every_pattern_list_and_set_loads() -> None:
    for entry in CUE_DATA["patterns"]:
        assert isinstance(phrase_pattern(entry["id"]), re.Pattern)
    for entry in CUE_DATA["words"]:
        words = word_list(entry["id"])
        assert words and len(words) == len(set(words)), entry["id"]
    for entry in CUE_DATA["sets"]:
        assert cue_set(entry["id"]) <= set(Cue), entry["id"]
    # Sets that were equal under two names are one entry now.
    sets = [frozenset(e["cues"]) for e in CUE_DATA["sets"]]
    assert len(sets) == len(set(sets))
    with pytest.raises(KeyError, match="no sets entry 'set.nothing': expected one of set.lead_in"):
        cue_set("set.nothing")


def _sentences(*texts: str) -> list[Any]:
    segments, t = [], 0.0
    for text in texts:
        segments.append(Segment(t, t + 4.0, text))
        t += 4.5
    return split_sentences(segments)


@pytest.mark.parametrize(
    ("text", "fired"),
    [
        ("And all of it brought to you by Fennick Bank.", "lead_in.brought_to_you_by"),
        (
            "Support for this podcast comes from Larkford Health.",
            "sponsor_credit.support_for_comes_from",
        ),
        ("Use code SHED for twenty percent off.", "promo_code.use_code"),
        ("It is seventeen dollars a month.", "price.dollars_per_period"),
        ("Call one eight hundred five five five oh one nine nine.", "phone.spoken_digits"),
        ("Go to fennick dot com today.", "derived.web_address"),
        ("We'll be right back after these messages.", "hand_over.be_right_back"),
    ],
)
def test_a_sentence_names_the_id_that_fired(text: str, fired: str) -> None:
    (evidence,) = sentence_evidence(_sentences(text), EvidenceOptions(), use_advertisers=True)
    assert fired in evidence.fired
    assert CUE_OF_ID[fired] in evidence.cues
    assert len(evidence.fired) == len(evidence.cues)  # one id per cue kept


def test_a_cue_a_later_rule_removes_takes_its_id_with_it() -> None:
    # "Welcome to X, a podcast brought to you by Y": the show names its producer, no lead-in.
    (evidence,) = sentence_evidence(
        _sentences("Welcome to Old Roads, a podcast brought to you by Northwind Radio."),
        EvidenceOptions(),
        use_advertisers=False,
    )
    assert Cue.LEAD_IN not in evidence.cues
    assert not any(i.startswith("lead_in.") for i in evidence.fired)
    assert any(i.startswith("welcome.") for i in evidence.fired)


def test_a_breaks_reason_can_name_the_ids_that_fired() -> None:
    segments = load_transcript_file(DATA / "preroll_price_url.json")
    options = AdOptions()
    analysis = analyse(segments, options=options)
    weights = options.resolved_weights()
    breaks = ad_breaks(
        analysis.blocks,
        [ad_probability(f, weights) for f in analysis.features],
        [contributions(f, weights) for f in analysis.features],
        analysis.sentences,
        analysis.evidence,
        options.breaks,
    )
    assert breaks and all(b.fired for b in breaks)
    plain, named = (
        reason(breaks[0], options.breaks),
        reason(breaks[0], options.breaks, name_ids=True),
    )
    assert "[" not in plain  # the span's reason keeps its wording
    assert re.sub(r" \[[^\]]*\]", "", named) == plain
    named_ids = {i for part in re.findall(r"\[([^\]]*)\]", named) for i in part.split(", ")}
    assert named_ids and named_ids <= set(breaks[0].fired)
