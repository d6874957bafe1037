"""Liveness and readiness probes."""

from __future__ import annotations

from fastapi import APIRouter, Request, status
from fastapi.responses import JSONResponse
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from tickercast.errors import ModelNotFound
from tickercast.serving.model_store import ModelStore
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import HealthPublic, ReadyPublic

router = APIRouter(tags=["health"])


@router.get("/healthz", response_model=HealthPublic, responses=problem_responses())
def healthz() -> HealthPublic:
    """The process is up and answering (does not touch the database)."""
    return HealthPublic(status="ok")


@router.get(
    "/readyz",
    response_model=ReadyPublic,
    responses={503: {"model": ReadyPublic, "description": "A dependency is not ready."}},
)
def readyz(request: Request) -> JSONResponse | ReadyPublic:
    """Ready to serve: the database answers and the default ticker's champion is loaded."""
    checks = {
        "database": _database_check(request.app.state.sessions),
        "model": _model_check(request.app.state.models, request.app.state.settings.default_ticker),
    }
    if all(v.startswith("ok") for v in checks.values()):
        return ReadyPublic(status="ready", checks=checks)
    body = ReadyPublic(status="not ready", checks=checks)
    return JSONResponse(body.model_dump(), status_code=status.HTTP_503_SERVICE_UNAVAILABLE)


def _model_check(store: ModelStore, ticker: str) -> str:
    try:
        served = store.get(ticker)
    except ModelNotFound:
        return f"error: no champion model loaded for the default ticker {ticker.upper()}"
    return f"ok: {served.ticker} {served.model.name} version {served.version}"


def _database_check(sessions: sessionmaker[Session]) -> str:
    try:
        with sessions() as session:
            session.execute(text("SELECT 1"))
    except Exception as exc:  # any driver error means "not ready", with its reason
        return f"error: {type(exc).__name__}: {str(exc).splitlines()[0][:200]}"
    return "ok"
