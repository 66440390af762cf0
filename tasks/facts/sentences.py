"""Stage 1: the episode's non-ad speech as timed sentences.

Cut by the project's one splitter (`podsift.tasks.core.sentences`, options `FACT_SENTENCES`: no
pause cut, a
run-on over 55 words cut where Whisper's capitals return). Whisper also writes long stretches
with neither punctuation nor capitals; such a run-on, still too long, is cut at its longest
pauses (`_cut_at_pauses`), so a statement inside it can still be found. A sentence that touches
an ad span is dropped whole.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from podsift.tasks.core.records import AdSpan, Fact, Segment, Word
from podsift.tasks.core.sentences import split_words, word_stream
from podsift.tasks.facts.params import DEFAULT, FactOptions
from podsift.tasks.facts.terms import normalize_word


@dataclass(frozen=True, slots=True)
class SpokenWord:
    """One word as said: its text with punctuation, and when."""

    text: str
    start: float
    end: float


@dataclass(frozen=True, slots=True)
class Sentence:
    """A run of spoken words, in order, as said."""

    words: tuple[SpokenWord, ...]

    # The earliest and latest word times, not the first and last word's: Whisper's segments
    # can overlap by a second or two, and a sentence that spans two of them (read with the one
    # before) must still hold all its words inside its range.
    @property
    def start(self) -> float:
        return min(w.start for w in self.words)

    @property
    def end(self) -> float:
        return max(w.end for w in self.words)

    @property
    def text(self) -> str:
        return " ".join(w.text for w in self.words)


def spoken_words(segments: Sequence[Segment]) -> list[SpokenWord]:
    """The transcript as one stream of words with times (Whisper's word pieces glued)."""
    return [SpokenWord(w.word.strip(), w.start, w.end) for w in word_stream(segments)]


def _cut_at_pauses(words: tuple[Word, ...], limit: int) -> list[tuple[Word, ...]]:
    """Cut `words` at its longest pause, again and again, until no piece is over `limit`."""
    if len(words) <= limit:
        return [words]
    # Never leave a piece shorter than a quarter of the limit: a cut there is a hesitation.
    edge = max(1, limit // 4)
    gaps = [(words[i].start - words[i - 1].end, i) for i in range(edge, len(words) - edge + 1)]
    if not gaps:
        return [words]
    _, cut = max(gaps)
    return _cut_at_pauses(words[:cut], limit) + _cut_at_pauses(words[cut:], limit)


def overlaps_ads(start: float, end: float, ad_spans: Sequence[AdSpan]) -> bool:
    """True when [start, end] shares any time with an ad span."""
    return any(start < span.end and end > span.start for span in ad_spans)


def speech_sentences(
    segments: Sequence[Segment],
    ad_spans: Sequence[AdSpan] = (),
    options: FactOptions = DEFAULT,
) -> list[Sentence]:
    """The episode's sentences that do not touch an ad span, in order."""
    out: list[Sentence] = []
    run_on = options.split.run_on_words
    for words in split_words(word_stream(segments), options.split):
        pieces = [words]
        if run_on is not None and len(words) > run_on:
            pieces = _cut_at_pauses(words, options.pause_cut_words)
        for piece in pieces:
            sentence = Sentence(tuple(SpokenWord(w.word.strip(), w.start, w.end) for w in piece))
            if sentence.words and not overlaps_ads(sentence.start, sentence.end, ad_spans):
                out.append(sentence)
    return out


def speech_duration(segments: Sequence[Segment], ad_spans: Sequence[AdSpan] = ()) -> float:
    """Seconds from the first to the last segment, less the time inside ad spans."""
    if not segments:
        return 0.0
    first = min(s.start for s in segments)
    last = max(s.end for s in segments)
    in_ads = sum(max(0.0, min(last, a.end) - max(first, a.start)) for a in ad_spans)
    return max(0.0, last - first - in_ads)


def grounded(fact: Fact, segments: Sequence[Segment]) -> bool:
    """Every word of the fact was said, in order, between its start and end (the contract the
    benchmark and the tests check)."""
    said = [
        normalize_word(w.text)
        for w in spoken_words(segments)
        if w.start >= fact.start - 0.01 and w.end <= fact.end + 0.01
    ]
    position = 0
    for word in (normalize_word(w) for w in fact.text.split()):
        while position < len(said) and said[position] != word:
            position += 1
        if position == len(said):
            return False
        position += 1
    return True
