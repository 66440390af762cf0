"""One sentence splitter for every stage that reads a transcript (issue 16).

The warehouse's transcript rows, the ad detector's units and the facts extractor's candidates
are all sentences cut from Whisper's timed words. They share the rule for where a sentence ends
(terminal punctuation, not after an abbreviation or inside initials) and one abbreviation list;
each stage names what it needs beyond that in a `SplitOptions`:

- `TRANSCRIPT_ROWS`: a 1.5 s pause ends a row even without a full stop, and a 60-word sentence
  is cut at its next comma, so a search hit or an `is_ad` flag points at the right moment.
- `AD_UNITS`: a shorter pause, 1.2 s, ends a unit, because inserted ads are spliced in at
  pauses and Whisper often drops the full stop before one.
- `FACT_SENTENCES`: no pause cut (a speaker's pause mid-sentence does not end a statement), but
  a run-on longer than 55 words is cut where Whisper's capitals return (`split_run_on`).

The numbers are the ones each stage used before they were made one splitter, and none was fitted:
1.2 s is about the shortest splice silence around an inserted spot, 1.5 s longer than a speaker's
breath between clauses; the run-on numbers are explained at `split_run_on`.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from podsift.tasks.core.records import Segment, Word

# Words after which a full stop does not end a sentence.
ABBREVIATIONS: frozenset[str] = frozenset(
    "mr mrs ms dr st jr sr prof gen sgt lt capt det vs etc inc corp co ltd mt ft approx no".split()
)
_TERMINAL = (".", "?", "!", "…")
_CLOSERS = "\"'”’)]"
_EDGE = re.compile(r"^[^\w$£€#@]+|[^\w%]+$")
_INITIALS = re.compile(r"(?:[a-z]\.){2,}")
# "I", "I'm", ...: capitalised even inside Whisper's lower-case run-ons.
_FIRST_PERSON = re.compile(r"I(['’](m|ve|d|ll))?")
# Words a sentence does not end on: a capitalised word after one of these continues the clause
# ("inside Lowe's", "a lot of European") rather than starting a new sentence.
_CLAUSE_CONTINUES = frozenset(
    "a an the of to in on at by for from with into onto about as than like and or but nor "
    "inside outside near over under between through around across behind during without "
    "within against toward towards among upon via per "
    "my your his her its our their this that these those some any every no is are was were "
    "be been being am".split()
)


@dataclass(frozen=True, slots=True)
class SplitOptions:
    """What, beyond terminal punctuation, ends a sentence for one stage."""

    pause_s: float | None = None  # a silence at least this long ends a sentence
    comma_cut_words: int | None = None  # a sentence this long ends at its next comma
    run_on_words: int | None = None  # a sentence longer than this is cut where capitals return
    run_on_stretch: int = 8  # unpunctuated lower-case words in a row: Whisper's run-on mode


TRANSCRIPT_ROWS = SplitOptions(pause_s=1.5, comma_cut_words=60)
AD_UNITS = SplitOptions(pause_s=1.2)
FACT_SENTENCES = SplitOptions(run_on_words=55, run_on_stretch=8)


def bare_word(word: str) -> str:
    """Lower case, surrounding punctuation stripped ("Motorola's," -> "motorola's")."""
    return _EDGE.sub("", word.strip().lower().replace("’", "'"))


def ends_sentence(word: str, next_word: str | None = None) -> bool:
    """Whether `word` (as Whisper wrote it) ends a sentence, given the word after it."""
    text = word.strip().rstrip(_CLOSERS)
    if not text.endswith(_TERMINAL):
        return False
    if text.endswith(("?", "!", "…", "..")):
        return True
    bare = bare_word(text)
    if bare in ABBREVIATIONS:
        return False
    if _INITIALS.fullmatch(bare + "."):
        # Initials ("a.m.", "U.S."): a sentence end only when a capitalised word follows.
        following = (next_word or "").strip()
        return following[:1].isupper() and bare not in ("a.m", "p.m")
    return True


def word_stream(segments: Sequence[Segment]) -> list[Word]:
    """The transcript as one stream of timed words.

    Whisper splits some words into pieces without a leading space (" 4" + "%", " p" + ".m.");
    those are glued back. A segment without word timestamps has its text's words spread over
    the segment's span in proportion to their length.
    """
    out: list[Word] = []
    for segment in segments:
        if segment.words:
            spaced = sum(1 for w in segment.words if w.word[:1].isspace())
            glue = spaced * 2 >= len(segment.words)  # whisper style: new words start with a space
            for i, word in enumerate(segment.words):
                text = word.word.strip()
                if not text:
                    continue
                if glue and i > 0 and out and not word.word[:1].isspace():
                    prev = out[-1]
                    out[-1] = Word(prev.start, max(prev.end, word.end), prev.word + text)
                else:
                    out.append(Word(word.start, word.end, " " + text))
        else:
            parts = segment.text.split()
            total = sum(len(p) + 1 for p in parts) or 1
            span = max(segment.end - segment.start, 0.0)
            t = segment.start
            for part in parts:
                dt = span * (len(part) + 1) / total
                out.append(Word(round(t, 3), round(t + dt, 3), " " + part))
                t += dt
    return out


def split_words(words: Sequence[Word], options: SplitOptions) -> list[tuple[Word, ...]]:
    """Cut a word stream into sentences by the shared rule and the stage's options."""
    sentences: list[tuple[Word, ...]] = []
    current: list[Word] = []
    for i, word in enumerate(words):
        current.append(word)
        nxt = words[i + 1] if i + 1 < len(words) else None
        if (
            nxt is None
            or ends_sentence(word.word, nxt.word)
            or (options.pause_s is not None and nxt.start - word.end >= options.pause_s)
            or (
                options.comma_cut_words is not None
                and len(current) >= options.comma_cut_words
                and word.word.strip().endswith(",")
            )
        ):
            sentences.append(tuple(current))
            current = []
    if options.run_on_words is None:
        return sentences
    return [piece for s in sentences for piece in split_run_on(s, options)]


def split_run_on(words: tuple[Word, ...], options: SplitOptions) -> list[tuple[Word, ...]]:
    """Cut a run-on where Whisper's casing returns.

    Whisper sometimes drops punctuation and capitals for a long stretch of speech and picks
    them up again at the start of a later sentence ("...so i'm happy to see it Insta360
    launched the Go 3S Retro Bundle."). A capitalised word after `run_on_stretch` or more
    unpunctuated lower-case words, when the word before it can end a clause, starts a new
    sentence there. Sentences up to `run_on_words` words are returned as they are; the words
    are never changed, only where the sentence is cut. The stretch of 8 gave the same cuts for
    any value from 5 to 12 on the dev corpus; 55 words is longer than almost any punctuated
    spoken sentence there.
    """
    if options.run_on_words is None or len(words) <= options.run_on_words:
        return [words]
    pieces: list[tuple[Word, ...]] = []
    start = 0
    stretch = 0
    for i, word in enumerate(words):
        text = word.word.strip()
        if (
            i > start
            and stretch >= options.run_on_stretch
            and text[:1].isupper()
            and not _FIRST_PERSON.fullmatch(text)
            and bare_word(words[i - 1].word) not in _CLAUSE_CONTINUES
        ):
            pieces.append(words[start:i])
            start = i
            stretch = 0
        stretch = stretch + 1 if _unmarked(text) else 0
    pieces.append(words[start:])
    return pieces


def _unmarked(word: str) -> bool:
    """A word as Whisper writes it in a run-on: lower case ("I" aside), no punctuation after."""
    if word.endswith((",", ".", ";", ":", "?", "!", "…")):
        return False
    return not word[:1].isupper() or bool(_FIRST_PERSON.fullmatch(word))


def sentence_segment(words: Sequence[Word]) -> Segment:
    """A transcript segment made of `words`."""
    text = "".join(w.word for w in words).strip()
    return Segment(words[0].start, words[-1].end, text, tuple(words))


def split_segments(
    segments: Sequence[Segment], options: SplitOptions = TRANSCRIPT_ROWS
) -> list[Segment]:
    """Re-cut segments at sentence ends (and the options' pauses), segment by segment.

    Segments without word timestamps are kept as they are; a sentence never spans two
    segments, so a segment's own time range stays authoritative.
    """
    out: list[Segment] = []
    for seg in segments:
        if not seg.words:
            out.append(seg)
            continue
        out.extend(sentence_segment(s) for s in split_words(seg.words, options))
    return [s for s in out if s.text]
