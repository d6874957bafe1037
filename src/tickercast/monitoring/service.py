"""A ticker's drift report as of a date: stored closes + its champion -> every check.

The monitor is rebuilt from the champion's training end to ``as_of`` (a few milliseconds per
year of bars), so the answer depends only on stored data and the registry: the CLI, the API
and the worker agree, and ``--as-of`` works for any past date.
"""

from __future__ import annotations

import datetime as dt

import numpy as np

from tickercast.config import Settings
from tickercast.errors import DataError
from tickercast.models import Forecaster
from tickercast.monitoring.replay import feed, monitor_for
from tickercast.monitoring.report import DriftReport, worst
from tickercast.monitoring.thresholds import DEFAULT_THRESHOLDS, DriftThresholds

__all__ = ["drift_report", "drift_report_for"]


def drift_report_for(
    ticker: str,
    model: Forecaster,
    dates: np.ndarray,
    closes: np.ndarray,
    *,
    version: str | None = None,
    as_of: dt.date | None = None,
    thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
) -> DriftReport:
    """Drift of ``model`` (trained up to its ``train_range`` end) on the bars after it."""
    d = np.asarray(dates, dtype="datetime64[D]")
    if as_of is not None:
        keep = d <= np.datetime64(as_of, "D")
        d, closes = d[keep], np.asarray(closes)[keep]
    if d.size == 0:
        raise DataError(f"{ticker} has no stored bars on or before {as_of}")
    trained = model.describe()["training"]["last_date"]
    if trained is None:
        raise DataError(f"the {ticker} champion does not record its training range; retrain it")
    ref_end = int(np.searchsorted(d, np.datetime64(trained, "D"), side="right")) - 1
    if ref_end < 21:
        raise DataError(
            f"{ticker} has {ref_end + 1} bars up to the champion's training end {trained}; "
            "at least 22 are needed for a drift reference"
        )
    prices = np.asarray(closes, dtype=np.float64)
    monitor = monitor_for(prices, ref_end, thresholds)
    feed(monitor, model, prices, ref_end + 1, prices.size)
    checks = monitor.checks()
    ref_start = max(ref_end - thresholds.reference_days, 0)
    return DriftReport(
        ticker=ticker.upper(),
        as_of=str(d[-1]),
        status=worst([c.status for c in checks]),
        model_name=model.name,
        model_version=version,
        reference_start=str(d[ref_start]),
        reference_end=str(d[ref_end]),
        monitored_days=monitor.n,
        checks=checks,
    )


def drift_report(
    ticker: str,
    settings: Settings,
    *,
    as_of: dt.date | None = None,
    thresholds: DriftThresholds = DEFAULT_THRESHOLDS,
) -> DriftReport:
    """Load the ticker's closes and champion, then ``drift_report_for``."""
    from tickercast.storage.closes import load_closes
    from tickercast.training.registry import load_champion

    dates, closes = load_closes(ticker, settings)
    model, info = load_champion(ticker, settings)
    return drift_report_for(
        ticker, model, dates, closes, version=info.version, as_of=as_of, thresholds=thresholds
    )
