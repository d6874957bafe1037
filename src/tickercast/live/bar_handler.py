"""The blocking part of the live feed for one ticker: reading bars, storing polled ones,
scoring the prediction made for a day and making the next one. Runs in the feed's worker
thread; each method is one short transaction."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

import numpy as np
from sqlalchemy.orm import Session, sessionmaker

from tickercast.champions.store import ModelStore
from tickercast.config import Settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import Provider
from tickercast.errors import ModelNotFound, TickercastError
from tickercast.live.forecasting import STORED_LEVELS, prediction_rows
from tickercast.live.prediction_writer import PredictionWriter
from tickercast.storage import repository
from tickercast.storage.predictions import (
    insert_predictions,
    list_predictions,
    prediction_fields,
    score_predictions,
)

__all__ = ["REPLAY_SPAN", "BarHandler", "BarOutcome", "bar_payload"]

_COLUMNS = ("date", *repository.BAR_VALUE_COLUMNS, "source")
REPLAY_SPAN = dt.timedelta(days=730)
"""Default replay: the last two years (``tickercast init`` trains the champion before it)."""


def bar_payload(row: Any, ticker: str) -> dict[str, Any]:
    """A stored bar row as event/JSON data."""
    return {"ticker": ticker, **dict(zip(_COLUMNS, row, strict=True))}


def _pct(value: float, base: float) -> float:
    return 100.0 * (value - base) / base


@dataclass(frozen=True)
class BarOutcome:
    """What the arrival of one bar produced: the score of the prediction made for its day,
    the next prediction, and why there is none (no champion) if so. The feed's on-bar
    hooks receive it."""

    day: dt.date
    scored: dict[str, Any] | None
    prediction: dict[str, Any] | None
    model_note: str | None


class BarHandler:
    """The blocking part of the feed for one ticker: storage, scoring and forecasting.

    Runs in the feed's worker thread; each method is one short transaction."""

    def __init__(
        self,
        ticker: str,
        settings: Settings,
        sessions: sessionmaker[Session],
        models: ModelStore,
        writer: PredictionWriter,
    ) -> None:
        self.ticker = ticker.upper()
        self.settings = settings
        self.sessions = sessions
        self.models = models
        self.writer = writer
        self.ticker_id: int | None = None

    def find_ticker(self) -> int | None:
        with self.sessions() as session:
            self.ticker_id = repository.get_ticker_id(session=session, symbol=self.ticker)
        return self.ticker_id

    def replay_plan(self, start: dt.date | None) -> tuple[dt.date | None, list[Any]]:
        """(last bar before the first replayed one, the bars to replay), from storage."""
        assert self.ticker_id is not None
        with self.sessions() as session:
            if start is None:
                last = repository.get_bars(session=session, ticker_id=self.ticker_id, limit=1)
                start = last[0].date - REPLAY_SPAN if last else dt.date.min
            before = repository.get_bars(
                session=session,
                ticker_id=self.ticker_id,
                end=start - dt.timedelta(days=1),
                limit=1,
            )
            bars = repository.get_bars(session=session, ticker_id=self.ticker_id, start=start)
        return (before[0].date if before else None), list(bars)

    def last_stored(self) -> dt.date | None:
        if self.find_ticker() is None:
            return None
        with self.sessions() as session:
            rows = repository.get_bars(session=session, ticker_id=self.ticker_id, limit=1)  # type: ignore[arg-type]
        return rows[0].date if rows else None

    def bars_after(self, day: dt.date | None) -> list[Any]:
        assert self.ticker_id is not None
        start = day + dt.timedelta(days=1) if day else None
        with self.sessions() as session:
            return list(repository.get_bars(session=session, ticker_id=self.ticker_id, start=start))

    def poll(self, provider: Provider) -> None:
        table = provider.fetch(self.ticker)
        ingest_table(table, ticker=self.ticker, settings=self.settings)
        self.find_ticker()

    def score(self, day: dt.date) -> dict[str, Any] | None:
        """The stored one-day-ahead prediction for ``day`` against its actual close."""
        assert self.ticker_id is not None
        with self.sessions() as session:
            rows = list_predictions(
                session=session,
                ticker_id=self.ticker_id,
                horizon=1,
                start=day,
                end=day,
                scored_only=True,
            )
        if not rows:
            return None
        version = self._served_version()
        row = next((r for r in reversed(rows) if r.model_version == version), rows[-1])
        actual = row.actual
        assert actual is not None  # scored_only
        return {
            "ticker": self.ticker,
            "target_date": row.target_date,
            "origin_date": row.origin_date,
            "model": row.model_name,
            "version": row.model_version,
            "point": row.point,
            "actual": actual,
            "base_close": row.base_close,
            "error_pct": _pct(row.point, actual),
            "naive_error_pct": _pct(row.base_close, actual),
            "inside_80": _inside(actual, row.lower_80, row.upper_80),
            "inside_95": _inside(actual, row.lower_95, row.upper_95),
        }

    def predict(self, cursor: dt.date) -> dict[str, Any] | None:
        """Forecast the next session from the bars up to ``cursor`` only and store it, in
        this thread's own transaction: when the database fails, the error reaches the feed
        (which retries the bar) instead of a prediction being dropped by a background writer.
        Storing is idempotent (one row per model version, origin and target)."""
        assert self.ticker_id is not None
        served = self.models.get(self.ticker)
        with self.sessions() as session:
            rows = repository.get_bars(
                session=session, ticker_id=self.ticker_id, end=cursor, limit=served.model.window + 1
            )
        if len(rows) < served.model.window + 1:
            return None
        closes = np.array([r.close for r in rows], dtype=np.float64)
        forecast = served.model.forecast_path(closes, 1, levels=STORED_LEVELS)
        made_at = dt.datetime.now(dt.UTC)
        created = prediction_rows(
            served,
            self.ticker_id,
            cursor,
            float(closes[-1]),
            forecast,
            made_at,
            calendar=self.settings.calendar_for(self.ticker),
        )
        with self.sessions() as session, session.begin():
            insert_predictions(session=session, rows=created)
        return {"ticker": self.ticker, **prediction_fields(created[0]), "made_at": made_at}

    def arrive(self, day: dt.date, *, score: bool) -> BarOutcome:
        """Everything the arrival of ``day``'s bar asks of storage, in one worker-thread call:
        score the predictions aimed at it, then make and store the next one. Safe to repeat
        after a failure part-way (each write is idempotent)."""
        assert self.ticker_id is not None
        with self.sessions() as session, session.begin():
            score_predictions(session=session, ticker_id=self.ticker_id, start=day, end=day)
        scored = self.score(day) if score else None
        try:
            prediction = self.predict(day)
        except ModelNotFound as exc:
            return BarOutcome(day, scored, None, f"bars without predictions: {exc}")
        return BarOutcome(day, scored, prediction, None)

    def limit_scoring(self, cursor: dt.date | None) -> None:
        """Let the prediction writer score this ticker's predictions up to ``cursor`` only."""
        assert self.ticker_id is not None
        self.writer.limit_scoring(self.ticker_id, cursor)

    def drift(self, cursor: dt.date) -> dict[str, Any] | None:
        """The served champion's drift report on the bars up to ``cursor`` (None: no model)."""
        from tickercast.monitoring.service import drift_report_for

        assert self.ticker_id is not None
        try:
            served = self.models.get(self.ticker)
        except ModelNotFound:
            return None
        trained_to = served.model.describe()["training"]["last_date"]
        if trained_to is None or cursor.isoformat() <= trained_to:
            return None  # in-sample bars: nothing to watch yet
        with self.sessions() as session:
            dates, closes = repository.get_closes(session=session, ticker_id=self.ticker_id)
        try:
            report = drift_report_for(
                self.ticker, served.model, dates, closes, version=served.version, as_of=cursor
            )
        except TickercastError:
            return None
        return {
            "ticker": self.ticker,
            "as_of": report.as_of,
            "status": report.status,
            "model_version": report.model_version,
            "drifted": report.drifted,
            "checks": {c.name: c.statistic for c in report.checks},
        }

    def _served_version(self) -> str | None:
        try:
            return self.models.get(self.ticker).version
        except ModelNotFound:
            return None


def _inside(actual: float, lower: float | None, upper: float | None) -> bool | None:
    if lower is None or upper is None:
        return None
    return lower <= actual <= upper
