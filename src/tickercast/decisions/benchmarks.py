"""Yardsticks run through the same engine and costs: buy-and-hold, cash, and random
strategies with the strategy's exposure and turnover.

A random strategy keeps the strategy's episodes (how long each position was held and at what
weight) and places them at random, non-overlapping dates (uniform gaps, shuffled order): the
same days in the market and the same number of trades, only the timing is luck. Its Sharpe
ratios are the null distribution of the verdict.
"""

from __future__ import annotations

import numpy as np

from tickercast.decisions.engine import Bars, Fill, PathResult, average_daily_volume, run_orders
from tickercast.decisions.metrics import episodes
from tickercast.decisions.policy import Costs, RiskLimits

__all__ = ["buy_and_hold", "cash", "random_strategies"]


def buy_and_hold(
    bars: Bars, *, costs: Costs, fill: Fill = "open", initial_cash: float = 100_000.0
) -> PathResult:
    """All in at the first fill (decided at the first close), held to the end."""
    return run_orders(
        bars, [0], [1.0], costs=costs, fill=fill, initial_cash=initial_cash, name="buy-and-hold"
    )


def cash(bars: Bars, *, initial_cash: float = 100_000.0) -> PathResult:
    """Never invested (earns nothing: the risk-free rate enters only the Sharpe ratios)."""
    return run_orders(bars, [], [], costs=Costs(0, 0, 0), initial_cash=initial_cash, name="cash")


def random_strategies(
    strategy: PathResult,
    *,
    costs: Costs,
    risk: RiskLimits,
    fill: Fill = "open",
    n: int = 200,
    seed: int = 0,
) -> list[PathResult]:
    """``n`` random re-timings of the strategy's episodes (seeds ``seed .. seed + n - 1``)."""
    if n <= 0:
        return []
    bars = strategy.bars
    first = 1 if fill == "open" else 0  # first day a position can be held at the close
    runs = [(a, b) for a, b in episodes(strategy.shares) if a >= first]
    weights = [_entry_weight(strategy, a - first, a) for a, _ in runs]
    lengths = np.array([b - a + 1 for a, b in runs], dtype=int)
    caps = risk.max_adv_share * average_daily_volume(bars.volume)
    span = len(bars) - first
    k = len(runs)
    out = []
    for i in range(n):
        rng = np.random.default_rng(seed + i)
        days: list[int] = []
        targets: list[float] = []
        if k:
            order = rng.permutation(k)
            free = span - int(lengths.sum()) - (k - 1)
            cuts = np.sort(rng.choice(free + k, size=k, replace=False)) - np.arange(k)
            gaps = np.diff(np.concatenate([[0], cuts]))  # k gaps >= 0 before each episode
            gaps[1:] += 1  # episodes never touch, or they would merge
            starts = first + np.cumsum(gaps) + np.concatenate([[0], np.cumsum(lengths[order])[:-1]])
            for s, j in zip(starts.tolist(), order.tolist(), strict=True):
                entry = s - first
                days += [entry, entry + int(lengths[j])]
                targets += [weights[j], 0.0]
        out.append(
            run_orders(
                bars,
                days,
                targets,
                costs=costs,
                fill=fill,
                initial_cash=strategy.initial_cash,
                caps=caps,
                name=f"random-{seed + i}",
            )
        )
    return out


def _entry_weight(strategy: PathResult, decided: int, held: int) -> float:
    """The weight the episode's opening order asked for (else the weight it ended its day at)."""
    target = float(strategy.target[decided])
    return target if np.isfinite(target) and target != 0 else float(strategy.weight[held])
