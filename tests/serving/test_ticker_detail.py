"""GET /v1/tickers/{t}: source, last update and next scheduled update, over real HTTP."""

from __future__ import annotations

import datetime as dt

import httpx
from pydantic import SecretStr

from tests.data.recording_server import serve
from tests.live_server import LiveServer
from tickercast.config import Settings
from tickercast.data.calendar import next_close
from tickercast.data.update import update_ticker


def test_ticker_detail_without_a_provider_has_no_updates(live: httpx.Client) -> None:
    response = live.get("/v1/tickers/amzn")
    assert response.status_code == 200
    body = response.json()
    assert (body["ticker"], body["rows"], body["sources"]) == ("AMZN", 7093, ["bundled"])
    assert body["provider"] is None
    assert body["last_update_at"] is None
    assert body["next_update_at"] is None


def test_ticker_detail_unknown_is_404(live: httpx.Client) -> None:
    response = live.get("/v1/tickers/NOPE")
    assert response.status_code == 404
    assert "NOPE" in response.text


def test_ticker_detail_shows_provider_last_and_next_update(sqlite_settings: Settings) -> None:
    for server in serve():
        settings = sqlite_settings.model_copy(
            update={
                "tiingo_base_url": server.url,
                "tiingo_api_key": SecretStr("K"),
                "update_schedule": True,
                "update_delay_min": 30.0,
            }
        )
        server.answer("tiingo/prices_full.json")
        before = dt.datetime.now(dt.UTC)
        update_ticker("AAPL", settings=settings, provider="tiingo")
        with LiveServer(settings) as app, httpx.Client(base_url=app.url, timeout=10) as client:
            body = client.get("/v1/tickers/AAPL").json()
    assert (body["provider"], body["provider_symbol"]) == ("tiingo", "AAPL")
    assert body["last_update_status"] == "ok"
    assert dt.datetime.fromisoformat(body["last_update_at"]) >= before
    expected = next_close(dt.datetime.now(dt.UTC) - dt.timedelta(minutes=30)) + dt.timedelta(
        minutes=30
    )
    assert dt.datetime.fromisoformat(body["next_update_at"]) == expected
