"""create_app(): the FastAPI application, its lifespan and its error mapping."""

from __future__ import annotations

import asyncio
import datetime as dt
import gc
import logging
import sys
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from fastapi import FastAPI, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response
from sqlalchemy.orm import sessionmaker
from starlette.types import ASGIApp

from tickercast import __version__
from tickercast.access.gate import AccessControl, utc_now
from tickercast.champions.store import ModelStore, ServedModel
from tickercast.config import Settings, get_settings
from tickercast.errors import AccessError
from tickercast.live.feed import Feed
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.live.replica import open_live
from tickercast.serving.auth import AccessMiddleware, access_error_response, document_access
from tickercast.serving.batch_body import new_worker
from tickercast.serving.body_limit import BodyLimitMiddleware
from tickercast.serving.fast_path import PredictNextPriceFastPath
from tickercast.serving.metrics import Metrics, MetricsMiddleware
from tickercast.serving.problems import document_problems, install_problem_handlers
from tickercast.serving.routes import (
    accuracy,
    dashboard,
    decide,
    health,
    keys,
    live,
    models,
    monitoring,
    ops,
    predict,
    session,
    tickers,
)
from tickercast.serving.unavailable import add_unavailable_handlers
from tickercast.storage import repository
from tickercast.storage.db import DatabaseTimeouts, make_engine

__all__ = ["create_app"]

log = logging.getLogger(__name__)


def create_app(
    settings: Settings | None = None, *, clock: Callable[[], dt.datetime] = utc_now
) -> FastAPI:
    """The app; ``clock`` (UTC now) is what key expiry and daily quotas go by."""
    settings = settings or get_settings()
    metrics = Metrics()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(
            settings.resolved_database_url, DatabaseTimeouts.from_settings(settings)
        )
        sessions = sessionmaker(engine, expire_on_commit=False)
        store = ModelStore(settings, metrics)
        writer = PredictionWriter(
            sessions,
            max_wait_s=settings.prediction_batch_wait_s,
            on_written=metrics.writer_written.inc,
        )
        metrics.track_queue(writer.depth)

        def served_tickers() -> list[str]:
            with sessions() as session:
                symbols = repository.list_ticker_symbols(session=session)
            return sorted({settings.default_ticker.upper(), *symbols})

        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = sessions
        app.state.models = store
        app.state.writer = writer
        app.state.served_tickers = served_tickers
        app.state.access = AccessControl(settings, sessions, clock=clock)
        app.state.access.start()
        writer.start()
        for result in await run_in_threadpool(store.refresh, served_tickers()):
            log.info("model %s: %s %s", result.ticker, result.outcome, result.detail)
        store.start_polling(served_tickers, settings.model_poll_interval_s)
        # Start-up leaves many long-lived objects (~1M when a champion without a light form
        # loads torch or lightgbm); freezing them keeps the collector from walking them
        # during requests (measured: p99 562 ms -> see benchmarks/README.md).
        gc.collect()
        gc.freeze()
        # Hand the GIL back to the event loop within 0.5 ms (default 5 ms) when a worker
        # thread (feed, prediction writer, model poller) is busy: bounds their effect on
        # request latency.
        sys.setswitchinterval(0.0005)
        app.state.batch_worker = new_worker()
        # SQLite: this process's own hub; PostgreSQL: the shared store and a leader election
        app.state.events, app.state.feed = await open_live(settings, sessions, store, writer)
        store.listeners.append(_model_events(app.state.feed, asyncio.get_running_loop()))
        await app.state.feed.start()
        app.state.update_schedule = None
        if settings.update_schedule:
            from tickercast.data.schedule import UpdateSchedule  # calendars: pandas

            app.state.update_schedule = UpdateSchedule(settings)
            await app.state.update_schedule.start()
        log.info("serving %s", settings.resolved_database_url)
        try:
            yield
        finally:
            if app.state.update_schedule is not None:
                await app.state.update_schedule.stop()
            await app.state.feed.stop()  # its last prediction reaches the writer before close
            app.state.events.close()
            store.stop()
            app.state.batch_worker.close()
            writer.close()
            app.state.access.close()  # writes the last usage counts
            metrics.close()
            engine.dispose()

    app = _TickercastAPI(
        title="tickercast",
        version=__version__,
        description="Stock price history, forecasts with calibrated intervals, and a live "
        "dashboard. Every forecast is reported next to the naive 'tomorrow = today' yardstick.",
        lifespan=lifespan,
    )
    install_problem_handlers(app)
    app.add_exception_handler(AccessError, _access_error)  # type: ignore[arg-type]
    add_unavailable_handlers(app, retry_after=settings.db_retry_after_s)
    for router in (health.router, tickers.router, predict.router, models.router, ops.router):
        app.include_router(router)
    for router in (
        live.router,
        accuracy.router,
        monitoring.router,
        dashboard.router,
        decide.router,
    ):
        app.include_router(router)
    for router in (keys.router, keys.usage_router, session.router):
        app.include_router(router)
    limits = {**predict.BODY_LIMITS, **decide.BODY_LIMITS}
    app.add_middleware(BodyLimitMiddleware, default=64 * 1024, limits=limits)
    app.add_middleware(AccessMiddleware)  # before the body limit: no key, nothing read
    app.add_middleware(MetricsMiddleware, metrics=metrics)
    app.state.metrics = metrics
    app.fast_path = settings.fast_path
    return app


class _TickercastAPI(FastAPI):
    """FastAPI with the /predict_next_price fast path as its outermost layer, and every
    error response documented as problem+json."""

    fast_path = True

    def build_middleware_stack(self) -> ASGIApp:
        return PredictNextPriceFastPath(super().build_middleware_stack(), enabled=self.fast_path)

    def openapi(self) -> dict[str, Any]:
        if not self.openapi_schema:
            self.openapi_schema = document_access(document_problems(super().openapi()))
        return self.openapi_schema


async def _access_error(_request: Request, exc: AccessError) -> Response:
    return access_error_response(exc)


def _model_events(feed: Feed, loop: asyncio.AbstractEventLoop) -> Callable[[ServedModel], None]:
    """A ``model`` SSE event whenever a new champion is swapped in (events are published
    from the event loop; the swap happens in the poller thread)."""

    def publish(served: ServedModel) -> None:
        info = served.info
        data = {
            "ticker": served.ticker,
            "model": served.model.name,
            "version": served.version,
            "beats_naive": bool(getattr(info, "beats_naive", False)),
            "beats_naive_p_value": getattr(info, "p_value", None),
            "trained_to": getattr(info, "trained_to", None),
            "loaded_at": served.loaded_at.isoformat(),
        }
        loop.call_soon_threadsafe(feed.publish_event, "model", served.ticker, data)

    return publish
