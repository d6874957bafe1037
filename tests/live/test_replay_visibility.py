"""Nothing a client can see depends on a bar after the replay cursor: predictions (and the
``next`` one's actual), accuracy, prices, /forecast, /v1/predict from stored history, the
event stream, and what the prediction writer scores. Checked over real HTTP at several
cursors, and after a restart that finds predictions scored by an earlier pass."""

from __future__ import annotations

import datetime as dt
import json
import time
from typing import Any

import httpx
import pytest

from tests.keys_helper import key_headers
from tests.live.test_feed import run_feed, stored_bars
from tests.serving.conftest import LiveServer
from tests.serving.helpers import stored_predictions
from tickercast.config import Settings

# first replayed bar -> the cursor before it arrives (the last bar before it)
CURSORS = [
    (dt.date(2024, 1, 2), dt.date(2023, 12, 29)),  # over New Year's Day
    (dt.date(2024, 7, 3), dt.date(2024, 7, 2)),  # the next session skips Independence Day
    (dt.date(2025, 3, 3), dt.date(2025, 2, 28)),  # a Friday: the next session is a Monday
]
_IDS_PER_SECOND = 1_000_000


def _replaying(settings: Settings, start: dt.date) -> Settings:
    # 0.001 bars/s: the cursor stays on the last bar before ``start`` for the whole test
    return settings.model_copy(update={"feed": "replay", "feed_from": start, "feed_speed": 0.001})


def _wait_for(check: Any, timeout_s: float = 15.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        time.sleep(0.02)


def _events(client: httpx.Client, seconds: float = 1.0) -> list[tuple[str, dict[str, Any]]]:
    """Every event the stream has kept since the service started (read for ``seconds``)."""
    newest = client.get("/v1/feed").json()["last_event_id"]
    first = newest - newest % _IDS_PER_SECOND  # ids start at boot_second * 1_000_000
    found: list[tuple[str, dict[str, Any]]] = []
    kind = ""
    with (
        httpx.Client(base_url=str(client.base_url), timeout=httpx.Timeout(5, read=seconds)) as c,
        c.stream("GET", "/v1/stream/AMZN", params={"last_event_id": first}) as response,
    ):
        try:
            for line in response.iter_lines():
                if line.startswith("event: "):
                    kind = line.removeprefix("event: ")
                elif line.startswith("data: "):
                    found.append((kind, json.loads(line.removeprefix("data: "))))
        except httpx.ReadTimeout:
            pass
    return found


def _assert_nothing_after(client: httpx.Client, settings: Settings, cursor: dt.date) -> None:
    day = cursor.isoformat()
    closes = {b.date.isoformat(): b.close for b in stored_bars(settings, "AMZN")}
    assert client.get("/v1/feed").json()["cursor"] == day

    for params in ({}, {"end": "2030-01-01"}, {"start": "2023-06-01"}):
        history = client.get("/v1/tickers/AMZN/predictions", params=params).json()
        assert history["end"] == day
        assert all(p["target_date"] <= day for p in history["predictions"])
        upcoming = history["next"]
        assert upcoming["origin_date"] == day
        assert upcoming["target_date"] > day
        assert upcoming["actual"] is None  # its bar is stored, but it has not arrived

    accuracy = client.get("/v1/tickers/AMZN/accuracy", params={"window": "1,all"}).json()
    assert accuracy["end"] == day
    assert all(w["last_target"] is None or w["last_target"] <= day for w in accuracy["windows"])

    prices = client.get("/v1/tickers/AMZN/prices", params={"end": "2030-01-01"}).json()
    assert prices["bars"][-1]["date"] == day

    asked_at = dt.datetime.now(dt.UTC)
    # a forecast is stored only for a predict key (never for an anonymous GET)
    forecast = client.get(
        "/v1/tickers/AMZN/forecast", params={"horizon": 5}, headers=key_headers(settings)
    ).json()
    assert forecast["origin_date"] == day
    assert forecast["last_close"] == closes[day]
    assert all(s["target_date"] > day for s in forecast["steps"])

    predicted = client.post("/v1/predict", json={"ticker": "AMZN"}).json()
    assert predicted["as_of"] == day
    assert predicted["last_price"] == closes[day]
    for decision in (
        client.post("/v1/decide", json={"ticker": "AMZN"}).json(),
        client.get("/v1/tickers/AMZN/decision").json(),
    ):
        assert (decision["as_of"], decision["last_price"]) == (day, closes[day])

    for kind, data in _events(client):
        if kind == "bar":
            assert data["date"] <= day
        elif kind == "score":
            assert data["target_date"] <= day
        elif kind == "prediction":
            assert data["origin_date"] <= day
            assert "actual" not in data
        elif kind == "status":
            assert data["cursor"] is None or data["cursor"] <= day

    # the writer stored the /forecast rows (their bars are all stored: the replay has five
    # more sessions at least), and scored none of them against a bar after the cursor
    def written() -> list[Any]:
        return [
            p
            for p in stored_predictions(settings, "AMZN")
            if p.origin_date == cursor and p.made_at.replace(tzinfo=dt.UTC) >= asked_at
        ]

    _wait_for(lambda: len(written()) >= 4)  # horizon 1 may exist already (the feed made it)
    assert all(p.target_date > cursor for p in written())
    assert [p.target_date for p in written() if p.actual is not None] == []


@pytest.mark.parametrize(("start", "cursor"), CURSORS, ids=[c.isoformat() for _, c in CURSORS])
def test_nothing_after_the_replay_cursor_is_visible(
    champion_settings: Settings, start: dt.date, cursor: dt.date
) -> None:
    settings = _replaying(champion_settings, start)
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        _wait_for(lambda: client.get("/v1/feed").json()["predictions"] >= 1)
        _assert_nothing_after(client, settings, cursor)


def test_a_restarted_replay_hides_what_an_earlier_pass_scored(champion_settings: Settings) -> None:
    """A first pass to the end scores every prediction; replaying again from an earlier
    date must not show those actuals for days after the new cursor."""
    run_feed(champion_settings, feed="replay", feed_from=dt.date(2025, 7, 21), feed_speed=100.0)
    scored = {p.target_date for p in stored_predictions(champion_settings, "AMZN") if p.actual}
    assert dt.date(2025, 7, 22) in scored
    settings = _replaying(champion_settings, dt.date(2025, 7, 22))
    with LiveServer(settings) as server, httpx.Client(base_url=server.url, timeout=10) as client:
        _wait_for(lambda: client.get("/v1/feed").json()["predictions"] >= 1)
        _assert_nothing_after(client, settings, dt.date(2025, 7, 21))
