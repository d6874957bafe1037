"""Every read and write of tickers and bars goes through here (no SQL elsewhere).

Functions take a keyword-only ``session`` and return rows, frames or ``None``; they never
raise HTTP errors. Bulk writes use the driver's fastest path (SQLite executemany,
PostgreSQL COPY) inside the caller's transaction.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np
from sqlalchemy import Row, Select, bindparam, func, select, update
from sqlalchemy.orm import Session

from tickercast.storage.models import Bar, Ticker

if TYPE_CHECKING:  # pandas loads where frames are built: not in a serving worker
    import pandas as pd

__all__ = [
    "BAR_VALUE_COLUMNS",
    "TickerSummary",
    "get_bar_tuples",
    "get_bars",
    "get_bars_frame",
    "get_closes",
    "get_last_date",
    "get_or_create_ticker_id",
    "get_ticker_id",
    "get_ticker_summary",
    "insert_bars",
    "list_ticker_summaries",
    "list_ticker_symbols",
    "update_bars",
]

BAR_VALUE_COLUMNS = ("open", "high", "low", "close", "adj_close", "volume")
_INSERT_COLUMNS = ("ticker_id", "date", *BAR_VALUE_COLUMNS, "source", "ingested_at")
_CHUNK = 50_000
# binary COPY is ~5x faster than text COPY in psycopg; types follow _INSERT_COLUMNS
_PG_COPY_TYPES = ["int4", "date", *["float8"] * 5, "int8", "varchar", "timestamptz"]


@dataclass(frozen=True)
class TickerSummary:
    symbol: str
    first_date: dt.date | None
    last_date: dt.date | None
    rows: int
    sources: list[str]


def get_ticker_id(*, session: Session, symbol: str) -> int | None:
    return session.scalar(select(Ticker.id).where(Ticker.symbol == symbol.upper()))


def get_or_create_ticker_id(*, session: Session, symbol: str) -> int:
    ticker_id = get_ticker_id(session=session, symbol=symbol)
    if ticker_id is None:
        ticker = Ticker(symbol=symbol.upper())
        session.add(ticker)
        session.flush()
        ticker_id = ticker.id
    return ticker_id


def list_ticker_symbols(*, session: Session) -> list[str]:
    """Stored ticker symbols, sorted (cheap: no scan of the bars)."""
    return list(session.scalars(select(Ticker.symbol).order_by(Ticker.symbol)))


def list_ticker_summaries(*, session: Session) -> list[TickerSummary]:
    stats = (
        select(
            Ticker.symbol,
            func.min(Bar.date),
            func.max(Bar.date),
            func.count(Bar.date),
        )
        .join(Bar, Bar.ticker_id == Ticker.id, isouter=True)
        .group_by(Ticker.symbol)
        .order_by(Ticker.symbol)
    )
    sources: dict[str, list[str]] = {}
    for symbol, source in session.execute(
        select(Ticker.symbol, Bar.source).join(Bar).distinct().order_by(Bar.source)
    ):
        sources.setdefault(symbol, []).append(source)
    return [
        TickerSummary(symbol, first, last, count, sources.get(symbol, []))
        for symbol, first, last, count in session.execute(stats)
    ]


def get_ticker_summary(*, session: Session, ticker_id: int) -> TickerSummary:
    """One ticker's first and last date, row count and sources."""
    symbol, first, last, count = session.execute(
        select(Ticker.symbol, func.min(Bar.date), func.max(Bar.date), func.count(Bar.date))
        .join(Bar, Bar.ticker_id == Ticker.id, isouter=True)
        .where(Ticker.id == ticker_id)
        .group_by(Ticker.symbol)
    ).one()
    names = session.scalars(
        select(Bar.source).where(Bar.ticker_id == ticker_id).distinct().order_by(Bar.source)
    ).all()
    return TickerSummary(symbol, first, last, count, list(names))


def _bars_query(
    ticker_id: int, start: dt.date | None, end: dt.date | None, limit: int | None
) -> Select[Any]:
    query = select(Bar.date, *(getattr(Bar, c) for c in BAR_VALUE_COLUMNS), Bar.source).where(
        Bar.ticker_id == ticker_id
    )
    if start is not None:
        query = query.where(Bar.date >= start)
    if end is not None:
        query = query.where(Bar.date <= end)
    if limit is not None:
        return query.order_by(Bar.date.desc()).limit(limit)
    return query.order_by(Bar.date)


def get_bars(
    *,
    session: Session,
    ticker_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> Sequence[Row[Any]]:
    """Bars in [start, end], ascending; with ``limit`` only the most recent ``limit`` rows."""
    rows = session.execute(_bars_query(ticker_id, start, end, limit)).all()
    return rows[::-1] if limit is not None else rows


def get_bar_tuples(
    *,
    session: Session,
    ticker_id: int,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
) -> list[tuple[Any, ...]]:
    """The same rows as get_bars as plain driver tuples (dates may be ISO strings on SQLite).

    For bulk reads that go straight to JSON: skipping SQLAlchemy's row objects halves the
    time of the full AMZN history (benchmarks/bench_api.py).
    """
    connection = session.connection()
    compiled = _bars_query(ticker_id, start, end, limit).compile(dialect=connection.dialect)
    params: Any = compiled.params
    if compiled.positional:
        params = tuple(compiled.params[name] for name in compiled.positiontup or ())
    cursor = connection.connection.driver_connection.cursor()  # type: ignore[union-attr]
    try:
        cursor.execute(str(compiled), params)
        rows = [tuple(row) for row in cursor.fetchall()]
    finally:
        cursor.close()
    return rows[::-1] if limit is not None else rows


def get_bars_frame(
    *, session: Session, ticker_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> pd.DataFrame:
    """Stored bars as a frame with a datetime64 ``date`` column (for diffs and models)."""
    import pandas as pd

    rows = get_bars(session=session, ticker_id=ticker_id, start=start, end=end)
    frame = pd.DataFrame(rows, columns=["date", *BAR_VALUE_COLUMNS, "source"])
    frame["date"] = pd.to_datetime(frame["date"])
    return frame


def get_last_date(*, session: Session, ticker_id: int) -> dt.date | None:
    """The date of the most recent stored bar (None when there is none)."""
    return session.scalar(select(func.max(Bar.date)).where(Bar.ticker_id == ticker_id))


def get_closes(*, session: Session, ticker_id: int) -> tuple[np.ndarray, np.ndarray]:
    """(dates as datetime64[D], closes as float64), ascending — what models train on."""
    rows = session.execute(
        select(Bar.date, Bar.close).where(Bar.ticker_id == ticker_id).order_by(Bar.date)
    ).all()
    dates = np.array([r[0] for r in rows], dtype="datetime64[D]")
    return dates, np.array([r[1] for r in rows], dtype="float64")


def insert_bars(
    *,
    session: Session,
    ticker_id: int,
    bars: pd.DataFrame,
    source: str,
    ingested_at: dt.datetime,
    on_progress: Callable[[int], None] | None = None,
) -> int:
    """Insert new bars in bulk (SQLite executemany, PostgreSQL COPY); returns the count."""
    if bars.empty:
        return 0
    connection = session.connection()
    dbapi = connection.connection.driver_connection
    sqlite = connection.dialect.name == "sqlite"
    rows = _row_tuples(bars, ticker_id, source, ingested_at, iso_text=sqlite)
    columns = ", ".join(_INSERT_COLUMNS)
    for offset in range(0, len(rows), _CHUNK):
        chunk = rows[offset : offset + _CHUNK]
        if sqlite:
            marks = ", ".join("?" * len(_INSERT_COLUMNS))
            dbapi.executemany(f"INSERT INTO bar ({columns}) VALUES ({marks})", chunk)  # type: ignore[union-attr]
        else:
            with dbapi.cursor().copy(f"COPY bar ({columns}) FROM STDIN (FORMAT BINARY)") as copy:  # type: ignore[union-attr]
                copy.set_types(_PG_COPY_TYPES)
                for row in chunk:
                    copy.write_row(row)
        if on_progress:
            on_progress(len(chunk))
    return len(rows)


def update_bars(
    *, session: Session, ticker_id: int, bars: pd.DataFrame, source: str, ingested_at: dt.datetime
) -> int:
    """Overwrite stored bars with these values (same dates); returns the count."""
    if bars.empty:
        return 0
    columns = [c for c in BAR_VALUE_COLUMNS if c in bars]
    statement = (
        update(Bar)
        .where(Bar.ticker_id == ticker_id, Bar.date == bindparam("b_date"))
        .values(source=source, ingested_at=ingested_at, **{c: bindparam(f"v_{c}") for c in columns})
    )
    values = [{"b_date": r["date"], **{f"v_{c}": r[c] for c in columns}} for r in _records(bars)]
    session.connection().execute(statement, values)
    return len(values)


def _records(bars: pd.DataFrame) -> list[dict[str, Any]]:
    columns = {c: _python_values(bars[c]) for c in bars.columns if c != "date"}
    dates = [d.date() for d in bars["date"]]
    return [{"date": dates[i], **{c: v[i] for c, v in columns.items()}} for i in range(len(bars))]


def _python_values(series: pd.Series) -> list[Any]:
    """Column as Python values with None for missing (what DB drivers expect)."""
    if series.dtype.kind == "i":
        return series.tolist()
    return [None if v != v else v for v in series.tolist()]


def _row_tuples(
    bars: pd.DataFrame, ticker_id: int, source: str, ingested_at: dt.datetime, *, iso_text: bool
) -> list[tuple[Any, ...]]:
    n = len(bars)
    dates_d = bars["date"].to_numpy().astype("datetime64[D]")
    dates: list[Any] = dates_d.astype(str).tolist() if iso_text else dates_d.tolist()
    stamp: Any = ingested_at.strftime("%Y-%m-%d %H:%M:%S.%f") if iso_text else ingested_at
    columns = [_python_values(bars[c]) if c in bars else [None] * n for c in BAR_VALUE_COLUMNS]
    return list(zip([ticker_id] * n, dates, *columns, [source] * n, [stamp] * n, strict=True))
