"""The honest verdict: is the strategy's excess Sharpe over buy-and-hold more than luck?

Null distribution: the Sharpe ratios of random strategies with the same exposure and trades
(``benchmarks.random_strategies``), minus buy-and-hold's. One-sided permutation p-value
``(1 + #{random >= strategy}) / (1 + n)``, so p is never 0 with finitely many draws.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

__all__ = ["SIGNIFICANCE", "Verdict", "judge"]

SIGNIFICANCE = 0.05


@dataclass(frozen=True)
class Verdict:
    excess_sharpe: float
    random_excess_sharpe_mean: float
    n_random: int
    n_random_at_least: int
    p_value: float
    distinguishable: bool
    line: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def _nan0(value: float) -> float:
    return 0.0 if not math.isfinite(value) else value


def judge(
    strategy_sharpe: float,
    buy_and_hold_sharpe: float,
    random_sharpes: np.ndarray,
    *,
    trades: int,
) -> Verdict:
    """Compare the strategy's Sharpe (NaN = flat equity, counted as 0) with the random ones."""
    bh = _nan0(buy_and_hold_sharpe)
    excess = _nan0(strategy_sharpe) - bh
    rand = np.array([_nan0(s) for s in random_sharpes], dtype=np.float64) - bh
    n = int(rand.size)
    at_least = int(np.sum(rand >= excess - 1e-12))
    p = (1 + at_least) / (1 + n)
    distinguishable = trades > 0 and n > 0 and p < SIGNIFICANCE
    if trades == 0:
        line = (
            "No edge: the strategy never traded (no forecast edge exceeded the costs), so it "
            f"stayed in cash; excess Sharpe over buy-and-hold {excess:+.2f}."
        )
    else:
        side = "beats" if excess > 0 else "trails"
        luck = (
            f"distinguishable from luck at the {SIGNIFICANCE:.0%} level"
            if distinguishable
            else "NOT distinguishable from luck"
        )
        line = (
            f"The strategy {side} buy-and-hold by {excess:+.2f} Sharpe; {at_least} of {n} random "
            f"strategies with the same exposure and trades did at least as well "
            f"(p = {p:.3f}): {luck}."
        )
    return Verdict(
        excess_sharpe=excess,
        random_excess_sharpe_mean=float(np.mean(rand)) if n else math.nan,
        n_random=n,
        n_random_at_least=at_least,
        p_value=p,
        distinguishable=distinguishable,
        line=line,
    )
