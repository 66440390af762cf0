"""The learned ad detector's pass over one episode: sentences, cues, features, scores, breaks."""

from __future__ import annotations

import functools
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from podsift.tasks.ads.classifier import ad_probability
from podsift.tasks.ads.evidence import Cue, SentenceEvidence, notes_sponsors
from podsift.tasks.ads.features import PLACE, EpisodeFeatures, episode_features
from podsift.tasks.ads.model import DEFAULT_MODEL, AdModel, group_names, load, sigmoid
from podsift.tasks.ads.params import AdOptions
from podsift.tasks.ads.rules import Analysis, Embed, analyse, spans_from_analysis
from podsift.tasks.ads.sentences import Sentence
from podsift.tasks.ads.sequence import ad_breaks
from podsift.tasks.core import embedding
from podsift.tasks.core.records import AdSpan, Segment

# A span's reason names at most this many of what raised its score, strongest first.
MAX_REASONS = 4
# Place features named in a reason, and how.
_PLACE_REASON = {"place:pre-roll": "pre-roll", "place:post-roll": "post-roll"}


@dataclass(frozen=True, slots=True)
class Prepared:
    """An episode's sentences with everything the model reads of them."""

    sentences: list[Sentence]
    evidence: list[SentenceEvidence]
    features: EpisodeFeatures


def block_probabilities(analysis: Analysis, options: AdOptions) -> list[float]:
    """Each topic block's probability under the rules' fitted weights."""
    weights = options.resolved_weights()
    return [ad_probability(f, weights) for f in analysis.features]


def prepare(
    segments: Sequence[Segment],
    description: str | None = None,
    *,
    context: Sequence[Sequence[Segment]] = (),
    options: AdOptions | None = None,
    embed: Embed = embedding.embed,
) -> Prepared:
    """Sentences, cues, the rules' reading and the first stage's features; `embed` gives the
    sentences' embeddings (the fitting script passes a cached one)."""
    options = options or AdOptions()
    analysis = analyse(
        segments, context=context, description=description, options=options, embed=embed
    )
    sentences, evidence = analysis.sentences, analysis.evidence
    rules = np.zeros((len(sentences), 2))
    if sentences:
        for (lo, hi), p in zip(
            analysis.blocks, block_probabilities(analysis, options), strict=True
        ):
            rules[lo : hi + 1, 0] = p
        for span in spans_from_analysis(analysis, options):
            for i, s in enumerate(sentences):
                if span.start <= (s.start + s.end) / 2 <= span.end:
                    rules[i, 1] = 1.0
    sponsors = frozenset(notes_sponsors(description))
    features = episode_features(sentences, evidence, sponsors, rules, analysis.vectors)
    return Prepared(sentences, evidence, features)


def reason(parts: np.ndarray) -> str:
    """What drove a span's score: its sentences' first-stage log-odds summed per feature, the
    positive ones, strongest first ("reads like an ad; sponsor lead-in; web address; pre-roll")."""
    totals = parts.sum(axis=0)
    names = group_names()
    ranked = sorted(
        (
            (float(totals[k]), names[k])
            for k in range(len(names))
            if names[k] != "intercept" and totals[k] > 0
        ),
        reverse=True,
    )
    said: list[str] = []
    for _, name in ranked:
        if name == "words":
            label = "ad language"
        elif name == "meaning":
            label = "reads like an ad"
        elif name.startswith("cue"):
            label = name.split(":", 1)[1].lower().replace("_", " ")
            label = _CUE_LABELS.get(name.split(":", 1)[1], label)
        elif name in _PLACE_REASON:
            label = _PLACE_REASON[name]
        else:
            continue
        if label not in said:
            said.append(label)
        if len(said) == MAX_REASONS:
            break
    return "; ".join(said) or "reads like an ad"


# Each cue as a reason names it ("sponsor lead-in").
_CUE_LABELS = {c.name: c.value for c in Cue}
assert set(_PLACE_REASON) <= {f"place:{p}" for p in PLACE}


def spans(prepared: Prepared, model: AdModel) -> list[AdSpan]:
    """The episode's ad spans under `model`, each with its confidence and reason."""
    if not prepared.sentences:
        return []
    parts = model.parts(prepared.features)
    log_odds = model.log_odds(prepared.features, parts.sum(axis=1))
    probs = sigmoid(log_odds + model.sequence.bias)
    out = []
    f = prepared.features
    for lo, hi in ad_breaks(
        log_odds, prepared.sentences, model.sequence, f.rules[:, 1], f.announced
    ):
        out.append(
            AdSpan(
                prepared.sentences[lo].start,
                prepared.sentences[hi].end,
                round(float(probs[lo : hi + 1].mean()), 3),
                reason(parts[lo : hi + 1]),
            )
        )
    return out


@functools.cache
def default_model(path: Path = DEFAULT_MODEL) -> AdModel:
    """The shipped model, read once per process."""
    return load(path)


def detect(
    segments: Sequence[Segment],
    *,
    context: Sequence[Sequence[Segment]] = (),
    description: str | None = None,
    options: AdOptions | None = None,
    model: AdModel | None = None,
) -> list[AdSpan]:
    """The episode's ad spans under `model` (the shipped one by default)."""
    model = model or default_model()
    return spans(prepare(segments, description, context=context, options=options), model)
