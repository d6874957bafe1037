"""Why no monitor reaches the x2 target: how a doubling looks 20 days on, and how often the
real histories look the same without one.

A volatility x2 injected at a random bar of a bundled history (as ``calibrate_drift.py``
injects it) is seen 20 days later as the ratio R of the RMS return of those 20 days to a
reference. The same ratio computed on every day of the real histories shows how often real
markets move that far on their own. Two references: the 250 returns before the 20 days (the
champion's reference) and the 60 before them (a local one, as a fast filter sees it).

For each threshold: the share of real days with R at or above it; real episodes per
ticker-year (days with R at or above it, ≥ 60 days apart starting a new episode, so a long
storm counts once); and the share of injected doublings that reach it by day 20. A detector
that catches 90% within 20 days must alarm where the last column reaches 90%; the episodes
are then a floor on its false alarms, as it cannot tell such a storm from an injection.

    PYTHONPATH=src .venv/bin/python benchmarks/vol_doubling_episodes.py [--injections 200]
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from horizon_coverage import SAMPLES, TICKERS

RECENT = 20
THRESHOLDS = (1.1, 1.2, 1.3, 1.4, 1.5, 1.6, 1.8, 2.0)
EPISODE_GAP = 60


def _rms(c2: np.ndarray, start: np.ndarray | int, stop: np.ndarray | int, days: int) -> np.ndarray:
    """RMS return of r[start:stop] from the cumulative sum of squares ``c2``."""
    return np.sqrt((c2[stop] - c2[start]) / days)


def episodes(ratio: np.ndarray, threshold: float) -> int:
    """Runs of days with ``ratio`` ≥ ``threshold``, hits ≥ EPISODE_GAP days apart split."""
    hits = np.flatnonzero(ratio >= threshold)
    return 0 if hits.size == 0 else 1 + int(np.sum(np.diff(hits) > EPISODE_GAP))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--injections", type=int, default=200, help="change points per ticker")
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rng = np.random.default_rng(args.seed)
    for reference in (250, 60):
        found = dict.fromkeys(THRESHOLDS, 0)
        days_above = dict.fromkeys(THRESHOLDS, 0)
        days = 0
        injected: list[float] = []
        years = 0.0
        for ticker in TICKERS:
            close = pd.read_csv(SAMPLES / f"{ticker}.csv")["Close"].to_numpy(float)
            r = np.diff(np.log(close))
            c2 = np.concatenate([[0.0], np.cumsum(r * r)])
            end = np.arange(reference + RECENT, r.size + 1)  # r[end - RECENT : end] is recent
            ratio = _rms(c2, end - RECENT, end, RECENT) / _rms(
                c2, end - RECENT - reference, end - RECENT, reference
            )
            years += end.size / 252
            days += end.size
            for threshold in THRESHOLDS:
                found[threshold] += episodes(ratio, threshold)
                days_above[threshold] += int(np.sum(ratio >= threshold))
            change = rng.integers(reference, r.size - RECENT, args.injections)
            after = 2 * _rms(c2, change, change + RECENT, RECENT)
            injected.extend(after / _rms(c2, change - reference, change, reference))
        shares = np.asarray(injected)
        print(
            f"\nreference: {reference} returns before the last {RECENT}, {years:.1f} ticker-years"
        )
        print(
            "| R ≥ | real days at or above | real episodes / ticker-year | injected x2 by day 20 |"
        )
        print("|---:|---:|---:|---:|")
        for threshold in THRESHOLDS:
            print(
                f"| {threshold:.1f} | {100 * days_above[threshold] / days:.0f}% "
                f"| {found[threshold] / years:.2f} | {100 * np.mean(shares >= threshold):.0f}% |"
            )
        p10, p50 = np.percentile(shares, [10, 50])
        print(f"injected x2, R at day 20: 10th percentile {p10:.2f}, median {p50:.2f}")


if __name__ == "__main__":
    main()
