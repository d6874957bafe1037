"""The serving workers' reader of an MLflow tracking server (REST, no MLflow import) agrees
with the MLflow client, for artifacts proxied by the server and for a shared file store."""

from __future__ import annotations

import subprocess
import sys
import time
from collections.abc import Iterator

import httpx
import numpy as np
import pytest

from tests.live_server import free_port
from tests.models.factories import TINY_PARAMS
from tests.training.factories import register_bundled
from tickercast.config import Settings
from tickercast.models.light.forecasters import LightGBMLight
from tickercast.training import registry, registry_reader
from tickercast.training.registry_rest import RestReader

WINDOWS = 100.0 * np.exp(np.cumsum(np.random.default_rng(0).normal(0, 0.02, (32, 7)), axis=1))


@pytest.fixture(scope="module")
def mlflow_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Settings]:
    root = tmp_path_factory.mktemp("mlflow-server")
    port = free_port()
    process = subprocess.Popen(
        [
            *(sys.executable, "-m", "mlflow", "server", "--host", "127.0.0.1"),
            *("--port", str(port), "--backend-store-uri", f"sqlite:///{root / 'mlflow.db'}"),
            *("--artifacts-destination", str(root / "proxied"), "--serve-artifacts"),
            *("--workers", "1"),
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while True:
            try:
                if httpx.get(f"{url}/health", timeout=2).status_code == 200:
                    break
            except httpx.TransportError:
                pass
            assert process.poll() is None and time.monotonic() < deadline, "no MLflow server"
            time.sleep(0.5)
        yield Settings(data_dir=root / "client", mlflow_tracking_uri=url)
    finally:
        process.terminate()
        process.wait(timeout=30)


def _register(settings: Settings, ticker: str, *, proxied: bool) -> str:
    if proxied:  # an experiment made by the server: artifacts under mlflow-artifacts:/
        from mlflow import MlflowClient

        MlflowClient(settings.resolved_mlflow_tracking_uri).create_experiment(
            registry.registered_name(ticker)
        )
    result = register_bundled(
        settings, ticker, "lightgbm", bars=400, params=TINY_PARAMS["lightgbm"], promote=True
    )
    return result.version


@pytest.mark.slow
@pytest.mark.parametrize("proxied", [True, False], ids=["proxied-artifacts", "file-artifacts"])
def test_rest_reader_serves_light_models_with_mlflows_answers(
    mlflow_server: Settings, proxied: bool
) -> None:
    ticker = "REST" + ("P" if proxied else "F")
    version = _register(mlflow_server, ticker, proxied=proxied)
    reader = registry_reader.reader_for(mlflow_server)
    assert isinstance(reader, RestReader)
    source = reader.version(registry.registered_name(ticker), version)
    assert source is not None
    assert source[0].startswith("mlflow-artifacts:" if proxied else "file:")

    assert registry_reader.get_champion_version(ticker, mlflow_server) == version
    assert registry_reader.get_champion_version("NOSUCH", mlflow_server) is None
    for broken in ("1", version):
        assert registry_reader.fallback_versions(
            ticker, broken, mlflow_server
        ) == registry.fallback_versions(ticker, broken, mlflow_server)
    for v in ("1", version):  # naive, then lightgbm
        light, info = registry_reader.load_version(ticker, v, mlflow_server)
        native, expected = registry.load_version(ticker, v, mlflow_server)
        assert info == expected
        assert isinstance(light, LightGBMLight) == (native.name == "lightgbm")
        got, want = light.predict(WINDOWS), native.predict(WINDOWS)
        np.testing.assert_allclose(got.point, want.point, rtol=1e-6)
        np.testing.assert_allclose(got.upper[95], want.upper[95], rtol=1e-6)
