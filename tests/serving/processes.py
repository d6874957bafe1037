"""``tickercast serve`` and ``tickercast keys`` as real processes, for tests about what
several processes share (Redis) and what a server writes to its log."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from collections.abc import Sequence
from pathlib import Path
from typing import IO

import httpx

from tickercast.config import Settings


def server_env(settings: Settings, **extra: str) -> dict[str, str]:
    return {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(settings.data_dir),
        "TICKERCAST_DATABASE_URL": settings.resolved_database_url,
        "TICKERCAST_MLFLOW_TRACKING_URI": settings.resolved_mlflow_tracking_uri,
        **extra,
    }


def start_server(
    env: dict[str, str], port: int, log: IO[str], args: Sequence[str] = ("--no-feed",)
) -> subprocess.Popen[str]:
    """A server on ``port`` writing stdout and stderr to ``log``, once /healthz answers."""
    process = launch_server(env, port, log, args)
    wait_healthy(process, port, log)
    return process


def launch_server(
    env: dict[str, str], port: int, log: IO[str], args: Sequence[str] = ("--no-feed",)
) -> subprocess.Popen[str]:
    """``tickercast serve`` on ``port``, not waited for (start several at once)."""
    return subprocess.Popen(
        [sys.executable, "-m", "tickercast", "serve", *args, "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
    )


def wait_healthy(process: subprocess.Popen[str], port: int, log: IO[str]) -> None:
    """Until the server on ``port`` answers /healthz (its log shown if it died)."""
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/healthz").status_code == 200:
                return
        except httpx.HTTPError:
            pass
        assert process.poll() is None, Path(log.name).read_text()
        assert time.monotonic() < deadline, "server did not start"
        time.sleep(0.2)


def stop(process: subprocess.Popen[str]) -> None:
    process.terminate()
    try:
        process.wait(timeout=30)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def keys_cli(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "tickercast", "keys", *args],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
