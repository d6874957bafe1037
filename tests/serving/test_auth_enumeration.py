"""In ``required`` mode no operation is reachable without a key: every OpenAPI operation,
every route FastAPI keeps out of the schema (dashboard, static files, docs, /metrics), the
/predict_next_price fast path, and paths that match no route.

Public on purpose, and checked to be so: /healthz and /readyz (orchestrators probe them
without keys), and DELETE /v1/session (it only
expires the caller's own cookie). POST /v1/session is the sign-in: it answers 401 unless
the key in its body is valid.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.keys_helper import make_key
from tests.live_server import LiveServer
from tickercast.config import Settings

PUBLIC = {("GET", "/healthz"), ("GET", "/readyz"), ("DELETE", "/v1/session")}
PARAMS = {"ticker": "AMZN", "key_id": "0123456789abcdef", "name": "dashboard.js"}
WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


@pytest.fixture(scope="module")
def server(
    tmp_path_factory: pytest.TempPathFactory, registry_template: Any
) -> Iterator[LiveServer]:
    import shutil

    from tickercast.data.ingestion import ingest_table
    from tickercast.data.providers import BundledProvider
    from tickercast.storage.migrate import upgrade

    root = tmp_path_factory.mktemp("enumerate")
    shutil.copy(registry_template / "mlflow.db", root / "mlflow.db")
    settings = Settings(data_dir=root, auth="required", model_poll_interval_s=3600)
    upgrade(settings.resolved_database_url)
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    with LiveServer(settings) as live:
        live.settings = settings  # type: ignore[attr-defined]
        yield live


def _all_routes(routes: list[Any]) -> Iterator[Any]:
    for route in routes:
        nested = getattr(route, "original_router", None)
        if nested is not None:
            yield from _all_routes(nested.routes)
        else:
            yield route


def _route_operations(server: LiveServer) -> set[tuple[str, str]]:
    """(method, path template) of every route the app has, in the schema or not."""
    operations = set()
    for route in _all_routes(server.app.routes):
        for method in getattr(route, "methods", None) or ():
            if method != "HEAD":
                operations.add((method, route.path))
    return operations


def _openapi_operations(server: LiveServer) -> set[tuple[str, str]]:
    spec = server.app.openapi()
    return {(m.upper(), path) for path, item in spec["paths"].items() for m in item}


def _url(server: LiveServer, template: str) -> str:
    return server.url + re.sub(r"\{(\w+)\}", lambda m: PARAMS[m.group(1)], template)


def _call(server: LiveServer, method: str, template: str, headers: dict[str, str]) -> int:
    url = _url(server, template)
    if template.startswith("/v1/stream"):  # an event stream never ends: read the status only
        with httpx.stream(method, url, headers=headers, timeout=10) as response:
            return response.status_code
    body: dict[str, Any] | None = None
    if template == "/predict_next_price":
        body = {"prices": WEEK}  # valid JSON: the fast path answers it
    elif template == "/v1/session":
        body = {"key": ""}
    elif method in ("POST", "PUT", "PATCH"):
        body = {}
    return httpx.request(method, url, json=body, headers=headers, timeout=30).status_code


def test_every_openapi_operation_is_also_a_route(server: LiveServer) -> None:
    assert _openapi_operations(server) <= _route_operations(server)
    assert len(_openapi_operations(server)) >= 20


def test_no_route_is_reachable_without_a_key(server: LiveServer) -> None:
    operations = _route_operations(server) | {
        ("POST", "/predict_next_price"),  # the fast path, in front of the router
        ("GET", "/metrics"),
        ("GET", "/static/plotly.min.js"),
        ("GET", "/no/such/route"),
        ("POST", "/v1/no/such/route"),
        ("GET", "/v1/admin/keys/0123456789abcdef/usage"),
    }
    reached = {}
    for method, template in sorted(operations):
        status = _call(server, method, template, {})
        if (method, template) in PUBLIC:
            assert status < 400, (method, template, status)
        else:
            reached[(method, template)] = status
    assert {op: s for op, s in reached.items() if s != 401} == {}
    non_schema = _route_operations(server) - _openapi_operations(server)
    assert {
        ("GET", "/"),
        ("GET", "/static/{name}"),
        ("GET", "/docs"),
        ("GET", "/openapi.json"),
    } <= non_schema


def test_every_route_is_reachable_with_an_all_scope_key(server: LiveServer) -> None:
    """The enumeration above hits real routes: with a key none of them answers 401/403."""
    key = make_key(server.settings)  # type: ignore[attr-defined]
    headers = {"X-API-Key": key}
    refused = {}
    for method, template in sorted(_route_operations(server)):
        if template == "/v1/session" and method == "POST":
            continue  # takes its key in the body
        if method == "POST" and template == "/v1/admin/keys/{key_id}/revoke":
            continue  # would need an existing key id; covered in test_auth_api
        status = _call(server, method, template, headers)
        if status in (401, 403):
            refused[(method, template)] = status
    assert refused == {}
