"""Many tickers sequentially versus on Ray (issue 14), side by side in one run.

The tickers are SYNTHETIC: each is a seeded block bootstrap of the daily log returns of one
bundled history (blocks of ``--block`` days keep volatility clusters), compounded from 100.
Every ticker runs the real per-ticker pipeline (``fleet.run_one``: walk-forward of naive +
LightGBM); the Ray run must give the same metrics as the sequential one.

Reports: wall time of both, speed-up, Ray start-up and worker warm-up (one-off costs, timed
apart), overhead per task (measured two ways:
empty tasks' round trip, and the Ray run's CPU-seconds not spent in tickers, per task),
and a projection to N nodes from the measured per-ticker cost.

    .venv/bin/python benchmarks/bench_ray.py [--tickers 200] [--cpus 2]
"""

from __future__ import annotations

import argparse
import math
import time
from pathlib import Path

import numpy as np
import pandas as pd

from tickercast.config import Settings
from tickercast.training import fleet

SAMPLES = Path(__file__).parents[1] / "src" / "tickercast" / "data" / "samples"


def bundled_returns() -> dict[str, np.ndarray]:
    """Daily log returns of every bundled history."""
    out = {}
    for path in sorted(SAMPLES.glob("*.csv")):
        close = pd.read_csv(path)["Close"].to_numpy(float)
        out[path.stem] = np.diff(np.log(close))
    return out


def synthetic_jobs(n: int, days: int, block: int, seed: int) -> list[fleet.TickerJob]:
    """``n`` synthetic tickers (SYN0000...) by seeded block bootstrap of real returns."""
    rng = np.random.default_rng(seed)
    sources = bundled_returns()
    names = sorted(sources)
    dates = pd.bdate_range("2015-01-02", periods=days).to_numpy(dtype="datetime64[D]")
    jobs = []
    for i in range(n):
        r = sources[names[i % len(names)]]
        starts = rng.integers(0, r.size - block, size=math.ceil((days - 1) / block))
        path = np.concatenate([r[s : s + block] for s in starts])[: days - 1]
        closes = 100.0 * np.exp(np.concatenate([[0.0], np.cumsum(path)]))
        jobs.append(fleet.TickerJob(f"SYN{i:04d}", closes, dates))
    return jobs


def _metrics(outcomes: list[fleet.TickerOutcome]) -> list[object]:
    return [
        [{k: v for k, v in m.items() if k != "seconds"} for m in (o.result or {}).get("models", [])]
        for o in outcomes
    ]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--tickers", type=int, default=200)
    parser.add_argument("--cpus", type=int, default=2)
    parser.add_argument("--days", type=int, default=1500, help="history per synthetic ticker")
    parser.add_argument("--test-days", type=int, default=100)
    parser.add_argument("--refit-every", type=int, default=20)
    parser.add_argument("--block", type=int, default=20, help="bootstrap block, days")
    parser.add_argument("--seed", type=int, default=14)
    parser.add_argument("--batch-size", type=int, default=None)
    parser.add_argument("--rounds", type=int, default=4, help="interleaved seq/Ray rounds")
    args = parser.parse_args()

    import ray

    jobs = synthetic_jobs(args.tickers, args.days, args.block, args.seed)
    options = fleet.FleetOptions(
        "validate", ("naive", "lightgbm"), test_days=args.test_days, refit_every=args.refit_every
    )
    settings = Settings()
    fleet.run_one(jobs[0], options, settings)  # warm imports so neither side pays them

    t0 = time.perf_counter()
    ray.init(num_cpus=args.cpus, include_dashboard=False, log_to_driver=False)
    startup_s = time.perf_counter() - t0
    noop = ray.remote(num_cpus=1)(fleet.run_batch)
    t0 = time.perf_counter()  # each worker imports and warms LightGBM once, as the driver did
    ray.get([noop.remote(jobs[:1], options, settings) for _ in range(2 * args.cpus)])
    warmup_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    n_empty = 200
    ray.get([noop.remote([], options, settings) for _ in range(n_empty)])
    empty_ms = (time.perf_counter() - t0) * 1000 * args.cpus / n_empty

    # the machine is shared: interleave the two sides in rounds (alternating which goes
    # first) so a change in other users' load hits both alike
    sequential: list[fleet.TickerOutcome] = []
    on_ray: list[fleet.TickerOutcome] = []
    seq_s = ray_s = 0.0
    n_tasks = 0
    size = math.ceil(len(jobs) / args.rounds)
    for r, start in enumerate(range(0, len(jobs), size)):
        chunk = jobs[start : start + size]
        n_tasks += len(fleet.plan_batches(chunk, args.cpus, args.batch_size))
        for side in ("seq", "ray") if r % 2 == 0 else ("ray", "seq"):
            t0 = time.perf_counter()
            if side == "seq":
                sequential += fleet.run_fleet(chunk, options, settings, use_ray=False)
                seq_s += time.perf_counter() - t0
            else:
                on_ray += fleet.run_fleet(
                    chunk, options, settings, cpus=args.cpus, batch_size=args.batch_size
                )
                ray_s += time.perf_counter() - t0
    ray.shutdown()

    same = _metrics(on_ray) == _metrics(sequential)
    ok = sum(o.ok for o in on_ray)
    per_ticker = sum(o.seconds for o in sequential) / len(sequential)
    cpu_seq = sum(o.cpu_seconds for o in sequential) / len(sequential)
    cpu_ray = sum(o.cpu_seconds for o in on_ray) / len(on_ray)
    cpus_got_seq = sum(o.cpu_seconds for o in sequential) / seq_s
    cpus_got_ray = sum(o.cpu_seconds for o in on_ray) / ray_s
    in_tickers_ray = sum(o.seconds for o in on_ray)
    overhead_task_ms = (ray_s * args.cpus - in_tickers_ray) * 1000 / n_tasks
    speedup = seq_s / ray_s
    efficiency = speedup / args.cpus

    print(f"SYNTHETIC tickers: {len(jobs)} (block bootstrap of bundled returns, seed {args.seed})")
    print(
        f"per ticker: {args.days} closes, naive+lightgbm walk-forward "
        f"{args.test_days} test days, refit every {args.refit_every}"
    )
    print(f"rounds: {args.rounds}, Ray tasks: {n_tasks} in all; ok {ok}/{len(on_ray)}")
    print(f"same per-ticker metrics as sequential: {same}")
    print(f"sequential: {seq_s:.2f} s  ({per_ticker * 1000:.0f} ms per ticker, 1 process)")
    print(
        f"Ray {args.cpus} CPUs: {ray_s:.2f} s  (not included: ray.init {startup_s:.2f} s, "
        f"worker warm-up {warmup_s:.2f} s)"
    )
    print(f"speed-up: {speedup:.2f}x  (parallel efficiency {efficiency:.0%})")
    print(
        f"CPU per ticker: sequential {cpu_seq * 1000:.0f} ms, in Ray tasks {cpu_ray * 1000:.0f} ms;"
        f" CPUs actually obtained: sequential {cpus_got_seq:.2f}, Ray {cpus_got_ray:.2f}"
    )
    print(f"overhead per task: empty-task round trip {empty_ms:.1f} ms CPU-time; in this run")
    print(f"  {overhead_task_ms:.0f} ms per task = (wall x CPUs - seconds inside tickers) / tasks")
    # on dedicated CPUs a ticker costs its CPU time; what is lost to Ray is the per-task
    # overhead measured above, spread over the tickers of a task
    per_task = len(jobs) / n_tasks
    cost = cpu_ray + max(overhead_task_ms, 0.0) / 1000 / per_task
    print(
        f"projection on dedicated CPUs: {cost * 1000:.0f} ms per ticker "
        "(CPU per ticker in Ray + overhead per task / tickers per task), perfect packing:"
    )
    print("| tickers | nodes x CPUs | projected minutes |")
    for n_tickers in (200, 5000):
        for nodes in (1, 4, 16):
            cpus = nodes * args.cpus
            minutes = n_tickers * cost / cpus / 60
            print(f"| {n_tickers} | {nodes} x {args.cpus} | {minutes:.2f} |")


if __name__ == "__main__":
    main()
