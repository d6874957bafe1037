"""Walk-forward coverage of the multi-step intervals per horizon (1, 5, 10, 20, 30 days).

For each bundled ticker, the model is refit every ``--refit-every`` days on all closes before
the block (as in walk-forward validation); from each origin in the last ``--test-days`` days
``forecast_path`` gives 30 steps with 80%/95% intervals, and each step is checked against the
close h bars later. This is the path `GET /v1/tickers/{t}/forecast?horizon=30` serves.

    PYTHONPATH=src .venv/bin/python benchmarks/horizon_coverage.py [--model naive]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from tickercast.models import Forecaster, create_model
from tickercast.models.calibration import conformal_quantile

SAMPLES = Path(__file__).parents[1] / "src" / "tickercast" / "data" / "samples"
TICKERS = ("AMZN", "AAPL", "MSFT", "GOOG", "NVDA")
HORIZONS = (1, 5, 10, 20, 30)
LEVELS = (80, 95)


def _path(model: Forecaster, prices: np.ndarray, origin: int, h_max: int) -> tuple:
    """Log-return path and the √h-widened local scale of the forecast from ``origin``."""
    history = prices[: origin + 1]
    path = model.forecast_path(history, h_max, levels=LEVELS)
    window = np.log(history[-(model.window + 1) :])
    scale = float(model.calibration_.scale(np.diff(window)[None, :])[0])
    widen = scale * np.sqrt(np.arange(1, h_max + 1))
    return path, np.log(path.point / history[-1]), widen


def _signed_quantiles(
    model: Forecaster, prices: np.ndarray, origin: int, h_max: int, origins: int
) -> dict[int, tuple[np.ndarray, np.ndarray]]:
    """Per horizon and level, conformal quantiles of the lower and upper tail of the signed
    score ``(log(actual / last) - path) / (scale √h)`` over the ``origins`` paths whose 30
    targets were all seen by ``origin`` (out of sample for models that learn nothing: naive)."""
    scores = []
    for o in range(max(origin - h_max - origins + 1, model.window + 1), origin - h_max + 1):
        _, rsum, widen = _path(model, prices, o, h_max)
        actual = np.log(prices[o + 1 : o + h_max + 1] / prices[o])
        scores.append((actual - rsum) / widen)
    s = np.asarray(scores)  # (origins, h_max)
    out = {}
    for lv in LEVELS:
        tail = (100 + lv) / 2  # each tail gets half the miss rate
        lo = np.array([-conformal_quantile(-s[:, k], tail) for k in range(h_max)])
        hi = np.array([conformal_quantile(s[:, k], tail) for k in range(h_max)])
        out[lv] = (lo, hi)
    return out


def coverage(
    prices: np.ndarray,
    model_name: str,
    test_days: int,
    refit_every: int,
    params: dict[str, object] | None = None,
    signed: int = 0,
) -> dict[int, dict[int, float]]:
    """Coverage in % per horizon and level; with ``signed`` > 0 the intervals are instead
    the signed per-horizon conformal ones on that many past paths (``_signed_quantiles``)."""
    n = prices.size
    h_max = max(HORIZONS)
    start = n - test_days - h_max
    hits = {h: {lv: [] for lv in LEVELS} for h in HORIZONS}  # type: ignore[var-annotated]
    above = below = 0  # 80% misses at h_max on each side: a drift shows as one-sided misses
    model = None
    quantiles = {}
    for i, origin in enumerate(range(start, n - h_max)):
        if i % refit_every == 0:
            model = create_model(model_name, **(params or {})).fit(prices[: origin + 1])
            if signed:
                quantiles = _signed_quantiles(model, prices, origin, h_max, signed)
        assert model is not None
        path, rsum, widen = _path(model, prices, origin, h_max)
        for h in HORIZONS:
            actual = prices[origin + h]
            for lv in LEVELS:
                if signed:
                    z = (np.log(actual / prices[origin]) - rsum[h - 1]) / widen[h - 1]
                    lo, hi = quantiles[lv]
                    hits[h][lv].append(lo[h - 1] <= z <= hi[h - 1])
                else:
                    hits[h][lv].append(path.lower[lv][h - 1] <= actual <= path.upper[lv][h - 1])
        above += bool(prices[origin + h_max] > path.upper[80][-1])
        below += bool(prices[origin + h_max] < path.lower[80][-1])
    print(
        f"  h={h_max} 80% misses: {100 * above / test_days:.1f}% above, "
        f"{100 * below / test_days:.1f}% below (unsigned intervals)",
        flush=True,
    )
    return {h: {lv: 100 * float(np.mean(hits[h][lv])) for lv in LEVELS} for h in HORIZONS}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--model", default="naive")
    parser.add_argument("--test-days", type=int, default=500)
    parser.add_argument("--refit-every", type=int, default=20)
    parser.add_argument("--param", action="append", default=[], help="model parameter k=v")
    parser.add_argument("--json", type=Path, help="also write the table here")
    parser.add_argument(
        "--signed",
        type=int,
        default=0,
        metavar="PATHS",
        help="evaluate signed per-horizon conformal intervals on this many past paths "
        "(a candidate fix; out of sample only for naive)",
    )
    args = parser.parse_args()
    params = {k: _number(v) for k, v in (s.split("=") for s in args.param)}
    print(
        f"model {args.model} {params or ''}, {args.test_days} origins per ticker, "
        f"refit every {args.refit_every}"
    )
    print("\n| ticker | " + " | ".join(f"h={h} cov 80 / 95" for h in HORIZONS) + " |")
    print("|---|" + "---:|" * len(HORIZONS))
    table = {}
    for ticker in TICKERS:
        prices = pd.read_csv(SAMPLES / f"{ticker}.csv")["Close"].to_numpy(dtype=np.float64)
        cov = coverage(prices, args.model, args.test_days, args.refit_every, params, args.signed)
        table[ticker] = cov
        cells = " | ".join(f"{cov[h][80]:.1f} / {cov[h][95]:.1f}" for h in HORIZONS)
        print(f"| {ticker} | {cells} |", flush=True)
    mean = {h: {lv: np.mean([table[t][h][lv] for t in TICKERS]) for lv in LEVELS} for h in HORIZONS}
    cells = " | ".join(f"{mean[h][80]:.1f} / {mean[h][95]:.1f}" for h in HORIZONS)
    print(f"| mean | {cells} |")
    # overlapping h-step paths: about test_days / h independent outcomes per ticker
    se = " | ".join(
        " / ".join(
            f"{100 * np.sqrt(lv / 100 * (1 - lv / 100) * h / args.test_days):.1f}" for lv in LEVELS
        )
        for h in HORIZONS
    )
    print(f"| standard error of one ticker's cell | {se} |")
    if args.json:
        args.json.write_text(
            json.dumps({t: {str(h): c for h, c in v.items()} for t, v in table.items()}, indent=1)
        )


def _number(value: str) -> float | int:
    return int(value) if value.lstrip("-").isdigit() else float(value)


if __name__ == "__main__":
    main()
