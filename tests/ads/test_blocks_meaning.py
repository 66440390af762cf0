"""Topic blocks cut where the sentences' meaning changes (the learned detector's blocks).

The first test uses made-up vectors to pin the arithmetic; the second the real sentence
embedding model that ships with podsift (`tasks/core/embedding.py`, no download).
"""

from __future__ import annotations

import numpy as np

from podsift.tasks.ads.blocks import _embedding_cohesion_cuts, topic_blocks
from podsift.tasks.ads.evidence import OPENER, WELCOME, sentence_evidence
from podsift.tasks.ads.params import AdOptions, BlockOptions
from podsift.tasks.ads.rules import analyse
from podsift.tasks.ads.sentences import split_sentences
from podsift.tasks.core import embedding
from podsift.tasks.core.records import Segment


def test_a_change_of_meaning_is_cut_and_one_meaning_is_not() -> None:
    rng = np.random.default_rng(7)
    first, second = np.eye(8)[0], np.eye(8)[1]
    topic = np.vstack([first + 0.05 * rng.standard_normal(8) for _ in range(10)])
    other = np.vstack([second + 0.05 * rng.standard_normal(8) for _ in range(10)])
    assert _embedding_cohesion_cuts(np.vstack([topic, other]), BlockOptions()) == [10]
    assert _embedding_cohesion_cuts(topic, BlockOptions()) == []
    # Fewer sentences than a window each side: nothing to compare.
    assert _embedding_cohesion_cuts(topic[:7], BlockOptions()) == []


def _segments(texts: list[str]) -> list[Segment]:
    return [Segment(6.0 * k, 6.0 * k + 5.6, text) for k, text in enumerate(texts)]


STORY = [
    "The harbour board met on Tuesday to settle next year's dredging budget.",
    "Silt from the spring floods has narrowed the channel for the ferries.",
    "Two of the three cranes on the east quay need new gearboxes.",
    "The fishing cooperative asked for longer berths for its trawlers.",
    "Board members argued for an hour about whether to raise mooring fees.",
    "In the end they agreed to borrow against the port's land instead.",
]
# A spot with no lead-in, no pause and almost no word in common with the story or itself.
SPOT = [
    "Waking up stiff every morning gets old fast.",
    "Driftwell mattresses adapt to how you sleep, side or back.",
    "Each one arrives rolled in a box at your door within days.",
    "Try one for a hundred nights, and send it back free if you don't love it.",
]


def test_with_embeddings_a_spot_without_lead_in_starts_its_own_block() -> None:
    texts = STORY + SPOT + STORY[::-1]
    segments = _segments(texts)
    options = AdOptions()
    sentences = split_sentences(segments, OPENER, WELCOME)
    evidence = sentence_evidence(sentences, options.evidence, use_advertisers=False)
    vectors = embedding.embed([s.text for s in sentences])
    blocks = topic_blocks(sentences, evidence, options.blocks, vectors)
    starts = {sentences[lo].start for lo, _ in blocks}
    assert segments[len(STORY)].start in starts, blocks
    # The learned detector's pass gives the rules these embeddings (and keeps them).
    analysis = analyse(segments, embed=embedding.embed)
    assert analysis.vectors is not None and analysis.vectors.shape[0] == len(sentences)
    assert analysis.blocks == blocks
