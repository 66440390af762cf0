"""Shared language knowledge (tasks/core/text.py and its data files): each piece once, as data."""

from __future__ import annotations

import re

import pytest

from podsift.tasks.core.text import (
    CHAT_PAIRS,
    CHAT_WORDS,
    COMMA_FILLERS,
    DATA_FILES,
    DIGIT_ALIASES,
    DISFLUENCIES,
    DOUBTS,
    FUNCTION_WORDS,
    HEDGES,
    NUMBER_WORDS,
    STOPWORDS,
    TALK_FLAGS,
    TALK_WORDS,
    TLDS,
    WEB_ADDRESS,
    load_data,
    talk_phrases,
)
from podsift.tasks.facts import reads_as_ad_copy

# The two lists issue 23 merged: the ad detector's (spoken and written alike) and the facts
# extractor's ad-copy recogniser's (written ".ly" and ".fm" too; spoken fewer).
_ADS_TLDS = "com net org io co ai app fm tv us ca uk me shop store health info biz".split()
_FACTS_WRITTEN_TLDS = "com org net app io co fm ly tv".split()
_FACTS_SPOKEN_TLDS = "com org net app io co".split()


def _notes(value: object) -> list[str]:
    """Every "note" in a data file, at any depth."""
    if isinstance(value, dict):
        found = [value["note"]] if "note" in value else []
        return found + [n for v in value.values() for n in _notes(v)]
    if isinstance(value, list):
        return [n for v in value for n in _notes(v)]
    return []


@pytest.mark.parametrize("name", DATA_FILES)
def test_every_data_file_loads_and_says_what_it_is_for(name: str) -> None:
    data = load_data(name)
    assert isinstance(data["note"], str) and data["note"]
    lists = [v for v in data.values() if isinstance(v, dict)]
    assert lists and all(isinstance(v.get("note"), str) and v["note"] for v in lists), name
    assert all(_notes(data))


def test_an_unknown_data_file_or_flag_names_the_valid_ones() -> None:
    with pytest.raises(ValueError, match="expected one of stopwords, talk, numbers, web"):
        load_data("slang")
    with pytest.raises(ValueError, match="expected one of chat, comma_filler, doubt, hedge, "):
        talk_phrases("filler")


@pytest.mark.parametrize("tld", sorted(set(_ADS_TLDS) | set(_FACTS_WRITTEN_TLDS)))
def test_the_one_web_address_recogniser_accepts_what_both_old_ones_did(tld: str) -> None:
    assert tld in TLDS
    for said in (f"Go to acme.{tld} today.", f"go to acme dot {tld} slash show"):
        if " dot " in said and tld not in set(_ADS_TLDS) | set(_FACTS_SPOKEN_TLDS):
            continue  # neither old list knew ".ly" spoken; the union does, which is fine
        match = WEB_ADDRESS.search(said)
        assert match is not None and match.group(2).lower() == "acme", said
        assert reads_as_ad_copy(said), said


def test_the_web_address_recogniser_keeps_words_before_the_name_and_no_plain_talk() -> None:
    match = WEB_ADDRESS.search("visit second coffee show dot com")
    assert match is not None and (match.group(1), match.group(2)) == (
        "visit second coffee ",
        "show",
    )
    for talk in ("the dotted line", "I'm going to come over", "a new store in town", "dot com"):
        assert WEB_ADDRESS.search(talk) is None, talk


def test_stop_words_are_a_base_list_and_a_named_extension() -> None:
    assert STOPWORDS == FUNCTION_WORDS | TALK_WORDS
    assert not FUNCTION_WORDS & TALK_WORDS
    assert {"think", "know", "mean", "want", "actually"} == TALK_WORDS
    assert {"the", "you're", "gonna"} <= FUNCTION_WORDS
    # Number words that carry a fact's figures are never stop words.
    assert not {"two", "three", "twelve"} & STOPWORDS


def test_number_words_are_one_list_with_values() -> None:
    assert NUMBER_WORDS["zero"] == 0 and NUMBER_WORDS["nineteen"] == 19
    assert NUMBER_WORDS["ninety"] == 90 and len(NUMBER_WORDS) == 28
    assert "oh" not in NUMBER_WORDS and DIGIT_ALIASES == {"oh": 0}


def test_talk_phrases_serve_each_rule_from_one_list() -> None:
    assert {"yeah", "oh", "okay", "wow", "totally", "yep", "right"} == CHAT_WORDS
    assert {("you", "know"), ("i", "mean"), ("kind", "of"), ("sort", "of")} == CHAT_PAIRS
    assert COMMA_FILLERS == (("you", "know"), ("i", "mean"), ("like",))
    phrases = [p for flag in TALK_FLAGS for p in talk_phrases(flag)]
    written = [e["text"] for e in load_data("talk")["phrases"]["entries"]]
    assert len(written) == len(set(written)) and set(phrases) == set(written)


def test_every_talk_flag_is_defined_and_counts_some_phrase() -> None:
    entries = load_data("talk")["phrases"]["entries"]
    used = {flag for e in entries for flag in e["flags"]}
    assert used == set(TALK_FLAGS)
    assert all(len(e["flags"]) == len(set(e["flags"])) for e in entries)


def test_disfluencies_are_talk_phrases_with_their_flag() -> None:
    assert {"um", "uh", "hmm", "uh-huh"} <= DISFLUENCIES
    assert frozenset(talk_phrases("disfluency")) == DISFLUENCIES
    assert not DISFLUENCIES & CHAT_WORDS


def test_hedges_count_as_the_rankers_list_did() -> None:
    # tasks/facts/rank.py's own list when this was written; rank.py can import HEDGES instead.
    ranks = re.compile(
        r"\b(i think|i guess|i feel|i mean|i don'?t know|kind of|sort of|you know|or something"
        r"|and stuff|or whatever)\b",
        re.IGNORECASE,
    )
    said = "I think, you know, it's kind of big or whatever. I dont know. Maybe. I guess so."
    assert len(HEDGES.findall(said)) == len(ranks.findall(said)) == 6
    assert DOUBTS.search("Who knows what happens next") and not DOUBTS.search("I think so")
