"""The worker loop: on every new bar of a ticker, check drift; retrain when the policy says."""

from __future__ import annotations

import datetime as dt
import logging
import threading
from collections.abc import Callable
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Gauge

from tickercast.config import Settings
from tickercast.errors import TickercastError
from tickercast.monitoring.policy import RetrainPolicy, trigger_for
from tickercast.monitoring.report import DriftReport
from tickercast.worker.runner import run_retrain_process

__all__ = ["Worker"]

log = logging.getLogger(__name__)
_LEVEL = {"ok": 0, "warning": 1, "drift": 2}

CursorSource = Callable[[str], dt.date | None]
"""Latest bar date the worker should look at for a ticker (None: every stored bar)."""


class Worker:
    """Drift checks per new bar and retrains in child processes, for the given tickers."""

    def __init__(
        self,
        settings: Settings,
        tickers: list[str],
        *,
        cursor: CursorSource | None = None,
        retrain: Callable[..., dict[str, Any]] = run_retrain_process,
    ) -> None:
        self.settings = settings
        self.tickers = [t.upper() for t in tickers]
        self.cursor = cursor
        self.retrain = retrain
        self.policy = RetrainPolicy(max_age_days=settings.retrain_max_age_days)
        self._seen: dict[str, str | None] = {}
        self._attempted: dict[str, tuple[str | None, int]] = {}
        self.registry = CollectorRegistry()
        self.retrains = Counter(
            "tickercast_retrains",
            "Retrains by ticker and outcome (promoted, refused, crashed, skipped)",
            ["ticker", "outcome"],
            registry=self.registry,
        )
        self.drift_statistic = Gauge(
            "tickercast_worker_drift_statistic",
            "Latest drift statistic by ticker and check",
            ["ticker", "check"],
            registry=self.registry,
        )
        self.drift_status = Gauge(
            "tickercast_worker_drift_status",
            "Latest drift status: 0 ok, 1 warning, 2 drift",
            ["ticker"],
            registry=self.registry,
        )
        self.history: list[dict[str, Any]] = []

    def _report(self, ticker: str, as_of: dt.date | None) -> DriftReport:
        from tickercast.monitoring.service import drift_report

        return drift_report(ticker, self.settings, as_of=as_of)

    def tick(self) -> list[dict[str, Any]]:
        """One pass: every ticker whose latest bar moved gets a drift check, and a retrain
        (in a child process) when it triggers. Returns what happened."""
        done = []
        for ticker in self.tickers:
            try:
                as_of = self.cursor(ticker) if self.cursor else None
                report = self._report(ticker, as_of)
            except TickercastError as exc:  # no champion or no bars yet: nothing to watch
                log.debug("worker: %s not checked: %s", ticker, exc)
                continue
            if self._seen.get(ticker) == report.as_of:
                continue
            self._seen[ticker] = report.as_of
            for check in report.checks:
                if check.statistic is not None:
                    self.drift_statistic.labels(ticker, check.name).set(check.statistic)
            self.drift_status.labels(ticker).set(_LEVEL.get(report.status, 0))
            event: dict[str, Any] = {
                "ticker": ticker,
                "as_of": report.as_of,
                "status": report.status,
            }
            trigger = trigger_for(report, self.policy)
            if trigger is not None and self._cooling_down(report):
                event["cooldown"] = True
                trigger = None
            if trigger is not None:
                self._attempted[ticker] = (report.model_version, report.monitored_days)
                log.info("worker: %s %s as of %s; retraining", ticker, trigger, report.as_of)
                result = self.retrain(ticker, self.settings, as_of=as_of)
                self.retrains.labels(ticker, result["outcome"]).inc()
                event.update(
                    trigger=trigger, outcome=result["outcome"], reason=result.get("reason")
                )
                self._seen.pop(ticker, None)  # the new champion gets checked next pass
            done.append(event)
            self.history.append(event)
        return done

    def _cooling_down(self, report: DriftReport) -> bool:
        """A champion the gate kept after a retrain is not retrained again for
        ``retrain_cooldown_days`` bars (it would fail the same way on almost the same data)."""
        version, days = self._attempted.get(report.ticker, (None, -(10**9)))
        return (
            version == report.model_version
            and report.monitored_days - days < self.settings.retrain_cooldown_days
        )

    def run(self, stop: threading.Event, every_s: float) -> None:
        while not stop.is_set():
            try:
                self.tick()
            except Exception:  # keep watching: one bad pass must not end the worker
                log.exception("worker pass failed")
            stop.wait(every_s)
