"""Stored tickers and their daily bars."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from tickercast.data.update import ticker_status
from tickercast.errors import ValidationError
from tickercast.serving.deps import FeedDep, SessionDep, SettingsDep, TickerIdDep
from tickercast.serving.problems import problem_responses
from tickercast.serving.responses import json_response
from tickercast.serving.schemas import IsoDate, PricesPublic, TickerDetailPublic, TickerPublic
from tickercast.storage import repository

router = APIRouter(prefix="/v1/tickers", tags=["tickers"])

_COLUMNS = ("date", *repository.BAR_VALUE_COLUMNS, "source")


@router.get("", response_model=list[TickerPublic], responses=problem_responses(503))
def list_tickers(session: SessionDep) -> list[TickerPublic]:
    """Every stored ticker with its first and last date, row count and sources."""
    return [
        TickerPublic(
            ticker=s.symbol,
            first_date=s.first_date,
            last_date=s.last_date,
            rows=s.rows,
            sources=s.sources,
        )
        for s in repository.list_ticker_summaries(session=session)
    ]


@router.get(
    "/{ticker}",
    response_model=TickerDetailPublic,
    responses=problem_responses(404, 503),
)
def get_ticker(
    session: SessionDep, settings: SettingsDep, ticker_id: TickerIdDep
) -> TickerDetailPublic:
    """One ticker: its history, where it comes from, its last and next update."""
    status = ticker_status(session=session, ticker_id=ticker_id, settings=settings)
    return TickerDetailPublic(**status.__dict__)


@router.get(
    "/{ticker}/prices",
    response_model=PricesPublic,
    responses=problem_responses(404, 422, 503),
)
def get_prices(
    session: SessionDep,
    ticker_id: TickerIdDep,
    feed: FeedDep,
    ticker: Annotated[str, Path(description="Ticker symbol", examples=["AMZN"])],
    start: Annotated[IsoDate | None, Query(description="First date (YYYY-MM-DD).")] = None,
    end: Annotated[IsoDate | None, Query(description="Last date (YYYY-MM-DD).")] = None,
    limit: Annotated[
        int | None, Query(ge=1, le=100_000, description="Only the most recent N bars.")
    ] = None,
) -> Response:
    """Daily bars of one ticker, oldest first; for the ticker the live feed replays, only
    up to its cursor (the bars after it have not "arrived" yet)."""
    if start and end and start > end:
        raise ValidationError(f"start {start} is after end {end}")
    end = feed.visible_end(ticker, end)  # may fall before start: then no bar is visible yet
    rows = repository.get_bar_tuples(
        session=session, ticker_id=ticker_id, start=start, end=end, limit=limit
    )
    bars = [dict(zip(_COLUMNS, row, strict=True)) for row in rows]
    return json_response({"ticker": ticker.upper(), "count": len(bars), "bars": bars})
