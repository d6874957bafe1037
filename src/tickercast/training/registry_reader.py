"""The registry as a serving worker reads it: champion alias, version tags, run metrics and
model files, without importing MLflow.

Why: importing MLflow's client costs a serving worker more memory than everything else it
does (benchmarks/README.md, "Serving worker memory"), and a worker only ever reads a handful
of rows and files. Two stores are read directly, read-only:

- an SQL tracking store (``sqlite:``, ``postgresql:``; the default): MLflow's own tables
  ``registered_model_aliases``, ``model_versions``, ``model_version_tags``,
  ``latest_metrics``, with the files read in place from the local (``file:``) artifact store;
- an MLflow tracking server (``http(s):``, as in compose and Kubernetes): its REST API and
  proxied artifacts (``training.registry_rest``).

Anything else (a file store, artifacts on S3) goes through the MLflow client
(``training.registry``), with a log line saying so. Either way the model is loaded in its
light form (``models.light``); a version registered before light serving has none and is
loaded from its native files, which imports lightgbm or torch (logged as a warning).
"""

from __future__ import annotations

import functools
import logging
import tempfile
from pathlib import Path
from typing import Protocol
from urllib.parse import urlsplit
from urllib.request import url2pathname

from sqlalchemy import Connection, Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, NoSuchModuleError
from sqlalchemy.pool import NullPool

from tickercast.config import Settings
from tickercast.errors import ModelError, ModelNotFound
from tickercast.models import Forecaster, load_model
from tickercast.models.light import load_light
from tickercast.training.versions import (
    CHAMPION_ALIAS,
    ChampionInfo,
    champion_info,
    fallback_order,
    native_model_dir,
    registered_name,
)

__all__ = [
    "Reader",
    "SqlReader",
    "fallback_versions",
    "get_champion_version",
    "load_version",
    "local_dir",
    "reader_for",
]

log = logging.getLogger(__name__)

_DELETED = "Deleted_Internal"  # MLflow's current_stage of a deleted version


class Reader(Protocol):
    """What the serving side needs from a registry, in MLflow's own terms."""

    def champion_version(self, name: str) -> str | None: ...

    def version(self, name: str, version: str) -> tuple[str, str, dict[str, str]] | None:
        """(source, run_id, tags) of a live version, or None."""

    def run_metrics(self, run_id: str) -> dict[str, float]: ...

    def versions(self, name: str) -> list[tuple[str, dict[str, str]]]:
        """(version, tags) of every live version, oldest first."""

    def model_dir(self, source: str, into: Path) -> Path | None:
        """The version's ``model/`` directory, local or its light files fetched into
        ``into``; None when this reader cannot read them there, or they are not there."""


def get_champion_version(ticker: str, settings: Settings) -> str | None:
    """The champion's version number, or None (one cheap query, for polling)."""
    reader = reader_for(settings)
    if reader is None:
        from tickercast.training import registry

        return registry.get_champion_version(ticker, settings)
    return reader.champion_version(registered_name(ticker))


def load_version(ticker: str, version: str, settings: Settings) -> tuple[Forecaster, ChampionInfo]:
    """One registered version, loaded in its light form when it has one."""
    reader = reader_for(settings)
    if reader is None:
        return _load_with_mlflow(ticker, version, settings, "the tracking store is not SQL/HTTP")
    name = registered_name(ticker)
    found = reader.version(name, str(version))
    if found is None:
        raise ModelNotFound(
            f"version {version!r} of {name} does not exist; "
            f"see `tickercast models list {ticker.upper()}`"
        )
    source, run_id, tags = found
    with tempfile.TemporaryDirectory() as tmp:
        directory = reader.model_dir(source, Path(tmp))
        if directory is None:
            why = f"no light serving form could be read from {source}"
            return _load_with_mlflow(ticker, version, settings, why)
        model = _load_dir(native_model_dir(directory), ticker, str(version))
    info = champion_info(
        ticker,
        model,
        version=str(version),
        run_id=run_id,
        tags=tags,
        metrics=reader.run_metrics(run_id),
    )
    return model, info


def fallback_versions(ticker: str, broken: str, settings: Settings) -> list[str]:
    """Versions to serve while champion ``broken`` cannot load (``versions.fallback_order``)."""
    reader = reader_for(settings)
    if reader is None:
        from tickercast.training import registry

        return registry.fallback_versions(ticker, broken, settings)
    return fallback_order(reader.versions(registered_name(ticker)), broken)


def reader_for(settings: Settings) -> Reader | None:
    """The direct reader of this tracking store, or None (then the MLflow client is used)."""
    return _reader(settings.resolved_mlflow_tracking_uri)


@functools.lru_cache(maxsize=8)
def _reader(uri: str) -> Reader | None:
    if urlsplit(uri).scheme in ("http", "https"):
        from tickercast.training.registry_rest import RestReader

        return RestReader(uri)
    engine = _engine(uri)
    return None if engine is None else SqlReader(engine)


def _load_dir(directory: Path, ticker: str, version: str) -> Forecaster:
    light = load_light(directory)
    if light is not None:
        return light
    log.warning(
        "version %s of %s has no light serving form (registered before it existed); loading "
        "its native files, which imports its training framework into this worker (retrain or "
        "re-register it to serve it light)",
        *(version, ticker.upper()),
    )
    try:
        return load_model(directory)
    except ImportError as exc:
        raise ModelError(
            f"version {version} of {ticker.upper()} has no light serving form and its native "
            f"form needs {exc.name}, which this install lacks: re-register the model, or "
            "install tickercast[train]"
        ) from exc


def _load_with_mlflow(
    ticker: str, version: str, settings: Settings, why: str
) -> tuple[Forecaster, ChampionInfo]:
    from tickercast.training import registry

    log.warning("loading version %s of %s through the MLflow client: %s", version, ticker, why)
    return registry.load_version(ticker, version, settings, light=True)


def local_dir(source: str) -> Path | None:
    """The directory a ``file:`` URI (or an absolute path) names, else None."""
    parts = urlsplit(source)
    if parts.scheme == "file":
        return Path(url2pathname(parts.path))
    if parts.scheme == "" and source.startswith("/"):
        return Path(source)
    return None


class SqlReader:
    """MLflow's SQL tables, read with plain SELECTs; files read in place."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def champion_version(self, name: str) -> str | None:
        with self.engine.connect() as conn:
            version = conn.execute(
                text(
                    "SELECT a.version FROM registered_model_aliases a JOIN model_versions v "
                    "ON v.name = a.name AND v.version = a.version "
                    "WHERE a.name = :name AND a.alias = :alias AND v.current_stage != :deleted"
                ),
                {"name": name, "alias": CHAMPION_ALIAS, "deleted": _DELETED},
            ).scalar()
        return None if version is None else str(version)

    def version(self, name: str, version: str) -> tuple[str, str, dict[str, str]] | None:
        if not version.isdigit():
            return None
        with self.engine.connect() as conn:
            row = conn.execute(
                text(
                    "SELECT source, run_id FROM model_versions "
                    "WHERE name = :name AND version = :version AND current_stage != :deleted"
                ),
                {"name": name, "version": int(version), "deleted": _DELETED},
            ).first()
            if row is None:
                return None
            return str(row.source), str(row.run_id), self._tags(conn, name, int(version))

    def run_metrics(self, run_id: str) -> dict[str, float]:
        with self.engine.connect() as conn:
            rows = conn.execute(
                text("SELECT key, value, is_nan FROM latest_metrics WHERE run_uuid = :run"),
                {"run": run_id},
            )
            return {str(k): float("nan") if is_nan else float(v) for k, v, is_nan in rows}

    def versions(self, name: str) -> list[tuple[str, dict[str, str]]]:
        with self.engine.connect() as conn:
            numbers = conn.execute(
                text(
                    "SELECT version FROM model_versions WHERE name = :name "
                    "AND current_stage != :deleted ORDER BY version"
                ),
                {"name": name, "deleted": _DELETED},
            ).scalars()
            return [(str(v), self._tags(conn, name, int(v))) for v in list(numbers)]

    def model_dir(self, source: str, into: Path) -> Path | None:
        return local_dir(source)

    @staticmethod
    def _tags(conn: Connection, name: str, version: int) -> dict[str, str]:
        rows = conn.execute(
            text("SELECT key, value FROM model_version_tags WHERE name = :name AND version = :v"),
            {"name": name, "v": version},
        )
        return {str(key): str(value) for key, value in rows}


def _engine(uri: str) -> Engine | None:
    """An engine on MLflow's SQL store at ``uri``, or None when it is not one this module
    can open (a file store, a missing driver)."""
    try:
        url = make_url(uri)
    except ArgumentError:
        return None
    backend = url.get_backend_name()
    if backend not in ("sqlite", "postgresql", "mysql", "mssql"):
        return None
    if backend == "postgresql" and url.get_driver_name() != "psycopg":
        url = url.set(drivername="postgresql+psycopg")  # the driver tickercast installs
    try:
        if backend == "sqlite":
            return create_engine(url, poolclass=NullPool, connect_args={"timeout": 5})
        return create_engine(url, pool_size=1, max_overflow=1, pool_pre_ping=True)
    except (NoSuchModuleError, ImportError) as exc:
        log.info("cannot read the MLflow store %s directly (%s)", backend, exc)
        return None
