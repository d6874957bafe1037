"""An MLflow tracking server read over its REST API (``/api/2.0/mlflow/...``) with httpx,
for serving workers that must not import MLflow (``training.registry_reader``).

Artifacts in a local ``file:`` store (compose: the shared ``/data`` volume) are read in
place; proxied ones (``mlflow-artifacts:``, a server started with ``--serve-artifacts``) are
downloaded, only the files of the light form. Credentials are MLflow's own environment
variables: ``MLFLOW_TRACKING_TOKEN``, or ``MLFLOW_TRACKING_USERNAME`` and
``MLFLOW_TRACKING_PASSWORD``.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit

import httpx

from tickercast.errors import ModelError
from tickercast.models.light import LIGHT_FILE
from tickercast.models.light.forecasters import NATIVE_IS_LIGHT
from tickercast.models.lightgbm import MODEL_FILE
from tickercast.training.registry_reader import local_dir
from tickercast.training.versions import CHAMPION_ALIAS

__all__ = ["RestReader"]

_API = "/api/2.0/mlflow"
_ARTIFACTS = "/api/2.0/mlflow-artifacts/artifacts"
_NATIVE = "artifacts/forecaster"  # where registration puts the model files in model/
_ALWAYS = ("params.json", "calibration.json")


class RestReader:
    def __init__(self, uri: str, *, timeout_s: float = 10.0) -> None:
        self.base = uri.rstrip("/")
        self.client = httpx.Client(timeout=timeout_s, auth=_auth(), headers=_token_header())

    def champion_version(self, name: str) -> str | None:
        found = self._get("/registered-models/alias", name=name, alias=CHAMPION_ALIAS)
        return None if found is None else str(found["model_version"]["version"])

    def version(self, name: str, version: str) -> tuple[str, str, dict[str, str]] | None:
        found = self._get("/model-versions/get", name=name, version=version)
        if found is None:
            return None
        mv = found["model_version"]
        return str(mv.get("source", "")), str(mv.get("run_id", "")), _tags(mv)

    def run_metrics(self, run_id: str) -> dict[str, float]:
        found = self._get("/runs/get", run_id=run_id)
        metrics = (found or {}).get("run", {}).get("data", {}).get("metrics", [])
        return {str(m["key"]): float(m["value"]) for m in metrics}

    def versions(self, name: str) -> list[tuple[str, dict[str, str]]]:
        out, token = [], None
        while True:
            params = {"filter": f"name='{name}'", "max_results": "1000"}
            if token:
                params["page_token"] = token
            page = self._get("/model-versions/search", **params) or {}
            out += [(str(mv["version"]), _tags(mv)) for mv in page.get("model_versions", [])]
            token = page.get("next_page_token")
            if not token:
                return sorted(out, key=lambda pair: int(pair[0]))

    def model_dir(self, source: str, into: Path) -> Path | None:
        local = local_dir(source)
        if local is not None:
            return local if local.is_dir() else None
        parts = urlsplit(source)
        if parts.scheme != "mlflow-artifacts":
            return None
        remote = parts.path.strip("/") + "/" + _NATIVE
        native = into / _NATIVE
        native.mkdir(parents=True)
        for name in _ALWAYS:
            if not self._download(f"{remote}/{name}", native / name):
                return None
        kind = json.loads((native / "params.json").read_text()).get("name")
        needed = [MODEL_FILE] if kind == "lightgbm" else []  # its native file is its light form
        if self._download(f"{remote}/{LIGHT_FILE}", native / LIGHT_FILE):
            needed += json.loads((native / LIGHT_FILE).read_text()).get("files", [])
        elif kind not in NATIVE_IS_LIGHT:
            return None  # registered before light serving: the MLflow client loads it
        for name in needed:
            if not self._download(f"{remote}/{name}", native / name):
                raise ModelError(f"{source}: {name} is missing from the model's files")
        return native

    def _get(self, path: str, **params: str) -> dict[str, Any] | None:
        response = self.client.get(f"{self.base}{_API}{path}", params=params)
        if response.status_code == 404 or (
            response.status_code == 400 and "RESOURCE_DOES_NOT_EXIST" in response.text
        ):
            return None
        if response.status_code != 200:
            raise ModelError(
                f"MLflow at {self.base} answered {response.status_code} to {path}: "
                f"{response.text[:200]}"
            )
        return dict(response.json())

    def _download(self, path: str, target: Path) -> bool:
        response = self.client.get(f"{self.base}{_ARTIFACTS}/{quote(path)}")
        if response.status_code == 404:
            return False
        response.raise_for_status()
        target.write_bytes(response.content)
        return True


def _tags(mv: dict[str, Any]) -> dict[str, str]:
    return {str(t["key"]): str(t.get("value", "")) for t in mv.get("tags", [])}


def _auth() -> httpx.BasicAuth | None:
    user, password = (
        os.environ.get("MLFLOW_TRACKING_USERNAME"),
        os.environ.get("MLFLOW_TRACKING_PASSWORD"),
    )
    return httpx.BasicAuth(user, password) if user and password else None


def _token_header() -> dict[str, str]:
    token = os.environ.get("MLFLOW_TRACKING_TOKEN")
    return {"Authorization": f"Bearer {token}"} if token else {}
