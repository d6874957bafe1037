"""Expanding-window walk-forward validation with online conformal intervals.

For the last ``test_days`` closes, the model is refit every ``refit_every`` days on all prices
*before* the block (scalers included, since they are fit inside ``fit``) and makes one-step
forecasts from each day's window. The interval for day t uses only conformal scores of
forecasts realised before t: the first model's out-of-sample hold-out, then every walk-forward
forecast as its actual arrives (rolling pool, adaptive level). Nothing after t reaches day t.
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from tickercast.errors import ModelError
from tickercast.features import price_windows
from tickercast.models import create_model
from tickercast.models.base import check_prices
from tickercast.models.calibration import AdaptiveConformal, Calibration, price_bounds

__all__ = ["WalkForwardResult", "walk_forward"]


@dataclass
class WalkForwardResult:
    """One model's one-step forecasts over the test period (arrays aligned on ``index``)."""

    model: str
    params: dict[str, Any]
    index: np.ndarray  # positions of the forecast targets in the input series
    dates: np.ndarray | None
    actual: np.ndarray
    last: np.ndarray
    point: np.ndarray
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]
    scores: np.ndarray  # conformal pool at the end: out-of-sample scores for a final model
    level_shift: dict[int, float]
    refits: int
    fit_seconds: float
    predict_seconds: float
    extra: dict[str, Any] = field(default_factory=dict)

    def calibration(self, vol_ref: float, vol_weight: float = 0.5) -> Calibration:
        """Calibration for a model refit on all data, carrying the walk-forward's scores."""
        return Calibration(self.scores.copy(), vol_ref, vol_weight, dict(self.level_shift))


def walk_forward(
    model: str,
    prices: np.ndarray,
    dates: np.ndarray | None = None,
    *,
    test_days: int = 500,
    refit_every: int = 20,
    levels: Sequence[int] = (80, 95),
    params: Mapping[str, Any] | None = None,
    adaptive_gamma: float = 0.005,
    progress: bool = False,
) -> WalkForwardResult:
    """One-step forecasts for the last ``test_days`` prices, refitting every ``refit_every``."""
    p = check_prices(prices)
    params = dict(params or {})
    probe = create_model(model, **params)
    n = p.size
    start = n - test_days
    if test_days < 1 or refit_every < 1:
        raise ModelError(f"test_days ({test_days}) and refit_every ({refit_every}) must be >= 1")
    if start < probe.min_train_size:
        raise ModelError(
            f"{n} prices leave {start} for the first fit of {model!r}; it needs "
            f"{probe.min_train_size} - use fewer test days (got {test_days})"
        )
    size = probe.window + 1
    windows = price_windows(p[:-1], size)[start - size :]  # row i forecasts target start + i
    actual = p[start:]
    last = p[start - 1 : -1]
    point = np.empty(test_days)
    lower = {lv: np.empty(test_days) for lv in levels}
    upper = {lv: np.empty(test_days) for lv in levels}
    conformal: AdaptiveConformal | None = None
    fit_s = pred_s = 0.0
    blocks = list(range(start, n, refit_every))
    bar, task = _progress(progress, f"walk-forward {model}", len(blocks))
    try:
        for b in blocks:
            t0 = time.perf_counter()
            fitted = create_model(model, **params).fit(p[:b], None if dates is None else dates[:b])
            t1 = time.perf_counter()
            e = min(b + refit_every, n)
            rhat, scale = fitted.predict_log_returns(windows[b - start : e - start])
            pred_s += time.perf_counter() - t1
            fit_s += t1 - t0
            if conformal is None:
                conformal = AdaptiveConformal(
                    fitted.calibration_.scores,
                    levels,
                    size=fitted.calib_size,
                    gamma=adaptive_gamma,
                )
            for j, t in enumerate(range(b - start, e - start)):
                point[t] = last[t] * np.exp(rhat[j])
                covered = {}
                for lv in levels:
                    lo, hi = price_bounds(last[t], rhat[j], scale[j], conformal.quantile(lv))
                    lower[lv][t], upper[lv][t] = lo, hi
                    covered[lv] = bool(lo <= actual[t] <= hi)
                realised = np.log(actual[t] / last[t])
                conformal.update(abs(realised - rhat[j]) / scale[j], covered)
            if bar is not None:
                bar.advance(task)
    finally:
        if bar is not None:
            bar.stop()
    assert conformal is not None
    return WalkForwardResult(
        model=model,
        params=probe.get_params(),
        index=np.arange(start, n),
        dates=None if dates is None else np.asarray(dates)[start:],
        actual=actual.copy(),
        last=last.copy(),
        point=point,
        lower=lower,
        upper=upper,
        scores=conformal.scores,
        level_shift=conformal.level_shift,
        refits=len(blocks),
        fit_seconds=fit_s,
        predict_seconds=pred_s,
    )


def _progress(enabled: bool, description: str, total: int) -> tuple[Any, Any]:
    if not enabled:
        return None, None
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    bar = Progress(
        "[progress.description]{task.description}",
        BarColumn(),
        MofNCompleteColumn(),
        "refits",
        TimeElapsedColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    bar.start()
    return bar, bar.add_task(description, total=total)
