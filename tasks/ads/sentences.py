"""Stage 1: the transcript as timed sentences, the unit every later stage counts in.

Cut by the project's one splitter (`podsift.tasks.core.sentences`) with the ad stage's options
(`AD_UNITS`: a 1.2 s pause ends a unit, because inserted spots are spliced in at pauses and
Whisper often drops the full stop before one), so a span always starts and ends on a sentence
edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from podsift.tasks.core.records import Segment, Word
from podsift.tasks.core.sentences import AD_UNITS, split_words, word_stream
from podsift.tasks.core.text import data_entry, package_data

_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True, slots=True)
class Sentence:
    """A sentence (or pause-delimited fragment) with its time range and its lower-case words."""

    start: float
    end: float
    text: str
    tokens: tuple[str, ...]
    gap_before: float  # silence before it, seconds (its start time for the first sentence)
    gap_after: float  # silence after it (large for the last sentence)


# Fewer words before an opener are its subject ("Green Garden Radio is supported by"), not
# the end of another sentence.
MIN_WORDS_BEFORE_OPENER = 6
# Nor is anything ending in a form of "be": "This episode of <a long show name> is | brought to
# you by" is one passive sentence whatever its subject's length.
_PASSIVE = frozenset(
    data_entry(package_data("podsift.tasks.ads", "cues"), "words", "words.passive")["words"]
)


def _split_at_opener(
    unit: tuple[Word, ...], opener: re.Pattern[str], keep_with: re.Pattern[str] | None
) -> list[tuple[Word, ...]]:
    text = "".join(w.word for w in unit)
    match = opener.search(text)
    if match is None:
        return [unit]
    head = text[: match.start()].split()
    before = len(head)
    if (
        before < MIN_WORDS_BEFORE_OPENER
        or head[-1].lower().strip(",") in _PASSIVE
        or (keep_with and keep_with.search(text[: match.start()]))
    ):
        return [unit]
    return [unit[:before], *_split_at_opener(unit[before:], opener, keep_with)]


# A unit longer than this is a run-on: Whisper stopped punctuating (it does, for minutes at a
# time), and a unit that long would straddle the show and an ad. It is cut at its longest
# pause, again until every piece is short enough: speakers pause longest between sentences.
# 40 words is about the 97th percentile of the punctuated sentences in every labelled source
# (dev, written, spoken: p95 32-33 words, p99 48-57), so punctuated speech is seldom touched.
MAX_UNIT_WORDS = 40


def _split_run_on(unit: tuple[Word, ...]) -> list[tuple[Word, ...]]:
    if len(unit) <= MAX_UNIT_WORDS:
        return [unit]
    # The longest gap, ties to the middle (a unit with no gaps at all is halved).
    middle = len(unit) / 2
    cut = max(
        range(1, len(unit)),
        key=lambda i: (round(unit[i].start - unit[i - 1].end, 2), -abs(i - middle)),
    )
    return _split_run_on(unit[:cut]) + _split_run_on(unit[cut:])


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-case word tokens, apostrophes kept inside words ("you're")."""
    return tuple(_TOKEN.findall(text.lower().replace("\u2019", "'")))


def split_sentences(
    segments: Sequence[Segment],
    opener: re.Pattern[str] | None = None,
    keep_with: re.Pattern[str] | None = None,
) -> list[Sentence]:
    """The transcript's sentences in time order, with the silences around each.

    Args:
        segments: the transcript.
        opener: phrases that start a new unit wherever they fall ("support for this podcast
            comes from"): Whisper often runs the sentence before them into them, with no full
            stop, and a unit must not straddle the show and the ad.
        keep_with: what, said before an opener, keeps it in the same sentence (the show's
            welcome: "welcome to X, a podcast brought to you by Y" names its producer).
    """
    words = sorted(word_stream(segments), key=lambda w: w.start)
    units = [piece for u in split_words(words, AD_UNITS) for piece in _split_run_on(u)]
    if opener is not None:
        units = [piece for u in units for piece in _split_at_opener(u, opener, keep_with)]
    pieces = [
        (s[0].start, max(s[-1].end, s[0].start), "".join(w.word for w in s).strip()) for s in units
    ]
    pieces = [p for p in pieces if p[2]]
    sentences = []
    for i, (start, end, text) in enumerate(pieces):
        before = start - pieces[i - 1][1] if i else start
        after = pieces[i + 1][0] - end if i + 1 < len(pieces) else float("inf")
        sentences.append(
            Sentence(start, end, text, tokenize(text), max(before, 0.0), max(after, 0.0))
        )
    return sentences
