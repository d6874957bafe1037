"""Two replicas (separate processes, one database, one Redis): a revocation or rotation,
from the CLI or from the admin API of either replica, holds on the very next request in
both, and both count against the same rate limit. The replicas poll the key table only
once an hour here, so nothing but the Redis announcement can explain the result."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import orjson
import pytest

from tests.keys_helper import make_key
from tests.live_server import free_port
from tests.serving.processes import keys_cli, server_env, start_server, stop
from tickercast.config import Settings

pytestmark = [pytest.mark.redis, pytest.mark.slow]

WEEK = [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]


@pytest.fixture
def replicas(
    champion_settings: Settings, redis_url: str, redis_prefix: str, tmp_path
) -> Iterator[tuple[list[str], dict[str, str]]]:  # type: ignore[no-untyped-def]
    env = server_env(
        champion_settings,
        TICKERCAST_AUTH="required",
        TICKERCAST_REDIS_URL=redis_url,
        TICKERCAST_REDIS_PREFIX=redis_prefix,
        TICKERCAST_KEY_REFRESH_S="3600",
        TICKERCAST_MODEL_POLL_INTERVAL_S="3600",
    )
    ports = [free_port(), free_port()]
    logs = [open(tmp_path / f"replica{i}.log", "w") for i in range(2)]  # noqa: SIM115
    processes = []
    try:
        for port, log in zip(ports, logs, strict=True):
            processes.append(start_server(env, port, log))
        yield [f"http://127.0.0.1:{p}" for p in ports], env
    finally:
        for process in processes:
            stop(process)
        for log in logs:
            log.close()


def _predict(url: str, key: str) -> int:
    return httpx.post(
        f"{url}/predict_next_price", json={"prices": WEEK}, headers={"X-API-Key": key}
    ).status_code


def test_cli_revocation_holds_on_the_next_request_in_every_replica(
    replicas: tuple[list[str], dict[str, str]], champion_settings: Settings
) -> None:
    urls, env = replicas
    key = make_key(champion_settings, scopes="predict")
    assert [_predict(u, key) for u in urls] == [200, 200]  # both hold the key in memory
    done = keys_cli(env, "revoke", key.split("_")[1])
    assert done.returncode == 0, done.stderr
    assert "2 serving worker(s)" in done.stderr
    assert [_predict(u, key) for u in urls] == [401, 401]


def test_api_revocation_on_one_replica_holds_on_the_other(
    replicas: tuple[list[str], dict[str, str]], champion_settings: Settings
) -> None:
    (one, two), _ = replicas
    key = make_key(champion_settings, scopes="predict")
    admin = make_key(champion_settings, scopes="admin")
    assert (_predict(one, key), _predict(two, key)) == (200, 200)
    response = httpx.post(
        f"{one}/v1/admin/keys/{key.split('_')[1]}/revoke", headers={"X-API-Key": admin}
    )
    assert response.status_code == 200
    assert _predict(two, key) == 401


def test_cli_rotation_holds_everywhere_at_once(
    replicas: tuple[list[str], dict[str, str]], champion_settings: Settings
) -> None:
    urls, env = replicas
    old = make_key(champion_settings, scopes="predict")
    assert [_predict(u, old) for u in urls] == [200, 200]
    done = keys_cli(env, "rotate", old.split("_")[1], "--json")
    assert done.returncode == 0, done.stderr
    new = orjson.loads(done.stdout)["key"]
    assert [_predict(u, old) for u in urls] == [401, 401]
    assert [_predict(u, new) for u in urls] == [200, 200]


def test_replicas_share_one_rate_limit(
    replicas: tuple[list[str], dict[str, str]], champion_settings: Settings
) -> None:
    (one, two), _ = replicas
    key = make_key(champion_settings, scopes="predict", rate="6/minute")
    statuses = [_predict(url, key) for url in (one, two) * 3]
    assert statuses == [200] * 6
    assert (_predict(one, key), _predict(two, key)) == (429, 429)
