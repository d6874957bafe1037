"""After a session of requests (good keys, mistyped and forged keys, a rotation, a
revocation, a dashboard sign-in, /metrics), no secret appears in the server's log at debug
level, in a dump of its database, in /metrics, or in the MLflow store."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import httpx
import orjson
import pytest

from tests.live_server import free_port
from tests.serving.processes import keys_cli, server_env, start_server, stop
from tickercast.access.keyformat import new_key
from tickercast.config import Settings

pytestmark = pytest.mark.slow

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


def _dump(path: Path) -> str:
    with sqlite3.connect(path) as connection:
        return "\n".join(connection.iterdump())


def test_no_secret_in_log_database_metrics_or_mlflow(
    champion_settings: Settings, tmp_path: Path
) -> None:
    env = server_env(
        champion_settings,
        TICKERCAST_AUTH="required",
        TICKERCAST_LOG_LEVEL="debug",
        TICKERCAST_USAGE_FLUSH_S="0.2",
    )
    made = keys_cli(env, "create", "--name", "ops", "--scopes", "admin,read,predict", "--json")
    assert made.returncode == 0, made.stderr
    admin = orjson.loads(made.stdout)["key"]
    secrets = [admin]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    log_path = tmp_path / "server.log"
    with open(log_path, "w") as log:
        process = start_server(env, port, log)
        try:
            with httpx.Client(base_url=url, headers={"X-API-Key": admin}) as client:
                issued = client.post(
                    "/v1/admin/keys", json={"name": "client", "scopes": ["predict", "read"]}
                ).json()
                key = issued["key"]
                secrets.append(key)
                for _ in range(5):
                    assert (
                        client.post("/predict_next_price", json={"prices": WEEK}).status_code == 200
                    )
                bearer = {"Authorization": f"Bearer {key}"}
                assert httpx.get(f"{url}/v1/tickers", headers=bearer).status_code == 200
                assert (
                    httpx.post(
                        f"{url}/v1/predict", json={"prices": WEEK}, headers=bearer
                    ).status_code
                    == 200
                )
                typo = key[:-2] + ("zz" if not key.endswith("zz") else "yy")
                forged, _ = new_key(issued["key_id"])
                secrets += [typo, forged]
                for bad in (typo, forged, key[:40]):
                    response = httpx.get(f"{url}/v1/tickers", headers={"X-API-Key": bad})
                    assert response.status_code == 401
                    assert bad not in response.text
                signed = httpx.post(f"{url}/v1/session", json={"key": key})
                assert signed.status_code == 200
                rotated = client.post(f"/v1/admin/keys/{issued['key_id']}/rotate").json()["key"]
                secrets.append(rotated)
                assert (
                    httpx.get(f"{url}/v1/usage", headers={"X-API-Key": rotated}).status_code == 200
                )
                assert httpx.get(f"{url}/v1/usage", headers={"X-API-Key": key}).status_code == 401
                assert client.post(f"/v1/admin/keys/{issued['key_id']}/revoke").status_code == 200
                metrics = client.get("/metrics").text
        finally:
            stop(process)  # the last usage counts are written at shutdown
    log_text = log_path.read_text()
    assert "GET /v1/tickers" in log_text  # the access log was on, at debug level
    database = _dump(champion_settings.data_dir / "tickercast.db")
    assert "api_key_usage" in database and issued["key_id"] in database
    mlflow = _dump(champion_settings.data_dir / "mlflow.db")
    for secret in secrets:
        body = secret.split("_")[2]  # the secret and checksum part
        for where, text in (
            ("log", log_text),
            ("db", database),
            ("metrics", metrics),
            ("mlflow", mlflow),
        ):
            assert body not in text, f"a secret leaked into the {where}"
