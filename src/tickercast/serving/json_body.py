"""Read a JSON request body into a pydantic model, strictly and at a bounded cost.

The prediction routes parse their bodies here instead of through FastAPI's body parameter:

- ``model_validate_json`` parses and validates in one pass in pydantic-core, several times
  cheaper than FastAPI's ``json.loads`` + validation, and in JSON strict mode ("228" and
  ``true`` are not prices) exactly like the ``/predict_next_price`` fast path;
- the cost is bounded: a JSON parser holds the GIL (a thread would not free the event
  loop), so bodies are capped per route (``serving.body_limit``), and the batch route, whose
  limit is MBs, also counts values and containers on the raw bytes first (``JsonBudget``),
  because parse time grows with their number rather than with bytes (7.6 MB of ``[1],``
  takes pydantic ~0.4 s, 7.4 MB of prices ~50 ms; benchmarks/README.md);
- errors leave as a ``RequestValidationError`` with ``loc`` starting at ``body``, so they
  get the same capped problem+json answer as every other validation error.

Routes take the body as ``Depends(json_body(Model))`` and document it with
``openapi_extra=openapi_body(Model)``.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from fastapi import Request
from fastapi.exceptions import RequestValidationError
from pydantic import BaseModel
from pydantic import ValidationError as PydanticValidationError
from starlette.exceptions import HTTPException

__all__ = ["JsonBudget", "json_body", "openapi_body", "parse_json_body", "require_json"]

M = TypeVar("M", bound=BaseModel)


@dataclass(frozen=True)
class JsonBudget:
    """Most values (commas + 1), containers (``[`` and ``{``) and string quotes a valid body
    can hold; each count also covers the same characters inside a valid ticker string."""

    values: int
    containers: int
    quotes: int
    what: str

    def problems(self, body: bytes) -> list[dict[str, Any]]:
        """The first count over budget, as a field error on ``body`` (or nothing)."""
        counts = (
            ("values", body.count(b",") + 1, self.values),
            ("arrays or objects", body.count(b"[") + body.count(b"{"), self.containers),
            ("string quotes", body.count(b'"'), self.quotes),
        )
        for name, found, most in counts:
            if found > most:
                message = f"the body holds {found:,} {name}; {self.what} holds at most {most:,}"
                return [{"type": "too_many_values", "loc": ("body",), "msg": message}]
        return []


def _is_json(content_type: str | None) -> bool:
    media = (content_type or "").split(";", 1)[0].strip().lower()
    return media == "application/json" or (
        media.startswith("application/") and media.endswith("+json")
    )


def require_json(request: Request) -> None:
    """415 unless the body is declared JSON."""
    if not _is_json(request.headers.get("content-type")):
        given = request.headers.get("content-type") or "none"
        raise HTTPException(
            415, f"send the body as JSON (content-type: application/json); got {given!r}"
        )


async def parse_json_body(request: Request, model: type[M]) -> M:
    """The body as ``model``; 415 if it is not JSON, a validation error if it does not fit."""
    require_json(request)
    body = await request.body()  # bounded by the route's body limit (413 past it)
    try:
        return model.model_validate_json(body)
    except PydanticValidationError as exc:
        errors = exc.errors(include_url=False, include_context=True)
        raise RequestValidationError([{**e, "loc": ("body", *e["loc"])} for e in errors]) from None


def json_body(model: type[M]) -> Callable[[Request], Awaitable[M]]:
    """A FastAPI dependency giving the body as ``model`` (see ``parse_json_body``)."""

    async def dependency(request: Request) -> M:
        return await parse_json_body(request, model)

    return dependency


def openapi_body(model: type[BaseModel]) -> dict[str, Any]:
    """``openapi_extra`` documenting ``model`` as the required JSON request body."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    return {
        "requestBody": {
            "required": True,
            "content": {"application/json": {"schema": schema}},
        }
    }
