"""Hostile request bodies (issue 9, defect 1) against a real `tickercast serve` process.

    .venv/bin/python benchmarks/bench_hostile_bodies.py [--parse-only]

Posts each body of tests/serving/hostile_bodies.py with a Content-Length and chunked, while
a separate process times GET /healthz every 10 ms; reads the server's idle RSS and its peak
(VmHWM, reset just before). Prints Markdown tables: the size of the largest valid batch,
each answer with its size and time and the slowest /healthz meanwhile, and memory.
The server serves a LightGBM champion for AMZN (trained here, as bench_serving does).
``--parse-only`` prints only how long pydantic takes in-process (holding the GIL) to parse
the largest valid batch and the worst body under the limit: why big batches go to a worker.
"""

from __future__ import annotations

import contextlib
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bench_serving import prepare  # noqa: E402
from tests.serving.hostile_bodies import (  # noqa: E402
    hostile_bodies,
    largest_valid_batch,
    run_hostile,
)

from tickercast.serving.schemas import BatchPredictRequest  # noqa: E402


def parse_times() -> None:
    bodies = {name: body for name, _, body in hostile_bodies()}
    print("| body | bytes | pydantic model_validate_json, best of 3 |")
    print("|---|---:|---:|")
    for name in ("batch: largest valid", "batch: 7.6 MB of [1] windows"):
        body = bodies[name]
        best = float("inf")
        for _ in range(3):
            start = time.perf_counter()
            with contextlib.suppress(ValueError):
                BatchPredictRequest.model_validate_json(body)
            best = min(best, time.perf_counter() - start)
        print(f"| {name} | {len(body):,} | {best * 1000:.0f} ms |")


def main() -> None:
    if "--parse-only" in sys.argv:
        parse_times()
        return
    with tempfile.TemporaryDirectory() as tmp:
        env = prepare(Path(tmp))
        run = run_hostile(env)
    size = len(largest_valid_batch())
    print(f"Largest valid batch (10,000 windows x 32 prices, 22-character floats): {size:,} bytes")
    print()
    print("| body | sent | bytes | status | answer bytes | seconds | slowest /healthz meanwhile |")
    print("|---|---|---:|---:|---:|---:|---:|")
    for a in run.answers:
        sent = "chunked" if a.chunked else "Content-Length"
        print(
            f"| {a.name} | {sent} | {a.request_bytes:,} | {a.status} | {a.response_bytes:,} "
            f"| {a.seconds:.3f} | {a.healthz_max_s * 1000:.0f} ms |"
        )
    print()
    print(
        f"/healthz: {run.healthz_count} calls, slowest {run.healthz_max_s * 1000:.0f} ms; "
        f"server RSS idle {run.idle_rss_kb / 1024:.0f} MB, peak {run.peak_rss_kb / 1024:.0f} MB "
        f"({run.peak_rss_kb / run.idle_rss_kb:.2f}x idle)"
    )


if __name__ == "__main__":
    main()
