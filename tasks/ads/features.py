"""What the learned ad model sees of each sentence: its words, its cues, its place, its neighbours.

Every sentence becomes three groups of features (issue 24):

- **words**: hashed word unigrams and bigrams of the sentence (`own`), and the same of the
  sentences around it (`near`, the mean over `NEAR` sentences each side). Text is normalised
  first so that Whisper's and people's spellings meet: "acme.com/pod" and "acme dot com slash
  pod" give the same tokens, digits and number words become one token.
- **cues**: the generic cue patterns of `evidence` (lead-in, web address, promo code, ...) as
  0/1 features, and their share among the sentences around it (`CUE_NEAR`, `CUE_WIDE` each side).
- **place**: where in the episode the sentence is (pre-roll, post-roll, its relative position),
  its length, how much it addresses the listener, the silences around it.

None decides alone: each has a weight fitted by `bench/fit_ads.py` on real episodes labelled by
reading (`bench/labels/ads/`), written to `model/ads_model.npz`.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.ads.evidence import Cue, SentenceEvidence
from podsift.tasks.ads.sentences import Sentence

# Hash buckets for word n-grams: 2**17 keeps collisions rare for the few thousand n-grams that
# carry weight, and the weights file small (zeros compress away).
HASH_BITS = 17
HASH_SIZE = 1 << HASH_BITS
# Neighbours whose words count as the sentence's surroundings, each side. 3: an ad read is
# 4-12 sentences, so a sentence inside one has mostly ad sentences within 3 of it, while a
# sentence of conversation that merely names a product does not.
NEAR = 3
# Neighbours whose cues are averaged, each side: a close window and a wide one (a long read's
# middle has no cue of its own, its ends do).
CUE_NEAR = 2
CUE_WIDE = 8
# Place: a pre-roll starts within the first minute, a post-roll ends within the last 90 s
# (MinusPod and the real labels: the breaks at the edges start or end that close).
PRE_ROLL_S = 60.0
POST_ROLL_S = 90.0

CUES: tuple[Cue, ...] = tuple(Cue)
PLACE = (
    "pre-roll",  # starts within PRE_ROLL_S of the first word
    "post-roll",  # ends within POST_ROLL_S of the last word
    "first tenth",
    "last tenth",
    "relative position",
    "length",  # log words
    "second person",  # share of you/your
    "pause before",  # log seconds
    "pause after",
    "notes sponsor",  # names a sponsor the show notes name
)
DENSE_NAMES: tuple[str, ...] = (
    *(f"cue:{c.name}" for c in CUES),
    *(f"cue near:{c.name}" for c in CUES),
    *(f"cue wide:{c.name}" for c in CUES),
    *(f"place:{p}" for p in PLACE),
)
DENSE_SIZE = len(DENSE_NAMES)

_NUMBER_WORDS = frozenset(
    "zero one two three four five six seven eight nine ten eleven twelve thirteen fourteen "
    "fifteen sixteen seventeen eighteen nineteen twenty thirty forty fifty sixty seventy eighty "
    "ninety hundred thousand million billion".split()
)
_SECOND_PERSON = frozenset({"you", "your", "you're", "yours", "yourself", "you'll", "you've"})
_DOT = re.compile(r"(?<=[a-z0-9])\.(?=[a-z]{2,}\b)")
_TOKEN = re.compile(r"[a-z0-9]+(?:'[a-z]+)?")


def ngram_tokens(text: str) -> list[str]:
    """Lower-case tokens with web addresses spelled out and numbers as one token "0"."""
    t = text.lower().replace("\u2019", "'")
    t = _DOT.sub(" dot ", t).replace("/", " slash ").replace("%", " percent ")
    t = t.replace("$", " dollars ").replace("&", " and ")
    out = []
    for tok in _TOKEN.findall(t):
        out.append("0" if tok[0].isdigit() or tok in _NUMBER_WORDS else tok)
    return out


def _bucket(gram: str) -> int:
    return zlib.crc32(gram.encode("utf-8")) & (HASH_SIZE - 1)


def hashed(text: str) -> dict[int, float]:
    """The sentence's unigrams and bigrams (with a start marker), hashed, L2-normalised."""
    tokens = ngram_tokens(text)
    counts: dict[int, float] = {}
    grams = tokens + [f"{a} {b}" for a, b in zip(["<s>", *tokens], tokens, strict=False)]
    for g in grams:
        b = _bucket(g)
        counts[b] = counts.get(b, 0.0) + 1.0
    norm = math.sqrt(sum(v * v for v in counts.values())) or 1.0
    return {b: v / norm for b, v in counts.items()}


@dataclass(frozen=True, slots=True)
class EpisodeFeatures:
    """An episode's sentences as the model reads them."""

    own: list[dict[int, float]]  # hashed words of each sentence
    near: list[dict[int, float]]  # mean hashed words of its NEAR neighbours each side
    dense: np.ndarray  # (sentences, DENSE_SIZE): cues, cues near and wide, place


def _window_mean(rows: Sequence[dict[int, float]], i: int, k: int) -> dict[int, float]:
    lo, hi = max(0, i - k), min(len(rows), i + k + 1)
    n = hi - lo - 1
    out: dict[int, float] = {}
    if n <= 0:
        return out
    for j in range(lo, hi):
        if j == i:
            continue
        for b, v in rows[j].items():
            out[b] = out.get(b, 0.0) + v / n
    return out


def _window_share(matrix: np.ndarray, k: int) -> np.ndarray:
    """Each row's mean over the k rows each side (itself left out; fewer at the edges)."""
    n = len(matrix)
    if n == 0:
        return matrix.copy()
    csum = np.vstack([np.zeros((1, matrix.shape[1])), np.cumsum(matrix, axis=0)])
    idx = np.arange(n)
    lo, hi = np.maximum(0, idx - k), np.minimum(n, idx + k + 1)
    total = csum[hi] - csum[lo] - matrix
    count = (hi - lo - 1).clip(min=1)[:, None]
    return total / count


def episode_features(
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    notes_sponsors: frozenset[str] = frozenset(),
) -> EpisodeFeatures:
    """Every sentence's features (see the module's docstring)."""
    own = [hashed(s.text) for s in sentences]
    near = [_window_mean(own, i, NEAR) for i in range(len(own))]
    n = len(sentences)
    cues = np.zeros((n, len(CUES)))
    for i, ev in enumerate(evidence):
        for c in ev.cues:
            cues[i, CUES.index(c)] = 1.0
    place = np.zeros((n, len(PLACE)))
    if n:
        first = sentences[0].start
        last = max(s.end for s in sentences)
        span = max(last - first, 1.0)
        for i, (s, ev) in enumerate(zip(sentences, evidence, strict=True)):
            mid = (s.start + s.end) / 2
            words = len(s.tokens)
            place[i] = (
                float(s.start - first <= PRE_ROLL_S),
                float(last - s.end <= POST_ROLL_S),
                float(mid - first <= span / 10),
                float(last - mid <= span / 10),
                (mid - first) / span,
                math.log1p(words),
                sum(t in _SECOND_PERSON for t in s.tokens) / max(words, 1),
                math.log1p(min(max(s.gap_before, 0.0), 10.0)) if i else 0.0,
                math.log1p(min(max(s.gap_after, 0.0), 10.0)) if i < n - 1 else 0.0,
                float(bool(notes_sponsors & set(ev.names))),
            )
    dense = np.hstack([cues, _window_share(cues, CUE_NEAR), _window_share(cues, CUE_WIDE), place])
    return EpisodeFeatures(own, near, dense)
