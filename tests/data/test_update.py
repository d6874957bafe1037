"""Incremental updates and corporate actions, on SQLite and PostgreSQL."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from pydantic import SecretStr
from sqlalchemy import select

from tests.data.recording_server import RecordingServer, serve
from tickercast.config import Settings
from tickercast.data.update import update_all, update_ticker
from tickercast.errors import ConfigError, ProviderError, ValidationError
from tickercast.storage import repository, sources
from tickercast.storage.corporate_actions import list_corporate_actions
from tickercast.storage.db import session_scope
from tickercast.storage.models import Prediction
from tickercast.storage.predictions import PredictionCreate, insert_predictions, score_predictions


@pytest.fixture
def server() -> Iterator[RecordingServer]:
    yield from serve()


@pytest.fixture
def cfg(settings: Settings, server: RecordingServer) -> Settings:
    return settings.model_copy(
        update={
            "yahoo_base_url": server.url,
            "alphavantage_base_url": server.url,
            "tiingo_base_url": server.url,
            "alphavantage_api_key": SecretStr("K"),
            "tiingo_api_key": SecretStr("K"),
            "http_retries": 0,
        }
    )


def _closes(settings: Settings, ticker: str = "AAPL") -> dict[str, float]:
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        assert ticker_id is not None
        frame = repository.get_bars_frame(session=session, ticker_id=ticker_id)
    return dict(zip(frame["date"].dt.strftime("%Y-%m-%d"), frame["close"], strict=True))


def test_update_adds_only_new_sessions_and_stores_the_provider(
    cfg: Settings, server: RecordingServer
) -> None:
    server.answer("yahoo/chart_full.json")
    first = update_ticker("aapl", settings=cfg, provider="yahoo")
    assert (first.added, first.revised, first.unchanged, first.start) == (15, 0, 0, None)
    server.answers.clear()
    server.answer("yahoo/chart_update.json")
    second = update_all(None, settings=cfg)[0]  # no arguments: the stored provider
    # last stored 07-22, 5 sessions overlap: fetched from 07-15 -> 6 known + 6 new
    assert second.start == dt.date(2024, 7, 15)
    assert (second.added, second.revised, second.unchanged) == (6, 0, 6)
    assert server.seen[-1].query["period1"] == [
        str(int(dt.datetime(2024, 7, 15, tzinfo=dt.UTC).timestamp()))
    ]
    assert len(_closes(cfg)) == 21
    with session_scope(cfg) as session:
        [source] = sources.list_sources(session=session)
    assert (source.ticker, source.provider, source.provider_symbol) == ("AAPL", "yahoo", "AAPL")
    assert source.last_status == "ok" and source.last_update_at is not None


def test_update_without_a_provider_says_how_to_name_one(cfg: Settings) -> None:
    with pytest.raises(ConfigError, match="has no stored provider; name one with --provider"):
        update_ticker("AAPL", settings=cfg)
    with pytest.raises(ConfigError, match="no ticker has a stored provider"):
        update_all(None, settings=cfg)


def test_failed_update_stores_nothing_and_records_why(
    cfg: Settings, server: RecordingServer
) -> None:
    server.answer("alphavantage/daily_full.json")
    update_ticker("AAPL", settings=cfg, provider="alphavantage")
    server.answers.clear()
    server.answer("alphavantage/note_rate_limit.json")
    before = _closes(cfg)
    with pytest.raises(ProviderError, match="call frequency"):
        update_ticker("AAPL", settings=cfg)
    assert _closes(cfg) == before
    with session_scope(cfg) as session:
        [source] = sources.list_sources(session=session)
    assert source.last_status == "error"
    assert "call frequency" in (source.last_error or "")


def _store_predictions(settings: Settings) -> None:
    """Two scored predictions made before the action, one spanning it."""
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="AAPL")
        assert ticker_id is not None
        made = dt.datetime(2024, 7, 20, tzinfo=dt.UTC)
        rows = [
            PredictionCreate(
                ticker_id,
                "naive",
                "1",
                dt.date(2024, 7, 18),
                dt.date(2024, 7, 19),
                1,
                made,
                224.309998,
                224.309998,
                220.0,
                228.0,
                218.0,
                230.0,
            ),
            PredictionCreate(
                ticker_id,
                "naive",
                "1",
                dt.date(2024, 7, 22),
                dt.date(2024, 7, 23),
                1,
                made,
                223.960007,
                223.960007,
                220.0,
                228.0,
                218.0,
                230.0,
            ),
        ]
        insert_predictions(session=session, rows=rows)
        score_predictions(session=session, ticker_id=ticker_id)


def _predictions(settings: Settings) -> list[Prediction]:
    with session_scope(settings) as session:
        return list(session.scalars(select(Prediction).order_by(Prediction.origin_date)))


def test_split_rebases_history_and_predictions_in_one_go(
    cfg: Settings, server: RecordingServer
) -> None:
    server.answer("yahoo/chart_full.json")
    update_ticker("AAPL", settings=cfg, provider="yahoo")
    _store_predictions(cfg)
    server.answers.clear()
    server.answer("yahoo/chart_split.json")
    report = update_ticker("AAPL", settings=cfg)
    [action] = report.corporate_actions
    assert action["kind"] == "split"
    assert action["price_factor"] == 0.25
    assert action["effective_date"] == "2024-07-23"
    assert action["bars_rebased"] == 15
    assert action["predictions_rescaled"] == 2
    # the overlap now differs from the re-based rows only by the provider's rounding
    assert (report.added, report.revised + report.unchanged) == (6, 6)
    closes = _closes(cfg)
    assert closes["2024-07-01"] == pytest.approx(216.75 * 0.25)  # before the window too
    assert closes["2024-07-30"] == pytest.approx(218.800003 * 0.25)
    scored, spanning = _predictions(cfg)
    # made and scored on old-scale bars: all in the new scale now, error unchanged in %
    assert scored.point == pytest.approx(224.309998 * 0.25)
    assert scored.actual == pytest.approx(closes["2024-07-19"])
    assert scored.rescaled_by == 0.25
    # made from an old bar, target in the new scale: forecast rescaled, actual new-scale
    assert spanning.point == pytest.approx(223.960007 * 0.25)
    assert spanning.actual == pytest.approx(closes["2024-07-23"])
    with session_scope(cfg) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="AAPL")
        assert ticker_id is not None
        [logged] = list_corporate_actions(session=session, ticker_id=ticker_id)
        assert (logged.kind, logged.provider, logged.bars_rebased) == ("split", "yahoo", 15)


def test_dividend_rebases_adj_close_only(cfg: Settings, server: RecordingServer) -> None:
    server.answer("yahoo/chart_full.json")
    update_ticker("AAPL", settings=cfg, provider="yahoo")
    _store_predictions(cfg)
    server.answers.clear()
    server.answer("yahoo/chart_dividend.json")
    closes_before = _closes(cfg)
    report = update_ticker("AAPL", settings=cfg)
    [action] = report.corporate_actions
    assert (action["kind"], action["price_factor"]) == ("dividend", 1.0)
    assert action["adj_close_factor"] == pytest.approx(0.995, abs=1e-5)
    assert action["predictions_rescaled"] == 0  # predictions are on close, unchanged
    assert report.added == 6  # overlap rows may be "revised" by adj_close rounding only
    assert {d: c for d, c in _closes(cfg).items() if d <= "2024-07-22"} == closes_before
    with session_scope(cfg) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol="AAPL")
        assert ticker_id is not None
        frame = repository.get_bars_frame(session=session, ticker_id=ticker_id)
    first = frame.iloc[0]
    assert first["adj_close"] == pytest.approx(216.499405 * 0.995, rel=1e-5)
    assert [p.point for p in _predictions(cfg)] == [224.309998, 223.960007]


def test_unadjusted_split_is_refused_then_confirmed(cfg: Settings, server: RecordingServer) -> None:
    server.answer("alphavantage/daily_full.json")
    update_ticker("AAPL", settings=cfg, provider="alphavantage")
    server.answers.clear()
    server.answer("alphavantage/daily_unadjusted_split.json")
    before = _closes(cfg)
    with pytest.raises(ValidationError, match="look like an unadjusted split") as caught:
        update_ticker("AAPL", settings=cfg)
    [problem] = caught.value.problems
    assert "2024-07-29" in problem.reason and "4:1 split" in problem.reason
    assert _closes(cfg) == before  # nothing stored, no -75% return for a model to learn
    report = update_ticker("AAPL", settings=cfg, confirm_splits=True)
    [action] = report.corporate_actions
    assert (action["kind"], action["price_factor"], action["effective_date"]) == (
        "split",
        0.25,
        "2024-07-29",
    )
    closes = _closes(cfg)
    assert closes["2024-07-26"] == pytest.approx(217.96 * 0.25, abs=1e-3)
    assert closes["2024-07-29"] == pytest.approx(218.24 * 0.25, abs=1e-3)
    assert report.added == 6


def test_tiingo_split_in_the_overlap_rebases_older_history(
    cfg: Settings, server: RecordingServer
) -> None:
    server.answer("tiingo/prices_full.json")
    update_ticker("AAPL", settings=cfg, provider="tiingo")
    server.answers.clear()
    server.answer("tiingo/prices_split.json")
    report = update_ticker("AAPL", settings=cfg)
    [action] = report.corporate_actions
    assert (action["kind"], action["price_factor"]) == ("split", 0.25)
    assert _closes(cfg)["2024-07-01"] == pytest.approx(216.75 / 4)


def test_first_fetch_warns_about_split_like_days_instead_of_refusing(
    cfg: Settings, server: RecordingServer
) -> None:
    server.answer("alphavantage/daily_unadjusted_split.json")
    report = update_ticker("AAPL", settings=cfg, provider="alphavantage")
    assert report.added == 12
    assert any("2024-07-29" in w and "4:1 split" in w for w in report.warnings)
