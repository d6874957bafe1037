"""The engine on tiny cases computed by hand: fills, costs, cash, P&L, long and short."""

from __future__ import annotations

import math

import numpy as np
import pytest

from tests.decisions.conftest import make_bars
from tickercast.decisions import benchmarks
from tickercast.decisions.engine import execute, run_orders, run_policy
from tickercast.decisions.policy import Costs, RiskLimits
from tickercast.errors import ValidationError

FREE = Costs(0, 0, 0)


def test_buy_fills_at_next_open_and_marks_at_close() -> None:
    bars = make_bars(close=[100, 110, 121], open_=[99, 100, 115])
    path = run_orders(bars, [0], [1.0], costs=FREE, initial_cash=1000)
    # decided at the close of day 0, filled at the open of day 1: 1000 / 100 = 10 shares
    assert path.traded.tolist() == [0, 10, 0]
    assert path.fill_price[1] == 100
    assert path.cash.tolist() == [1000, 0, 0]
    assert path.equity.tolist() == [1000, 1100, 1210]
    assert path.total_return == pytest.approx(0.21, abs=1e-12)


def test_fill_close_trades_at_the_decision_close() -> None:
    bars = make_bars(close=[100, 110, 121], open_=[99, 100, 115])
    path = run_orders(bars, [0], [1.0], costs=FREE, fill="close", initial_cash=1000)
    assert path.traded.tolist() == [10, 0, 0]
    assert path.equity.tolist() == [1000, 1100, 1210]


def test_commission_is_paid_on_top_and_keeps_weight_exact() -> None:
    bars = make_bars(close=[100, 100, 100], open_=[100, 100, 100])
    # 1% commission: 10 shares at 100 cost 1000 + 10 -> exactly all of 1010
    path = run_orders(bars, [0], [1.0], costs=Costs(100, 0, 0), initial_cash=1010)
    assert path.traded[1] == pytest.approx(10)
    assert path.commission[1] == pytest.approx(10)
    assert path.cash[1] == pytest.approx(0, abs=1e-9)
    assert path.equity[-1] == pytest.approx(1000)


def test_slippage_moves_the_fill_against_the_trade() -> None:
    bars = make_bars(close=[100, 100, 120, 120], open_=[100, 100, 120, 120])
    # buy at 100 * 1.01 = 101: 1010 / 101 = 10 shares; sell at 120 * 0.99 = 118.8
    path = run_orders(bars, [0, 1], [1.0, 0.0], costs=Costs(0, 100, 0), initial_cash=1010)
    assert path.fill_price[1] == pytest.approx(101)
    assert path.traded[1] == pytest.approx(10)
    assert path.slippage[1] == pytest.approx(10)
    assert path.fill_price[2] == pytest.approx(118.8)
    assert path.traded[2] == pytest.approx(-10)
    assert path.slippage[2] == pytest.approx(12)
    assert path.cash[2] == pytest.approx(1188)
    assert path.shares[2] == 0.0


def test_fixed_cost_is_charged_once_per_trade() -> None:
    bars = make_bars(close=[50, 50, 60], open_=[50, 50, 60])
    path = run_orders(bars, [0], [1.0], costs=Costs(0, 0, 5), initial_cash=1005)
    assert path.fixed_cost.tolist() == [0, 5, 0]
    assert path.traded[1] == pytest.approx(20)  # (1005 - 5) / 50
    assert path.equity[-1] == pytest.approx(1200)


def test_short_position_gains_when_the_price_falls() -> None:
    bars = make_bars(close=[100, 100, 80], open_=[100, 100, 80])
    path = run_orders(bars, [0], [-0.5], costs=FREE, initial_cash=1000)
    # -0.5 of equity at 100: sell 5 shares short, cash 1500
    assert path.traded[1] == pytest.approx(-5)
    assert path.cash[1] == pytest.approx(1500)
    assert path.equity.tolist() == pytest.approx([1000, 1000, 1100])


def test_cash_and_shares_follow_every_trade_exactly(random_walk_bars) -> None:  # type: ignore[no-untyped-def]
    days = [3, 40, 41, 90, 200, 350]
    weights = [1.0, 0.3, 0.8, 0.0, -0.6, 0.2]
    path = run_orders(random_walk_bars, days, weights, costs=Costs(2, 7, 1.5), initial_cash=25_000)
    spent = np.nan_to_num(path.traded * path.fill_price) + path.commission + path.fixed_cost
    assert np.allclose(path.cash, 25_000 - np.cumsum(spent), rtol=0, atol=1e-7)
    assert np.allclose(path.shares, np.cumsum(path.traded), rtol=0, atol=1e-12)
    opens = random_walk_bars.open
    for day, weight in zip(days, weights, strict=True):
        fill_day = day + 1  # each order is sized at the open it fills at
        value = path.shares[fill_day] * opens[fill_day]
        assert value / (path.cash[fill_day] + value) == pytest.approx(weight, abs=1e-12)


def test_always_long_with_zero_costs_equals_buy_and_hold_exactly(random_walk_bars) -> None:  # type: ignore[no-untyped-def]
    n = len(random_walk_bars)
    risk = RiskLimits(min_edge_bps=0)
    forced = run_policy(random_walk_bars, np.ones(n), np.full(n, 1.0), costs=FREE, risk=risk)
    bh = benchmarks.buy_and_hold(random_walk_bars, costs=FREE)
    assert forced.n_trades == 1
    assert np.array_equal(forced.equity, bh.equity)
    assert forced.total_return == bh.total_return


def test_policy_trades_only_when_edge_beats_costs() -> None:
    bars = make_bars(close=[100, 100, 100, 100], open_=[100, 100, 100, 100])
    costs = Costs(1, 5, 0)  # 6 bps
    risk = RiskLimits(min_edge_bps=0)
    target = np.array([1.0, 1.0, 1.0, 1.0])
    # 5 bps expected is below 6 bps of costs; 7 bps is above
    mu = np.array([5e-4, 7e-4, 7e-4, 7e-4])
    path = run_policy(bars, target, mu, costs=costs, risk=risk, initial_cash=1000)
    assert path.traded[1] == 0  # day 0 decided to hold
    assert path.traded[2] > 0  # day 1 decided to buy, filled on day 2
    assert path.edge[0] == pytest.approx(5e-4 - 6e-4)
    assert path.edge[1] == pytest.approx(7e-4 - 6e-4)


def test_volume_cap_limits_one_trade() -> None:
    bars = make_bars(close=[10, 10, 10], open_=[10, 10, 10], volume=[1000, 1000, 1000])
    risk = RiskLimits(max_adv_share=0.05, min_edge_bps=0)  # at most 50 shares a trade
    path = run_policy(
        bars, np.ones(3), np.full(3, 0.01), costs=FREE, risk=risk, initial_cash=10_000
    )
    assert path.traded[1] == pytest.approx(50)
    assert path.traded[2] == pytest.approx(50)


def test_execute_needs_no_trade_at_the_target() -> None:
    assert execute(0.0, 1000.0, 0.0, 10.0, FREE)[0] == 0.0
    delta, fill, *_ = execute(1.0, 0.0, 10.0, 10.0, FREE)
    assert delta == 0.0 and math.isnan(fill)


def test_fill_at_open_refuses_missing_opens() -> None:
    bars = make_bars(close=[10, 11, 12], open_=[10, float("nan"), 12])
    with pytest.raises(ValidationError, match="fill 'close'"):
        run_orders(bars, [0], [1.0], costs=FREE)


def test_average_daily_volume_skips_unknown_days() -> None:
    from tickercast.decisions.engine import average_daily_volume

    v = np.array([np.nan, 10, 0, 30, 50])
    assert average_daily_volume(v, window=2).tolist()[1:] == [10, 10, 30, 40]
    assert math.isnan(average_daily_volume(v, window=2)[0])
