"""Request and response models of the HTTP API (with OpenAPI examples)."""

from __future__ import annotations

import datetime as dt

from pydantic import BaseModel, ConfigDict, Field

__all__ = [
    "BarPublic",
    "ErrorPublic",
    "HealthPublic",
    "PricesPublic",
    "ReadyPublic",
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
