"""create_app(): the FastAPI application, its lifespan and its error mapping."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.orm import sessionmaker

from tickercast import __version__
from tickercast.config import Settings, get_settings
from tickercast.errors import (
    ConfigError,
    DataError,
    ModelError,
    NotFoundError,
    RequestTooLarge,
    TickercastError,
    ValidationError,
)
from tickercast.serving.routes import health, tickers
from tickercast.storage.db import make_engine

__all__ = ["create_app"]

log = logging.getLogger(__name__)

_STATUS = (
    (NotFoundError, 404),
    (RequestTooLarge, 413),
    (ValidationError, 422),
    (ModelError, 409),
    (ConfigError, 400),
    (DataError, 400),
)


def create_app(settings: Settings | None = None) -> FastAPI:
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        engine = make_engine(settings.resolved_database_url)
        app.state.settings = settings
        app.state.engine = engine
        app.state.sessions = sessionmaker(engine, expire_on_commit=False)
        log.info("serving %s", settings.resolved_database_url)
        try:
            yield
        finally:
            engine.dispose()

    app = FastAPI(
        title="tickercast",
        version=__version__,
        description="Stock price history, forecasts with calibrated intervals, and a live "
        "dashboard. Every forecast is reported next to the naive 'tomorrow = today' yardstick.",
        lifespan=lifespan,
    )
    app.add_exception_handler(TickercastError, _domain_error)  # type: ignore[arg-type]
    app.include_router(health.router)
    app.include_router(tickers.router)
    return app


async def _domain_error(_request: Request, exc: TickercastError) -> JSONResponse:
    status = next((code for kind, code in _STATUS if isinstance(exc, kind)), 400)
    return JSONResponse({"detail": str(exc)}, status_code=status)
