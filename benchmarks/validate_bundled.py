"""Walk-forward validation of every model on the five bundled tickers -> Markdown table.

Same service as ``tickercast validate TICKER --models naive,lstm,lightgbm,seed-lstm
--test-days 500 --refit-every 20``, read from the bundled CSVs so it needs no database.

    .venv/bin/python benchmarks/validate_bundled.py [--test-days 500] [--refit-every 20]

Writes benchmarks/results/validation.json and prints the README table and coverage.
"""

from __future__ import annotations

import argparse
import json
import math
import time
from pathlib import Path

import pandas as pd

from tickercast.training.pipeline import validate
from tickercast.training.report import direction_text

SAMPLES = Path(__file__).parents[1] / "src" / "tickercast" / "data" / "samples"
TICKERS = ("AMZN", "AAPL", "MSFT", "GOOG", "NVDA")


def _f(value: float | None, digits: int) -> str:
    return "n/a" if value is None or math.isnan(value) else f"{value:.{digits}f}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--models", default="naive,lstm,lightgbm,seed-lstm")
    parser.add_argument("--test-days", type=int, default=500)
    parser.add_argument("--refit-every", type=int, default=20)
    parser.add_argument("--tickers", default=",".join(TICKERS))
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "results")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    lines = [
        "| ticker | test period | model | rel. MAE | skill | MASE | dir. acc [95% CI] "
        "| cov 80 | cov 95 | width 80 (%) | lag-copy |",
        "|---|---|---|---:|---:|---:|---|---:|---:|---:|---:|",
    ]
    everything = {}
    for ticker in args.tickers.split(","):
        frame = pd.read_csv(SAMPLES / f"{ticker}.csv")
        t0 = time.perf_counter()
        report = validate(
            frame["Close"].to_numpy(),
            frame["Date"].to_numpy(dtype="datetime64[D]"),
            args.models,
            ticker=ticker,
            test_days=args.test_days,
            refit_every=args.refit_every,
        )
        out = report.to_dict()
        everything[ticker] = out
        print(f"{ticker}: {time.perf_counter() - t0:.0f} s", flush=True)
        period = f"{out['test_start']}..{out['test_end']}"
        for row in report.rows():
            lines.append(
                f"| {ticker} | {period} | {row['model']} | {_f(row['relative_mae'], 4)} "
                f"| {_f(row['skill'], 4)} | {_f(row['mase'], 3)} "
                f"| {direction_text(row, 'n/a (no moves)')} "
                f"| {_f(row['coverage_80'], 1)} | {_f(row['coverage_95'], 1)} "
                f"| {_f(row['width_pct_80'], 2)} | {_f(row['lag_copy'], 3)} |"
            )
    (args.out / "validation.json").write_text(json.dumps(everything, indent=2))
    (args.out / "validation.md").write_text("\n".join(lines) + "\n")
    print("\n".join(lines))


if __name__ == "__main__":
    main()
