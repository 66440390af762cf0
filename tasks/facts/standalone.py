"""Stage 2: make a sentence readable on its own, keeping the words as said.

- Disfluencies ("um") go, and so do discourse openers ("So,", "Well,", "I mean", "And"), quote
  markers around words, mid-sentence ", you know," / "I mean," and tag questions (", right?"),
  and the first copy of a word or pair said twice when the speaker starts over ("the the",
  "it's, it's"). The time range shrinks to the words kept, so every word of a fact is found in
  its time range.
- A sentence whose subject is a pronoun ("It will cost $310 million.") is read with the sentence
  before it when that one names what the pronoun stands for and was said just before
  (`with_antecedent`), a question included ("What does Rivet do? It compiles ..."); words are
  never substituted, so the fact stays grounded.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from podsift.tasks.core.text import COMMA_FILLERS, DISFLUENCIES
from podsift.tasks.facts.params import DEFAULT, FactOptions
from podsift.tasks.facts.sentences import Sentence, SpokenWord
from podsift.tasks.facts.terms import normalize_word
from podsift.tasks.facts.words import phrase_words, word_set

# Discourse openers stripped from a sentence's start, each phrase as its words, longest first
# ("and so" is tried before "so", whose `_SO_KEEPS` would keep it); those in
# `_LEADING_WITH_COMMA` only when the speaker set them off with a comma ("Well, fares rise"
# loses "Well,"; "Well over half" keeps it). Core's `talk.json` holds them.
_LEADING_WITH_COMMA: frozenset[tuple[str, ...]] = frozenset(phrase_words("comma_opener"))
_LEADING: tuple[tuple[str, ...], ...] = tuple(
    sorted(phrase_words("opener") + phrase_words("comma_opener"), key=len, reverse=True)
)
# "So many", "so far": here "so" is not a connective.
_SO_KEEPS = word_set("after_so")
# Words after which "you know," / "I mean," is said as a clause ("what you know, ...", "if I
# mean, ..."), not as a filler.
_KNOWERS = word_set("knower")
# Tag questions cut from a sentence's end (", right?").
_TAGS: tuple[tuple[str, ...], ...] = phrase_words("tag")
_QUOTES = "\"“”‘’'"
_OPENING_QUOTES = re.compile(r"^[\"“”‘’']+")
_CLOSING_QUOTES = re.compile(r"[\"“”‘’']+(?=[.,!?;:]*$)")
# Subjects that stand for something said before: the sentence needs its antecedent.
PRONOUN_SUBJECTS = word_set("pronoun_subject")


def _norms(words: Sequence[SpokenWord]) -> list[str]:
    return [normalize_word(w.text) for w in words]


def strip_leading(words: list[SpokenWord]) -> list[SpokenWord]:
    """The words without the discourse openers and fillers they start with."""
    changed = True
    while changed and words:
        changed = False
        norms = _norms(words[:4])
        for phrase in _LEADING:
            n = len(phrase)
            if len(words) <= n or tuple(norms[:n]) != phrase:
                continue
            if phrase in _LEADING_WITH_COMMA and not words[n - 1].text.endswith((",", "...")):
                continue
            if phrase == ("so",) and norms[1] in _SO_KEEPS:
                continue
            words = words[n:]
            changed = True
            break
    return words


def _strip_fillers(words: list[SpokenWord]) -> list[SpokenWord]:
    kept: list[SpokenWord] = []
    i = 0
    while i < len(words):
        norm = normalize_word(words[i].text)
        if norm in DISFLUENCIES:
            if kept and words[i].text.endswith((".", "?", "!")):
                last = kept[-1]
                kept[-1] = SpokenWord(
                    last.text.rstrip(",") + words[i].text[-1], last.start, last.end
                )
            i += 1
            continue
        # ", you know," / ", I mean," / ", like," in mid-sentence (`COMMA_FILLERS`, core text data).
        removed = False
        if kept:
            for phrase in COMMA_FILLERS:
                n = len(phrase)
                window = words[i : i + n]
                if (
                    len(window) == n
                    and i + n < len(words)
                    and tuple(_norms(window)) == phrase
                    and window[-1].text.endswith(",")
                    # ", you know," set off on both sides; "you know," alone after a word
                    # that cannot take it as a clause ("it was, you know, huge" and "it was
                    # you know, huge", not "what you know, ...")
                    and (
                        kept[-1].text.endswith(",")
                        or (n == 2 and normalize_word(kept[-1].text) not in _KNOWERS)
                    )
                ):
                    # The comma before went with the filler ("the bridge, you know, opened").
                    last = kept[-1]
                    kept[-1] = SpokenWord(last.text.rstrip(","), last.start, last.end)
                    i += n
                    removed = True
                    break
        if not removed:
            kept.append(words[i])
            i += 1
    return kept


# Words a speaker says twice when starting over ("the the", "I, I", "and, and"); a doubled
# "is" ("what it is is ...") or "that" ("he said that that ...") can be grammar, and stays.
_STUTTERED = word_set("stuttered")


def _strip_false_starts(words: list[SpokenWord]) -> list[SpokenWord]:
    """The words without the first of a word or a pair said twice in a row ("the the", "it's,
    it's", "I was, I was"): the speaker starting over. The later copy is kept, so the time
    range still holds every word kept."""
    kept: list[SpokenWord] = []
    norms = _norms(words)
    i = 0
    while i < len(words):
        if (
            i + 3 < len(words)
            and norms[i : i + 2] == norms[i + 2 : i + 4]
            and norms[i] in _STUTTERED
        ):
            i += 2
            continue
        if i + 1 < len(words) and norms[i] == norms[i + 1] and norms[i] in _STUTTERED:
            i += 1
            continue
        kept.append(words[i])
        i += 1
    return kept


def _strip_tag_question(words: list[SpokenWord]) -> list[SpokenWord]:
    if not words or not words[-1].text.endswith("?"):
        return words
    for tag in _TAGS:
        n = len(tag)
        if len(words) > n + 1 and tuple(_norms(words[-n:])) == tag:
            before = words[-n - 1]
            if before.text.endswith(","):
                return [
                    *words[: -n - 1],
                    SpokenWord(before.text[:-1] + ".", before.start, before.end),
                ]
    return words


def _unquote(word: SpokenWord) -> SpokenWord:
    """The word without quote marks around it ('"We' -> 'We', 'May",' -> 'May,')."""
    text = _CLOSING_QUOTES.sub("", _OPENING_QUOTES.sub("", word.text)) or word.text
    return SpokenWord(text, word.start, word.end)


def clean_sentence(sentence: Sentence) -> Sentence | None:
    """Light cleanup that keeps the words as said; None when nothing is left.

    Drops disfluencies, quote marks, leading fillers and connectives, mid-sentence ", you
    know," and tag questions; the first kept word is capitalised and the sentence ends with a
    full stop.
    """
    words = [_unquote(w) for w in sentence.words]
    words = _strip_fillers(words)
    words = _strip_false_starts(words)
    words = strip_leading(words)
    words = _strip_tag_question(words)
    if not words:
        return None
    first = words[0]
    if first.text[:1].islower():
        words[0] = SpokenWord(first.text[:1].upper() + first.text[1:], first.start, first.end)
    last = words[-1]
    if not last.text.endswith((".", "?", "!")):
        words[-1] = SpokenWord(last.text.rstrip(",;:-—") + ".", last.start, last.end)
    return Sentence(tuple(words))


def opens_with_pronoun(sentence: Sentence) -> bool:
    """The sentence's first word is a pronoun standing for something said before."""
    return normalize_word(sentence.words[0].text) in PRONOUN_SUBJECTS


def with_antecedent(
    previous: Sentence | None,
    sentence: Sentence,
    options: FactOptions = DEFAULT,
    *,
    question: bool = False,
) -> Sentence | None:
    """`previous` and `sentence` read together, or None when they cannot be.

    They can when the previous sentence was said just before (`options.join_gap_s`), is a
    statement (not a question) and together they stay short enough to read as one fact. With
    `question`, the previous sentence must instead be a question ending in "?" (the host's
    question, then the answer: "What does Rivet do? It compiles ..."). Whether the previous
    sentence names the pronoun's antecedent is the candidate stage's call (it has the parse).
    """
    if previous is None or previous.text.rstrip(_QUOTES + ")").endswith("?") != question:
        return None
    if sentence.start - previous.end > options.join_gap_s:
        return None
    if len(previous.words) + len(sentence.words) > options.join_max_words:
        return None
    return Sentence(previous.words + sentence.words)
