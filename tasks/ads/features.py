"""What the learned ad model sees of each sentence, in two stages (issue 24).

**First stage**, each sentence alone:
- **words**: hashed word unigrams and bigrams. Text is normalised first so that Whisper's and
  people's spellings meet: "acme.com/pod" and "acme dot com slash pod" give the same tokens,
  digits and number words become one token;
- **cues**: the generic cue patterns of `evidence` (lead-in, web address, promo code, ...) as
  0/1 features;
- **place**: where in the episode it is (pre-roll, post-roll, relative position), its length,
  how much it addresses the listener, the silences around it, whether it names a sponsor the
  show notes name;
- **meaning**: the sentence's embedding (`podsift.tasks.core.embedding`) and the mean of its
  neighbours' (`EMBED_NEIGHBOURS` each side): a host-read pitch told in a new show's own words
  still reads like a pitch.

**Second stage**, the sentence among its neighbours: its first-stage score, the highest and
mean scores before and after it (`WINDOWS`), which structural cues come before and after it
(`CUE_WINDOWS`: a read's lead-in comes before its middle, its call to action after), its
place again, and the rule-based reading (`rules`: its topic block's probability and whether
the rules put it in a break).

None decides alone: every weight is fitted by `bench/learned/fit.py` on real episodes labelled by
reading (`bench/labels/ads/`) and written to `data/ads_model.npz`.
"""

from __future__ import annotations

import math
import re
import zlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from podsift.tasks.ads.evidence import SECOND_PERSON, Cue, SentenceEvidence
from podsift.tasks.ads.sentences import Sentence
from podsift.tasks.core.embedding import DIM
from podsift.tasks.core.text import NUMBER_WORDS, SCALE_WORDS

# Hash buckets for word n-grams: 2**17 keeps collisions rare for the few thousand n-grams that
# carry weight, and the weights file small (zeros compress away).
HASH_BITS = 17
HASH_SIZE = 1 << HASH_BITS
# Place: a pre-roll starts within the first minute, a post-roll ends within the last 90 s
# (MinusPod and the real labels: the breaks at the edges start or end that close).
PRE_ROLL_S = 60.0
POST_ROLL_S = 90.0

CUES: tuple[Cue, ...] = tuple(Cue)
# The cues that announce a sponsor in so many words ("brought to you by", "a longtime sponsor of
# the show", "Support for this podcast comes from"): on the 208 labelled real episodes, 137 of the
# 148 sentences with one are in a break. A rules' break holding one is kept whatever the model's
# score (`sequence.ad_breaks`): leave-one-show-out F1 0.375 with, 0.332 without (one set of
# sequence numbers for both), and a one-sentence public-radio credit amid the news is kept.
ANNOUNCING: tuple[Cue, ...] = (Cue.LEAD_IN, Cue.SPONSOR_CREDIT)
_ANNOUNCING_COLUMNS = [CUES.index(c) for c in ANNOUNCING]
# The rules' reading of the sentence (`rules`): its topic block's probability, and whether it
# lies in one of the rules' spans.
RULES = ("block probability", "in a span")
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
# The first stage's dense columns (`EpisodeFeatures.dense`); the rules' reading enters in the
# second stage only (`CONTEXT_NAMES`).
DENSE_NAMES: tuple[str, ...] = (
    *(f"cue:{c.name}" for c in CUES),
    *(f"place:{p}" for p in PLACE),
)
DENSE_SIZE = len(DENSE_NAMES)

# Number words read as one token "0" (the project's one list; "oh" is left out: a word here).
_NUMBER_WORDS = frozenset(NUMBER_WORDS) | frozenset(SCALE_WORDS)
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
    """An episode's sentences as the model's first stage reads them."""

    own: list[dict[int, float]]  # hashed words of each sentence
    cues: np.ndarray  # (sentences, len(CUES)) 0/1
    place: np.ndarray  # (sentences, len(PLACE))
    rules: np.ndarray  # (sentences, len(RULES)): the rules' block probability, span or not
    meaning: np.ndarray  # (sentences, MEANING_SIZE): `embedding_features`

    @property
    def dense(self) -> np.ndarray:
        """The first stage's dense features: cues then place (`DENSE_NAMES`)."""
        return np.hstack([self.cues, self.place])

    @property
    def announced(self) -> np.ndarray:
        """1 where the sentence announces a sponsor (`ANNOUNCING`), else 0."""
        if not len(self.cues):
            return np.zeros(0)
        return self.cues[:, _ANNOUNCING_COLUMNS].max(axis=1)


def episode_features(
    sentences: Sequence[Sentence],
    evidence: Sequence[SentenceEvidence],
    notes_sponsors: frozenset[str] = frozenset(),
    rules: np.ndarray | None = None,
    vectors: np.ndarray | None = None,
) -> EpisodeFeatures:
    """Every sentence's features (see the module's docstring); `rules` as `RULES` names it,
    `vectors` the sentences' embeddings (zeros when not given)."""
    own = [hashed(s.text) for s in sentences]
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
                sum(t in SECOND_PERSON for t in s.tokens) / max(words, 1),
                math.log1p(min(max(s.gap_before, 0.0), 10.0)) if i else 0.0,
                math.log1p(min(max(s.gap_after, 0.0), 10.0)) if i < n - 1 else 0.0,
                float(bool(notes_sponsors & set(ev.names))),
            )
    rules = np.zeros((n, len(RULES))) if rules is None else rules
    vectors = np.zeros((n, DIM), dtype=np.float32) if vectors is None else vectors
    return EpisodeFeatures(own, cues, place, rules, embedding_features(vectors))


# The sentence's meaning: its own embedding and the mean of its neighbours' within this many
# sentences each side (a read's sentences are about one product; a sentence alone is short).
EMBED_NEIGHBOURS = 2


MEANING_SIZE = 2 * DIM


def embedding_features(vecs: np.ndarray) -> np.ndarray:
    """(n, MEANING_SIZE): each sentence's embedding, then the mean of its neighbours' (itself
    where it has none)."""
    n = len(vecs)
    if not n:
        return np.zeros((0, MEANING_SIZE))
    csum = np.vstack([np.zeros((1, vecs.shape[1])), np.cumsum(vecs, axis=0, dtype=np.float64)])
    ctx = np.empty_like(vecs, dtype=np.float64)
    for i in range(n):
        lo, hi = max(0, i - EMBED_NEIGHBOURS), min(n, i + EMBED_NEIGHBOURS + 1)
        k = hi - lo - 1
        ctx[i] = (csum[hi] - csum[lo] - vecs[i]) / k if k else vecs[i]
    return np.hstack([vecs.astype(np.float64), ctx])


# Where a window runs off the episode's edge its scores count as this (about the log-odds of a
# sentence of the show: no evidence of an ad there).
EDGE_SCORE = -4.0


def _before(values: np.ndarray, k: int, how: str, fill: float = 0.0) -> np.ndarray:
    """Per row, the max or mean of the k rows before it (`fill` where there are none)."""
    n = len(values)
    out = np.full(n, fill)
    for i in range(n):
        w = values[max(0, i - k) : i]
        if len(w):
            out[i] = w.max() if how == "max" else w.mean()
    return out


def context_features(
    z: np.ndarray, cues: np.ndarray, place: np.ndarray, rules: np.ndarray
) -> np.ndarray:
    """The second stage's features: each sentence's first-stage score, the scores before and
    after it (max and mean over `WINDOWS`), which cues come shortly before and after it, and its
    place (`CONTEXT_NAMES`)."""
    n = len(z)
    cols = [z]
    rev_z = z[::-1]
    for k in WINDOWS:
        for how in ("max", "mean"):
            cols.append(_before(z, k, how, EDGE_SCORE))
            cols.append(_before(rev_z, k, how, EDGE_SCORE)[::-1])
    idx = [CUES.index(c) for c in CONTEXT_CUES]
    sub = cues[:, idx] if n else np.zeros((0, len(idx)))
    for k in CUE_WINDOWS:
        for j in range(len(idx)):
            cols.append(_before(sub[:, j], k, "max"))
            cols.append(_before(sub[::-1, j], k, "max")[::-1])
    out = np.column_stack(cols) if n else np.zeros((0, len(cols)))
    return np.hstack([out, place, rules]) if n else np.zeros((0, len(CONTEXT_NAMES)))


# Second stage: windows of first-stage scores (sentences each side) and of cues. An ad read is
# 4-15 sentences; its lead-in comes before its middle and its call to action after.
WINDOWS = (2, 5, 10)
CUE_WINDOWS = (5, 15)
CONTEXT_CUES: tuple[Cue, ...] = (
    Cue.LEAD_IN,
    Cue.SPONSOR_CREDIT,
    Cue.HAND_OVER,
    Cue.RETURN,
    Cue.WEB_ADDRESS,
    Cue.CALL_TO_ACTION,
    Cue.PROMO_CODE,
    Cue.SLASH,
    Cue.WELCOME,
    Cue.SIGN_OFF,
)
CONTEXT_NAMES: tuple[str, ...] = (
    "score",
    *(
        f"score {side} {how} {k}"
        for k in WINDOWS
        for how in ("max", "mean")
        for side in ("before", "after")
    ),
    *(
        f"{c.name} {side} {k}"
        for k in CUE_WINDOWS
        for c in CONTEXT_CUES
        for side in ("before", "after")
    ),
    *(f"place:{p}" for p in PLACE),
    *(f"rules:{r}" for r in RULES),
)
