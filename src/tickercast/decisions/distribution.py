"""The next session's return distribution, read off a forecast's point and interval bounds.

Every tickercast model forecasts the next close with conformal bounds per level (80, 95, ...),
symmetric in log space around the point. We treat the next log return as normal: its median
``mu = log(point / last)``, and ``sigma`` fitted by least squares to the interval quantiles,
``log(bound / last) - mu = z_q · sigma`` for every lower and upper bound (``z_q`` the standard
normal quantile of the bound's tail, e.g. ±1.2816 for 80%). ``prob_up = Φ(mu / sigma)``.

``mu`` is also the expected log return used as the edge: the lognormal mean
``exp(mu + sigma²/2) - 1`` would give a "no change" forecast (naive) a spurious positive edge.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
from scipy.special import ndtr, ndtri

from tickercast.errors import ValidationError

__all__ = ["ReturnDistribution", "from_forecast"]

_MIN_SIGMA = 1e-9


@dataclass(frozen=True)
class ReturnDistribution:
    """Next-session log-return distribution per decision: ``mu``, ``sigma``, ``prob_up``."""

    mu: np.ndarray
    sigma: np.ndarray
    prob_up: np.ndarray

    def __len__(self) -> int:
        return int(self.mu.shape[0])


def from_forecast(
    last: np.ndarray,
    point: np.ndarray,
    lower: Mapping[int, np.ndarray],
    upper: Mapping[int, np.ndarray],
) -> ReturnDistribution:
    """Distribution of the next log return from closes ``last`` and a forecast (all prices).

    Needs at least one interval level; NaN forecasts (no forecast that day) stay NaN.
    """
    if not lower or set(lower) != set(upper):
        raise ValidationError("a forecast needs lower and upper bounds for at least one level")
    last_ = np.asarray(last, dtype=np.float64)
    mu = np.log(np.asarray(point, dtype=np.float64) / last_)
    num = np.zeros_like(mu)
    den = 0.0
    for level in sorted(lower):
        if not 0 < level < 100:
            raise ValidationError(f"interval level {level} must be between 0 and 100 (percent)")
        z = float(ndtri(0.5 + level / 200.0))
        lo = np.log(np.asarray(lower[level], dtype=np.float64) / last_) - mu
        hi = np.log(np.asarray(upper[level], dtype=np.float64) / last_) - mu
        num += z * (hi - lo)
        den += 2.0 * z * z
    sigma = np.maximum(num / den, _MIN_SIGMA)
    return ReturnDistribution(mu=mu, sigma=sigma, prob_up=ndtr(mu / sigma))
