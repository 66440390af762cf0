"""Sentence embeddings in the facts ranking (issue 25), with the real embedding model: a statement
on the episode's subject is chosen over an equally informative one off it, and one point said
twice in other words is chosen once. Every transcript here is invented."""

from __future__ import annotations

import numpy as np

from podsift.tasks.facts import DEFAULT, extract_facts
from podsift.tasks.facts.centrality import statement_vectors, topic_blocks
from podsift.tasks.facts.params import with_weights
from podsift.tasks.facts.sentences import grounded
from tests.facts.test_facts import spoken

OPENING = [
    "Welcome back to Harbour Notes, I'm Dana Reyes.",
    "Today we're talking about the ferries of Kestrel Bay with the historian Omar Patel.",
    "The Kestrel Bay ferry carried four hundred thousand passengers in 2023.",
    "Helen Marsh founded the Kestrel Bay Ferry Company in 1911 with two steam boats.",
]
# Two statements alike in everything the other parts of the ranking see (a name, a number, a
# year, nine content words, no word shared with the rest), one about the ferries, one not.
ON_TOPIC = "Captain Rosa Lind has steered the vessel through forty winter gales since 2015."
OFF_TOPIC = "Baker Piet Lind has sold sourdough loaves at forty fairs since 2015."
EPISODE = [
    *OPENING,
    OFF_TOPIC,
    "The harbour council replaced the wooden pier with a concrete one in 1998.",
    ON_TOPIC,
    "The crossing to Gull Island takes twenty five minutes in calm weather.",
]


def test_block_centrality_prefers_the_on_topic_sentence() -> None:
    vectors = statement_vectors(
        [(line, 10.0 * i) for i, line in enumerate(EPISODE)],
        [(ON_TOPIC, 60.0), (OFF_TOPIC, 40.0)],
        first=0.0,
        block_seconds=480.0,
    )
    on, off = vectors.block_centrality
    assert on > off
    assert np.allclose(np.linalg.norm(vectors.vectors, axis=1), 1.0, atol=1e-5)


def test_on_topic_statement_is_chosen_over_an_off_topic_one() -> None:
    segments = spoken(EPISODE, pause=3.0)
    texts = [f.text for f in extract_facts(segments, max_facts=3)]
    assert ON_TOPIC in texts
    assert OFF_TOPIC not in texts
    # Without the topic-block term the two tie, and the earlier (off-topic) one is taken.
    flat = with_weights(DEFAULT, w_topic_block=0.0)
    assert OFF_TOPIC in [f.text for f in extract_facts(segments, max_facts=3, options=flat)]


def test_the_same_point_in_other_words_is_chosen_once() -> None:
    first = "The Kestrel Bay ferry carried four hundred thousand passengers in 2023."
    again = "In 2023, 400,000 people travelled on the Kestrel Bay boat."
    segments = spoken(
        [
            *OPENING[:2],
            first,
            "Helen Marsh founded the Kestrel Bay Ferry Company in 1911 with two steam boats.",
            "The harbour council replaced the wooden pier with a concrete one in 1998.",
            again,
            "The crossing to Gull Island takes twenty five minutes in calm weather.",
        ],
        pause=3.0,
    )
    facts = extract_facts(segments, max_facts=10)
    texts = [f.text for f in facts]
    assert (first in texts) != (again in texts), texts
    assert len(texts) >= 3
    assert all(grounded(f, segments) for f in facts)
    # The two share too few words for the content-word rule: the embedding is what tells.
    off = with_weights(DEFAULT, embed_duplicate=1.0)
    both = [f.text for f in extract_facts(segments, max_facts=10, options=off)]
    assert first in both and again in both


def test_topic_blocks_are_windows_of_time_from_the_first_word() -> None:
    blocks = topic_blocks([5.0, 100.0, 484.0, 485.0, 1000.0], first=5.0, block_seconds=480.0)
    assert blocks.tolist() == [0, 0, 0, 1, 2]
    assert topic_blocks([], first=0.0, block_seconds=480.0).tolist() == []
