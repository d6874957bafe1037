"""SQLAlchemy 2 table models. Tables are singular; timestamps end in ``_at`` (UTC)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import (
    BigInteger,
    Date,
    DateTime,
    Float,
    ForeignKey,
    Identity,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    func,
)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = [
    "ApiKey",
    "ApiKeyUsage",
    "Bar",
    "Base",
    "CorporateAction",
    "LiveEvent",
    "Prediction",
    "Ticker",
    "TickerSource",
]


class Base(DeclarativeBase):
    pass


class Ticker(Base):
    __tablename__ = "ticker"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    symbol: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )


class Bar(Base):
    """One trading day of one ticker. open/high/low/adj_close/volume are optional
    (the minimal CSV form carries only Date,Close)."""

    __tablename__ = "bar"

    ticker_id: Mapped[int] = mapped_column(
        ForeignKey("ticker.id", ondelete="CASCADE"), primary_key=True
    )
    date: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    open: Mapped[float | None] = mapped_column(Float)
    high: Mapped[float | None] = mapped_column(Float)
    low: Mapped[float | None] = mapped_column(Float)
    close: Mapped[float] = mapped_column(Float)
    adj_close: Mapped[float | None] = mapped_column(Float)
    volume: Mapped[int | None] = mapped_column(BigInteger)
    source: Mapped[str] = mapped_column(String(32))
    ingested_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))


class Prediction(Base):
    """A forecast of one ticker's close on ``target_date``, made from the bars up to
    ``origin_date``; scored (actual, error, inside_*) once that day's bar is stored.
    ``base_close`` is the close at origin: the naive forecast of the same target."""

    __tablename__ = "prediction"
    __table_args__ = (
        UniqueConstraint(
            "ticker_id", "model_version", "origin_date", "target_date", name="uq_prediction_key"
        ),
        Index("ix_prediction_ticker_target", "ticker_id", "target_date"),
    )

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticker_id: Mapped[int] = mapped_column(ForeignKey("ticker.id", ondelete="CASCADE"))
    model_name: Mapped[str] = mapped_column(String(32))
    model_version: Mapped[str] = mapped_column(String(32))
    origin_date: Mapped[dt.date] = mapped_column(Date)
    target_date: Mapped[dt.date] = mapped_column(Date)
    horizon: Mapped[int] = mapped_column(Integer)
    made_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    base_close: Mapped[float] = mapped_column(Float)
    point: Mapped[float] = mapped_column(Float)
    lower_80: Mapped[float | None] = mapped_column(Float)
    upper_80: Mapped[float | None] = mapped_column(Float)
    lower_95: Mapped[float | None] = mapped_column(Float)
    upper_95: Mapped[float | None] = mapped_column(Float)
    actual: Mapped[float | None] = mapped_column(Float)
    scored_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    # product of the corporate-action factors this prediction was rescaled by (None: never)
    rescaled_by: Mapped[float | None] = mapped_column(Float)


class TickerSource(Base):
    """Where a ticker's bars come from (a named provider and its symbol there) and how
    its last update went, so ``data update --all`` needs no arguments."""

    __tablename__ = "ticker_source"

    ticker_id: Mapped[int] = mapped_column(
        ForeignKey("ticker.id", ondelete="CASCADE"), primary_key=True
    )
    provider: Mapped[str] = mapped_column(String(32))
    provider_symbol: Mapped[str] = mapped_column(String(32))
    last_update_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_status: Mapped[str | None] = mapped_column(String(16))
    last_error: Mapped[str | None] = mapped_column(Text)


class CorporateAction(Base):
    """A re-base of stored history: bars before ``effective_date`` were multiplied by the
    factors (prices) because the provider's adjusted history changed by that ratio."""

    __tablename__ = "corporate_action"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    ticker_id: Mapped[int] = mapped_column(ForeignKey("ticker.id", ondelete="CASCADE"), index=True)
    detected_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    kind: Mapped[str] = mapped_column(String(16))
    provider: Mapped[str] = mapped_column(String(32))
    effective_date: Mapped[dt.date] = mapped_column(Date)
    price_factor: Mapped[float] = mapped_column(Float)
    adj_close_factor: Mapped[float] = mapped_column(Float)
    bars_rebased: Mapped[int] = mapped_column(Integer)
    predictions_rescaled: Mapped[int] = mapped_column(Integer)
    note: Mapped[str] = mapped_column(Text, default="")


class ApiKey(Base):
    """An API key: looked up by ``key_id``; only the SHA-256 of its secret is kept.
    ``scopes`` is a comma-separated list; ``rate``/``quota`` are `limits` expressions
    ("600/minute", "100000/day") or NULL for none. After a rotation the previous secret
    stays valid until ``previous_valid_until`` (NULL hash: no grace)."""

    __tablename__ = "api_key"

    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_id: Mapped[str] = mapped_column(String(16), unique=True, index=True)
    name: Mapped[str] = mapped_column(String(64))
    secret_hash: Mapped[str] = mapped_column(String(64))
    scopes: Mapped[str] = mapped_column(String(64))
    rate: Mapped[str | None] = mapped_column(String(32))
    quota: Mapped[str | None] = mapped_column(String(32))
    created_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    updated_at: Mapped[dt.datetime] = mapped_column(DateTime(timezone=True))
    expires_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    revoked_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    last_used_at: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))
    previous_secret_hash: Mapped[str | None] = mapped_column(String(64))
    previous_valid_until: Mapped[dt.datetime | None] = mapped_column(DateTime(timezone=True))


class ApiKeyUsage(Base):
    """Requests of one key on one UTC day, by route template and status."""

    __tablename__ = "api_key_usage"

    api_key_id: Mapped[int] = mapped_column(
        ForeignKey("api_key.id", ondelete="CASCADE"), primary_key=True
    )
    day: Mapped[dt.date] = mapped_column(Date, primary_key=True)
    route: Mapped[str] = mapped_column(String(128), primary_key=True)
    status: Mapped[int] = mapped_column(Integer, primary_key=True)
    count: Mapped[int] = mapped_column(BigInteger)


class LiveEvent(Base):
    """One live event (bar, score, prediction, status...) as served over SSE, kept so every
    replica serves the same events in the same order and a client can resume on any of
    them. ``id`` comes from one sequence: the global order. ``data`` is the JSON text sent;
    ``ticker`` NULL: an event for every stream."""

    __tablename__ = "live_event"

    id: Mapped[int] = mapped_column(
        BigInteger().with_variant(Integer, "sqlite"), Identity(), primary_key=True
    )
    kind: Mapped[str] = mapped_column(String(16))
    ticker: Mapped[str | None] = mapped_column(String(16))
    data: Mapped[str] = mapped_column(Text)
    created_at: Mapped[dt.datetime] = mapped_column(
        DateTime(timezone=True), server_default=func.now()
    )
