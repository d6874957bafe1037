"""SQLAlchemy 2 table models. Tables are singular; timestamps end in ``_at`` (UTC)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Date, DateTime, Float, ForeignKey, Integer, String, func
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

__all__ = ["Bar", "Base", "Ticker"]


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
