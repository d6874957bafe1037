"""Forecast targets are exchange sessions: a replay over holidays predicts every trading day
one day ahead and scores each prediction; /forecast skips Christmas and the weekend."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from tests.live.test_feed import run_feed, stored_bars
from tests.serving.helpers import stored_predictions
from tickercast.config import Settings
from tickercast.data.calendar import sessions_between
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider, table_from_frame
from tickercast.serving.app import create_app

FIRST, LAST = dt.date(2024, 1, 2), dt.date(2025, 7, 25)


def test_replay_over_holidays_predicts_and_scores_every_trading_day(
    champion_settings: Settings,
) -> None:
    run = run_feed(
        champion_settings, feed="replay", feed_from=FIRST, feed_speed=2000.0, timeout_s=240.0
    )
    assert run.feed.state == "finished"
    days = sessions_between(FIRST, LAST)
    assert [b.date for b in stored_bars(champion_settings, "AMZN", FIRST)] == days
    assert len(days) == 392
    one_ahead = [p for p in stored_predictions(champion_settings, "AMZN", horizon=1)]
    targets = {p.target_date for p in one_ahead if FIRST <= p.target_date <= LAST}
    assert [d for d in days if d not in targets] == []  # every trading day was predicted
    unscored = [p.target_date for p in one_ahead if p.target_date <= LAST and p.actual is None]
    assert unscored == []  # ...and every prediction aimed at a trading day was scored
    assert len(run.of("score")) == 392
    # the last one aims past the stored history, at the next session (a Monday)
    assert max(p.target_date for p in one_ahead) == dt.date(2025, 7, 28)


def test_forecast_from_christmas_eve_targets_the_next_sessions(
    champion_settings: Settings,
) -> None:
    """A ticker whose last bar is 2025-12-24: step 1 is 12-26 (after Christmas), step 2 is
    12-29 (after the weekend), step 3 is 12-30."""
    amzn = BundledProvider().fetch("AMZN").frame.tail(30).reset_index(drop=True)
    amzn["date"] = [
        d.isoformat() for d in sessions_between(dt.date(2025, 11, 1), dt.date(2025, 12, 24))[-30:]
    ]
    ingest_table(
        table_from_frame(amzn.astype(str), origin="shifted", source="test"),
        ticker="AMZN",
        settings=champion_settings,
    )
    with TestClient(create_app(champion_settings)) as client:
        body = client.get("/v1/tickers/AMZN/forecast", params={"horizon": 3}).json()
    assert body["origin_date"] == "2025-12-24"
    assert [s["target_date"] for s in body["steps"]] == ["2025-12-26", "2025-12-29", "2025-12-30"]
