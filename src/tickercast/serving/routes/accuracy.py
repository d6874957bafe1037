"""Stored one-day-ahead predictions of a ticker and how they did against naive."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query

from tickercast.errors import ValidationError
from tickercast.live import accuracy
from tickercast.serving.deps import FeedDep, SessionDep, TickerIdDep
from tickercast.serving.live_schemas import AccuracyPublic, PredictionHistoryPublic
from tickercast.serving.problems import problem_responses
from tickercast.serving.schemas import IsoDate

router = APIRouter(prefix="/v1/tickers", tags=["accuracy"])

_ERRORS = problem_responses(404, 422, 503)
_WINDOW = "(all|[1-9][0-9]{0,8})"
_WINDOWS_PATTERN = f"^{_WINDOW}(,{_WINDOW}){{0,9}}$"
"""1 to 10 windows (accuracy.parse_windows' limit), each 'all' or a positive integer."""
TickerPath = Annotated[str, Path(description="Ticker symbol", examples=["AMZN"])]
EndQuery = Annotated[
    IsoDate | None,
    Query(description="Last target date (YYYY-MM-DD); never past the feed cursor."),
]


@router.get("/{ticker}/accuracy", response_model=AccuracyPublic, responses=_ERRORS)
def get_accuracy(
    ticker: TickerPath,
    ticker_id: TickerIdDep,
    session: SessionDep,
    feed: FeedDep,
    window: Annotated[
        str,
        Query(
            description="Last N predictions, comma-separated; 'all' for every one.",
            pattern=_WINDOWS_PATTERN,
        ),
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
        end=feed.visible_end(ticker, end),
    )
    return AccuracyPublic.model_validate(report)


@router.get("/{ticker}/predictions", response_model=PredictionHistoryPublic, responses=_ERRORS)
def get_predictions(
    ticker: TickerPath,
    ticker_id: TickerIdDep,
    session: SessionDep,
    feed: FeedDep,
    start: Annotated[IsoDate | None, Query(description="First target date (YYYY-MM-DD).")] = None,
    end: EndQuery = None,
) -> PredictionHistoryPublic:
    """Stored one-day-ahead predictions by target date (one per day: the last made), and
    the next one made from the last bar on or before ``end``."""
    if start and end and start > end:
        raise ValidationError(f"start {start} is after end {end}")
    end = feed.visible_end(ticker, end)  # may fall before start: then nothing is visible yet
    history = accuracy.prediction_history(
        session,
        ticker_id=ticker_id,
        ticker=ticker.upper(),
        start=start,
        end=end,
        known_until=feed.known_until(ticker),
    )
    return PredictionHistoryPublic.model_validate(history)
