"""Time of one drift report (every check) for AMZN with a naive champion trained 500 and 20
bars before the last bar: what the feed pays per bar and `GET /v1/tickers/{t}/drift` per call.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_drift.py
"""

from __future__ import annotations

import time

import pandas as pd

from tickercast.data.providers.bundled import sample_path
from tickercast.models import create_model
from tickercast.monitoring.service import drift_report_for


def main() -> None:
    frame = pd.read_csv(sample_path("AMZN"))
    dates = frame["Date"].to_numpy(dtype="datetime64[D]")
    closes = frame["Close"].to_numpy()
    for after in (500, 20):
        model = create_model("naive").fit(closes[:-after], dates[:-after])
        drift_report_for("AMZN", model, dates, closes)  # warm-up (scipy import)
        t0 = time.perf_counter()
        for _ in range(20):
            drift_report_for("AMZN", model, dates, closes)
        ms = (time.perf_counter() - t0) / 20 * 1000
        print(f"{after} bars after the training end: {ms:.1f} ms per drift report")


if __name__ == "__main__":
    main()
