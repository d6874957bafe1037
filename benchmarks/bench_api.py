"""In-process time of GET /v1/tickers/AMZN/prices (the full ~7,100-row history), through the
whole ASGI stack (routing, dependency, SQLite query, JSON) with FastAPI's TestClient. "client"
includes the TestClient; "server" is the app's own Server-Timing (first byte of the answer).

    .venv/bin/python benchmarks/bench_api.py [--repeat 200]

Target (issue 3): <= 20 ms per request.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

from fastapi.testclient import TestClient

from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.serving.app import create_app
from tickercast.storage.migrate import upgrade


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=200)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        settings = Settings(data_dir=Path(tmp))
        upgrade(settings.resolved_database_url)
        ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
        with TestClient(create_app(settings)) as client:
            rows = client.get("/v1/tickers/AMZN/prices").json()["count"]
            timings, server = [], []
            for _ in range(args.repeat):
                start = time.perf_counter()
                response = client.get("/v1/tickers/AMZN/prices")
                timings.append((time.perf_counter() - start) * 1000)
                assert response.status_code == 200
                server.append(float(response.headers["server-timing"].split("dur=")[1]))
    print("| request | rows | client median ms | client p95 ms | server median ms |")
    print("|---|---:|---:|---:|---:|")
    print(
        f"| GET /v1/tickers/AMZN/prices | {rows:,} | {statistics.median(timings):.1f} | "
        f"{_p95(timings):.1f} | {statistics.median(server):.1f} |"
    )


def _p95(values: list[float]) -> float:
    return sorted(values)[int(0.95 * len(values)) - 1]


if __name__ == "__main__":
    main()
