"""Sentence embeddings for the ranking: how central a statement is to its topic block, and
which statements say the same thing (issue 25).

Vectors come from `podsift.tasks.core.embedding` (unit rows, so a dot product is a cosine).
Two measures, each chosen by leave-one-show-out on the readers' key facts (`bench/facts.py`;
the weights and their figures are in `params.py`):

- **topic-block centrality**: the episode is cut into blocks of `block_minutes` of time (two
  facts' worth of speech, one per four minutes: a block gives one or two facts). Every non-ad
  sentence is embedded and *centred*: the mean vector of `CHATTER`, lines of talk that say
  nothing, is subtracted and the row re-normalised, because much of what two spoken sentences
  share is their register ("yeah, so, I think"), not their subject. A block's centroid is the
  mean of its centred sentence vectors weighted by their content words (a "yeah" counts for
  nothing), and a candidate's centrality is its centred cosine to its block's centroid.
  Centring on the episode's own mean sentence instead covered 1-5 more key facts on the
  benchmark (noise: one key fact is 0.26 points) but strips the subject itself from a short
  episode about one thing, where an off-topic sentence then scores as central (the on-topic
  test in `tests/facts/test_centrality.py` fails with it).
- **near-duplicates**: two candidates whose raw cosine reaches `embed_duplicate` state the same
  point in other words ("The ferry carried 400,000 passengers in 2023" / "In 2023, 400,000
  people travelled on the boat");
  the selection never takes both (the content-word rule in `rank.select` misses these, having
  few words in common).

Measured on the 50 keyed episodes and left out (no more key facts covered): the cosine to the
whole episode's centroid (within an episode, a candidate that covers a key fact is ranked above
one that does not with AUC 0.44: the centre of an episode's sentences is its chat; weighted by
content words 0.62, and 0.52 once the sentence's length is taken out), the cosine to the
episode's title (0.58), a soft penalty on the cosine to chosen facts (MMR: 4-9 fewer key facts
at 0.1-0.8), and a cap of one or two facts per block (5-30 fewer: readers do not spread
theirs evenly over time).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.core.embedding import embed as embed_texts
from podsift.tasks.facts.terms import content_terms

Embed = Callable[[Sequence[str]], np.ndarray]

# Conversation that says nothing in particular (written for this module, not taken from any
# episode): the mean of their vectors is the register of talk that centring takes away.
CHATTER = (
    "Yeah, that's right.",
    "I think so too.",
    "Thanks so much for having me on the show.",
    "That's a really good question.",
    "So let's get into it.",
    "I mean, it depends.",
    "Okay, cool, that makes sense.",
    "We'll talk about that in a minute.",
    "I don't know, it's kind of hard to say.",
    "That's awesome, I love that.",
    "Welcome back to the show, everybody.",
    "Anyway, moving on to the next thing.",
    "You know what I mean?",
    "It was a lot of fun.",
    "Let me think about that for a second.",
    "So what do you think about that?",
    "Right, exactly, that's the thing.",
    "And I think that's really interesting.",
    "Let's take a quick break.",
    "Thanks for listening, and see you next week.",
    "It's been great talking to you.",
    "I totally agree with you on that.",
    "There are a lot of different ways to look at it.",
    "So that's basically what happened.",
)
_register: dict[Embed, np.ndarray] = {}


def chatter_register(embed: Embed = embed_texts) -> np.ndarray:
    """The mean vector of `CHATTER` under `embed` (made once per embedding function)."""
    if embed not in _register:
        _register[embed] = embed(CHATTER).mean(axis=0)
    return _register[embed]


@dataclass(frozen=True, slots=True)
class StatementVectors:
    """Each candidate's embedding and its centrality to its topic block."""

    vectors: np.ndarray  # (candidates, DIM), unit rows (raw: the model's own vectors)
    block_centrality: np.ndarray  # (candidates,) centred cosine to the block's centroid
    blocks: np.ndarray  # (candidates,) the topic block each candidate is said in


def topic_blocks(starts: Sequence[float], first: float, block_seconds: float) -> np.ndarray:
    """The block each time falls in: consecutive windows of `block_seconds` from `first`."""
    if not len(starts):
        return np.zeros(0, dtype=np.int64)
    at = (np.asarray(starts, dtype=np.float64) - first) / max(block_seconds, 1e-9)
    return np.floor(np.clip(at, 0.0, None)).astype(np.int64)


def centred(vectors: np.ndarray, mean: np.ndarray) -> np.ndarray:
    """`vectors` less `mean`, each row re-normalised (a zero row stays zero)."""
    out = vectors - mean
    norms = np.linalg.norm(out, axis=1, keepdims=True)
    np.divide(out, norms, out=out, where=norms > 0)
    return out


def block_centrality(
    sentence_vectors: np.ndarray,
    sentence_weights: np.ndarray,
    sentence_blocks: np.ndarray,
    candidate_vectors: np.ndarray,
    candidate_blocks: np.ndarray,
    register: np.ndarray,
) -> np.ndarray:
    """Each candidate's centred cosine to the weighted centroid of its block's sentences.

    Vectors are raw unit rows; both sides are centred on `register` (`chatter_register`) first.
    A candidate in a block with no weighted sentence gets 0.
    """
    out = np.zeros(len(candidate_vectors), dtype=np.float64)
    if not len(sentence_vectors) or not len(candidate_vectors):
        return out
    sentences = centred(sentence_vectors, register)
    candidates = centred(candidate_vectors, register)
    for block in np.unique(candidate_blocks):
        inside = sentence_blocks == block
        centroid = (sentences[inside] * sentence_weights[inside, None]).sum(axis=0)
        norm = float(np.linalg.norm(centroid))
        if norm > 0:
            mine = candidate_blocks == block
            out[mine] = candidates[mine] @ (centroid / norm)
    return out


def statement_vectors(
    sentences: Sequence[tuple[str, float]],
    candidates: Sequence[tuple[str, float]],
    *,
    first: float,
    block_seconds: float,
    embed: Embed = embed_texts,
) -> StatementVectors:
    """Embed an episode's non-ad sentences and its candidates, and place them in topic blocks.

    Args:
        sentences: every non-ad sentence of the episode, as (text, start time).
        candidates: the candidate facts, as (text, start time).
        first: the time the episode's speech starts (the first block's start).
        block_seconds: the length of a topic block.
        embed: the embedding function (the benchmark may pass a cached one).

    Returns:
        The candidates' vectors, blocks and block centrality, in the order given.
    """
    texts = [t for t, _ in sentences] + [t for t, _ in candidates]
    # A candidate that is a sentence as said (no filler cut, not joined) is embedded once.
    unique = list(dict.fromkeys(texts))
    rows = {text: i for i, text in enumerate(unique)}
    vectors = embed(unique).astype(np.float32, copy=False)[[rows[t] for t in texts]]
    sentence_vectors, candidate_vectors = vectors[: len(sentences)], vectors[len(sentences) :]
    weights = np.array([len(content_terms(t)) for t, _ in sentences], dtype=np.float64)
    sentence_blocks = topic_blocks([s for _, s in sentences], first, block_seconds)
    candidate_blocks = topic_blocks([s for _, s in candidates], first, block_seconds)
    centrality = block_centrality(
        sentence_vectors,
        weights,
        sentence_blocks,
        candidate_vectors,
        candidate_blocks,
        chatter_register(embed),
    )
    return StatementVectors(candidate_vectors, centrality, candidate_blocks)
