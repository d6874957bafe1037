"""A serving worker with a champion of each kind (naive, lightgbm, lstm) serves the training
framework's numbers without importing torch, lightgbm, MLflow or pandas.

The real app runs under uvicorn (tests/live_server.py) in a fresh interpreter, serves every
prediction route for each champion over HTTP, then reports which heavy modules it holds.
(seed-lstm is never a champion; its light form is tested in tests/models/test_light.py.)
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tests.models.factories import TINY_PARAMS
from tests.training.factories import register_bundled
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.training import registry

ROOT = Path(__file__).resolve().parents[2]
CHAMPIONS = {"AMZN": "lightgbm", "AAPL": "lstm", "GOOG": "naive"}
HEAVY = ("torch", "lightgbm", "mlflow", "pandas", "sklearn", "scipy", "pyarrow")
WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]

SERVE_AND_REPORT = """
import json, sys
import httpx
from tests.live_server import LiveServer
from tickercast.config import get_settings

week = json.loads(sys.argv[1])
out = {"models": {}, "predict": {}, "batch": {}}
with LiveServer(get_settings()) as server, httpx.Client(base_url=server.url, timeout=30) as c:
    for ticker in json.loads(sys.argv[2]):
        r = c.post("/v1/predict", json={"ticker": ticker, "prices": week, "levels": [80, 95]})
        assert r.status_code == 200, r.text
        out["predict"][ticker] = r.json()
        r = c.post("/v1/predict/batch", json={"ticker": ticker, "windows": [week, week[::-1]]})
        assert r.status_code == 200, r.text
        out["batch"][ticker] = r.json()
        out["models"][ticker] = c.get(f"/v1/models/{ticker}").json()
    r = c.post("/predict_next_price", json={"prices": week})
    assert r.status_code == 200, r.text
    out["next_price"] = r.json()["result"]
out["heavy"] = sorted(m for m in json.loads(sys.argv[3]) if m in sys.modules)
print(json.dumps(out))
"""


@pytest.fixture(scope="module")
def champions(tmp_path_factory: pytest.TempPathFactory) -> Settings:
    """Prices of three tickers and a registry where each has a champion of another kind."""
    from tickercast.storage.migrate import upgrade

    root = tmp_path_factory.mktemp("light-serving")
    settings = Settings(
        data_dir=root,
        database_url=f"sqlite:///{root / 'tickercast.db'}",
        mlflow_tracking_uri=f"sqlite:///{root / 'mlflow.db'}",
    )
    upgrade(settings.resolved_database_url)
    for ticker, kind in CHAMPIONS.items():
        ingest_table(BundledProvider().fetch(ticker), ticker=ticker, settings=settings)
        register_bundled(
            settings, ticker, kind, bars=600, params=TINY_PARAMS[kind], promote=True, source=ticker
        )
    return settings


def _serve(settings: Settings) -> dict:
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), str(ROOT)]),
        "TICKERCAST_DATA_DIR": str(settings.data_dir),
        "TICKERCAST_DATABASE_URL": settings.resolved_database_url,
        "TICKERCAST_MLFLOW_TRACKING_URI": settings.resolved_mlflow_tracking_uri,
        "TICKERCAST_DEFAULT_TICKER": "AMZN",
        "TICKERCAST_FEED": "none",
    }
    args = [json.dumps(WEEK), json.dumps(sorted(CHAMPIONS)), json.dumps(HEAVY)]
    done = subprocess.run(
        [sys.executable, "-c", SERVE_AND_REPORT, *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout.strip().splitlines()[-1])


@pytest.mark.slow
def test_worker_serves_every_champion_kind_without_heavy_imports(champions: Settings) -> None:
    served = _serve(champions)
    assert {t: m["model"] for t, m in served["models"].items()} == CHAMPIONS
    assert served["heavy"] == [], f"the serving worker imported {served['heavy']}"

    # the numbers are the training framework's (native model through MLflow), within 1e-6
    for ticker in CHAMPIONS:
        native, _ = registry.load_version(ticker, served["models"][ticker]["version"], champions)
        expected = native.predict(np.asarray([WEEK, WEEK[::-1]]), levels=(80, 95))
        body = served["predict"][ticker]
        assert body["point"] == pytest.approx(expected.point[0], rel=1e-6)
        for interval in body["intervals"]:
            lv = interval["level"]
            assert interval["lower"] == pytest.approx(expected.lower[lv][0], rel=1e-6)
            assert interval["upper"] == pytest.approx(expected.upper[lv][0], rel=1e-6)
        batch = served["batch"][ticker]
        assert batch["point"] == pytest.approx(list(expected.point), rel=1e-6)
    amzn, _ = registry.load_version("AMZN", served["models"]["AMZN"]["version"], champions)
    assert served["next_price"] == pytest.approx(amzn.predict_point(np.asarray(WEEK))[0], rel=1e-6)
