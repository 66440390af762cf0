"""The rule-based reading of an episode: cue evidence, topic blocks, a fitted block classifier.

The stages, one module each: `sentences` (timed sentences), `evidence` (the generic language
of ads in each sentence), `blocks` (topic blocks), `evidence` again (each block's features),
`classifier` (a fitted logistic regression per block), `boundaries` (ad blocks merged into
breaks). It was podsift's detector until issue 24; now the learned detector (`learned`) reads
its blocks' probabilities and its breaks as features, and `detect_rules` stays for comparison
(`podsift ads --detector rules`).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.ads.blocks import Block, topic_blocks
from podsift.tasks.ads.boundaries import ad_breaks, reason
from podsift.tasks.ads.classifier import ad_probability, contributions
from podsift.tasks.ads.evidence import (
    OPENER,
    WELCOME,
    Feature,
    SentenceEvidence,
    block_features,
    episode_context,
    relative_off_topic,
    sentence_evidence,
)
from podsift.tasks.ads.params import AdOptions
from podsift.tasks.ads.sentences import Sentence, split_sentences
from podsift.tasks.core.records import AdSpan, Segment


@dataclass(frozen=True, slots=True)
class Analysis:
    """An episode through the stages before the classifier (what fitting needs)."""

    sentences: list[Sentence]
    evidence: list[SentenceEvidence]
    blocks: list[Block]
    features: list[dict[Feature, float]]
    vectors: np.ndarray | None = None  # the sentences' embeddings, when `embed` was given


# Sentence embeddings of a list of texts, one row each (`podsift.tasks.core.embedding.embed`).
Embed = Callable[[Sequence[str]], np.ndarray]


def analyse(
    segments: Sequence[Segment],
    *,
    context: Sequence[Sequence[Segment]] = (),
    description: str | None = None,
    options: AdOptions | None = None,
    embed: Embed | None = None,
) -> Analysis:
    """Sentences, their evidence, topic blocks and each block's features; with `embed`, the
    topic blocks are cut where the sentences' meaning changes rather than their words (the
    learned detector embeds every sentence anyway; the rule-based detector alone does not)."""
    options = options or AdOptions()
    sentences = split_sentences(segments, OPENER, WELCOME)
    if not sentences:
        return Analysis([], [], [], [])
    evidence = sentence_evidence(
        sentences, options.evidence, use_advertisers=options.use_advertisers
    )
    vectors = embed([s.text for s in sentences]) if embed is not None else None
    blocks = topic_blocks(sentences, evidence, options.blocks, vectors)
    episode = episode_context(
        sentences, evidence, [split_sentences(ep) for ep in context], description, options.evidence
    )
    features = [
        block_features(lo, hi, episode, options.evidence, _neighbours(blocks, k))
        for k, (lo, hi) in enumerate(blocks)
    ]
    relative_off_topic(blocks, features, episode, options.evidence)
    return Analysis(sentences, evidence, blocks, features, vectors)


def _neighbours(blocks: Sequence[Block], k: int) -> list[Block]:
    return [blocks[j] for j in (k - 1, k + 1) if 0 <= j < len(blocks)]


def spans_from_analysis(analysis: Analysis, options: AdOptions | None = None) -> list[AdSpan]:
    """Classify the analysed blocks and turn ad blocks into spans."""
    options = options or AdOptions()
    weights = options.resolved_weights()
    probabilities = [ad_probability(f, weights) for f in analysis.features]
    shares = [contributions(f, weights) for f in analysis.features]
    breaks = ad_breaks(
        analysis.blocks,
        probabilities,
        shares,
        analysis.sentences,
        analysis.evidence,
        options.breaks,
    )
    return [
        AdSpan(
            analysis.sentences[b.lo].start,
            analysis.sentences[b.hi].end,
            round(b.probability, 3),
            reason(b, options.breaks),
        )
        for b in breaks
    ]


def detect_rules(
    segments: Sequence[Segment],
    *,
    context: Sequence[Sequence[Segment]] = (),
    description: str | None = None,
    options: AdOptions | None = None,
) -> list[AdSpan]:
    """Find sponsor reads, sponsor credits and promos in an episode.

    Args:
        segments: the episode's transcript; word timestamps sharpen the boundaries.
        context: transcripts of other episodes of the same show; ad copy that recurs across
            them is found more surely.
        description: the episode's show notes (plain text or HTML); sponsors named there
            count as evidence.
        options: detector options; the defaults use the fitted weights.

    Returns:
        Ad spans, sorted and non-overlapping, each with a confidence in 0..1 and a reason
        naming the evidence (e.g. "sponsor lead-in; web address; promo code; pre-roll").
    """
    analysis = analyse(segments, context=context, description=description, options=options)
    return spans_from_analysis(analysis, options)
