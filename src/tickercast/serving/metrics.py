"""Prometheus metrics of one app instance (its own registry, so test apps do not collide).

With several uvicorn workers, ``tickercast serve`` sets ``PROMETHEUS_MULTIPROC_DIR`` (before
any worker imports prometheus_client) and every worker writes its values there; ``/metrics``
on any worker then renders all of them, summed (prometheus_client's multiprocess mode). The
writer queue depth, a callback gauge in one process, is sampled into a live-sum gauge there.
"""

from __future__ import annotations

import os
import threading
import time
from collections.abc import Callable
from typing import TYPE_CHECKING

from prometheus_client import (
    CollectorRegistry,
    Counter,
    Gauge,
    Histogram,
    generate_latest,
    multiprocess,
)
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send

if TYPE_CHECKING:
    from tickercast.monitoring.report import DriftReport

__all__ = ["Metrics", "MetricsMiddleware", "route_template", "server_timing"]

_DRIFT_LEVEL = {"ok": 0, "warning": 1, "drift": 2}


_QUEUE_SAMPLE_S = 1.0


def multiprocess_dir() -> str | None:
    """The directory shared by the workers' metrics, when there is one."""
    return os.environ.get("PROMETHEUS_MULTIPROC_DIR") or None


class Metrics:
    def __init__(self) -> None:
        self.multiprocess = multiprocess_dir() is not None
        self._closing = threading.Event()
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "tickercast_http_requests",
            "HTTP requests by route and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "tickercast_http_request_duration_seconds",
            "HTTP request latency by route",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5),
        )
        self.predictions = Counter(
            "tickercast_predictions",
            "Forecasts served, by ticker, model and version",
            ["ticker", "model", "version"],
            registry=self.registry,
        )
        self.model_reloads = Counter(
            "tickercast_model_reloads",
            "Champion loads by outcome (loaded or refused)",
            ["ticker", "outcome"],
            registry=self.registry,
        )
        self.writer_queue = Gauge(
            "tickercast_prediction_writer_queue_depth",
            "Predictions waiting to be written to the database",
            registry=self.registry,
            multiprocess_mode="livesum",  # across the workers alive now
        )
        self.writer_written = Counter(
            "tickercast_prediction_writer_rows",
            "Predictions written to the database",
            registry=self.registry,
        )
        self.key_requests = Counter(
            "tickercast_api_key_requests",
            "HTTP requests by API key id (never the secret; 'anonymous' or "
            "'unauthenticated' without a valid key), route and status",
            ["key_id", "route", "status"],
            registry=self.registry,
        )
        self._key_children: dict[tuple[str, str, int], Counter] = {}

        self.drift_statistic = Gauge(
            "tickercast_drift_statistic",
            "Latest drift check statistic by ticker and check",
            ["ticker", "check"],
            registry=self.registry,
            multiprocess_mode="mostrecent",  # whichever worker checked last
        )
        self.drift_status = Gauge(
            "tickercast_drift_status",
            "Latest drift status by ticker: 0 ok, 1 warning, 2 drift",
            ["ticker"],
            registry=self.registry,
            multiprocess_mode="mostrecent",
        )

    def observe_drift(self, report: DriftReport) -> None:
        for check in report.checks:
            if check.statistic is not None:
                self.drift_statistic.labels(report.ticker, check.name).set(check.statistic)
        self.drift_status.labels(report.ticker).set(_DRIFT_LEVEL.get(report.status, 0))

    def track_queue(self, depth: Callable[[], int]) -> None:
        if not self.multiprocess:
            self.writer_queue.set_function(lambda: float(depth()))
            return

        def sample() -> None:  # another worker renders it: the value must be in the file
            while not self._closing.is_set():
                self.writer_queue.set(depth())
                self._closing.wait(_QUEUE_SAMPLE_S)

        threading.Thread(target=sample, name="metrics-queue-sampler", daemon=True).start()

    def close(self) -> None:
        """At shutdown: this worker's live gauges leave the sums."""
        self._closing.set()
        if self.multiprocess:
            multiprocess.mark_process_dead(os.getpid())

    def record_request(self, method: str, route: str, status: int, seconds: float) -> None:
        self.requests.labels(method, route, str(status)).inc()
        self.latency.labels(method, route).observe(seconds)

    def count_key_request(self, key_id: str, route: str, status: int) -> None:
        child = self._key_children.get((key_id, route, status))
        if child is None:  # .labels() costs microseconds; the hot path reuses the child
            child = self.key_requests.labels(key_id, route, str(status))
            self._key_children[(key_id, route, status)] = child
        child.inc()

    def render(self) -> bytes:
        if not self.multiprocess:
            return generate_latest(self.registry)
        merged = CollectorRegistry()
        multiprocess.MultiProcessCollector(merged)
        return generate_latest(merged)


class MetricsMiddleware:
    """Counts and times every HTTP request under its route template (``/v1/tickers/{ticker}``),
    so the label set stays small whatever the URLs, and reports the server time of each
    response in a ``Server-Timing: app;dur=<ms>`` header."""

    def __init__(self, app: ASGIApp, metrics: Metrics) -> None:
        self.app = app
        self.metrics = metrics

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        status = 500

        async def send_status(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
                headers = [*message.get("headers", []), server_timing(start)]
                message = {**message, "headers": headers}
            await send(message)

        try:
            await self.app(scope, receive, send_status)
        finally:
            self.metrics.record_request(
                scope["method"], route_template(scope), status, time.perf_counter() - start
            )


def server_timing(start: float) -> tuple[bytes, bytes]:
    """The ``Server-Timing`` header for a response whose work began at ``start``."""
    return (b"server-timing", b"app;dur=%.3f" % ((time.perf_counter() - start) * 1000))


def route_template(scope: Scope) -> str:
    """The matched route's path template (``/v1/tickers/{ticker}``), or ``unmatched``."""
    route = scope.get("route")
    if route is not None:
        return str(getattr(route, "path", "unmatched"))
    app = scope.get("app")
    for candidate in getattr(getattr(app, "router", None), "routes", []):
        if candidate.matches(scope)[0] == Match.FULL:
            return str(getattr(candidate, "path", "unmatched"))
    return "unmatched"
