"""Forecasts are stored off the request path, scored when the actual bar arrives, and
survive a graceful shutdown."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.keys_helper import key_headers
from tests.serving.conftest import LiveServer, free_port
from tests.serving.helpers import stored_predictions
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import CsvProvider


def test_forecast_is_scored_when_actual_arrives(
    champion_settings_any_db: Settings, tmp_path: Path
) -> None:
    settings = champion_settings_any_db
    headers = key_headers(settings, scopes="predict")
    with (
        LiveServer(settings) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        body = client.get("/v1/tickers/AMZN/forecast", params={"horizon": 2}).json()
        server.app.state.writer.flush()
    (first, second) = stored_predictions(settings, "AMZN")
    assert (first.actual, second.actual) == (None, None)
    assert first.point == pytest.approx(body["steps"][0]["point"])

    csv = tmp_path / "new.csv"
    csv.write_text(
        "Date,Open,High,Low,Close,Adj Close,Volume\n2025-07-28,232,236,231,235.0,235.0,100\n"
    )
    report = ingest_table(CsvProvider(csv).fetch("AMZN"), ticker="AMZN", settings=settings)
    assert report.scored_predictions == 1
    (first, second) = stored_predictions(settings, "AMZN")
    assert (str(first.target_date), first.actual, first.scored_at is not None) == (
        "2025-07-28",
        235.0,
        True,
    )
    assert first.lower_95 <= first.lower_80 <= first.point <= first.upper_80 <= first.upper_95
    assert second.actual is None


def test_forecast_twice_from_same_data_is_stored_once(champion_settings: Settings) -> None:
    headers = key_headers(champion_settings, scopes="predict")
    with (
        LiveServer(champion_settings) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        for _ in range(3):
            assert client.get("/v1/tickers/AMZN/forecast", params={"horizon": 3}).status_code == 200
        server.app.state.writer.flush()
    assert len(stored_predictions(champion_settings, "AMZN")) == 3


def _serve(settings: Settings, port: int) -> subprocess.Popen[str]:
    env = {
        **os.environ,
        "TICKERCAST_DATA_DIR": str(settings.data_dir),
        "TICKERCAST_DATABASE_URL": settings.resolved_database_url,
        "TICKERCAST_MLFLOW_TRACKING_URI": settings.resolved_mlflow_tracking_uri,
        # the writer would wait 60 s to fill a batch: only the shutdown flush can write in time
        "TICKERCAST_PREDICTION_BATCH_WAIT_S": "60",
    }
    process = subprocess.Popen(
        [sys.executable, "-m", "tickercast", "serve", "--port", str(port)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 60
    while True:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/readyz").status_code == 200:
                return process
        except httpx.HTTPError:
            pass
        assert process.poll() is None, process.stdout.read() if process.stdout else ""
        assert time.monotonic() < deadline, "server did not become ready"
        time.sleep(0.2)


def test_graceful_stop_flushes_queued_predictions(champion_settings: Settings) -> None:
    port = free_port()
    headers = key_headers(champion_settings)
    process = _serve(champion_settings, port)
    try:
        response = httpx.get(
            f"http://127.0.0.1:{port}/v1/tickers/AMZN/forecast",
            params={"horizon": 30},
            headers=headers,
        )
        assert response.status_code == 200
        metrics = httpx.get(f"http://127.0.0.1:{port}/metrics", headers=headers).text
        assert "tickercast_prediction_writer_queue_depth 30.0" in metrics
        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        # uvicorn shuts down gracefully, then re-raises the signal: -15 is its normal exit
        assert process.wait(timeout=30) in (0, -signal.SIGTERM)
        output = process.stdout.read() if process.stdout else ""
        assert (
            "Waiting for application shutdown" in output
            or "Application shutdown complete" in output
        )
        assert time.monotonic() - started < 20
    finally:
        if process.poll() is None:
            process.kill()
    process = _serve(champion_settings, port)  # restart: the predictions are there
    try:
        rows = stored_predictions(champion_settings, "AMZN")
        assert [r.horizon for r in rows] == list(range(1, 31))
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)
