"""Reads and writes of persisted predictions (the ``prediction`` table).

A prediction is keyed by (ticker, model version, origin date, target date): storing the same
forecast twice keeps the first. Scoring fills ``actual`` from the stored bar of the target
date, so it can run after bars or after predictions arrive, in either order.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any

from sqlalchemy import and_, exists, select, update
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Session

from tickercast.storage.models import Bar, Prediction

__all__ = [
    "PredictionCreate",
    "insert_predictions",
    "list_predictions",
    "prediction_fields",
    "score_predictions",
]


@dataclass(frozen=True)
class PredictionCreate:
    ticker_id: int
    model_name: str
    model_version: str
    origin_date: dt.date
    target_date: dt.date
    horizon: int
    made_at: dt.datetime
    base_close: float
    point: float
    lower_80: float | None = None
    upper_80: float | None = None
    lower_95: float | None = None
    upper_95: float | None = None


def prediction_fields(row: Prediction | PredictionCreate) -> dict[str, Any]:
    """What API answers and live events say about a prediction, stored or just made."""
    return {
        "origin_date": row.origin_date,
        "target_date": row.target_date,
        "model": row.model_name,
        "version": row.model_version,
        "base_close": row.base_close,
        "point": row.point,
        "lower_80": row.lower_80,
        "upper_80": row.upper_80,
        "lower_95": row.lower_95,
        "upper_95": row.upper_95,
    }


def insert_predictions(*, session: Session, rows: Sequence[PredictionCreate]) -> int:
    """Store new predictions, skipping ones already stored; returns how many were given."""
    if not rows:
        return 0
    dialect = session.get_bind().dialect.name
    insert = postgresql.insert if dialect == "postgresql" else sqlite.insert
    statement = insert(Prediction).on_conflict_do_nothing(
        index_elements=["ticker_id", "model_version", "origin_date", "target_date"]
    )
    session.execute(statement, [asdict(r) for r in rows])
    return len(rows)


def score_predictions(
    *, session: Session, ticker_id: int, start: dt.date | None = None, end: dt.date | None = None
) -> int:
    """Fill ``actual`` of unscored predictions whose target date now has a bar; returns count."""
    actual = (
        select(Bar.close)
        .where(Bar.ticker_id == Prediction.ticker_id, Bar.date == Prediction.target_date)
        .scalar_subquery()
    )
    has_bar = exists().where(
        and_(Bar.ticker_id == Prediction.ticker_id, Bar.date == Prediction.target_date)
    )
    statement = (
        update(Prediction)
        .where(Prediction.ticker_id == ticker_id, Prediction.actual.is_(None), has_bar)
        .values(actual=actual, scored_at=dt.datetime.now(dt.UTC))
        .execution_options(synchronize_session=False)
    )
    if start is not None:
        statement = statement.where(Prediction.target_date >= start)
    if end is not None:
        statement = statement.where(Prediction.target_date <= end)
    return int(session.execute(statement).rowcount or 0)  # type: ignore[attr-defined]


def list_predictions(
    *,
    session: Session,
    ticker_id: int,
    horizon: int | None = 1,
    start: dt.date | None = None,
    end: dt.date | None = None,
    limit: int | None = None,
    scored_only: bool = False,
) -> Sequence[Prediction]:
    """Predictions by target date ascending (the latest made wins nothing: all are returned);
    with ``limit`` only the most recent ``limit``."""
    query = select(Prediction).where(Prediction.ticker_id == ticker_id)
    if horizon is not None:
        query = query.where(Prediction.horizon == horizon)
    if start is not None:
        query = query.where(Prediction.target_date >= start)
    if end is not None:
        query = query.where(Prediction.target_date <= end)
    if scored_only:
        query = query.where(Prediction.actual.is_not(None))
    order = (Prediction.target_date, Prediction.made_at, Prediction.id)
    if limit is not None:
        rows = session.scalars(query.order_by(*(c.desc() for c in order)).limit(limit)).all()
        return list(reversed(rows))
    return session.scalars(query.order_by(*order)).all()
