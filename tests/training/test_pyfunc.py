"""Registered models load through MLflow's pyfunc flavour and agree with the service."""

from __future__ import annotations

import httpx
import numpy as np
import pandas as pd
import pytest

from tests.serving.conftest import LiveServer
from tickercast.config import Settings
from tickercast.data.providers import BundledProvider
from tickercast.data.validation import validate_table
from tickercast.training import registry


@pytest.mark.parametrize("version", ["1", "2"])  # naive and lightgbm
def test_champion_loads_through_mlflow_pyfunc_with_service_numbers(
    champion_settings: Settings, monkeypatch: pytest.MonkeyPatch, version: str
) -> None:
    import mlflow.pyfunc

    registry.promote("AMZN", version, force=True, settings=champion_settings)
    monkeypatch.setenv("MLFLOW_TRACKING_URI", champion_settings.resolved_mlflow_tracking_uri)
    model = mlflow.pyfunc.load_model("models:/tickercast-AMZN@champion")
    metadata = model.metadata.metadata
    assert "prices" in metadata["tickercast.contract"]
    assert model.metadata.get_input_schema().input_names() == ["prices"]

    window = validate_table(BundledProvider().fetch("AMZN")).bars["close"].to_numpy()[-40:]
    frame = model.predict(pd.DataFrame({"prices": [list(window)]}), params={"levels": [80, 95]})

    with LiveServer(champion_settings) as server, httpx.Client(base_url=server.url) as client:
        served = client.post("/v1/predict", json={"prices": list(window)}).json()
    assert served["model"]["version"] == version
    assert frame["point"][0] == pytest.approx(served["point"], rel=1e-12)
    for interval in served["intervals"]:
        lv = interval["level"]
        assert frame[f"lower_{lv}"][0] == pytest.approx(interval["lower"], rel=1e-12)
        assert frame[f"upper_{lv}"][0] == pytest.approx(interval["upper"], rel=1e-12)
    assert np.isfinite(frame.to_numpy()).all()
