from __future__ import annotations

import math

import numpy as np
import pytest

from tickercast.training.metrics import (
    coverage,
    directional_accuracy,
    evaluate,
    lag_copy_score,
    mae,
    mape,
    mase,
    mean_width,
    relative_mae,
    rmse,
    skill,
    wilson_interval,
)

ACTUAL = np.array([101.0, 99.0, 102.0, 104.0])
LAST = np.array([100.0, 101.0, 99.0, 102.0])
POINT = np.array([100.5, 100.0, 100.0, 103.0])


def test_mae_rmse_mape_match_hand_computation() -> None:
    err = np.array([0.5, 1.0, 2.0, 1.0])
    assert mae(ACTUAL, POINT) == pytest.approx(err.mean())
    assert rmse(ACTUAL, POINT) == pytest.approx(np.sqrt((err**2).mean()))
    assert mape(ACTUAL, POINT) == pytest.approx(100 * np.mean(err / ACTUAL))


def test_mase_scales_by_insample_naive_error() -> None:
    insample = np.array([10.0, 12.0, 11.0, 13.0])  # naive MAE = 5/3
    assert mase(ACTUAL, POINT, insample) == pytest.approx(mae(ACTUAL, POINT) / (5 / 3))
    assert math.isnan(mase(ACTUAL, POINT, np.ones(5)))


def test_relative_mae_and_skill_compare_with_naive() -> None:
    assert relative_mae(0.9, 1.0) == pytest.approx(0.9)
    assert skill(0.9, 1.0) == pytest.approx(0.1)
    assert skill(1.2, 1.0) == pytest.approx(-0.2)


def test_wilson_interval_matches_reference_values() -> None:
    low, high = wilson_interval(50, 100)
    assert low == pytest.approx(0.4038, abs=1e-4) and high == pytest.approx(0.5962, abs=1e-4)
    low, high = wilson_interval(0, 10)
    assert low == 0.0 and high == pytest.approx(0.2775, abs=1e-4)


def test_directional_accuracy_excludes_days_without_a_move() -> None:
    da = directional_accuracy(ACTUAL, POINT, LAST)
    # Predicted moves: up, down, up, up; real: up, down, up, up -> 4/4.
    assert da["value"] == 1.0 and da["n"] == 4
    naive = directional_accuracy(ACTUAL, LAST, LAST)
    assert naive["n"] == 0 and math.isnan(naive["value"])


def test_coverage_and_width_in_percent() -> None:
    lower, upper = ACTUAL - 1, ACTUAL + 1
    upper[0] = ACTUAL[0] - 0.5
    assert coverage(ACTUAL, lower, upper) == 75.0
    assert mean_width(np.array([99.0]), np.array([101.0]), np.array([100.0])) == pytest.approx(2.0)


def test_lag_copy_score_is_one_for_naive_and_zero_for_full_moves() -> None:
    assert lag_copy_score(ACTUAL, LAST, LAST) == 1.0
    assert lag_copy_score(ACTUAL, ACTUAL, LAST) == pytest.approx(0.0)
    assert lag_copy_score(ACTUAL, 2 * ACTUAL - LAST, LAST) == pytest.approx(-1.0)


def test_evaluate_reports_naive_side_by_side() -> None:
    m = evaluate(
        ACTUAL,
        POINT,
        LAST,
        insample=np.array([98.0, 99.0, 100.0]),
        lower={80: ACTUAL - 1},
        upper={80: ACTUAL + 1},
    )
    assert m["naive_mae"] == pytest.approx(mae(ACTUAL, LAST))
    assert m["relative_mae"] == pytest.approx(mae(ACTUAL, POINT) / mae(ACTUAL, LAST))
    assert m["coverage"] == {80: 100.0}
    assert m["n"] == 4
