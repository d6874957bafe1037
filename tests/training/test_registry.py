"""Registry and promotion gate against a temporary MLflow store."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from mlflow import MlflowClient

from tests.models.factories import TINY_PARAMS, business_dates, random_walk
from tickercast.config import Settings
from tickercast.errors import ModelNotFound
from tickercast.models import Forecaster, create_model
from tickercast.training import pipeline, registry

PRICES = random_walk(420, seed=11)
DATES = business_dates(420)


def _fit(name: str) -> Forecaster:
    return create_model(name, **TINY_PARAMS[name]).fit(PRICES[:380], DATES[:380])


def _register(
    ticker: str, settings: Settings, name: str, *, relative_mae: float, error: float
) -> str:
    """A version whose walk-forward forecasts miss every actual by ``error``."""
    actual = PRICES[380:]
    frame = pd.DataFrame(
        {
            "date": [str(d) for d in DATES[380:]],
            "actual": actual,
            "last": PRICES[379:-1],
            "point": actual + error,
        }
    )
    metrics = {"mae": error, "relative_mae": relative_mae, "skill": 1 - relative_mae}
    model = _fit(name)
    run_id = registry.log_training_run(
        ticker,
        model,
        metrics=metrics,
        naive_metrics={"mae": error / relative_mae},
        walkforward=frame,
        settings=settings,
    )
    return registry.register_version(
        ticker,
        run_id,
        model=model,
        metrics=metrics,
        test_start=str(DATES[380]),
        test_end=str(DATES[-1]),
        settings=settings,
    )


def test_get_champion_version_is_none_without_registry(
    mlflow_settings: Settings, ticker: str
) -> None:
    assert registry.get_champion_version(ticker, mlflow_settings) is None
    with pytest.raises(ModelNotFound, match=f"no champion model for {ticker}"):
        registry.load_champion(ticker, mlflow_settings)


def test_promote_accepts_candidate_that_beats_naive(mlflow_settings: Settings, ticker: str) -> None:
    _register(ticker, mlflow_settings, "naive", relative_mae=1.0, error=2.0)
    v = _register(ticker, mlflow_settings, "lightgbm", relative_mae=0.9, error=1.8)
    decision = registry.promote(ticker, v, settings=mlflow_settings)
    assert decision.promoted and decision.champion == v
    assert registry.get_champion_version(ticker, mlflow_settings) == v


def test_promote_refuses_candidate_worse_than_champion(
    mlflow_settings: Settings, ticker: str
) -> None:
    good = _register(ticker, mlflow_settings, "lightgbm", relative_mae=0.9, error=1.0)
    assert registry.promote(ticker, good, settings=mlflow_settings).promoted
    worse = _register(ticker, mlflow_settings, "lstm", relative_mae=0.95, error=1.5)
    decision = registry.promote(ticker, worse, settings=mlflow_settings)
    assert not decision.promoted
    assert decision.champion == good
    assert (
        "worse than champion" in decision.reason
        and "40 common walk-forward days" in decision.reason
    )
    assert registry.get_champion_version(ticker, mlflow_settings) == good


def test_promote_makes_naive_champion_when_nothing_beats_it(
    mlflow_settings: Settings, ticker: str
) -> None:
    naive = _register(ticker, mlflow_settings, "naive", relative_mae=1.0, error=2.0)
    cand = _register(ticker, mlflow_settings, "lstm", relative_mae=1.02, error=2.1)
    decision = registry.promote(ticker, cand, settings=mlflow_settings)
    assert not decision.promoted
    assert decision.champion == naive
    assert "does not beat naive (relative MAE 1.02000" in decision.reason
    assert f"Naive (version {naive}) is champion instead" in decision.reason
    assert registry.get_champion_version(ticker, mlflow_settings) == naive


def test_promote_force_overrides_gate_and_records_it(
    mlflow_settings: Settings, ticker: str
) -> None:
    _register(ticker, mlflow_settings, "naive", relative_mae=1.0, error=2.0)
    cand = _register(ticker, mlflow_settings, "lstm", relative_mae=1.05, error=2.1)
    decision = registry.promote(ticker, cand, force=True, settings=mlflow_settings)
    assert decision.promoted and decision.forced
    mv = MlflowClient(mlflow_settings.resolved_mlflow_tracking_uri).get_model_version(
        registry.registered_name(ticker), cand
    )
    assert mv.tags["promotion"] == "forced"
    assert "does not beat naive" in mv.tags["promotion_note"]
    listed = {v.version: v for v in registry.list_versions(ticker, mlflow_settings)}
    assert listed[cand].champion and listed[cand].promotion == "forced"


def test_promote_never_accepts_seed_lstm_even_forced(
    mlflow_settings: Settings, ticker: str
) -> None:
    seed = _register(ticker, mlflow_settings, "seed-lstm", relative_mae=0.5, error=0.1)
    decision = registry.promote(ticker, seed, force=True, settings=mlflow_settings)
    assert not decision.promoted
    assert "never eligible" in decision.reason
    assert registry.get_champion_version(ticker, mlflow_settings) is None


def test_promote_unknown_version_raises_model_not_found(
    mlflow_settings: Settings, ticker: str
) -> None:
    _register(ticker, mlflow_settings, "naive", relative_mae=1.0, error=2.0)
    with pytest.raises(ModelNotFound, match="version '7'"):
        registry.promote(ticker, "7", settings=mlflow_settings)


def test_train_register_serves_same_predictions_from_registry(
    mlflow_settings: Settings, ticker: str
) -> None:
    result = pipeline.train(
        ticker,
        "lightgbm",
        PRICES,
        DATES,
        mlflow_settings,
        register=True,
        params=TINY_PARAMS["lightgbm"],
        test_days=60,
        refit_every=30,
    )
    assert result.naive_version == "1" and result.version == "2"
    assert result.decision is not None
    champion = registry.get_champion_version(ticker, mlflow_settings)
    expected = result.version if result.metrics["relative_mae"] < 1 else "1"
    assert champion == expected
    model, info = registry.load_champion(ticker, mlflow_settings)
    assert info.version == champion and info.ticker == ticker
    assert info.trained_to == str(DATES[-1])
    assert info.beats_naive is (info.relative_mae < 1)
    assert "naive_mae" in info.metrics and "coverage_80" in info.metrics
    windows = np.lib.stride_tricks.sliding_window_view(PRICES, 7)[-20:]
    served = result.model if champion == result.version else create_model("naive")
    if champion == result.version:
        np.testing.assert_array_equal(model.predict(windows).point, served.predict(windows).point)
        np.testing.assert_array_equal(
            model.predict(windows).upper[95], served.predict(windows).upper[95]
        )
    client = MlflowClient(mlflow_settings.resolved_mlflow_tracking_uri)
    artifacts = {a.path for a in client.list_artifacts(result.run_id)}
    assert artifacts == {"model", "validation"}
    names = {Path(a.path).name for a in client.list_artifacts(result.run_id, "validation")}
    assert names == {"metrics.json", "report.html", "walkforward.csv"}
    run = client.get_run(result.run_id)
    assert run.data.params["model.n_estimators"] == "30"
    assert run.data.metrics["naive_relative_mae"] == 1.0


def test_bootstrap_champion_leaves_a_validated_champion(
    mlflow_settings: Settings, ticker: str
) -> None:
    decision = pipeline.bootstrap_champion(
        ticker, mlflow_settings, PRICES, DATES, test_days=60, refit_every=30
    )
    assert decision.champion is not None
    assert registry.get_champion_version(ticker, mlflow_settings) == decision.champion
    names = {v.model_name for v in registry.list_versions(ticker, mlflow_settings)}
    assert names == {"naive", "lightgbm"}
    again = pipeline.bootstrap_champion(ticker, mlflow_settings, PRICES, DATES)
    assert again.champion == decision.champion
