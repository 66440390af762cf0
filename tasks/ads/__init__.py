"""Find the ads in a podcast transcript, offline and on a CPU (issues 3, 11, 24).

The detector (`learned`) is fitted on real episodes labelled by reading (`bench/labels/`):

1. `sentences`: the transcript as timed sentences (the project's one splitter).
2. `rules`: the rule-based reading (cue evidence, topic blocks, a block classifier, breaks),
   kept as features: its blocks' probabilities and its breaks.
3. `features`: each sentence's hashed words, cues, place, and meaning (a sentence embedding of
   it and of its neighbours, `podsift.tasks.core.embedding`).
4. `model`: two fitted logistic regressions, the sentence alone and among its neighbours,
   weights in `data/ads_model.npz` (written by `bench/learned/fit.py`, never by hand).
5. `sequence`: the scores turned into breaks (an HMM or hysteresis), the rules' breaks kept
   or dropped by the model's score.

`detect_rules` is the rule-based detector alone (`podsift ads --detector rules`).
"""

from __future__ import annotations

from collections.abc import Sequence

from podsift.tasks.ads.params import AdOptions
from podsift.tasks.ads.rules import Analysis, analyse, detect_rules, spans_from_analysis
from podsift.tasks.core.errors import PodsiftError
from podsift.tasks.core.records import AdSpan, Segment, in_spans

__all__ = [
    "DETECTORS",
    "AdOptions",
    "Analysis",
    "analyse",
    "detect_ads",
    "detect_rules",
    "mark_ad_segments",
    "spans_from_analysis",
]

# "learned": the fitted detector (the default); "rules": the rule-based one alone.
DETECTORS = ("learned", "rules")


def detect_ads(
    segments: Sequence[Segment],
    *,
    context: Sequence[Sequence[Segment]] = (),
    description: str | None = None,
    options: AdOptions | None = None,
    detector: str = "learned",
) -> list[AdSpan]:
    """Find sponsor reads, sponsor credits and promos in an episode.

    Args:
        segments: the episode's transcript; word timestamps sharpen the boundaries.
        context: transcripts of other episodes of the same show; ad copy that recurs across
            them is found more surely.
        description: the episode's show notes (plain text or HTML); sponsors named there
            count as evidence.
        options: the rule-based reading's options; the defaults use the fitted weights.
        detector: one of `DETECTORS`.

    Returns:
        Ad spans, sorted and non-overlapping, each with a confidence in 0..1 and a reason
        naming what drove its score (e.g. "sponsor lead-in; web address; reads like an ad").

    Raises:
        PodsiftError: for an unknown detector, or a model file that cannot be read.
    """
    if detector == "rules":
        return detect_rules(segments, context=context, description=description, options=options)
    if detector != "learned":
        raise PodsiftError(f"unknown ad detector {detector!r}: use one of {', '.join(DETECTORS)}")
    from podsift.tasks.ads import learned

    return learned.detect(segments, context=context, description=description, options=options)


def mark_ad_segments(segments: Sequence[Segment], spans: Sequence[AdSpan]) -> list[bool]:
    """Flag each segment that lies mostly (over half its length) inside an ad span."""
    return [in_spans(s.start, s.end, spans) for s in segments]
