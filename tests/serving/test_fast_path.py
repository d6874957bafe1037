"""The lean path for POST /predict_next_price answers exactly like the FastAPI route."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.keys_helper import key_headers
from tests.live_server import LiveServer
from tickercast.config import Settings

JSON = {"content-type": "application/json"}
SEVEN = b"[228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]"
BODIES = [
    (b'{"prices": ' + SEVEN + b"}", JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7]}', JSON),
    (b'{"prices": [1, 2, 3]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, -7]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, NaN]}', JSON),
    (b'{"prices": [1, 2, 3, "x", 5, 6, 7]}', JSON),
    (b'{"prices": ["228", "228", "228", "228", "228", "228", "228"]}', JSON),
    (b'{"prices": [true, true, true, true, true, true, true]}', JSON),
    (b'{"prices": [1.797e308, 1, 1, 1, 1, 1, 1]}', JSON),
    (b'{"prices": ' + SEVEN + b', "extra": 1}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7', JSON),
    (b'{"values": [1, 2, 3, 4, 5, 6, 7]}', JSON),
    (b"[]", JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7]}', {"content-type": "text/plain"}),
    (b'{"prices": [' + b",".join([b"1.0"] * 20_000) + b"]}", JSON),
]
STATUSES = [200, 200, 422, 422, 422, 422, 422, 422, 422, 422, 400, 422, 422, 415, 413]


def _chunks(body: bytes) -> Iterator[bytes]:
    """A body sent with Transfer-Encoding: chunked (no Content-Length)."""
    for i in range(0, len(body), 1000):
        yield body[i : i + 1000]


def _answers(settings: Settings) -> list[tuple[int, str, object]]:
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as client:
        answers = []
        for body, headers in BODIES:
            r = client.post("/predict_next_price", content=body, headers=headers)
            answers.append((r.status_code, r.headers["content-type"], r.json()))
        r = client.post("/predict_next_price", content=_chunks(BODIES[-1][0]), headers=JSON)
        answers.append((r.status_code, r.headers["content-type"], r.json()))
        metrics = client.get("/metrics", headers=key_headers(settings, scopes="admin")).text
    assert 'route="/predict_next_price",status="200"} 2.0' in metrics
    return answers


def test_fast_path_answers_like_fastapi_route(champion_settings: Settings) -> None:
    fast = _answers(champion_settings)
    slow = _answers(champion_settings.model_copy(update={"fast_path": False}))
    assert fast == slow
    assert [status for status, _, _ in fast] == [*STATUSES, 413]
    assert fast[0] == (200, "application/json", {"result": pytest.approx(231.4)})
    for status, media_type, body in fast[2:]:
        assert media_type == "application/problem+json"
        assert isinstance(body, dict) and body["status"] == status
        assert {"type", "title", "status", "detail"} <= set(body)


def test_fast_path_yields_to_the_event_loop_per_request(champion_settings: Settings) -> None:
    """Issue 9: a request answered in one task step starves other connections at c=64.

    Another task on the loop must get to run between the request being read and its answer."""
    import asyncio

    from starlette.types import Message

    from tickercast.serving.app import create_app

    app = create_app(champion_settings)

    async def scenario() -> list[str]:
        events: list[str] = []
        body = b'{"prices": ' + SEVEN + b"}"

        async def receive() -> Message:
            return {"type": "http.request", "body": body, "more_body": False}

        async def send(message: Message) -> None:
            events.append(message["type"])

        async def other_connection() -> None:
            events.append("other task ran")

        scope = {
            "type": "http",
            "method": "POST",
            "path": "/predict_next_price",
            "raw_path": b"/predict_next_price",
            "query_string": b"",
            "headers": [(b"content-type", b"application/json")],
            "app": app,
        }
        async with app.router.lifespan_context(app):
            request = asyncio.ensure_future(app(scope, receive, send))
            other = asyncio.ensure_future(other_connection())
            await asyncio.gather(request, other)
        return events

    events = asyncio.run(scenario())
    assert events == ["other task ran", "http.response.start", "http.response.body"]
