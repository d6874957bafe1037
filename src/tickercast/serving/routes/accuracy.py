"""Stored one-day-ahead predictions of a ticker and how they did against naive."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any

from fastapi import APIRouter, Path, Query

from tickercast.errors import ValidationError
from tickercast.live import accuracy
from tickercast.live.feed import LiveFeed
from tickercast.serving.deps import FeedDep, SessionDep, TickerIdDep
from tickercast.serving.live_schemas import AccuracyPublic, PredictionHistoryPublic
from tickercast.serving.schemas import ErrorPublic

router = APIRouter(prefix="/v1/tickers", tags=["accuracy"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "Unknown ticker."}
}
TickerPath = Annotated[str, Path(description="Ticker symbol", examples=["AMZN"])]
EndQuery = Annotated[
    dt.date | None,
    Query(description="Last target date (YYYY-MM-DD); never past the feed cursor."),
]


def _visible_end(feed: LiveFeed, ticker: str, end: dt.date | None) -> dt.date | None:
    """``end``, capped at the feed cursor of a replayed ticker (no peeking ahead)."""
    cursor = feed.known_until(ticker)
    if cursor is not None and (end is None or end > cursor):
        return cursor
    return end


@router.get("/{ticker}/accuracy", response_model=AccuracyPublic, responses=_ERRORS)
def get_accuracy(
    ticker: TickerPath,
    ticker_id: TickerIdDep,
    session: SessionDep,
    feed: FeedDep,
    window: Annotated[
        str, Query(description="Last N predictions, comma-separated; 'all' for every one.")
    ] = accuracy.DEFAULT_WINDOWS,
    end: EndQuery = None,
) -> AccuracyPublic:
    """Mean/median/max/min % difference, MAE, MAPE, hit rate and interval coverage of the
    last N scored one-day-ahead predictions, each next to naive on the same days."""
    report = accuracy.accuracy_report(
        session,
        ticker_id=ticker_id,
        ticker=ticker.upper(),
        windows=accuracy.parse_windows(window),
        end=_visible_end(feed, ticker, end),
    )
    return AccuracyPublic.model_validate(report)


@router.get("/{ticker}/predictions", response_model=PredictionHistoryPublic, responses=_ERRORS)
def get_predictions(
    ticker: TickerPath,
    ticker_id: TickerIdDep,
    session: SessionDep,
    feed: FeedDep,
    start: Annotated[dt.date | None, Query(description="First target date.")] = None,
    end: EndQuery = None,
) -> PredictionHistoryPublic:
    """Stored one-day-ahead predictions by target date (one per day: the last made), and
    the next one made from the last bar on or before ``end``."""
    end = _visible_end(feed, ticker, end)
    if start and end and start > end:
        raise ValidationError(f"start {start} is after end {end}")
    history = accuracy.prediction_history(
        session, ticker_id=ticker_id, ticker=ticker.upper(), start=start, end=end
    )
    return PredictionHistoryPublic.model_validate(history)
