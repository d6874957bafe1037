"""503 + Retry-After when a dependency is missing for now: a database that is down, hung or
locked, or a champion model whose files cannot be loaded with nothing to stand in.

Routes and dependencies raise SQLAlchemy errors as they come; the handler asks
``storage.db.database_unavailable`` whether one means "not there right now" and answers a
problem-details 503 if so. Any other SQLAlchemy error is a bug and stays a 500.
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from sqlalchemy.exc import SQLAlchemyError
from starlette.responses import Response

from tickercast.errors import DatabaseUnavailable, ModelUnavailable
from tickercast.serving.problems import problem_response
from tickercast.storage.db import database_unavailable

__all__ = ["add_unavailable_handlers", "unavailable_response"]


def add_unavailable_handlers(app: FastAPI, *, retry_after: int) -> None:
    """Register the handlers; ``retry_after`` is the Retry-After for converted driver errors."""

    async def driver_error(_request: Request, exc: Exception) -> Response:
        unavailable = database_unavailable(exc, retry_after)
        if unavailable is None:
            raise exc
        return unavailable_response(unavailable)

    async def model_unavailable(_request: Request, exc: Exception) -> Response:
        assert isinstance(exc, ModelUnavailable)
        return unavailable_response(exc)

    app.add_exception_handler(SQLAlchemyError, driver_error)
    app.add_exception_handler(ModelUnavailable, model_unavailable)


def unavailable_response(exc: DatabaseUnavailable | ModelUnavailable) -> Response:
    return problem_response(503, detail=str(exc), headers={"Retry-After": str(exc.retry_after)})
