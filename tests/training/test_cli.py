"""The real Typer app: validate --json, train --register, models list/promote."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from tickercast.cli import app
from tickercast.config import Settings, get_settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider

runner = CliRunner()


@pytest.fixture
def goog(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """A migrated SQLite database holding the bundled GOOG history."""
    ingest_table(BundledProvider().fetch("GOOG"), ticker="GOOG", settings=sqlite_settings)
    monkeypatch.setenv(
        "TICKERCAST_MLFLOW_TRACKING_URI", f"sqlite:///{sqlite_settings.data_dir}/mlflow.db"
    )
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


def test_validate_json_through_cli_reports_models_against_naive(goog: Settings) -> None:
    report = goog.data_dir / "report.html"
    result = runner.invoke(
        app,
        [
            "validate",
            "GOOG",
            "--models",
            "naive,lightgbm",
            "--test-days",
            "40",
            "--refit-every",
            "20",
            "--json",
            "--no-progress",
            "--report",
            str(report),
        ],
    )
    assert result.exit_code == 0, result.output
    out = json.loads(result.stdout)
    assert out["ticker"] == "GOOG" and out["test_days"] == 40
    rows = {m["model"]: m for m in out["models"]}
    assert set(rows) == {"naive", "lightgbm"}
    assert rows["naive"]["relative_mae"] == 1.0
    assert 0 < rows["lightgbm"]["relative_mae"] < 2
    assert report.is_file()


def test_validate_unknown_ticker_raises_ticker_not_found(goog: Settings) -> None:
    result = runner.invoke(app, ["validate", "ZZZZ", "--json", "--no-progress"])
    assert result.exit_code == 1
    assert "unknown ticker 'ZZZZ'" in str(result.exception)


def test_train_register_then_list_and_promote_through_cli(goog: Settings) -> None:
    result = runner.invoke(
        app,
        [
            "train",
            "GOOG",
            "--model",
            "lightgbm",
            "--register",
            "--test-days",
            "40",
            "--refit-every",
            "20",
            "--no-progress",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "registered version: 2" in result.stdout
    listed = runner.invoke(app, ["models", "list", "GOOG", "--json"])
    assert listed.exit_code == 0
    versions = json.loads(listed.stdout)
    assert [v["model_name"] for v in versions] == ["naive", "lightgbm"]
    assert sum(v["champion"] for v in versions) == 1
    loser = next(v for v in versions if not v["champion"])
    refused = runner.invoke(app, ["models", "promote", "GOOG", loser["version"]])
    forced = runner.invoke(app, ["models", "promote", "GOOG", loser["version"], "--force"])
    assert refused.exit_code == 1 and "not promoted" in refused.stdout
    assert forced.exit_code == 0 and "by --force" in forced.stdout
