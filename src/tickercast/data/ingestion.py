"""Ingest a provider's table into storage: validate, diff against what is stored, write.

One ingest is one transaction: it stores everything it reports or nothing at all.
Re-ingesting the same rows changes nothing; a row whose values differ from the stored
one is a conflict, reported and left alone unless ``overwrite``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from tickercast.config import Settings
from tickercast.data.providers.base import RawTable
from tickercast.data.validation import validate_table
from tickercast.errors import RowProblem, ValidationError
from tickercast.storage import repository
from tickercast.storage.db import session_scope
from tickercast.storage.predictions import score_predictions

__all__ = ["Conflict", "IngestReport", "ingest_table"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conflict:
    date: str
    column: str
    stored: Any
    incoming: Any


@dataclass
class IngestReport:
    ticker: str
    source: str
    origin: str
    rows_read: int
    inserted: int = 0
    updated: int = 0
    unchanged: int = 0
    conflicting_rows: int = 0
    conflicts: list[Conflict] = field(default_factory=list)
    scored_predictions: int = 0
    skipped_rows: int = 0
    skipped: list[RowProblem] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        data = asdict(self)
        data["skipped"] = [asdict(p) for p in self.skipped]
        return data


def ingest_table(
    table: RawTable,
    *,
    ticker: str,
    settings: Settings,
    overwrite: bool = False,
    skip_bad_rows: bool = False,
    on_progress: Callable[[int], None] | None = None,
) -> IngestReport:
    """Validate ``table`` and store it as ``ticker``'s bars in one transaction.

    Raises ValidationError (nothing written) when any row is bad, unless
    ``skip_bad_rows``: then the good rows are stored and the bad ones reported.
    """
    ticker = ticker.upper()
    checked = validate_table(table, calendar=settings.calendar_for(ticker))
    if checked.problems and not skip_bad_rows:
        raise ValidationError(
            f"{table.origin}: {len(checked.bad_lines)} bad row(s), nothing was stored "
            "(fix them or use --skip-bad-rows)",
            checked.problems,
        )
    report = IngestReport(
        ticker,
        table.source,
        table.origin,
        len(table.frame),
        skipped_rows=len(checked.bad_lines),
        skipped=checked.problems,
        warnings=checked.warnings,
    )
    bars = checked.bars
    if bars.empty:
        return report
    now = dt.datetime.now(dt.UTC)
    with session_scope(settings) as session:
        ticker_id = repository.get_or_create_ticker_id(session=session, symbol=ticker)
        stored = repository.get_bars_frame(
            session=session,
            ticker_id=ticker_id,
            start=bars["date"].iloc[0].date(),
            end=bars["date"].iloc[-1].date(),
        )
        new, same, changed, conflicts = _diff(bars, stored)
        report.inserted = repository.insert_bars(
            session=session,
            ticker_id=ticker_id,
            bars=new,
            source=table.source,
            ingested_at=now,
            on_progress=on_progress,
        )
        report.unchanged = len(same)
        report.conflicting_rows = len(changed)
        report.conflicts = conflicts
        if overwrite:
            report.updated = repository.update_bars(
                session=session,
                ticker_id=ticker_id,
                bars=changed,
                source=table.source,
                ingested_at=now,
            )
        report.scored_predictions = score_predictions(
            session=session,
            ticker_id=ticker_id,
            start=bars["date"].iloc[0].date(),
            end=bars["date"].iloc[-1].date(),
        )
    log.info(
        "ingested %s from %s: %d inserted, %d updated, %d unchanged, %d conflicting, %d skipped",
        ticker,
        table.origin,
        report.inserted,
        report.updated,
        report.unchanged,
        report.conflicting_rows,
        report.skipped_rows,
    )
    return report


def _diff(
    bars: pd.DataFrame, stored: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame, list[Conflict]]:
    """Split incoming bars into new / identical / changed, and list what changed."""
    if stored.empty:
        return bars, bars.iloc[:0], bars.iloc[:0], []
    known = bars["date"].isin(stored["date"])
    new = bars[~known]
    old = bars[known].reset_index(drop=True)
    theirs = stored.set_index("date").loc[old["date"]].reset_index()
    differs = np.zeros(len(old), dtype=bool)
    conflicts: list[Conflict] = []
    for column in [c for c in repository.BAR_VALUE_COLUMNS if c in old]:
        a = old[column].to_numpy(dtype="float64")
        b = pd.to_numeric(theirs[column]).to_numpy(dtype="float64")
        equal = np.isclose(a, b, rtol=1e-9, atol=1e-12) | (np.isnan(a) & np.isnan(b))
        differs |= ~equal
        conflicts.extend(
            Conflict(str(old["date"].iloc[i].date()), column, _plain(b[i]), _plain(a[i]))
            for i in np.flatnonzero(~equal)
        )
    conflicts.sort(key=lambda c: c.date)
    return new, old[~differs], old[differs], conflicts


def _plain(value: float) -> float | None:
    return None if np.isnan(value) else float(value)
