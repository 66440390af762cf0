"""The facts stage's language data (tasks/facts/data/*.json, issue 23): each word written once,
every flag defined and used, and the rules reading them as the lists in code did."""

from __future__ import annotations

import pytest

from podsift.tasks.ads.evidence import CUE_PATTERNS, Cue
from podsift.tasks.core.text import TALK_FLAGS, load_data, package_data
from podsift.tasks.facts import reads_as_ad_copy
from podsift.tasks.facts.sentences import SpokenWord
from podsift.tasks.facts.standalone import strip_leading
from podsift.tasks.facts.words import NAMES, WORD_FLAGS, WORDS, name_list, spoken_words

_FACTS_DATA = ("words", "names", "ad_copy")
_AD_COPY = package_data("podsift.tasks.facts", "ad_copy")
# Flags a rule counts words of both files by: talk phrases and other words alike.
_SHARED_FLAGS = {"not_a_name", "sentence_starter", "stuttered"}


@pytest.mark.parametrize("name", _FACTS_DATA)
def test_every_facts_data_file_says_what_each_list_is_for(name: str) -> None:
    data = package_data("podsift.tasks.facts", name)
    assert isinstance(data["note"], str) and data["note"]
    lists = [v for v in data.values() if isinstance(v, dict)]
    assert lists and all(isinstance(v.get("note"), str) and v["note"] for v in lists), name


def test_each_word_is_written_once_in_the_facts_words_or_core_talk() -> None:
    ours = [e["text"] for e in WORDS["words"]["entries"]]
    talk = [e["text"] for e in load_data("talk")["phrases"]["entries"]]
    assert len(ours) == len(set(ours))
    assert not set(ours) & set(talk), set(ours) & set(talk)


def test_every_flag_is_defined_once_and_counts_some_word() -> None:
    entries = WORDS["words"]["entries"]
    assert {f for e in entries for f in e["flags"]} == set(WORD_FLAGS)
    assert all(len(e["flags"]) == len(set(e["flags"])) for e in entries)
    assert set(WORD_FLAGS) & set(TALK_FLAGS) == _SHARED_FLAGS
    for flag in (*WORD_FLAGS, *TALK_FLAGS):
        assert spoken_words(flag), flag


def test_a_flag_joins_both_files_and_an_unknown_one_names_the_valid_ones() -> None:
    never = spoken_words("not_a_name")
    assert {"okay", "yeah", "um"} <= set(never) and {"i'm", "monday", "may"} <= set(never)
    assert "like" in spoken_words("stuttered") and "the" in spoken_words("stuttered")
    with pytest.raises(ValueError, match="expected one of addressee, after_so, chat, "):
        spoken_words("slang")
    with pytest.raises(ValueError, match="expected one of common_acronyms, connectors, "):
        name_list("surnames")


def test_gazetteers_are_lists_of_words() -> None:
    assert all(
        isinstance(w, str) and w for k, v in NAMES.items() if k != "note" for w in v["words"]
    )
    assert "AI" in name_list("common_acronyms") and "new york" in name_list("place_phrases")


@pytest.mark.parametrize(
    ("text", "ad"),
    [
        ("This episode is brought to you by Quillmark.", True),
        ("Use code LEDGER at checkout for twenty percent off.", True),
        ("Get 20% off your first box.", True),
        ("Meals start at just $6 a serving.", True),
        ("Call one eight hundred five five five, oh one two three.", True),
        ("Go to quillmark dot com slash show.", True),
        ("Checkout code is BONUS2 for new readers.", True),  # the detector's cue alone
        # The detector's cues left out (data/ad_copy.json): as facts they state amounts.
        ("Dana and her husband earn $84,000 a year.", False),
        ("Prices rose from $5 to $7 in March.", False),
        ("Eight hundred homes lost power on Tuesday.", False),
        ("I had limited time to teach myself to code.", False),
    ],
)
def test_ad_copy_is_recognised_by_the_ad_detectors_cues_and_this_stages_own(
    text: str, ad: bool
) -> None:
    assert reads_as_ad_copy(text) is ad


@pytest.mark.parametrize(
    ("said", "kept"),
    [
        ("And so yeah, the bridge opened in 1932.", "the bridge opened in 1932."),
        ("Well, fares rise in May.", "fares rise in May."),
        ("Well over half voted yes.", "Well over half voted yes."),
        ("So far the council has spent $2 million.", "So far the council has spent $2 million."),
    ],
)
def test_openers_from_the_talk_data_are_stripped_as_before(said: str, kept: str) -> None:
    words = [SpokenWord(w, 0.0, 0.0) for w in said.split()]
    assert " ".join(w.text for w in strip_leading(words)) == kept


def test_ad_copy_names_cues_and_phrases_the_ad_detector_has() -> None:
    phrase_ids = {i for p in CUE_PATTERNS for i in p.phrase_ids}
    assert {c.name for c in Cue} >= set(_AD_COPY["cues"]["cues"])
    assert set(_AD_COPY["left_out"]["ids"]) <= phrase_ids
    own = [e["id"] for e in _AD_COPY["own_patterns"]["entries"]]
    assert len(own) == len(set(own))
