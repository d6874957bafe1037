"""Request and response models of the HTTP API (with OpenAPI examples)."""

from __future__ import annotations

import datetime as dt
import re
from typing import Annotated, Any

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field

__all__ = [
    "MAX_BATCH_WINDOWS",
    "MAX_LEVELS",
    "MAX_PREDICT_PRICES",
    "MAX_PRICE",
    "MAX_WINDOW_PRICES",
    "MIN_PRICE",
    "WINDOW_PRICES",
    "BarPublic",
    "BatchPredictRequest",
    "BatchPredictionPublic",
    "ForecastPublic",
    "ForecastStepPublic",
    "HealthPublic",
    "IntervalPublic",
    "IsoDate",
    "ModelRefPublic",
    "PredictNextPriceRequest",
    "PredictNextPriceResponse",
    "PredictRequest",
    "PredictionPublic",
    "PricesPublic",
    "ReadyPublic",
    "ReloadPublic",
    "ServedModelPublic",
    "TickerPublic",
]


_ISO_DATE = re.compile(r"\d{4}-\d{2}-\d{2}")


def _iso_date_text(value: Any) -> Any:
    """Dates in query strings must be written YYYY-MM-DD: pydantic alone would also read
    ``0`` or ``1700000000`` as Unix time (1970-01-01 for ``start=0``)."""
    if isinstance(value, str) and not _ISO_DATE.fullmatch(value):
        raise ValueError(f"{value!r} is not a date written YYYY-MM-DD")
    return value


IsoDate = Annotated[dt.date, BeforeValidator(_iso_date_text)]


class HealthPublic(BaseModel):
    status: str = Field(examples=["ok"])


class ReadyPublic(BaseModel):
    status: str = Field(examples=["ready"])
    checks: dict[str, str] = Field(examples=[{"database": "ok"}])


class TickerPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticker": "AMZN",
                    "first_date": "1997-05-15",
                    "last_date": "2025-07-25",
                    "rows": 7093,
                    "sources": ["bundled"],
                }
            ]
        }
    )

    ticker: str
    first_date: dt.date | None
    last_date: dt.date | None
    rows: int
    sources: list[str]


class TickerDetailPublic(TickerPublic):
    """A ticker and what keeps it current (provider, last and next update)."""

    provider: str | None = Field(None, description="Named provider `data update` uses.")
    provider_symbol: str | None = Field(None, description="The ticker's name at the provider.")
    last_update_at: dt.datetime | None = Field(None, description="When the last update ran.")
    last_update_status: str | None = Field(None, description="ok or error.")
    last_update_error: str | None = Field(None, description="Why the last update failed.")
    next_update_at: dt.datetime | None = Field(
        None, description="Next scheduled update (None unless serve runs the schedule)."
    )


class BarPublic(BaseModel):
    date: dt.date
    open: float | None
    high: float | None
    low: float | None
    close: float
    adj_close: float | None
    volume: int | None
    source: str


class PricesPublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticker": "AMZN",
                    "count": 1,
                    "bars": [
                        {
                            "date": "2025-07-25",
                            "open": 232.22,
                            "high": 232.48,
                            "low": 231.18,
                            "close": 231.44,
                            "adj_close": 231.44,
                            "volume": 28712100,
                            "source": "bundled",
                        }
                    ],
                }
            ]
        }
    )

    ticker: str
    count: int
    bars: list[BarPublic]


MIN_PRICE = 1e-6
MAX_PRICE = 1e9
WINDOW_PRICES = 7
MAX_PREDICT_PRICES = 10_000
MAX_BATCH_WINDOWS = 10_000
MAX_WINDOW_PRICES = 32
MAX_LEVELS = 10
MAX_TICKER_CHARS = 16

Price = Annotated[
    float,
    Field(
        ge=MIN_PRICE,
        le=MAX_PRICE,
        allow_inf_nan=False,
        description="A closing price; bounded so no forecast from it can overflow.",
    ),
]
"""A close in [1e-6, 1e9]: wide enough for any listed stock, narrow enough that the log
returns of any window stay small and no forecast or bound overflows float64."""


def _whole_number(value: Any) -> Any:
    """JSON Schema's integer includes 90.0, so levels do too; 90.5, "90" and true stay out."""
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return value


Level = Annotated[
    int,
    Field(ge=50, le=99, description="Interval level in percent."),
    BeforeValidator(_whole_number),
]
Ticker = Annotated[
    str,
    Field(min_length=1, max_length=MAX_TICKER_CHARS, description="Default: the default ticker."),
]

_STRICT = ConfigDict(strict=True, extra="forbid")
"""Request bodies take JSON as it is: no "228" for 228, no true for 1, no unknown fields."""


def _unique_sorted(levels: list[int]) -> list[int]:
    return sorted(set(levels))


class PredictNextPriceRequest(BaseModel):
    """The original contract: the last 7 closing prices, oldest first."""

    model_config = _STRICT | ConfigDict(
        json_schema_extra={
            "examples": [{"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}]
        }
    )

    prices: list[Price] = Field(
        description="Exactly 7 closing prices, oldest first.",
        min_length=WINDOW_PRICES,
        max_length=WINDOW_PRICES,
    )


class PredictNextPriceResponse(BaseModel):
    result: float = Field(description="Predicted next closing price.", examples=[231.9])


class IntervalPublic(BaseModel):
    level: int = Field(examples=[80])
    lower: float
    upper: float


class ModelRefPublic(BaseModel):
    name: str = Field(examples=["lightgbm"])
    version: str = Field(examples=["3"])
    beats_naive: bool = Field(
        description="Significantly better than naive walk-forward (Diebold-Mariano/HLN at the "
        "gate's level, default 5%)."
    )
    beats_naive_p_value: float | None = Field(
        None, description="One-sided DM/HLN p-value against naive; small means better."
    )
    margin: float | None = Field(
        None, description="1 - MAE / naive MAE on the walk-forward days (the skill)."
    )


class PredictRequest(BaseModel):
    model_config = _STRICT | ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticker": "AMZN",
                    "prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4],
                    "levels": [80, 95],
                },
                {"ticker": "AMZN"},
            ]
        }
    )

    ticker: Ticker | None = None
    prices: list[Price] | None = Field(
        None,
        description="Recent closes, oldest first (the model uses the last 7; extra ones are "
        "ignored). Omitted: the stored history up to its last date.",
        min_length=WINDOW_PRICES,
        max_length=MAX_PREDICT_PRICES,
    )
    levels: Annotated[list[Level], AfterValidator(_unique_sorted)] = Field(
        [80, 95], description="Interval levels in percent.", min_length=1, max_length=MAX_LEVELS
    )


class PredictionPublic(BaseModel):
    ticker: str
    last_price: float = Field(description="The last price of the input window.")
    as_of: dt.date | None = Field(None, description="Date of the last stored bar used, if any.")
    point: float
    intervals: list[IntervalPublic]
    model: ModelRefPublic


Window = Annotated[
    list[Price],
    Field(min_length=WINDOW_PRICES, max_length=MAX_WINDOW_PRICES),
]


class BatchPredictRequest(BaseModel):
    model_config = _STRICT | ConfigDict(
        json_schema_extra={
            "examples": [
                {
                    "ticker": "AMZN",
                    "windows": [
                        [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4],
                        [230.1, 229.5, 231.2, 232.0, 231.0, 231.4, 233.0],
                    ],
                }
            ]
        }
    )

    ticker: Ticker | None = None
    windows: list[Window] = Field(
        description=f"1 to {MAX_BATCH_WINDOWS:,} windows of {WINDOW_PRICES} to "
        f"{MAX_WINDOW_PRICES} closes each, oldest first; the model uses the last "
        f"{WINDOW_PRICES} of each, so lengths may differ.",
        min_length=1,
        max_length=MAX_BATCH_WINDOWS,
        fail_fast=True,  # one bad window is reported in full; the rest are not checked
    )
    levels: Annotated[list[Level], AfterValidator(_unique_sorted)] = Field(
        [80, 95], min_length=1, max_length=MAX_LEVELS
    )


class BatchPredictionPublic(BaseModel):
    ticker: str
    count: int
    point: list[float]
    lower: dict[str, list[float]] = Field(description="Lower bounds by level.")
    upper: dict[str, list[float]] = Field(description="Upper bounds by level.")
    model: ModelRefPublic


class ForecastStepPublic(BaseModel):
    target_date: dt.date
    horizon: int
    point: float
    intervals: list[IntervalPublic]


class ForecastPublic(BaseModel):
    ticker: str
    origin_date: dt.date = Field(description="Last stored bar the forecast starts from.")
    last_close: float
    steps: list[ForecastStepPublic]
    model: ModelRefPublic


class ServedModelPublic(BaseModel):
    ticker: str
    model: str
    version: str
    trained_from: str | None
    trained_to: str | None
    relative_mae: float | None = Field(
        description="MAE / naive MAE, walk-forward; < 1 beats naive."
    )
    skill: float | None = Field(description="1 - relative MAE.")
    beats_naive: bool = Field(
        description="Significantly better than naive (DM/HLN test at level `alpha`)."
    )
    beats_naive_p_value: float | None = Field(
        description="One-sided DM/HLN p-value against naive (None: registered before the gate)."
    )
    margin: float | None = Field(description="1 - MAE / naive MAE on the walk-forward days.")
    alpha: float | None = Field(description="Significance level the gate used.")
    serving_naive: bool = Field(description="True when naive is served because nothing beat it.")
    metrics: dict[str, float]
    loaded_at: dt.datetime
    warning: str | None = Field(
        None, description="Set while this version stands in for a champion that cannot load."
    )


class ReloadPublic(BaseModel):
    ticker: str
    outcome: str = Field(examples=["loaded"], description="loaded, unchanged, refused or none")
    version: str | None
    detail: str


class DriftCheckPublic(BaseModel):
    name: str = Field(examples=["volatility_cusum"])
    kind: str = Field(description="input, performance or calibration")
    status: str = Field(description="ok, warning, drift or n/a (not enough bars yet)")
    statistic: float | None
    threshold: float
    rule: str = Field(description="When the check is at drift, e.g. '> 14' or 'p < 0.0001'.")
    window: int = Field(description="Trading days the statistic covers.")
    p_value: float | None = None
    detail: str = ""


class DriftPublic(BaseModel):
    ticker: str
    as_of: str | None = Field(description="Last bar the checks saw.")
    status: str = Field(description="Worst check: ok, warning or drift.")
    model_name: str | None
    model_version: str | None
    reference_start: str | None
    reference_end: str | None = Field(description="The champion's training end.")
    monitored_days: int
    checks: list[DriftCheckPublic]


class ModelVersionHistoryPublic(BaseModel):
    version: str
    model: str | None
    trigger: str | None = Field(description="drift, max_age, on_demand, or None (manual train).")
    decision: str | None = Field(
        description="promoted or refused by the gate, or refreshed: a naive fitted on the data "
        "of a retrain the gate refused, serving in place of the older naive."
    )
    promotion: str | None = Field(
        description="gate, forced, fallback-naive or naive-refresh, when champion."
    )
    beats_naive: bool
    p_value_vs_naive: float | None
    margin: float | None
    relative_mae: float | None
    trained_from: str | None
    trained_to: str | None
    data_date: str | None = Field(description="Last bar the retrain saw.")
    champion: bool
    served_from: str | None = Field(description="When it became champion (UTC).")
    served_to: str | None = Field(description="When the next champion replaced it.")


class ModelHistoryPublic(BaseModel):
    ticker: str
    versions: list[ModelVersionHistoryPublic]
