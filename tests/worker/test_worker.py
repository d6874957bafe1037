"""The worker: drift on a new bar -> retrain in a child process; a crash keeps the champion."""

from __future__ import annotations

import os
import signal
import threading
from pathlib import Path

import pytest

from tests.cli.test_drift_cli import BREAK, _break_csv
from tests.training.factories import register_stored
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers.csv import CsvProvider
from tickercast.training import registry
from tickercast.worker.loop import Worker
from tickercast.worker.runner import run_retrain_process


@pytest.fixture
def broken(sqlite_settings: Settings, tmp_path: Path) -> tuple[Settings, list[str]]:
    """Ticker ZQX with a volatility break at BREAK; naive champion trained 50 bars before."""
    csv, days = _break_csv(tmp_path / "brk.csv")
    ingest_table(CsvProvider(csv).fetch("ZQX"), ticker="ZQX", settings=sqlite_settings)
    register_stored(sqlite_settings, "ZQX", through=days[BREAK - 50], test_days=250, refit_every=50)
    return sqlite_settings, days


@pytest.mark.slow
def test_worker_retrains_on_drift_in_a_child_process(broken: tuple[Settings, list[str]]) -> None:
    settings, days = broken
    settings = settings.model_copy(update={"retrain_model": "lightgbm"})
    job = Worker(settings, ["ZQX"])
    (event,) = job.tick()
    assert event["status"] == "drift" and event["trigger"] == "drift"
    assert event["outcome"] in {"promoted", "refused"}
    assert job.retrains.labels("ZQX", event["outcome"])._value.get() == 1
    history = registry.version_history("ZQX", settings)
    # promoted: the candidate serves; refused: a naive refit on the same data serves instead
    decisions = ["promoted"] if event["outcome"] == "promoted" else ["refused", "refreshed"]
    assert [v["decision"] for v in history[1:]] == decisions
    assert [v["trigger"] for v in history] == [None] + ["drift"] * len(decisions)
    assert {v["data_date"] for v in history[1:]} == {days[-1]}
    assert history[-1]["champion"]
    # next pass: the new champion, trained up to the last bar, is not retrained
    again = job.tick()
    assert len(again) == 1 and "outcome" not in again[0]


@pytest.mark.slow
def test_crash_mid_retrain_keeps_the_old_champion(broken: tuple[Settings, list[str]]) -> None:
    settings, _ = broken
    settings = settings.model_copy(update={"retrain_model": "lstm", "retrain_test_days": 250})
    before = registry.get_champion_version("ZQX", settings)
    versions = len(registry.list_versions("ZQX", settings))

    def kill_soon(pid: int) -> None:
        threading.Timer(3.0, os.kill, (pid, signal.SIGKILL)).start()

    result = run_retrain_process("ZQX", settings, started=kill_soon)
    assert result["outcome"] == "crashed"
    assert "code -9" in result["reason"]
    assert registry.get_champion_version("ZQX", settings) == before
    assert len(registry.list_versions("ZQX", settings)) == versions
    _, info = registry.load_champion("ZQX", settings)
    assert info.version == before and info.model_name == "naive"

    crashed = {"ticker": "ZQX", "outcome": "crashed", "reason": "killed"}
    job = Worker(settings, ["ZQX"], retrain=lambda *a, **k: crashed)
    (event,) = job.tick()
    assert event["outcome"] == "crashed"
    assert job.retrains.labels("ZQX", "crashed")._value.get() == 1
    assert registry.get_champion_version("ZQX", settings) == before
