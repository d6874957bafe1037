"""The worst request bodies of issue 9, and a run that posts them to a real server process
while another thread times /healthz and the server's peak memory is read from /proc.

Used by tests/serving/test_hostile_bodies.py (which asserts) and
benchmarks/bench_hostile_bodies.py (which prints the figures).
"""

from __future__ import annotations

import json
import os
import random
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from tests.live_server import free_port

JSON = {"content-type": "application/json"}


def largest_valid_batch() -> bytes:
    """10,000 windows x 32 prices, each written with the longest float64 repr in the
    allowed range (22 characters, e.g. 1.2345678901234567e-05), json.dumps separators."""
    rng = random.Random(9)
    windows = ", ".join(
        "[" + ", ".join(repr(rng.uniform(1.0, 9.99) * 1e-5) for _ in range(32)) + "]"
        for _ in range(10_000)
    )
    levels = ", ".join(str(lv) for lv in range(50, 60))
    return f'{{"ticker": "AMZN", "windows": [{windows}], "levels": [{levels}]}}'.encode()


def _windows(item: bytes, per_window: int, count: int) -> bytes:
    window = b"[" + b",".join([item] * per_window) + b"]"
    return b'{"windows": [' + b",".join([window] * count) + b"]}"


def hostile_bodies() -> list[tuple[str, str, bytes]]:
    """(name, path, body): the issue's three bodies, then the worst ones under each limit."""
    return [
        ("batch: 4 MB, 1M strings", "/v1/predict/batch", _windows(b'"x"', 1_000_000, 1)),
        (
            "batch: 30 MB, 10,000 x 700 strings",
            "/v1/predict/batch",
            _windows(b'"abc"', 700, 10_000),
        ),
        (
            "predict: 30 MB of numbers",
            "/v1/predict",
            b'{"prices": [' + b",".join([b"1.0"] * 7_500_000) + b"]}",
        ),
        ("batch: 7.6 MB of [1] windows", "/v1/predict/batch", _windows(b"1", 1, 1_900_000)),
        ("batch: 8 MB in one window", "/v1/predict/batch", _windows(b"1.5", 2_000_000, 1)),
        ("batch: 10,000 x 32 strings", "/v1/predict/batch", _windows(b'"abc"', 32, 10_000)),
        ("batch: 10,000 x 32 negative prices", "/v1/predict/batch", _windows(b"-1.5", 32, 10_000)),
        (
            "predict: 250 kB of strings",
            "/v1/predict",
            b'{"prices": [' + b",".join([b'"x"'] * 60_000) + b"]}",
        ),
        ("batch: largest valid", "/v1/predict/batch", largest_valid_batch()),
    ]


def _chunked(body: bytes) -> Iterator[bytes]:
    for i in range(0, len(body), 64 * 1024):
        yield body[i : i + 64 * 1024]


def _rss_kb(pid: int, key: str) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(key + ":"):
            return int(line.split()[1])
    raise RuntimeError(f"{key} not in /proc/{pid}/status")


@dataclass
class Answer:
    name: str
    chunked: bool
    request_bytes: int
    status: int
    response_bytes: int
    seconds: float
    started_at: float
    healthz_max_s: float = 0.0  # slowest /healthz that started while this request ran


@dataclass
class HostileRun:
    idle_rss_kb: int = 0
    peak_rss_kb: int = 0
    healthz_max_s: float = 0.0
    healthz_count: int = 0
    answers: list[Answer] = field(default_factory=list)


_PROBE = """
import json, sys, threading, time, httpx
stop = threading.Event()
threading.Thread(target=lambda: (sys.stdin.read(), stop.set()), daemon=True).start()
timings = []
with httpx.Client(base_url=sys.argv[1], timeout=30) as client:
    while not stop.is_set():
        started = time.time()
        t0 = time.perf_counter()
        client.get("/healthz").raise_for_status()
        timings.append((started, time.perf_counter() - t0))
        time.sleep(0.01)
print(json.dumps(timings))
"""
"""/healthz timed from its own process, so the client's work does not blur the figure."""


class ServerProcess:
    """``tickercast serve`` in its own process, so its memory is its own."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.env = {**env, "TICKERCAST_MODEL_POLL_INTERVAL_S": "3600"}

    def __enter__(self) -> ServerProcess:
        command = [sys.executable, "-m", "tickercast", "serve", "--port", str(self.port)]
        self.process = subprocess.Popen(
            command, env=self.env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE
        )
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.process.stderr.read()[-2000:]!r}")  # type: ignore[union-attr]
            try:
                if httpx.get(f"{self.url}/readyz", timeout=1).status_code == 200:
                    return self
            except httpx.TransportError:
                pass
            time.sleep(0.2)
        raise RuntimeError("server did not become ready")

    def __exit__(self, *exc: object) -> None:
        self.process.terminate()
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


def run_hostile(env: dict[str, str]) -> HostileRun:
    """Post every hostile body (sized and chunked) while /healthz is timed every 10 ms."""
    bodies = hostile_bodies()
    result = HostileRun()
    with ServerProcess(env) as server, httpx.Client(base_url=server.url, timeout=120) as client:
        pid = server.process.pid
        for _ in range(20):  # warm up: the valid paths have run once before "idle"
            client.post("/v1/predict/batch", json={"windows": [[1.0 + i for i in range(7)]]})
            client.get("/healthz")
        time.sleep(0.5)
        result.idle_rss_kb = _rss_kb(pid, "VmRSS")
        Path(f"/proc/{pid}/clear_refs").write_text("5")  # reset VmHWM, the peak RSS
        probe = subprocess.Popen(
            [sys.executable, "-c", _PROBE, server.url],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        time.sleep(1.0)  # the probe is running
        try:
            for name, path, body in bodies:
                for chunked in (False, True):
                    started_at = time.time()
                    start = time.perf_counter()
                    response = client.post(
                        path, content=_chunked(body) if chunked else body, headers=JSON
                    )
                    result.answers.append(
                        Answer(
                            name,
                            chunked,
                            len(body),
                            response.status_code,
                            len(response.content),
                            time.perf_counter() - start,
                            started_at,
                        )
                    )
        finally:
            out, _ = probe.communicate("stop", timeout=60)
        result.peak_rss_kb = _rss_kb(pid, "VmHWM")
    timings = json.loads(out)
    result.healthz_count = len(timings)
    result.healthz_max_s = max(elapsed for _, elapsed in timings)
    for answer in result.answers:
        during = [
            e for t, e in timings if answer.started_at <= t <= answer.started_at + answer.seconds
        ]
        answer.healthz_max_s = max(during, default=0.0)
    return result


def server_env(data_dir: Path, mlflow_uri: str, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(data_dir),
        "TICKERCAST_DATABASE_URL": database_url,
        "TICKERCAST_MLFLOW_TRACKING_URI": mlflow_uri,
        "TICKERCAST_LOG_LEVEL": "warning",
    }
