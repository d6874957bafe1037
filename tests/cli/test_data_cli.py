from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.cli.conftest import Run
from tests.data.test_ingestion import dump
from tests.factories import bar_lines, write_csv
from tickercast.config import Settings


@pytest.mark.parametrize(
    "command",
    [[], ["init"], ["serve"], ["data"], ["data", "ingest"], ["data", "list"], ["data", "show"]],
)
def test_help_explains_every_command(cli: Run, command: list[str]) -> None:
    result = cli(*command, "--help", ok=True)
    assert "Usage:" in result.stdout
    assert "--help" in result.stdout


def test_init_loads_bundled_data_and_is_safe_twice(cli: Run, tmp_path: Path) -> None:
    first = json.loads(cli("init", "--no-champion", "--json", ok=True).stdout)
    assert first["tickers"]["AMZN"] == {"inserted": 7093, "unchanged": 0}
    second = json.loads(cli("init", "--no-champion", "--json", ok=True).stdout)
    assert second["tickers"]["AMZN"] == {"inserted": 0, "unchanged": 7093}
    listing = json.loads(cli("data", "list", "--json", ok=True).stdout)
    assert [(t["ticker"], t["first_date"], t["last_date"], t["rows"]) for t in listing] == [
        ("AAPL", "1980-12-12", "2024-07-30", 10998),
        ("AMZN", "1997-05-15", "2025-07-25", 7093),
        ("GOOG", "2004-08-19", "2024-07-30", 5020),
        ("MSFT", "1986-03-13", "2024-07-30", 9672),
        ("NVDA", "1999-01-22", "2024-07-30", 6421),
    ]


def test_init_no_sample_creates_empty_schema(cli: Run) -> None:
    cli("init", "--no-sample", ok=True)
    assert json.loads(cli("data", "list", "--json", ok=True).stdout) == []


def test_ingest_bad_row_prints_line_and_changes_nothing(
    cli: Run, settings: Settings, tmp_path: Path
) -> None:
    cli("data", "ingest", "AMZN", ok=True, settings=settings)
    before = dump(settings)
    lines = bar_lines(10, start="2025-08-01")
    lines[4] = lines[4].replace(lines[4].split(",")[4], "-2.5", 1)
    path = write_csv(tmp_path / "bad.csv", lines)
    result = cli(
        "data",
        "ingest",
        "AMZN",
        "--source",
        "csv",
        "--path",
        str(path),
        settings=settings,
        ok=False,
    )
    assert result.returncode == 1
    assert (
        "line 6, column 'close': value '-2.5' is not positive; prices must be > 0" in result.stderr
    )
    assert "error: " in result.stderr and "Traceback" not in result.stderr
    assert dump(settings) == before

    result = cli(
        "data",
        "ingest",
        "AMZN",
        "--source",
        "csv",
        "--path",
        str(path),
        "--skip-bad-rows",
        "--json",
        settings=settings,
        ok=True,
    )
    report = json.loads(result.stdout)
    assert (report["inserted"], report["skipped_rows"]) == (9, 1)


def test_show_tail_as_json(cli: Run, sqlite_settings: Settings) -> None:
    cli("data", "ingest", "AMZN", ok=True, settings=sqlite_settings)
    rows = json.loads(
        cli(
            "data", "show", "AMZN", "--tail", "2", "--json", ok=True, settings=sqlite_settings
        ).stdout
    )
    assert [r["date"] for r in rows] == ["2025-07-24", "2025-07-25"]
    table = cli(
        "data", "show", "AMZN", "--start", "2025-07-24", ok=True, settings=sqlite_settings
    ).stdout
    assert "2025-07-24" in table and "2025-07-25" in table and "2025-07-23" not in table


def test_unknown_ticker_is_one_line_error(cli: Run, sqlite_settings: Settings) -> None:
    result = cli("data", "show", "NOPE", settings=sqlite_settings, ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().splitlines() == [
        "error: unknown ticker 'NOPE'; see GET /v1/tickers or `tickercast data list`"
    ]


def test_ingest_csv_without_path_explains(cli: Run, sqlite_settings: Settings) -> None:
    result = cli("data", "ingest", "X", "--source", "csv", settings=sqlite_settings, ok=False)
    assert "--source csv needs --path FILE" in result.stderr


def test_bad_option_value_is_usage_error(cli: Run, sqlite_settings: Settings) -> None:
    result = cli("data", "show", "AMZN", "--start", "yesterday", settings=sqlite_settings, ok=False)
    assert result.returncode == 2
    assert "Invalid value for '--start'" in result.stderr
