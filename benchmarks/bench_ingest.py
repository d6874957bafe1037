"""Ingest 1,000,000 daily bars (20 tickers x 50,000 rows, CSV files on disk) into SQLite and
PostgreSQL through the real path: CSV provider -> validation -> diff -> bulk insert.

    .venv/bin/python benchmarks/bench_ingest.py [--rows-per-ticker 50000] [--tickers 20]

PostgreSQL runs when TICKERCAST_TEST_POSTGRES_URL is set (a throw-away schema is used).
Target (issue 3): >= 100,000 rows/s on each back end.
"""

from __future__ import annotations

import argparse
import os
import tempfile
import time
import uuid
from pathlib import Path

import numpy as np
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import CsvProvider
from tickercast.storage.migrate import upgrade


def write_files(folder: Path, tickers: int, rows: int) -> list[Path]:
    rng = np.random.default_rng(0)
    days = np.busday_offset(np.datetime64("1830-01-01"), np.arange(rows), roll="forward").astype(
        str
    )
    paths = []
    for i in range(tickers):
        close = 100 * np.exp(np.cumsum(rng.normal(0, 0.01, rows)))
        high, low = close * 1.01, close * 0.99
        volume = rng.integers(1_000, 1_000_000, rows)
        path = folder / f"T{i:03d}.csv"
        with path.open("w") as f:
            f.write("Date,Open,High,Low,Close,Adj Close,Volume\n")
            for d, c, h, lo, v in zip(days, close, high, low, volume, strict=True):
                f.write(f"{d},{c:.6f},{h:.6f},{lo:.6f},{c:.6f},{c:.6f},{v}\n")
        paths.append(path)
    return paths


def run(settings: Settings, paths: list[Path]) -> tuple[int, float]:
    upgrade(settings.resolved_database_url)
    total = 0
    start = time.perf_counter()
    for path in paths:
        report = ingest_table(
            CsvProvider(path).fetch(path.stem), ticker=path.stem, settings=settings
        )
        total += report.inserted
    return total, time.perf_counter() - start


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows-per-ticker", type=int, default=50_000)
    parser.add_argument("--tickers", type=int, default=20)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        paths = write_files(folder, args.tickers, args.rows_per_ticker)
        results = []
        sqlite = Settings(data_dir=folder, database_url=f"sqlite:///{folder / 'bench.db'}")
        results.append(("SQLite", *run(sqlite, paths)))
        pg = os.environ.get("TICKERCAST_TEST_POSTGRES_URL")
        if pg:
            schema = f"bench_{uuid.uuid4().hex[:8]}"
            admin = create_engine(pg)
            with admin.begin() as conn:
                conn.execute(text(f"CREATE SCHEMA {schema}"))
            url = make_url(pg).update_query_dict({"options": f"-csearch_path={schema}"})
            try:
                settings = Settings(data_dir=folder, database_url=url.render_as_string(False))
                results.append(("PostgreSQL", *run(settings, paths)))
            finally:
                with admin.begin() as conn:
                    conn.execute(text(f"DROP SCHEMA {schema} CASCADE"))
    print("| back end | rows | seconds | rows/s |")
    print("|---|---:|---:|---:|")
    for name, rows, seconds in results:
        print(f"| {name} | {rows:,} | {seconds:.2f} | {rows / seconds:,.0f} |")


if __name__ == "__main__":
    main()
