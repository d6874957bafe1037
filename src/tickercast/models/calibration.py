"""Conformal prediction intervals on volatility-normalised log-return residuals.

Why normalised: daily returns cluster in volatility, so a fixed-width interval over-covers in
calm months and under-covers in turbulent ones. Each residual is divided by a local scale
(the window's own RMS return blended with the longer-run RMS of the training data), the
conformal quantile is taken over those scores, and an interval is ``rhat ± q · scale``.

Honesty: a ``Calibration`` only ever holds scores of out-of-sample forecasts (a hold-out
tail inside ``fit``, or walk-forward forecasts made before the point being predicted).
``AdaptiveConformal`` (Gibbs & Candès, 2021) nudges the level used after each miss or hit,
which keeps long-run coverage near nominal when the score distribution drifts.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tickercast.errors import ModelError

__all__ = [
    "AdaptiveConformal",
    "Calibration",
    "conformal_quantile",
    "local_scale",
    "nonconformity",
    "price_bounds",
]

_MIN_SCALE = 1e-12


def conformal_quantile(scores: np.ndarray, level: float) -> float:
    """Split-conformal quantile: the ceil((n+1)·level)-th smallest score (level in percent).

    With too few scores for the level (k > n) the largest score is used, so bounds stay
    finite; callers keep at least ~20 scores so that only happens on toy data.
    """
    s = np.sort(np.asarray(scores, dtype=np.float64))
    n = s.size
    if n == 0:
        raise ModelError("cannot calibrate an interval from zero residuals")
    if not 0 < level < 100:
        raise ModelError(f"interval level is {level}; it must be between 0 and 100 (percent)")
    k = math.ceil((n + 1) * level / 100.0)
    return float(s[min(max(k, 1), n) - 1])


def local_scale(returns: np.ndarray, vol_ref: float, weight: float = 0.5) -> np.ndarray:
    """Scale of tomorrow's return for each window of log returns ``(n, w)`` -> ``(n,)``.

    ``sqrt(weight · mean(r²) + (1 - weight) · vol_ref²)``: the window's own RMS return shrunk
    towards the long-run RMS ``vol_ref``, because six returns alone are a noisy estimate.
    """
    r = np.asarray(returns, dtype=np.float64)
    if r.ndim == 1:
        r = r[None, :]
    ms = np.mean(r * r, axis=1) if r.shape[1] else np.zeros(r.shape[0])
    return np.maximum(np.sqrt(weight * ms + (1.0 - weight) * vol_ref * vol_ref), _MIN_SCALE)


def nonconformity(actual: np.ndarray, predicted: np.ndarray, scale: np.ndarray) -> np.ndarray:
    """Absolute log-return residual in units of the local scale."""
    return np.abs(np.asarray(actual) - np.asarray(predicted)) / np.asarray(scale)


def price_bounds(
    last: np.ndarray, rhat: np.ndarray, scale: np.ndarray, q: float | np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Price interval ``last · exp(rhat ± q · scale)``; always lower ≤ point ≤ upper."""
    half = np.asarray(q) * scale
    return last * np.exp(rhat - half), last * np.exp(rhat + half)


@dataclass
class Calibration:
    """Out-of-sample conformal scores plus the long-run volatility used to normalise them.

    ``level_shift`` holds, per nominal level, the adaptive correction learnt in walk-forward
    (the effective level = nominal + shift); it is saved with the model so that a loaded model
    gives the same bounds as the validated one.
    """

    scores: np.ndarray
    vol_ref: float
    vol_weight: float = 0.5
    level_shift: dict[int, float] = field(default_factory=dict)
    horizon_q: dict[int, list[float]] = field(default_factory=dict)
    """Per level, the conformal quantile of h-step scores for h = 1, 2, ... (``horizon_q[lv]
    [h - 1]``), on the √h-widened scale: corrects √h where errors are not independent."""

    def horizon_quantile(self, level: int, horizon: int) -> float:
        """The quantile for an ``horizon``-step interval (√h scale); the one-step quantile
        when no per-horizon calibration exists (models saved before it) or for h = 1."""
        qs = self.horizon_q.get(level)
        if horizon <= 1 or not qs:
            return self.quantile(level)
        return float(qs[min(horizon, len(qs)) - 1])

    def quantile(self, level: int) -> float:
        effective = min(max(level + self.level_shift.get(level, 0.0), 1.0), 99.9)
        return conformal_quantile(self.scores, effective)

    def scale(self, returns: np.ndarray) -> np.ndarray:
        return local_scale(returns, self.vol_ref, self.vol_weight)

    def to_dict(self) -> dict[str, Any]:
        return {
            "scores": [float(s) for s in self.scores],
            "vol_ref": float(self.vol_ref),
            "vol_weight": float(self.vol_weight),
            "level_shift": {str(k): float(v) for k, v in self.level_shift.items()},
            "horizon_q": {str(k): [float(q) for q in v] for k, v in self.horizon_q.items()},
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> Calibration:
        try:
            return cls(
                scores=np.asarray(data["scores"], dtype=np.float64),
                vol_ref=float(data["vol_ref"]),
                vol_weight=float(data.get("vol_weight", 0.5)),
                level_shift={int(k): float(v) for k, v in data.get("level_shift", {}).items()},
                horizon_q={
                    int(k): [float(q) for q in v] for k, v in data.get("horizon_q", {}).items()
                },
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ModelError(f"calibration data is malformed ({exc}); retrain the model") from exc

    def summary(self, levels: Iterable[int] = (80, 95)) -> dict[str, Any]:
        return {
            "n_scores": int(self.scores.size),
            "vol_ref": float(self.vol_ref),
            "quantiles": {str(lv): self.quantile(lv) for lv in levels},
            "level_shift": {str(k): float(v) for k, v in self.level_shift.items()},
        }


class AdaptiveConformal:
    """Adaptive conformal inference over a rolling pool of scores (Gibbs & Candès, 2021).

    After each realised point the miss rate target is enforced online:
    ``alpha ← alpha + gamma · (alpha_nominal - miss)``. The pool keeps the ``size`` most recent
    out-of-sample scores, so every interval uses only residuals of earlier forecasts.
    """

    def __init__(
        self,
        scores: np.ndarray,
        levels: Sequence[int],
        *,
        size: int = 250,
        gamma: float = 0.005,
        level_shift: Mapping[int, float] | None = None,
    ) -> None:
        self.size = size
        self.gamma = gamma
        self.levels = tuple(levels)
        self._pool = list(np.asarray(scores, dtype=np.float64)[-size:])
        shift = level_shift or {}
        self._alpha = {lv: (100.0 - lv) / 100.0 - shift.get(lv, 0.0) / 100.0 for lv in levels}

    def quantile(self, level: int) -> float:
        alpha = self._alpha[level]
        if alpha <= 0:
            return float(max(self._pool))
        return conformal_quantile(np.asarray(self._pool), min(100.0 * (1.0 - alpha), 99.99))

    def update(self, score: float, covered: Mapping[int, bool]) -> None:
        for lv in self.levels:
            nominal = (100.0 - lv) / 100.0
            miss = 0.0 if covered[lv] else 1.0
            self._alpha[lv] += self.gamma * (nominal - miss)
        self._pool.append(float(score))
        if len(self._pool) > self.size:
            del self._pool[0]

    @property
    def scores(self) -> np.ndarray:
        return np.asarray(self._pool)

    @property
    def level_shift(self) -> dict[int, float]:
        """Effective minus nominal level, in percentage points."""
        return {lv: 100.0 * (1.0 - self._alpha[lv]) - lv for lv in self.levels}
