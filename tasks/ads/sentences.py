"""Stage 1: the transcript as timed sentences, the unit every later stage counts in.

Cut by the project's one splitter (`tasks.sentences`) with the ad stage's options
(`AD_UNITS`: a 1.2 s pause ends a unit, because inserted spots are spliced in at pauses and
Whisper often drops the full stop before one), so a span always starts and ends on a sentence
edge.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from tasks.records import Segment
from tasks.sentences import AD_UNITS, split_words, word_stream

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


def tokenize(text: str) -> tuple[str, ...]:
    """Lower-case word tokens, apostrophes kept inside words ("you're")."""
    return tuple(_TOKEN.findall(text.lower().replace("\u2019", "'")))


def split_sentences(segments: Sequence[Segment]) -> list[Sentence]:
    """The transcript's sentences in time order, with the silences around each."""
    words = sorted(word_stream(segments), key=lambda w: w.start)
    pieces = [
        (s[0].start, max(s[-1].end, s[0].start), "".join(w.word for w in s).strip())
        for s in split_words(words, AD_UNITS)
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
