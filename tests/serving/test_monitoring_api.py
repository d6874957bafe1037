"""GET /v1/tickers/{t}/drift and GET /v1/models/{t}/history over real HTTP."""

from __future__ import annotations

import httpx
import pytest

from tests.keys_helper import key_headers
from tests.live_server import LiveServer
from tests.training.factories import register_stored
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider

UNTIL = "2024-07-01"


@pytest.fixture
def out_of_sample(sqlite_settings: Settings) -> Settings:
    """AMZN stored in full; naive champion trained only up to UNTIL."""
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=sqlite_settings)
    register_stored(sqlite_settings, "AMZN", through=UNTIL)
    return sqlite_settings


def test_drift_endpoint_reports_every_check_after_training_end(out_of_sample: Settings) -> None:
    with LiveServer(out_of_sample) as server, httpx.Client(base_url=server.url) as client:
        response = client.get("/v1/tickers/amzn/drift")
        assert response.status_code == 200
        body = response.json()
        assert body["ticker"] == "AMZN" and body["reference_end"] == UNTIL
        assert body["as_of"] == "2025-07-25" and body["model_version"] == "1"
        assert body["monitored_days"] == 267  # bars after 2024-07-01 in the bundled AMZN
        assert body["status"] in {"ok", "warning", "drift"}
        checks = {c["name"]: c for c in body["checks"]}
        assert set(checks) == {
            "returns_ks",
            "abs_returns_ks",
            "volatility_cusum",
            "jump",
            "performance",
            "miss_80",
            "miss_95",
        }
        assert checks["returns_ks"]["window"] == 60 and checks["returns_ks"]["p_value"] is not None
        assert checks["performance"]["status"] == "ok"  # the naive champion is naive
        assert checks["performance"]["statistic"] == 1.0
        metrics = client.get("/metrics", headers=key_headers(out_of_sample, scopes="admin")).text
        assert 'tickercast_drift_statistic{check="jump",ticker="AMZN"}' in metrics
        assert 'tickercast_drift_status{ticker="AMZN"}' in metrics


def test_drift_endpoint_unknown_ticker_is_404(out_of_sample: Settings) -> None:
    with LiveServer(out_of_sample) as server, httpx.Client(base_url=server.url) as client:
        response = client.get("/v1/tickers/NOPE/drift")
        assert response.status_code == 404
        assert "NOPE" in response.text


def test_model_history_lists_versions_with_gate_and_service_span(out_of_sample: Settings) -> None:
    with LiveServer(out_of_sample) as server, httpx.Client(base_url=server.url) as client:
        response = client.get("/v1/models/AMZN/history")
        assert response.status_code == 200
        (v1,) = response.json()["versions"]
        assert v1["version"] == "1" and v1["model"] == "naive" and v1["champion"] is True
        assert v1["promotion"] == "fallback-naive" and v1["beats_naive"] is False
        assert v1["p_value_vs_naive"] == 1.0 and v1["trained_to"] == UNTIL
        assert v1["served_from"] is not None and v1["served_to"] is None
        missing = client.get("/v1/models/NOPE/history")
        assert missing.status_code == 404
