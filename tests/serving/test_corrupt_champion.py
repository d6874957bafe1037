"""A champion whose files are corrupted or deleted (defect 7): the service starts, serves
the previous champion with a warning, and recovers by itself once the files are fixed."""

from __future__ import annotations

import time
from pathlib import Path
from urllib.parse import urlparse

import httpx
import pytest

from tests.serving.conftest import LiveServer
from tests.training.factories import register_bundled
from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.errors import ModelUnavailable
from tickercast.serving.metrics import Metrics
from tickercast.training import registry

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


def _new_champion_files(settings: Settings) -> tuple[str, Path]:
    """Register and promote a new naive version; its native params.json path."""
    result = register_bundled(settings, "AMZN", "naive", bars=300, promote=True)
    from mlflow import MlflowClient

    run = MlflowClient(settings.resolved_mlflow_tracking_uri).get_run(result.run_id)
    model_dir = Path(urlparse(run.info.artifact_uri).path) / "model"
    return result.version, registry.native_model_dir(model_dir) / "params.json"


def test_deleted_champion_files_fall_back_with_warning_then_recover(
    champion_settings: Settings,
) -> None:
    broken, params = _new_champion_files(champion_settings)
    saved = params.read_bytes()
    params.unlink()  # the champion's files are gone before the service starts
    try:
        with LiveServer(champion_settings) as server:
            client = httpx.Client(base_url=server.url, timeout=30)
            served = client.get("/v1/models/AMZN").json()
            assert served["version"] == "1"  # the champion before the broken one
            assert served["warning"].startswith(f"champion version {broken} cannot be loaded (")
            assert served["warning"].endswith("serving version 1 (naive) instead")
            assert [m["warning"] for m in client.get("/v1/models").json()] == [served["warning"]]
            ready = client.get("/readyz")
            assert ready.status_code == 200
            assert ready.json()["status"] == "degraded"
            assert ready.json()["checks"]["model"] == f"warning: {served['warning']}"
            response = client.post("/predict_next_price", json={"prices": WEEK})
            assert response.status_code == 200, response.text
            assert response.json()["result"] == pytest.approx(WEEK[-1])

            params.write_bytes(saved)  # fixed: the poller's retry picks it up, no restart
            deadline = time.monotonic() + 30
            while (served := client.get("/v1/models/AMZN").json())["version"] != broken:
                assert time.monotonic() < deadline, "the fixed champion was never retried"
                time.sleep(0.2)
            assert served["warning"] is None
            assert client.get("/readyz").json()["status"] == "ready"
    finally:
        params.write_bytes(saved)


def test_corrupt_champion_with_nothing_to_fall_back_on_is_503_not_404(
    champion_settings: Settings,
) -> None:
    def broken_loader(_ticker: str, _version: str, _settings: Settings) -> tuple[object, object]:
        raise OSError("params.json: no such file")

    store = ModelStore(
        champion_settings,
        Metrics(),
        loader=broken_loader,  # type: ignore[arg-type]
        version_of=lambda _t, _s: "7",
        fallbacks=lambda _t, _broken, _s: ["1"],
    )
    (result,) = store.refresh(["AMZN"])
    assert (result.outcome, result.version) == ("refused", "7")
    with pytest.raises(ModelUnavailable, match="version 7\\) cannot be loaded") as raised:
        store.get("AMZN")
    assert raised.value.retry_after == 1
    # a second poll within the back-off does not try again; force does
    assert store.refresh(["AMZN"])[0].detail.startswith("refused before; next try in")
    assert store.refresh(["AMZN"], force=True)[0].detail.startswith("params.json")
