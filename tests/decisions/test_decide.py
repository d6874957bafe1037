from __future__ import annotations

import pytest

from tickercast.decisions.decide import Position, decide
from tickercast.decisions.policy import Costs, RiskLimits
from tickercast.errors import FieldError

LAST = 100.0


def forecast(mu_pct: float, half_width: float = 2.5) -> dict:  # type: ignore[type-arg]
    point = LAST * (1 + mu_pct / 100)
    return {
        "last_price": LAST,
        "point": point,
        "lower": {80: point - half_width, 95: point - 2 * half_width},
        "upper": {80: point + half_width, 95: point + 2 * half_width},
    }


def test_strong_up_forecast_buys_whole_shares() -> None:
    d = decide(
        **forecast(0.5),
        position=Position(shares=0, cash=10_000),
        costs=Costs(1, 5, 0),
        risk=RiskLimits(),
    )
    assert d.action == "buy"
    assert d.quantity is not None and d.quantity > 0
    assert d.quantity == int(d.target_weight * 10_000 / LAST)
    assert d.edge_after_costs > 1e-4
    assert d.prob_up > 0.5
    assert d.reason.startswith("buy")


def test_weak_forecast_holds_and_says_costs_win() -> None:
    d = decide(
        **forecast(0.02),
        position=Position(shares=0, cash=10_000),
        costs=Costs(1, 5, 0),
        risk=RiskLimits(),
    )
    assert d.action == "hold"
    assert d.quantity == 0
    assert "threshold" in d.reason


def test_down_forecast_sells_a_long_position() -> None:
    d = decide(
        **forecast(-0.5),
        position=Position(shares=50, cash=5_000),
        costs=Costs(1, 5, 0),
        risk=RiskLimits(),
    )
    assert d.action == "sell"
    assert d.target_weight == 0.0
    assert d.quantity == -50


def test_short_only_when_allowed() -> None:
    args = dict(
        **forecast(-0.5), position=Position(weight=0.0, equity=10_000), costs=Costs(0, 0, 0)
    )
    assert decide(**args, risk=RiskLimits()).action == "hold"  # type: ignore[arg-type]
    short = decide(**args, risk=RiskLimits(allow_short=True))  # type: ignore[arg-type]
    assert short.action == "sell" and short.target_weight < 0


def test_no_edge_model_holds_with_the_reason() -> None:
    d = decide(
        **forecast(0.5),
        position=Position(shares=0, cash=10_000),
        costs=Costs(),
        risk=RiskLimits(),
        has_edge=False,
        no_edge_reason="the champion is naive: no edge",
    )
    assert d.action == "hold"
    assert "no edge" in d.reason


def test_same_inputs_same_decision() -> None:
    make = lambda: decide(  # noqa: E731
        **forecast(0.3), position=Position(shares=3, cash=900), costs=Costs(), risk=RiskLimits()
    )
    assert make() == make()


def test_weight_without_equity_gives_no_quantity() -> None:
    d = decide(**forecast(0.5), position=Position(weight=0.0), costs=Costs(), risk=RiskLimits())
    assert d.action == "buy" and d.quantity is None


def test_fixed_cost_without_equity_is_left_out_and_said() -> None:
    d = decide(
        **forecast(0.5), position=Position(weight=0.1), costs=Costs(fixed=1), risk=RiskLimits()
    )
    assert d.reason.endswith(
        "costs.fixed not applied: give position.shares and cash, or position.equity."
    )


@pytest.mark.parametrize(
    ("position", "costs", "loc"),
    [
        (Position(shares=1), Costs(), ("position", "cash")),
        (Position(shares=-200, cash=100), Costs(), ("position",)),
        (Position(weight=0.1, shares=1, cash=1), Costs(), ("position",)),
    ],
)
def test_bad_positions_name_the_field(position: Position, costs: Costs, loc: tuple) -> None:  # type: ignore[type-arg]
    with pytest.raises(FieldError) as info:
        decide(**forecast(0.1), position=position, costs=costs, risk=RiskLimits())
    assert info.value.loc == loc
