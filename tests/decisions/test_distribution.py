from __future__ import annotations

import numpy as np
import pytest
from scipy.stats import norm

from tickercast.decisions.distribution import from_forecast
from tickercast.errors import ValidationError


def test_sigma_and_prob_up_are_recovered_from_normal_quantiles() -> None:
    last, mu, sigma = 100.0, 0.002, 0.015
    lower = {
        lv: np.array([last * np.exp(mu - norm.ppf(0.5 + lv / 200) * sigma)]) for lv in (80, 95)
    }
    upper = {
        lv: np.array([last * np.exp(mu + norm.ppf(0.5 + lv / 200) * sigma)]) for lv in (80, 95)
    }
    dist = from_forecast(np.array([last]), np.array([last * np.exp(mu)]), lower, upper)
    assert dist.mu[0] == pytest.approx(mu)
    assert dist.sigma[0] == pytest.approx(sigma)
    assert dist.prob_up[0] == pytest.approx(norm.cdf(mu / sigma))


def test_naive_forecast_has_zero_expected_return_and_even_odds() -> None:
    dist = from_forecast(
        np.array([50.0]), np.array([50.0]), {80: np.array([48.0])}, {80: np.array([52.0])}
    )
    assert dist.mu[0] == 0.0
    assert dist.prob_up[0] == 0.5


def test_missing_forecast_stays_nan() -> None:
    dist = from_forecast(
        np.array([10.0]), np.array([np.nan]), {80: np.array([np.nan])}, {80: np.array([np.nan])}
    )
    assert np.isnan(dist.mu[0])


def test_a_forecast_needs_bounds() -> None:
    with pytest.raises(ValidationError, match="lower and upper"):
        from_forecast(np.array([1.0]), np.array([1.0]), {}, {})
