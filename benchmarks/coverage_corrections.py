"""Candidate corrections of the naive multi-step intervals, replayed fast (seconds, not minutes).

`horizon_coverage.py` calls `forecast_path` from every origin, which is what the API serves
but too slow to try many corrections on 2,500 origins. For naive (zero drift) the interval
at horizon h is ``last · exp(±q_h · scale · √h)``, with ``scale`` the local scale of
`models/calibration.py` and ``q_h`` a conformal quantile of past h-step scores. Here that is
computed for every origin at once, then varied:

- ``base``: ``q_h`` from the |score| of the ``window`` latest fully seen paths (what the
  model does; reproduces `horizon_coverage.py` within about a point);
- ``drift``: the centre moves by ``shrink`` · h · the expanding mean daily log return, and the
  scores are taken around that centre;
- ``signed``: lower and upper tails calibrated apart on the signed scores of the ``window``
  latest paths (0 = all history), so a persistent drift shifts the interval.

Each SPEC is ``variant:shrink:window``; the quantiles are refit every 20 origins, as in the
benchmark.

    PYTHONPATH=src .venv/bin/python benchmarks/coverage_corrections.py base:1:250 drift:1:250
"""

from __future__ import annotations

import argparse

import numpy as np
import pandas as pd
from horizon_coverage import HORIZONS, LEVELS, SAMPLES, TICKERS

from tickercast.models.calibration import conformal_quantile, local_scale

WINDOW = 7  # returns behind the local scale (the 7-price window and the last close)
REFIT_EVERY = 20


def coverage(prices: np.ndarray, spec: str, test_days: int) -> dict[int, dict[int, float]]:
    """Coverage in % per horizon and level of the intervals ``spec`` describes."""
    variant, shrink_text, window_text = spec.split(":")
    shrink, window = float(shrink_text), int(window_text) or 10**9
    logp = np.log(prices)
    r = np.diff(logp)
    mean_to = np.concatenate([[0.0], np.cumsum(r)]) / np.maximum(np.arange(prices.size), 1)
    windows = np.stack([r[o - WINDOW : o] for o in range(WINDOW, prices.size)])
    # each origin's long-run RMS from the returns before it, so old scores are in the units
    # of their own time (the model's single reference would inflate the scores of calmer or
    # stormier decades when the window reaches that far back)
    vol_ref = np.sqrt(np.cumsum(r * r)[WINDOW - 1 :] / np.arange(WINDOW, prices.size))
    scale = np.concatenate([np.full(WINDOW, np.nan), local_scale(windows, vol_ref)])  # type: ignore[arg-type]
    n = prices.size
    start = n - test_days - max(HORIZONS)
    hits: dict[int, dict[int, list[bool]]] = {h: {lv: [] for lv in LEVELS} for h in HORIZONS}
    bounds: dict[int, dict[int, tuple[float, float]]] = {}
    for origin in range(start, n - max(HORIZONS)):
        if (origin - start) % REFIT_EVERY == 0:
            bounds = {
                h: _bounds(variant, logp, scale, mean_to, shrink, origin, h, window)
                for h in HORIZONS
            }
        for h in HORIZONS:
            centre = shrink * mean_to[origin] * h if variant == "drift" else 0.0
            z = (logp[origin + h] - logp[origin] - centre) / (scale[origin] * np.sqrt(h))
            for lv in LEVELS:
                lo, hi = bounds[h][lv]
                hits[h][lv].append(bool(lo <= z <= hi))
    return {h: {lv: 100 * float(np.mean(hits[h][lv])) for lv in LEVELS} for h in HORIZONS}


def _bounds(
    variant: str,
    logp: np.ndarray,
    scale: np.ndarray,
    mean_to: np.ndarray,
    shrink: float,
    origin: int,
    h: int,
    window: int,
) -> dict[int, tuple[float, float]]:
    """Lower and upper score bound per level, from the paths fully seen at ``origin``."""
    seen = np.arange(max(WINDOW, origin - h - window + 1), origin - h + 1)
    centre = shrink * mean_to[seen] * h if variant == "drift" else 0.0
    score = (logp[seen + h] - logp[seen] - centre) / (scale[seen] * np.sqrt(h))
    if variant == "signed":
        tails = {lv: (100 + lv) / 2 for lv in LEVELS}  # each tail gets half the miss rate
        return {
            lv: (-conformal_quantile(-score, t), conformal_quantile(score, t))
            for lv, t in tails.items()
        }
    return {lv: (-(q := conformal_quantile(np.abs(score), lv)), q) for lv in LEVELS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("specs", nargs="+", metavar="SPEC", help="variant:shrink:window")
    parser.add_argument("--test-days", type=int, default=2500)
    args = parser.parse_args()
    series = {t: pd.read_csv(SAMPLES / f"{t}.csv")["Close"].to_numpy(float) for t in TICKERS}
    for spec in args.specs:
        print(f"\n{spec}, {args.test_days} origins per ticker")
        print("| ticker | " + " | ".join(f"h={h} cov 80 / 95" for h in HORIZONS) + " |")
        print("|---|" + "---:|" * len(HORIZONS))
        table = {t: coverage(p, spec, args.test_days) for t, p in series.items()}
        table["mean"] = {
            h: {lv: float(np.mean([table[t][h][lv] for t in TICKERS])) for lv in LEVELS}
            for h in HORIZONS
        }
        for name, cov in table.items():
            cells = " | ".join(f"{cov[h][80]:.1f} / {cov[h][95]:.1f}" for h in HORIZONS)
            print(f"| {name} | {cells} |", flush=True)


if __name__ == "__main__":
    main()
