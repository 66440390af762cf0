"""The fitted ad model: a logistic regression over each sentence's features, and its weights file.

`bench/fit_ads.py` fits it on the real episodes labelled by reading and writes
`model/ads_model.npz` (the weights) beside `model/ads_model.json` (what it was fitted on, the
sequence step's numbers and how each was chosen). Nothing fitted is written into Python source.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from functools import cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

from podsift.tasks.ads.features import DENSE_NAMES, DENSE_SIZE, HASH_SIZE, EpisodeFeatures
from podsift.tasks.core.errors import PodsiftError

MODEL_FILE = "ads_model.npz"
META_FILE = "ads_model.json"


@dataclass(frozen=True, slots=True)
class SequenceParams:
    """The sequence step's numbers (`sequence.ad_breaks`), fitted with the weights."""

    prior: float  # share of ad sentences the classifier was fitted with
    enter: float  # P(a break starts at the next sentence | content)
    stay: float  # P(the break goes on | ad)
    bias: float  # added to every sentence's log-odds: precision against recall
    min_break_s: float  # a shorter break is dropped
    min_confidence: float  # a break whose mean probability is lower is dropped


@dataclass(frozen=True, slots=True)
class AdModel:
    """Weights of the three feature groups, the intercept and the sequence step's numbers."""

    own: np.ndarray  # (HASH_SIZE,) the sentence's words
    near: np.ndarray  # (HASH_SIZE,) its neighbours' words
    dense: np.ndarray  # (DENSE_SIZE,) cues, cues near and wide, place
    intercept: float
    sequence: SequenceParams
    meta: dict[str, Any]

    def parts(self, features: EpisodeFeatures) -> np.ndarray:
        """Each sentence's log-odds split by group: (sentences, 3 + DENSE_SIZE) = own words,
        neighbours' words, intercept, then each dense feature's share."""
        n = len(features.own)
        out = np.zeros((n, 3 + DENSE_SIZE))
        for i in range(n):
            out[i, 0] = sum(self.own[b] * v for b, v in features.own[i].items())
            out[i, 1] = sum(self.near[b] * v for b, v in features.near[i].items())
        out[:, 2] = self.intercept
        if n:
            out[:, 3:] = features.dense * self.dense
        return out

    def log_odds(self, features: EpisodeFeatures) -> np.ndarray:
        return self.parts(features).sum(axis=1)


def group_names() -> tuple[str, ...]:
    """Names of the columns of `AdModel.parts`."""
    return ("words", "words near", "intercept", *DENSE_NAMES)


def sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(x, -30, 30)))


def save(path: Path, model: AdModel) -> None:
    """Write the weights (`.npz`) and the metadata (`.json` beside it)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    np.savez_compressed(
        path,
        own=model.own.astype(np.float32),
        near=model.near.astype(np.float32),
        dense=model.dense.astype(np.float64),
        intercept=np.array([model.intercept]),
    )
    meta = dict(model.meta)
    meta["sequence"] = {k: getattr(model.sequence, k) for k in SequenceParams.__slots__}
    meta["dense_names"] = list(DENSE_NAMES)
    meta["hash_size"] = HASH_SIZE
    path.with_suffix(".json").write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")


def load(path: Path) -> AdModel:
    """Read a model `save` wrote.

    Raises:
        PodsiftError: when the file is missing or was fitted for other features.
    """
    try:
        meta = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
        with np.load(path) as data:
            own, near, dense = data["own"], data["near"], data["dense"]
            intercept = float(data["intercept"][0])
    except (OSError, KeyError, ValueError) as exc:
        raise PodsiftError(f"ad model {path}: cannot be read ({exc})") from exc
    if (
        meta.get("hash_size") != HASH_SIZE
        or list(meta.get("dense_names", ())) != list(DENSE_NAMES)
        or own.shape != (HASH_SIZE,)
        or dense.shape != (DENSE_SIZE,)
    ):
        raise PodsiftError(
            f"ad model {path}: fitted for other features; refit it with bench/fit_ads.py"
        )
    seq = SequenceParams(**{k: float(v) for k, v in meta["sequence"].items()})
    return AdModel(own.astype(np.float64), near.astype(np.float64), dense, intercept, seq, meta)


@cache
def default_model() -> AdModel:
    """The model shipped inside the package (`podsift/tasks/ads/model/`)."""
    ref = resources.files("podsift.tasks.ads") / "model" / MODEL_FILE
    with resources.as_file(ref) as path:
        return load(Path(path))


def logit(p: float) -> float:
    p = min(max(p, 1e-9), 1 - 1e-9)
    return math.log(p / (1 - p))
