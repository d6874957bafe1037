"""Keys, scopes, limits and quotas over real HTTP against a live server (SQLite, memory
counters; the Redis variants are in test_auth_redis.py)."""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from sqlalchemy import event

from tests.keys_helper import make_key
from tests.live_server import LiveServer
from tests.serving.helpers import stored_predictions
from tickercast.config import Settings

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]
PROBLEM = "application/problem+json"


class Clock:
    def __init__(self) -> None:
        self.now = dt.datetime.now(dt.UTC)

    def __call__(self) -> dt.datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    return Clock()


def _server(settings: Settings, clock: Clock, **changes: Any) -> LiveServer:
    return LiveServer(settings.model_copy(update=changes), clock=clock)


@pytest.fixture
def required(champion_settings: Settings, clock: Clock) -> Iterator[LiveServer]:
    with _server(champion_settings, clock, auth="required", usage_flush_s=0.2) as server:
        yield server


def _problem(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == PROBLEM
    body = response.json()
    assert body["status"] == status and body["title"] and body["detail"]
    return dict(body)


def _predict(server: LiveServer, key: str | None, **headers: str) -> httpx.Response:
    if key is not None:
        headers = {"Authorization": f"Bearer {key}", **headers}
    return httpx.post(f"{server.url}/predict_next_price", json={"prices": WEEK}, headers=headers)


def test_missing_key_is_401_with_challenge(required: LiveServer) -> None:
    body = _problem(_predict(required, None), 401)
    assert "Authorization: Bearer" in body["detail"]
    response = httpx.get(f"{required.url}/v1/tickers")
    _problem(response, 401)
    assert response.headers["www-authenticate"] == 'Bearer realm="tickercast"'


@pytest.mark.parametrize(
    ("mangle", "message"),
    [
        (lambda k: k[:-1], "cut or padded"),
        (lambda k: k[:30] + ("A" if k[30] != "A" else "B") + k[31:], "checksum"),
        (lambda k: "Basic " + k, "does not start with"),
    ],
)
def test_malformed_key_is_401_naming_the_check(
    required: LiveServer, champion_settings: Settings, mangle: Any, message: str
) -> None:
    key = make_key(champion_settings, scopes="predict")
    response = httpx.post(
        f"{required.url}/predict_next_price",
        json={"prices": WEEK},
        headers={
            "Authorization": mangle(f"Bearer {key}")
            if message.startswith("does")
            else f"Bearer {mangle(key)}"
        },
    )
    body = _problem(response, 401)
    assert message in body["detail"]
    assert 'error="invalid_token"' in response.headers["www-authenticate"]
    assert key not in response.text


def test_unknown_key_and_wrong_secret_are_401(
    required: LiveServer, champion_settings: Settings
) -> None:
    from tickercast.access.keyformat import new_key

    stranger, _ = new_key()
    assert "not known" in _problem(_predict(required, stranger), 401)["detail"]
    real = make_key(champion_settings, scopes="predict")
    key_id = real.split("_")[1]
    forged, _ = new_key(key_id)
    assert "secret of API key" in _problem(_predict(required, forged), 401)["detail"]


def test_key_works_by_bearer_and_x_api_key_with_ratelimit_headers(
    required: LiveServer, champion_settings: Settings
) -> None:
    key = make_key(champion_settings, scopes="predict", rate="50/minute", quota="1000/day")
    for response in (_predict(required, key), _predict(required, None, **{"X-API-Key": key})):
        assert response.status_code == 200, response.text
        assert isinstance(response.json()["result"], float)
        assert response.headers["ratelimit-policy"] == '"rate";q=50;w=60, "quota";q=1000;w=86400'
        assert response.headers["ratelimit"].startswith('"rate";r=')


def test_wrong_scope_is_403(required: LiveServer, champion_settings: Settings) -> None:
    read_only = make_key(champion_settings, scopes="read")
    body = _problem(_predict(required, read_only), 403)
    assert "'predict' scope" in body["detail"]
    response = httpx.post(f"{required.url}/v1/admin/reload", headers={"X-API-Key": read_only})
    assert "'admin' scope" in _problem(response, 403)["detail"]
    assert (
        httpx.get(f"{required.url}/v1/tickers", headers={"X-API-Key": read_only}).status_code == 200
    )


def test_rate_limit_is_429_with_retry_after_and_ratelimit_headers(
    required: LiveServer, champion_settings: Settings
) -> None:
    # per hour: the sliding-window counter weighs the previous window, so a per-minute
    # limit tested across a minute boundary on a stalled machine can admit early
    key = make_key(champion_settings, scopes="predict,read", rate="3/hour")
    assert [_predict(required, key).status_code for _ in range(3)] == [200, 200, 200]
    response = _predict(required, key)
    body = _problem(response, 429)
    assert "rate limit of 3 per hour" in body["detail"]
    assert 1 <= int(response.headers["retry-after"]) <= 3600
    assert response.headers["ratelimit-policy"] == '"rate";q=3;w=3600'
    assert response.headers["ratelimit"].startswith('"rate";r=0;t=')
    # the same counter holds on the FastAPI routes
    limited = httpx.get(f"{required.url}/v1/tickers", headers={"X-API-Key": key})
    assert limited.status_code == 429


def test_quota_rolls_over_at_the_utc_day_boundary(
    required: LiveServer, champion_settings: Settings, clock: Clock
) -> None:
    clock.now = dt.datetime(2026, 6, 1, 23, 59, 50, tzinfo=dt.UTC)
    key = make_key(champion_settings, scopes="predict", quota="2/day", now=clock.now)
    assert [_predict(required, key).status_code for _ in range(2)] == [200, 200]
    refused = _predict(required, key)
    assert "daily quota of 2" in _problem(refused, 429)["detail"]
    assert refused.headers["retry-after"] == "10"
    clock.now = dt.datetime(2026, 6, 2, 0, 0, 0, tzinfo=dt.UTC)
    assert _predict(required, key).status_code == 200


def test_expired_key_is_401_from_its_expiry_on(
    required: LiveServer, champion_settings: Settings, clock: Clock
) -> None:
    key = make_key(
        champion_settings, scopes="predict", expires_at=clock.now + dt.timedelta(hours=1)
    )
    assert _predict(required, key).status_code == 200
    clock.now += dt.timedelta(hours=1)
    assert "expired at" in _problem(_predict(required, key), 401)["detail"]


def _admin(server: LiveServer, settings: Settings) -> httpx.Client:
    return httpx.Client(
        base_url=server.url, headers={"X-API-Key": make_key(settings, scopes="admin")}
    )


def test_admin_creates_lists_revokes_a_key_and_revocation_holds_next_request(
    required: LiveServer, champion_settings: Settings
) -> None:
    with _admin(required, champion_settings) as admin:
        created = admin.post(
            "/v1/admin/keys",
            json={"name": "job", "scopes": ["predict"], "rate": "100/minute", "expires_in": "30d"},
        )
        assert created.status_code == 201, created.text
        issued = created.json()
        assert issued["rate"] == "100/minute" and issued["quota"] == "100000/day"
        assert issued["status"] == "active"
        key = issued["key"]
        assert _predict(required, key).status_code == 200
        listed = admin.get("/v1/admin/keys").json()
        assert issued["key_id"] in {k["key_id"] for k in listed}
        assert all("key" not in k and "secret_hash" not in k for k in listed)
        revoked = admin.post(f"/v1/admin/keys/{issued['key_id']}/revoke")
        assert revoked.json()["status"] == "revoked"
        assert "revoked at" in _problem(_predict(required, key), 401)["detail"]
        assert admin.get("/v1/admin/keys/0000000000000000").status_code == 404


def test_a_created_key_is_committed_before_the_answer_is_sent(
    required: LiveServer, champion_settings: Settings
) -> None:
    """A slow commit (held 0.5 s here) must delay the 201, not the row: a client reading the
    key it was just told exists finds it (Schemathesis ST302 caught the race once)."""
    engine = required.app.state.sessions.kw["bind"]

    def slow_commit(conn: object) -> None:
        time.sleep(0.5)

    event.listen(engine, "commit", slow_commit)
    try:
        with _admin(required, champion_settings) as admin:
            created = admin.post("/v1/admin/keys", json={"name": "job", "scopes": ["read"]})
            assert created.status_code == 201, created.text
            found = admin.get(f"/v1/admin/keys/{created.json()['key_id']}")
            assert found.status_code == 200, found.text
    finally:
        event.remove(engine, "commit", slow_commit)


def test_bad_key_request_is_a_clear_error(
    required: LiveServer, champion_settings: Settings
) -> None:
    with _admin(required, champion_settings) as admin:
        response = admin.post("/v1/admin/keys", json={"name": "x", "scopes": ["owner"]})
        assert response.status_code == 422
        assert "scopes" in response.text and "'admin'" in response.text
        response = admin.post(
            "/v1/admin/keys", json={"name": "x", "scopes": ["read"], "rate": "lots"}
        )
        assert response.status_code == 422 and "rate" in response.text


def test_rotation_swaps_the_secret_and_keeps_id_and_counters(
    required: LiveServer, champion_settings: Settings
) -> None:
    old = make_key(champion_settings, scopes="predict", rate="5/minute")
    key_id = old.split("_")[1]
    assert _predict(required, old).status_code == 200
    with _admin(required, champion_settings) as admin:
        rotated = admin.post(f"/v1/admin/keys/{key_id}/rotate").json()
        new = rotated["key"]
        assert rotated["key_id"] == key_id and new != old
        assert "secret of API key" in _problem(_predict(required, old), 401)["detail"]
        ok = _predict(required, new)
        assert ok.status_code == 200
        assert ok.headers["ratelimit"].startswith('"rate";r=3;')  # the counter carried on
        graced = admin.post(f"/v1/admin/keys/{key_id}/rotate", params={"grace": "1h"}).json()
        assert _predict(required, new).status_code == 200  # old secret still in its grace
        assert _predict(required, graced["key"]).status_code == 200


def test_usage_is_persisted_and_readable_by_its_own_key(
    required: LiveServer, champion_settings: Settings
) -> None:
    key = make_key(champion_settings, scopes="predict,read")
    for _ in range(3):
        assert _predict(required, key).status_code == 200
    assert httpx.get(f"{required.url}/v1/tickers", headers={"X-API-Key": key}).status_code == 200
    # a request is counted just after its answer is sent: wait for the last one
    for _ in range(50):
        required.app.state.access.usage.flush()
        usage = httpx.get(f"{required.url}/v1/usage", headers={"X-API-Key": key}).json()
        counts = {(d["route"], d["status"]): d["count"] for d in usage["days"]}
        if counts.get(("/v1/tickers", 200)) == 1:
            break
        time.sleep(0.1)
    assert counts[("/predict_next_price", 200)] == 3
    assert counts.get(("/v1/tickers", 200)) == 1, counts
    assert usage["key_id"] == key.split("_")[1]
    with _admin(required, champion_settings) as admin:
        listed = {k["key_id"]: k for k in admin.get("/v1/admin/keys").json()}
        assert listed[usage["key_id"]]["requests_today"] >= 4
        assert listed[usage["key_id"]]["last_used_at"] is not None
        metrics = admin.get("/metrics").text
    line = f'tickercast_api_key_requests_total{{key_id="{usage["key_id"]}",route="/predict_next_price",status="200"}} 3.0'
    assert line in metrics
    assert key.split("_")[2] not in metrics


def test_metrics_and_admin_need_admin_even_when_optional(
    champion_settings: Settings, clock: Clock
) -> None:
    with _server(champion_settings, clock, auth="optional") as server:
        assert httpx.get(f"{server.url}/metrics").status_code == 401
        assert httpx.post(f"{server.url}/v1/admin/reload").status_code == 401
        assert httpx.get(f"{server.url}/healthz").status_code == 200
    with _server(champion_settings, clock, auth="optional", metrics_public=True) as server:
        assert httpx.get(f"{server.url}/metrics").status_code == 200


def test_optional_mode_lets_anonymous_read_and_predict_under_a_per_ip_limit(
    champion_settings: Settings, clock: Clock
) -> None:
    with _server(champion_settings, clock, auth="optional", anonymous_rate="4/minute") as server:
        answers = [_predict(server, None) for _ in range(4)]
        assert [a.status_code for a in answers] == [200] * 4
        assert answers[0].headers["ratelimit-policy"] == '"anonymous";q=4;w=60'
        refused = _predict(server, None)
        assert "anonymous callers may make 4" in _problem(refused, 429)["detail"]
        assert "retry-after" in refused.headers
        key = make_key(champion_settings, scopes="predict")
        assert _predict(server, key).status_code == 200  # a key is not under the IP limit
        assert _problem(_predict(server, "tck_bad"), 401)  # a bad key is not anonymous


def test_anonymous_or_read_only_forecast_get_stores_nothing(
    champion_settings: Settings, clock: Clock
) -> None:
    read = {"X-API-Key": make_key(champion_settings, scopes="read")}
    with _server(champion_settings, clock, auth="optional") as server:
        for headers in ({}, read):
            response = httpx.get(
                f"{server.url}/v1/tickers/AMZN/forecast", params={"horizon": 3}, headers=headers
            )
            assert response.status_code == 200
        server.app.state.writer.flush()
        assert stored_predictions(champion_settings, "AMZN") == []
        key = make_key(champion_settings, scopes="predict")
        keyed = httpx.get(
            f"{server.url}/v1/tickers/AMZN/forecast",
            params={"horizon": 3},
            headers={"X-API-Key": key},
        )
        assert keyed.status_code == 200
        server.app.state.writer.flush()
        assert len(stored_predictions(champion_settings, "AMZN")) == 3


def test_failed_authentication_is_limited_per_ip(champion_settings: Settings, clock: Clock) -> None:
    with _server(champion_settings, clock, auth="required", failed_auth_rate="3/minute") as server:
        from tickercast.access.keyformat import new_key

        bad, _ = new_key()
        statuses = [_predict(server, bad).status_code for _ in range(4)]
        assert statuses == [401, 401, 401, 429]
        refused = _predict(server, bad)
        assert "too many failed authentications" in _problem(refused, 429)["detail"]
        assert _predict(server, make_key(champion_settings, scopes="predict")).status_code == 200


@pytest.mark.parametrize("fast_path", [True, False])
def test_fast_path_and_fastapi_route_enforce_the_same_rules(
    champion_settings: Settings, clock: Clock, fast_path: bool
) -> None:
    with _server(champion_settings, clock, auth="required", fast_path=fast_path) as server:
        key = make_key(champion_settings, scopes="predict", rate="2/minute")
        read = make_key(champion_settings, scopes="read")
        answers = [
            _predict(server, None),
            _predict(server, read),
            _predict(server, key),
            _predict(server, key),
            _predict(server, key),
        ]
        assert [a.status_code for a in answers] == [401, 403, 200, 200, 429]
        assert [a.headers.get("ratelimit") is not None for a in answers[2:]] == [True] * 3
        invalid = httpx.post(
            f"{server.url}/predict_next_price",
            json={"prices": [1.0]},
            headers={"X-API-Key": make_key(champion_settings, scopes="predict", rate="1/minute")},
        )
        assert invalid.status_code == 422  # handed on to FastAPI once, counted once
        assert invalid.headers["ratelimit"].startswith('"rate";r=0;')


def test_session_cookie_signs_the_dashboard_in_for_get_only(
    required: LiveServer, champion_settings: Settings
) -> None:
    page = httpx.get(required.url, headers={"Accept": "text/html"})
    assert page.status_code == 401 and 'action="/v1/session"' in page.text
    read = make_key(champion_settings, scopes="read")
    predict_only = make_key(champion_settings, scopes="predict")
    assert httpx.post(f"{required.url}/v1/session", json={"key": predict_only}).status_code == 403
    with httpx.Client(base_url=required.url) as browser:
        signed = browser.post("/v1/session", data={"key": read})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"].lower()
        assert "httponly" in cookie and "samesite=strict" in cookie
        dashboard = browser.get("/")
        assert dashboard.status_code == 200
        assert read not in dashboard.text
        assert browser.get("/v1/tickers").status_code == 200
        # the cookie never carries a state change
        assert browser.post("/v1/admin/reload").status_code == 401
        assert browser.delete("/v1/session").status_code == 204
        assert browser.get("/v1/tickers").status_code == 401


def test_unreachable_redis_answers_503_not_unlimited(
    champion_settings: Settings, clock: Clock
) -> None:
    from tests.live_server import free_port

    dead = f"redis://127.0.0.1:{free_port()}/0"
    with _server(champion_settings, clock, auth="required", redis_url=dead) as server:
        key = make_key(champion_settings, scopes="predict", rate="5/minute")
        response = _predict(server, key)
        assert "rate-limit store" in _problem(response, 503)["detail"]
        assert response.headers["retry-after"] == "1"
