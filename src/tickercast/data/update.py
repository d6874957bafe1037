"""Incremental updates: fetch a ticker's sessions after the last stored one from its
named provider, with a small overlap to catch revisions and re-adjustments.

The stored mapping (``ticker_source``: provider + provider symbol) is written in the same
transaction as the bars, so it names a provider only once an update through it worked;
``update_all`` then needs no arguments. Every run notes when it ran and, on failure, why.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import httpx

from tickercast.config import Settings
from tickercast.data.calendar import session_start_before
from tickercast.data.ingestion import ingest_table
from tickercast.errors import ConfigError, TickercastError
from tickercast.storage import repository, sources
from tickercast.storage.db import session_scope

__all__ = ["TickerStatus", "UpdateReport", "ticker_status", "update_all", "update_ticker"]

log = logging.getLogger(__name__)


@dataclass
class UpdateReport:
    ticker: str
    provider: str
    provider_symbol: str
    start: dt.date | None
    added: int = 0
    revised: int = 0
    unchanged: int = 0
    scored_predictions: int = 0
    corporate_actions: list[dict[str, Any]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    error: str | None = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def update_ticker(
    ticker: str,
    *,
    settings: Settings,
    provider: str | None = None,
    symbol: str | None = None,
    confirm_splits: bool = False,
    transport: httpx.BaseTransport | None = None,
) -> UpdateReport:
    """Bring one ticker up to date; raises the provider's or validation's error (nothing
    stored then) after noting the failure on the ticker's source."""
    ticker = ticker.upper()
    with session_scope(settings) as session:
        ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
        stored = sources.get_source(session=session, ticker_id=ticker_id) if ticker_id else None
        last = repository.get_last_date(session=session, ticker_id=ticker_id) if ticker_id else None
    name = provider or (stored.provider if stored else None)
    if name is None:
        raise ConfigError(
            f"{ticker} has no stored provider; name one with --provider "
            "(see `tickercast data providers`)"
        )
    from tickercast.data.providers.named import named_provider  # pandas

    source = named_provider(name, settings, transport=transport)
    if symbol is None and stored is not None and stored.provider == name:
        symbol = stored.provider_symbol
    symbol = symbol or source.default_symbol(ticker)
    start = None
    if last is not None:
        calendar = settings.calendar_for(ticker)
        start = session_start_before(last, settings.update_overlap_sessions, calendar)
    report = UpdateReport(ticker, name, symbol, start)
    now = dt.datetime.now(dt.UTC)

    def remember(session: Any, ticker_id: int) -> None:
        sources.set_source(
            session=session, ticker_id=ticker_id, provider=name, provider_symbol=symbol
        )
        sources.record_update(session=session, ticker_id=ticker_id, at=now)

    try:
        table = source.fetch(ticker, start=start, symbol=symbol)
        if table.frame.empty:
            if ticker_id is None:
                raise ConfigError(f"{name} has no bars for {ticker} ({symbol}); nothing stored")
            with session_scope(settings) as session:
                remember(session, ticker_id)
            return report
        ingested = ingest_table(
            table,
            ticker=ticker,
            settings=settings,
            overwrite=True,
            confirm_splits=confirm_splits,
            refuse_splits=True,
            before_commit=remember,
        )
    except TickercastError as exc:
        if ticker_id is not None and stored is not None:
            with session_scope(settings) as session:
                sources.record_update(session=session, ticker_id=ticker_id, at=now, error=str(exc))
        raise
    report.added = ingested.inserted
    report.revised = ingested.updated
    report.unchanged = ingested.unchanged
    report.scored_predictions = ingested.scored_predictions
    report.corporate_actions = ingested.corporate_actions
    report.warnings = ingested.warnings
    log.info(
        "updated %s from %s (%s) since %s: %d added, %d revised, %d unchanged",
        ticker,
        name,
        symbol,
        start,
        report.added,
        report.revised,
        report.unchanged,
    )
    return report


def update_all(
    tickers: Sequence[str] | None,
    *,
    settings: Settings,
    provider: str | None = None,
    confirm_splits: bool = False,
    transport: httpx.BaseTransport | None = None,
    on_done: Callable[[UpdateReport], None] | None = None,
) -> list[UpdateReport]:
    """Update ``tickers`` (None: every ticker with a stored provider). A failing ticker
    does not stop the others: its report carries the error."""
    if tickers is None:
        with session_scope(settings) as session:
            tickers = [s.ticker for s in sources.list_sources(session=session)]
        if not tickers:
            raise ConfigError(
                "no ticker has a stored provider yet; run `tickercast data update TICKER "
                "--provider NAME` once first"
            )
    reports = []
    for ticker in tickers:
        try:
            report = update_ticker(
                ticker,
                settings=settings,
                provider=provider,
                confirm_splits=confirm_splits,
                transport=transport,
            )
        except TickercastError as exc:
            log.error("update of %s failed: %s", ticker.upper(), exc)
            report = UpdateReport(ticker.upper(), provider or "", "", None, error=str(exc))
        reports.append(report)
        if on_done is not None:
            on_done(report)
    return reports


@dataclass(frozen=True)
class TickerStatus:
    ticker: str
    first_date: dt.date | None
    last_date: dt.date | None
    rows: int
    sources: list[str]
    provider: str | None
    provider_symbol: str | None
    last_update_at: dt.datetime | None
    last_update_status: str | None
    last_update_error: str | None
    next_update_at: dt.datetime | None


def ticker_status(*, session: Any, ticker_id: int, settings: Settings) -> TickerStatus:
    """What keeps a ticker current: its provider, the last update and the next scheduled
    one (None unless serve runs the schedule and a provider is stored)."""
    from tickercast.data.schedule import next_update_at

    summary = repository.get_ticker_summary(session=session, ticker_id=ticker_id)
    source = sources.get_source(session=session, ticker_id=ticker_id)
    upcoming = (
        next_update_at(summary.symbol, settings)
        if settings.update_schedule and source is not None
        else None
    )
    return TickerStatus(
        ticker=summary.symbol,
        first_date=summary.first_date,
        last_date=summary.last_date,
        rows=summary.rows,
        sources=summary.sources,
        provider=source.provider if source else None,
        provider_symbol=source.provider_symbol if source else None,
        last_update_at=source.last_update_at if source else None,
        last_update_status=source.last_status if source else None,
        last_update_error=source.last_error if source else None,
        next_update_at=upcoming,
    )
