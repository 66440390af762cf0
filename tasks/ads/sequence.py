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


def ad_breaks(
    log_odds: np.ndarray, sentences: Sequence[Sentence], params: SequenceParams
) -> list[tuple[int, int]]:
    """Breaks as (first, last) sentence indexes, after the sequence step and its two filters
    (shorter than `min_break_s`, mean probability under `min_confidence`)."""
    shifted = np.asarray(log_odds, dtype=float) + params.bias
    evidence = shifted - logit(params.prior)
    path = viterbi(evidence, params.enter, params.stay, params.prior)
    probs = sigmoid(shifted)
    out: list[tuple[int, int]] = []
    i = 0
    while i < len(path):
        if not path[i]:
            i += 1
            continue
        j = i
        while j + 1 < len(path) and path[j + 1]:
            j += 1
        long_enough = sentences[j].end - sentences[i].start >= params.min_break_s
        if long_enough and float(probs[i : j + 1].mean()) >= params.min_confidence:
            out.append((i, j))
        i = j + 1
    return out
