"""Hostile request bodies (issue 9, defect 1) against a real `tickercast serve` process.

    .venv/bin/python benchmarks/bench_hostile_bodies.py

Posts each body of tests/serving/hostile_bodies.py with a Content-Length and chunked, while
a separate process times GET /healthz every 10 ms; reads the server's idle RSS and its peak
(VmHWM, reset just before). Prints Markdown tables: the size of the largest valid batch,
each answer with its size and time and the slowest /healthz meanwhile, and memory.
The server serves a LightGBM champion for AMZN (trained here, as bench_serving does).
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path[:0] = [str(HERE), str(HERE.parent)]

from bench_serving import prepare  # noqa: E402
from tests.serving.hostile_bodies import largest_valid_batch, run_hostile  # noqa: E402


def main() -> None:
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
