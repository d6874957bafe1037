"""Champion models held in memory per ticker: loaded once, checked, swapped atomically.

Requests read ``store.get(ticker)``, one dict lookup; a swap replaces the dict entry in one
assignment, so a request sees either the old or the new model, never a half-loaded one. A
new version is used only after it gives a finite, positive forecast for a known window; a
version that fails is refused (logged and counted) and the old one keeps serving.

A broken champion (files corrupted or deleted) never leaves a ticker without a model when an
earlier one works: with nothing loaded yet, the store falls back to the version that was
champion before it, or a naive version, and serves it with a ``warning`` that /v1/models,
/readyz and the dashboard show. A refused version is tried again with back-off (one poll
interval, doubling up to ``MAX_RETRY_S``), so repairing its files recovers without a restart.

Champions are read by ``training.registry_reader`` in their light form (``models.light``):
a serving worker imports neither MLflow nor pandas nor the training frameworks.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Protocol

import numpy as np

from tickercast.config import Settings
from tickercast.errors import ModelError, ModelNotFound, ModelUnavailable
from tickercast.models import Forecaster

__all__ = ["CHECK_WINDOW", "MAX_RETRY_S", "ModelStore", "ReloadResult", "ServedModel"]

log = logging.getLogger(__name__)

# a gently rising week of prices: any sane model gives a finite, positive next price
CHECK_WINDOW = 100.0 * np.exp(np.linspace(0.0, 0.03, 31))
MAX_RETRY_S = 600.0


@dataclass(frozen=True)
class ServedModel:
    ticker: str
    model: Forecaster
    info: object  # training.versions.ChampionInfo
    version: str
    loaded_at: dt.datetime
    warning: str | None = None  # set while a fallback stands in for a broken champion


@dataclass(frozen=True)
class ReloadResult:
    ticker: str
    outcome: str  # loaded | unchanged | refused | none
    version: str | None
    detail: str


@dataclass(frozen=True)
class _Refusal:
    version: str
    reason: str
    attempts: int
    retry_at: float  # time.monotonic()


Loader = Callable[[str, str, Settings], tuple[Forecaster, object]]
VersionOf = Callable[[str, Settings], "str | None"]
Fallbacks = Callable[[str, str, Settings], list[str]]


class ReloadMetrics(Protocol):
    """What the store counts into: the app's Prometheus metrics (``serving.metrics``)."""

    model_reloads: Any  # a Counter labelled (ticker, outcome)


class ModelStore:
    def __init__(
        self,
        settings: Settings,
        metrics: ReloadMetrics,
        *,
        loader: Loader | None = None,
        version_of: VersionOf | None = None,
        fallbacks: Fallbacks | None = None,
    ) -> None:
        # the light reader: no MLflow, pandas or training framework in a serving worker
        from tickercast.training import registry_reader

        self.settings = settings
        self.metrics = metrics
        self._load = loader or registry_reader.load_version
        self._version_of = version_of or registry_reader.get_champion_version
        self._fallbacks = fallbacks or registry_reader.fallback_versions
        self._models: dict[str, ServedModel] = {}
        self._refused: dict[str, _Refusal] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.listeners: list[Callable[[ServedModel], None]] = []
        """Called (from the loading thread) after a new champion replaced the served one."""

    def get(self, ticker: str) -> ServedModel:
        served = self._models.get(ticker.upper())
        if served is None:
            refusal = self._refused.get(ticker.upper())
            if refusal is not None:
                raise ModelUnavailable(
                    f"the champion of {ticker.upper()} (version {refusal.version}) cannot be "
                    f"loaded and no earlier version loads either: {refusal.reason}",
                    retry_after=max(1, round(self.settings.model_poll_interval_s)),
                )
            raise ModelNotFound(
                f"no champion model is loaded for {ticker.upper()}; train one with "
                f"`tickercast train {ticker.upper()} --model lightgbm --register`"
            )
        return served

    def loaded(self) -> dict[str, ServedModel]:
        return dict(self._models)

    def registry_exists(self) -> bool:
        """False when the default SQLite registry file was never created (nothing to load,
        and no reason to pay for MLflow's start-up)."""
        uri = self.settings.resolved_mlflow_tracking_uri
        return not uri.startswith("sqlite:///") or Path(uri.removeprefix("sqlite:///")).exists()

    def refresh(self, tickers: Iterable[str], *, force: bool = False) -> list[ReloadResult]:
        """Load each ticker's champion if its version changed; ``force`` retries a version
        that was refused before."""
        if not self.registry_exists():
            return [ReloadResult(t.upper(), "none", None, "no model registry yet") for t in tickers]
        with self._lock:
            return [self._refresh_one(t.upper(), force) for t in tickers]

    def _refresh_one(self, ticker: str, force: bool) -> ReloadResult:
        try:
            version = self._version_of(ticker, self.settings)
        except Exception as exc:  # registry unreachable: keep serving what we have
            log.warning("cannot read the champion of %s: %s", ticker, exc)
            return ReloadResult(ticker, "unchanged", None, f"registry error: {exc}")
        current = self._models.get(ticker)
        if version is None:
            return ReloadResult(ticker, "none", None, "no champion registered")
        if current is not None and current.version == version:
            if current.warning:  # the alias came back to the version standing in
                self._models[ticker] = replace(current, warning=None)
                self._refused.pop(ticker, None)
            return ReloadResult(ticker, "unchanged", version, "already serving")
        refusal = self._refused.get(ticker)
        if refusal is not None and refusal.version != version:
            refusal = None  # a new champion: try it at once
        if refusal is not None and not force and time.monotonic() < refusal.retry_at:
            wait = refusal.retry_at - time.monotonic()
            return ReloadResult(
                ticker, "refused", version, f"refused before; next try in {wait:.0f} s"
            )
        try:
            served = self._load_checked(ticker, version)
        except Exception as exc:
            return self._refuse(ticker, version, exc, refusal, current)
        self._models[ticker] = served
        self._refused.pop(ticker, None)
        self.metrics.model_reloads.labels(ticker, "loaded").inc()
        for listener in self.listeners:
            try:
                listener(served)
            except Exception:
                log.exception("model listener failed")
        log.info("serving %s version %s (%s)", ticker, served.version, served.model.name)
        return ReloadResult(ticker, "loaded", served.version, served.model.name)

    def _load_checked(self, ticker: str, version: str) -> ServedModel:
        model, info = self._load(ticker, version, self.settings)
        _check(model)
        loaded_version = str(getattr(info, "version", version))
        return ServedModel(ticker, model, info, loaded_version, dt.datetime.now(dt.UTC))

    def _refuse(
        self,
        ticker: str,
        version: str,
        exc: Exception,
        before: _Refusal | None,
        current: ServedModel | None,
    ) -> ReloadResult:
        attempts = before.attempts + 1 if before else 1
        delay = min(MAX_RETRY_S, self.settings.model_poll_interval_s * 2 ** (attempts - 1))
        self._refused[ticker] = _Refusal(version, str(exc), attempts, time.monotonic() + delay)
        self.metrics.model_reloads.labels(ticker, "refused").inc()
        if current is None:
            current = self._fallback(ticker, version)
        if current is None:
            keeps = "nothing is served"
        else:
            keeps = f"version {current.version} keeps serving"
            self._models[ticker] = replace(
                current,
                warning=f"champion version {version} cannot be loaded ({exc}); "
                f"serving version {current.version} ({current.model.name}) instead",
            )
        log.error(
            "refused champion version %s of %s (%s); %s; next try in %.0f s",
            *(version, ticker, exc, keeps, delay),
        )
        return ReloadResult(ticker, "refused", version, f"{exc}; {keeps}")

    def _fallback(self, ticker: str, broken: str) -> ServedModel | None:
        """The newest earlier champion, else naive version, that loads and checks out."""
        try:
            candidates = self._fallbacks(ticker, broken, self.settings)
        except Exception as exc:
            log.warning("cannot list fallback versions of %s: %s", ticker, exc)
            return None
        for version in candidates:
            try:
                return self._load_checked(ticker, version)
            except Exception as exc:
                log.warning("fallback version %s of %s does not load: %s", version, ticker, exc)
        return None

    def start_polling(self, tickers: Callable[[], list[str]], interval_s: float) -> None:
        """Check the registry every ``interval_s`` seconds in a daemon thread."""

        def loop() -> None:
            while not self._stop.wait(interval_s):
                try:
                    self.refresh(tickers())
                except Exception:
                    log.exception("model poll failed; will retry")

        self._poller = threading.Thread(target=loop, name="model-poller", daemon=True)
        self._poller.start()

    def stop(self) -> None:
        self._stop.set()
        if self._poller is not None:
            self._poller.join(timeout=5)


def _check(model: Forecaster) -> None:
    forecast = model.predict(CHECK_WINDOW, levels=(80, 95))
    values = np.concatenate([forecast.point, *forecast.lower.values(), *forecast.upper.values()])
    if not (np.isfinite(values).all() and (values > 0).all()):
        raise ModelError(
            f"{model.name} gave a non-finite or non-positive forecast for a known window"
        )
