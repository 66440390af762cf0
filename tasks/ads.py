"""Find the ads in a podcast transcript, offline and on a CPU (issue 3).

The transcript is re-cut into sentences (`tasks.ad_units`), each sentence gets a log-odds score
from cues, advertisers, repetition and topic cohesion (`tasks.ad_features`), and a two-state
Viterbi pass turns the scores into contiguous spans: switching between content and ad costs a
penalty, cheaper at pauses, so a read's middle sentences ride along with its lead-in and call
to action. Spans close together are merged into one ad break; spans without any strong evidence
or too short to be a read are dropped.

Structure carries as much as cues: a read runs from a hand-over ("let's take a quick break")
or a lead-in that names a sponsor to its last call to action; an inserted spot with no web
address is a burst of one name between splice silences. Evidence against keeps the show's own
talk out: a web address that is the show's name, an e-mail address, a guest's own plug, a
product the conversation keeps discussing after giving its address, and hosts saying a
recommendation is unpaid.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence

from tasks.ad_features import Evidence, utterance_evidence
from tasks.ad_units import Utterance, split_utterances
from tasks.records import AdSpan, Segment, in_spans

SWITCH_COST = 3.0  # log-odds paid to enter or leave an ad
PAUSE_DISCOUNT = 0.8  # per second of silence at the switch point, up to PAUSE_CAP_S
PAUSE_CAP_S = 2.5
MERGE_GAP_S = 15.0  # reads closer than this are one ad break
MIN_SPAN_S = 8.0  # shorter than almost any real read...
MIN_TAG_S = 4.0  # ...except a short sponsor tag, kept only on twice the usual evidence
MIN_SPAN_SCORE = 3.0  # total log-odds a span must reach
MAX_REASONS = 6


def detect_ads(
    segments: Sequence[Segment],
    *,
    context: Sequence[Sequence[Segment]] = (),
    description: str | None = None,
) -> list[AdSpan]:
    """Find sponsor reads, network promos and promos for other shows in an episode.

    Args:
        segments: the episode's transcript; word timestamps sharpen the boundaries.
        context: transcripts of other episodes of the same show; ads that recur across them
            are found more surely.
        description: the episode's show notes (plain text or HTML); sponsors named there
            count as evidence.

    Returns:
        Ad spans, sorted and non-overlapping, each with a confidence in 0..1 and a reason
        naming the evidence (e.g. "URL sofi.com; 'first order'; repeated within the episode;
        pre-roll").
    """
    utterances = split_utterances(segments)
    if not utterances:
        return []
    context_utterances = [split_utterances(ep) for ep in context]
    evidence = utterance_evidence(utterances, context=context_utterances, description=description)
    labels = viterbi_labels(utterances, [ev.score for ev in evidence])
    runs = _merge_runs(utterances, _runs(utterances, labels))
    spans = [_span(utterances, evidence, lo, hi) for lo, hi in runs]
    return [s for s in spans if s is not None]


def mark_ad_segments(segments: Sequence[Segment], spans: Sequence[AdSpan]) -> list[bool]:
    """Flag each segment that lies mostly (over half its length) inside an ad span."""
    return [in_spans(s.start, s.end, spans) for s in segments]


def viterbi_labels(utterances: Sequence[Utterance], scores: Sequence[float]) -> list[bool]:
    """Best content/ad labelling: maximise the ad sentences' scores minus switch costs.

    Args:
        utterances: sentences in time order (their pauses make switching cheaper).
        scores: log-odds of each sentence being ad copy.

    Returns:
        True for every sentence labelled ad.
    """
    # best[state] = best total so far ending in that state; state 1 = ad. Content scores 0.
    best = [0.0, -math.inf]
    back: list[tuple[int, int]] = []
    for u, score in zip(utterances, scores, strict=True):
        cost = _switch_cost(u)
        from_content = (best[0], 0) if best[0] >= best[1] - cost else (best[1] - cost, 1)
        from_ad = (best[1], 1) if best[1] >= best[0] - cost else (best[0] - cost, 0)
        best = [from_content[0], from_ad[0] + score]
        back.append((from_content[1], from_ad[1]))
    state = 0 if best[0] >= best[1] - SWITCH_COST / 2 else 1
    labels = [False] * len(utterances)
    for i in range(len(utterances) - 1, -1, -1):
        labels[i] = state == 1
        state = back[i][state]
    return labels


def _switch_cost(u: Utterance) -> float:
    return SWITCH_COST - PAUSE_DISCOUNT * min(u.gap_before, PAUSE_CAP_S)


def _runs(utterances: Sequence[Utterance], labels: Sequence[bool]) -> list[tuple[int, int]]:
    """Index ranges [lo, hi] of consecutive True labels."""
    runs: list[tuple[int, int]] = []
    start: int | None = None
    for i, is_ad in enumerate([*labels, False]):
        if is_ad and start is not None and utterances[i].gap_before > MERGE_GAP_S:
            # A long silence separates two breaks even when both sides are ads.
            runs.append((start, i - 1))
            start = i
        elif is_ad and start is None:
            start = i
        elif not is_ad and start is not None:
            runs.append((start, i - 1))
            start = None
    return runs


def _merge_runs(
    utterances: Sequence[Utterance], runs: list[tuple[int, int]]
) -> list[tuple[int, int]]:
    merged: list[tuple[int, int]] = []
    for lo, hi in runs:
        if merged and utterances[lo].start - utterances[merged[-1][1]].end < MERGE_GAP_S:
            merged[-1] = (merged[-1][0], hi)
        else:
            merged.append((lo, hi))
    return merged


def _span(
    utterances: Sequence[Utterance], evidence: Sequence[Evidence], lo: int, hi: int
) -> AdSpan | None:
    """Turn a run of ad sentences into a span, or None when it is not a plausible ad."""
    start, end = utterances[lo].start, utterances[hi].end
    inside = evidence[lo : hi + 1]
    total = sum(ev.score for ev in inside)
    length = end - start
    too_short = length < MIN_TAG_S or (length < MIN_SPAN_S and total < 2 * MIN_SPAN_SCORE)
    if too_short or total < MIN_SPAN_SCORE or not any(ev.strong for ev in inside):
        return None
    confidence = 1.0 / (1.0 + math.exp(-total / 4.0))
    return AdSpan(start, end, round(confidence, 3), _reason(inside))


def _reason(inside: Sequence[Evidence]) -> str:
    """The span's evidence, most telling first, its position (pre-/post-roll) last."""
    counts = Counter(label for ev in inside for label in ev.labels)
    position = [label for label in ("pre-roll", "post-roll") if label in counts]
    ordered = sorted(
        (label for label in counts if label not in position),
        key=lambda label: (_rank(label), -counts[label]),
    )
    return "; ".join(ordered[: MAX_REASONS - len(position)] + position)


# Evidence a reader finds most convincing first; generic support last.
_REASON_ORDER = (
    "repeated in",
    "sponsor '",
    "sponsor lead-in",
    "promo code",
    "URL",
    "promo for another",
    "call-in offer",
    "repeated within",
    "'slash'",
    "'first order'",
    "discount",
    "free trial",
    "disclaimer",
    "phone number",
    "advertiser",
    "network spot",
    "names the advertiser",
    "call to action",
    "offer",
    "price",
    "sales language",
)


def _rank(label: str) -> int:
    for rank, prefix in enumerate(_REASON_ORDER):
        if label.startswith(prefix):
            return rank
    return len(_REASON_ORDER)  # "inside a read", "off-topic"
