"""The fitted ad model: two logistic regressions over each sentence's features, and its files.

`bench/learned/fit.py` fits it on the real episodes labelled by reading and writes
`data/ads_model.npz` (the weights) beside `data/ads_model.json` (what it was fitted on, the
sequence step's numbers and how each was chosen). Nothing fitted is written into Python source.
"""

from __future__ import annotations

import json
import math
import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np

from podsift.tasks.ads.features import (
    CONTEXT_NAMES,
    DENSE_NAMES,
    DENSE_SIZE,
    HASH_SIZE,
    MEANING_SIZE,
    EpisodeFeatures,
    context_features,
)
from podsift.tasks.core.errors import PodsiftError

MODEL_FILE = "ads_model.npz"
META_FILE = "ads_model.json"
# The shipped model, inside the package.
DEFAULT_MODEL = Path(__file__).resolve().parent / "data" / MODEL_FILE


@dataclass(frozen=True, slots=True)
class SequenceParams:
    """The sequence step's numbers (`sequence.ad_breaks`), fitted with the weights."""

    prior: float  # share of ad sentences the classifier was fitted with
    enter: float  # P(a break starts at the next sentence | content)
    stay: float  # P(the break goes on | ad)
    bias: float  # added to every sentence's log-odds: precision against recall
    min_break_s: float  # a shorter break is dropped
    min_confidence: float  # a break whose mean probability is lower is dropped
    low: float = 0.0  # 0: the HMM's path; else hysteresis, staying open down to this
    join_s: float = 0.0  # breaks closer than this are one
    drop_below: float = 0.0  # a rules' break with a lower mean probability is dropped
    add_above: float = 0.0  # a break of the model's own needs this mean probability


@dataclass(frozen=True, slots=True)
class AdModel:
    """The two stages' weights and intercepts, and the sequence step's numbers."""

    words: np.ndarray  # (HASH_SIZE,) first stage: the sentence's words
    dense: np.ndarray  # (DENSE_SIZE,) first stage: cues and place
    intercept: float
    meaning: np.ndarray  # (MEANING_SIZE,) first stage: the sentence's and neighbours' embedding
    meaning_mean: np.ndarray  # (MEANING_SIZE,) subtracted from the embeddings first
    context: np.ndarray  # (CONTEXT_SIZE,) second stage
    context_intercept: float
    sequence: SequenceParams
    meta: dict[str, Any]

    def parts(self, features: EpisodeFeatures) -> np.ndarray:
        """Each sentence's first-stage log-odds split by feature: (sentences, 3 + DENSE_SIZE) =
        words, meaning, intercept, then each cue and place feature (`group_names`)."""
        n = len(features.own)
        out = np.zeros((n, 3 + DENSE_SIZE))
        for i in range(n):
            out[i, 0] = sum(self.words[b] * v for b, v in features.own[i].items())
        if n:
            out[:, 1] = (features.meaning - self.meaning_mean) @ self.meaning
            out[:, 2] = self.intercept
            out[:, 3:] = features.dense * self.dense
        return out

    def first_stage(self, features: EpisodeFeatures) -> np.ndarray:
        return self.parts(features).sum(axis=1)

    def log_odds(self, features: EpisodeFeatures, first: np.ndarray | None = None) -> np.ndarray:
        """Each sentence's second-stage log-odds (the one the sequence step reads)."""
        z = self.first_stage(features) if first is None else first
        x = context_features(z, features.cues, features.place, features.rules)
        return x @ self.context + self.context_intercept if len(z) else z


def group_names() -> tuple[str, ...]:
    """Names of the columns of `AdModel.parts`."""
    return ("words", "meaning", "intercept", *DENSE_NAMES)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def save(path: Path, model: AdModel) -> None:
    """Write the weights (`.npz`) and the metadata (`.json` beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        words=model.words.astype(np.float32),
        dense=model.dense.astype(np.float64),
        context=model.context.astype(np.float64),
        meaning=model.meaning.astype(np.float64),
        meaning_mean=model.meaning_mean.astype(np.float64),
        intercepts=np.array([model.intercept, model.context_intercept]),
    )
    meta = dict(model.meta)
    meta["sequence"] = {k: getattr(model.sequence, k) for k in SequenceParams.__slots__}
    meta["dense_names"] = list(DENSE_NAMES)
    meta["context_names"] = list(CONTEXT_NAMES)
    meta["hash_size"] = HASH_SIZE
    meta["meaning_size"] = MEANING_SIZE
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load(path: Path) -> AdModel:
    """Read a model `save` wrote.

    Raises:
        PodsiftError: when the file is missing or was fitted for other features.
    """
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path) as data:
            words, dense, context = data["words"], data["dense"], data["context"]
            meaning, meaning_mean = data["meaning"], data["meaning_mean"]
            intercept, context_intercept = (float(v) for v in data["intercepts"][:2])
    except (OSError, KeyError, ValueError, zipfile.BadZipFile) as exc:
        raise PodsiftError(f"ad model {path}: cannot be read ({exc})") from exc
    if (
        meta.get("hash_size") != HASH_SIZE
        or list(meta.get("dense_names", ())) != list(DENSE_NAMES)
        or list(meta.get("context_names", ())) != list(CONTEXT_NAMES)
        or words.shape != (HASH_SIZE,)
        or dense.shape != (len(DENSE_NAMES),)
        or context.shape != (len(CONTEXT_NAMES),)
        or meaning.shape != (MEANING_SIZE,)
        or meaning_mean.shape != (MEANING_SIZE,)
    ):
        raise PodsiftError(
            f"ad model {path}: fitted for other features; refit it with bench/learned/fit.py"
        )
    seq = SequenceParams(**{k: float(v) for k, v in meta["sequence"].items()})
    return AdModel(
        words.astype(np.float64),
        dense,
        intercept,
        meaning,
        meaning_mean,
        context,
        context_intercept,
        seq,
        meta,
    )


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
