"""503 + Retry-After when a dependency is missing for now: a database that is down, hung or
locked, or a champion model whose files cannot be loaded with nothing to stand in.

Routes and dependencies raise SQLAlchemy errors as they come; the handler asks
``storage.db.database_unavailable`` whether one means "not there right now" and answers a
problem-details 503 if so. Any other SQLAlchemy error is a bug and stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from sqlalchemy.exc import SQLAlchemyError

from tickercast.errors import DatabaseUnavailable, ModelUnavailable
from tickercast.storage.db import database_unavailable

__all__ = ["add_unavailable_handlers", "unavailable_response"]

PROBLEM_JSON = "application/problem+json"


def add_unavailable_handlers(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers; ``retry_after`` is the Retry-After for converted driver errors."""

    async def driver_error(_request: Request, exc: Exception) -> JSONResponse:
        unavailable = database_unavailable(exc, retry_after)
        if unavailable is None:
            raise exc
        return unavailable_response(unavailable)

    async def domain_error(_request: Request, exc: Exception) -> JSONResponse:
        assert isinstance(exc, DatabaseUnavailable | ModelUnavailable)
        return unavailable_response(exc)

    app.add_exception_handler(SQLAlchemyError, driver_error)
    app.add_exception_handler(DatabaseUnavailable, domain_error)
    app.add_exception_handler(ModelUnavailable, domain_error)


def unavailable_response(exc: DatabaseUnavailable | ModelUnavailable) -> JSONResponse:
    """RFC 9457 problem details (the shape serving.problems will build once it lands)."""
    body = {
        "type": "about:blank",
        "title": "Service Unavailable",
        "status": 503,
        "detail": str(exc),
    }
    return JSONResponse(
        body,
        status_code=503,
        media_type=PROBLEM_JSON,
        headers={"Retry-After": str(exc.retry_after)},
    )
