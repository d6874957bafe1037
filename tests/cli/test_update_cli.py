"""`tickercast data update` and `data providers` through the real CLI and a local server."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator

import pytest

from tests.cli.conftest import Run
from tests.data.recording_server import RecordingServer, serve


@pytest.fixture
def server(monkeypatch: pytest.MonkeyPatch) -> Iterator[RecordingServer]:
    for gen in [serve()]:
        recording = next(gen)
        for name in ("YAHOO", "ALPHAVANTAGE", "STOOQ", "TIINGO"):
            monkeypatch.setenv(f"TICKERCAST_{name}_BASE_URL", recording.url)
        monkeypatch.setenv("TICKERCAST_STOOQ_API_KEY", "SECRETKEY123")
        monkeypatch.setenv("TICKERCAST_HTTP_RETRIES", "0")
        yield recording
        recording.close()


def test_update_hidden_ticker_then_all_without_arguments(cli: Run, server: RecordingServer) -> None:
    cli("init", "--no-sample", ok=True)
    server.answer("stooq/daily_full.csv")
    first = json.loads(
        cli("data", "update", "HIDN", "--provider", "stooq", "--json", ok=True).stdout
    )
    assert [(r["ticker"], r["provider_symbol"], r["added"]) for r in first] == [
        ("HIDN", "hidn.us", 15)
    ]
    server.answers.clear()
    server.answer("stooq/daily_update.csv")
    result = cli("data", "update", "--all", ok=True)
    assert "HIDN from stooq (hidn.us, since 2024-07-15): 6 added, 0 revised, 6 unchanged" in (
        result.stdout
    )
    assert server.seen[-1].query["d1"] == ["20240715"]
    listing = json.loads(cli("data", "list", "--json", ok=True).stdout)
    assert [(t["ticker"], t["rows"], t["sources"]) for t in listing] == [("HIDN", 21, ["stooq"])]
    assert "SECRETKEY123" not in result.stdout + result.stderr


def test_update_failure_is_one_line_and_exit_1(cli: Run, server: RecordingServer) -> None:
    cli("init", "--no-sample", ok=True)
    server.answer("stooq/apikey_page.html")
    result = cli("data", "update", "AAPL", "--provider", "stooq", ok=False)
    assert result.returncode == 1
    assert "HTML page instead of CSV" in result.stderr
    assert "Traceback" not in result.stderr
    assert "SECRETKEY123" not in result.stderr


def test_update_needs_tickers_or_all(cli: Run) -> None:
    result = cli("data", "update", ok=False)
    assert "name tickers or use --all" in result.stderr


def test_providers_lists_keys_set_never_the_key(cli: Run, server: RecordingServer) -> None:
    infos = json.loads(cli("data", "providers", "--json", ok=True).stdout)
    by_name = {i["name"]: i for i in infos}
    assert by_name["stooq"]["key_set"] is True
    assert by_name["tiingo"]["key_set"] is False
    assert by_name["tiingo"]["key_setting"] == "TICKERCAST_TIINGO_API_KEY"
    table = cli("data", "providers", ok=True).stdout
    assert "missing: TICKERCAST_ALPHAVANTAGE_API_KEY" in table
    assert "SECRETKEY123" not in table + json.dumps(infos)
    assert os.environ.get("TICKERCAST_STOOQ_API_KEY") == "SECRETKEY123"
