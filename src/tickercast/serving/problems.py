"""One error shape for every 4xx/5xx answer: RFC 9457 problem details.

``{"type", "title", "status", "detail", "errors"?}`` with media type
``application/problem+json``. ``errors`` lists field-level problems (``loc``, ``msg``,
``type``, and ``input`` when it is a short scalar), at most ``MAX_FIELD_ERRORS`` of them;
``errors_omitted`` counts the rest. The cap matters: a hostile body can hold a million bad
values, and echoing each one back (as FastAPI's default 422 does) costs the server seconds
of event-loop time and a response a hundred times the request.

Domain errors (``tickercast.errors``) are mapped to statuses here, in one table.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Iterable, Mapping, Sequence
from http import HTTPStatus
from typing import Any

import orjson
from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel, Field
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.responses import Response

from tickercast.errors import (
    ConfigError,
    DatabaseUnavailable,
    DataError,
    ModelError,
    NotFoundError,
    RequestTooLarge,
    TickercastError,
    ValidationError,
)

__all__ = [
    "MAX_FIELD_ERRORS",
    "MEDIA_TYPE",
    "FieldProblemPublic",
    "ProblemPublic",
    "document_problems",
    "field_problems",
    "install_problem_handlers",
    "problem_response",
    "problem_responses",
    "status_for",
]

log = logging.getLogger(__name__)

MEDIA_TYPE = "application/problem+json"
MAX_FIELD_ERRORS = 20
_MAX_INPUT_CHARS = 64

# Most specific first: the first matching class decides.
_STATUS: tuple[tuple[type[TickercastError], int], ...] = (
    (DatabaseUnavailable, 503),  # temporary: retry after Retry-After seconds
    (NotFoundError, 404),  # unknown ticker, no champion, no such file
    (RequestTooLarge, 413),  # over a documented limit
    (ValidationError, 422),  # the request's values are wrong
    (ModelError, 422),  # the model cannot use these prices (too short, overflow)
    (DataError, 409),  # the stored data cannot answer (too few bars): a state, not the input
    (ConfigError, 500),  # the server is misconfigured; the message says how
)


class FieldProblemPublic(BaseModel):
    loc: list[str | int] = Field(description="Where: body/query/path, then field names.")
    msg: str = Field(examples=["Input should be greater than or equal to 0.000001"])
    type: str = Field(examples=["greater_than_equal"])
    input: str | float | int | bool | None = Field(
        None, description="The offending value when it is a scalar (strings cut to 64 chars)."
    )


class ProblemPublic(BaseModel):
    """RFC 9457 problem details."""

    type: str = Field("about:blank", examples=["about:blank"])
    title: str = Field(examples=["Unprocessable Entity"])
    status: int = Field(examples=[422])
    detail: str = Field(examples=["1 invalid field; body.prices.3: Input should be a number"])
    errors: list[FieldProblemPublic] | None = Field(
        None, description=f"Field-level problems, at most {MAX_FIELD_ERRORS}."
    )
    errors_omitted: int | None = Field(
        None, description="How many more field-level problems were found but not listed."
    )


def problem_response(
    status: int,
    title: str | None = None,
    detail: str | None = None,
    *,
    errors: Sequence[Mapping[str, Any]] | None = None,
    errors_omitted: int = 0,
    headers: Mapping[str, str] | None = None,
) -> Response:
    """A problem+json response; ``title`` defaults to the HTTP reason phrase."""
    phrase = HTTPStatus(status).phrase
    body: dict[str, Any] = {
        "type": "about:blank",
        "title": title or phrase,
        "status": status,
        "detail": detail or phrase,
    }
    if errors is not None:
        body["errors"] = list(errors)
    if errors_omitted:
        body["errors_omitted"] = errors_omitted
    return Response(orjson.dumps(body), status_code=status, headers=headers, media_type=MEDIA_TYPE)


def status_for(exc: TickercastError) -> int:
    return next((code for kind, code in _STATUS if isinstance(exc, kind)), 500)


def field_problems(raw: Iterable[Mapping[str, Any]]) -> tuple[list[dict[str, Any]], int]:
    """The first ``MAX_FIELD_ERRORS`` errors in the public shape, and how many were left out."""
    kept: list[dict[str, Any]] = []
    total = 0
    for error in raw:
        total += 1
        if len(kept) < MAX_FIELD_ERRORS:
            kept.append(_field_problem(error))
    return kept, total - len(kept)


def _field_problem(error: Mapping[str, Any]) -> dict[str, Any]:
    problem: dict[str, Any] = {
        "loc": [part if isinstance(part, int) else str(part) for part in error.get("loc", ())],
        "msg": str(error.get("msg", "")),
        "type": str(error.get("type", "")),
    }
    value = _scalar_input(error.get("input"))
    if value is not None:
        problem["input"] = value
    return problem


def _scalar_input(value: Any) -> str | float | int | bool | None:
    """Scalars as JSON can hold them; lists, objects and missing values are left out."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int):
        return value if -(2**63) <= value < 2**63 else _cut(str(value))
    if isinstance(value, float):
        return value if math.isfinite(value) else str(value)
    if isinstance(value, str | bytes):
        text = value if isinstance(value, str) else value.decode("utf-8", "replace")
        return _cut(text)
    return None


def _cut(text: str) -> str:
    return text if len(text) <= _MAX_INPUT_CHARS else text[: _MAX_INPUT_CHARS - 1] + "…"


def _where(loc: Sequence[str | int]) -> str:
    return ".".join(str(part) for part in loc) or "request"


async def _validation_error(_request: Request, exc: RequestValidationError) -> Response:
    errors, omitted = field_problems(exc.errors())
    omitted += getattr(exc, "omitted", 0)  # errors already cut where they were found
    if any(e["type"] == "json_invalid" for e in errors):
        # FastAPI's json.loads error carries the position in ``loc`` and the reason in ctx
        raw = exc.errors()[0]
        reason = (raw.get("ctx") or {}).get("error") or raw.get("msg", "")
        return problem_response(
            400,
            "Malformed JSON",
            f"the request body is not valid JSON: {reason}",
        )
    total = len(errors) + omitted
    first = errors[0] if errors else {"loc": [], "msg": "invalid request"}
    detail = (
        f"{total} invalid field{'s' if total != 1 else ''}; {_where(first['loc'])}: {first['msg']}"
    )
    return problem_response(422, detail=detail, errors=errors, errors_omitted=omitted)


async def _http_error(_request: Request, exc: StarletteHTTPException) -> Response:
    detail = exc.detail if isinstance(exc.detail, str) else None
    if exc.status_code == 404 and detail == "Not Found":
        detail = "no such endpoint; see /docs for the API"
    elif exc.status_code == 405:
        detail = f"method not allowed here; allowed: {(exc.headers or {}).get('Allow', '')}"
    return problem_response(exc.status_code, detail=detail, headers=exc.headers)


async def _domain_error(_request: Request, exc: TickercastError) -> Response:
    status = status_for(exc)
    headers = None
    if isinstance(exc, DatabaseUnavailable):
        headers = {"Retry-After": str(exc.retry_after)}
    if status >= 500:
        log.error("%s: %s", type(exc).__name__, exc)
    return problem_response(status, detail=str(exc), headers=headers)


async def _unexpected_error(_request: Request, exc: Exception) -> Response:
    log.exception("unhandled error", exc_info=exc)
    return problem_response(500, detail="an unexpected error happened; it has been logged")


def install_problem_handlers(app: FastAPI) -> None:
    """Route every error the app can raise to a problem+json answer."""
    app.add_exception_handler(RequestValidationError, _validation_error)  # type: ignore[arg-type]
    app.add_exception_handler(StarletteHTTPException, _http_error)  # type: ignore[arg-type]
    app.add_exception_handler(TickercastError, _domain_error)  # type: ignore[arg-type]
    app.add_exception_handler(Exception, _unexpected_error)


_DESCRIPTIONS = {
    400: "Malformed JSON body.",
    404: "Unknown ticker, no champion model, or no such endpoint.",
    409: "The stored history cannot answer (e.g. too few bars).",
    413: "Request body over this endpoint's size limit.",
    415: "Body is not application/json.",
    422: "Invalid field values, or a forecast that is not a finite number.",
    500: "Unexpected server error.",
    503: "Database unavailable; retry after the Retry-After header's seconds.",
}
_REF = "#/components/schemas/ProblemPublic"


def problem_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI ``responses=`` entries for these statuses (plus 500), as problem+json."""
    responses: dict[int | str, dict[str, Any]] = {}
    for status in sorted({*statuses, 500}):
        entry: dict[str, Any] = {
            "description": _DESCRIPTIONS.get(status, HTTPStatus(status).phrase),
            "content": {MEDIA_TYPE: {"schema": {"$ref": _REF}}},
        }
        if status == 503:
            entry["headers"] = {
                "Retry-After": {
                    "description": "Seconds to wait before retrying.",
                    "schema": {"type": "integer"},
                }
            }
        responses[status] = entry
    return responses


def document_problems(openapi: dict[str, Any]) -> dict[str, Any]:
    """Make the generated OpenAPI tell the truth about errors: ProblemPublic in the
    components, FastAPI's default 422 (``HTTPValidationError``, which this app never sends)
    replaced by the problem schema, and 500 documented on every operation."""
    schema = ProblemPublic.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas = openapi.setdefault("components", {}).setdefault("schemas", {})
    schemas.update(schema.pop("$defs", {}))
    schemas["ProblemPublic"] = schema
    default_422 = "#/components/schemas/HTTPValidationError"
    for path in openapi.get("paths", {}).values():
        for operation in path.values():
            responses = operation.setdefault("responses", {})
            for status, response in list(responses.items()):
                refs = [
                    c.get("schema", {}).get("$ref") for c in response.get("content", {}).values()
                ]
                if default_422 in refs:
                    responses[status] = problem_responses(int(status))[int(status)]
            responses.setdefault("500", problem_responses()[500])
    for name in (
        "HTTPValidationError",
        "ValidationError",
    ):  # in this order: one refers to the other
        others = {k: v for k, v in schemas.items() if k != name}
        if f"#/components/schemas/{name}".encode() not in orjson.dumps([openapi["paths"], others]):
            schemas.pop(name, None)
    return openapi
