"""Feed a price series through a champion and its drift monitor, bar by bar.

Shared by the drift service (rebuild the monitor for a ticker as of a date) and the
calibration benchmark, so both see exactly the same statistics.
"""

from __future__ import annotations

import numpy as np

from tickercast.features import log_returns
from tickercast.models import Forecaster
from tickercast.monitoring.monitor import LEVELS, DriftMonitor
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds

__all__ = ["feed", "monitor_for"]


def monitor_for(
    prices: np.ndarray, reference_end: int, thresholds: DriftThresholds = DEFAULT_THRESHOLDS
) -> DriftMonitor:
    """A monitor whose reference is the returns up to and including bar ``reference_end``."""
    lo = max(reference_end - max(thresholds.reference_days, thresholds.vol_history_days), 0)
    return DriftMonitor(log_returns(prices[lo : reference_end + 1]), thresholds)


def feed(
    monitor: DriftMonitor,
    model: Forecaster,
    prices: np.ndarray,
    start: int,
    stop: int,
    *,
    stop_at_alarm: bool = False,
) -> int | None:
    """Feed bars ``start .. stop-1``: each bar's return, the champion's and naive's error on
    it, and whether the champion's intervals (made the day before) missed it. Returns the
    first bar at which a check was at drift (only looked for with ``stop_at_alarm``)."""
    size = model.window + 1
    if start < size or stop <= start:
        return None
    windows = np.lib.stride_tricks.sliding_window_view(prices[start - size : stop - 1], size)
    forecast = model.predict(windows, levels=LEVELS)
    actual = prices[start:stop]
    last = prices[start - 1 : stop - 1]
    returns = np.log(actual / last)
    model_err = np.log(actual / forecast.point)
    missed = {lv: (actual < forecast.lower[lv]) | (actual > forecast.upper[lv]) for lv in LEVELS}
    for k in range(stop - start):
        monitor.update(
            float(returns[k]),
            missed={lv: bool(missed[lv][k]) for lv in LEVELS},
            model_error=float(model_err[k]),
            naive_error=float(returns[k]),
        )
        if stop_at_alarm and monitor.alarm():
            return start + k
    return None
