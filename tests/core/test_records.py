"""The transcript and ad spans JSON contracts: what loads, and one sentence for what does not."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from podsift.tasks.core.records import (
    AdSpan,
    Segment,
    Word,
    load_transcript_file,
    segments_from_json,
    spans_from_json,
)


def test_a_whisper_shaped_transcript_loads() -> None:
    data = {
        "language": "en",
        "segments": [
            {
                "start": 0,
                "end": 2.5,
                "text": " Hello there.",
                "words": [
                    {"start": 0.0, "end": 1.0, "word": " Hello"},
                    {"start": 1.0, "end": 2.5, "word": " there."},
                    {"start": None, "end": None, "word": " (untimed)"},
                ],
            },
            {"start": "2.5", "end": 2.5, "text": ""},  # a number as a string; zero length
        ],
    }
    assert segments_from_json(data) == [
        Segment(0.0, 2.5, " Hello there.", (Word(0.0, 1.0, " Hello"), Word(1.0, 2.5, " there."))),
        Segment(2.5, 2.5, ""),
    ]


def test_null_text_is_empty_text_not_the_word_none() -> None:
    segments = segments_from_json(
        [
            {"start": 0, "end": 2, "text": None},
            {
                "start": 2,
                "end": 4,
                "text": "Real words.",
                "words": [{"start": 2, "end": 3, "word": None}],
            },
        ]
    )
    assert [s.text for s in segments] == ["", "Real words."]
    assert segments[1].words == (Word(2.0, 3.0, ""),)
    assert "None" not in " ".join(s.text for s in segments)


def test_a_word_with_an_impossible_time_loses_its_timing_not_the_transcript() -> None:
    # An aligner's slip on one word (an end before its start, NaN) should not cost the episode:
    # the segment's text keeps the word, as for a word without timestamps.
    segments = segments_from_json(
        [
            {
                "start": 0,
                "end": 3,
                "text": " One two three.",
                "words": [
                    {"start": 0.0, "end": 1.0, "word": " One"},
                    {"start": 1.5, "end": 1.0, "word": " two"},
                    {"start": 2.0, "end": float("nan"), "word": " three."},
                ],
            }
        ]
    )
    assert segments == [Segment(0.0, 3.0, " One two three.", (Word(0.0, 1.0, " One"),))]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        # Times that are no time at all, or impossible ones.
        (
            [{"start": float("nan"), "end": 4, "text": "x"}],
            "transcript segment 0 has start NaN, not a finite number of seconds",
        ),
        (
            [{"start": 0, "end": 1, "text": "x"}, {"start": 4, "end": float("inf"), "text": "y"}],
            "transcript segment 1 has end Infinity, not a finite number of seconds",
        ),
        (
            [{"start": -5, "end": -1, "text": "x"}],
            "transcript segment 0 has start -5 s: times cannot be negative",
        ),
        (
            [{"start": 0, "end": 2, "text": "x"}, {"start": 10, "end": 3, "text": "y"}],
            "transcript segment 1 ends before it starts (start 10 s, end 3 s)",
        ),
        (
            [{"start": 1e308, "end": 1.7e308, "text": "x"}],
            "transcript segment 0 has start 1e+308 s, more than a week: no episode is that long",
        ),
        (
            [{"start": True, "end": True, "text": "x"}],
            "transcript segment 0 has start true, not a number of seconds",
        ),
        (
            [{"start": "soon", "end": 1, "text": "x"}],
            'transcript segment 0 has start "soon", not a number of seconds',
        ),
        # Shapes: one sentence, no Python exception names.
        (
            [[0, 2, "hello"]],
            'transcript segment 0 is a list, not an object like {"start": s, "end": s, '
            '"text": str, "words": [...]}',
        ),
        ([{"end": 2, "text": "x"}], "transcript segment 0 has no 'start'"),
        ([{"start": 0, "end": 2}], "transcript segment 0 has no 'text'"),
        ([{"start": 0, "end": 2, "text": 42}], "transcript segment 0 has text 42, not a string"),
        (
            [{"start": 0, "end": 2, "text": "x", "words": "hello"}],
            'transcript segment 0 has words "hello", not a list of words',
        ),
        (
            [{"start": 0, "end": 2, "text": "x", "words": [None]}],
            "word 0 of transcript segment 0 is null, not an object",
        ),
        (42, "transcript JSON must be a list of segments or an object with 'segments'"),
    ],
)
def test_a_bad_transcript_is_one_sentence_naming_the_segment(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as err:
        segments_from_json(data)
    assert str(err.value) == message


def test_nan_in_a_transcript_file_is_refused(tmp_path: Path) -> None:
    # Python's json reads the NaN and Infinity tokens other tools write.
    path = tmp_path / "t.json"
    path.write_text('[{"start": 0, "end": NaN, "text": "x"}]', encoding="utf-8")
    with pytest.raises(ValueError, match="transcript segment 0 has end NaN"):
        load_transcript_file(path)


def test_ad_spans_load_sorted() -> None:
    spans = spans_from_json(
        [
            {"start": 30, "end": 45.5, "confidence": 0.9, "reason": "sponsor read"},
            {"start": 0, "end": 10},
        ]
    )
    assert spans == [AdSpan(0.0, 10.0, 1.0, ""), AdSpan(30.0, 45.5, 0.9, "sponsor read")]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (
            [{"start": float("nan"), "end": 4, "confidence": 0.5}],
            "ad span 0 has start NaN, not a finite number of seconds",
        ),
        (
            [{"start": 0, "end": 4, "confidence": 2.5, "reason": "x"}],
            "ad span 0 has confidence 2.5, not a number from 0 to 1",
        ),
        (
            [{"start": 0, "end": 4, "confidence": float("nan")}],
            "ad span 0 has confidence NaN, not a number from 0 to 1",
        ),
        (
            [{"start": 0, "end": 100}, {"start": 9, "end": 4}],
            "ad span 1 ends before it starts (start 9 s, end 4 s)",
        ),
        ([{"start": -1, "end": 4}], "ad span 0 has start -1 s: times cannot be negative"),
        ([{"start": 0, "end": 4, "reason": 7}], "ad span 0 has reason 7, not a string"),
        (["0-4"], 'ad span 0 is "0-4", not an object like {"start": s, "end": s,'),
        ({"start": 0, "end": 4}, "not an ad spans JSON list (expected [{"),
    ],
)
def test_bad_ad_spans_are_one_sentence_naming_the_span(data: Any, message: str) -> None:
    with pytest.raises(ValueError) as err:
        spans_from_json(data)
    assert str(err.value).startswith(message)
