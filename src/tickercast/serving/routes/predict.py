"""Predictions: the original /predict_next_price contract and the /v1 API."""

from __future__ import annotations

from typing import Annotated, Any

import numpy as np
from fastapi import APIRouter, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tickercast.errors import RequestTooLarge, ValidationError
from tickercast.serving import forecasting
from tickercast.serving.deps import (
    FeedDep,
    MetricsDep,
    ModelStoreDep,
    SessionDep,
    SettingsDep,
    TickerIdDep,
    WriterDep,
    valid_ticker_id,
)
from tickercast.serving.fast_path import next_price
from tickercast.serving.responses import json_response
from tickercast.serving.schemas import (
    MAX_BATCH_WINDOWS,
    BatchPredictionPublic,
    BatchPredictRequest,
    ErrorPublic,
    ForecastPublic,
    PredictionPublic,
    PredictNextPriceRequest,
    PredictNextPriceResponse,
    PredictRequest,
)

router = APIRouter(tags=["predict"])

_ERRORS: dict[int | str, dict[str, Any]] = {
    404: {"model": ErrorPublic, "description": "Unknown ticker or no champion model."},
    413: {"model": ErrorPublic, "description": "Request over a documented limit."},
}


@router.post("/predict_next_price", response_model=PredictNextPriceResponse, responses=_ERRORS)
async def predict_next_price(
    body: PredictNextPriceRequest, request: Request
) -> PredictNextPriceResponse:
    """The original contract: 7 closes in, the default ticker champion's next close out.

    Valid requests are usually answered by ``serving.fast_path`` before reaching this route;
    this route is the contract's reference and answers everything else.
    """
    return PredictNextPriceResponse(result=next_price(request.app.state, body.prices))


@router.post("/v1/predict", response_model=PredictionPublic, responses=_ERRORS)
def predict(
    body: PredictRequest,
    store: ModelStoreDep,
    settings: SettingsDep,
    session: SessionDep,
    metrics: MetricsDep,
    feed: FeedDep,
) -> PredictionPublic:
    """Next close with intervals, from the prices given or the stored history (for a
    replayed ticker, the history up to the feed cursor)."""
    ticker = (body.ticker or settings.default_ticker).upper()
    served = store.get(ticker)
    if body.prices is None:
        ticker_id = valid_ticker_id(session, ticker)
        answer = forecasting.predict_from_storage(
            session, served, ticker_id, body.levels, end=feed.visible_end(ticker, None)
        )
    else:
        answer = forecasting.predict_from_prices(served, body.prices, body.levels)
    metrics.predictions.labels(served.ticker, served.model.name, served.version).inc()
    return answer


@router.post("/v1/predict/batch", response_model=BatchPredictionPublic, responses=_ERRORS)
async def predict_batch(
    body: BatchPredictRequest, store: ModelStoreDep, settings: SettingsDep, metrics: MetricsDep
) -> Response:
    """Up to 10,000 windows of one ticker in one vectorised call (columnar answer)."""
    if len(body.windows) > MAX_BATCH_WINDOWS:
        raise RequestTooLarge(
            f"{len(body.windows)} windows; at most {MAX_BATCH_WINDOWS} per request"
        )
    if not body.windows:
        raise ValidationError("windows is empty; send at least one window")
    lengths = {len(w) for w in body.windows}
    if len(lengths) != 1:
        raise ValidationError(f"windows have different lengths {sorted(lengths)}; use one length")
    ticker = (body.ticker or settings.default_ticker).upper()
    served = store.get(ticker)
    windows = np.asarray(body.windows, dtype=np.float64)
    forecast = await run_in_threadpool(served.model.predict, windows, body.levels)
    metrics.predictions.labels(served.ticker, served.model.name, served.version).inc(len(windows))
    return json_response(
        {
            "ticker": ticker,
            "count": len(windows),
            "point": forecast.point,
            "lower": {str(lv): forecast.lower[lv] for lv in body.levels},
            "upper": {str(lv): forecast.upper[lv] for lv in body.levels},
            "model": forecasting.model_ref(served).model_dump(),
        }
    )


@router.get("/v1/tickers/{ticker}/forecast", response_model=ForecastPublic, responses=_ERRORS)
def forecast(
    ticker: str,
    ticker_id: TickerIdDep,
    session: SessionDep,
    store: ModelStoreDep,
    writer: WriterDep,
    metrics: MetricsDep,
    settings: SettingsDep,
    feed: FeedDep,
    horizon: Annotated[int, Query(ge=1, le=30, description="Exchange sessions ahead.")] = 1,
    levels: Annotated[
        str, Query(description="Comma-separated levels.", examples=["80,95"])
    ] = "80,95",
) -> ForecastPublic:
    """Forecast the next sessions of the ticker's exchange from the stored history (for a
    replayed ticker, up to the feed cursor) with intervals that widen with the horizon;
    stored."""
    served = store.get(ticker)
    public, rows = forecasting.forecast_ahead(
        session,
        served,
        ticker_id,
        horizon,
        _levels(levels),
        calendar=settings.calendar_for(ticker),
        end=feed.visible_end(ticker, None),
    )
    writer.submit(rows)
    metrics.predictions.labels(served.ticker, served.model.name, served.version).inc(len(rows))
    return public


def _levels(text: str) -> list[int]:
    try:
        levels = sorted({int(part) for part in text.split(",") if part.strip()})
    except ValueError:
        raise ValidationError(
            f"levels {text!r} is not a comma-separated list of integers"
        ) from None
    bad = [lv for lv in levels if not 50 <= lv <= 99]
    if bad or not levels:
        raise ValidationError(f"levels {text!r}: each level must be an integer from 50 to 99")
    return levels
