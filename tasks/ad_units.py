"""Split a transcript into sentence-sized utterances, the unit the ad detector labels.

Whisper segments may hold one sentence (the pipeline) or several (long-form transcripts), so
the detector never labels segments directly: it re-cuts the words at sentence punctuation and
pauses, which also gives span boundaries that fall on sentence ends.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from tasks.records import Segment, Word

# A pause this long ends an utterance even without punctuation: inserted ads are spliced in
# at pauses, and Whisper often drops the full stop before one.
PAUSE_SPLIT_S = 1.2

_SENTENCE_END = re.compile(r"[.!?][\"')\]]*$")
_SENTENCE_SPLIT = re.compile(r"(?<=[.!?])\s+")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


@dataclass(frozen=True, slots=True)
class Utterance:
    """A sentence (or pause-delimited fragment) with its time range."""

    start: float
    end: float
    text: str
    gap_before: float  # silence before it, seconds (large at the start of the episode)

    @property
    def tokens(self) -> list[str]:
        return tokenize(self.text)


def tokenize(text: str) -> list[str]:
    """Lower-case word tokens, apostrophes kept inside words ("you're")."""
    return _TOKEN.findall(text.lower().replace("\u2019", "'"))


def split_utterances(segments: Sequence[Segment]) -> list[Utterance]:
    """Cut segments into utterances at sentence punctuation and pauses.

    Segments with word timestamps are cut word by word; segments without them are cut at
    sentence punctuation and the segment's time shared out by character count.
    """
    pieces: list[tuple[float, float, str]] = []
    for segment in segments:
        if segment.words:
            pieces.extend(_split_words(segment.words))
        else:
            pieces.extend(_split_text(segment))
    pieces.sort(key=lambda p: p[0])
    utterances: list[Utterance] = []
    previous_end = 0.0
    for start, end, text in pieces:
        if not text.strip():
            continue
        gap = start - previous_end if utterances else start
        utterances.append(Utterance(start, max(end, start), text.strip(), max(gap, 0.0)))
        previous_end = max(previous_end, end)
    return utterances


def _split_words(words: Iterable[Word]) -> list[tuple[float, float, str]]:
    word_list = [w for w in words if w.word.strip()]
    pieces: list[tuple[float, float, str]] = []
    current: list[Word] = []
    for i, word in enumerate(word_list):
        current.append(word)
        next_gap = word_list[i + 1].start - word.end if i + 1 < len(word_list) else 0.0
        if _SENTENCE_END.search(word.word.strip()) or next_gap >= PAUSE_SPLIT_S:
            pieces.append(_piece(current))
            current = []
    if current:
        pieces.append(_piece(current))
    return pieces


def _piece(words: list[Word]) -> tuple[float, float, str]:
    return words[0].start, words[-1].end, "".join(w.word for w in words).strip()


def _split_text(segment: Segment) -> list[tuple[float, float, str]]:
    sentences = [s for s in _SENTENCE_SPLIT.split(segment.text.strip()) if s]
    total = sum(len(s) for s in sentences) or 1
    duration = segment.end - segment.start
    pieces: list[tuple[float, float, str]] = []
    cursor = segment.start
    for sentence in sentences:
        length = duration * len(sentence) / total
        pieces.append((cursor, cursor + length, sentence))
        cursor += length
    return pieces
