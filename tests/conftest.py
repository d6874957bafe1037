"""Shared fixtures: an isolated data dir and database per test, on SQLite and PostgreSQL.

PostgreSQL tests need TICKERCAST_TEST_POSTGRES_URL (CI sets it); each test gets its own
schema, dropped afterwards. With CI=true a missing PostgreSQL fails instead of skipping.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.pg_schema import throwaway_schema
from tickercast.config import Settings, get_settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider
from tickercast.storage.migrate import upgrade

POSTGRES_ENV = "TICKERCAST_TEST_POSTGRES_URL"
REDIS_ENV = "TICKERCAST_TEST_REDIS_URL"


def _postgres_base_url() -> str:
    url = os.environ.get(POSTGRES_ENV)
    reason = None
    if not url:
        reason = (
            f"PostgreSQL tests need {POSTGRES_ENV}, e.g. "
            "postgresql+psycopg://postgres@127.0.0.1:5432/test"
        )
    else:
        try:
            with create_engine(url).connect() as conn:
                conn.execute(text("SELECT 1"))
        except Exception as exc:
            reason = f"PostgreSQL at {url} is not reachable: {exc}".splitlines()[0]
    if reason:
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires PostgreSQL: {reason}")
        pytest.skip(reason)
    assert url is not None
    return url


@pytest.fixture
def postgres_url() -> Iterator[str]:
    """A PostgreSQL URL whose search_path is a fresh schema of this test's own."""
    with throwaway_schema(_postgres_base_url(), "tc") as url:
        try:
            yield url
        finally:
            from tickercast.storage.db import engine_for

            engine_for.cache_clear()


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Both storage back ends, each empty (no schema yet)."""
    if request.param == "postgres":
        return str(request.getfixturevalue("postgres_url"))
    return f"sqlite:///{tmp_path / 'tickercast.db'}"


@pytest.fixture
def settings(
    tmp_path: Path, database_url: str, monkeypatch: pytest.MonkeyPatch
) -> Iterator[Settings]:
    """Settings on a migrated, empty database; the environment points at it too (for the CLI)."""
    monkeypatch.setenv("TICKERCAST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TICKERCAST_DATABASE_URL", database_url)
    get_settings.cache_clear()
    upgrade(database_url)
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture
def sqlite_settings(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[Settings]:
    """Settings on a migrated SQLite database only (for tests that are not about storage)."""
    url = f"sqlite:///{tmp_path / 'tickercast.db'}"
    monkeypatch.setenv("TICKERCAST_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("TICKERCAST_DATABASE_URL", url)
    get_settings.cache_clear()
    upgrade(url)
    yield get_settings()
    get_settings.cache_clear()


@pytest.fixture(scope="session")
def registry_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """An MLflow store with two AMZN versions (1 naive, 2 lightgbm), built once per session;
    tests get a copy of its database (artifacts stay shared and read-only)."""
    from tickercast.training import pipeline, registry

    root = tmp_path_factory.mktemp("registry")
    settings = Settings(data_dir=root, database_url=f"sqlite:///{root / 'prices.db'}")
    table = BundledProvider().fetch("AMZN")
    from tickercast.data.validation import validate_table

    bars = validate_table(table).bars
    closes = bars["close"].to_numpy()
    dates = bars["date"].to_numpy().astype("datetime64[D]")
    pipeline.train(
        "AMZN", "naive", closes, dates, settings, register=True, test_days=60, refit_every=30
    )
    pipeline.train(
        "AMZN",
        "lightgbm",
        closes,
        dates,
        settings,
        register=True,
        test_days=60,
        refit_every=30,
    )
    registry.promote("AMZN", "1", force=True, settings=settings)
    return root


def _with_champion(settings: Settings, template: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=settings)
    target = settings.data_dir / "mlflow.db"
    shutil.copy(template / "mlflow.db", target)
    uri = f"sqlite:///{target}"
    monkeypatch.setenv("TICKERCAST_MLFLOW_TRACKING_URI", uri)
    monkeypatch.setenv("TICKERCAST_MODEL_POLL_INTERVAL_S", "0.2")
    return settings.model_copy(update={"mlflow_tracking_uri": uri, "model_poll_interval_s": 0.2})


@pytest.fixture
def champion_settings(
    sqlite_settings: Settings, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """AMZN prices on SQLite plus a private copy of the registry: champion = version 1 (naive)."""
    return _with_champion(sqlite_settings, registry_template, monkeypatch)


@pytest.fixture
def champion_settings_any_db(
    settings: Settings, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """The same on both SQLite and PostgreSQL, for tests about what gets stored."""
    return _with_champion(settings, registry_template, monkeypatch)


@pytest.fixture
def redis_url() -> Iterator[str]:
    """The real Redis (TICKERCAST_TEST_REDIS_URL, default 127.0.0.1:6379); with CI=true a
    missing server fails the test instead of skipping it."""
    import redis

    url = os.environ.get(REDIS_ENV, "redis://127.0.0.1:6379/0")
    try:
        redis.Redis.from_url(url, socket_connect_timeout=2).ping()
    except redis.RedisError as exc:
        reason = f"Redis at {url} is not reachable: {exc}"
        if os.environ.get("CI") == "true":
            pytest.fail(f"CI requires Redis: {reason}")
        pytest.skip(reason)
    yield url


@pytest.fixture
def redis_prefix(redis_url: str) -> Iterator[str]:
    """A key prefix of this test's own; its keys are deleted afterwards."""
    import redis

    prefix = f"tc-test-{uuid.uuid4().hex[:12]}"
    yield prefix
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(match=f"{prefix}*", count=1000))
    if keys:
        client.delete(*keys)
    client.close()
