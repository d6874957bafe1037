"""Predictions: the original /predict_next_price contract and the /v1 API.

The three POST routes read their bodies through ``serving.json_body`` and
``serving.batch_body`` (strict JSON, bounded cost, large batches parsed off the event loop),
under a body limit each that fits its largest valid request (``BODY_LIMITS``, enforced by
``serving.body_limit``).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Annotated

from fastapi import APIRouter, Depends, Query, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import Response

from tickercast.access.scopes import Scope
from tickercast.champions.store import ServedModel
from tickercast.models import Forecast
from tickercast.serving import forecasting
from tickercast.serving.batch_body import BatchBody, batch_body
from tickercast.serving.deps import (
    AdmissionDep,
    FeedDep,
    MetricsDep,
    ModelStoreDep,
    SessionDep,
    SettingsDep,
    TickerIdDep,
    WriterDep,
    valid_ticker_id,
)
from tickercast.serving.fast_path import BODY_LIMIT as NEXT_PRICE_LIMIT
from tickercast.serving.fast_path import PATH as NEXT_PRICE_PATH
from tickercast.serving.fast_path import next_price
from tickercast.serving.json_body import json_body, openapi_body
from tickercast.serving.problems import problem_responses
from tickercast.serving.responses import json_response
from tickercast.serving.schemas import (
    MAX_LEVELS,
    BatchPredictionPublic,
    BatchPredictRequest,
    ForecastPublic,
    PredictionPublic,
    PredictNextPriceRequest,
    PredictNextPriceResponse,
    PredictRequest,
)

router = APIRouter(tags=["predict"])

BODY_LIMITS = {
    # 7 prices: ~200 bytes at full float64 precision; room for pretty-printed JSON
    NEXT_PRICE_PATH: NEXT_PRICE_LIMIT,
    # 10,000 prices x 24 bytes ("1.2345678901234567e-05, ") = 240 kB
    "/v1/predict": 256 * 1024,
    # 10,000 windows x 32 prices x 24 bytes = 7.7 MB (measured: benchmarks/bench_bodies.py)
    "/v1/predict/batch": 8 * 1024 * 1024,
}
"""Bytes per route: each fits the route's largest valid request in compact JSON."""

_BODY_ERRORS = (400, 404, 413, 415, 422)


@router.post(
    NEXT_PRICE_PATH,
    response_model=PredictNextPriceResponse,
    responses=problem_responses(*_BODY_ERRORS),
    openapi_extra=openapi_body(PredictNextPriceRequest),
)
async def predict_next_price(
    body: Annotated[PredictNextPriceRequest, Depends(json_body(PredictNextPriceRequest))],
    request: Request,
) -> PredictNextPriceResponse:
    """The original contract: 7 closes in, the default ticker champion's next close out.

    Valid requests are usually answered by ``serving.fast_path`` before reaching this route;
    this route is the contract's reference and answers everything else.
    """
    return PredictNextPriceResponse(result=next_price(request.app.state, body.prices))


@router.post(
    "/v1/predict",
    response_model=PredictionPublic,
    responses=problem_responses(*_BODY_ERRORS, 409, 503),
    openapi_extra=openapi_body(PredictRequest),
)
def predict(
    body: Annotated[PredictRequest, Depends(json_body(PredictRequest))],
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


@router.post(
    "/v1/predict/batch",
    response_model=BatchPredictionPublic,
    responses=problem_responses(*_BODY_ERRORS),
    openapi_extra=openapi_body(BatchPredictRequest),
)
async def predict_batch(
    body: Annotated[BatchBody, Depends(batch_body)],
    store: ModelStoreDep,
    settings: SettingsDep,
    metrics: MetricsDep,
) -> Response:
    """Up to 10,000 windows of one ticker in one vectorised call (columnar answer)."""
    ticker = (body.ticker or settings.default_ticker).upper()
    served = store.get(ticker)
    forecast = await run_in_threadpool(_predict_windows, served, body, body.levels)
    metrics.predictions.labels(served.ticker, served.model.name, served.version).inc(len(forecast))
    return json_response(
        {
            "ticker": ticker,
            "count": len(forecast),
            "point": forecast.point,
            "lower": {str(lv): forecast.lower[lv] for lv in body.levels},
            "upper": {str(lv): forecast.upper[lv] for lv in body.levels},
            "model": forecasting.model_ref(served).model_dump(),
        }
    )


def _predict_windows(served: ServedModel, body: BatchBody, levels: Sequence[int]) -> Forecast:
    """The model's own window (the last ``window + 1`` closes) of each, in one call."""
    return served.model.predict(body.last(served.model.window + 1), levels)


_LEVEL = "(5[0-9]|[6-9][0-9])"


@router.get(
    "/v1/tickers/{ticker}/forecast",
    response_model=ForecastPublic,
    responses=problem_responses(404, 409, 422, 503),
)
def forecast(
    ticker: str,
    ticker_id: TickerIdDep,
    session: SessionDep,
    store: ModelStoreDep,
    writer: WriterDep,
    metrics: MetricsDep,
    admission: AdmissionDep,
    settings: SettingsDep,
    feed: FeedDep,
    horizon: Annotated[int, Query(ge=1, le=30, description="Exchange sessions ahead.")] = 1,
    levels: Annotated[
        str,
        Query(
            description=f"Comma-separated interval levels, each 50 to 99, at most {MAX_LEVELS}.",
            examples=["80,95"],
            pattern=f"^{_LEVEL}(,{_LEVEL}){{0,{MAX_LEVELS - 1}}}$",
        ),
    ] = "80,95",
) -> ForecastPublic:
    """Forecast the next sessions of the ticker's exchange from the stored history (for a
    replayed ticker, up to the feed cursor) with intervals that widen with the horizon;
    stored."""
    served = store.get(ticker)
    wanted = sorted({int(part) for part in levels.split(",")})
    public, rows = forecasting.forecast_ahead(
        session,
        served,
        ticker_id,
        horizon,
        wanted,
        calendar=settings.calendar_for(ticker),
        end=feed.visible_end(ticker, None),
    )
    if admission.key is not None and Scope.PREDICT in admission.key.scopes:
        writer.submit(rows)
    metrics.predictions.labels(served.ticker, served.model.name, served.version).inc(len(rows))
    return public
