"""Turn a served model and prices (given, or stored) into API answers.

The rows stored for a forecast come from ``tickercast.live.forecasting``, which the live
feed uses too, so both store the same way.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence

import numpy as np
from sqlalchemy.orm import Session

from tickercast.champions.store import ServedModel
from tickercast.errors import DataError
from tickercast.live.forecasting import STORED_LEVELS, prediction_rows
from tickercast.models import Forecast
from tickercast.serving.schemas import (
    ForecastPublic,
    ForecastStepPublic,
    IntervalPublic,
    ModelRefPublic,
    PredictionPublic,
)
from tickercast.storage import repository
from tickercast.storage.predictions import PredictionCreate

__all__ = ["forecast_ahead", "model_ref", "predict_from_prices", "predict_from_storage"]


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


def _recent_closes(
    session: Session, ticker_id: int, n: int, end: dt.date | None
) -> tuple[list[dt.date], list[float]]:
    """The last ``n`` closes on or before ``end`` (None: the last stored)."""
    rows = repository.get_bars(session=session, ticker_id=ticker_id, end=end, limit=n)
    if len(rows) < n:
        upto = f" up to {end}" if end else ""
        raise DataError(f"{len(rows)} stored bars{upto}; this model needs at least {n}")
    return [r.date for r in rows], [r.close for r in rows]


def predict_from_storage(
    session: Session,
    served: ServedModel,
    ticker_id: int,
    levels: Sequence[int],
    *,
    end: dt.date | None = None,
) -> PredictionPublic:
    """Next close from the stored history up to ``end`` (a replayed ticker's cursor)."""
    dates, closes = _recent_closes(session, ticker_id, served.model.window + 1, end)
    return predict_from_prices(served, closes, levels, as_of=dates[-1])


def forecast_ahead(
    session: Session,
    served: ServedModel,
    ticker_id: int,
    horizon: int,
    levels: Sequence[int],
    *,
    calendar: str,
    end: dt.date | None = None,
) -> tuple[ForecastPublic, list[PredictionCreate]]:
    """Forecast ``horizon`` sessions past the last stored bar on or before ``end`` (a
    replayed ticker's cursor); also the rows to store."""
    dates, closes = _recent_closes(session, ticker_id, served.model.window + 1, end)
    all_levels = sorted({*levels, *STORED_LEVELS})
    forecast = served.model.forecast_path(np.asarray(closes), horizon, levels=all_levels)
    rows = prediction_rows(
        served,
        ticker_id,
        dates[-1],
        closes[-1],
        forecast,
        dt.datetime.now(dt.UTC),
        calendar=calendar,
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
