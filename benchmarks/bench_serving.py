"""Load test of the prediction API against a trivial FastAPI endpoint, side by side in one run.

    .venv/bin/python benchmarks/bench_serving.py [--seconds 15] [--long 60]

Needs `wrk` (Debian package) as the load generator, a separate process. Both servers run
under uvicorn with the same worker count; wrk uses 64 connections. With one worker the
server is pinned to CPU 1 and wrk to CPU 0 (taskset), so they do not fight over a core.
Measures requests/s, p50 and p99 latency, resident memory per worker, /v1/predict/batch
server time for 1,000 windows (Server-Timing header), and a long run for errors and memory
growth. Prints Markdown tables.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx
import numpy as np
from loadgen import pinned, wrk

HERE = Path(__file__).resolve().parent
BODY = {"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}


def prepare(data_dir: Path) -> dict[str, str]:
    """A data dir with AMZN stored and a LightGBM model registered as champion (forced, so
    the benchmark serves a real model even when naive won the gate)."""
    env = {**os.environ, "TICKERCAST_DATA_DIR": str(data_dir), "TICKERCAST_LOG_LEVEL": "warning"}
    tc = [sys.executable, "-m", "tickercast"]
    subprocess.run([*tc, "init", "--no-champion"], env=env, check=True, capture_output=True)
    out = subprocess.run(
        [
            *tc,
            "train",
            "AMZN",
            "--model",
            "lightgbm",
            "--register",
            "--json",
            "--no-progress",
            "--test-days",
            "250",
            "--refit-every",
            "50",
        ],
        env=env,
        check=True,
        capture_output=True,
        text=True,
    ).stdout
    version = json.loads(out)["version"]
    subprocess.run(
        [*tc, "models", "promote", "AMZN", str(version), "--force"],
        env=env,
        check=True,
        capture_output=True,
    )
    return env


def start(cmd: list[str], env: dict[str, str], port: int) -> subprocess.Popen[bytes]:
    process = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 90
    while time.monotonic() < deadline:
        try:
            if (
                httpx.post(f"http://127.0.0.1:{port}/predict_next_price", json=BODY).status_code
                == 200
            ):
                return process
        except httpx.HTTPError:
            time.sleep(0.3)
    process.kill()
    raise RuntimeError(f"{cmd} did not start")


def stop(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()


def worker_rss_mb(process: subprocess.Popen[bytes]) -> list[float]:
    """Resident memory of the serving processes (the workers, or the single process)."""
    children = subprocess.run(
        ["pgrep", "-P", str(process.pid)], capture_output=True, text=True
    ).stdout.split()
    pids = [int(p) for p in children] or [process.pid]
    sizes = []
    for pid in pids:
        status = Path(f"/proc/{pid}/status").read_text()
        kb = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
        if kb > 20_000:  # skip uvicorn's tiny multiprocessing helper
            sizes.append(kb / 1024)
    return sizes


def run_wrk(port: int, seconds: int, cpu: int | None = None) -> dict[str, float]:
    return wrk(f"http://127.0.0.1:{port}/predict_next_price", seconds, cpu=cpu)


def batch_server_ms(port: int, repeat: int = 30) -> float:
    rng = np.random.default_rng(0)
    windows = (100 * np.exp(np.cumsum(rng.normal(0, 0.01, (1000, 7)), axis=1))).tolist()
    timings = []
    with httpx.Client() as client:
        for _ in range(repeat):
            r = client.post(f"http://127.0.0.1:{port}/v1/predict/batch", json={"windows": windows})
            r.raise_for_status()
            timings.append(float(re.search(r"dur=([\d.]+)", r.headers["server-timing"]).group(1)))  # type: ignore[union-attr]
    return statistics.median(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--seconds", type=int, default=15)
    parser.add_argument("--long", type=int, default=60)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        rows = []
        for workers in (1, 2):
            trivial = [
                sys.executable,
                "-m",
                "uvicorn",
                "trivial_app:app",
                "--app-dir",
                str(HERE),
                "--port",
                "8101",
                "--workers",
                str(workers),
                "--log-level",
                "warning",
            ]
            served = [
                sys.executable,
                "-m",
                "tickercast",
                "serve",
                "--port",
                "8102",
                "--workers",
                str(workers),
            ]
            # one worker: server on CPU 1, wrk on CPU 0; two workers share both CPUs with wrk
            server_cpu, wrk_cpu = (1, 0) if workers == 1 else (None, None)
            for name, cmd, port in (
                ("trivial FastAPI POST", trivial, 8101),
                ("tickercast /predict_next_price", served, 8102),
            ):
                process = start(pinned(cmd, server_cpu), env, port)
                try:
                    run_wrk(port, 3, cpu=wrk_cpu)  # warm-up
                    result = run_wrk(port, args.seconds, cpu=wrk_cpu)
                    result["rss"] = statistics.mean(worker_rss_mb(process))
                    if name.startswith("tickercast") and workers == 1:
                        batch = batch_server_ms(port)
                finally:
                    stop(process)
                rows.append((workers, name, result))
        print("| workers | endpoint | requests/s | p50 ms | p99 ms | RSS/worker MB | errors |")
        print("|---:|---|---:|---:|---:|---:|---:|")
        for workers, name, r in rows:
            print(
                f"| {workers} | {name} | {r['rps']:,.0f} | {r['p50']:.2f} | {r['p99']:.2f} | "
                f"{r['rss']:.0f} | {r['errors'] + r['socket_errors']:.0f} |"
            )
        for workers in (1, 2):
            base, ours = [r for w, _, r in rows if w == workers]
            print(
                f"\n{workers} worker(s): tickercast reaches {ours['rps'] / base['rps']:.0%} of the "
                f"trivial endpoint's requests/s; p99 ratio {ours['p99'] / base['p99']:.2f}x"
            )
        print(f"\n/v1/predict/batch, 1,000 windows: median server time {batch:.2f} ms")

        served = [sys.executable, "-m", "tickercast", "serve", "--port", "8102"]
        process = start(served, env, 8102)
        try:
            run_wrk(8102, 3)
            before = worker_rss_mb(process)[0]
            result = run_wrk(8102, args.long)
            after = worker_rss_mb(process)[0]
        finally:
            stop(process)
        print(
            f"\n{args.long}-second run, 1 worker, 64 connections: "
            f"{result['requests']:,.0f} requests, "
            f"{result['errors']:.0f} non-2xx, {result['socket_errors']:.0f} socket errors, "
            f"RSS {before:.0f} -> {after:.0f} MB ({(after - before) / before:+.1%})"
        )


if __name__ == "__main__":
    main()
