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

Without ``--rate`` wrk saturates the server, so p99 is queueing behind as many requests as it
can take and moves with any CPU the server loses; ``--rate R`` offers a set R requests/s
(each of ``--connections`` pausing between requests), the latency a client sees at that load.

``--burner`` runs a plain busy loop at the same idle CPU priority (``chrt --idle 0``) in place
of the retrain: what any idle-class CPU user costs the server here, tickercast's code aside;
``--burner-sleep-us N`` makes that loop sleep N µs after every 0.5 ms of work.

    PYTHONPATH=src .venv/bin/python benchmarks/bench_retrain_latency.py [--rounds 3] [--seconds 10]
"""

from __future__ import annotations

import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_serving import prepare, start, stop
from loadgen import pinned, wrk

SERVER_CPU, WRK_CPU = 1, 0


RETRAIN = (
    "import sys; from tickercast.config import get_settings; "
    "from tickercast.worker.runner import run_retrain_process; "
    "r = run_retrain_process('AMZN', get_settings(), if_drift=False); "
    "print(r['outcome'], file=sys.stderr)"
)


def _burner(sleep_us: float) -> list[str]:
    """An idle-class busy loop, sleeping ``sleep_us`` after every 0.5 ms of work if > 0."""
    loop = "while True: pass"
    if sleep_us > 0:
        loop = (
            "import time\nwhile True:\n t = time.perf_counter()\n"
            " while time.perf_counter() - t < 0.0005: pass\n"
            f" time.sleep({sleep_us / 1e6})"
        )
    return ["chrt", "--idle", "0", sys.executable, "-c", loop]


def _retrainer(
    env: dict[str, str],
    model: str,
    stop_flag: threading.Event,
    cpu: int | None,
    burner: list[str] | None,
) -> None:
    """Keep one worker-style retrain (or the ``burner`` command) running until ``stop_flag``."""
    command = burner or [sys.executable, "-c", RETRAIN]
    while not stop_flag.is_set():
        child_env = {**env, "TICKERCAST_RETRAIN_MODEL": model}
        proc = subprocess.Popen(pinned(command, cpu), env=child_env, start_new_session=True)
        while proc.poll() is None:
            if stop_flag.wait(0.2):
                # the whole group: the runner and the retrain child it spawned
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
                return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--model", default="lstm", help="model the retrain trains")
    parser.add_argument("--pin", action=argparse.BooleanOptionalAction, default=True)
    parser.add_argument("--rate", type=float, help="offered requests/s (default: saturate)")
    parser.add_argument("--connections", type=int, default=64)
    parser.add_argument(
        "--burner", action="store_true", help="an idle-priority busy loop instead of a retrain"
    )
    parser.add_argument("--burner-sleep-us", type=float, default=0.0)
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
        burner = _burner(args.burner_sleep_us) if args.burner else None
        server_cpu, wrk_cpu = (SERVER_CPU, WRK_CPU) if args.pin else (None, None)
        server = start(pinned(cmd, server_cpu), env, port)
        url = f"http://127.0.0.1:{port}/predict_next_price"

        def load(seconds: int) -> dict[str, float]:
            return wrk(url, seconds, connections=args.connections, cpu=wrk_cpu, rate=args.rate)

        rows = []
        try:
            load(3)  # warm-up
            for i in range(args.rounds):
                quiet = load(args.seconds)
                flag = threading.Event()
                thread = threading.Thread(
                    target=_retrainer, args=(env, args.model, flag, server_cpu, burner)
                )
                thread.start()
                time.sleep(3)  # the retrain process is past its imports and training
                busy = load(args.seconds)
                flag.set()
                thread.join()
                rows.append((i + 1, quiet, busy))
                print(
                    f"round {i + 1}: quiet p50/p99/max {quiet['p50']:.2f}/{quiet['p99']:.2f}/"
                    f"{quiet['max']:.1f} ms, retrain {busy['p50']:.2f}/{busy['p99']:.2f}/"
                    f"{busy['max']:.1f} ms",
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
    ratios = sorted(busy["p99"] / quiet["p99"] for _, quiet, busy in rows)
    if ratios:
        print(f"\nmedian p99 ratio over {len(ratios)} rounds: {statistics.median(ratios):.2f}")


def _port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


if __name__ == "__main__":
    main()
