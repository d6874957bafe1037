from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Run
from tests.live_server import LiveServer
from tickercast.config import Settings

WEEK = "228.0,230.1,229.5,231.2,232.0,231.0,231.4"


def test_predict_locally_with_champion(cli: Run, champion_settings: Settings) -> None:
    result = cli("predict", "--prices", WEEK, "--json", settings=champion_settings, ok=True)
    body = json.loads(result.stdout)
    assert body["point"] == pytest.approx(231.4)  # champion version 1 is naive
    assert body["model"] == {
        "name": "naive",
        "version": "1",
        "beats_naive": False,
        "beats_naive_p_value": 1.0,
        "margin": 0.0,
    }
    assert [i["level"] for i in body["intervals"]] == [80, 95]


def test_predict_against_original_endpoint_of_running_server(
    cli: Run, champion_settings: Settings
) -> None:
    with LiveServer(champion_settings) as server:
        result = cli(
            "predict", "--prices", WEEK, "--host", f"{server.url}/predict_next_price", ok=True
        )
        assert result.stdout.strip() == "next price: 231.4000"
        result = cli("predict", "--prices", WEEK, "--host", server.url, "--json", ok=True)
        assert json.loads(result.stdout)["model"]["version"] == "1"


def test_predict_reports_server_rejection(cli: Run, champion_settings: Settings) -> None:
    with LiveServer(champion_settings) as server:
        result = cli(
            "predict", "--prices", "1,2,3", "--host", f"{server.url}/predict_next_price", ok=False
        )
    assert result.returncode == 1
    assert "answered HTTP 422: 1 invalid field; body.prices: List should have at least 7" in (
        result.stderr
    )


def test_predict_rejects_unparseable_prices(cli: Run, champion_settings: Settings) -> None:
    result = cli("predict", "--prices", "1,two,3", settings=champion_settings, ok=False)
    assert (
        result.stderr.strip()
        == "error: --prices '1,two,3' is not a comma-separated list of numbers"
    )
