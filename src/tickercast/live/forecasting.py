"""Forecasts as stored prediction rows: one per step, aimed at the next exchange sessions.

Shared by the live feed and the HTTP forecast route so both store the same way.
"""

from __future__ import annotations

import datetime as dt

from tickercast.champions.store import ServedModel
from tickercast.data.calendar import next_sessions
from tickercast.models import Forecast
from tickercast.storage.predictions import PredictionCreate

__all__ = ["STORED_LEVELS", "prediction_rows"]

STORED_LEVELS = (80, 95)


def prediction_rows(
    served: ServedModel,
    ticker_id: int,
    origin_date: dt.date,
    base_close: float,
    forecast: Forecast,
    made_at: dt.datetime,
    *,
    calendar: str,
) -> list[PredictionCreate]:
    """One row per step of ``forecast``; step k targets the k-th session of ``calendar``
    after the origin (so a forecast never aims at a holiday, where no bar would score it)."""
    targets = next_sessions(origin_date, len(forecast), calendar)
    return [
        PredictionCreate(
            ticker_id=ticker_id,
            model_name=served.model.name,
            model_version=served.version,
            origin_date=origin_date,
            target_date=targets[i],
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
