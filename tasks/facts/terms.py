"""Words compared as terms: normalised, lightly stemmed, stop words out."""

from __future__ import annotations

from functools import lru_cache

from podsift.tasks.core.sentences import bare_word
from podsift.tasks.core.text import DISFLUENCIES, NUMBER_WORDS, STOPWORDS


@lru_cache(maxsize=65536)
def normalize_word(word: str) -> str:
    """Lowercase a word and strip its surrounding punctuation ("Motorola's," -> "motorola's")."""
    return bare_word(word)


# Number words as figures, so "twelve hours" and "12 hours" are the same terms (Whisper writes
# either). Compounds ("forty-two") stay words: matching them would need a parser of numerals.
_FIGURES: dict[str, str] = {word: str(value) for word, value in NUMBER_WORDS.items()}


@lru_cache(maxsize=65536)
def stem(word: str) -> str:
    """A light suffix stripper (possessives, plurals, -ed, -ing), enough to match "bleached" and
    "bleaching" or "fares" and "fare", with number words as figures; both sides of any
    comparison go through it."""
    word = normalize_word(word)
    if word in _FIGURES:
        return _FIGURES[word]
    if word.endswith("'s"):
        word = word[:-2]
    if not word.isalpha():
        return word
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 4 and word.endswith(("sses", "xes", "ches", "shes")):
        word = word[:-2]
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    if len(word) > 5 and word.endswith("ing"):
        word = word[:-3]
    elif len(word) > 5 and word.endswith("ed"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("e"):
        word = word[:-1]
    return word


def content_terms(text: str) -> list[str]:
    """Stemmed content words of `text`: no stop words, no disfluencies, no one-letter words."""
    terms = []
    for raw in text.split():
        word = normalize_word(raw)
        if not word or word in STOPWORDS or word in DISFLUENCIES:
            continue
        if len(word) < 2 and not word.isdigit():
            continue
        terms.append(stem(word))
    return terms
