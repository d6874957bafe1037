"""Backtest table on the five bundled tickers (README): lightgbm walk-forward forecasts over
the last 500 sessions, costs 1 bps commission + 5 bps slippage, fills at the next open,
against buy-and-hold, cash and 200 random strategies. Writes benchmarks/results/backtest.md."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from tickercast.data.providers import BundledProvider
from tickercast.data.validation import validate_table
from tickercast.decisions.backtest import BacktestConfig
from tickercast.decisions.runner import History, backtest_ticker

TICKERS = ("AMZN", "AAPL", "MSFT", "GOOG", "NVDA")


def history(ticker: str) -> History:
    bars = validate_table(BundledProvider().fetch(ticker)).bars
    return History(
        ticker,
        bars["date"].to_numpy().astype("datetime64[D]"),
        bars["open"].to_numpy(np.float64),
        bars["close"].to_numpy(np.float64),
        bars["volume"].to_numpy(np.float64),
    )


def main() -> None:
    lines = [
        "| ticker | period | strategy | total return | CAGR | Sharpe | max DD | exposure "
        "| trades | p-value |",
        "|---|---|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for ticker in TICKERS:
        r = backtest_ticker(history(ticker), BacktestConfig(), model="lightgbm", refit_every=20)
        rows = {
            **r.metrics,
            "random (mean of 200)": {k: v["mean"] for k, v in r.random_metrics.items()},
        }
        for name, m in rows.items():
            if name == "cash":
                continue
            p = f"{r.verdict.p_value:.3f}" if name == "strategy" else ""
            lines.append(
                f"| {ticker} | {r.start}..{r.end} | {name} | {100 * m['total_return']:.1f}% | "
                f"{100 * m['cagr']:.1f}% | {m['sharpe']:.2f} | {100 * m['max_drawdown']:.1f}% | "
                f"{100 * m['exposure']:.0f}% | {m['trades']:.0f} | {p} |"
            )
        lines.append(f"| {ticker} | | verdict | {r.verdict.line} | | | | | | |")
        print(ticker, r.verdict.line, flush=True)
    out = Path(__file__).parent / "results" / "backtest.md"
    out.write_text("\n".join(lines) + "\n")
    print(out.read_text())


if __name__ == "__main__":
    main()
