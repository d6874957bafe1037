"""`/predict_next_price` p99 with and without a retrain running beside the server.

The server (`tickercast serve --no-feed --no-worker`, one process, a LightGBM champion) is
loaded by `wrk` (64 connections) in interleaved rounds: ``--seconds`` without a retrain, then
``--seconds`` while a retrain runs exactly as the worker runs it (``run_retrain_process``:
a spawned child at idle CPU priority training ``--model`` with walk-forward validation and
the gate). A retrain that finishes early is restarted, so one is always running during the
second phase.

With ``--pin`` (the default) wrk runs on CPU 0, as it would on a machine of its own, and the
server and the retrain share CPU 1: the retrain can take time only from the server, which is
what the target is about. ``--no-pin`` lets all three float over both CPUs, where a retrain
also slows the load generator itself.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_retrain_latency.py [--rounds 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_serving import prepare, run_wrk, start, stop
from loadgen import pinned

SERVER_CPU, WRK_CPU = 1, 0


def _retrainer(
    env: dict[str, str], model: str, stop_flag: threading.Event, cpu: int | None
) -> list[float]:
    """Keep one worker-style retrain running until ``stop_flag``; returns their durations."""
    code = (
        "import sys; from tickercast.config import get_settings; "
        "from tickercast.worker.runner import run_retrain_process; "
        "r = run_retrain_process('AMZN', get_settings(), if_drift=False); "
        "print(r['outcome'], file=sys.stderr)"
    )
    durations = []
    while not stop_flag.is_set():
        t0 = time.perf_counter()
        child_env = {**env, "TICKERCAST_RETRAIN_MODEL": model}
        proc = subprocess.Popen(
            pinned([sys.executable, "-c", code], cpu), env=child_env, start_new_session=True
        )
        while proc.poll() is None:
            if stop_flag.wait(0.2):
                # the whole group: the runner and the retrain child it spawned
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return durations
        durations.append(time.perf_counter() - t0)
    return durations


def _collect(
    into: list[float], env: dict[str, str], model: str, flag: threading.Event, cpu: int | None
) -> None:
    into.extend(_retrainer(env, model, flag, cpu))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--model", default="lstm", help="model the retrain trains")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        port = int(os.environ.get("BENCH_PORT", "0")) or _port()
        cmd = [
            sys.executable,
            "-m",
            "tickercast",
            "serve",
            "--no-feed",
            "--no-worker",
            "--port",
            str(port),
            "--workers",
            "1",
        ]
        server_cpu, wrk_cpu = (SERVER_CPU, WRK_CPU) if args.pin else (None, None)
        server = start(pinned(cmd, server_cpu), env, port)
        rows = []
        try:
            run_wrk(port, 3, wrk_cpu)  # warm-up
            for i in range(args.rounds):
                quiet = run_wrk(port, args.seconds, wrk_cpu)
                flag = threading.Event()
                durations: list[float] = []
                thread = threading.Thread(
                    target=_collect, args=(durations, env, args.model, flag, server_cpu)
                )
                thread.start()
                time.sleep(3)  # the retrain process is past its imports and training
                busy = run_wrk(port, args.seconds, wrk_cpu)
                flag.set()
                thread.join()
                rows.append((i + 1, quiet, busy))
                print(
                    f"round {i + 1}: quiet p99 {quiet['p99']:.2f} ms, "
                    f"retrain p99 {busy['p99']:.2f} ms",
                    flush=True,
                )
        finally:
            stop(server)
    print("\n| round | req/s quiet | req/s retrain | p99 quiet ms | p99 retrain ms | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for i, quiet, busy in rows:
        print(
            f"| {i} | {quiet['rps']:.0f} | {busy['rps']:.0f} | {quiet['p99']:.2f} "
            f"| {busy['p99']:.2f} | {busy['p99'] / quiet['p99']:.2f} |"
        )


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
