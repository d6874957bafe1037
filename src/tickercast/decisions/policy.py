"""The decision policy: from a return distribution, the current weight and the costs, a target.

Pure functions, no state: the same inputs always give the same decision, and the backtest
engine calls the very same ``rebalance`` the API does.

1. **Size** (``sizing_weight``): fractional Kelly ``f · mu / sigma²`` or volatility targeting
   ``sign(mu) · target_vol / (sigma · √252)``; with both, the smaller; with neither, Kelly
   with ``f = 0.25``. Clipped to ``[0, max_weight]`` (``[-max_weight, max_weight]`` with
   ``allow_short``).
2. **Cap by volume**: one trade moves at most ``max_adv_share`` of the average daily volume.
3. **Trade only on an edge** (``rebalance``): moving the weight by ``Δw`` for one session is
   expected to earn ``Δw · mu`` and costs ``|Δw| · (commission + slippage) + fixed / equity``;
   the trade happens only when that edge after costs exceeds ``min_edge_bps`` of equity.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

from tickercast.errors import FieldError

__all__ = [
    "DEFAULT_KELLY_FRACTION",
    "TRADING_DAYS",
    "Costs",
    "RiskLimits",
    "rebalance",
    "sizing_weight",
    "volume_cap_weight",
]

TRADING_DAYS = 252
DEFAULT_KELLY_FRACTION = 0.25
WEIGHT_TOLERANCE = 1e-9
"""Weight changes smaller than this are no trade (floating-point dust, not a decision)."""


@dataclass(frozen=True)
class Costs:
    """Trading costs: commission and slippage in basis points of the traded value, plus a
    fixed amount (in the account's currency) per trade."""

    commission_bps: float = 1.0
    slippage_bps: float = 5.0
    fixed: float = 0.0

    def __post_init__(self) -> None:
        for name in ("commission_bps", "slippage_bps", "fixed"):
            value = getattr(self, name)
            if not (math.isfinite(value) and value >= 0):
                raise FieldError(
                    ("costs", name), f"costs.{name} is {value}; it must be a finite number >= 0"
                )

    @property
    def rate(self) -> float:
        """Proportional cost of trading one unit of value (commission + slippage)."""
        return (self.commission_bps + self.slippage_bps) / 1e4


@dataclass(frozen=True)
class RiskLimits:
    """How big a position may be and how it is sized. ``target_vol`` is annualised."""

    max_weight: float = 1.0
    target_vol: float | None = None
    kelly_fraction: float | None = None
    allow_short: bool = False
    max_adv_share: float = 0.01
    min_edge_bps: float = 1.0

    def __post_init__(self) -> None:
        positive = {
            "max_weight": (self.max_weight, 1.0),
            "target_vol": (self.target_vol, 5.0),
            "kelly_fraction": (self.kelly_fraction, 1.0),
            "max_adv_share": (self.max_adv_share, 1.0),
        }
        for name, (value, high) in positive.items():
            if value is not None and not (math.isfinite(value) and 0 < value <= high):
                raise FieldError(
                    ("risk", name), f"risk.{name} is {value}; it must be > 0 and <= {high:g}"
                )
        if not (math.isfinite(self.min_edge_bps) and self.min_edge_bps >= 0):
            raise FieldError(
                ("risk", "min_edge_bps"),
                f"risk.min_edge_bps is {self.min_edge_bps}; it must be >= 0",
            )


def sizing_weight(mu: np.ndarray, sigma: np.ndarray, risk: RiskLimits) -> np.ndarray:
    """Target weight per decision before costs (vectorised; NaN where there is no forecast)."""
    mu = np.asarray(mu, dtype=np.float64)
    sigma = np.asarray(sigma, dtype=np.float64)
    kelly = risk.kelly_fraction
    if kelly is None and risk.target_vol is None:
        kelly = DEFAULT_KELLY_FRACTION
    candidates = []
    if kelly is not None:
        candidates.append(kelly * mu / (sigma * sigma))
    if risk.target_vol is not None:
        daily = risk.target_vol / math.sqrt(TRADING_DAYS)
        candidates.append(np.sign(mu) * daily / sigma)
    weight = candidates[0]
    for other in candidates[1:]:
        weight = np.where(np.abs(other) < np.abs(weight), other, weight)
    low = -risk.max_weight if risk.allow_short else 0.0
    return np.clip(weight, low, risk.max_weight)


def volume_cap_weight(adv_shares: float, price: float, equity: float, risk: RiskLimits) -> float:
    """Largest weight change one trade may make: ``max_adv_share`` of the average daily
    volume (in shares) valued at ``price``; unlimited when the volume is unknown (0 or NaN)."""
    if not adv_shares > 0 or not equity > 0:
        return math.inf
    return risk.max_adv_share * adv_shares * price / equity


def rebalance(
    current: float,
    target: float,
    mu: float,
    *,
    rate: float,
    fixed_fraction: float,
    min_edge: float,
    max_step: float = math.inf,
) -> tuple[float, float]:
    """``(new_weight, edge_after_costs)`` for one decision (scalar: the engine's hot loop).

    ``rate`` is the proportional cost, ``fixed_fraction`` the fixed cost over equity,
    ``min_edge`` the threshold, all as fractions of equity. The weight stays ``current``
    unless the (volume-capped) move earns more than ``min_edge`` after costs.
    """
    step = target - current
    if step > max_step:
        step = max_step
    elif step < -max_step:
        step = -max_step
    if not abs(step) > WEIGHT_TOLERANCE:  # also catches NaN targets: no forecast, no trade
        return current, 0.0
    edge = step * mu - rate * abs(step) - fixed_fraction
    if edge > min_edge:
        return current + step, edge
    return current, edge
