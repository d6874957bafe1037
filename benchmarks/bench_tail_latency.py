"""Tail latency of POST /predict_next_price against the trivial FastAPI app, interleaved.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_tail_latency.py \\
        --data-dir DIR [--rounds 5] [--seconds 8] [--connections 64 256]

One uvicorn worker each. For both pinnings (server on CPU 0 / wrk on CPU 1, and the
reverse) and each connection count, runs rounds alternating trivial, tickercast, trivial,
tickercast... (a fresh server per round, 2 s wrk warm-up), so the noise of a shared machine
falls on both alike, and prints the medians over rounds of requests/s, p99 and max with the
ratio tickercast/trivial, plus the load average before and after. DIR must hold a database
with a champion (benchmarks/bench_serving.py's ``prepare`` makes one); the model poller is
off (TICKERCAST_MODEL_POLL_INTERVAL_S=3600), as in issue 9.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
from pathlib import Path

from bench_serving import HERE, start, stop
from loadgen import pinned, wrk

PORTS = {"trivial": 8101, "tickercast": 8102}


def commands() -> dict[str, list[str]]:
    trivial = [sys.executable, "-m", "uvicorn", "trivial_app:app", "--app-dir", str(HERE)]
    return {
        "trivial": [*trivial, "--port", "8101", "--log-level", "warning"],
        "tickercast": [sys.executable, "-m", "tickercast", "serve", "--port", "8102", "--no-feed"],
    }


def one_round(
    name: str, env: dict[str, str], server_cpu: int, wrk_cpu: int, connections: int, seconds: int
) -> dict[str, float]:
    port = PORTS[name]
    process = start(pinned(commands()[name], server_cpu), env, port)
    try:
        url = f"http://127.0.0.1:{port}/predict_next_price"
        wrk(url, 2, connections=connections, cpu=wrk_cpu)  # warm-up
        return wrk(url, seconds, connections=connections, cpu=wrk_cpu)
    finally:
        stop(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data-dir", type=Path, required=True)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--seconds", type=int, default=8)
    parser.add_argument("--connections", type=int, nargs="+", default=[64, 256])
    args = parser.parse_args()
    env = {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(args.data_dir),
        "TICKERCAST_LOG_LEVEL": "warning",
        "TICKERCAST_MODEL_POLL_INTERVAL_S": "3600",
    }
    load_before = os.getloadavg()
    print("| server CPU / wrk CPU | c | endpoint | req/s | p99 ms | max ms | p99 ratio |")
    print("|---|---:|---|---:|---:|---:|---:|")
    for server_cpu, wrk_cpu in ((0, 1), (1, 0)):
        for connections in args.connections:
            runs: dict[str, list[dict[str, float]]] = {"trivial": [], "tickercast": []}
            for _ in range(args.rounds):
                for name in runs:
                    result = one_round(name, env, server_cpu, wrk_cpu, connections, args.seconds)
                    runs[name].append(result)
            med = {
                name: {k: statistics.median(r[k] for r in rs) for k in ("rps", "p99", "max")}
                for name, rs in runs.items()
            }
            for name, m in med.items():
                ratio = m["p99"] / med["trivial"]["p99"]
                print(
                    f"| {server_cpu} / {wrk_cpu} | {connections} | {name} | {m['rps']:,.0f} | "
                    f"{m['p99']:.1f} | {m['max']:.1f} | {ratio:.2f}x |",
                    flush=True,
                )
    load_after = os.getloadavg()
    print(f"\nload average (1/5/15 min) before {load_before}, after {load_after}; 2 CPUs")


if __name__ == "__main__":
    main()
