"""The service while PostgreSQL refuses connections, hangs, and comes back (defect 4), with
a TCP proxy the test controls between the service and the database; and SQLite locked."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from sqlalchemy.engine import make_url

from tests.conftest import _with_champion
from tests.keys_helper import key_headers
from tests.live_server import LiveServer
from tests.tcp_proxy import TcpProxy
from tickercast.config import Settings
from tickercast.storage.migrate import upgrade

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


@pytest.fixture
def proxied(
    postgres_url: str,
    tmp_path: Path,
    registry_template: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TcpProxy, httpx.Client]]:
    """A live server on PostgreSQL behind a proxy, with AMZN prices and a champion."""
    upgrade(postgres_url)
    settings = _with_champion(
        Settings(data_dir=tmp_path, database_url=postgres_url), registry_template, monkeypatch
    )
    url = make_url(postgres_url)
    with TcpProxy((url.host or "127.0.0.1", url.port or 5432)) as proxy:
        through_proxy = url.set(host="127.0.0.1", port=proxy.port)
        settings = settings.model_copy(
            update={
                "database_url": through_proxy.render_as_string(hide_password=False),
                "db_connect_timeout_s": 1.0,
                "db_statement_timeout_s": 2.0,
                "db_pool_timeout_s": 1.0,
                "readyz_timeout_s": 1.0,
                "model_poll_interval_s": 3600.0,
            }
        )
        # one connection per request: a request's session closes after its answer is sent,
        # and a close that fails on the cut connection would reset a kept-alive socket
        headers = {"Connection": "close"}
        with (
            LiveServer(settings) as server,
            httpx.Client(base_url=server.url, timeout=30, headers=headers) as c,
        ):
            c.admin = key_headers(settings, scopes="admin")  # type: ignore[attr-defined]
            yield proxy, c


def _assert_unavailable(response: httpx.Response) -> None:
    assert response.status_code == 503, response.text
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["retry-after"] == "5"
    body = response.json()
    assert (body["status"], body["title"]) == (503, "Service Unavailable")
    assert body["detail"].startswith("the database is unavailable (")


def _explicit_predictions_work(client: httpx.Client) -> None:
    assert client.post("/predict_next_price", json={"prices": WEEK}).status_code == 200
    response = client.post("/v1/predict", json={"prices": WEEK})
    assert response.status_code == 200, response.text
    assert response.json()["ticker"] == "AMZN"


@pytest.mark.postgres
def test_refused_database_gives_503_problem_and_recovers(
    proxied: tuple[TcpProxy, httpx.Client],
) -> None:
    proxy, client = proxied
    assert client.get("/v1/tickers").status_code == 200
    proxy.set_mode("refuse")

    for path in ("/v1/tickers", "/v1/tickers/AMZN/prices", "/v1/tickers/AMZN/predictions"):
        _assert_unavailable(client.get(path))
    _assert_unavailable(client.post("/v1/predict", json={"ticker": "AMZN"}))
    ready = client.get("/readyz")
    assert ready.status_code == 503
    assert ready.json()["checks"]["database"] == (
        "error: the database is unavailable (connection refused); retry in 5 s"
    )
    assert client.get("/healthz").json() == {"status": "ok"}
    _explicit_predictions_work(client)

    proxy.recover()
    assert client.get("/v1/tickers").status_code == 200
    assert client.get("/readyz").json()["checks"]["database"] == "ok"


@pytest.mark.postgres
def test_hung_database_bounds_every_wait_and_probes_stay_up(
    proxied: tuple[TcpProxy, httpx.Client],
) -> None:
    proxy, client = proxied
    assert client.get("/v1/tickers").status_code == 200  # a pooled connection exists
    admin = client.admin  # type: ignore[attr-defined]
    assert client.get("/metrics", headers=admin).status_code == 200  # the key is known now
    proxy.set_mode("blackhole")

    answers: list[int] = []
    base = str(client.base_url)

    def hung_request() -> None:
        with httpx.Client(base_url=base, timeout=60, headers={"Connection": "close"}) as own:
            answers.append(own.get("/v1/tickers").status_code)

    threads = [threading.Thread(target=hung_request) for _ in range(64)]
    for t in threads:
        t.start()
    with httpx.Client(
        base_url=base, timeout=3, headers={"Connection": "close"}
    ) as probe:  # a hung probe raises here
        for _ in range(5):
            assert probe.get("/healthz").status_code == 200
            # /metrics needs the admin key, checked from memory: a scrape outlives the outage
            assert "tickercast_http_requests" in probe.get("/metrics", headers=admin).text
            ready = probe.get("/readyz")
            assert ready.status_code == 503
            assert ready.json()["checks"]["database"].startswith("error: ")
        _explicit_predictions_work(probe)
    for t in threads:
        t.join(timeout=60)
    assert len(answers) == 64
    assert set(answers) == {503}  # pool timeout or the statement deadline, never a hang

    proxy.recover()
    statuses = [client.get("/v1/tickers").status_code for _ in range(3)]
    assert statuses[-1] == 200
    assert client.get("/readyz").json()["checks"]["database"] == "ok"
