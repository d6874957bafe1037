"""A ticker the product has never seen, with a volatility break: drift, retrain, the record."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from mlflow import MlflowClient

from tests.cli.conftest import Run
from tickercast.config import Settings

BREAK = 700  # bars from here on have 3x the volatility


def _break_csv(path: Path) -> tuple[Path, list[str]]:
    rng = np.random.default_rng(21)
    r = rng.standard_t(5, 820) * 0.01 / np.sqrt(5 / 3)
    r[BREAK:] *= 3
    close = 50 * np.exp(np.cumsum(r))
    days = [
        str(d) for d in np.busday_offset(np.datetime64("2020-01-01"), np.arange(820), "forward")
    ]
    path.write_text(
        "Date,Close\n" + "".join(f"{d},{c:.4f}\n" for d, c in zip(days, close, strict=True))
    )
    return path, days


@pytest.mark.slow
def test_hidden_ticker_drift_then_retrain_logs_the_decision(cli: Run, tmp_path: Path) -> None:
    csv, days = _break_csv(tmp_path / "brk.csv")
    settings = Settings(data_dir=tmp_path / "var")
    cli("init", "--no-sample", settings=settings, ok=True)
    cli("data", "ingest", "ZQX", "--source", "csv", "--path", str(csv), settings=settings, ok=True)
    until = days[BREAK - 50]
    cli(
        "train",
        "ZQX",
        "--model",
        "naive",
        "--register",
        "--until",
        until,
        "--test-days",
        "250",
        "--refit-every",
        "50",
        "--no-progress",
        settings=settings,
        ok=True,
    )

    calm = json.loads(
        cli("drift", "ZQX", "--as-of", days[BREAK - 1], "--json", settings=settings, ok=True).stdout
    )
    assert calm["status"] != "drift" and calm["reference_end"] == until
    assert calm["monitored_days"] == 49
    names = {c["name"] for c in calm["checks"]}
    assert names == {
        "returns_ks",
        "abs_returns_ks",
        "volatility_cusum",
        "jump",
        "performance",
        "miss_80",
        "miss_95",
    }
    assert all(
        {"statistic", "threshold", "window", "status", "rule"} <= set(c) for c in calm["checks"]
    )

    report = json.loads(cli("drift", "ZQX", "--json", settings=settings, ok=True).stdout)
    assert report["status"] == "drift" and report["as_of"] == days[-1]
    drifted = {c["name"] for c in report["checks"] if c["status"] == "drift"}
    assert "volatility_cusum" in drifted
    table = cli("drift", "ZQX", settings=settings, ok=True).stdout
    assert "volatility_cusum" in table and "drift" in table

    out = json.loads(
        cli("retrain", "ZQX", "--if-drift", "--json", settings=settings, ok=True).stdout
    )
    assert out["trigger"] == "drift" and out["retrained"] is True
    assert out["drift"]["status"] == "drift"
    vs = out["candidate"]["vs_naive"]
    assert 0 <= vs["p_value"] <= 1 and vs["alpha"] == 0.05
    assert out["decision"]["details"]["vs_naive"]["p_value"] == pytest.approx(vs["p_value"])
    assert isinstance(out["decision"]["promoted"], bool)

    client = MlflowClient(settings.resolved_mlflow_tracking_uri)
    run = client.get_run(out["run_id"])
    assert run.data.tags["tickercast.trigger"] == "drift"
    assert run.data.tags["tickercast.drift_status"] == "drift"
    assert run.data.tags["tickercast.decision"] in {"promoted", "refused"}
    cusum = next(c for c in out["drift"]["checks"] if c["name"] == "volatility_cusum")
    assert run.data.metrics["drift_volatility_cusum"] == pytest.approx(cusum["statistic"])
    assert cusum["statistic"] > cusum["threshold"]
    artifacts = {a.path for a in client.list_artifacts(out["run_id"], "retrain")}
    assert artifacts == {"retrain/drift.json", "retrain/decision.json"}
    mv = client.get_model_version("tickercast-ZQX", out["version"])
    assert mv.tags["trigger"] == "drift" and mv.tags["data_date"] == days[-1]


def test_drift_unknown_ticker_is_one_line_error(cli: Run, tmp_path: Path) -> None:
    settings = Settings(data_dir=tmp_path / "var")
    cli("init", "--no-sample", settings=settings, ok=True)
    result = cli("drift", "NOPE", settings=settings, ok=False)
    assert result.returncode == 1
    assert result.stderr.strip().count("\n") == 0 and "NOPE" in result.stderr


def test_drift_and_retrain_explain_themselves(cli: Run) -> None:
    assert "--as-of" in cli("drift", "--help", ok=True).stdout
    assert "--if-drift" in cli("retrain", "--help", ok=True).stdout
