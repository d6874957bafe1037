"""The Diebold-Mariano/HLN test against a hand-computed case and scipy's t-test."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from tickercast.errors import ModelError
from tickercast.training.gate import diebold_mariano, versus_champion, versus_naive

# Hand-computed case, absolute loss, horizon 2:
# e1 = [1, -1, 1, -1, 1, -2, 1, -1], e2 = [3, 2, -2, 1, 2, -1, 3, 2]
# d = |e1| - |e2| = [-2, -1, -1, 0, -1, 1, -2, -1], n = 8, mean = -7/8
# gamma_0 = 55/64, gamma_1 = -145/512, V = gamma_0 + 2 gamma_1 = 75/256
# DM = (-7/8) / sqrt(V / 8) = -(7/8) sqrt(2048/75)
# HLN factor sqrt((8 + 1 - 4 + 2/8) / 8) = sqrt(21/32)
# DM* = -(7/8) sqrt(2048 * 21 / (75 * 32)) = -7 sqrt(7) / 5 = -3.704051835...
E1 = np.array([1, -1, 1, -1, 1, -2, 1, -1], dtype=float)
E2 = np.array([3, 2, -2, 1, 2, -1, 3, 2], dtype=float)


def test_diebold_mariano_matches_hand_computed_hln_statistic() -> None:
    result = diebold_mariano(E1, E2, loss="absolute", horizon=2)
    assert result.statistic == pytest.approx(-7 * math.sqrt(7) / 5, rel=1e-12)
    assert result.mean_diff == pytest.approx(-7 / 8)
    assert result.n == 8 and result.horizon == 2
    # one-sided "forecast 1 is better": P(t_7 <= DM*) = 0.0038071...
    assert result.p_value == pytest.approx(stats.t.cdf(-7 * math.sqrt(7) / 5, 7), rel=1e-12)
    assert result.p_value == pytest.approx(0.0038071161, abs=1e-9)


@pytest.mark.parametrize("loss", ["absolute", "squared"])
@pytest.mark.parametrize("alternative", ["less", "greater", "two-sided"])
def test_diebold_mariano_one_step_equals_scipy_one_sample_t_test(
    loss: str, alternative: str
) -> None:
    rng = np.random.default_rng(7)
    e1 = rng.standard_t(4, 300) * 0.01
    e2 = rng.standard_t(4, 300) * 0.011
    result = diebold_mariano(e1, e2, loss=loss, alternative=alternative)  # type: ignore[arg-type]
    d = (np.abs(e1) - np.abs(e2)) if loss == "absolute" else (e1**2 - e2**2)
    ref = stats.ttest_1samp(d, 0.0, alternative=alternative)
    assert result.statistic == pytest.approx(ref.statistic, rel=1e-10)
    assert result.p_value == pytest.approx(ref.pvalue, rel=1e-10)


def test_diebold_mariano_identical_forecasts_give_no_evidence() -> None:
    e = np.array([0.01, -0.02, 0.03, 0.0])
    result = diebold_mariano(e, e.copy())
    assert result.statistic == 0.0 and result.p_value == 1.0


def test_diebold_mariano_rejects_bad_input_with_reason() -> None:
    with pytest.raises(ModelError, match="equal length"):
        diebold_mariano(np.ones(5), np.ones(4))
    with pytest.raises(ModelError, match="at least 3 paired errors; got 2"):
        diebold_mariano(np.ones(2), np.ones(2))
    with pytest.raises(ModelError, match="NaN"):
        diebold_mariano(np.array([1.0, np.nan, 2.0]), np.ones(3))
    with pytest.raises(ModelError, match="loss is 'cubic'"):
        diebold_mariano(np.ones(5), np.ones(5), loss="cubic")  # type: ignore[arg-type]


def _frame(point_of: object, n: int = 400, seed: int = 1) -> pd.DataFrame:
    rng = np.random.default_rng(seed)
    prices = 100 * np.exp(np.cumsum(rng.normal(0, 0.02, n + 1)))
    last, actual = prices[:-1], prices[1:]
    point = point_of(last, actual, rng)  # type: ignore[operator]
    return pd.DataFrame(
        {"date": [f"d{i}" for i in range(n)], "actual": actual, "last": last, "point": point}
    )


def test_versus_naive_calls_a_noise_margin_not_significant() -> None:
    # forecasts that move 1% of the real move, in a random direction: MAE ~ naive's
    frame = _frame(
        lambda last, actual, rng: last + 0.01 * rng.choice([-1, 1], last.size) * (actual - last)
    )
    verdict = versus_naive(frame, alpha=0.05)
    assert abs(verdict.margin) < 0.005
    assert not verdict.beats_naive and verdict.p_value > 0.05


def test_versus_naive_accepts_a_real_improvement() -> None:
    frame = _frame(lambda last, actual, rng: last + 0.3 * (actual - last))
    verdict = versus_naive(frame, alpha=0.05)
    assert verdict.beats_naive and verdict.p_value < 1e-10
    assert verdict.margin == pytest.approx(0.3)


def test_versus_champion_flags_only_a_significantly_worse_candidate() -> None:
    champ = _frame(lambda last, actual, rng: last + 0.3 * (actual - last))
    close = _frame(lambda last, actual, rng: last + 0.299 * (actual - last))
    worse = _frame(lambda last, actual, rng: last + 0.1 * (actual - last))
    assert versus_champion(worse, champ).p_value < 1e-6  # type: ignore[union-attr]
    # worse by a hair on every single day is still significantly worse: DM tests consistency
    assert versus_champion(close, champ).p_value < 1e-6  # type: ignore[union-attr]
    noisy = _frame(
        lambda last, actual, rng: (
            last + (0.3 + 0.01 * rng.choice([-1, 1], last.size)) * (actual - last)
        )
    )
    assert versus_champion(noisy, champ).p_value > 0.05  # type: ignore[union-attr]
    assert versus_champion(champ.iloc[:2], champ) is None
