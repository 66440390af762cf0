"""Named entities (people, places, organisations) in transcript sentences, offline.

Method (no model download, deterministic, microseconds per sentence):

1. **Capitalised-phrase chunking.** A run of capitalised tokens is a candidate name; `of`, `the`,
   `de`, `van`, `&`... may join two capitalised tokens ("Bank of America") and a short number may
   end a run that already has a name in it ("Galaxy Z Fold 7"). Commas, periods and other
   punctuation end a run; so do possessives ("Motorola's").
2. **Sentence-start handling.** Whisper capitalises the first word of every sentence, so a
   capitalised first word is only a name when it is not a common English word, or when the
   episode's own text shows it capitalised in mid-sentence (`proper_vocabulary`).
3. **Stop lists.** Pronouns, interjections ("Okay", "Yeah"), days, months and holidays never
   start a name; all-caps words that are ordinary abbreviations ("AI", "TV", "CEO") are not
   organisations.
4. **Typing by small gazetteers and cues written from general knowledge**: titles ("Dr.",
   "Senator") and common first names mark people; suffixes ("University", "Police", "Inc") and
   well-known names mark organisations; suffixes ("County", "River") and countries, US states and
   large cities mark places. A name with none of these cues is kept with kind `other`, since in
   podcast speech those are mostly people, companies and products that no list can hold.

A statistical NER model would type unseen names better; see the facts report for that trade-off.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from podsift.tasks.core.text import FUNCTION_WORDS
from podsift.tasks.facts.words import name_list, word_set

EntityKind = Literal["person", "place", "org", "other"]

# The word lists and gazetteers are data (`data/words.json`, `data/names.json` and core's
# `talk.json`, through `podsift.tasks.facts.words`).

# Common words that often open a sentence; capitalised there, they are not names. The rules
# test `FUNCTION_WORDS` beside them, and `_NEVER_NAMES` before them, so neither list is repeated
# here. Not the full `STOPWORDS`: its talk words start titles and names ("Think Big", "Know My
# Name").
_COMMON_STARTERS: frozenset[str] = word_set("sentence_starter")

# Capitalised words that are never (the start of) a person, place or organisation name:
# pronouns, interjections ("Okay", "Yeah"), days, months and holidays.
_NEVER_NAMES: frozenset[str] = word_set("not_a_name")

# All-caps words that are ordinary abbreviations, not organisations.
_COMMON_ACRONYMS: frozenset[str] = name_list("common_acronyms")

_CONNECTORS: frozenset[str] = name_list("connectors")
_CONNECTOR_SYMBOLS: frozenset[str] = name_list("connector_symbols")
_PERSON_TITLES: frozenset[str] = name_list("person_titles")
_FIRST_NAMES: frozenset[str] = name_list("first_names")
_ORG_SUFFIXES: frozenset[str] = name_list("org_suffixes")
_ORG_NAMES: frozenset[str] = name_list("org_names")
_PLACE_SUFFIXES: frozenset[str] = name_list("place_suffixes")
_PLACE_NAMES: frozenset[str] = name_list("place_names")
# Multi-word places whose first word alone means something else ("North", "New").
_PLACE_PHRASES: frozenset[str] = name_list("place_phrases")

_TOKEN_RE = re.compile(r"\S+")
_EDGE_PUNCT = "\"'“”‘’()[]{}<>*_"
_NUMBER_RE = re.compile(r"^\d{1,4}[a-z]?$")
_ACRONYM_RE = re.compile(r"^[A-Z][A-Z0-9&]{1,5}s?$")
_POSSESSIVE_RE = re.compile(r"(?:'s|’s|s'|s’)$")


@dataclass(frozen=True, slots=True)
class Entity:
    """A name found in text, with its guessed kind (`person`, `place`, `org` or `other`)."""

    text: str
    kind: EntityKind


@dataclass(frozen=True, slots=True)
class _Token:
    core: str  # the token without edge punctuation or possessive
    possessive: str  # the "'s" removed from `core`, if any
    breaks_after: bool  # punctuation or a possessive ends any name running through this token
    sentence_start: bool


_SPLIT_TAIL = re.compile(r"^(.*?)([,;:.!?…\"'”’)\]}>*_-]*)$", re.S)
_ABBREVIATION = re.compile(
    r"(?:[A-Za-z]\.)+[A-Za-z]|Mr|Mrs|Ms|Dr|St|Jr|Sr|Prof|Gen|Sgt|Lt|Capt|Det|Inc|Corp|Co|Ltd|Mt|Ft"
)


def _tokens(text: str) -> list[_Token]:
    tokens: list[_Token] = []
    at_start = True
    for match in _TOKEN_RE.finditer(text):
        body = match.group(0).lstrip(_EDGE_PUNCT)
        split = _SPLIT_TAIL.match(body)
        core, tail = (split.group(1), split.group(2)) if split else (body, "")
        if tail.startswith(".") and _ABBREVIATION.fullmatch(core):
            core, tail = core + ".", tail[1:]
        possessive = ""
        found = _POSSESSIVE_RE.search(core)
        if found and len(core) > 3:
            possessive = found.group(0)
            core = core[: found.start()] + ("s" if possessive in ("s'", "s’") else "")
        if not core:
            at_start = at_start or any(c in tail for c in ".!?…:")
            continue
        breaks = bool(tail) or bool(possessive)
        tokens.append(_Token(core, possessive, breaks, at_start))
        at_start = any(c in tail for c in ".!?…:")
    return tokens


def proper_vocabulary(texts: Iterable[str]) -> frozenset[str]:
    """Words a text shows to be names: capitalised in mid-sentence more often than not.

    Feeding the whole episode lets `extract_entities` accept a sentence-initial "Engadget" or
    "Ahlfeld" that no gazetteer lists, and reject mid-sentence capitals the transcriber added.

    Args:
        texts: the episode's sentences or segments.

    Returns:
        Lowercased words capitalised mid-sentence at least as often as written in lower case.
    """
    upper: Counter[str] = Counter()
    lower: Counter[str] = Counter()
    for text in texts:
        for token in _tokens(text):
            word = token.core
            if not word[:1].isalpha():
                continue
            key = word.lower()
            if word[:1].islower():
                lower[key] += 1
            elif not token.sentence_start:
                upper[key] += 1
    return frozenset(w for w, n in upper.items() if n >= lower[w] and w not in _NEVER_NAMES)


def _can_start(token: _Token, proper: frozenset[str] | None) -> bool:
    word = token.core
    key = word.lower().rstrip(".")
    if not word[:1].isupper():
        return False
    if key in _PERSON_TITLES:
        return True  # "Dr. Smith", "Senator Warren"; a title alone is dropped afterwards
    if key in _NEVER_NAMES:
        return False
    if token.sentence_start:
        if key in _ORG_NAMES or key in _PLACE_NAMES or key in _FIRST_NAMES:
            return True
        if proper is not None:
            return key in proper
        return key not in FUNCTION_WORDS and key not in _COMMON_STARTERS
    # "So" or "Like" capitalised mid-sentence by the transcriber is not a name.
    return proper is None or key not in FUNCTION_WORDS or key in proper


def _continues_org(tokens: list[_Token], j: int) -> bool:
    return (
        j < len(tokens) and tokens[j].core.lower() in _ORG_SUFFIXES and tokens[j].core[:1].isupper()
    )


def _can_continue(token: _Token) -> bool:
    word = token.core
    return word[:1].isupper() and word.lower() not in _NEVER_NAMES - {"may"}


def _kind(words: list[str]) -> EntityKind:
    lower = [w.lower().rstrip(".") for w in words]
    phrase = " ".join(lower)
    if any(w in _PERSON_TITLES for w in lower[:-1]) and lower[-1] not in _ORG_SUFFIXES:
        return "person"  # "Dr. Amara Lee", "Transport Minister Helen Garrick"
    if phrase in _PLACE_PHRASES or any(p in phrase for p in _PLACE_PHRASES if " " in p):
        return "place"
    if lower[-1] in _ORG_SUFFIXES or lower[0] in {"university", "bank", "department"}:
        return "org"
    if phrase in _ORG_NAMES or (len(words) == 1 and lower[0] in _ORG_NAMES):
        return "org"
    if len(words) == 1 and _ACRONYM_RE.match(words[0]) and lower[0] not in _PLACE_NAMES:
        return "org"
    if lower[-1] in _PLACE_SUFFIXES and len(words) > 1:
        return "place"
    if phrase in _PLACE_NAMES or (len(words) <= 2 and lower[-1] in _PLACE_NAMES):
        return "place"
    if lower[0] in _FIRST_NAMES and all(w[:1].isalpha() for w in words):
        return "person"
    return "other"


def _single_word_name(word: str, sentence_start: bool, proper: frozenset[str] | None) -> bool:
    key = word.lower().rstrip(".")
    if word in _COMMON_ACRONYMS or len(word) == 1:
        return False
    if key in _ORG_NAMES or key in _PLACE_NAMES or key in _FIRST_NAMES:
        return True
    if proper is not None:
        return key in proper or not (sentence_start or key in FUNCTION_WORDS)
    if sentence_start:
        # Without the episode's evidence, only a word shaped like a name ("CoreWeave", "NASA").
        return bool(_ACRONYM_RE.match(word) or re.search(r"[a-z][A-Z]", word))
    return key not in FUNCTION_WORDS and key not in _COMMON_STARTERS


def extract_entities(text: str, proper: frozenset[str] | None = None) -> list[Entity]:
    """Find the people, places and organisations a sentence names.

    Args:
        text: one or more sentences, as transcribed (capitalisation matters).
        proper: optional `proper_vocabulary` of the whole episode; with it, sentence-initial
            names no gazetteer lists are found, and stray mid-sentence capitals are ignored.

    Returns:
        Entities in order of first mention, without duplicates; titles such as "Dr." are kept
        as part of a person's name.
    """
    tokens = _tokens(text)
    found: list[Entity] = []
    seen: set[str] = set()
    i = 0
    while i < len(tokens):
        if not _can_start(tokens[i], proper):
            i += 1
            continue
        first = tokens[i]
        run = [first.core]
        j = i + 1
        broke = tokens[i].breaks_after
        if tokens[i].possessive and _continues_org(tokens, j):
            run[-1] += tokens[i].possessive  # "Wake County Sheriff's Office"
            broke = False
        while j < len(tokens) and not broke:
            token = tokens[j]
            if token.core.lower() in _NEVER_NAMES and token.core[:1].isupper():
                run = []  # "Black Friday", "Mother's Day": a date, not a name
                break
            if _can_continue(token) or (
                (token.core.lower() in _CONNECTORS or token.core in _CONNECTOR_SYMBOLS)
                and j + 1 < len(tokens)
                and _can_continue(tokens[j + 1])
                and not token.breaks_after
            ):
                run.append(token.core)
            elif _NUMBER_RE.match(token.core) and not _ACRONYM_RE.match(run[-1]):
                run.append(token.core)
                j += 1
                break
            else:
                break
            broke = token.breaks_after
            if token.possessive and _continues_org(tokens, j + 1):
                run[-1] += token.possessive
                broke = False
            j += 1
        while run and (run[-1].lower() in _CONNECTORS or run[-1] in _CONNECTOR_SYMBOLS):
            run.pop()
        while run and run[0].lower() in _PERSON_TITLES and len(run) == 1:
            run.pop()
        i = max(j, i + 1)
        if not run:
            continue
        if len(run) == 1 and not _single_word_name(run[0], first.sentence_start, proper):
            continue
        name = " ".join(run)
        key = name.lower()
        if key in seen:
            continue
        seen.add(key)
        found.append(Entity(name, _kind(run)))
    return found
