"""The live feed through a database outage: PostgreSQL behind a TCP proxy the test
controls goes away mid-replay. The feed retries with capped exponential back-off (visible
in its status), keeps its cursor, and resumes once the database is back, without a restart,
without a skipped bar and without duplicate predictions."""

from __future__ import annotations

import asyncio
import datetime as dt
import json
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy.orm import sessionmaker

from tests.live.test_feed import stored_bars
from tests.serving.helpers import stored_predictions
from tests.tcp_proxy import TcpProxy
from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.live.events import EventHub
from tickercast.live.feed import LiveFeed, build_feed
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.serving.live_schemas import FeedStatusPublic
from tickercast.serving.metrics import Metrics
from tickercast.storage import repository
from tickercast.storage.db import make_engine, session_scope
from tickercast.storage.predictions import PredictionCreate

REPLAY_FROM = dt.date(2025, 7, 1)  # 18 bars


async def _until(check: Callable[[], bool], timeout_s: float = 30.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not check():
        assert time.monotonic() < deadline, "timed out"
        await asyncio.sleep(0.01)


ON_POSTGRES = pytest.mark.parametrize(
    "database_url", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True
)


@ON_POSTGRES
def test_feed_retries_through_a_database_outage_and_resumes_from_its_cursor(
    champion_settings_any_db: Settings,
) -> None:
    stored = champion_settings_any_db
    with TcpProxy.for_url(stored.resolved_database_url) as proxy:
        settings = stored.model_copy(
            update={
                "database_url": proxy.url_through(stored.resolved_database_url),
                "feed": "replay",
                "feed_from": REPLAY_FROM,
                "feed_speed": 40.0,
                "feed_retry_first_s": 0.05,
                "feed_retry_max_s": 0.2,
            }
        )
        engine = make_engine(settings.resolved_database_url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        store = ModelStore(settings, Metrics())
        store.refresh(["AMZN"])
        writer = PredictionWriter(sessions, max_wait_s=0.01)
        writer.start()
        seen: dict[str, Any] = {}

        async def scenario() -> tuple[LiveFeed, EventHub]:
            hub = EventHub()
            feed = build_feed(settings, hub, sessions, store, writer)
            await feed.start()
            await _until(lambda: feed.counts.bars >= 5)
            proxy.refuse()  # the database goes away mid-replay
            await _until(lambda: feed.state == "retrying" and feed._retry.attempt >= 4)  # type: ignore[union-attr]
            seen["cursor_down"] = feed.cursor
            seen["status_down"] = feed.status()
            await asyncio.sleep(0.5)  # still down: the cursor stays put
            seen["cursor_later"] = feed.cursor
            seen["bars_down"] = feed.counts.bars
            proxy.forward()  # ... and comes back
            await _until(lambda: feed.state == "finished")
            await feed.stop()
            return feed, hub

        try:
            feed, hub = asyncio.run(scenario())
        finally:
            writer.close()
            engine.dispose()

    down = seen["status_down"]
    assert down["state"] == "retrying"
    assert down["cursor"] == seen["cursor_down"] == seen["cursor_later"]
    assert down["retry"]["attempt"] >= 4
    assert down["retry"]["delay_s"] == 0.2  # 0.05, 0.1, 0.2, then capped
    assert "OperationalError" in down["last_error"]
    assert FeedStatusPublic.model_validate(down).retry is not None  # what GET /v1/feed answers
    assert feed.status()["retry"] is None and feed.status()["last_error"] is None

    events = hub.since(hub.first_id, "AMZN")
    bars = [json.loads(e.data)["date"] for e in events if e.kind == "bar"]
    expected = [b.date.isoformat() for b in stored_bars(stored, "AMZN", REPLAY_FROM)]
    assert bars == expected  # every bar once, in order: none skipped, none repeated
    states = [json.loads(e.data)["state"] for e in events if e.kind == "status"]
    assert "retrying" in states and states[-1] == "finished"
    scores = [json.loads(e.data)["target_date"] for e in events if e.kind == "score"]
    assert scores == expected

    rows = stored_predictions(stored, "AMZN", horizon=1)
    keys = Counter((p.model_version, p.origin_date, p.target_date) for p in rows)
    assert max(keys.values()) == 1
    origins = sorted({p.origin_date.isoformat() for p in rows})
    assert origins == ["2025-06-30", *expected]  # one prediction per bar, the outage's too
    assert feed.counts.predictions == len(rows) == 19


@ON_POSTGRES
def test_feed_that_starts_while_the_database_is_down_waits_for_it(
    champion_settings_any_db: Settings,
) -> None:
    stored = champion_settings_any_db
    with TcpProxy.for_url(stored.resolved_database_url) as proxy:
        settings = stored.model_copy(
            update={
                "database_url": proxy.url_through(stored.resolved_database_url),
                "feed": "replay",
                "feed_from": dt.date(2025, 7, 21),
                "feed_speed": 40.0,
                "feed_retry_first_s": 0.05,
                "feed_retry_max_s": 0.1,
            }
        )
        engine = make_engine(settings.resolved_database_url)
        sessions = sessionmaker(engine, expire_on_commit=False)
        store = ModelStore(settings, Metrics())
        store.refresh(["AMZN"])  # the champion is loaded before the database goes away
        writer = PredictionWriter(sessions, max_wait_s=0.01)
        writer.start()

        async def scenario() -> tuple[LiveFeed, dict[str, Any]]:
            proxy.refuse()
            feed = build_feed(settings, EventHub(), sessions, store, writer)
            await feed.start()
            at_start = feed.status()
            await _until(lambda: feed._retry is not None and feed._retry.attempt >= 3)
            proxy.forward()
            await _until(lambda: feed.state == "finished")
            await feed.stop()
            return feed, at_start

        try:
            feed, at_start = asyncio.run(scenario())
        finally:
            writer.close()
            engine.dispose()

    assert (at_start["state"], at_start["cursor"]) == ("retrying", None)
    assert feed.cursor == dt.date(2025, 7, 25)
    assert feed.counts.bars == 5
    assert feed.counts.predictions == 6  # from 07-18 (the bar before the first) to 07-25


@ON_POSTGRES
def test_prediction_writer_keeps_a_batch_through_a_short_outage(
    champion_settings_any_db: Settings,
) -> None:
    stored = champion_settings_any_db
    with TcpProxy.for_url(stored.resolved_database_url) as proxy:
        engine = make_engine(proxy.url_through(stored.resolved_database_url))
        sessions = sessionmaker(engine, expire_on_commit=False)
        writer = PredictionWriter(sessions, max_wait_s=0.01, retry_delays_s=(0.1,) * 20)
        writer.start()
        with session_scope(stored) as session:
            ticker_id = repository.get_ticker_id(session=session, symbol="AMZN")
        assert ticker_id is not None
        row = PredictionCreate(
            ticker_id,
            "naive",
            "1",
            dt.date(2025, 7, 24),
            dt.date(2025, 7, 25),
            1,
            dt.datetime.now(dt.UTC),
            232.23,
            232.23,
        )
        try:
            proxy.refuse()
            writer.submit([row])
            time.sleep(0.5)  # a few refused attempts
            assert writer.depth() == 1
            proxy.forward()
            writer.flush()
        finally:
            writer.close()
            engine.dispose()
    assert writer.failed == 0
    (written,) = stored_predictions(stored, "AMZN")
    assert (written.origin_date, written.actual) == (dt.date(2025, 7, 24), 231.440002)
