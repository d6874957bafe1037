"""Liveness and readiness probes.

Both run on the event loop, never in the request thread pool: when the database hangs and
every pool thread waits on it, the probes must still answer. ``/healthz`` touches nothing;
``/readyz`` asks the database in one background thread at a time and gives up after
``readyz_timeout_s``.
"""

from __future__ import annotations

import asyncio
import time

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tickercast.champions.store import ModelStore
from tickercast.errors import ModelNotFound
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import HealthPublic, ReadyPublic
from tickercast.storage.db import database_unavailable

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, responses=problem_responses())
async def healthz() -> HealthPublic:
    """The process is up and answering (touches neither the database nor the thread pool)."""
    return HealthPublic(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyPublic,
    responses={503: {"model": ReadyPublic, "description": "A dependency is not ready."}},
)
async def readyz(request: Request) -> JSONResponse | ReadyPublic:
    """Ready to serve: the database answers in time and the default ticker has a model.

    ``status`` is ``ready``, ``degraded`` (200: serving a fallback model, see the model
    check's warning) or ``not ready`` (503, with the check that failed)."""
    state = request.app.state
    probe = getattr(state, "database_probe", None)
    if probe is None:
        probe = state.database_probe = DatabaseProbe(
            state.sessions, state.settings.readyz_timeout_s
        )
    checks = {
        "database": await probe.check(),
        "model": _model_check(state.models, state.settings.default_ticker),
    }
    if any(v.startswith("error") for v in checks.values()):
        body = ReadyPublic(status="not ready", checks=checks)
        return JSONResponse(body.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)
    degraded = any(v.startswith("warning") for v in checks.values())
    return ReadyPublic(status="degraded" if degraded else "ready", checks=checks)


def _model_check(store: ModelStore, ticker: str) -> str:
    try:
        served = store.get(ticker)
    except ModelNotFound:
        return f"error: no champion model loaded for the default ticker {ticker.upper()}"
    if served.warning:
        return f"warning: {served.warning}"
    return f"ok: {served.ticker} {served.model.name} version {served.version}"


class DatabaseProbe:
    """``SELECT 1`` with a deadline; at most one probe thread at a time, so a hung database
    costs one thread however often /readyz is asked."""

    def __init__(self, sessions: sessionmaker[Session], timeout_s: float) -> None:
        self.sessions = sessions
        self.timeout_s = timeout_s
        self._pending: asyncio.Future[str] | None = None
        self._started = 0.0

    async def check(self) -> str:
        if self._pending is None or self._pending.done():
            # the loop's default executor, not the request thread pool
            self._pending = asyncio.ensure_future(asyncio.to_thread(self._select_one))
            self._started = time.monotonic()
        try:
            return await asyncio.wait_for(asyncio.shield(self._pending), self.timeout_s)
        except TimeoutError:
            waited = time.monotonic() - self._started
            return f"error: the database has not answered for {waited:.1f} s"

    def _select_one(self) -> str:
        try:
            with self.sessions() as session:
                session.execute(text("SELECT 1"))
        except Exception as exc:  # any error means "not ready"; say why in a few words
            unavailable = database_unavailable(exc)
            return f"error: {unavailable if unavailable else type(exc).__name__}"
        return "ok"
