"""Changing any price after day t changes no decision at or before t."""

from __future__ import annotations

import numpy as np
import pytest

from tickercast.decisions.backtest import BacktestConfig, run_backtest
from tickercast.decisions.engine import Bars
from tickercast.decisions.forecasts import align, walk_forward_forecasts


def _decisions(closes: np.ndarray, opens: np.ndarray, volume: np.ndarray, first: int):  # type: ignore[no-untyped-def]
    dates = np.datetime64("2015-01-01") + np.arange(closes.size)
    table = walk_forward_forecasts(
        "lightgbm", closes, dates, first_target=first + 1, refit_every=40
    )
    period = slice(first, None)
    bars = Bars(dates[period], opens[period], closes[period], volume[period])
    dist = align(table, bars.dates, bars.close)
    report = run_backtest(bars, dist, BacktestConfig(n_random=0, risk_free=0.0))
    return dist, report.strategy


@pytest.mark.slow
def test_changing_prices_after_t_changes_no_decision_up_to_t() -> None:
    rng = np.random.default_rng(3)
    n, first, t = 700, 560, 620
    closes = 50 * np.exp(np.cumsum(rng.normal(3e-4, 0.02, n)))
    opens = closes * np.exp(rng.normal(0, 0.003, n))
    volume = rng.uniform(1e5, 1e6, n)
    dist_a, path_a = _decisions(closes, opens, volume, first)
    changed = closes.copy()
    changed[t + 1 :] *= np.exp(rng.normal(0.01, 0.05, n - t - 1))
    opens_b, volume_b = opens.copy(), volume.copy()
    opens_b[t + 1 :] *= 1.3
    volume_b[t + 1 :] = 1.0
    dist_b, path_b = _decisions(changed, opens_b, volume_b, first)
    k = t - first + 1  # decisions on days first..t
    assert np.array_equal(dist_a.mu[:k], dist_b.mu[:k])
    assert np.array_equal(dist_a.sigma[:k], dist_b.sigma[:k])
    assert np.array_equal(path_a.target[:k], path_b.target[:k], equal_nan=True)
    assert np.array_equal(path_a.edge[:k], path_b.edge[:k], equal_nan=True)
    assert np.array_equal(path_a.traded[:k], path_b.traded[:k])
    # and the change did reach the later decisions
    assert not np.array_equal(dist_a.mu[k:], dist_b.mu[k:], equal_nan=True)
