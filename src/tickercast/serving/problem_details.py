"""RFC 9457 problem details for the decision routes, kept in one place.

The shared ``serving/problems.py`` (hardening work) will provide ``problem_response`` for the
whole app; until it lands, ``ProblemRoute`` gives the routes that use it the same shape:
``{"type", "title", "status", "detail", "errors": [{"loc", "msg", "type"}]}`` as
``application/problem+json``. Switching over means importing ``problem_response`` from there.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Coroutine, Mapping, Sequence
from typing import Any

from fastapi import Request, Response
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute
from starlette.responses import JSONResponse

from tickercast.errors import (
    ConfigError,
    DataError,
    FieldError,
    ModelError,
    NotFoundError,
    RequestTooLarge,
    TickercastError,
    ValidationError,
)

__all__ = ["PROBLEM_JSON", "ProblemRoute", "problem_response"]

PROBLEM_JSON = "application/problem+json"
# the same mapping as serving.app's exception handler
_STATUS = (
    (NotFoundError, 404, "Not found"),
    (RequestTooLarge, 413, "Request too large"),
    (ValidationError, 422, "Invalid request"),
    (ModelError, 409, "Model unavailable"),
    (ConfigError, 400, "Bad request"),
    (DataError, 400, "Bad request"),
)


def problem_response(
    status: int,
    title: str,
    detail: str,
    *,
    errors: Sequence[Mapping[str, Any]] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if errors:
        body["errors"] = [dict(e) for e in errors]
    return JSONResponse(
        _safe(jsonable_encoder(body)), status_code=status, media_type=PROBLEM_JSON, headers=headers
    )


def _safe(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {k: _safe(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_safe(v) for v in value]
    return value


def _where(loc: Sequence[Any]) -> str:
    return ".".join(str(part) for part in loc)


def from_exception(exc: Exception) -> JSONResponse | None:
    if isinstance(exc, RequestValidationError):
        errors = [
            {"loc": list(e.get("loc", ())), "msg": e.get("msg", ""), "type": e.get("type", "")}
            for e in exc.errors()
        ]
        first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
        more = f" (and {len(errors) - 1} more)" if len(errors) > 1 else ""
        detail = f"{_where(first['loc'])}: {first['msg']}{more}"
        return problem_response(422, "Invalid request", detail, errors=errors)
    if isinstance(exc, FieldError):
        loc = ["body", *exc.loc]
        return problem_response(
            422,
            "Invalid request",
            str(exc),
            errors=[{"loc": loc, "msg": str(exc), "type": "value_error"}],
        )
    if isinstance(exc, TickercastError):
        status, title = next(
            ((s, t) for kind, s, t in _STATUS if isinstance(exc, kind)), (400, "Bad request")
        )
        return problem_response(status, title, str(exc))
    return None


class ProblemRoute(APIRoute):
    """A route whose request and domain errors are answered as problem details."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except (RequestValidationError, TickercastError) as exc:
                response = from_exception(exc)
                assert response is not None
                return response

        return route
