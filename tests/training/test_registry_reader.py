"""The serving workers' registry reader (MLflow's SQL tables, no MLflow import) agrees with
the MLflow client on every answer, and loads the light form the registration exported."""

from __future__ import annotations

import logging
import shutil
from pathlib import Path

import numpy as np
import pytest

from tests.models.factories import TINY_PARAMS
from tests.training.factories import register_bundled
from tickercast.config import Settings
from tickercast.errors import ModelNotFound
from tickercast.models.light.forecasters import LightGBMLight
from tickercast.models.lightgbm import LightGBMForecaster
from tickercast.models.lstm import LSTMForecaster
from tickercast.training import registry, registry_reader

WINDOWS = 100.0 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.02, (64, 7)), axis=1))


@pytest.fixture
def template_settings(registry_template: Path, tmp_path: Path) -> Settings:
    """A private copy of the session registry (naive v1 = champion, lightgbm v2)."""
    shutil.copy(registry_template / "mlflow.db", tmp_path / "mlflow.db")
    return Settings(data_dir=tmp_path, mlflow_tracking_uri=f"sqlite:///{tmp_path / 'mlflow.db'}")


def test_reader_reads_the_champion_version_like_mlflow(template_settings: Settings) -> None:
    assert isinstance(registry_reader.reader_for(template_settings), registry_reader.SqlReader)
    assert registry_reader.get_champion_version("AMZN", template_settings) == "1"
    registry.promote("AMZN", "2", force=True, settings=template_settings)
    assert registry_reader.get_champion_version("AMZN", template_settings) == "2"
    assert registry_reader.get_champion_version("NOPE", template_settings) is None


@pytest.mark.parametrize("version", ["1", "2"])
def test_reader_loads_the_light_form_with_mlflows_info(
    template_settings: Settings, version: str
) -> None:
    light, info = registry_reader.load_version("AMZN", version, template_settings)
    native, expected = registry.load_version("AMZN", version, template_settings)
    assert info == expected
    assert info.metrics and info.version == version
    if native.name == "lightgbm":
        assert isinstance(light, LightGBMLight) and type(native) is LightGBMForecaster
    got, want = light.predict(WINDOWS), native.predict(WINDOWS)
    np.testing.assert_allclose(got.point, want.point, rtol=1e-6)
    for lv in (80, 95):
        np.testing.assert_allclose(got.lower[lv], want.lower[lv], rtol=1e-6)
        np.testing.assert_allclose(got.upper[lv], want.upper[lv], rtol=1e-6)


def test_reader_lists_fallbacks_like_mlflow(template_settings: Settings) -> None:
    registry.promote("AMZN", "2", force=True, settings=template_settings)
    for broken in ("1", "2"):
        assert registry_reader.fallback_versions(
            "AMZN", broken, template_settings
        ) == registry.fallback_versions("AMZN", broken, template_settings)
    assert registry_reader.fallback_versions("AMZN", "2", template_settings) == ["1"]


def test_reader_says_which_version_does_not_exist(template_settings: Settings) -> None:
    with pytest.raises(ModelNotFound, match="version '9' of tickercast-AMZN does not exist"):
        registry_reader.load_version("AMZN", "9", template_settings)


def test_reader_leaves_other_stores_to_the_mlflow_client(tmp_path: Path) -> None:
    for uri in ("file:///tmp/mlruns", "databricks", "/tmp/mlruns"):
        settings = Settings(data_dir=tmp_path, mlflow_tracking_uri=uri)
        assert registry_reader.reader_for(settings) is None


def _register_as_before_light_serving(
    settings: Settings, ticker: str, kind: str, monkeypatch: pytest.MonkeyPatch
) -> str:
    """Registration as it was before this change: native files only, no light.json."""
    monkeypatch.setattr("tickercast.models.light.export_light", lambda model, directory: {})
    return register_bundled(settings, ticker, kind, bars=400, params=TINY_PARAMS[kind]).version


def test_lstm_registered_before_light_serving_loads_natively_with_a_warning(
    mlflow_settings: Settings,
    ticker: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    version = _register_as_before_light_serving(mlflow_settings, ticker, "lstm", monkeypatch)
    with caplog.at_level(logging.WARNING, logger="tickercast.training.registry_reader"):
        model, info = registry_reader.load_version(ticker, version, mlflow_settings)
    assert type(model) is LSTMForecaster  # the native form, through torch
    assert info.model_name == "lstm"
    assert f"version {version} of {ticker} has no light serving form" in caplog.text
    assert model.predict(WINDOWS).point.shape == (64,)


def test_lightgbm_registered_before_light_serving_serves_light(
    mlflow_settings: Settings,
    ticker: str,
    monkeypatch: pytest.MonkeyPatch,
    caplog: pytest.LogCaptureFixture,
) -> None:
    version = _register_as_before_light_serving(mlflow_settings, ticker, "lightgbm", monkeypatch)
    with caplog.at_level(logging.WARNING, logger="tickercast.training.registry_reader"):
        model, _ = registry_reader.load_version(ticker, version, mlflow_settings)
    assert isinstance(model, LightGBMLight)  # its native model file is its light form
    assert "no light serving form" not in caplog.text
    native, _ = registry.load_version(ticker, version, mlflow_settings)
    np.testing.assert_array_equal(model.predict(WINDOWS).point, native.predict(WINDOWS).point)
