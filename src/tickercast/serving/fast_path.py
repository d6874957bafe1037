"""A lean path for the hottest route, POST /predict_next_price.

Its happy path (a JSON body of 7 valid prices, a champion loaded) is answered here, as the
outermost layer of the app, before FastAPI's middleware, routing and dependency machinery,
which together cost more per request than the prediction; it records the same metrics.
Everything else (invalid or oversize bodies, other content types, no champion, a forecast
that is not finite) is handed on, body replayed, to the FastAPI route, so errors (problem
details), status codes and the OpenAPI contract are the route's own. Both validate with the
same strict ``model_validate_json``; a test checks both paths answer alike.

Access control runs first, through the same ``serving.auth.authorize`` as every other
route (key, scope, rate limit, quota), before the body is read.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

import numpy as np
import orjson
from pydantic import ValidationError as PydanticValidationError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from tickercast.errors import AccessError, TickercastError
from tickercast.serving.auth import authorize, rate_headers, record_usage, refuse_and_count
from tickercast.serving.metrics import server_timing
from tickercast.serving.schemas import PredictNextPriceRequest

__all__ = ["PATH", "PredictNextPriceFastPath", "next_price"]

PATH = "/predict_next_price"
BODY_LIMIT = 4 * 1024
"""The route's body limit too: 7 prices take ~200 bytes, even at full float64 precision."""


def next_price(state: Any, prices: list[float]) -> float:
    """The default ticker champion's next price for ``prices``; counts the prediction."""
    served = state.models.get(state.settings.default_ticker)
    point = float(served.model.predict_point(np.asarray(prices, dtype=np.float64))[0])
    state.metrics.predictions.labels(served.ticker, served.model.name, served.version).inc()
    return point


class PredictNextPriceFastPath:
    def __init__(self, app: ASGIApp, *, enabled: bool = True) -> None:
        self.app = app
        self.enabled = enabled

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if not (
            self.enabled
            and scope["type"] == "http"
            and scope["path"] == PATH
            and scope["method"] == "POST"
            and (b"content-type", b"application/json") in scope["headers"]
        ):
            await self.app(scope, receive, send)
            return
        start = time.perf_counter()
        state = scope["app"].state
        try:
            admission = authorize(state.access, scope)
        except AccessError as exc:
            status = await refuse_and_count(scope, receive, send, exc, state.metrics, PATH)
            state.metrics.record_request("POST", PATH, status, time.perf_counter() - start)
            return
        body, complete = await _read_body(receive, BODY_LIMIT)
        if complete:
            try:
                request = PredictNextPriceRequest.model_validate_json(body)
                result = next_price(state, request.prices)
            except (PydanticValidationError, TickercastError):
                pass
            else:
                payload = orjson.dumps({"result": result})
                # Yield to the event loop once per request. Without it a request is read,
                # predicted and answered in one task step, and under saturation (c=64) the
                # loop serves the connections unevenly: p99 ~3-8x the trivial app's while
                # requests/s matched. With it: see "Tail latency" in benchmarks/README.md.
                await asyncio.sleep(0)
                await send(
                    {
                        "type": "http.response.start",
                        "status": 200,
                        "headers": [
                            (b"content-type", b"application/json"),
                            (b"content-length", str(len(payload)).encode()),
                            server_timing(start),
                            *rate_headers(admission),
                        ],
                    }
                )
                await send({"type": "http.response.body", "body": payload})
                state.metrics.record_request("POST", PATH, 200, time.perf_counter() - start)
                record_usage(state.metrics, state.access, admission, PATH, 200)
                return
        await self.app(scope, _replay(body, receive, complete), send)


async def _read_body(receive: Receive, limit: int) -> tuple[bytes, bool]:
    """The body, and whether it was read whole (False once it passes ``limit``)."""
    chunks: list[bytes] = []
    size = 0
    while True:
        message = await receive()
        if message["type"] != "http.request":
            return b"".join(chunks), False
        chunk = message.get("body", b"")
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), False
        if not message.get("more_body", False):
            return b"".join(chunks), True


def _replay(body: bytes, receive: Receive, complete: bool) -> Receive:
    """A receive that first hands back what was already read, then the rest of the stream."""
    sent = False

    async def replay() -> Message:
        nonlocal sent
        if not sent:
            sent = True
            return {"type": "http.request", "body": body, "more_body": not complete}
        return await receive()

    return replay
