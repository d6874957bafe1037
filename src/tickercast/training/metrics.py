"""Forecast accuracy metrics: pure functions on price arrays, combined by ``evaluate``.

Conventions: ``actual`` are realised closes, ``point`` the forecasts made the day before,
``last`` the close the forecast was made from (yesterday's close). Percentages are 0-100.
Every model is judged next to naive ("tomorrow = today", i.e. ``point == last``) on the same
points, which is why ``evaluate`` takes ``last``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np

__all__ = [
    "coverage",
    "directional_accuracy",
    "evaluate",
    "lag_copy_score",
    "mae",
    "mape",
    "mase",
    "mean_width",
    "relative_mae",
    "rmse",
    "skill",
    "wilson_interval",
]


def mae(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.mean(np.abs(np.asarray(actual) - np.asarray(point))))


def rmse(actual: np.ndarray, point: np.ndarray) -> float:
    return float(np.sqrt(np.mean((np.asarray(actual) - np.asarray(point)) ** 2)))


def mape(actual: np.ndarray, point: np.ndarray) -> float:
    """Mean absolute percentage error, in percent (prices are > 0, so it is defined)."""
    a = np.asarray(actual)
    return float(100.0 * np.mean(np.abs(a - np.asarray(point)) / a))


def mase(actual: np.ndarray, point: np.ndarray, insample: np.ndarray) -> float:
    """MAE scaled by the one-step naive MAE on ``insample`` prices (Hyndman & Koehler, 2006).

    ``evaluate`` passes the ``len(actual)`` closes just before the test period, so decades of
    price growth before it do not inflate the figure; < 1 means better than naive was
    in-sample, and naive itself scores close to 1 when volatility is steady.
    """
    scale = float(np.mean(np.abs(np.diff(np.asarray(insample)))))
    return mae(actual, point) / scale if scale > 0 else math.nan


def relative_mae(mae_model: float, mae_naive: float) -> float:
    """MAE / naive MAE on the same points: < 1 beats naive."""
    return mae_model / mae_naive if mae_naive > 0 else math.nan


def skill(mae_model: float, mae_naive: float) -> float:
    """1 - relative MAE: > 0 beats naive, 0 ties, < 0 loses."""
    return 1.0 - relative_mae(mae_model, mae_naive)


def wilson_interval(successes: int, n: int, z: float = 1.959964) -> tuple[float, float]:
    """Wilson score interval of a proportion (95% by default); better than +-2 sigma near 0 or 1."""
    if n == 0:
        return math.nan, math.nan
    p = successes / n
    denom = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denom
    return max(0.0, centre - half), min(1.0, centre + half)


def directional_accuracy(
    actual: np.ndarray, point: np.ndarray, last: np.ndarray
) -> dict[str, float | int]:
    """Share of days where the forecast move and the real move have the same sign.

    Days where either move is exactly zero are left out (naive never predicts a move, so its
    ``n`` is 0 and its accuracy undefined). Returns ``value``, the Wilson 95% ``low``/``high``
    and ``n``; 0.5 is a coin toss.
    """
    pred = np.sign(np.asarray(point) - np.asarray(last))
    real = np.sign(np.asarray(actual) - np.asarray(last))
    used = (pred != 0) & (real != 0)
    n = int(used.sum())
    hits = int((pred[used] == real[used]).sum())
    low, high = wilson_interval(hits, n)
    return {"value": hits / n if n else math.nan, "low": low, "high": high, "n": n}


def coverage(actual: np.ndarray, lower: np.ndarray, upper: np.ndarray) -> float:
    """Share of actuals inside [lower, upper], in percent."""
    a = np.asarray(actual)
    return float(100.0 * np.mean((a >= np.asarray(lower)) & (a <= np.asarray(upper))))


def mean_width(lower: np.ndarray, upper: np.ndarray, last: np.ndarray) -> float:
    """Mean interval width as a percentage of the last close (comparable across prices)."""
    return float(100.0 * np.mean((np.asarray(upper) - np.asarray(lower)) / np.asarray(last)))


def lag_copy_score(actual: np.ndarray, point: np.ndarray, last: np.ndarray) -> float:
    """How much the forecast is just yesterday's close: ``1 - mean|ŷ - last| / mean|y - last|``.

    1 means the forecast *is* yesterday's close (naive scores exactly 1); 0 means it moves
    away from yesterday's close as far, on average, as the real price does; below 0 it moves
    further. A model with a score near 1 has learnt to copy the last price, however good its
    MAE looks on a price chart.
    """
    real_move = float(np.mean(np.abs(np.asarray(actual) - np.asarray(last))))
    pred_move = float(np.mean(np.abs(np.asarray(point) - np.asarray(last))))
    return 1.0 - pred_move / real_move if real_move > 0 else math.nan


def evaluate(
    actual: np.ndarray,
    point: np.ndarray,
    last: np.ndarray,
    *,
    insample: np.ndarray,
    lower: Mapping[int, np.ndarray] | None = None,
    upper: Mapping[int, np.ndarray] | None = None,
) -> dict[str, Any]:
    """Every metric for one model, with naive's MAE on the same points and the skill vs it."""
    model_mae = mae(actual, point)
    naive_mae = mae(actual, last)
    out: dict[str, Any] = {
        "n": int(np.asarray(actual).size),
        "mae": model_mae,
        "rmse": rmse(actual, point),
        "mape": mape(actual, point),
        "mase": mase(actual, point, insample),
        "naive_mae": naive_mae,
        "naive_mase": mase(actual, last, insample),
        "relative_mae": relative_mae(model_mae, naive_mae),
        "skill": skill(model_mae, naive_mae),
        "directional_accuracy": directional_accuracy(actual, point, last),
        "lag_copy": lag_copy_score(actual, point, last),
        "coverage": {},
        "width_pct": {},
    }
    for level in lower or {}:
        assert upper is not None
        out["coverage"][level] = coverage(actual, lower[level], upper[level])  # type: ignore[index]
        out["width_pct"][level] = mean_width(lower[level], upper[level], last)  # type: ignore[index]
    return out
