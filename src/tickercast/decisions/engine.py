"""The backtest engine: exact cash and share accounting for a decision path over daily bars.

Timing: the decision at the close of day t uses only data up to t (the forecast made at that
close) and, by default, executes at the open of t+1 (``fill="close"``: at the close of t).
An order asks for a target weight; it is sized at the fill so that after commission, slippage
and the fixed cost the position is exactly that weight of equity (so an always-long strategy
holds no cash, like buy-and-hold). Shares may be fractional. Slippage moves the fill price
against the trade: ``fill = reference · (1 ± slippage)``.

Everything that does not depend on the path (forecast → distribution → target weight, volume
caps, metrics) is vectorised with numpy; the path itself (a weight that depends on the weight
held) is one tight loop over Python floats in ``run_policy``, ~2 µs a day. Sparse order lists
(buy-and-hold, random strategies) skip the days between orders (``run_orders``).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import numpy as np
import pandas as pd

from tickercast.decisions.policy import WEIGHT_TOLERANCE, Costs, RiskLimits, rebalance
from tickercast.errors import ValidationError

__all__ = [
    "ADV_WINDOW",
    "Bars",
    "Fill",
    "PathResult",
    "average_daily_volume",
    "execute",
    "run_orders",
    "run_policy",
]

Fill = Literal["open", "close"]
ADV_WINDOW = 20
"""Sessions in the average daily volume that caps a trade (known at the decision's close)."""


@dataclass(frozen=True)
class Bars:
    """Daily bars of the backtest period, ascending; ``volume`` NaN where unknown."""

    dates: np.ndarray
    open: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def __post_init__(self) -> None:
        n = len(self.close)
        if n < 2:
            raise ValidationError(f"a backtest needs at least 2 bars; got {n}")
        for name in ("dates", "open", "volume"):
            if len(getattr(self, name)) != n:
                raise ValidationError(f"bars.{name} has {len(getattr(self, name))} values, not {n}")
        bad = ~np.isfinite(self.close) | (self.close <= 0)
        if bad.any():
            i = int(np.argmax(bad))
            raise ValidationError(f"close[{i}] is {self.close[i]}; closes must be finite and > 0")

    def __len__(self) -> int:
        return len(self.close)

    def fill_prices(self, fill: Fill) -> np.ndarray:
        """Reference price of an order decided at each close (NaN: cannot be filled)."""
        if fill == "close":
            return self.close.astype(np.float64)
        opens = np.full(len(self), np.nan)
        opens[:-1] = self.open[1:]
        missing = ~np.isfinite(opens[:-1]) | (opens[:-1] <= 0)
        if missing.any():
            i = int(np.argmax(missing)) + 1
            raise ValidationError(
                f"open on {str(self.dates[i])[:10]} is {self.open[i]}; fills at the open need "
                "every open price - use fill 'close'"
            )
        return opens


def average_daily_volume(volume: np.ndarray, window: int = ADV_WINDOW) -> np.ndarray:
    """Mean volume over the last ``window`` sessions up to each day (NaN where unknown)."""
    v = np.asarray(volume, dtype=np.float64)
    known = np.isfinite(v) & (v > 0)
    total = np.cumsum(np.where(known, v, 0.0))
    count = np.cumsum(known)
    total[window:] = total[window:] - total[:-window]
    count[window:] = count[window:] - count[:-window]
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(count > 0, total / np.maximum(count, 1), np.nan)


def execute(
    weight: float,
    cash: float,
    shares: float,
    price: float,
    costs: Costs,
    cap_shares: float = math.inf,
) -> tuple[float, float, float, float, float]:
    """Trade to ``weight`` of equity at reference ``price``: ``(shares_traded, fill_price,
    commission, slippage_cost, fixed_cost)``; zeros when no trade is needed.

    Solves ``(shares + Δ) · price = weight · equity_after_costs`` with equity valued at
    ``price``, cash paying ``Δ · fill · (1 ± commission) + fixed``.
    """
    equity = cash + shares * price
    want = weight * equity - shares * price
    if not abs(want) > WEIGHT_TOLERANCE * abs(equity):
        return 0.0, math.nan, 0.0, 0.0, 0.0
    side = 1.0 if want > 0 else -1.0
    slip = costs.slippage_bps / 1e4
    comm = costs.commission_bps / 1e4
    fill = price * (1.0 + side * slip)
    all_in = fill * (1.0 + side * comm)
    if weight == 0.0:
        delta = -shares  # close out exactly, leaving no floating-point dust
    else:
        delta = (weight * (equity - costs.fixed) - shares * price) / (
            price * (1.0 - weight) + weight * all_in
        )
    if not side * delta > 0:  # the fixed cost alone would flip the trade: skip it
        return 0.0, math.nan, 0.0, 0.0, 0.0
    if abs(delta) > cap_shares:
        delta = side * cap_shares
    size = abs(delta)
    return delta, fill, size * fill * comm, size * abs(fill - price), costs.fixed


@dataclass
class PathResult:
    """One strategy's day-by-day account. Row t: trades executed on day t, then the end-of-day
    shares, cash and equity at the close; ``target`` is the weight decided at that close."""

    name: str
    bars: Bars
    initial_cash: float
    traded: np.ndarray
    fill_price: np.ndarray
    commission: np.ndarray
    slippage: np.ndarray
    fixed_cost: np.ndarray
    shares: np.ndarray
    cash: np.ndarray
    target: np.ndarray
    edge: np.ndarray

    @property
    def equity(self) -> np.ndarray:
        return self.cash + self.shares * self.bars.close

    @property
    def weight(self) -> np.ndarray:
        return self.shares * self.bars.close / self.equity

    @property
    def total_return(self) -> float:
        return float(self.equity[-1] / self.initial_cash - 1.0)

    @property
    def n_trades(self) -> int:
        return int(np.count_nonzero(self.traded))

    def frame(self) -> pd.DataFrame:
        """Everything needed to recompute the result (what ``--positions-out`` writes)."""
        return pd.DataFrame(
            {
                "date": pd.to_datetime(self.bars.dates).strftime("%Y-%m-%d"),
                "open": self.bars.open,
                "close": self.bars.close,
                "target_weight": self.target,
                "edge_after_costs": self.edge,
                "shares_traded": self.traded,
                "fill_price": self.fill_price,
                "commission": self.commission,
                "slippage": self.slippage,
                "fixed_cost": self.fixed_cost,
                "shares": self.shares,
                "cash": self.cash,
                "equity": self.equity,
                "weight": self.weight,
            }
        )


def _empty(name: str, bars: Bars, initial_cash: float) -> PathResult:
    n = len(bars)
    zeros = np.zeros(n)
    return PathResult(
        name=name,
        bars=bars,
        initial_cash=initial_cash,
        traded=zeros.copy(),
        fill_price=np.full(n, np.nan),
        commission=zeros.copy(),
        slippage=zeros.copy(),
        fixed_cost=zeros.copy(),
        shares=zeros.copy(),
        cash=np.full(n, float(initial_cash)),
        target=np.full(n, np.nan),
        edge=np.full(n, np.nan),
    )


def _check_cash(initial_cash: float) -> None:
    if not (math.isfinite(initial_cash) and initial_cash > 0):
        raise ValidationError(f"initial cash is {initial_cash}; it must be > 0")


def run_policy(
    bars: Bars,
    target: np.ndarray,
    mu: np.ndarray,
    *,
    costs: Costs,
    risk: RiskLimits,
    fill: Fill = "open",
    initial_cash: float = 100_000.0,
    name: str = "strategy",
) -> PathResult:
    """Follow the policy: at each close, ``policy.rebalance`` from the weight held towards
    ``target`` (the sizing for that day's forecast, NaN = none) given that day's ``mu``."""
    _check_cash(initial_cash)
    n = len(bars)
    if len(target) != n or len(mu) != n:
        raise ValidationError(f"target and mu need {n} values (one per bar)")
    out = _empty(name, bars, initial_cash)
    refs = bars.fill_prices(fill).tolist()
    closes = bars.close.tolist()
    caps = (risk.max_adv_share * average_daily_volume(bars.volume)).tolist()
    targets = np.asarray(target, dtype=np.float64).tolist()
    mus = np.asarray(mu, dtype=np.float64).tolist()
    rate, fixed, min_edge = costs.rate, costs.fixed, risk.min_edge_bps / 1e4
    traded, fills, comm, slip, fixc = [0.0] * n, [math.nan] * n, [0.0] * n, [0.0] * n, [0.0] * n
    shares_out, cash_out, tgt_out, edge_out = [0.0] * n, [0.0] * n, [math.nan] * n, [math.nan] * n
    cash, shares = float(initial_cash), 0.0
    pending: tuple[float, float] | None = None  # (weight, cap in shares) to fill at the open
    for t in range(n):
        if pending is not None:
            cash, shares = _fill(
                t, pending, refs[t - 1], cash, shares, costs, traded, fills, comm, slip, fixc
            )
            pending = None
        close = closes[t]
        equity = cash + shares * close
        if equity > 0 and targets[t] == targets[t] and refs[t] == refs[t]:
            held = shares * close / equity
            cap = caps[t]
            max_step = cap * close / equity if cap == cap else math.inf
            new, edge = rebalance(
                held,
                targets[t],
                mus[t],
                rate=rate,
                fixed_fraction=fixed / equity,
                min_edge=min_edge,
                max_step=max_step,
            )
            tgt_out[t], edge_out[t] = new, edge
            if new != held:
                order = (new, cap if cap == cap else math.inf)
                if fill == "close":
                    cash, shares = _fill(
                        t, order, refs[t], cash, shares, costs, traded, fills, comm, slip, fixc
                    )
                else:
                    pending = order
        shares_out[t], cash_out[t] = shares, cash
    out.traded, out.fill_price = np.array(traded), np.array(fills)
    out.commission, out.slippage, out.fixed_cost = np.array(comm), np.array(slip), np.array(fixc)
    out.shares, out.cash = np.array(shares_out), np.array(cash_out)
    out.target, out.edge = np.array(tgt_out), np.array(edge_out)
    return out


def _fill(
    t: int,
    order: tuple[float, float],
    price: float,
    cash: float,
    shares: float,
    costs: Costs,
    traded: list[float],
    fills: list[float],
    comm: list[float],
    slip: list[float],
    fixc: list[float],
) -> tuple[float, float]:
    delta, fill_price, commission, slippage, fixed = execute(
        order[0], cash, shares, price, costs, order[1]
    )
    if delta == 0.0:
        return cash, shares
    traded[t] += delta
    fills[t] = fill_price
    comm[t] += commission
    slip[t] += slippage
    fixc[t] += fixed
    return cash - delta * fill_price - commission - fixed, shares + delta


def run_orders(
    bars: Bars,
    days: Sequence[int],
    weights: Sequence[float],
    *,
    costs: Costs,
    fill: Fill = "open",
    initial_cash: float = 100_000.0,
    caps: np.ndarray | None = None,
    name: str = "orders",
) -> PathResult:
    """Trade to ``weights[i]`` after the close of decision day ``days[i]`` (ascending, at most
    one order a day), whatever the forecast: buy-and-hold and the random strategies."""
    _check_cash(initial_cash)
    out = _empty(name, bars, initial_cash)
    refs = bars.fill_prices(fill)
    shift = 1 if fill == "open" else 0
    cash, shares = float(initial_cash), 0.0
    exec_days, cash_after, shares_after = [], [], []
    for day, weight in zip(days, weights, strict=True):
        when = day + shift
        if when >= len(bars):
            continue
        out.target[day] = weight
        cap = math.inf if caps is None or not np.isfinite(caps[day]) else float(caps[day])
        delta, fill_price, commission, slippage, fixed = execute(
            weight, cash, shares, float(refs[day]), costs, cap
        )
        if delta == 0.0:
            continue
        out.traded[when], out.fill_price[when] = delta, fill_price
        out.commission[when], out.slippage[when], out.fixed_cost[when] = commission, slippage, fixed
        cash -= delta * fill_price + commission + fixed
        shares += delta
        exec_days.append(when)
        cash_after.append(cash)
        shares_after.append(shares)
    if exec_days:
        # state is piecewise constant between executions
        idx = np.searchsorted(np.asarray(exec_days), np.arange(len(bars)), side="right") - 1
        has = idx >= 0
        out.cash = np.where(has, np.asarray(cash_after)[np.maximum(idx, 0)], initial_cash)
        out.shares = np.where(has, np.asarray(shares_after)[np.maximum(idx, 0)], 0.0)
    return out
