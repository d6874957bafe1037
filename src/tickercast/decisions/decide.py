"""Today's decision for one ticker: what ``POST /v1/decide`` answers (and ``tickercast decide``).

The served model's forecast becomes a return distribution (``distribution``), the policy
sizes and tests the trade (``policy.rebalance``, the same call the backtest makes), and the
answer says why in one sentence. A model without a demonstrated edge over naive (the naive
champion itself, or one whose metadata says it does not beat naive) never trades: ``hold``.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import asdict, dataclass
from typing import Any

import numpy as np

from tickercast.decisions.distribution import from_forecast
from tickercast.decisions.policy import (
    Costs,
    RiskLimits,
    rebalance,
    sizing_weight,
    volume_cap_weight,
)
from tickercast.errors import FieldError

__all__ = ["Decision", "Position", "decide", "model_edge"]


@dataclass(frozen=True)
class Position:
    """What is held: ``shares`` and ``cash`` (exact quantities), or only a ``weight`` of
    equity (then ``equity``, if given, turns weights into shares)."""

    shares: float | None = None
    cash: float | None = None
    weight: float | None = None
    equity: float | None = None

    def resolve(self, price: float) -> tuple[float, float | None]:
        """``(current weight, equity or None)`` at ``price``."""
        if self.weight is not None:
            if self.shares is not None or self.cash is not None:
                raise FieldError(
                    ("position",), "position: give shares and cash, or weight, not both"
                )
            if self.equity is not None and not self.equity > 0:
                raise FieldError(
                    ("position", "equity"), f"position.equity is {self.equity}; it must be > 0"
                )
            return float(self.weight), self.equity
        if self.shares is None or self.cash is None:
            missing = "shares" if self.shares is None else "cash"
            raise FieldError(
                ("position", missing),
                f"position.{missing} is missing; give shares and cash, or weight",
            )
        equity = self.cash + self.shares * price
        if not equity > 0:
            raise FieldError(
                ("position",),
                f"position: cash {self.cash} + shares {self.shares} x price {price} = {equity}; "
                "equity must be > 0",
            )
        return self.shares * price / equity, equity


@dataclass(frozen=True)
class Decision:
    action: str  # buy | sell | hold
    current_weight: float
    target_weight: float
    quantity: int | None  # whole shares to trade (+ buy, - sell); None without an equity
    expected_return: float  # expected next-session log return
    prob_up: float
    sigma: float
    edge_after_costs: float  # expected one-session gain of the trade after costs / equity
    reason: str

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def model_edge(model_name: str, beats_naive: bool) -> tuple[bool, str]:
    """Whether a served model may trade, from what its metadata reports (``beats_naive`` is
    whatever the promotion gate decided), and the reason when it may not."""
    if model_name == "naive":
        return False, (
            "the champion is the naive forecast 'tomorrow = today': no model beat it out of "
            "sample, so there is no edge to trade"
        )
    if not beats_naive:
        return False, (
            f"the champion ({model_name}) does not beat naive out of sample, so there is no "
            "edge to trade"
        )
    return True, ""


def _pct(x: float) -> str:
    return f"{100 * x:+.3f}%"


def decide(
    *,
    last_price: float,
    point: float,
    lower: Mapping[int, float],
    upper: Mapping[int, float],
    position: Position,
    costs: Costs,
    risk: RiskLimits,
    adv_shares: float = math.nan,
    has_edge: bool = True,
    no_edge_reason: str = "",
) -> Decision:
    """One decision from one forecast; the same inputs always give the same decision."""
    dist = from_forecast(
        np.array([last_price]),
        np.array([point]),
        {lv: np.array([v]) for lv, v in lower.items()},
        {lv: np.array([v]) for lv, v in upper.items()},
    )
    mu, sigma, prob_up = float(dist.mu[0]), float(dist.sigma[0]), float(dist.prob_up[0])
    held, equity = position.resolve(last_price)
    # A fixed cost per trade is weighed against the account's size; without one it cannot
    # be, and the answer says it was left out rather than refusing a valid request.
    unpriced = (
        " costs.fixed not applied: give position.shares and cash, or position.equity."
        if costs.fixed > 0 and equity is None
        else ""
    )
    target = float(sizing_weight(np.array([mu]), np.array([sigma]), risk)[0])
    max_step = volume_cap_weight(adv_shares, last_price, equity or math.nan, risk)
    fixed_fraction = costs.fixed / equity if equity else 0.0
    new, edge = rebalance(
        held,
        target,
        mu,
        rate=costs.rate,
        fixed_fraction=fixed_fraction,
        min_edge=risk.min_edge_bps / 1e4,
        max_step=max_step,
    )
    forecast = f"expected log return {_pct(mu)} (P(up) {prob_up:.3f}, sigma {100 * sigma:.2f}%)"

    def answer(action: str, weight: float, quantity: int | None, reason: str) -> Decision:
        reason += unpriced
        return Decision(action, held, weight, quantity, mu, prob_up, sigma, edge, reason)

    if not has_edge:
        return answer("hold", held, 0, f"hold: {no_edge_reason} ({forecast}).")
    if new == held:
        if abs(target - held) <= 1e-9:
            why = f"already at the target weight {held:.3f}"
        else:
            why = (
                f"moving to weight {target:.3f} would earn {1e4 * edge:+.2f} bps of equity after "
                f"{costs.commission_bps + costs.slippage_bps:g} bps costs, not above the "
                f"{risk.min_edge_bps:g} bps threshold"
            )
        return answer("hold", held, 0, f"hold: {why}; {forecast}.")
    quantity = None
    if equity is not None:
        quantity = int((new - held) * equity / last_price)  # whole shares, towards zero
        if quantity == 0:
            return answer(
                "hold",
                held,
                0,
                f"hold: the trade to weight {new:.3f} is less than one share; {forecast}.",
            )
    action = "buy" if new > held else "sell"
    capped = " (capped by volume)" if abs(new - held) < abs(target - held) - 1e-12 else ""
    size = f"{abs(quantity)} shares" if quantity is not None else f"{abs(new - held):.3f} of equity"
    return answer(
        action,
        new,
        quantity,
        f"{action} {size} to reach weight {new:.3f}{capped}: {forecast} earns "
        f"{1e4 * edge:+.2f} bps of equity after costs, above the {risk.min_edge_bps:g} bps "
        "threshold.",
    )
