"""Stage 5: judge each block from its evidence with a fitted logistic regression.

The weights come from `bench/fit_ads.py` (scikit-learn, at fitting time only) and are applied
here in pure Python: p = 1 / (1 + exp(-(intercept + sum(weight * feature)))).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from podsift.tasks.ads.evidence import Feature
from podsift.tasks.ads.params import Weights

# The log-odds are clipped to this before `exp`, which overflows past about 709; beyond 50 the
# probability moves by less than 1e-21. Chosen for the arithmetic, not fitted.
_MAX_LOG_ODDS = 50.0


def ad_probability(features: Mapping[Feature, float], weights: Weights) -> float:
    """The probability that a block with these features is an ad."""
    coefficients = weights.as_dict()
    z = weights.intercept + sum(coefficients.get(f.name, 0.0) * v for f, v in features.items())
    return 1.0 / (1.0 + math.exp(-max(min(z, _MAX_LOG_ODDS), -_MAX_LOG_ODDS)))


def contributions(features: Mapping[Feature, float], weights: Weights) -> dict[Feature, float]:
    """Each feature's share of the block's log-odds (weight times value)."""
    coefficients = weights.as_dict()
    return {f: coefficients.get(f.name, 0.0) * v for f, v in features.items() if v}
