"""The significance gate: Diebold-Mariano tests with the Harvey-Leybourne-Newbold correction.

Why a test: a relative MAE of 0.9996 over 500 days is noise, yet "< 1" used to crown it. Here a
candidate must be *significantly* better than naive, and not significantly worse than the
champion, on the same out-of-sample days.

The test (Diebold & Mariano 1995; Harvey, Leybourne & Newbold 1997). For forecast errors
``e1``, ``e2`` of two forecasts of the same targets and a loss ``L`` (absolute or squared),
``d_t = L(e1_t) - L(e2_t)``. With ``n`` days and forecast horizon ``h``::

    V    = gamma_0 + 2 * sum_{k=1}^{h-1} gamma_k          (gamma_k: lag-k autocovariance of d,
                                                           divided by n)
    DM   = mean(d) / sqrt(V / n)
    DM*  = DM * sqrt((n + 1 - 2h + h(h - 1) / n) / n)     (HLN small-sample correction)

``DM*`` is compared with Student's t on ``n - 1`` degrees of freedom. With ``h = 1`` it equals
the one-sample t statistic of ``d`` (so ``scipy.stats.ttest_1samp`` is a reference). Errors here
are log-return errors ``log(actual / forecast)``, which are comparable across a price history
that grew 100-fold, so no decade dominates the loss.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from tickercast.errors import ModelError

__all__ = [
    "DMResult",
    "GateVerdict",
    "Loss",
    "diebold_mariano",
    "log_errors",
    "versus_champion",
    "versus_naive",
]

Loss = Literal["absolute", "squared"]
Alternative = Literal["less", "greater", "two-sided"]


@dataclass(frozen=True)
class DMResult:
    """One DM/HLN test of forecast 1 against forecast 2 (``mean_diff`` < 0: 1 has lower loss)."""

    statistic: float
    p_value: float
    n: int
    horizon: int
    loss: str
    alternative: str
    mean_diff: float

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _loss(errors: np.ndarray, loss: Loss) -> np.ndarray:
    if loss == "absolute":
        return np.abs(errors)
    if loss == "squared":
        return errors * errors
    raise ModelError(f"loss is {loss!r}; use 'absolute' or 'squared'")


def diebold_mariano(
    errors1: np.ndarray,
    errors2: np.ndarray,
    *,
    loss: Loss = "absolute",
    horizon: int = 1,
    alternative: Alternative = "less",
) -> DMResult:
    """DM test with the HLN correction; ``alternative="less"``: forecast 1 has lower loss.

    Identical losses give statistic 0 and p-value 1 (there is no evidence either way). A
    non-positive long-run variance (possible for ``h > 1``) falls back to ``gamma_0``.
    """
    e1 = np.asarray(errors1, dtype=np.float64)
    e2 = np.asarray(errors2, dtype=np.float64)
    if e1.shape != e2.shape or e1.ndim != 1:
        raise ModelError(f"error series must be 1-D and equal length; got {e1.shape}, {e2.shape}")
    n = int(e1.size)
    if horizon < 1:
        raise ModelError(f"horizon is {horizon}; it must be at least 1")
    if n < max(3, 2 * horizon):
        raise ModelError(f"a DM test needs at least {max(3, 2 * horizon)} paired errors; got {n}")
    if not (np.isfinite(e1).all() and np.isfinite(e2).all()):
        raise ModelError("error series contain NaN or infinite values")
    d = _loss(e1, loss) - _loss(e2, loss)
    mean = float(d.mean())
    centred = d - mean
    gamma = [float(centred[k:] @ centred[: n - k]) / n for k in range(horizon)]
    variance = gamma[0] + 2.0 * sum(gamma[1:])
    if variance <= 0:
        variance = gamma[0]
    if variance <= 0:  # every d_t equal: identical losses, or a certain sign
        if mean == 0:
            return DMResult(0.0, 1.0, n, horizon, loss, alternative, 0.0)
        stat = math.copysign(math.inf, mean)
    else:
        dm = mean / math.sqrt(variance / n)
        stat = dm * math.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    return DMResult(stat, _p_value(stat, n - 1, alternative), n, horizon, loss, alternative, mean)


def _p_value(stat: float, df: int, alternative: Alternative) -> float:
    from scipy import stats

    if alternative == "less":
        return float(stats.t.cdf(stat, df))
    if alternative == "greater":
        return float(stats.t.sf(stat, df))
    if alternative == "two-sided":
        return float(min(1.0, 2.0 * stats.t.sf(abs(stat), df)))
    raise ModelError(f"alternative is {alternative!r}; use 'less', 'greater' or 'two-sided'")


def log_errors(actual: np.ndarray, point: np.ndarray) -> np.ndarray:
    """``log(actual / point)``: the forecast's error as a log return (prices are > 0)."""
    return np.log(np.asarray(actual, dtype=np.float64) / np.asarray(point, dtype=np.float64))


@dataclass(frozen=True)
class GateVerdict:
    """Is a candidate significantly better than naive on its walk-forward days?"""

    beats_naive: bool
    p_value: float
    statistic: float
    margin: float
    alpha: float
    loss: str
    n: int

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def versus_naive(
    frame: pd.DataFrame, *, alpha: float = 0.05, loss: Loss = "absolute"
) -> GateVerdict:
    """DM/HLN test of the walk-forward forecasts (``actual``, ``last``, ``point`` columns)
    against naive on the same days; ``margin`` = 1 - MAE / naive MAE (the skill)."""
    _check_alpha(alpha)
    actual = frame["actual"].to_numpy(dtype=np.float64)
    point = frame["point"].to_numpy(dtype=np.float64)
    last = frame["last"].to_numpy(dtype=np.float64)
    naive_mae = float(np.mean(np.abs(actual - last)))
    margin = 1.0 - float(np.mean(np.abs(actual - point))) / naive_mae if naive_mae > 0 else 0.0
    result = diebold_mariano(log_errors(actual, point), log_errors(actual, last), loss=loss)
    return GateVerdict(
        beats_naive=bool(result.p_value < alpha),
        p_value=result.p_value,
        statistic=result.statistic,
        margin=margin,
        alpha=alpha,
        loss=loss,
        n=result.n,
    )


def versus_champion(
    candidate: pd.DataFrame, champion: pd.DataFrame, *, loss: Loss = "absolute"
) -> DMResult | None:
    """DM/HLN test of "the candidate is worse than the champion" on their common dates
    (small p: significantly worse); None when they share fewer than 3 days."""
    both = candidate.merge(champion, on="date", suffixes=("_cand", "_champ"))
    if len(both) < 3:
        return None
    return diebold_mariano(
        log_errors(both["actual_cand"].to_numpy(), both["point_cand"].to_numpy()),
        log_errors(both["actual_champ"].to_numpy(), both["point_champ"].to_numpy()),
        loss=loss,
        alternative="greater",
    )


def _check_alpha(alpha: float) -> None:
    if not 0 < alpha < 1:
        raise ModelError(f"significance level is {alpha}; it must be between 0 and 1")
