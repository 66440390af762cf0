"""The one sentence splitter (tasks/core/sentences.py) and each stage's options."""

from __future__ import annotations

from podsift.tasks.core.records import Segment, Word
from podsift.tasks.core.sentences import (
    AD_UNITS,
    FACT_SENTENCES,
    TRANSCRIPT_ROWS,
    SplitOptions,
    ends_sentence,
    split_segments,
    split_words,
    word_stream,
)


def _seg(*tokens: tuple[float, float, str]) -> Segment:
    words = tuple(Word(s, e, w) for s, e, w in tokens)
    return Segment(words[0].start, words[-1].end, "".join(w.word for w in words).strip(), words)


def _texts(sentences: list[tuple[Word, ...]]) -> list[str]:
    return ["".join(w.word for w in s).strip() for s in sentences]


def test_rows_cut_on_ends_pauses_and_not_after_abbreviations() -> None:
    seg = _seg(
        (0.0, 0.4, " Dr."),
        (0.4, 0.8, " Lee"),
        (0.8, 1.2, " spoke."),
        (1.3, 1.6, " Then"),
        (1.6, 2.0, " silence"),
        (4.0, 4.4, " and"),  # 2 s pause: a new row
        (4.4, 4.8, " more?"),
        (4.9, 5.2, " Yes"),
    )
    out = split_segments([seg, Segment(9.0, 10.0, "No words here.")], TRANSCRIPT_ROWS)
    assert [(s.start, s.end, s.text) for s in out] == [
        (0.0, 1.2, "Dr. Lee spoke."),
        (1.3, 2.0, "Then silence"),
        (4.0, 4.8, "and more?"),
        (4.9, 5.2, "Yes"),
        (9.0, 10.0, "No words here."),
    ]


def test_rows_cut_long_unpunctuated_speech_at_the_comma_after_60_words() -> None:
    tokens = [(i * 0.3, i * 0.3 + 0.25, " word" + ("," if i % 10 == 9 else "")) for i in range(150)]
    out = split_segments([_seg(*tokens)], TRANSCRIPT_ROWS)
    assert [len(s.words) for s in out] == [60, 60, 30]
    assert out[0].text.endswith("word,") and out[1].start == tokens[60][0]


def test_a_pause_of_1_3_s_ends_an_ad_unit_but_not_a_row_or_a_fact_sentence() -> None:
    words = [Word(0.0, 0.5, " Visit"), Word(0.5, 1.0, " acme"), Word(2.3, 2.8, " welcome")]
    assert _texts(split_words(words, AD_UNITS)) == ["Visit acme", "welcome"]
    assert _texts(split_words(words, TRANSCRIPT_ROWS)) == ["Visit acme welcome"]
    assert _texts(split_words(words, FACT_SENTENCES)) == ["Visit acme welcome"]


def test_initials_end_a_sentence_only_before_a_capital() -> None:
    assert not ends_sentence(" U.S.", " economy")
    assert ends_sentence(" U.S.", " The")
    assert not ends_sentence(" 9", " a.m.") and not ends_sentence(" a.m.", " The")
    assert not ends_sentence(" Mr.", " Smith") and not ends_sentence(" etc.", " And")
    assert ends_sentence(" really?", " yes") and ends_sentence(' done."', None)


def test_fact_sentences_cut_a_run_on_where_capitals_return() -> None:
    run_on = " ".join(["and then we went over there to see it"] * 6)  # 54 lower-case words
    text = f"{run_on} so i'm happy Insta360 launched the Go 3S Retro Bundle."
    words = [Word(i * 0.3, i * 0.3 + 0.2, " " + w) for i, w in enumerate(text.split())]
    cut = _texts(split_words(words, FACT_SENTENCES))
    assert cut == [f"{run_on} so i'm happy", "Insta360 launched the Go 3S Retro Bundle."]
    # Without the run-on option the same words are one sentence.
    assert _texts(split_words(words, SplitOptions())) == [text]


def test_word_stream_glues_pieces_and_spreads_untimed_segments() -> None:
    timed = _seg((0.0, 0.3, " rates"), (0.3, 0.5, " rose"), (0.5, 0.7, " 4"), (0.7, 0.8, "%."))
    untimed = Segment(10.0, 12.0, "Two words")
    stream = word_stream([timed, untimed])
    assert [w.word for w in stream] == [" rates", " rose", " 4%.", " Two", " words"]
    assert stream[2] == Word(0.5, 0.8, " 4%.")
    assert stream[3].start == 10.0 and stream[4].end == 12.0
