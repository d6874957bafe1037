"""Out-of-sample forecasts for a backtest: made walk-forward now, or read from storage.

Either way each forecast was made at the close before its target date by a model fit only on
earlier prices (``training.walkforward``), so a decision at close t sees nothing after t.
``align`` puts them on the backtest's decision days and checks each was made from that day's
close (a stored table computed on other prices is refused, not silently used).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from tickercast.decisions.distribution import ReturnDistribution, from_forecast
from tickercast.errors import DataError
from tickercast.training.walkforward import WalkForwardResult, walk_forward

__all__ = ["ForecastTable", "align", "walk_forward_forecasts"]


@dataclass(frozen=True)
class ForecastTable:
    """One-step forecasts keyed by target date: the close they start from, point and bounds."""

    target_dates: np.ndarray  # datetime64[D]
    last: np.ndarray
    point: np.ndarray
    lower: dict[int, np.ndarray]
    upper: dict[int, np.ndarray]
    source: str

    @classmethod
    def from_walk_forward(cls, result: WalkForwardResult, source: str) -> ForecastTable:
        if result.dates is None:
            raise DataError("walk-forward forecasts need dates to be aligned with bars")
        return cls(
            target_dates=np.asarray(result.dates).astype("datetime64[D]"),
            last=result.last,
            point=result.point,
            lower=dict(result.lower),
            upper=dict(result.upper),
            source=source,
        )

    @classmethod
    def from_frame(cls, frame: pd.DataFrame, source: str) -> ForecastTable:
        """From the ``validation/walkforward.csv`` layout: date, last, point, lower_80, ..."""
        levels = sorted(int(c.split("_")[1]) for c in frame.columns if c.startswith("lower_"))
        missing = [c for c in ("date", "last", "point") if c not in frame.columns]
        if missing or not levels:
            raise DataError(
                f"stored forecasts lack {missing or ['lower_<level>']}; cannot backtest them"
            )
        return cls(
            target_dates=pd.to_datetime(frame["date"]).to_numpy().astype("datetime64[D]"),
            last=frame["last"].to_numpy(np.float64),
            point=frame["point"].to_numpy(np.float64),
            lower={lv: frame[f"lower_{lv}"].to_numpy(np.float64) for lv in levels},
            upper={lv: frame[f"upper_{lv}"].to_numpy(np.float64) for lv in levels},
            source=source,
        )


def walk_forward_forecasts(
    model: str,
    closes: np.ndarray,
    dates: np.ndarray,
    *,
    first_target: int,
    refit_every: int = 20,
    levels: Sequence[int] = (80, 95),
    params: Mapping[str, Any] | None = None,
    progress: bool = False,
) -> ForecastTable:
    """Walk-forward forecasts of every close from index ``first_target`` to the end."""
    result = walk_forward(
        model,
        closes,
        dates,
        test_days=len(closes) - first_target,
        refit_every=refit_every,
        levels=levels,
        params=params,
        progress=progress,
    )
    return ForecastTable.from_walk_forward(
        result, f"walk-forward {model}, refit every {refit_every} sessions"
    )


def align(table: ForecastTable, dates: np.ndarray, closes: np.ndarray) -> ReturnDistribution:
    """Return distributions per decision day: the forecast of the *next* bar's close, made at
    this bar's close (NaN where there is none, e.g. the last day)."""
    d = np.asarray(dates).astype("datetime64[D]")
    n = d.size
    order = np.argsort(table.target_dates, kind="stable")
    targets = table.target_dates[order]
    pos = np.searchsorted(targets, d[1:])
    pos = np.minimum(pos, max(targets.size - 1, 0))
    found = targets.size > 0
    hit = np.zeros(n, dtype=bool)
    src = np.zeros(n, dtype=int)
    if found:
        hit[:-1] = targets[pos] == d[1:]
        src[:-1] = order[pos]
    last = np.where(hit, table.last[src], np.nan)
    bad = hit & ~np.isclose(last, closes, rtol=1e-9, atol=0.0)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(
            f"the forecast for {str(d[i + 1])[:10]} starts from a close of {last[i]}, but the "
            f"stored close of {str(d[i])[:10]} is {closes[i]}: the forecasts ({table.source}) "
            "were made on other prices - recompute them"
        )

    def pick(values: np.ndarray) -> np.ndarray:
        return np.where(hit, values[src], np.nan)

    return from_forecast(
        closes,
        pick(table.point),
        {lv: pick(v) for lv, v in table.lower.items()},
        {lv: pick(v) for lv, v in table.upper.items()},
    )
