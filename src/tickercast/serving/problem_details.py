"""Field-level problem details for the decision routes.

The app answers every error as RFC 9457 problem details (``serving.problems``); a
``FieldError`` raised by domain code also names the field (``errors[].loc``), like a request
validation error does. ``ProblemRoute`` adds that for the routes that use it.
"""

from __future__ import annotations

from collections.abc import Callable, Coroutine
from typing import Any

from fastapi import Request, Response
from fastapi.routing import APIRoute

from tickercast.errors import FieldError
from tickercast.serving.problems import MEDIA_TYPE, problem_response

__all__ = ["PROBLEM_JSON", "ProblemRoute", "field_error_response"]

PROBLEM_JSON = MEDIA_TYPE


def field_error_response(exc: FieldError) -> Response:
    loc = ["body", *exc.loc]
    return problem_response(
        422,
        detail=str(exc),
        errors=[{"loc": loc, "msg": str(exc), "type": "value_error"}],
    )


class ProblemRoute(APIRoute):
    """A route whose ``FieldError`` answers 422 with the field's location."""

    def get_route_handler(self) -> Callable[[Request], Coroutine[Any, Any, Response]]:
        handler = super().get_route_handler()

        async def route(request: Request) -> Response:
            try:
                return await handler(request)
            except FieldError as exc:
                return field_error_response(exc)

        return route
