"""Request and response models of the HTTP API (with OpenAPI examples)."""

from __future__ import annotations

import datetime as dt
import math

from pydantic import BaseModel, ConfigDict, Field, field_validator

__all__ = [
    "MAX_BATCH_WINDOWS",
    "BarPublic",
    "BatchPredictRequest",
    "BatchPredictionPublic",
    "ErrorPublic",
    "ForecastPublic",
    "ForecastStepPublic",
    "HealthPublic",
    "IntervalPublic",
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


class ErrorPublic(BaseModel):
    detail: str = Field(examples=["unknown ticker 'XYZ'; see GET /v1/tickers"])


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


MAX_BATCH_WINDOWS = 10_000
ALLOWED_LEVELS = range(50, 100)


def _check_prices(values: list[float], where: str) -> list[float]:
    for i, v in enumerate(values):
        if not math.isfinite(v):
            raise ValueError(f"{where}[{i}] is {v}; prices must be finite numbers")
        if v <= 0:
            raise ValueError(f"{where}[{i}] is {v}; prices must be > 0")
    return values


def _check_levels(levels: list[int]) -> list[int]:
    for lv in levels:
        if lv not in ALLOWED_LEVELS:
            raise ValueError(f"level {lv} is not an integer percentage between 50 and 99")
    return sorted(set(levels))


class PredictNextPriceRequest(BaseModel):
    """The original contract: the last 7 closing prices, oldest first."""

    model_config = ConfigDict(
        json_schema_extra={
            "examples": [{"prices": [228.0, 230.1, 229.5, 231.2, 232.0, 231.0, 231.4]}]
        }
    )

    prices: list[float] = Field(description="Exactly 7 positive closing prices, oldest first.")

    @field_validator("prices")
    @classmethod
    def _seven_positive(cls, prices: list[float]) -> list[float]:
        if len(prices) != 7:
            raise ValueError(f"prices has {len(prices)} values; exactly 7 are needed")
        return _check_prices(prices, "prices")


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
    model_config = ConfigDict(
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

    ticker: str | None = Field(None, description="Default: the service's default ticker.")
    prices: list[float] | None = Field(
        None,
        description="Recent closes, oldest first (at least the model's window + 1; extra "
        "ones are ignored). Omitted: the stored history up to its last date.",
        max_length=10_000,
    )
    levels: list[int] = Field([80, 95], description="Interval levels in percent.", max_length=10)

    @field_validator("prices")
    @classmethod
    def _positive(cls, prices: list[float] | None) -> list[float] | None:
        return None if prices is None else _check_prices(prices, "prices")

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[int]) -> list[int]:
        return _check_levels(levels)


class PredictionPublic(BaseModel):
    ticker: str
    last_price: float = Field(description="The last price of the input window.")
    as_of: dt.date | None = Field(None, description="Date of the last stored bar used, if any.")
    point: float
    intervals: list[IntervalPublic]
    model: ModelRefPublic


class BatchPredictRequest(BaseModel):
    model_config = ConfigDict(
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

    ticker: str | None = None
    windows: list[list[float]] = Field(
        description=f"Up to {MAX_BATCH_WINDOWS:,} windows of closes, all the same length."
    )
    levels: list[int] = Field([80, 95], max_length=10)

    @field_validator("levels")
    @classmethod
    def _levels(cls, levels: list[int]) -> list[int]:
        return _check_levels(levels)


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
    decision: str | None = Field(description="promoted or refused by the gate.")
    promotion: str | None = Field(description="gate, forced or fallback-naive, when champion.")
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
