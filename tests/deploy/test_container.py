"""The image really runs: built on a local Debian base, started with podman, probed over HTTP.

Needs podman, runc and mmdebstrap (``.ci/run`` installs them); with CI=true their absence
fails the test instead of skipping it. The base image and the wheelhouse are cached between
runs (see tests/deploy/podman.py), so a warm run only rebuilds the layers that changed.
"""

from __future__ import annotations

import json
import os
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.deploy import podman

pytestmark = [pytest.mark.container, pytest.mark.slow, pytest.mark.timeout(2400)]

APP_UID = 10001


def _free_port() -> int:
    import socket

    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def image() -> str:
    missing = podman.missing_tools()
    if missing:
        reason = f"the container test needs {', '.join(missing)} (apt-get install podman runc mmdebstrap)"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires the container test: {reason}")
        pytest.skip(reason)
    wheelhouse = podman.prepare_base_and_wheels()
    podman.build_image(wheelhouse)
    return podman.TEST_IMAGE


@pytest.fixture
def data_volume(tmp_path: Path, image: str) -> Path:
    """A host directory owned by the image's user, initialised with ``tickercast init``."""
    volume = tmp_path / "data"
    volume.mkdir()
    os.chown(volume, APP_UID, APP_UID)
    podman.run(
        [
            "podman",
            "run",
            "--rm",
            "--network",
            "host",
            "--read-only",
            "--volume",
            f"{volume}:/data",
            image,
            "init",
            "--json",
        ],
        timeout=900,
    )
    return volume


@pytest.fixture
def container(image: str, data_volume: Path) -> Iterator[tuple[str, str]]:
    """The serving container (read-only root, no tmpfs: only /data is writable) and its URL."""
    port = _free_port()
    started = podman.run(
        [
            "podman",
            "run",
            "--detach",
            "--network",
            "host",
            "--read-only",
            "--read-only-tmpfs=false",
            "--volume",
            f"{data_volume}:/data",
            "--env",
            f"TICKERCAST_PORT={port}",
            # keep served forecasts queued in the writer so the stop test sees a real flush
            "--env",
            "TICKERCAST_PREDICTION_BATCH_WAIT_S=60",
            image,
        ],
    )
    cid = started.stdout.strip()
    try:
        yield cid, f"http://127.0.0.1:{port}"
    finally:
        podman.run(["podman", "rm", "--force", "--time", "0", cid], check=False)


def _wait_ready(base_url: str, cid: str, timeout_s: float = 180) -> dict[str, object]:
    deadline = time.monotonic() + timeout_s
    last = "no answer"
    while time.monotonic() < deadline:
        try:
            answer = httpx.get(f"{base_url}/readyz", timeout=2)
            if answer.status_code == 200:
                return dict(answer.json())
            last = f"{answer.status_code} {answer.text}"
        except httpx.HTTPError as exc:
            last = repr(exc)
        state = podman.run(["podman", "inspect", "--format", "{{.State.Status}}", cid]).stdout
        if state.strip() != "running":
            logs = podman.run(["podman", "logs", cid], check=False)
            pytest.fail(
                f"container stopped before ready: {logs.stdout[-2000:]}{logs.stderr[-2000:]}"
            )
        time.sleep(0.5)
    pytest.fail(f"/readyz not ready after {timeout_s} s: {last}")


def _exec(cid: str, *args: str) -> str:
    return podman.run(["podman", "exec", cid, *args]).stdout


def test_image_serves_as_non_root_on_read_only_root_and_flushes_on_sigterm(
    container: tuple[str, str], data_volume: Path
) -> None:
    cid, base_url = container
    started = time.monotonic()
    ready = _wait_ready(base_url, cid)
    print(f"start-to-ready: {time.monotonic() - started:.1f} s")
    assert ready["status"] == "ready"
    # the image serves with TICKERCAST_AUTH=required: the operator's first key, made in the
    # container on its own database
    made = _exec(
        cid,
        "tickercast",
        "keys",
        "create",
        "--name",
        "container-test",
        "--scopes",
        "admin,predict,read",
        "--rate",
        "none",
        "--quota",
        "none",
        "--json",
    )
    key = {"X-API-Key": json.loads(made)["key"]}
    assert httpx.get(f"{base_url}/v1/tickers", timeout=10).status_code == 401

    answer = httpx.post(
        f"{base_url}/predict_next_price",
        json={"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]},
        headers=key,
        timeout=10,
    )
    assert answer.status_code == 200, answer.text
    assert set(answer.json()) == {"result"}
    assert 150 < answer.json()["result"] < 350
    bad = httpx.post(
        f"{base_url}/predict_next_price", json={"prices": [1.0, 2.0]}, headers=key, timeout=10
    )
    assert bad.status_code == 422

    # the serving process (PID 1) runs as 10001; only /data is writable
    status = _exec(cid, "cat", "/proc/1/status")
    uid_line = next(line for line in status.splitlines() if line.startswith("Uid:"))
    assert uid_line.split()[1:] == [str(APP_UID)] * 4
    root_mount = _exec(
        cid,
        "python",
        "-c",
        "import json, os; print(json.dumps(os.statvfs('/').f_flag & os.ST_RDONLY))",
    )
    assert json.loads(root_mount) == os.ST_RDONLY
    for path in ("/probe", "/tmp/probe", "/opt/tickercast/probe"):
        denied = podman.run(["podman", "exec", cid, "touch", path], check=False)
        assert denied.returncode != 0, f"{path} is writable"
    _exec(cid, "touch", "/data/probe")

    # forecasts queue up in the writer (batch wait 60 s), then SIGTERM must flush them
    horizon = 10
    forecast = httpx.get(
        f"{base_url}/v1/tickers/AMZN/forecast", params={"horizon": horizon}, headers=key, timeout=10
    )
    assert forecast.status_code == 200, forecast.text
    metrics = httpx.get(f"{base_url}/metrics", headers=key, timeout=10).text
    queued = next(
        float(line.split()[1])
        for line in metrics.splitlines()
        if line.startswith("tickercast_prediction_writer_queue_depth ")
    )
    assert queued == horizon, metrics
    assert _stored_predictions(data_volume) == 0
    stop_started = time.monotonic()
    podman.run(["podman", "kill", "--signal", "TERM", cid])
    exit_code = podman.run(["podman", "wait", cid], timeout=30).stdout.strip()
    stopped_in = time.monotonic() - stop_started
    print(f"SIGTERM to exit: {stopped_in:.1f} s")
    assert stopped_in < 10
    assert exit_code == "0", podman.run(["podman", "logs", cid], check=False).stderr[-2000:]
    assert _stored_predictions(data_volume) == horizon


def _stored_predictions(volume: Path) -> int:
    with sqlite3.connect(volume / "tickercast.db") as db:
        (count,) = db.execute("SELECT count(*) FROM prediction").fetchone()
    return int(count)
