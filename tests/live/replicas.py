"""Several ``tickercast serve`` replicas on one PostgreSQL database, as real processes:
started at once, the leader found, killed with SIGKILL, and the takeover timed. Shared by
tests/live/test_replicas.py and benchmarks/bench_failover.py."""

from __future__ import annotations

import signal
import subprocess
import time
from collections.abc import Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import httpx

from tests.live_server import free_port
from tests.serving.processes import launch_server, server_env, stop, wait_healthy
from tickercast.config import Settings


@dataclass
class Replica:
    process: subprocess.Popen[str]
    port: int
    log: IO[str]

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def feed(self) -> dict[str, Any]:
        response = httpx.get(f"{self.url}/v1/feed", timeout=5)
        assert response.status_code == 200, response.text
        return dict(response.json())

    def kill(self) -> None:
        """SIGKILL: no shutdown code runs; the kernel closes its database sessions."""
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(timeout=10)


def replica_env(settings: Settings, **extra: str) -> dict[str, str]:
    return server_env(
        settings,
        TICKERCAST_MODEL_POLL_INTERVAL_S="3600",  # no registry polling beside the test
        TICKERCAST_LEADER_RETRY_S="1",
        **extra,
    )


@contextmanager
def replicas(
    env: dict[str, str], logs: Path, args: Sequence[str], count: int = 2
) -> Iterator[list[Replica]]:
    """``count`` replicas started at once (so they race for the lead), once all answer."""
    with ExitStack() as stack:
        started: list[Replica] = []
        for n in range(count):
            port = free_port()
            log = stack.enter_context((logs / f"replica-{n}.log").open("w"))
            started.append(Replica(launch_server(env, port, log, args), port, log))
            stack.callback(_stop_if_running, started[-1].process)
        for replica in started:
            wait_healthy(replica.process, replica.port, replica.log)
        yield started


def _stop_if_running(process: subprocess.Popen[str]) -> None:
    if process.poll() is None:
        stop(process)


def leader_of(group: Sequence[Replica], timeout_s: float = 20.0) -> Replica:
    """The one replica whose /v1/feed says ``leader`` (the others must say ``follower``)."""
    deadline = time.monotonic() + timeout_s
    while True:
        roles = [r.feed()["role"] for r in group]
        if roles.count("leader") == 1 and roles.count("follower") == len(group) - 1:
            return group[roles.index("leader")]
        assert time.monotonic() < deadline, f"no single leader: {roles}"
        time.sleep(0.1)


def seconds_until_leader(replica: Replica, since: float, timeout_s: float = 30.0) -> float:
    """Seconds from ``since`` (time.monotonic) until ``replica`` leads a running feed."""
    while True:
        feed = replica.feed()
        if feed["role"] == "leader" and feed["state"] in ("running", "finished"):
            return time.monotonic() - since
        assert time.monotonic() - since < timeout_s, f"no takeover: {feed}"
        time.sleep(0.05)
