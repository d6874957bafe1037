"""Champion models held in memory per ticker: loaded once, checked, swapped atomically.

Requests read ``store.get(ticker)``, one dict lookup; a swap replaces the dict entry in one
assignment, so a request sees either the old or the new model, never a half-loaded one. A
new version is used only after it gives a finite, positive forecast for a known window; a
version that fails is refused (logged and counted) and the old one keeps serving.
"""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from tickercast.config import Settings
from tickercast.errors import ModelError, ModelNotFound
from tickercast.models import Forecaster
from tickercast.serving.metrics import Metrics

__all__ = ["CHECK_WINDOW", "ModelStore", "ReloadResult", "ServedModel"]

log = logging.getLogger(__name__)

# a gently rising week of prices: any sane model gives a finite, positive next price
CHECK_WINDOW = 100.0 * np.exp(np.linspace(0.0, 0.03, 31))


@dataclass(frozen=True)
class ServedModel:
    ticker: str
    model: Forecaster
    info: object  # training.registry.ChampionInfo
    version: str
    loaded_at: dt.datetime


@dataclass(frozen=True)
class ReloadResult:
    ticker: str
    outcome: str  # loaded | unchanged | refused | none
    version: str | None
    detail: str


Loader = Callable[[str, Settings], tuple[Forecaster, object]]
VersionOf = Callable[[str, Settings], "str | None"]


class ModelStore:
    def __init__(
        self,
        settings: Settings,
        metrics: Metrics,
        *,
        loader: Loader | None = None,
        version_of: VersionOf | None = None,
    ) -> None:
        from tickercast.training import registry

        self.settings = settings
        self.metrics = metrics
        self._load = loader or registry.load_champion
        self._version_of = version_of or registry.get_champion_version
        self._models: dict[str, ServedModel] = {}
        self._refused: dict[str, str] = {}
        self._lock = threading.Lock()
        self._stop = threading.Event()
        self._poller: threading.Thread | None = None
        self.listeners: list[Callable[[ServedModel], None]] = []
        """Called (from the loading thread) after a new champion replaced the served one."""

    def get(self, ticker: str) -> ServedModel:
        served = self._models.get(ticker.upper())
        if served is None:
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
            return ReloadResult(ticker, "unchanged", version, "already serving")
        if self._refused.get(ticker) == version and not force:
            return ReloadResult(ticker, "refused", version, "refused before")
        try:
            model, info = self._load(ticker, self.settings)
            loaded_version = str(getattr(info, "version", version))
            _check(model)
        except Exception as exc:
            self._refused[ticker] = version
            self.metrics.model_reloads.labels(ticker, "refused").inc()
            keeps = f"version {current.version} keeps serving" if current else "nothing is served"
            log.error("refused champion version %s of %s (%s); %s", version, ticker, exc, keeps)
            return ReloadResult(ticker, "refused", version, f"{exc}; {keeps}")
        self._models[ticker] = ServedModel(
            ticker, model, info, loaded_version, dt.datetime.now(dt.UTC)
        )
        self._refused.pop(ticker, None)
        self.metrics.model_reloads.labels(ticker, "loaded").inc()
        for listener in self.listeners:
            try:
                listener(self._models[ticker])
            except Exception:
                log.exception("model listener failed")
        log.info("serving %s version %s (%s)", ticker, loaded_version, model.name)
        return ReloadResult(ticker, "loaded", loaded_version, model.name)

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
