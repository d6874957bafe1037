"""Ingest a provider's table into storage: validate, diff against what is stored, write.

One ingest is one transaction: it stores everything it reports or nothing at all.
Re-ingesting the same rows changes nothing; a row whose values differ from the stored
one is a conflict, reported and left alone unless ``overwrite``. Two kinds of difference
are corporate actions instead (tickercast.data.corporate_actions): history re-adjusted
by one factor re-bases the stored bars and their predictions (logged in
``corporate_action``); a split-like one-day move in new bars is refused unless
``confirm_splits``.
"""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from tickercast.config import Settings
from tickercast.data.providers.base import RawTable
from tickercast.errors import RowProblem, ValidationError
from tickercast.storage import repository
from tickercast.storage.corporate_actions import CorporateActionCreate, rebase_history
from tickercast.storage.db import session_scope
from tickercast.storage.predictions import score_predictions

if TYPE_CHECKING:  # pandas and pyarrow load when a table is ingested, not on import (the
    # live feed imports this module into serving workers that may never ingest)
    import pandas as pd

    from tickercast.data.corporate_actions import Rebase, SuspectSplit

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
    corporate_actions: list[dict[str, Any]] = field(default_factory=list)

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
    confirm_splits: bool = False,
    refuse_splits: bool = False,
    before_commit: Callable[[Any, int], None] | None = None,
) -> IngestReport:
    """Validate ``table`` and store it as ``ticker``'s bars in one transaction.

    Raises ValidationError (nothing written) when any row is bad, unless
    ``skip_bad_rows``: then the good rows are stored and the bad ones reported; and when
    a bar after the last stored one looks like an unadjusted split and ``refuse_splits``
    (updates from named providers), unless ``confirm_splits``; other ingests only warn
    (a real crash, such as AAPL's -52% on 2000-09-29, looks the same).
    ``before_commit(session, ticker_id)`` runs last inside the transaction.
    """
    from tickercast.data.corporate_actions import detect_rebase, find_unadjusted_splits
    from tickercast.data.validation import validate_table

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
        last_stored = repository.get_last_date(session=session, ticker_id=ticker_id)
        suspects = find_unadjusted_splits(bars, after=last_stored)
        # a first fetch is history as the provider adjusted it: split-like days in it are
        # real moves (AAPL 2000-09-29); only new bars on top of stored ones are refused
        refuse = refuse_splits and last_stored is not None
        if suspects and not (refuse or confirm_splits):
            report.warnings.extend(f"{s.date}: {s.describe()}" for s in suspects)
            suspects = []
        if suspects and not confirm_splits:
            raise ValidationError(
                f"{table.origin}: {len(suspects)} bar(s) look like an unadjusted split; "
                "nothing was stored (fetch split-adjusted data, or confirm with "
                "--confirm-split to re-base the history before it)",
                [_split_problem(table, s) for s in suspects],
            )
        for suspect in suspects:
            bars = _confirm_split(session, ticker_id, table.source, bars, suspect, report)
        rebase = None if suspects else detect_rebase(stored, bars)
        if rebase is not None:
            _apply_rebase(session, ticker_id, table.source, rebase, report)
        if suspects or rebase is not None:
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
        if before_commit is not None:
            before_commit(session, ticker_id)
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
    import pandas as pd

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


def _apply_rebase(
    session: Any, ticker_id: int, provider: str, rebase: Rebase, report: IngestReport
) -> None:
    row = rebase_history(
        session=session,
        action=CorporateActionCreate(
            ticker_id=ticker_id,
            kind=rebase.kind,
            provider=provider,
            effective_date=rebase.effective_date,
            price_factor=rebase.price_factor,
            adj_close_factor=rebase.adj_close_factor,
            note=rebase.note,
        ),
    )
    log.warning(
        "%s: %s before %s: stored history re-based (prices x%.6g, adj_close x%.6g), "
        "%d bar(s), %d prediction(s) rescaled",
        report.ticker,
        rebase.kind,
        rebase.effective_date,
        rebase.price_factor,
        rebase.adj_close_factor,
        row.bars_rebased,
        row.predictions_rescaled,
    )
    report.corporate_actions.append(
        {
            "kind": rebase.kind,
            "effective_date": rebase.effective_date.isoformat(),
            "price_factor": rebase.price_factor,
            "adj_close_factor": rebase.adj_close_factor,
            "bars_rebased": row.bars_rebased,
            "predictions_rescaled": row.predictions_rescaled,
        }
    )


def _confirm_split(
    session: Any,
    ticker_id: int,
    provider: str,
    bars: pd.DataFrame,
    suspect: SuspectSplit,
    report: IngestReport,
) -> pd.DataFrame:
    """Treat a confirmed unadjusted split like an adjusting provider would: scale every
    earlier bar, incoming and stored, by exactly 1/n."""
    import pandas as pd

    from tickercast.data.corporate_actions import Rebase

    factor = 1 / suspect.ratio if suspect.ratio > 0 else float(-suspect.ratio)
    effective = pd.Timestamp(suspect.date)
    earlier = bars["date"] < effective
    bars = bars.copy()
    for column in ("open", "high", "low", "close", "adj_close"):
        if column in bars:
            bars.loc[earlier, column] = bars.loc[earlier, column] * factor
    if "volume" in bars:
        bars.loc[earlier, "volume"] = (bars.loc[earlier, "volume"] / factor).round()
        bars["volume"] = bars["volume"].astype("int64")
    rebase = Rebase(suspect.date, factor, factor, "split", note=f"confirmed: {suspect.describe()}")
    _apply_rebase(session, ticker_id, provider, rebase, report)
    return bars


def _split_problem(table: RawTable, suspect: SuspectSplit) -> RowProblem:
    day = suspect.date.isoformat()
    where = np.flatnonzero(table.frame["date"].str.strip().str[:10].to_numpy() == day)
    line = int(table.lines[where[0]]) if where.size else 0
    return RowProblem(
        line, "close", f"{suspect.close:g}", f"(on {day}): {suspect.describe()}", table.line_label
    )
