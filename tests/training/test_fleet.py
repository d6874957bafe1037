"""Many tickers on real Ray: same per-ticker metrics as the sequential run, failures
reported while the rest finish, and the CLI's --tickers / --all on top."""

from __future__ import annotations

import dataclasses
import json
import sys
from collections.abc import Iterator
from typing import Any

import pytest
from typer.testing import CliRunner

from tickercast.cli import app
from tickercast.config import Settings, get_settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.errors import ConfigError
from tickercast.training import fleet, registry

ray = pytest.importorskip("ray")

runner = CliRunner()
TICKERS = ("AAPL", "MSFT", "GOOG")
FAST = {"test_days": 30, "refit_every": 15}


@pytest.fixture(scope="module")
def ray_session() -> Iterator[None]:
    """One local 2-CPU Ray for the module (starting Ray takes seconds); fleet reuses it."""
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    yield
    ray.shutdown()


def _jobs() -> list[fleet.TickerJob]:
    jobs = []
    for t in TICKERS:
        frame = BundledProvider().fetch(t).frame
        jobs.append(fleet.TickerJob(t, frame["close"].to_numpy(float), frame["date"].to_numpy()))
    short = jobs[0]
    jobs.append(fleet.TickerJob("SHORT", short.closes[:60], short.dates[:60]))  # too little history
    return jobs


def _without_seconds(result: dict[str, Any] | None) -> Any:
    assert result is not None
    return [{k: v for k, v in m.items() if k != "seconds"} for m in result["models"]]


@pytest.mark.slow
def test_ray_validate_gives_the_sequential_metrics_and_reports_the_failing_ticker(
    ray_session: None,
) -> None:
    jobs = _jobs()
    options = fleet.FleetOptions("validate", ("naive", "lightgbm"), **FAST)
    settings = Settings()
    seen: list[str] = []
    on_ray = fleet.run_fleet(
        jobs,
        options,
        settings,
        use_ray=True,
        batch_size=1,
        on_outcome=lambda o: seen.append(o.ticker),
    )
    sequential = fleet.run_fleet(jobs, options, settings, use_ray=False)

    assert sorted(seen) == sorted(j.ticker for j in jobs)
    assert [o.ticker for o in on_ray] == [j.ticker for j in jobs]
    for r, s in zip(on_ray, sequential, strict=True):
        assert r.ok == s.ok
        if r.ok:
            assert _without_seconds(r.result) == _without_seconds(s.result)
            assert {m["model"] for m in r.result["models"]} == {"naive", "lightgbm"}  # type: ignore[index]
    failed = {o.ticker: o for o in on_ray if not o.ok}
    assert set(failed) == {"SHORT"}
    assert failed["SHORT"].error_type == "ModelError"
    assert "use fewer test days" in (failed["SHORT"].error or "")


@pytest.mark.slow
def test_batched_tasks_give_the_same_metrics_as_one_ticker_per_task(ray_session: None) -> None:
    jobs = _jobs()[:3]
    options = fleet.FleetOptions("validate", ("naive", "lightgbm"), **FAST)
    one = fleet.run_fleet(jobs, options, Settings(), batch_size=1)
    batched = fleet.run_fleet(jobs, options, Settings(), batch_size=3)
    assert [_without_seconds(o.result) for o in one] == [
        _without_seconds(o.result) for o in batched
    ]


@pytest.fixture
def stored(sqlite_settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """SQLite holding three bundled histories and one too short to validate."""
    for t in TICKERS:
        ingest_table(BundledProvider().fetch(t), ticker=t, settings=sqlite_settings)
    full = BundledProvider().fetch("NVDA")
    short = dataclasses.replace(full, frame=full.frame.iloc[:60], lines=full.lines[:60])
    ingest_table(short, ticker="SHORT", settings=sqlite_settings)
    monkeypatch.setenv(
        "TICKERCAST_MLFLOW_TRACKING_URI", f"sqlite:///{sqlite_settings.data_dir}/mlflow.db"
    )
    get_settings.cache_clear()
    yield get_settings()
    get_settings.cache_clear()


ARGS = ["--test-days", "30", "--refit-every", "15", "--no-progress", "--json"]


@pytest.mark.slow
def test_validate_all_on_ray_reports_each_ticker_and_exits_1_on_failure(
    stored: Settings, ray_session: None
) -> None:
    result = runner.invoke(app, ["validate", "--all", "--models", "naive,lightgbm", *ARGS])
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    assert out["tickers"] == 4 and out["ok"] == 3 and out["failed"] == ["SHORT"]
    rows = {r["ticker"]: r for r in out["results"]}
    for t in TICKERS:
        models = {m["model"]: m for m in rows[t]["result"]["models"]}
        assert models["naive"]["relative_mae"] == 1.0
        assert 0 < models["lightgbm"]["relative_mae"] < 2
    assert "use fewer test days" in rows["SHORT"]["error"]


@pytest.mark.slow
def test_train_register_on_ray_logs_and_gates_each_ticker(
    stored: Settings, ray_session: None
) -> None:
    result = runner.invoke(
        app,
        ["train", "--tickers", "AAPL,MSFT,ZZZZ", "--model", "lightgbm", "--register", *ARGS],
    )
    assert result.exit_code == 1, result.output
    out = json.loads(result.stdout)
    rows = {r["ticker"]: r for r in out["results"]}
    assert out["failed"] == ["ZZZZ"] and rows["ZZZZ"]["error_type"] == "TickerNotFound"
    for t in ("AAPL", "MSFT"):
        r = rows[t]["result"]
        assert r["run_id"] and r["version"] and r["naive_version"]
        assert r["decision"]["ticker"] == t
        versions = registry.list_versions(t, stored)
        assert {v.version for v in versions} == {r["version"], r["naive_version"]}
        assert sum(v.champion for v in versions) == 1  # the gate chose one champion


def test_validate_table_on_sequential_path(stored: Settings) -> None:
    result = runner.invoke(
        app,
        [
            "validate",
            "--tickers",
            "AAPL,SHORT",
            "--models",
            "naive,lightgbm",
            "--sequential",
            "--test-days",
            "30",
            "--no-progress",
        ],
    )
    assert result.exit_code == 1
    assert "AAPL" in result.stdout and "SHORT" in result.stdout and "failed" in result.stdout


def test_ticker_and_tickers_together_is_a_one_line_error(stored: Settings) -> None:
    result = runner.invoke(app, ["validate", "AAPL", "--tickers", "MSFT", "--no-progress"])
    assert result.exit_code == 1
    assert "exactly one of" in str(result.exception)


def test_plan_batches_groups_cheap_tickers_and_honours_batch_size() -> None:
    jobs = [fleet.TickerJob(f"T{i}", _jobs()[0].closes) for i in range(50)]
    auto = fleet.plan_batches(jobs, cpus=2)
    assert [len(b) for b in auto] == [7] * 7 + [1]  # ceil(50 / 8) per task
    assert [len(b) for b in fleet.plan_batches(jobs, cpus=2, batch_size=20)] == [20, 20, 10]
    with pytest.raises(ConfigError, match="at least 1"):
        fleet.plan_batches(jobs, cpus=2, batch_size=0)


def test_missing_ray_is_a_clear_error(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(sys.modules, "ray", None)
    with pytest.raises(ConfigError, match=r"tickercast\[scale\]"):
        fleet.run_fleet(_jobs()[:1], fleet.FleetOptions("validate", ("naive",)), Settings())
