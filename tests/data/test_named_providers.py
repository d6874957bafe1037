"""Each named provider against recorded real-format answers from a local HTTP server."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator

import pytest
from pydantic import SecretStr

from tests.data.recording_server import RecordingServer, serve
from tickercast.config import Settings
from tickercast.data.providers.named import named_provider, provider_infos
from tickercast.data.validation import validate_table
from tickercast.errors import ConfigError, ProviderError

KEY = "SECRETKEY123"


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    yield from serve()


def _settings(server: RecordingServer, **extra: object) -> Settings:
    return Settings(
        yahoo_base_url=server.url,
        alphavantage_base_url=server.url,
        stooq_base_url=server.url,
        tiingo_base_url=server.url,
        alphavantage_api_key=SecretStr(KEY),
        stooq_api_key=SecretStr(KEY),
        tiingo_api_key=SecretStr(KEY),
        http_retries=2,
        **extra,  # type: ignore[arg-type]
    )


def _provider(name: str, server: RecordingServer, **extra: object):  # type: ignore[no-untyped-def]
    provider = named_provider(name, _settings(server, **extra))
    provider.client.sleep = lambda _s: None
    return provider


@pytest.mark.parametrize(
    ("name", "recording"),
    [
        ("yahoo", "yahoo/chart_full.json"),
        ("alphavantage", "alphavantage/daily_full.json"),
        ("stooq", "stooq/daily_full.csv"),
        ("tiingo", "tiingo/prices_full.json"),
    ],
)
def test_provider_reads_recorded_history(
    name: str, recording: str, server: RecordingServer
) -> None:
    table = _provider(name, server.answer(recording)).fetch("AAPL")
    bars = validate_table(table).bars
    assert table.source == name
    assert len(bars) == 15
    assert bars["date"].iloc[0].date() == dt.date(2024, 7, 1)
    assert bars["date"].iloc[-1].date() == dt.date(2024, 7, 22)
    assert bars["close"].iloc[0] == pytest.approx(216.75)
    assert bars["volume"].iloc[0] == 60402900


def test_yahoo_asks_for_the_range_from_start(server: RecordingServer) -> None:
    _provider("yahoo", server.answer("yahoo/chart_update.json")).fetch(
        "AAPL", start=dt.date(2024, 7, 15)
    )
    seen = server.seen[-1]
    assert seen.path == "/v8/finance/chart/AAPL"
    assert seen.query["period1"] == [str(int(dt.datetime(2024, 7, 15, tzinfo=dt.UTC).timestamp()))]
    assert seen.query["interval"] == ["1d"]


def test_stooq_maps_us_tickers_and_sends_the_key(server: RecordingServer) -> None:
    _provider("stooq", server.answer("stooq/daily_full.csv")).fetch("AAPL")
    assert server.seen[-1].query["s"] == ["aapl.us"]
    assert server.seen[-1].query["apikey"] == [KEY]


def test_tiingo_sends_the_token_in_a_header_not_the_url(server: RecordingServer) -> None:
    _provider("tiingo", server.answer("tiingo/prices_full.json")).fetch("AAPL")
    seen = server.seen[-1]
    assert seen.headers["Authorization"] == f"Token {KEY}"
    assert KEY not in str(seen.query)


def test_tiingo_split_adjusts_raw_prices_before_a_split(server: RecordingServer) -> None:
    bars = validate_table(
        _provider("tiingo", server.answer("tiingo/prices_split.json")).fetch("AAPL")
    ).bars
    before = bars[bars["date"] == "2024-07-22"].iloc[0]
    assert before["close"] == pytest.approx(223.960007 / 4)  # raw 223.96 / split factor 4
    assert before["volume"] == 48201800 * 4


@pytest.mark.parametrize(
    ("name", "recording"),
    [
        ("yahoo", "yahoo/chart_empty.json"),
        ("tiingo", "tiingo/empty.json"),
        ("stooq", "stooq/no_data.txt"),
    ],
)
def test_provider_answers_an_empty_range_with_no_rows(
    name: str, recording: str, server: RecordingServer
) -> None:
    table = _provider(name, server.answer(recording)).fetch("AAPL", start=dt.date(2024, 7, 31))
    assert table.frame.empty


@pytest.mark.parametrize(
    ("name", "recording", "status", "message"),
    [
        ("yahoo", "yahoo/not_found.json", 404, "No data found, symbol may be delisted"),
        ("yahoo", "yahoo/chart_truncated.json", 200, "invalid JSON"),
        ("yahoo", "yahoo/consent.html", 200, "an HTML page"),
        ("alphavantage", "alphavantage/error_unknown_symbol.json", 200, "rejected the request"),
        ("alphavantage", "alphavantage/note_rate_limit.json", 200, "call frequency limit"),
        ("alphavantage", "alphavantage/information_daily_limit.json", 200, "25 requests per day"),
        ("alphavantage", "alphavantage/information_invalid_key.json", 200, "apikey is invalid"),
        ("stooq", "stooq/apikey_page.html", 200, "HTML page instead of CSV"),
        ("stooq", "stooq/exceeded.txt", 200, "daily request quota exhausted"),
        ("stooq", "stooq/no_data.txt", 200, "unknown symbol"),
        ("tiingo", "tiingo/not_found.json", 404, "Ticker 'ZZZZ' not found"),
        ("tiingo", "tiingo/invalid_token.json", 401, "Invalid token"),
        ("tiingo", "yahoo/chart_truncated.json", 200, "invalid JSON"),
    ],
)
def test_provider_failure_is_a_clear_error_without_the_key(
    name: str, recording: str, status: int, message: str, server: RecordingServer
) -> None:
    with pytest.raises(ProviderError, match=message) as caught:
        _provider(name, server.answer(recording, status=status)).fetch("ZZZZ")
    assert KEY not in str(caught.value)
    assert str(caught.value).startswith(f"{name}: ")


def test_rate_limit_is_retried_honouring_retry_after(server: RecordingServer) -> None:
    server.answer("yahoo/too_many_requests.txt", status=429, headers={"Retry-After": "7"})
    server.answer("yahoo/chart_full.json")
    provider = _provider("yahoo", server)
    waits: list[float] = []
    provider.client.sleep = waits.append
    assert len(provider.fetch("AAPL").frame) == 15
    assert waits == [7.0]
    assert len(server.seen) == 2


def test_persistent_5xx_fails_after_the_retries_with_back_off(server: RecordingServer) -> None:
    server.answer("yahoo/too_many_requests.txt", status=503)
    provider = _provider("yahoo", server)
    waits: list[float] = []
    provider.client.sleep = waits.append
    with pytest.raises(ProviderError, match="failed after 3 attempts: HTTP 503"):
        provider.fetch("AAPL")
    assert waits == [0.5, 1.0]


def test_retry_after_beyond_the_cap_fails_at_once(server: RecordingServer) -> None:
    server.answer("yahoo/too_many_requests.txt", status=429, headers={"Retry-After": "3600"})
    with pytest.raises(ProviderError, match="asks to wait 3600s"):
        _provider("yahoo", server).fetch("AAPL")
    assert len(server.seen) == 1


def test_request_budget_refuses_once_used_up(server: RecordingServer) -> None:
    provider = _provider(
        "alphavantage",
        server.answer("alphavantage/daily_full.json"),
        provider_budgets={"alphavantage": "2/day"},
    )
    provider.fetch("AAPL")
    provider.fetch("AAPL")
    with pytest.raises(ProviderError, match="request budget 2/day is used up"):
        provider.fetch("AAPL")
    assert len(server.seen) == 2


def test_missing_key_is_a_config_error_before_any_request(server: RecordingServer) -> None:
    settings = Settings(alphavantage_base_url=server.url)
    with pytest.raises(ConfigError, match="TICKERCAST_ALPHAVANTAGE_API_KEY"):
        named_provider("alphavantage", settings).fetch("AAPL")
    assert server.seen == []


def test_keys_never_reach_the_logs(
    server: RecordingServer, caplog: pytest.LogCaptureFixture
) -> None:
    server.answer("yahoo/too_many_requests.txt", status=503)
    server.answer("alphavantage/daily_full.json")
    caplog.set_level(logging.DEBUG)
    _provider("alphavantage", server).fetch("AAPL")
    assert "apikey=" in caplog.text  # httpx logged the request URL ...
    assert KEY not in caplog.text  # ... with the key replaced


def test_provider_infos_say_whether_keys_are_set_never_the_key() -> None:
    infos = {i.name: i for i in provider_infos(Settings(tiingo_api_key=SecretStr(KEY)))}
    assert set(infos) == {"yahoo", "alphavantage", "stooq", "tiingo"}
    assert (infos["yahoo"].needs_key, infos["yahoo"].key_set) == (False, True)
    assert (infos["tiingo"].key_set, infos["alphavantage"].key_set) == (True, False)
    assert KEY not in repr(infos)
    assert infos["alphavantage"].budget == "25/day"


def test_unknown_provider_names_the_known_ones() -> None:
    with pytest.raises(ConfigError, match="yahoo, alphavantage, stooq, tiingo"):
        named_provider("bloomberg", Settings())
