"""Hot swap of the champion under load, and refusal of a broken version."""

from __future__ import annotations

import json
import threading
import time
from pathlib import Path
from urllib.parse import urlparse

import httpx

from tests.keys_helper import key_headers
from tests.serving.conftest import LiveServer
from tests.training.factories import register_bundled
from tickercast.config import Settings
from tickercast.training import registry

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


def test_champion_swaps_under_load_without_failed_requests(champion_settings: Settings) -> None:
    answers: list[tuple[int, str | None]] = []
    stop = threading.Event()

    predict_key = key_headers(champion_settings, scopes="predict")
    with LiveServer(champion_settings) as server:

        def hammer() -> None:
            with httpx.Client(base_url=server.url, timeout=30, headers=predict_key) as client:
                while not stop.is_set():
                    try:
                        r = client.post("/v1/predict", json={"prices": WEEK})
                        version = r.json()["model"]["version"] if r.status_code == 200 else None
                        answers.append((r.status_code, version))
                    except httpx.HTTPError as exc:
                        answers.append((0, repr(exc)))

        threads = [threading.Thread(target=hammer) for _ in range(4)]
        for t in threads:
            t.start()
        reloads = []
        try:
            admin_key = key_headers(champion_settings, scopes="admin")
            with httpx.Client(base_url=server.url, timeout=30, headers=admin_key) as admin:
                for version in ["2", "1", "2", "1", "2"]:
                    time.sleep(0.3)
                    registry.promote("AMZN", version, force=True, settings=champion_settings)
                    results = admin.post("/v1/admin/reload").json()
                    reloads += [
                        (r["outcome"], r["version"]) for r in results if r["ticker"] == "AMZN"
                    ]
                time.sleep(0.3)
        finally:
            stop.set()
            for t in threads:
                t.join()
        served_version = server.app.state.models.get("AMZN").version

    assert len(answers) > 50
    assert [a for a in answers if a[0] != 200] == []
    assert {v for _, v in answers} == {"1", "2"}
    assert served_version == "2"
    # the poller may win the race for a swap, then the admin call finds it done already
    assert {outcome for outcome, _ in reloads} <= {"loaded", "unchanged"}
    assert [version for _, version in reloads] == ["2", "1", "2", "1", "2"]


def test_poller_notices_new_champion_without_admin_call(champion_settings: Settings) -> None:
    with LiveServer(champion_settings) as server, httpx.Client(base_url=server.url) as client:
        registry.promote("AMZN", "2", force=True, settings=champion_settings)
        deadline = time.monotonic() + 10
        while client.get("/v1/models/AMZN").json()["version"] != "2":
            assert time.monotonic() < deadline, "the poller did not pick up version 2"
            time.sleep(0.1)
        assert client.get("/v1/models/AMZN").json()["model"] == "lightgbm"
        # the swap went out as an SSE `model` event (resumed from the hub's first id)
        first = server.app.state.events.first_id
        headers = {"Last-Event-ID": str(first)}
        with client.stream("GET", "/v1/stream/AMZN", headers=headers, timeout=10) as stream:
            lines = stream.iter_lines()
            for line in lines:
                if line == "event: model":
                    data = json.loads(next(lines).removeprefix("data: "))
                    break
        assert data["version"] == "2" and data["model"] == "lightgbm"
        assert data["ticker"] == "AMZN" and "beats_naive_p_value" in data


def _broken_version(settings: Settings) -> str:
    """Register a new version, then corrupt its saved model on disk."""
    result = register_bundled(settings, "AMZN", "naive", bars=300)
    from mlflow import MlflowClient

    client = MlflowClient(settings.resolved_mlflow_tracking_uri)
    artifacts = Path(urlparse(client.get_run(result.run_id).info.artifact_uri).path)
    (registry.native_model_dir(artifacts / "model") / "params.json").write_text("{ not json")
    return result.version


def test_broken_champion_is_refused_and_old_keeps_serving(champion_settings: Settings) -> None:
    headers = key_headers(champion_settings)
    with (
        LiveServer(champion_settings) as server,
        httpx.Client(base_url=server.url, headers=headers) as client,
    ):
        server.app.state.models.stop()  # only the admin call reloads in this test
        version = _broken_version(champion_settings)
        registry.promote("AMZN", version, force=True, settings=champion_settings)
        (result,) = [r for r in client.post("/v1/admin/reload").json() if r["ticker"] == "AMZN"]
        assert (result["outcome"], result["version"]) == ("refused", version)
        assert "version 1 keeps serving" in result["detail"]
        response = client.post("/predict_next_price", json={"prices": WEEK})
        assert response.status_code == 200
        assert client.get("/v1/models/AMZN").json()["version"] == "1"
        metrics = client.get("/metrics").text
        assert 'tickercast_model_reloads_total{outcome="refused",ticker="AMZN"} 1.0' in metrics
