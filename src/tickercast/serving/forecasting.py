"""Turn a served model and prices (given, or stored) into API answers, and persist forecasts.

Shared by the routes and the live feed so both forecast and store the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from tickercast.errors import DataError
from tickercast.models import Forecast
from tickercast.serving.model_store import ServedModel
from tickercast.serving.schemas import (
    ForecastPublic,
    ForecastStepPublic,
    IntervalPublic,
    ModelRefPublic,
    PredictionPublic,
)
from tickercast.storage import repository
from tickercast.storage.predictions import PredictionCreate

__all__ = [
    "STORED_LEVELS",
    "forecast_ahead",
    "model_ref",
    "predict_from_prices",
    "predict_from_storage",
    "prediction_rows",
]

STORED_LEVELS = (80, 95)


def model_ref(served: ServedModel) -> ModelRefPublic:
    return ModelRefPublic(
        name=served.model.name,
        version=served.version,
        beats_naive=bool(getattr(served.info, "beats_naive", False)),
        beats_naive_p_value=getattr(served.info, "p_value", None),
        margin=getattr(served.info, "margin", None),
    )


def _intervals(forecast: Forecast, i: int, levels: Sequence[int]) -> list[IntervalPublic]:
    return [
        IntervalPublic(
            level=lv, lower=float(forecast.lower[lv][i]), upper=float(forecast.upper[lv][i])
        )
        for lv in levels
    ]


def predict_from_prices(
    served: ServedModel,
    prices: Sequence[float],
    levels: Sequence[int],
    *,
    as_of: dt.date | None = None,
) -> PredictionPublic:
    forecast = served.model.predict(np.asarray(prices, dtype=np.float64), levels=levels)
    return PredictionPublic(
        ticker=served.ticker,
        last_price=float(prices[-1]),
        as_of=as_of,
        point=float(forecast.point[0]),
        intervals=_intervals(forecast, 0, levels),
        model=model_ref(served),
    )


def _recent_closes(session: Session, ticker_id: int, n: int) -> tuple[list[dt.date], list[float]]:
    rows = repository.get_bars(session=session, ticker_id=ticker_id, limit=n)
    if len(rows) < n:
        raise DataError(f"{len(rows)} stored bars; this model needs at least {n}")
    return [r.date for r in rows], [r.close for r in rows]


def predict_from_storage(
    session: Session, served: ServedModel, ticker_id: int, levels: Sequence[int]
) -> PredictionPublic:
    dates, closes = _recent_closes(session, ticker_id, served.model.window + 1)
    return predict_from_prices(served, closes, levels, as_of=dates[-1])


def prediction_rows(
    served: ServedModel,
    ticker_id: int,
    origin_date: dt.date,
    base_close: float,
    forecast: Forecast,
    made_at: dt.datetime,
) -> list[PredictionCreate]:
    """One row per step of ``forecast`` (steps are consecutive business days after origin)."""
    targets = np.busday_offset(
        np.datetime64(origin_date, "D"), np.arange(1, len(forecast) + 1), roll="forward"
    )
    return [
        PredictionCreate(
            ticker_id=ticker_id,
            model_name=served.model.name,
            model_version=served.version,
            origin_date=origin_date,
            target_date=targets[i].astype(dt.date),
            horizon=i + 1,
            made_at=made_at,
            base_close=base_close,
            point=float(forecast.point[i]),
            lower_80=float(forecast.lower[80][i]),
            upper_80=float(forecast.upper[80][i]),
            lower_95=float(forecast.lower[95][i]),
            upper_95=float(forecast.upper[95][i]),
        )
        for i in range(len(forecast))
    ]


def forecast_ahead(
    session: Session,
    served: ServedModel,
    ticker_id: int,
    horizon: int,
    levels: Sequence[int],
) -> tuple[ForecastPublic, list[PredictionCreate]]:
    """Forecast ``horizon`` business days past the last stored bar; also the rows to store."""
    dates, closes = _recent_closes(session, ticker_id, served.model.window + 1)
    all_levels = sorted({*levels, *STORED_LEVELS})
    forecast = served.model.forecast_path(np.asarray(closes), horizon, levels=all_levels)
    rows = prediction_rows(
        served, ticker_id, dates[-1], closes[-1], forecast, dt.datetime.now(dt.UTC)
    )
    steps = [
        ForecastStepPublic(
            target_date=row.target_date,
            horizon=row.horizon,
            point=row.point,
            intervals=_intervals(forecast, i, levels),
        )
        for i, row in enumerate(rows)
    ]
    public = ForecastPublic(
        ticker=served.ticker,
        origin_date=dates[-1],
        last_close=closes[-1],
        steps=steps,
        model=model_ref(served),
    )
    return public, rows
