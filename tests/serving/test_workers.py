"""``tickercast serve --workers 2`` on PostgreSQL: the workers elect one of them to run the
live feed (the other follows it), and ``/metrics`` from either worker counts the requests
of both (prometheus_client's multiprocess mode, in a directory cleaned at start)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import httpx
import pytest
from prometheus_client.mmap_dict import MmapedDict, mmap_key
from prometheus_client.parser import text_string_to_metric_families

from tests.conftest import _with_champion
from tests.live.replicas import replica_env
from tests.serving.conftest import free_port
from tests.serving.processes import start_server, stop
from tickercast.config import Settings
from tickercast.storage.migrate import upgrade

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

_REQUESTS = "tickercast_http_requests"
_LABELS = ["method", "route", "status"]
_HELP = "HTTP requests by route and status"
_SENT = 300


def _stale_count(directory: Path) -> None:
    """A previous run's file claiming 1000 requests: it must not be counted again."""
    stale = MmapedDict(str(directory / "counter_999999.db"))
    key = mmap_key(_REQUESTS, f"{_REQUESTS}_total", _LABELS, ["GET", "/v1/feed", "200"], _HELP)
    stale.write_value(key, 1000.0, time.time())
    stale.close()


def _per_worker(directory: Path) -> dict[str, float]:
    """Requests to /v1/feed by worker file, read from the files the workers write."""
    counts: dict[str, float] = {}
    for path in directory.glob("counter_*.db"):
        for key, value, _timestamp, _pos in MmapedDict.read_all_values_from_file(str(path)):
            _metric, sample, labels, _help = json.loads(key)
            if sample == f"{_REQUESTS}_total" and labels["route"] == "/v1/feed":
                counts[path.name] = counts.get(path.name, 0.0) + value
    return counts


def _wait_for_workers(log: Path, count: int) -> None:
    deadline = time.monotonic() + 90
    while log.read_text().count("Application startup complete") < count:
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.2)


def test_two_workers_elect_one_feed_leader_and_their_metrics_add_up(
    postgres_url: str, tmp_path: Path, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    upgrade(postgres_url)
    settings = _with_champion(
        Settings(data_dir=tmp_path, database_url=postgres_url), registry_template, monkeypatch
    )
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    _stale_count(metrics_dir)
    env = replica_env(
        settings, TICKERCAST_METRICS_PUBLIC="true", PROMETHEUS_MULTIPROC_DIR=str(metrics_dir)
    )
    args = ("--workers", "2", "--replay", "AMZN", "--from", "2025-07-01", "--no-worker")
    port, log_path = free_port(), tmp_path / "serve.log"
    with log_path.open("w") as log:
        process = start_server(env, port, log, args)
        try:
            _wait_for_workers(log_path, 2)
            statuses = asyncio.run(_feed_statuses(f"http://127.0.0.1:{port}", _SENT))
            text = httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=10).text
            per_worker = _per_worker(metrics_dir)
        finally:
            stop(process)

    assert {s["role"] for s in statuses} == {"leader", "follower"}  # both workers answered
    assert len({s["leader"] for s in statuses if s["leader"]}) == 1  # one leader for both
    assert len({s["replica"] for s in statuses}) == 2
    served = sum(
        sample.value
        for family in text_string_to_metric_families(text)
        if family.name == _REQUESTS
        for sample in family.samples
        if sample.name == f"{_REQUESTS}_total" and sample.labels["route"] == "/v1/feed"
    )
    assert served == _SENT
    assert "counter_999999.db" not in per_worker  # cleaned at start
    assert len(per_worker) == 2 and all(count > 0 for count in per_worker.values())
    assert sum(per_worker.values()) == _SENT


async def _feed_statuses(url: str, count: int) -> list[dict[str, str]]:
    """``count`` GET /v1/feed, each on a new connection (so both workers take some)."""
    limits = httpx.Limits(max_keepalive_connections=0)
    async with httpx.AsyncClient(base_url=url, limits=limits, timeout=30) as client:
        out: list[dict[str, str]] = []
        for _ in range(0, count, 20):
            answers = await asyncio.gather(*(client.get("/v1/feed") for _ in range(20)))
            assert all(a.status_code == 200 for a in answers)
            out += [a.json() for a in answers]
        return out
