"""The sequence step: sentences' ad scores turned into ad breaks by a two-state HMM (Viterbi).

Each sentence is content or ad. The classifier's probability, divided by the share of ad
sentences it was fitted with, is the evidence for "ad"; the transition probabilities say how
often a break starts and how long one lasts (both counted on the labelled real episodes). The
most likely path opens a break where the scores rise and holds it through a sentence or two of
weaker evidence inside a long read, so one break is one span. A span's edges are the edges of
its first and last sentence: gaps between words.
"""

from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np

from podsift.tasks.ads.model import SequenceParams, logit, sigmoid
from podsift.tasks.ads.sentences import Sentence


def viterbi(evidence: np.ndarray, enter: float, stay: float, start: float) -> list[bool]:
    """The most likely content/ad path for per-sentence log-likelihood ratios (ad : content).

    Args:
        evidence: log P(sentence | ad) - log P(sentence | content), one per sentence.
        enter: P(ad at i+1 | content at i).
        stay: P(ad at i+1 | ad at i).
        start: P(the first sentence is ad).
    """
    n = len(evidence)
    if n == 0:
        return []
    lcc, lca = math.log1p(-enter), math.log(enter)
    laa, lac = math.log(stay), math.log1p(-stay)
    content, ad = math.log1p(-start), math.log(start) + float(evidence[0])
    back = np.zeros((n, 2), dtype=bool)  # back[i, s]: the previous state was ad
    for i in range(1, n):
        to_c = (content + lcc, ad + lac)
        to_a = (content + lca, ad + laa)
        back[i, 0] = to_c[1] > to_c[0]
        back[i, 1] = to_a[1] > to_a[0]
        content = max(to_c)
        ad = max(to_a) + float(evidence[i])
    state = ad > content
    path = [False] * n
    for i in range(n - 1, -1, -1):
        path[i] = bool(state)
        state = back[i, 1] if state else back[i, 0]
    return path


def hysteresis(probs: np.ndarray, low: float) -> list[tuple[int, int]]:
    """Runs that open where a sentence's probability reaches 0.5 and stay open, either way,
    while it stays at `low` or above."""
    n = len(probs)
    out: list[tuple[int, int]] = []
    i = 0
    while i < n:
        if probs[i] < 0.5:
            i += 1
            continue
        lo, hi = i, i
        while lo > 0 and probs[lo - 1] >= low and (not out or lo - 1 > out[-1][1]):
            lo -= 1
        while hi + 1 < n and probs[hi + 1] >= low:
            hi += 1
        out.append((lo, hi))
        i = hi + 1
    return out


def runs_of(flags: Sequence[bool] | np.ndarray) -> list[tuple[int, int]]:
    """(first, last) index of each run of true values."""
    out: list[tuple[int, int]] = []
    for i, f in enumerate(flags):
        if not f:
            continue
        if out and out[-1][1] == i - 1:
            out[-1] = (out[-1][0], i)
        else:
            out.append((i, i))
    return out


def raw_breaks(
    log_odds: np.ndarray, sentences: Sequence[Sentence], params: SequenceParams
) -> list[tuple[int, int]]:
    """Breaks before the two filters: the HMM's path (`params.low` == 0) or hysteresis, then
    runs less than `params.join_s` apart joined."""
    shifted = np.asarray(log_odds, dtype=float) + params.bias
    if params.low <= 0:
        path = viterbi(shifted - logit(params.prior), params.enter, params.stay, params.prior)
        runs = runs_of(path)
    else:
        runs = hysteresis(sigmoid(shifted), params.low)
    joined: list[tuple[int, int]] = []
    for lo, hi in runs:
        if joined and sentences[lo].start - sentences[joined[-1][1]].end < params.join_s:
            joined[-1] = (joined[-1][0], hi)
        else:
            joined.append((lo, hi))
    return joined


def ad_breaks(
    log_odds: np.ndarray,
    sentences: Sequence[Sentence],
    params: SequenceParams,
    rules_span: np.ndarray | None = None,
    announced: np.ndarray | None = None,
) -> list[tuple[int, int]]:
    """Breaks as (first, last) sentence indexes.

    The rules' breaks (`rules_span`: 1 for each sentence inside one) are kept unless the model's
    mean probability over one is under `params.drop_below` and none of its sentences announces
    a sponsor (`announced`: 1 for a lead-in or a credit, "Support for this podcast comes from");
    the model's own breaks (the sequence step, then the `min_break_s` and `min_confidence`
    filters) are added where they touch no kept rules' break and their mean probability reaches
    `params.add_above`.
    """
    probs = sigmoid(np.asarray(log_odds, dtype=float) + params.bias)
    kept = [
        (i, j)
        for i, j in runs_of(rules_span if rules_span is not None else [])
        if float(probs[i : j + 1].mean()) >= params.drop_below
        or (announced is not None and bool(np.any(announced[i : j + 1])))
    ]
    taken = np.zeros(len(sentences), dtype=bool)
    for i, j in kept:
        taken[max(0, i - 1) : j + 2] = True
    added = [
        (i, j)
        for i, j in raw_breaks(log_odds, sentences, params)
        if sentences[j].end - sentences[i].start >= params.min_break_s
        and float(probs[i : j + 1].mean()) >= max(params.min_confidence, params.add_above)
        and not taken[i : j + 1].any()
    ]
    return sorted(kept + added)
