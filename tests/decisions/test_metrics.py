from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decisions.conftest import make_bars
from tickercast.decisions.engine import run_orders
from tickercast.decisions.metrics import episodes, max_drawdown, performance, sharpe
from tickercast.decisions.policy import Costs


def test_max_drawdown_from_running_peak() -> None:
    assert max_drawdown(np.array([110, 99, 120, 90, 130.0]), 100) == pytest.approx(90 / 120 - 1)


def test_sharpe_converts_the_risk_free_rate_per_period() -> None:
    r = np.array([0.01, -0.005, 0.002, 0.004])
    rf = 0.05
    daily = (1 + rf) ** (1 / 252) - 1
    expected = np.mean(r - daily) / np.std(r - daily, ddof=1) * math.sqrt(252)
    assert sharpe(r, rf) == pytest.approx(expected)


def test_episodes_split_on_flat_days_and_sign_changes() -> None:
    assert episodes(np.array([0, 1, 2, 0, 0, -1, -1, 3, 0])) == [(1, 2), (5, 6), (7, 7)]


def test_performance_counts_trades_exposure_and_hit_rate() -> None:
    bars = make_bars(
        close=[100, 100, 110, 110, 110, 99, 99], open_=[100, 100, 110, 110, 110, 99, 99]
    )
    # long over days 1-2 (wins 10%), long over days 4-5 (loses 10%)
    path = run_orders(
        bars, [0, 2, 3, 5], [1.0, 0.0, 1.0, 0.0], costs=Costs(0, 0, 0), initial_cash=1000
    )
    m = performance(path)
    assert m["trades"] == 4
    assert m["episodes"] == 2
    assert m["exposure"] == pytest.approx(4 / 7)
    assert m["hit_rate"] == pytest.approx(0.5)
    assert m["avg_win"] == pytest.approx(0.10)
    assert m["avg_loss"] == pytest.approx(-0.10)
    assert m["total_return"] == pytest.approx(1.1 * 0.9 - 1)
