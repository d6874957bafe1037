from __future__ import annotations

import math

import numpy as np
import pytest

from tickercast.decisions.policy import Costs, RiskLimits, rebalance, sizing_weight
from tickercast.errors import FieldError


def test_kelly_sizing_is_fraction_of_mu_over_variance() -> None:
    w = sizing_weight(np.array([4e-4]), np.array([0.02]), RiskLimits(kelly_fraction=0.5))
    assert w[0] == pytest.approx(0.5 * 4e-4 / 0.02**2)


def test_default_sizing_is_quarter_kelly() -> None:
    w = sizing_weight(np.array([2e-4]), np.array([0.02]), RiskLimits())
    assert w[0] == pytest.approx(0.25 * 2e-4 / 0.02**2)


def test_vol_target_sizes_by_sigma_and_takes_the_smaller_with_kelly() -> None:
    vol = RiskLimits(target_vol=0.16, max_weight=1.0)
    w = sizing_weight(np.array([1e-4]), np.array([0.02]), vol)
    assert w[0] == pytest.approx(0.16 / math.sqrt(252) / 0.02)
    both = RiskLimits(target_vol=0.16, kelly_fraction=0.1)
    w2 = sizing_weight(np.array([1e-4]), np.array([0.02]), both)
    assert w2[0] == pytest.approx(0.1 * 1e-4 / 0.02**2)  # Kelly is the smaller here


def test_long_only_clips_negative_weights_and_short_allows_them() -> None:
    mu, sigma = np.array([-5e-3, 5e-3]), np.array([0.01, 0.01])
    assert sizing_weight(mu, sigma, RiskLimits(max_weight=0.6)).tolist() == [0.0, 0.6]
    assert sizing_weight(mu, sigma, RiskLimits(max_weight=0.6, allow_short=True)).tolist() == [
        -0.6,
        0.6,
    ]


def test_no_forecast_means_no_trade() -> None:
    assert rebalance(0.2, math.nan, math.nan, rate=0, fixed_fraction=0, min_edge=0) == (0.2, 0.0)


def test_rebalance_is_deterministic_and_respects_the_threshold() -> None:
    args = dict(rate=6e-4, fixed_fraction=1e-5, min_edge=1e-4)
    first = rebalance(0.0, 1.0, 9e-4, **args)  # type: ignore[arg-type]
    assert first == rebalance(0.0, 1.0, 9e-4, **args)  # type: ignore[arg-type]
    assert first[0] == 1.0
    assert first[1] == pytest.approx(9e-4 - 6e-4 - 1e-5)
    held, edge = rebalance(0.0, 1.0, 6.5e-4, **args)  # type: ignore[arg-type]
    assert held == 0.0 and edge < 1e-4


def test_selling_needs_a_down_forecast_not_just_a_smaller_target() -> None:
    # long 1.0, target 0.5 but still an up forecast: selling would lose the expected gain
    assert rebalance(1.0, 0.5, 3e-4, rate=6e-4, fixed_fraction=0, min_edge=0)[0] == 1.0
    assert rebalance(1.0, 0.0, -1e-3, rate=6e-4, fixed_fraction=0, min_edge=0)[0] == 0.0


def test_max_step_caps_the_move() -> None:
    new, _ = rebalance(0.0, 1.0, 1e-2, rate=0, fixed_fraction=0, min_edge=0, max_step=0.25)
    assert new == 0.25


@pytest.mark.parametrize(
    ("build", "loc"),
    [
        (lambda: Costs(commission_bps=-1), ("costs", "commission_bps")),
        (lambda: Costs(fixed=float("nan")), ("costs", "fixed")),
        (lambda: RiskLimits(max_weight=1.5), ("risk", "max_weight")),
        (lambda: RiskLimits(kelly_fraction=0), ("risk", "kelly_fraction")),
        (lambda: RiskLimits(min_edge_bps=-2), ("risk", "min_edge_bps")),
    ],
)
def test_bad_costs_and_limits_name_the_field(build, loc) -> None:  # type: ignore[no-untyped-def]
    with pytest.raises(FieldError) as info:
        build()
    assert info.value.loc == loc
    assert ".".join(loc) in str(info.value)
