"""``tickercast serve`` with a live feed: options reach the server through the environment,
a replay runs, and Ctrl-C stops it gracefully."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import httpx
import pytest

from tests.cli.conftest import Run
from tests.serving.conftest import free_port
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (
            ["--replay", "AMZN", "--poll", "http://x"],
            "choose one of --replay, --poll and --no-feed",
        ),
        (["--from", "2023-07-01"], "--from and --speed go with --replay TICKER"),
        (["--every", "5"], "--every and --ticker go with --poll URL"),
        (["--replay", "AMZN", "--from", "July"], "--from 'July' is not a date; use YYYY-MM-DD"),
        (["--replay", "AMZN", "--workers", "2"], "the live feed runs in one process"),
    ],
)
def test_serve_rejects_inconsistent_feed_options(cli: Run, args: list[str], message: str) -> None:
    result = cli("serve", *args, ok=False)
    assert result.returncode == 1
    assert message in result.stderr


def test_serve_replays_and_stops_gracefully_on_ctrl_c(sqlite_settings: Settings) -> None:
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=sqlite_settings)
    port = free_port()
    env = {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(sqlite_settings.data_dir),
        "TICKERCAST_DATABASE_URL": sqlite_settings.resolved_database_url,
    }
    args = [
        "serve",
        "--port",
        str(port),
        "--replay",
        "amzn",
        "--from",
        "2025-07-21",
        "--speed",
        "20",
    ]
    process = subprocess.Popen(
        [sys.executable, "-m", "tickercast", *args],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    try:
        feed = None
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                feed = httpx.get(f"http://127.0.0.1:{port}/v1/feed", timeout=2).json()
                if feed["state"] == "finished":
                    break
            except httpx.TransportError:
                pass
            time.sleep(0.1)
        assert feed is not None
        assert (feed["kind"], feed["ticker"], feed["state"]) == ("replay", "AMZN", "finished")
        assert (feed["speed"], feed["bars"], feed["cursor"]) == (20.0, 5, "2025-07-25")
    finally:
        process.send_signal(signal.SIGINT)
        output, _ = process.communicate(timeout=30)
    assert process.returncode == 0, output
    assert "Application shutdown complete" in output


def test_serve_refuses_an_uninitialised_database(cli: Run) -> None:
    result = cli("serve", "--no-feed", "--port", "1", ok=False)
    assert result.returncode == 1
    assert "run `tickercast init` first" in result.stderr
    assert "Traceback" not in result.stderr
