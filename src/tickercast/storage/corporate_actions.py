"""Re-basing stored history after a corporate action, and the log of those re-bases.

A re-base multiplies stored bars before ``effective_date`` by a factor (prices) and its
inverse (volume), and rescales the predictions made from them, all in the caller's
transaction, so the history and its predictions change together or not at all.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from tickercast.storage.models import Bar, CorporateAction, Prediction

__all__ = ["CorporateActionCreate", "list_corporate_actions", "rebase_history"]


@dataclass(frozen=True)
class CorporateActionCreate:
    ticker_id: int
    kind: str
    provider: str
    effective_date: dt.date
    price_factor: float
    adj_close_factor: float
    note: str = ""


def rebase_history(*, session: Session, action: CorporateActionCreate) -> CorporateAction:
    """Apply ``action`` to the stored bars and predictions before its date; log it."""
    before = (Bar.ticker_id == action.ticker_id, Bar.date < action.effective_date)
    bars = 0
    if action.price_factor != 1.0:
        p = action.price_factor
        result = session.execute(
            update(Bar)
            .where(*before)
            .values(
                open=Bar.open * p,
                high=Bar.high * p,
                low=Bar.low * p,
                close=Bar.close * p,
                volume=func.round(Bar.volume / p),
            )
            .execution_options(synchronize_session=False)
        )
        bars = int(result.rowcount or 0)  # type: ignore[attr-defined]
    if action.adj_close_factor != 1.0:
        result = session.execute(
            update(Bar)
            .where(*before)
            .values(adj_close=Bar.adj_close * action.adj_close_factor)
            .execution_options(synchronize_session=False)
        )
        bars = max(bars, int(result.rowcount or 0))  # type: ignore[attr-defined]
    predictions = _rescale_predictions(session, action) if action.price_factor != 1.0 else 0
    row = CorporateAction(
        ticker_id=action.ticker_id,
        detected_at=dt.datetime.now(dt.UTC),
        kind=action.kind,
        provider=action.provider,
        effective_date=action.effective_date,
        price_factor=action.price_factor,
        adj_close_factor=action.adj_close_factor,
        bars_rebased=bars,
        predictions_rescaled=predictions,
        note=action.note,
    )
    session.add(row)
    session.flush()
    return row


def _rescale_predictions(session: Session, action: CorporateActionCreate) -> int:
    """Predictions are made and scored on ``close``: those made from a re-based bar are
    rescaled (point, bounds, base), and so is an actual taken from a re-based bar."""
    p = action.price_factor
    made_before = (
        Prediction.ticker_id == action.ticker_id,
        Prediction.origin_date < action.effective_date,
    )
    result = session.execute(
        update(Prediction)
        .where(*made_before)
        .values(
            base_close=Prediction.base_close * p,
            point=Prediction.point * p,
            lower_80=Prediction.lower_80 * p,
            upper_80=Prediction.upper_80 * p,
            lower_95=Prediction.lower_95 * p,
            upper_95=Prediction.upper_95 * p,
            rescaled_by=func.coalesce(Prediction.rescaled_by, 1.0) * p,
        )
        .execution_options(synchronize_session=False)
    )
    session.execute(
        update(Prediction)
        .where(*made_before, Prediction.target_date < action.effective_date)
        .values(actual=Prediction.actual * p)
        .execution_options(synchronize_session=False)
    )
    return int(result.rowcount or 0)  # type: ignore[attr-defined]


def list_corporate_actions(*, session: Session, ticker_id: int) -> Sequence[CorporateAction]:
    return session.scalars(
        select(CorporateAction)
        .where(CorporateAction.ticker_id == ticker_id)
        .order_by(CorporateAction.detected_at, CorporateAction.id)
    ).all()
