"""Reads and writes of ``ticker_source``: which provider keeps a ticker current."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from tickercast.storage.models import Ticker, TickerSource

__all__ = ["SourceRecord", "get_source", "list_sources", "record_update", "set_source"]


@dataclass(frozen=True)
class SourceRecord:
    ticker: str
    provider: str
    provider_symbol: str
    last_update_at: dt.datetime | None
    last_status: str | None
    last_error: str | None


def _record(ticker: str, row: TickerSource) -> SourceRecord:
    stamp = row.last_update_at
    if stamp is not None and stamp.tzinfo is None:  # SQLite keeps no zone; stored as UTC
        stamp = stamp.replace(tzinfo=dt.UTC)
    return SourceRecord(
        ticker, row.provider, row.provider_symbol, stamp, row.last_status, row.last_error
    )


def get_source(*, session: Session, ticker_id: int) -> SourceRecord | None:
    row = session.execute(
        select(Ticker.symbol, TickerSource)
        .join(TickerSource, TickerSource.ticker_id == Ticker.id)
        .where(Ticker.id == ticker_id)
    ).first()
    return None if row is None else _record(row[0], row[1])


def list_sources(*, session: Session) -> list[SourceRecord]:
    rows = session.execute(
        select(Ticker.symbol, TickerSource)
        .join(TickerSource, TickerSource.ticker_id == Ticker.id)
        .order_by(Ticker.symbol)
    ).all()
    return [_record(symbol, row) for symbol, row in rows]


def set_source(*, session: Session, ticker_id: int, provider: str, provider_symbol: str) -> None:
    """Name the provider (and its symbol) that updates this ticker from now on."""
    row = session.get(TickerSource, ticker_id)
    if row is None:
        session.add(
            TickerSource(ticker_id=ticker_id, provider=provider, provider_symbol=provider_symbol)
        )
    else:
        row.provider, row.provider_symbol = provider, provider_symbol
    session.flush()


def record_update(
    *, session: Session, ticker_id: int, at: dt.datetime, error: str | None = None
) -> None:
    """Note when the last update ran and whether it failed (the error says why)."""
    row = session.get(TickerSource, ticker_id)
    if row is None:
        return
    row.last_update_at = at
    row.last_status = "error" if error else "ok"
    row.last_error = error
    session.flush()
