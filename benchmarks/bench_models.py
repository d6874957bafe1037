"""Model speed on the bundled AMZN history (targets from issue 4, 2 CPU cores):

- LSTM training on the full history: <= 60 s
- walk-forward of naive + LSTM + LightGBM, 500 test days, refit every 20: <= 5 min
- one ``predict`` call on 10,000 windows: <= 50 ms for every served model

    .venv/bin/python benchmarks/bench_models.py [--repeat 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tickercast.features import price_windows
from tickercast.models import MODELS, create_model
from tickercast.training.walkforward import walk_forward

SAMPLE = Path(__file__).parents[1] / "src" / "tickercast" / "data" / "samples" / "AMZN.csv"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=20, help="predict timings per model")
    args = parser.parse_args()
    frame = pd.read_csv(SAMPLE)
    prices = frame["Close"].to_numpy()
    dates = frame["Date"].to_numpy(dtype="datetime64[D]")
    rows: list[tuple[str, str, str, str]] = []

    import torch  # imported up front so its import time is not billed to training

    t0 = time.perf_counter()
    lstm = create_model("lstm").fit(prices, dates)
    fit_s = time.perf_counter() - t0
    rows.append(
        (
            f"LSTM fit, full AMZN ({prices.size} closes, {lstm.train_log_['epochs_run']} epochs)",
            f"{fit_s:.1f} s",
            "60 s",
            _ok(fit_s <= 60),
        )
    )

    total = 0.0
    for name in ("naive", "lstm", "lightgbm"):
        t0 = time.perf_counter()
        res = walk_forward(name, prices, dates, test_days=500, refit_every=20)
        took = time.perf_counter() - t0
        total += took
        rows.append((f"walk-forward {name} ({res.refits} refits)", f"{took:.1f} s", "", ""))
    rows.append(("walk-forward naive+lstm+lightgbm", f"{total:.1f} s", "300 s", _ok(total <= 300)))

    windows = np.ascontiguousarray(price_windows(prices, 7)[-10_000:])
    windows = np.resize(windows, (10_000, 7)) if windows.shape[0] < 10_000 else windows
    for name in MODELS:
        model = lstm if name == "lstm" else create_model(name).fit(prices, dates)
        model.predict(windows)  # warm-up
        timings = []
        for _ in range(args.repeat):
            t0 = time.perf_counter()
            model.predict(windows)
            timings.append((time.perf_counter() - t0) * 1000)
        median = statistics.median(timings)
        served = model.champion_eligible
        rows.append(
            (
                f"predict 10,000 windows: {name}" + ("" if served else " (never served)"),
                f"{median:.1f} ms (median of {args.repeat})",
                "50 ms" if served else "",
                _ok(median <= 50) if served else "",
            )
        )

    width = max(len(r[0]) for r in rows)
    print(f"torch {torch.__version__}, {torch.get_num_threads()} threads")
    print(f"{'benchmark':<{width}}  {'measured':<26} {'target':<7} ok")
    for what, measured, target, ok in rows:
        print(f"{what:<{width}}  {measured:<26} {target:<7} {ok}")


def _ok(passed: bool) -> str:
    return "yes" if passed else "NO"


if __name__ == "__main__":
    main()
