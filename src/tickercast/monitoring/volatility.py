"""A GARCH(1,1)-type variance filter with fixed parameters, for standardising daily returns.

Why: real returns cluster in volatility, so a volatility test against one static reference
level fires on every ordinary storm. Dividing each return by the filter's forecast of its
standard deviation (made the day before) leaves standardised returns ``z`` whose scale is
about 1 through ordinary clustering, while a sudden, lasting change of scale shows as
``|z|`` well above 1 for the weeks the filter takes to catch up.

The recursion, variance-targeted at the mean square ``v`` of the history it is started on::

    var[t+1] = (1 - alpha - beta) * v + alpha * min(r[t]^2, (clip * sd[t])^2) + beta * var[t]

``alpha`` and ``beta`` are fixed (``thresholds``), not fitted per champion: a fit needs
years of returns and a numerical optimiser (``arch``) in every process that reports drift,
and the calibration benchmark measured it worse, not better (a GARCH(1,1) fitted on 1,000
returns per champion: 40% of doublings caught within 20 days at 0.71 false alarms a year,
68% at 1.67, against 59% at 0.93 for the fixed filter; benchmarks/README.md). ``alpha = 0,
beta = 1`` is a constant reference level. Clipping the squared return that feeds the filter
keeps one crash day or an unadjusted split from inflating the level for months (the jump
check sees those days).
"""

from __future__ import annotations

import math

import numpy as np

from tickercast.errors import DataError

__all__ = ["VarianceFilter"]

_MIN_VAR = 1e-24


class VarianceFilter:
    """Online variance forecasts: ``standardise(r)`` returns ``r / sd`` with the forecast made
    before ``r`` was seen, then updates the forecast with ``r``."""

    def __init__(self, long_var: float, alpha: float, beta: float, clip: float) -> None:
        if not (alpha >= 0 and beta >= 0 and alpha + beta <= 1):
            raise DataError(
                f"variance filter alpha {alpha}, beta {beta}: need alpha, beta >= 0 and "
                "alpha + beta <= 1"
            )
        self.long_var = max(float(long_var), _MIN_VAR)
        self.alpha = float(alpha)
        self.beta = float(beta)
        self.clip = float(clip)
        self.var = self.long_var

    @classmethod
    def started_on(
        cls, history: np.ndarray, alpha: float, beta: float, clip: float
    ) -> tuple[VarianceFilter, np.ndarray]:
        """A filter targeted at ``history``'s mean square and run through it, plus the
        standardised returns it produced there (the reference for the tests on ``z``)."""
        r = np.asarray(history, dtype=np.float64)
        filt = cls(float(np.mean(r * r)), alpha, beta, clip)
        return filt, np.array([filt.standardise(float(x)) for x in r])

    @property
    def sd(self) -> float:
        """Forecast standard deviation of the next log return."""
        return math.sqrt(self.var)

    def standardise(self, r: float) -> float:
        sd = math.sqrt(self.var)
        z = r / sd
        capped = min(r * r, (self.clip * sd) ** 2)
        self.var = max(
            (1.0 - self.alpha - self.beta) * self.long_var
            + self.alpha * capped
            + self.beta * self.var,
            _MIN_VAR,
        )
        return z
