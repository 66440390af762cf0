"""The learned detector's pass over one episode: sentences, cues, features, scores, breaks.

`detect_ads` (the package's entry point) is this module's `detect`; `bench/fit_ads.py` uses
`prepare` to fit the weights on the same features the detector computes.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.ads.evidence import OPENER, WELCOME, SentenceEvidence, notes_sponsors
from podsift.tasks.ads.evidence import sentence_evidence as cue_evidence
from podsift.tasks.ads.features import PLACE, EpisodeFeatures, episode_features
from podsift.tasks.ads.model import AdModel, group_names, sigmoid
from podsift.tasks.ads.params import EvidenceOptions
from podsift.tasks.ads.sentences import Sentence, split_sentences
from podsift.tasks.ads.sequence import ad_breaks
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


def prepare(
    segments: Sequence[Segment], description: str | None = None, *, use_advertisers: bool = True
) -> Prepared:
    sentences = split_sentences(segments, OPENER, WELCOME)
    evidence = cue_evidence(sentences, EvidenceOptions(), use_advertisers=use_advertisers)
    sponsors = frozenset(notes_sponsors(description))
    return Prepared(sentences, evidence, episode_features(sentences, evidence, sponsors))


def reason(parts: np.ndarray) -> str:
    """What drove a span's score: its groups' summed log-odds, the positive ones, strongest
    first ("ad language; sponsor lead-in; web address; pre-roll")."""
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
        elif name == "words near":
            label = "ad language around it"
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
    return "; ".join(said) or "ad language"


def _cue_labels() -> dict[str, str]:
    from podsift.tasks.ads.evidence import Cue

    return {c.name: c.value for c in Cue}


_CUE_LABELS = _cue_labels()
assert set(_PLACE_REASON) <= {f"place:{p}" for p in PLACE}


def spans(prepared: Prepared, model: AdModel) -> list[AdSpan]:
    """The episode's ad spans under `model`, each with its confidence and reason."""
    if not prepared.sentences:
        return []
    parts = model.parts(prepared.features)
    log_odds = parts.sum(axis=1)
    probs = sigmoid(log_odds + model.sequence.bias)
    out = []
    for lo, hi in ad_breaks(log_odds, prepared.sentences, model.sequence):
        out.append(
            AdSpan(
                prepared.sentences[lo].start,
                prepared.sentences[hi].end,
                round(float(probs[lo : hi + 1].mean()), 3),
                reason(parts[lo : hi + 1]),
            )
        )
    return out
