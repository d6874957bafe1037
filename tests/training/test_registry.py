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
from tickercast.training import gate, pipeline, registry

PRICES = random_walk(420, seed=11)
DATES = business_dates(420)


def _fit(name: str) -> Forecaster:
    return create_model(name, **TINY_PARAMS[name]).fit(PRICES[:380], DATES[:380])


def _register(ticker: str, settings: Settings, name: str, *, keep: float, flip: float = 0.0) -> str:
    """A version whose walk-forward error is ``keep`` times naive's on every day (``keep`` < 1
    beats naive on every day; ``flip`` > 0 instead moves the forecast by ``flip`` of the real
    move, in a random direction each day: a noise margin)."""
    actual, last = PRICES[380:], PRICES[379:-1]
    move = actual - last
    if flip:
        sign = np.random.default_rng(2).choice([-1.0, 1.0], size=move.size)
        point = last + flip * sign * move
    else:
        point = last + (1 - keep) * move
    frame = pd.DataFrame(
        {"date": [str(d) for d in DATES[380:]], "actual": actual, "last": last, "point": point}
    )
    model_mae = float(np.mean(np.abs(actual - point)))
    naive_mae = float(np.mean(np.abs(move)))
    rel = model_mae / naive_mae
    metrics = {"mae": model_mae, "relative_mae": rel, "skill": 1 - rel}
    model = _fit(name)
    run_id = registry.log_training_run(
        ticker,
        model,
        metrics=metrics,
        naive_metrics={"mae": naive_mae},
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
        significance=gate.versus_naive(frame, alpha=settings.gate_alpha),
    )


def test_get_champion_version_is_none_without_registry(
    mlflow_settings: Settings, ticker: str
) -> None:
    assert registry.get_champion_version(ticker, mlflow_settings) is None
    with pytest.raises(ModelNotFound, match=f"no champion model for {ticker}"):
        registry.load_champion(ticker, mlflow_settings)


def test_promote_accepts_candidate_that_beats_naive(mlflow_settings: Settings, ticker: str) -> None:
    _register(ticker, mlflow_settings, "naive", keep=1.0)
    v = _register(ticker, mlflow_settings, "lightgbm", keep=0.9)
    decision = registry.promote(ticker, v, settings=mlflow_settings)
    assert decision.promoted and decision.champion == v
    assert registry.get_champion_version(ticker, mlflow_settings) == v
    assert decision.details["vs_naive"]["p_value"] < 1e-6
    listed = {x.version: x for x in registry.list_versions(ticker, mlflow_settings)}
    assert listed[v].beats_naive and listed[v].margin == pytest.approx(0.1)
    assert not listed["1"].beats_naive and listed["1"].p_value == 1.0


def test_promote_refuses_noise_margin_candidate_and_keeps_naive(
    mlflow_settings: Settings, ticker: str
) -> None:
    naive = _register(ticker, mlflow_settings, "naive", keep=1.0)
    cand = _register(ticker, mlflow_settings, "lightgbm", keep=1.0, flip=0.02)
    listed = {x.version: x for x in registry.list_versions(ticker, mlflow_settings)}
    assert 0.999 < listed[cand].relative_mae < 1  # below 1: the old gate promoted this
    decision = registry.promote(ticker, cand, settings=mlflow_settings)
    assert not decision.promoted and decision.champion == naive
    assert "not significantly better than naive (DM/HLN p = " in decision.reason
    assert decision.details["vs_naive"]["p_value"] > 0.05
    _, info = registry.load_champion(ticker, mlflow_settings)
    assert info.model_name == "naive" and not info.beats_naive


def test_promote_refuses_candidate_worse_than_champion(
    mlflow_settings: Settings, ticker: str
) -> None:
    good = _register(ticker, mlflow_settings, "lightgbm", keep=0.5)
    assert registry.promote(ticker, good, settings=mlflow_settings).promoted
    worse = _register(ticker, mlflow_settings, "lstm", keep=0.8)
    decision = registry.promote(ticker, worse, settings=mlflow_settings)
    assert not decision.promoted
    assert decision.champion == good
    assert (
        "significantly worse than champion" in decision.reason
        and "on 40 common days" in decision.reason
    )
    assert registry.get_champion_version(ticker, mlflow_settings) == good


def test_promote_makes_naive_champion_when_nothing_beats_it(
    mlflow_settings: Settings, ticker: str
) -> None:
    naive = _register(ticker, mlflow_settings, "naive", keep=1.0)
    cand = _register(ticker, mlflow_settings, "lstm", keep=1.02)
    decision = registry.promote(ticker, cand, settings=mlflow_settings)
    assert not decision.promoted
    assert decision.champion == naive
    assert "not significantly better than naive (DM/HLN p = 1.000" in decision.reason
    assert f"Naive (version {naive}) is champion instead" in decision.reason
    assert registry.get_champion_version(ticker, mlflow_settings) == naive


def test_promote_force_overrides_gate_and_records_it(
    mlflow_settings: Settings, ticker: str
) -> None:
    _register(ticker, mlflow_settings, "naive", keep=1.0)
    cand = _register(ticker, mlflow_settings, "lstm", keep=1.05)
    decision = registry.promote(ticker, cand, force=True, settings=mlflow_settings)
    assert decision.promoted and decision.forced
    mv = MlflowClient(mlflow_settings.resolved_mlflow_tracking_uri).get_model_version(
        registry.registered_name(ticker), cand
    )
    assert mv.tags["promotion"] == "forced"
    assert "not significantly better than naive" in mv.tags["promotion_note"]
    listed = {v.version: v for v in registry.list_versions(ticker, mlflow_settings)}
    assert listed[cand].champion and listed[cand].promotion == "forced"


def test_promote_never_accepts_seed_lstm_even_forced(
    mlflow_settings: Settings, ticker: str
) -> None:
    seed = _register(ticker, mlflow_settings, "seed-lstm", keep=0.5)
    decision = registry.promote(ticker, seed, force=True, settings=mlflow_settings)
    assert not decision.promoted
    assert "never eligible" in decision.reason
    assert registry.get_champion_version(ticker, mlflow_settings) is None


def test_promote_unknown_version_raises_model_not_found(
    mlflow_settings: Settings, ticker: str
) -> None:
    _register(ticker, mlflow_settings, "naive", keep=1.0)
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
    assert result.verdict is not None
    expected = result.version if result.verdict.beats_naive else "1"
    assert champion == expected
    model, info = registry.load_champion(ticker, mlflow_settings)
    assert info.version == champion and info.ticker == ticker
    assert info.trained_to == str(DATES[-1])
    assert info.beats_naive is (champion == result.version)
    assert info.p_value is not None and (info.p_value < 0.05) is info.beats_naive
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
