"""The facts stage's word lists, as data (issue 23): `data/words.json` and `data/names.json`.

Each word is written once: in this stage's `data/words.json`, or in core's `talk.json` when it
is the language of talk (a filler, an interjection, a greeting, a discourse opener). Its flags
name the rules that count it; `spoken_words` joins a flag's words from both files.
`data/names.json` holds the gazetteers the entity rules type names by.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from podsift.tasks.core.text import TALK_FLAGS, package_data, talk_phrases

WORDS: Mapping[str, Any] = package_data("podsift.tasks.facts", "words")
NAMES: Mapping[str, Any] = package_data("podsift.tasks.facts", "names")
# The flags of `data/words.json`; `talk.json`'s are core's `TALK_FLAGS`.
WORD_FLAGS: tuple[str, ...] = tuple(WORDS["words"]["flags"])


def spoken_words(flag: str) -> tuple[str, ...]:
    """The words and phrases with `flag`: this stage's, then `talk.json`'s, each file's in order.

    Raises:
        ValueError: neither file defines `flag`; the message lists the flags there are.
    """
    if flag not in WORD_FLAGS and flag not in TALK_FLAGS:
        expected = ", ".join(sorted({*WORD_FLAGS, *TALK_FLAGS}))
        raise ValueError(f"unknown word flag {flag!r}: expected one of {expected}")
    ours = tuple(e["text"] for e in WORDS["words"]["entries"] if flag in e["flags"])
    return ours + (talk_phrases(flag) if flag in TALK_FLAGS else ())


def word_set(flag: str) -> frozenset[str]:
    """`spoken_words(flag)` as a set."""
    return frozenset(spoken_words(flag))


def phrase_words(flag: str) -> tuple[tuple[str, ...], ...]:
    """`spoken_words(flag)`, each phrase as its words ("so yeah" -> ("so", "yeah"))."""
    return tuple(tuple(phrase.split()) for phrase in spoken_words(flag))


def name_list(name: str) -> frozenset[str]:
    """One of the gazetteers of `data/names.json` ("first_names").

    Raises:
        ValueError: the file has no list `name`; the message lists the ones there are.
    """
    if name == "note" or name not in NAMES:
        expected = ", ".join(k for k in NAMES if k != "note")
        raise ValueError(f"unknown name list {name!r}: expected one of {expected}")
    return frozenset(NAMES[name]["words"])
