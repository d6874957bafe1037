from __future__ import annotations

import numpy as np

from tickercast.decisions import benchmarks
from tickercast.decisions.engine import Bars, run_orders
from tickercast.decisions.metrics import episodes, performance
from tickercast.decisions.policy import Costs, RiskLimits
from tickercast.decisions.verdict import judge


def test_random_strategies_match_exposure_and_episodes(random_walk_bars: Bars) -> None:
    days = [10, 30, 31, 100, 250, 400, 401, 500]
    weights = [1.0, 0.0, 0.7, 0.0, 0.5, 0.0, 0.9, 0.0]
    costs = Costs(1, 5, 0)
    strategy = run_orders(random_walk_bars, days, weights, costs=costs)
    randoms = benchmarks.random_strategies(strategy, costs=costs, risk=RiskLimits(), n=30)
    lengths = sorted(b - a + 1 for a, b in episodes(strategy.shares))
    for r in randoms:
        assert sorted(b - a + 1 for a, b in episodes(r.shares)) == lengths
        assert performance(r)["exposure"] == performance(strategy)["exposure"]
        assert r.n_trades == strategy.n_trades
    # different seeds place the episodes differently, the same seed the same way
    assert len({tuple(np.flatnonzero(r.traded)) for r in randoms}) > 20
    again = benchmarks.random_strategies(strategy, costs=costs, risk=RiskLimits(), n=30)
    assert all(np.array_equal(a.equity, b.equity) for a, b in zip(randoms, again, strict=True))


def test_cash_never_moves(random_walk_bars: Bars) -> None:
    assert np.all(benchmarks.cash(random_walk_bars).equity == 100_000)


def test_verdict_counts_random_strategies_at_least_as_good() -> None:
    v = judge(1.0, 0.2, np.array([0.1, 0.5, 1.2, 1.0]), trades=5)
    assert v.excess_sharpe == 0.8
    assert v.n_random_at_least == 2
    assert v.p_value == 3 / 5
    assert not v.distinguishable
    assert "NOT distinguishable" in v.line


def test_verdict_without_trades_says_no_edge() -> None:
    v = judge(float("nan"), 0.4, np.array([float("nan")] * 3), trades=0)
    assert v.line.startswith("No edge")
    assert not v.distinguishable


def test_verdict_significant_when_few_randoms_do_as_well() -> None:
    v = judge(2.0, 0.1, np.linspace(-1, 1, 99), trades=10)
    assert v.p_value == 1 / 100
    assert v.distinguishable
