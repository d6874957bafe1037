"""The live feed, driven directly: replay order and speed, scoring, no look-ahead, restart,
graceful stop, and polling a real local HTTP server."""

from __future__ import annotations

import asyncio
import datetime as dt
import http.server
import json
import shutil
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from sqlalchemy.orm import sessionmaker

from tests.serving.helpers import stored_predictions
from tests.training.factories import register_stored
from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.data.calendar import next_sessions
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider, table_from_frame
from tickercast.live.bar_handler import BarOutcome
from tickercast.live.events import Event, EventHub
from tickercast.live.feed import BarHook, LiveFeed, build_feed
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.serving.metrics import Metrics
from tickercast.storage import repository
from tickercast.storage.db import make_engine, session_scope


@dataclass
class FeedRun:
    feed: LiveFeed
    events: list[Event]
    seconds: float

    def of(self, kind: str) -> list[dict]:  # type: ignore[type-arg]
        return [json.loads(e.data) for e in self.events if e.kind == kind]


def run_feed(
    settings: Settings,
    *,
    until: Callable[[LiveFeed], bool] = lambda f: f.state in ("finished", "error"),
    timeout_s: float = 30.0,
    on_bar: list[BarHook] | None = None,
    **feed_settings: object,
) -> FeedRun:
    """Start the feed the settings describe with a real store and writer, wait for
    ``until``, stop it gracefully and return every event it published."""
    settings = settings.model_copy(update=feed_settings)
    engine = make_engine(settings.resolved_database_url)
    sessions = sessionmaker(engine, expire_on_commit=False)
    store = ModelStore(settings, Metrics())
    store.refresh(["AMZN"])
    writer = PredictionWriter(sessions, max_wait_s=0.01)
    writer.start()

    async def scenario() -> FeedRun:
        hub = EventHub()
        feed = build_feed(settings, hub, sessions, store, writer)
        feed.on_bar.extend(on_bar or [])
        start = time.monotonic()
        await feed.start()
        while not until(feed) and time.monotonic() - start < timeout_s:
            await asyncio.sleep(0.01)
        seconds = time.monotonic() - start
        await feed.stop()
        return FeedRun(feed, hub.since(hub.first_id, feed.ticker), seconds)

    try:
        return asyncio.run(scenario())
    finally:
        writer.close()
        engine.dispose()


def stored_bars(settings: Settings, ticker: str, start: dt.date | None = None) -> list:  # type: ignore[type-arg]
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        assert ticker_id is not None
        return list(repository.get_bars(session=session, ticker_id=ticker_id, start=start))


REPLAY_FROM = dt.date(2025, 7, 1)  # 18 bars to the end of the bundled AMZN history


def test_replay_plays_stored_bars_in_order_at_the_set_speed(champion_settings: Settings) -> None:
    run = run_feed(champion_settings, feed="replay", feed_from=REPLAY_FROM, feed_speed=25.0)
    expected = [b.date.isoformat() for b in stored_bars(champion_settings, "AMZN", REPLAY_FROM)]
    bars = run.of("bar")
    assert [b["date"] for b in bars] == expected
    assert len(expected) == 18
    assert 18 / 25.0 <= run.seconds <= 18 / 25.0 + 1.5
    ids = [e.id for e in run.events]
    assert ids == sorted(set(ids))
    assert run.feed.state == "finished"
    assert run.feed.cursor == dt.date(2025, 7, 25)


def test_replay_scores_each_day_and_predicts_from_history_up_to_the_cursor(
    champion_settings: Settings,
) -> None:
    run = run_feed(champion_settings, feed="replay", feed_from=REPLAY_FROM, feed_speed=50.0)
    closes = {b.date.isoformat(): b.close for b in stored_bars(champion_settings, "AMZN")}
    predictions = run.of("prediction")
    # one before the first bar (from 2025-06-30), then one per replayed bar
    assert [p["origin_date"] for p in predictions] == [
        "2025-06-30",
        *[b["date"] for b in run.of("bar")],
    ]
    for p in predictions:
        # the champion is naive: its forecast is the close at origin, not a later one
        assert p["base_close"] == closes[p["origin_date"]]
        assert p["point"] == pytest.approx(p["base_close"])
        assert p["lower_95"] < p["lower_80"] < p["point"] < p["upper_80"] < p["upper_95"]
        (target,) = next_sessions(dt.date.fromisoformat(p["origin_date"]), 1)
        assert p["target_date"] == target.isoformat()
    assert "2025-07-04" not in {p["target_date"] for p in predictions}  # Independence Day
    scores = run.of("score")
    assert len(scores) == 18  # every replayed bar meets the prediction made for it
    for s in scores:
        assert s["actual"] == closes[s["target_date"]]
        assert s["error_pct"] == pytest.approx(100 * (s["point"] - s["actual"]) / s["actual"])
        assert s["naive_error_pct"] == pytest.approx(
            100 * (s["base_close"] - s["actual"]) / s["actual"]
        )
    stored = {
        (p.origin_date.isoformat(), p.target_date.isoformat()): p
        for p in stored_predictions(champion_settings, "AMZN", horizon=1)
    }
    assert len(stored) == len(predictions)
    scored = [p for p in stored.values() if p.actual is not None]
    assert len(scored) == 18
    assert all(p.actual == closes[p.target_date.isoformat()] for p in scored)


def test_on_bar_hooks_get_each_bar_after_its_work_and_cannot_stop_the_feed(
    champion_settings: Settings,
) -> None:
    seen: list[BarOutcome] = []

    def broken(_outcome: BarOutcome) -> None:
        raise RuntimeError("a drift check that fails")

    run = run_feed(
        champion_settings,
        on_bar=[broken, seen.append],
        feed="replay",
        feed_from=REPLAY_FROM,
        feed_speed=50.0,
    )
    assert run.feed.state == "finished"
    assert [o.day.isoformat() for o in seen[1:]] == [b["date"] for b in run.of("bar")]
    assert seen[0].day == dt.date(2025, 6, 30)  # the bar before the first replayed one
    assert all(o.prediction is not None for o in seen)
    assert [o.scored["target_date"].isoformat() for o in seen[1:] if o.scored] == [
        b["date"] for b in run.of("bar")
    ]


def test_replay_restart_plays_again_without_duplicate_predictions(
    champion_settings: Settings,
) -> None:
    first = run_feed(champion_settings, feed="replay", feed_from=REPLAY_FROM, feed_speed=50.0)
    count = len(stored_predictions(champion_settings, "AMZN"))
    second = run_feed(champion_settings, feed="replay", feed_from=REPLAY_FROM, feed_speed=50.0)
    assert [b["date"] for b in second.of("bar")] == [b["date"] for b in first.of("bar")]
    assert len(stored_predictions(champion_settings, "AMZN")) == count == 19


def test_replay_stops_gracefully_and_keeps_every_prediction(champion_settings: Settings) -> None:
    run = run_feed(
        champion_settings,
        until=lambda f: f.counts.bars >= 3,
        feed="replay",
        feed_from=REPLAY_FROM,
        feed_speed=20.0,
    )
    assert run.feed.state == "stopped"
    assert run.of("status")[-1]["state"] == "stopped"
    assert 3 <= run.feed.counts.bars < 18
    assert len(stored_predictions(champion_settings, "AMZN")) == run.feed.counts.predictions


def test_replay_without_a_champion_plays_bars_and_says_why(amzn_settings: Settings) -> None:
    run = run_feed(amzn_settings, feed="replay", feed_from=dt.date(2025, 7, 21), feed_speed=50.0)
    assert [b["date"] for b in run.of("bar")] == [
        "2025-07-21",
        "2025-07-22",
        "2025-07-23",
        "2025-07-24",
        "2025-07-25",
    ]
    assert run.of("prediction") == []
    assert "no champion model is loaded for AMZN" in run.feed.status()["model_note"]


def test_replay_of_an_unknown_ticker_is_an_error_state(sqlite_settings: Settings) -> None:
    run = run_feed(sqlite_settings, feed="replay", feed_ticker="NOPE")
    assert run.feed.state == "error"
    assert "no stored bars for NOPE" in (run.feed.detail or "")


def test_replay_defaults_to_two_years_before_the_last_bar(amzn_settings: Settings) -> None:
    run = run_feed(
        amzn_settings, until=lambda f: f.counts.bars >= 1, feed="replay", feed_speed=50.0
    )
    assert run.of("bar")[0]["date"] == "2023-07-26"  # first bar on or after 2023-07-26


def test_feed_is_off_with_several_workers(sqlite_settings: Settings) -> None:
    feed = build_feed(
        sqlite_settings.model_copy(update={"feed": "replay", "workers": 2}),
        EventHub(),
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
        None,  # type: ignore[arg-type]
    )
    assert (feed.kind, feed.state) == ("none", "off")
    assert "--workers 1" in (feed.detail or "")


# ---------------------------------------------------------------------------- poll


class _Bars:
    """What the local provider serves: AMZN's bundled bars up to ``end``."""

    def __init__(self, end: str) -> None:
        self.frame = BundledProvider().fetch("AMZN").frame
        self.end = end
        self.requests = 0

    def csv(self) -> str:
        self.requests += 1
        return self.frame[self.frame["date"] <= self.end].to_csv(index=False)


@pytest.fixture
def provider_server() -> Iterator[tuple[str, _Bars]]:
    bars = _Bars("2025-07-18")

    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            body = bars.csv().encode()
            self.send_response(200)
            self.send_header("Content-Type", "text/csv")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args: object) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/{{ticker}}.csv", bars
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture
def poll_settings(
    settings: Settings, registry_template: Path, monkeypatch: pytest.MonkeyPatch
) -> Settings:
    """AMZN stored up to 2025-07-18 (SQLite and PostgreSQL) with the naive champion."""
    frame = BundledProvider().fetch("AMZN").frame
    table = table_from_frame(frame[frame["date"] <= "2025-07-18"], origin="test", source="http")
    ingest_table(table, ticker="AMZN", settings=settings)
    target = settings.data_dir / "mlflow.db"
    shutil.copy(registry_template / "mlflow.db", target)
    return settings.model_copy(update={"mlflow_tracking_uri": f"sqlite:///{target}"})


def test_poll_stores_scores_and_predicts_new_bars_from_a_local_server(
    poll_settings: Settings, provider_server: tuple[str, _Bars]
) -> None:
    url, served = provider_server

    def grow(feed: LiveFeed) -> bool:
        if served.requests >= 2 and served.end == "2025-07-18":
            served.end = "2025-07-22"  # two new trading days appear at the provider
        return feed.cursor == dt.date(2025, 7, 22) and feed.counts.predictions >= 3

    run = run_feed(poll_settings, until=grow, feed="poll", feed_poll_url=url, feed_every_s=0.1)
    assert run.feed.state == "stopped"
    assert [b["date"] for b in run.of("bar")] == ["2025-07-21", "2025-07-22"]
    assert all(b["source"] == "http" for b in run.of("bar"))
    assert [s["target_date"] for s in run.of("score")] == ["2025-07-21", "2025-07-22"]
    assert [p["origin_date"] for p in run.of("prediction")] == [
        "2025-07-18",
        "2025-07-21",
        "2025-07-22",
    ]
    assert stored_bars(poll_settings, "AMZN")[-1].date == dt.date(2025, 7, 22)
    scored = [p for p in stored_predictions(poll_settings, "AMZN", horizon=1) if p.actual]
    assert [p.target_date.isoformat() for p in scored] == ["2025-07-21", "2025-07-22"]


def test_poll_reports_a_provider_error_and_keeps_polling(poll_settings: Settings) -> None:
    run = run_feed(
        poll_settings.model_copy(update={"http_retries": 0, "http_timeout_s": 0.5}),
        until=lambda f: f.last_error is not None,
        feed="poll",
        feed_poll_url="http://127.0.0.1:9/{ticker}.csv",  # nothing listens on port 9
        feed_every_s=0.1,
    )
    assert run.feed.state == "stopped"
    assert "failed after 1 attempts" in (run.feed.last_error or "")
    assert any(s["last_error"] for s in run.of("status"))


def test_poll_first_fill_of_an_empty_ticker_is_history_not_news(
    sqlite_settings: Settings, provider_server: tuple[str, _Bars]
) -> None:
    url, _ = provider_server
    run = run_feed(
        sqlite_settings,
        until=lambda f: f.cursor is not None,
        feed="poll",
        feed_poll_url=url,
        feed_every_s=0.1,
    )
    assert run.of("bar") == []
    assert run.feed.cursor == dt.date(2025, 7, 18)
    assert len(stored_bars(sqlite_settings, "AMZN")) == len(
        BundledProvider().fetch("AMZN").frame.query("date <= '2025-07-18'")
    )


@pytest.fixture
def before_replay(sqlite_settings: Settings) -> Settings:
    """AMZN stored in full; the naive champion trained only on bars before REPLAY_FROM."""
    ingest_table(BundledProvider().fetch("AMZN"), ticker="AMZN", settings=sqlite_settings)
    register_stored(sqlite_settings, "AMZN", before=REPLAY_FROM)
    return sqlite_settings


def test_replay_publishes_a_drift_event_per_bar_up_to_the_cursor(before_replay: Settings) -> None:
    run = run_feed(before_replay, feed="replay", feed_from=REPLAY_FROM, feed_speed=50.0)
    bars = [b["date"] for b in run.of("bar")]
    drift = run.of("drift")
    # one per replayed bar (none for 2025-06-30, the champion's last training day)
    assert [d["as_of"] for d in drift] == bars
    assert all(d["status"] in {"ok", "warning", "drift"} for d in drift)
    assert drift[-1]["model_version"] == "1"
    assert set(drift[-1]["checks"]) >= {"volatility_cusum", "jump", "miss_80"}
    # the jump statistic is the largest |return| / sigma_ref of the replayed days so far
    assert drift[0]["checks"]["jump"] > 0 and drift[0]["checks"]["returns_ks"] is None
