"""How the stored one-day-ahead predictions did, next to naive on the same days.

Differences are ``100 * (forecast - actual) / actual`` (signed, in percent of the actual
close); naive's forecast of a day is the close it was made from (``base_close``). Each
target date counts once: when several predictions target it (another model version, a
restart), the one made last wins. Only predictions whose target date is on or before
``end`` count: for a replayed ticker ``end`` is the feed cursor, so the bars stored beyond
it (and predictions already scored against them) stay out of the numbers.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from typing import Any

import numpy as np
from sqlalchemy.orm import Session

from tickercast.errors import ValidationError
from tickercast.storage import repository
from tickercast.storage.models import Prediction
from tickercast.storage.predictions import list_predictions, prediction_fields
from tickercast.training.metrics import coverage, directional_accuracy, mae, mape

__all__ = [
    "DEFAULT_WINDOWS",
    "accuracy_report",
    "latest_per_target",
    "parse_windows",
    "prediction_history",
    "window_stats",
]

DEFAULT_WINDOWS = "1,10,50,all"
_MAX_WINDOWS = 10


def parse_windows(text: str) -> list[int | None]:
    """``"1,10,50,all"`` → ``[1, 10, 50, None]`` (None = every prediction)."""
    windows: list[int | None] = []
    for part in (p.strip().lower() for p in text.split(",")):
        if part == "all":
            windows.append(None)
        elif part.isdigit() and int(part) >= 1:
            windows.append(int(part))
        elif part:
            raise ValidationError(
                f"window {part!r} in {text!r} is not a positive integer or 'all'; "
                "e.g. window=1,10,50,all"
            )
    if not windows or len(windows) > _MAX_WINDOWS:
        raise ValidationError(f"window {text!r}: give 1 to {_MAX_WINDOWS} comma-separated windows")
    return list(dict.fromkeys(windows))


def latest_per_target(rows: Sequence[Prediction]) -> list[Prediction]:
    """One prediction per target date, the last made, ascending by target date."""
    best: dict[dt.date, Prediction] = {}
    for row in rows:
        kept = best.get(row.target_date)
        if kept is None or (row.made_at, row.id) > (kept.made_at, kept.id):
            best[row.target_date] = row
    return [best[d] for d in sorted(best)]


def _clean(value: float) -> float | None:
    return value if math.isfinite(value) else None


def _diff_stats(diff: np.ndarray) -> dict[str, float | None]:
    if diff.size == 0:
        return {"mean": None, "median": None, "max": None, "min": None}
    return {
        "mean": float(np.mean(diff)),
        "median": float(np.median(diff)),
        "max": float(np.max(diff)),
        "min": float(np.min(diff)),
    }


def window_stats(
    actual: np.ndarray,
    point: np.ndarray,
    base: np.ndarray,
    bounds: dict[int, tuple[np.ndarray, np.ndarray]],
) -> dict[str, dict[str, Any]]:
    """The model's and naive's scores on the same days.

    Hit rate: share of days where the forecast move and the real move have the same sign
    (flat days left out), so naive, which never calls a move, has none."""
    n = actual.size

    def scores(forecast: np.ndarray, with_bounds: bool) -> dict[str, Any]:
        hits = directional_accuracy(actual, forecast, base)
        out: dict[str, Any] = {
            "diff_pct": _diff_stats(100.0 * (forecast - actual) / actual),
            "mae": _clean(mae(actual, forecast)) if n else None,
            "mape": _clean(mape(actual, forecast)) if n else None,
            "hit_rate": _clean(100.0 * float(hits["value"])) if n else None,
            "hit_days": int(hits["n"]),
        }
        for level in (80, 95):
            lower, upper = bounds.get(level, (np.empty(0), np.empty(0)))
            usable = with_bounds and n > 0 and lower.size == n and bool(np.isfinite(lower).all())
            out[f"coverage_{level}"] = coverage(actual, lower, upper) if usable else None
        return out

    return {"model": scores(point, True), "naive": scores(base, False)}


def _column(rows: Sequence[Prediction], name: str) -> np.ndarray:
    return np.array(
        [np.nan if getattr(r, name) is None else getattr(r, name) for r in rows], dtype=np.float64
    )


def accuracy_report(
    session: Session,
    *,
    ticker_id: int,
    ticker: str,
    windows: Sequence[int | None],
    end: dt.date | None,
) -> dict[str, Any]:
    """Scores of the last N scored predictions (target date <= ``end``) for each window."""
    rows = latest_per_target(
        list_predictions(session=session, ticker_id=ticker_id, horizon=1, end=end, scored_only=True)
    )
    out = []
    for window in windows:
        chosen = rows if window is None else rows[-window:]
        actual = _column(chosen, "actual")
        point = _column(chosen, "point")
        base = _column(chosen, "base_close")
        bounds = {
            lv: (_column(chosen, f"lower_{lv}"), _column(chosen, f"upper_{lv}")) for lv in (80, 95)
        }
        stats = window_stats(actual, point, base, bounds)
        model_mae, naive_mae = stats["model"]["mae"], stats["naive"]["mae"]
        skill = 1.0 - model_mae / naive_mae if model_mae is not None and naive_mae else None
        out.append(
            {
                "window": "all" if window is None else str(window),
                "n": len(chosen),
                "first_target": chosen[0].target_date if chosen else None,
                "last_target": chosen[-1].target_date if chosen else None,
                "versions": sorted({r.model_version for r in chosen}),
                "skill": skill,
                **stats,
            }
        )
    return {"ticker": ticker, "end": end, "horizon": 1, "windows": out}


def _public_prediction(row: Prediction, known_until: dt.date | None) -> dict[str, Any]:
    """A stored prediction as answered; its ``actual`` only if the target day is known (a
    replayed ticker's stored bars beyond the cursor have not "happened" yet, even when a
    previous run or another process already scored against them)."""
    known = known_until is None or row.target_date <= known_until
    return {**prediction_fields(row), "actual": row.actual if known else None}


def prediction_history(
    session: Session,
    *,
    ticker_id: int,
    ticker: str,
    start: dt.date | None,
    end: dt.date | None,
    known_until: dt.date | None = None,
) -> dict[str, Any]:
    """Past one-day-ahead predictions (target in [start, end]) and the next one: the
    prediction made from the last bar on or before ``end``, if it was made. Nothing after
    ``known_until`` (a replay cursor) is shown."""
    if known_until is not None and (end is None or end > known_until):
        end = known_until
    past = latest_per_target(
        list_predictions(session=session, ticker_id=ticker_id, horizon=1, start=start, end=end)
    )
    last_bar = repository.get_bars(session=session, ticker_id=ticker_id, end=end, limit=1)
    upcoming = None
    if last_bar:
        origin = last_bar[0].date
        later = list_predictions(
            session=session, ticker_id=ticker_id, horizon=1, start=origin + dt.timedelta(days=1)
        )
        made = [r for r in later if r.origin_date == origin]
        upcoming = _public_prediction(latest_per_target(made)[-1], known_until) if made else None
    return {
        "ticker": ticker,
        "start": start,
        "end": end,
        "count": len(past),
        "predictions": [_public_prediction(r, known_until) for r in past],
        "next": upcoming,
    }
