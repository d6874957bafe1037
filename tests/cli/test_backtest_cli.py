from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from tests.cli.conftest import Run
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider


@pytest.fixture
def amzn(sqlite_settings: Settings) -> Settings:
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=sqlite_settings)
    return sqlite_settings


@pytest.mark.slow
def test_positions_out_recomputes_the_reported_total_return(
    cli: Run, amzn: Settings, tmp_path: Path
) -> None:
    positions = tmp_path / "positions.csv"
    report = tmp_path / "report.html"
    result = cli(
        "backtest",
        "AMZN",
        "--from",
        "2025-01-02",
        "--refit-every",
        "60",
        "--commission-bps",
        "0.5",
        "--slippage-bps",
        "0.5",
        "--fixed-cost",
        "1",
        "--min-edge-bps",
        "0",
        "--random",
        "50",
        "--json",
        "--positions-out",
        str(positions),
        "--report",
        str(report),
        settings=amzn,
        ok=True,
    )
    out = json.loads(result.stdout)
    strategy = out["metrics"]["strategy"]
    assert strategy["trades"] > 0, "the test needs trades to recompute"
    assert set(out["metrics"]) == {"strategy", "buy-and-hold", "cash"}
    assert out["random"]["sharpe"]["mean"] is not None
    assert 0 < out["verdict"]["p_value"] <= 1
    frame = pd.read_csv(positions)
    assert frame["date"].iloc[0] == out["start"] and frame["date"].iloc[-1] == out["end"]
    cash0 = out["config"]["initial_cash"]
    paid = (
        (frame["shares_traded"] * frame["fill_price"].fillna(0))
        + frame["commission"]
        + frame["fixed_cost"]
    )
    cash = cash0 - np.cumsum(paid.to_numpy())
    shares = np.cumsum(frame["shares_traded"].to_numpy())
    equity = cash + shares * frame["close"].to_numpy()
    assert abs(equity[-1] / cash0 - 1 - strategy["total_return"]) < 1e-9
    page = report.read_text()
    assert "buy-and-hold" in page and out["verdict"]["line"].split(";")[0] in page
    # logged to MLflow with its metrics and files
    from mlflow import MlflowClient

    client = MlflowClient(tracking_uri=amzn.resolved_mlflow_tracking_uri)
    run = client.get_run(out["mlflow_run_id"])
    assert run.data.tags["tickercast.kind"] == "backtest"
    assert run.data.metrics["strategy_total_return"] == pytest.approx(strategy["total_return"])
    files = {f.path for f in client.list_artifacts(run.info.run_id, "backtest")}
    assert {"backtest/positions.csv", "backtest/report.html", "backtest/backtest.json"} <= files


def test_buy_and_hold_strategy_matches_its_benchmark(cli: Run, amzn: Settings) -> None:
    out = json.loads(
        cli(
            "backtest",
            "AMZN",
            "--strategy",
            "buy-and-hold",
            "--from",
            "2024-01-02",
            "--random",
            "5",
            "--no-mlflow",
            "--json",
            settings=amzn,
            ok=True,
        ).stdout
    )
    assert out["metrics"]["strategy"] == out["metrics"]["buy-and-hold"]
    assert out["metrics"]["strategy"]["trades"] == 1


def test_stored_naive_champion_never_trades(cli: Run, champion_settings: Settings) -> None:
    out = json.loads(
        cli(
            "backtest",
            "AMZN",
            "--stored",
            "--random",
            "5",
            "--no-mlflow",
            "--json",
            settings=champion_settings,
            ok=True,
        ).stdout
    )
    assert out["metrics"]["strategy"]["trades"] == 0
    assert out["verdict"]["line"].startswith("No edge")
    assert "champion version 1 (naive)" in out["forecast_source"]


def test_bad_input_is_one_line_error(cli: Run, amzn: Settings) -> None:
    bad = cli("backtest", "AMZN", "--slippage-bps", "-3", "--no-mlflow", settings=amzn, ok=False)
    assert "costs.slippage_bps is -3.0" in bad.stderr
    assert len(bad.stderr.strip().splitlines()) == 1
    unknown = cli("backtest", "ZZZ", "--no-mlflow", settings=amzn, ok=False)
    assert "unknown ticker 'ZZZ'" in unknown.stderr


def test_backtest_help_lists_the_options(cli: Run) -> None:
    out = cli("backtest", "--help", ok=True).stdout
    for option in (
        "--from",
        "--to",
        "--strategy",
        "--commission-bps",
        "--slippage-bps",
        "--json",
        "--report",
        "--positions-out",
        "--fill",
    ):
        assert option in out
