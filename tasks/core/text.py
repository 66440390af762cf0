"""Language knowledge shared by the stages that read transcripts, loaded from `data/*.json`.

Each piece lives once (issue 23), as data with a note saying what it is for:

- `stopwords.json`: `STOPWORDS` (topics and terms: the ad detector, the facts extractor) is the
  base `FUNCTION_WORDS` plus `TALK_WORDS`; the entity rules use the base alone.
- `talk.json`: `HEDGE_VERBS`, and the sounds, fillers, back-channels, interjections, greetings,
  discourse openers and hedges of unscripted talk, each phrase written once with flags for the
  rules that count it (`DISFLUENCIES`, `CHAT_WORDS`, `CHAT_PAIRS`, `COMMA_FILLERS`, `DOUBTS`,
  `HEDGES` here; the facts stage's rules through `talk_phrases`).
- `numbers.json`: `NUMBER_WORDS` (their values), `DIGIT_ALIASES` ("oh"), `SCALE_WORDS`.
- `web.json`: `TLDS`, and from them the one web-address recogniser, `WEB_ADDRESS`.

The warehouse's search keeps its own short stop-word list, because it must match what DuckDB's
full-text index drops (see `warehouse/search.py`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from functools import cache
from importlib import resources
from types import MappingProxyType
from typing import Any

# Every data file of this module, by name (tests load each one).
DATA_FILES: tuple[str, ...] = ("stopwords", "talk", "numbers", "web")


@cache
def package_data(package: str, name: str) -> Mapping[str, Any]:
    """`data/<name>.json` of `package` (a stage keeps its language data next to its code),
    parsed once."""
    path = resources.files(package) / "data" / f"{name}.json"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def data_entry(data: Mapping[str, Any], section: str, entry_id: str) -> Mapping[str, Any]:
    """The entry with `entry_id` in `data[section]`, a list of entries with ids.

    Raises:
        KeyError: no entry there has that id; the message lists the ids there are.
    """
    for entry in data[section]:
        if entry["id"] == entry_id:
            return dict(entry)
    ids = ", ".join(e["id"] for e in data[section])
    raise KeyError(f"no {section} entry {entry_id!r}: expected one of {ids}")


def load_data(name: str) -> Mapping[str, Any]:
    """One of `DATA_FILES`, parsed.

    Raises:
        ValueError: `name` is not one of `DATA_FILES`.
    """
    if name not in DATA_FILES:
        expected = ", ".join(DATA_FILES)
        raise ValueError(f"unknown text data file {name!r}: expected one of {expected}")
    return package_data("podsift.tasks.core", name)


def _words(entry: Mapping[str, Any]) -> frozenset[str]:
    return frozenset(entry["words"])


def _values(entry: Mapping[str, Any]) -> Mapping[str, int]:
    return MappingProxyType({str(k): int(v) for k, v in entry["values"].items()})


_STOPWORDS = load_data("stopwords")
# Function words and very common spoken English: they say nothing about a topic or a name.
FUNCTION_WORDS: frozenset[str] = _words(_STOPWORDS["function_words"])
# Talk about talk ("I think", "you know"): no topic in them, but they start titles and names
# ("Think Big"), so the entity rules leave them out.
TALK_WORDS: frozenset[str] = _words(_STOPWORDS["talk_words"])
STOPWORDS: frozenset[str] = FUNCTION_WORDS | TALK_WORDS

_TALK = load_data("talk")
# Verbs of opinion: "I think ...", "we guess ..." with nothing checkable is a hedge (by lemma).
HEDGE_VERBS: frozenset[str] = _words(_TALK["hedge_verbs"])
# The flags of `talk.json`'s phrases: the rules, of any stage, that count them.
TALK_FLAGS: tuple[str, ...] = tuple(_TALK["phrases"]["flags"])


def talk_phrases(flag: str) -> tuple[str, ...]:
    """The phrases of `talk.json` with `flag`, in the file's order.

    Raises:
        ValueError: `flag` is not one the file defines.
    """
    if flag not in TALK_FLAGS:
        raise ValueError(f"unknown talk flag {flag!r}: expected one of {', '.join(TALK_FLAGS)}")
    return tuple(e["text"] for e in _TALK["phrases"]["entries"] if flag in e["flags"])


# Sounds that are not words: dropped wherever words are compared.
DISFLUENCIES: frozenset[str] = frozenset(talk_phrases("disfluency"))


def _phrase_pattern(phrases: tuple[str, ...]) -> re.Pattern[str]:
    """Any of the phrases as whole words, case-insensitive, an apostrophe optional."""
    return re.compile(r"\b(" + "|".join(p.replace("'", "'?") for p in phrases) + r")\b", re.I)


# Conversation's markers, as the ad detector counts them per word: single words and pairs.
CHAT_WORDS: frozenset[str] = frozenset(p for p in talk_phrases("chat") if " " not in p)
CHAT_PAIRS: frozenset[tuple[str, ...]] = frozenset(
    tuple(p.split()) for p in talk_phrases("chat") if " " in p
)
# Fillers cut from a fact when set off by commas mid-sentence, as word tuples.
COMMA_FILLERS: tuple[tuple[str, ...], ...] = tuple(
    tuple(p.split()) for p in talk_phrases("comma_filler")
)
# Doubt ("maybe", "I don't know"): a sentence with one and nothing checkable is a hedge.
DOUBT_PHRASES: tuple[str, ...] = talk_phrases("doubt")
DOUBTS: re.Pattern[str] = _phrase_pattern(DOUBT_PHRASES)
# Softeners ("I think", "kind of", "or whatever"): each counts against a fact's rank.
HEDGE_PHRASES: tuple[str, ...] = talk_phrases("hedge")
HEDGES: re.Pattern[str] = _phrase_pattern(HEDGE_PHRASES)

_NUMBERS = load_data("numbers")
# "zero" to "twenty" and the tens, with their values.
NUMBER_WORDS: Mapping[str, int] = _values(_NUMBERS["cardinals"])
# Said for a digit in phone numbers ("oh"), an interjection anywhere else.
DIGIT_ALIASES: Mapping[str, int] = _values(_NUMBERS["digit_aliases"])
# "hundred", "thousand", "million": multiply the number before them.
SCALE_WORDS: Mapping[str, int] = _values(_NUMBERS["scales"])


def word_alternation(words: Iterable[str]) -> str:
    """A non-capturing regex group matching any of `words`, longest first (so "seventeen" is
    tried before "seven"); the words are escaped."""
    ordered = sorted(set(words), key=lambda w: (-len(w), w))
    return "(?:" + "|".join(re.escape(w) for w in ordered) + ")"


# Top-level domains podcast addresses are given in, spoken ("dot com") or written (".com").
TLDS: tuple[str, ...] = tuple(load_data("web")["tlds"]["words"])
TLD_PATTERN: str = "(?:" + "|".join(TLDS) + ")"
# A web address, spoken or written: group 1 is up to three words before the name ("second
# coffee show dot com": a show's own address is often spoken in words), group 2 the name.
WEB_ADDRESS: re.Pattern[str] = re.compile(
    rf"\b((?:[a-z0-9'\-]+ ){{0,3}})([a-z0-9][a-z0-9'\-]*)(?:\.| dot ){TLD_PATTERN}\b", re.I
)
