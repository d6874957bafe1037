"""Performance metrics of an equity curve and its trades (pure functions on arrays).

Conventions: daily bars, 252 sessions a year; returns are simple daily returns of equity
marked at each close, the first one measured from the initial cash (so a first day's costs
count). The annual risk-free rate is converted per period as ``(1 + rf)^(1/252) - 1``.
An *episode* is a run of days holding a position of one sign; hit rate and average win/loss
are over episodes (entry costs to exit costs included).
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from tickercast.decisions.engine import PathResult
from tickercast.decisions.policy import TRADING_DAYS

__all__ = ["daily_returns", "episodes", "max_drawdown", "performance", "sharpe"]


def daily_returns(equity: np.ndarray, initial: float) -> np.ndarray:
    e = np.concatenate([[initial], np.asarray(equity, dtype=np.float64)])
    return e[1:] / e[:-1] - 1.0


def per_period_rate(annual: float) -> float:
    return float((1.0 + annual) ** (1.0 / TRADING_DAYS) - 1.0)


def sharpe(returns: np.ndarray, rf_annual: float = 0.0) -> float:
    """Annualised Sharpe ratio of daily returns (NaN when they do not vary)."""
    excess = np.asarray(returns) - per_period_rate(rf_annual)
    sd = float(np.std(excess, ddof=1)) if excess.size > 1 else 0.0
    return float(np.mean(excess) / sd * math.sqrt(TRADING_DAYS)) if sd > 1e-15 else math.nan


def sortino(returns: np.ndarray, rf_annual: float = 0.0) -> float:
    excess = np.asarray(returns) - per_period_rate(rf_annual)
    downside = math.sqrt(float(np.mean(np.minimum(excess, 0.0) ** 2)))
    return (
        float(np.mean(excess) / downside * math.sqrt(TRADING_DAYS))
        if downside > 1e-15
        else math.nan
    )


def max_drawdown(equity: np.ndarray, initial: float) -> float:
    """Largest fall from a running peak, as a negative fraction (0 when it never falls)."""
    e = np.concatenate([[initial], np.asarray(equity, dtype=np.float64)])
    return float(np.min(e / np.maximum.accumulate(e) - 1.0))


def drawdown(equity: np.ndarray, initial: float) -> np.ndarray:
    e = np.concatenate([[initial], np.asarray(equity, dtype=np.float64)])
    return (e / np.maximum.accumulate(e) - 1.0)[1:]


def _episode_bounds(shares: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    sign = np.sign(np.asarray(shares))
    change = np.flatnonzero(np.diff(np.concatenate([[0.0], sign, [0.0]])) != 0)
    starts, ends = change[:-1], change[1:] - 1
    held = sign[starts] != 0 if starts.size else np.zeros(0, dtype=bool)
    return starts[held], ends[held]


def episodes(shares: np.ndarray) -> list[tuple[int, int]]:
    """``(first, last)`` day of each run of same-sign non-zero positions."""
    starts, ends = _episode_bounds(shares)
    return list(zip(starts.tolist(), ends.tolist(), strict=True))


def episode_returns(path: PathResult) -> np.ndarray:
    """Return of each episode: equity at its exit (the day after its last held close, or the
    end) over equity before its entry day."""
    equity = path.equity
    before = np.concatenate([[path.initial_cash], equity[:-1]])
    starts, ends = _episode_bounds(path.shares)
    exits = np.minimum(ends + 1, len(equity) - 1)
    return equity[exits] / before[starts] - 1.0


def performance(path: PathResult, rf_annual: float = 0.0) -> dict[str, Any]:
    """Every metric the CLI, API and README report for one path."""
    equity = path.equity
    n = len(equity)
    r = daily_returns(equity, path.initial_cash)
    growth = equity[-1] / path.initial_cash
    cagr = float(growth ** (TRADING_DAYS / n) - 1.0) if growth > 0 else -1.0
    mdd = max_drawdown(equity, path.initial_cash)
    notional = np.nansum(np.abs(path.traded) * np.nan_to_num(path.fill_price))
    wins = episode_returns(path)
    costs = float(np.sum(path.commission) + np.sum(path.slippage) + np.sum(path.fixed_cost))
    return {
        "total_return": float(growth - 1.0),
        "cagr": cagr,
        "volatility": float(np.std(r, ddof=1) * math.sqrt(TRADING_DAYS)) if n > 1 else math.nan,
        "sharpe": sharpe(r, rf_annual),
        "sortino": sortino(r, rf_annual),
        "max_drawdown": mdd,
        "calmar": float(cagr / -mdd) if mdd < 0 else math.nan,
        "exposure": float(np.mean(path.shares != 0)),
        "turnover": float(notional / np.mean(equity) * TRADING_DAYS / n),
        "trades": path.n_trades,
        "episodes": len(wins),
        "hit_rate": float(np.mean(wins > 0)) if wins.size else math.nan,
        "avg_win": float(np.mean(wins[wins > 0])) if np.any(wins > 0) else math.nan,
        "avg_loss": float(np.mean(wins[wins <= 0])) if np.any(wins <= 0) else math.nan,
        "costs": costs,
        "final_equity": float(equity[-1]),
    }
