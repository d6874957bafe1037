from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.models.factories import TINY_PARAMS, business_dates, random_walk
from tickercast.errors import ModelError
from tickercast.training.metrics import coverage
from tickercast.training.walkforward import walk_forward

SAMPLES = Path(__file__).parents[2] / "src" / "tickercast" / "data" / "samples"


@pytest.mark.parametrize("name", ["naive", "lightgbm", "lstm"])
def test_walk_forward_forecasts_ignore_data_after_cutoff(name: str) -> None:
    prices = random_walk(360, seed=5)
    changed = prices.copy()
    cutoff = 320
    changed[cutoff:] *= 1.5  # a shock that only the future contains
    kw = {"test_days": 80, "refit_every": 20, "params": TINY_PARAMS[name]}
    a = walk_forward(name, prices, **kw)
    b = walk_forward(name, changed, **kw)
    before = a.index <= cutoff  # the forecast of `cutoff` is made from prices before it
    np.testing.assert_array_equal(a.point[before], b.point[before])
    np.testing.assert_array_equal(a.lower[95][before], b.lower[95][before])
    np.testing.assert_array_equal(a.upper[80][before], b.upper[80][before])
    assert not np.array_equal(a.point[~before], b.point[~before])


def test_walk_forward_refits_every_block_and_aligns_arrays() -> None:
    prices = random_walk(300, seed=2)
    res = walk_forward("naive", prices, business_dates(300), test_days=50, refit_every=20)
    assert res.refits == 3
    np.testing.assert_array_equal(res.index, np.arange(250, 300))
    np.testing.assert_array_equal(res.actual, prices[250:])
    np.testing.assert_array_equal(res.last, prices[249:299])
    np.testing.assert_array_equal(res.point, res.last)
    assert str(res.dates[0]) == str(business_dates(300)[250])


def test_walk_forward_rejects_test_period_leaving_too_little_training() -> None:
    with pytest.raises(ModelError, match="use fewer test days"):
        walk_forward("lightgbm", random_walk(100), test_days=90)


@pytest.mark.parametrize("ticker", ["AMZN", "AAPL", "MSFT", "GOOG", "NVDA"])
def test_walk_forward_naive_coverage_is_near_nominal_on_real_data(ticker: str) -> None:
    prices = pd.read_csv(SAMPLES / f"{ticker}.csv")["Close"].to_numpy()
    res = walk_forward("naive", prices, test_days=500, refit_every=20)
    for level in (80, 95):
        assert abs(coverage(res.actual, res.lower[level], res.upper[level]) - level) <= 3.0
