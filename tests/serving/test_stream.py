"""The feed over real HTTP: /v1/feed, Server-Sent Events with Last-Event-ID resume, and
history capped at the replay cursor while the data API keeps showing everything."""

from __future__ import annotations

import datetime as dt
import threading
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest

from tests.live.sse import EventParser
from tests.serving.conftest import LiveServer
from tickercast.config import Settings

Event = dict[str, Any]


def read_events(
    client: httpx.Client,
    ticker: str,
    *,
    until: Callable[[Event], bool],
    headers: dict[str, str] | None = None,
    params: dict[str, Any] | None = None,
) -> list[Event]:
    """Parse text/event-stream until ``until(event)``; comments and retry lines skipped."""
    events: list[Event] = []
    parser = EventParser()
    with client.stream("GET", f"/v1/stream/{ticker}", headers=headers, params=params) as response:
        assert response.status_code == 200
        assert response.headers["content-type"].startswith("text/event-stream")
        for line in response.iter_lines():
            event = parser.line(line)
            if event is not None:
                events.append(event)
                if until(event):
                    return events
    raise AssertionError("stream ended early")


def finished(event: Event) -> bool:
    return event["event"] == "status" and event["data"]["state"] == "finished"


@pytest.fixture
def replaying(champion_settings: Settings) -> Iterator[httpx.Client]:
    """A live server replaying AMZN's last 18 bars at 12 bars per second."""
    settings = champion_settings.model_copy(
        update={"feed": "replay", "feed_from": dt.date(2025, 7, 1), "feed_speed": 12.0}
    )
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        server.server.config.timeout_graceful_shutdown = 2
        yield client


def test_stream_resumes_with_last_event_id_without_gaps_or_duplicates(
    replaying: httpx.Client,
) -> None:
    start = replaying.get("/v1/feed").json()["last_event_id"]
    first = read_events(
        replaying, "AMZN", params={"last_event_id": start}, until=lambda e: e["event"] == "bar"
    )
    threading.Event().wait(0.4)  # disconnected while more bars arrive
    rest = read_events(
        replaying, "AMZN", headers={"Last-Event-ID": str(first[-1]["id"])}, until=finished
    )
    reference = read_events(replaying, "AMZN", params={"last_event_id": start}, until=finished)
    ids = [e["id"] for e in first + rest]
    assert ids == [e["id"] for e in reference]
    assert ids == sorted(set(ids))
    assert first + rest == reference
    bars = [e["data"]["date"] for e in reference if e["event"] == "bar"]
    assert bars == sorted(bars) and bars[-1] == "2025-07-25"
    kinds = {e["event"] for e in reference}
    assert {"bar", "prediction", "score", "status"} <= kinds


def test_stream_tells_a_client_with_an_unknown_id_to_reset(replaying: httpx.Client) -> None:
    events = read_events(
        replaying, "AMZN", headers={"Last-Event-ID": "12345"}, until=lambda e: True
    )
    assert events[0]["event"] == "reset"


def test_stream_serves_many_clients_the_same_events(replaying: httpx.Client) -> None:
    start = replaying.get("/v1/feed").json()["last_event_id"]
    results: list[list[int]] = []

    def follow() -> None:
        events = read_events(replaying, "AMZN", params={"last_event_id": start}, until=finished)
        results.append([e["id"] for e in events])

    threads = [threading.Thread(target=follow) for _ in range(20)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=30)
    assert len(results) == 20
    assert all(r == results[0] for r in results) and len(results[0]) > 50


def test_feed_status_history_and_prices_stop_at_the_cursor(
    champion_settings: Settings,
) -> None:
    settings = champion_settings.model_copy(
        update={"feed": "replay", "feed_from": dt.date(2024, 1, 2), "feed_speed": 0.01}
    )
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        status = client.get("/v1/feed")
        assert status.status_code == 200
        feed = status.json()
        assert (feed["kind"], feed["ticker"], feed["state"]) == ("replay", "AMZN", "running")
        assert feed["cursor"] == "2023-12-29"  # the last bar before the first replayed one
        tickers = {t["ticker"]: t for t in client.get("/v1/tickers").json()}
        assert tickers["AMZN"]["last_date"] == "2025-07-25"
        while client.get("/v1/feed").json()["predictions"] < 1:  # the first is made async
            threading.Event().wait(0.02)
        history = client.get("/v1/tickers/AMZN/predictions").json()
        assert history["end"] == "2023-12-29"
        assert history["next"]["origin_date"] == "2023-12-29"
        assert history["next"]["target_date"] == "2024-01-02"  # New Year's Day is no session
        assert history["next"]["actual"] is None  # its bar is stored, but after the cursor
        late = client.get("/v1/tickers/AMZN/predictions", params={"end": "2025-01-01"}).json()
        assert late["end"] == "2023-12-29"
        accuracy = client.get("/v1/tickers/AMZN/accuracy").json()
        assert accuracy["end"] == "2023-12-29"
        prices = client.get("/v1/tickers/AMZN/prices", params={"start": "2023-12-01"}).json()
        assert prices["bars"][-1]["date"] == "2023-12-29"


def test_feed_status_when_off(live: httpx.Client) -> None:
    response = live.get("/v1/feed")
    assert response.status_code == 200
    assert response.json()["state"] == "off"
    assert response.json()["kind"] == "none"
