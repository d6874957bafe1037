"""Refuse request bodies over a per-route size limit with 413, before they are read.

A Content-Length over the limit is answered at once; a chunked body (no Content-Length) is
counted as it arrives and refused once it passes the limit, by raising a 413 HTTPException
from ``receive``, so whichever layer reads the body answers with the same problem+json.
(Starlette's own body limit answers plain text whenever Content-Length is too large, which
would break the one error shape.)
"""

from __future__ import annotations

from collections.abc import Mapping

from starlette.exceptions import HTTPException
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tickercast.serving.problems import problem_response

__all__ = ["BodyLimitMiddleware"]


class BodyLimitMiddleware:
    """``limits`` maps a path to its byte limit; other paths get ``default``."""

    def __init__(self, app: ASGIApp, *, default: int, limits: Mapping[str, int]) -> None:
        self.app = app
        self.default = default
        self.limits = dict(limits)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] not in ("POST", "PUT", "PATCH"):
            await self.app(scope, receive, send)
            return
        limit = self.limits.get(scope["path"], self.default)
        length = dict(scope["headers"]).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > limit:
            await _too_large(limit)(scope, receive, send)
            return
        received = 0

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    raise HTTPException(413, _detail(limit))
            return message

        await self.app(scope, counting_receive, send)


def _detail(limit: int) -> str:
    return f"the request body is over this endpoint's limit of {limit:,} bytes"


def _too_large(limit: int) -> ASGIApp:
    return problem_response(413, detail=_detail(limit))
