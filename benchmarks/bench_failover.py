"""How long the live feed is without a leader when the leader replica is killed (SIGKILL).

Each round: a fresh PostgreSQL schema with the bundled AMZN history and a naive champion,
two ``tickercast serve`` replicas started at once replaying AMZN from 2025-04-01 at 4 bars
per second, an SSE client on the follower; once the replay runs, ``kill -9`` the leader and
measure, from the kill:

- ``lead``: until the follower's ``/v1/feed`` says ``role: leader`` and a running feed
  (lock freed by the kill, next retry of the follower, feed prepared);
- ``bar``: until the follower's SSE client receives the first bar the new leader published.

    TICKERCAST_TEST_POSTGRES_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test \\
      PYTHONPATH=src:. .venv/bin/python benchmarks/bench_failover.py --rounds 3
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

import httpx

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.live.replicas import leader_of, replica_env, replicas, seconds_until_leader
from tests.pg_schema import throwaway_schema

from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.data.validation import validate_table
from tickercast.storage.migrate import upgrade
from tickercast.training import pipeline, registry

_ARGS = ["--replay", "AMZN", "--from", "2025-04-01", "--speed", "4", "--no-worker"]


def _champion(root: Path) -> Settings:
    """A registry whose AMZN champion is naive (cheap to train, same serving path)."""
    settings = Settings(data_dir=root, database_url=f"sqlite:///{root / 'train.db'}")
    bars = validate_table(BundledProvider().fetch("AMZN")).bars
    closes = bars["close"].to_numpy()
    dates = bars["date"].to_numpy().astype("datetime64[D]")
    pipeline.train("AMZN", "naive", closes, dates, settings, register=True, test_days=60)
    registry.promote("AMZN", "1", force=True, settings=settings)
    return settings


def _first_new_bar(url: str, name: str, seen: list[float]) -> None:
    """Follow ``url``'s stream; note when the first bar after a status from ``name`` (the
    new leader, which says so before its first bar) arrives."""
    armed, kind = False, ""
    with (
        httpx.Client(timeout=60) as client,
        client.stream("GET", f"{url}/v1/stream/AMZN") as response,
    ):
        for line in response.iter_lines():
            if line.startswith("event: "):
                kind = line.removeprefix("event: ")
                if kind == "bar" and armed:
                    seen.append(time.monotonic())
                    return
            elif line.startswith("data: ") and kind == "status":
                armed = armed or json.loads(line.removeprefix("data: "))["replica"] == name


def one_round(base: str, root: Path, registry_root: Settings) -> tuple[float, float]:
    with throwaway_schema(base) as direct:
        upgrade(direct)
        settings = Settings(
            data_dir=root,
            database_url=direct,
            mlflow_tracking_uri=registry_root.resolved_mlflow_tracking_uri,
        )
        ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
        with replicas(replica_env(settings), root, _ARGS) as group:
            leader = leader_of(group)
            survivor = next(r for r in group if r is not leader)
            seen: list[float] = []
            name = survivor.feed()["replica"]
            watcher = threading.Thread(
                target=_first_new_bar, args=(survivor.url, name, seen), daemon=True
            )
            watcher.start()
            while leader.feed()["bars"] < 3:
                time.sleep(0.05)
            killed_at = time.monotonic()
            leader.kill()
            lead = seconds_until_leader(survivor, killed_at)
            watcher.join(timeout=30)
            return lead, seen[0] - killed_at


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=3)
    rounds = parser.parse_args().rounds
    base = os.environ["TICKERCAST_TEST_POSTGRES_URL"]
    with tempfile.TemporaryDirectory() as tmp:
        champion = _champion(Path(tmp) / "registry")
        results = []
        for n in range(rounds):
            root = Path(tmp) / f"round-{n}"
            root.mkdir()
            lead, bar = one_round(base, root, champion)
            results.append((lead, bar))
            print(f"round {n + 1}: leader after {lead:.2f} s, first new bar after {bar:.2f} s")
    leads, bars = zip(*results, strict=True)
    print(
        f"median of {rounds}: leader {statistics.median(leads):.2f} s "
        f"(max {max(leads):.2f}), first new bar {statistics.median(bars):.2f} s "
        f"(max {max(bars):.2f}); load average {os.getloadavg()[0]:.1f}"
    )


if __name__ == "__main__":
    main()
