from __future__ import annotations

import numpy as np
import pytest

from tickercast.errors import ModelError
from tickercast.models.calibration import (
    AdaptiveConformal,
    Calibration,
    conformal_quantile,
    local_scale,
    price_bounds,
)


def test_conformal_quantile_uses_finite_sample_rank() -> None:
    scores = np.arange(1.0, 20.0)  # 19 scores
    assert conformal_quantile(scores, 80) == 16.0  # ceil(20 * 0.8) = 16th smallest
    assert conformal_quantile(scores, 95) == 19.0
    assert conformal_quantile(scores[:5], 95) == 5.0  # too few: falls back to the largest


def test_conformal_quantile_rejects_bad_level_and_empty_scores() -> None:
    with pytest.raises(ModelError, match="between 0 and 100"):
        conformal_quantile(np.ones(5), 100)
    with pytest.raises(ModelError, match="zero residuals"):
        conformal_quantile(np.array([]), 80)


def test_local_scale_blends_window_and_long_run_volatility() -> None:
    r = np.array([[0.02, -0.02, 0.02, -0.02]])
    assert local_scale(r, vol_ref=0.0, weight=1.0)[0] == pytest.approx(0.02)
    assert local_scale(r, vol_ref=0.04, weight=0.5)[0] == pytest.approx(
        np.sqrt(0.5 * 4e-4 + 0.5 * 16e-4)
    )


def test_price_bounds_are_ordered_around_point() -> None:
    lo, hi = price_bounds(np.array([100.0]), np.array([0.01]), np.array([0.02]), 1.5)
    assert lo[0] < 100 * np.exp(0.01) < hi[0]
    assert np.log(hi[0] / lo[0]) == pytest.approx(2 * 1.5 * 0.02)


def test_adaptive_conformal_widens_after_misses() -> None:
    aci = AdaptiveConformal(np.linspace(0.1, 3.0, 100), levels=(80,), size=100, gamma=0.05)
    before = aci.quantile(80)
    for _ in range(10):
        aci.update(1.0, {80: False})
    assert aci.quantile(80) > before
    assert aci.level_shift[80] == pytest.approx(10 * 0.05 * 80)
    assert aci.scores.size == 100


def test_calibration_round_trips_through_dict() -> None:
    cal = Calibration(np.array([0.5, 1.0, 2.0]), vol_ref=0.02, level_shift={80: 1.5})
    again = Calibration.from_dict(cal.to_dict())
    assert again.quantile(80) == cal.quantile(80)
    assert again.level_shift == {80: 1.5}
    with pytest.raises(ModelError, match="malformed"):
        Calibration.from_dict({"scores": [1.0]})


def _walk(returns: np.ndarray) -> np.ndarray:
    return 100 * np.exp(np.concatenate([[0.0], np.cumsum(returns)]))


def test_horizon_quantiles_follow_sqrt_h_on_a_random_walk_and_shrink_when_mean_reverting() -> None:
    from tickercast.models import create_model

    rng = np.random.default_rng(0)
    iid = rng.normal(0, 0.01, 2000)
    walk = create_model("naive", calib_size=1000).fit(_walk(iid)).calibration_
    q30 = walk.horizon_q[80][29]
    assert len(walk.horizon_q[80]) == 30 and len(walk.horizon_q[95]) == 30
    assert q30 == pytest.approx(walk.quantile(80), rel=0.2)  # independent errors: √h holds
    shocks = rng.normal(0, 0.01, 2001)
    reverting = shocks[1:] - 0.9 * shocks[:-1]  # today's move undoes most of yesterday's
    mr = create_model("naive", calib_size=1000).fit(_walk(reverting)).calibration_
    assert mr.horizon_q[80][29] < 0.5 * mr.quantile(80)  # √h alone would be twice too wide


def test_forecast_path_uses_per_horizon_quantiles_and_they_survive_save_load(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tickercast.models import create_model, load_model

    rng = np.random.default_rng(1)
    shocks = rng.normal(0, 0.01, 801)
    prices = _walk(shocks[1:] - 0.9 * shocks[:-1])
    model = create_model("naive").fit(prices)
    path = model.forecast_path(prices, 30)
    half = np.log(path.upper[80] / path.point)
    scale = model.calibration_.scale(np.diff(np.log(prices[-7:]))[None, :])[0]
    expected = scale * np.maximum.accumulate(
        np.sqrt(np.arange(1, 31))
        * np.array([model.calibration_.horizon_quantile(80, h) for h in range(1, 31)])
    )
    np.testing.assert_allclose(half, expected, rtol=1e-12)
    model.save(tmp_path / "m")
    again = load_model(tmp_path / "m")
    np.testing.assert_array_equal(again.forecast_path(prices, 30).upper[95], path.upper[95])
    assert Calibration.from_dict({"scores": [1.0], "vol_ref": 0.01}).horizon_quantile(80, 5) == 1.0
