"""Calibrate the drift thresholds: false alarms per ticker-year and detection delays.

False alarms: each bundled history is monitored from its 261st bar to its last, with a naive
champion that is retrained (its reference reset) after every alarm and at a maximum age of
``--max-age`` days, as the retrain policy does. Every alarm on real history counts as false.

Detection: ``--trials`` random change points per ticker and change type, the champion trained
a random 0..``--max-gap`` days before the change; the change is injected into the returns from
the change point on (volatility x2, x3, a mean shift of +0.5 reference RMS returns a day, or an
unadjusted 2:1 split = prices halve). Delay = trading days from the change to the first alarm
(0 = on the day of the change); no alarm within ``--horizon`` days is a miss.

    PYTHONPATH=src .venv/bin/python benchmarks/calibrate_drift.py [--set jump_sigmas=12 ...]

Prints the Markdown table recorded in benchmarks/README.md.
"""

from __future__ import annotations

import argparse
import dataclasses
import time
from collections import Counter
from pathlib import Path

import numpy as np
import pandas as pd

from tickercast.models import create_model
from tickercast.monitoring.replay import feed, monitor_for
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds

SAMPLES = Path(__file__).parents[1] / "src" / "tickercast" / "data" / "samples"
TICKERS = ("AMZN", "AAPL", "MSFT", "GOOG", "NVDA")
CHANGES = ("vol x2", "vol x3", "mean +0.5 sd", "split 2:1")


def _fitted(
    prices: np.ndarray, end: int, thresholds: DriftThresholds, days: int
) -> DriftThresholds:
    """``thresholds`` with the variance filter's alpha and beta fitted (``arch``, GARCH(1,1),
    Student t, zero mean) on the ``days`` returns up to bar ``end``: the fitted-GARCH row of
    the frontier. Too short a history keeps the fixed parameters."""
    from arch import arch_model

    r = np.diff(np.log(prices[max(end - days, 0) : end + 1]))
    if r.size < 250:
        return thresholds
    res = arch_model(100 * r, mean="Zero", vol="GARCH", p=1, q=1, dist="t").fit(disp="off")
    alpha, beta = float(res.params["alpha[1]"]), float(res.params["beta[1]"])
    if alpha + beta >= 0.999:  # integrated fit: keep a little mean reversion
        beta = 0.999 - alpha
    return dataclasses.replace(thresholds, vol_alpha=alpha, vol_beta=beta)


def _simulate(
    prices: np.ndarray,
    begin: int,
    end: int,
    thresholds: DriftThresholds,
    max_age: int,
    fit_days: int = 0,
) -> list[tuple[int, list[str]]]:
    """Alarms (bar, checks at drift) monitoring bars begin+1..end-1 with retrain on alarm/age."""
    alarms = []
    e = begin
    while e < end - 1:
        model = create_model("naive").fit(prices[: e + 1])
        t = _fitted(prices, e, thresholds, fit_days) if fit_days else thresholds
        monitor = monitor_for(prices, e, t)
        stop = min(e + 1 + max_age, end)
        a = feed(monitor, model, prices, e + 1, stop, stop_at_alarm=True)
        if a is None:
            e = stop - 1
        else:
            alarms.append((a, [c.name for c in monitor.checks() if c.status == "drift"]))
            e = a
    return alarms


def _inject(prices: np.ndarray, t0: int, change: str, sigma: float) -> np.ndarray:
    r = np.diff(np.log(prices))  # r[i-1] is bar i's return
    after = slice(t0 - 1, None)
    if change == "vol x2":
        r[after] *= 2
    elif change == "vol x3":
        r[after] *= 3
    elif change == "mean +0.5 sd":
        r[after] += 0.5 * sigma
    elif change == "split 2:1":
        r[t0 - 1] += np.log(0.5)
    return prices[0] * np.exp(np.concatenate([[0.0], np.cumsum(r)]))


def _parse(kind: object, value: str) -> object:
    if kind in (int, "int"):
        return int(value)
    if kind in (float, "float"):
        return float(value)
    return value


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--trials", type=int, default=40, help="change points per ticker/type")
    parser.add_argument("--max-gap", type=int, default=120)
    parser.add_argument("--horizon", type=int, default=60)
    parser.add_argument("--max-age", type=int, default=250)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--set", action="append", default=[], help="threshold override k=v")
    parser.add_argument("--label", default="", help="name of this setting in the summary row")
    parser.add_argument(
        "--fit-garch",
        type=int,
        default=0,
        metavar="DAYS",
        help="fit the filter's alpha, beta per champion on this many returns (needs arch)",
    )
    args = parser.parse_args()
    types = {f.name: f.type for f in dataclasses.fields(DriftThresholds)}
    overrides = {k: _parse(types[k], v) for k, v in (s.split("=") for s in args.set)}
    thresholds = dataclasses.replace(DEFAULT_THRESHOLDS, **overrides)  # type: ignore[arg-type]
    print("thresholds:", thresholds.to_dict(), flush=True)
    rng = np.random.default_rng(args.seed)
    start = thresholds.reference_days + 10
    rows = []
    delays: dict[str, list[float]] = {c: [] for c in CHANGES}
    by_check: Counter[str] = Counter()
    t_all = time.perf_counter()
    for ticker in TICKERS:
        prices = pd.read_csv(SAMPLES / f"{ticker}.csv")["Close"].to_numpy(dtype=np.float64)
        alarms = _simulate(prices, start, prices.size, thresholds, args.max_age, args.fit_garch)
        for _, names in alarms:
            by_check.update(names)
        years = (prices.size - start - 1) / 252
        rows.append((ticker, years, len(alarms)))
        for change in CHANGES:
            for _ in range(args.trials):
                t0 = int(rng.integers(start + args.max_gap + 1, prices.size - args.horizon))
                gap = int(rng.integers(0, args.max_gap + 1))
                ref = np.diff(np.log(prices[t0 - gap - thresholds.reference_days : t0 - gap]))
                sigma = float(np.sqrt(np.mean(ref * ref)))
                changed = _inject(prices, t0, change, sigma)
                hits = _simulate(
                    changed, t0 - gap, t0 + args.horizon, thresholds, args.max_age, args.fit_garch
                )
                after = [a for a, _ in hits if a >= t0]
                delays[change].append(after[0] - t0 if after else np.inf)
        print(f"{ticker}: {len(alarms)} false alarms in {years:.1f} years", flush=True)
    total_years = sum(y for _, y, _ in rows)
    total_alarms = sum(a for _, _, a in rows)
    print(f"\n{time.perf_counter() - t_all:.0f} s\n")
    print("| ticker | years monitored | false alarms | per ticker-year |")
    print("|---|---:|---:|---:|")
    for ticker, years, n in rows:
        print(f"| {ticker} | {years:.1f} | {n} | {n / years:.2f} |")
    print(f"| all | {total_years:.1f} | {total_alarms} | {total_alarms / total_years:.2f} |")
    print("\nfalse alarms by check:", dict(by_check))
    print(
        f"\n| change | injections | detected ≤ 20 days | detected ≤ {args.horizon} days "
        "| median delay | p90 delay |"
    )
    print("|---|---:|---:|---:|---:|---:|")
    summary = [f"{total_alarms / total_years:.2f}"]
    for change, d in delays.items():
        arr = np.asarray(d)
        within20 = float(np.mean(arr <= 20))
        within = float(np.mean(np.isfinite(arr)))
        med = np.quantile(arr, 0.5, method="higher")  # misses are inf: no interpolation
        p90 = np.quantile(arr, 0.9, method="higher")
        fmt = lambda v: "missed" if not np.isfinite(v) else f"{v:.0f}"  # noqa: E731
        print(
            f"| {change} | {arr.size} | {100 * within20:.0f}% | {100 * within:.0f}% "
            f"| {fmt(med)} | {fmt(p90)} |"
        )
        summary.append(f"{100 * within20:.0f}%")
    label = args.label or " ".join(args.set) or "defaults"
    print(
        f"\nsummary (FA/ticker-year, then ≤ 20 days per change): | {label} | "
        + " | ".join(summary)
        + " |"
    )


if __name__ == "__main__":
    main()
