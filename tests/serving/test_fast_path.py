"""The lean path for POST /predict_next_price answers exactly like the FastAPI route."""

from __future__ import annotations

import httpx
import pytest

from tests.live_server import LiveServer
from tickercast.config import Settings

JSON = {"content-type": "application/json"}
BODIES = [
    (b'{"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7]}', JSON),
    (b'{"prices": [1, 2, 3]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, -7]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, NaN]}', JSON),
    (b'{"prices": [1, 2, 3, "x", 5, 6, 7]}', JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7', JSON),
    (b'{"values": [1, 2, 3, 4, 5, 6, 7]}', JSON),
    (b"[]", JSON),
    (b'{"prices": [1, 2, 3, 4, 5, 6, 7]}', {"content-type": "text/plain"}),
    (b'{"prices": [' + b",".join([b"1.0"] * 20_000) + b"]}", JSON),
]


def _answers(settings: Settings) -> list[tuple[int, object]]:
    with LiveServer(settings) as server, httpx.Client(base_url=server.url) as client:
        answers = []
        for body, headers in BODIES:
            r = client.post("/predict_next_price", content=body, headers=headers)
            answers.append((r.status_code, r.json()))
        metrics = client.get("/metrics").text
    assert 'route="/predict_next_price",status="200"} 2.0' in metrics
    return answers


def test_fast_path_answers_like_fastapi_route(champion_settings: Settings) -> None:
    fast = _answers(champion_settings)
    slow = _answers(champion_settings.model_copy(update={"fast_path": False}))
    assert fast == slow
    assert [status for status, _ in fast] == [200, 200, 422, 422, 422, 422, 422, 422, 422, 422, 413]
    assert fast[0] == (200, {"result": pytest.approx(231.4)})
