"""Backtest speed with stored forecasts: one ticker x 10 years (2,520 sessions), and 500
tickers x 10 years, strategy + buy-and-hold + cash (random strategies timed separately).

    PYTHONPATH=src .venv/bin/python benchmarks/bench_backtest.py
"""

from __future__ import annotations

import statistics
import time

import numpy as np

from tickercast.decisions.backtest import BacktestConfig, run_backtest
from tickercast.decisions.distribution import from_forecast
from tickercast.decisions.engine import Bars

SESSIONS = 2520


def synthetic(seed: int) -> tuple[Bars, object]:
    rng = np.random.default_rng(seed)
    close = 100 * np.exp(np.cumsum(rng.normal(3e-4, 0.02, SESSIONS)))
    bars = Bars(
        np.datetime64("2015-01-01") + np.arange(SESSIONS),
        close * np.exp(rng.normal(0, 0.004, SESSIONS)),
        close,
        rng.uniform(1e6, 5e6, SESSIONS),
    )
    point = close * np.exp(rng.normal(0, 2e-3, SESSIONS))  # stored forecasts
    half = {80: 0.025, 95: 0.039}
    lower = {lv: point * np.exp(-h) for lv, h in half.items()}
    upper = {lv: point * np.exp(h) for lv, h in half.items()}
    return bars, from_forecast(close, point, lower, upper)


def main() -> None:
    data = [synthetic(i) for i in range(500)]
    no_random = BacktestConfig(n_random=0)
    run_backtest(*data[0], no_random)  # type: ignore[arg-type]
    one = []
    for _ in range(20):
        t0 = time.perf_counter()
        run_backtest(*data[0], no_random)  # type: ignore[arg-type]
        one.append(time.perf_counter() - t0)
    print(f"1 ticker x {SESSIONS} sessions: median {1000 * statistics.median(one):.1f} ms")
    t0 = time.perf_counter()
    for bars, dist in data:
        run_backtest(bars, dist, no_random)  # type: ignore[arg-type]
    print(f"500 tickers x {SESSIONS} sessions: {time.perf_counter() - t0:.2f} s")
    t0 = time.perf_counter()
    run_backtest(*data[0], BacktestConfig(n_random=200))  # type: ignore[arg-type]
    print(f"1 ticker with 200 random strategies: {1000 * (time.perf_counter() - t0):.0f} ms")


if __name__ == "__main__":
    main()
