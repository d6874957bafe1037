from __future__ import annotations

import numpy as np
import pytest

from tickercast.decisions.engine import Bars


def make_bars(
    close: list[float], open_: list[float] | None = None, volume: list[float] | None = None
) -> Bars:
    n = len(close)
    return Bars(
        dates=np.datetime64("2024-01-01") + np.arange(n),
        open=np.asarray(open_ if open_ is not None else close, dtype=np.float64),
        close=np.asarray(close, dtype=np.float64),
        volume=np.asarray(volume if volume is not None else [np.nan] * n, dtype=np.float64),
    )


@pytest.fixture
def random_walk_bars() -> Bars:
    rng = np.random.default_rng(7)
    n = 600
    close = 100 * np.exp(np.cumsum(rng.normal(2e-4, 0.015, n)))
    open_ = close * np.exp(rng.normal(0, 0.004, n))
    return Bars(
        dates=np.datetime64("2020-01-01") + np.arange(n),
        open=open_,
        close=close,
        volume=rng.uniform(1e6, 3e6, n),
    )
