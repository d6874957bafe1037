"""Registered model versions for tests, trained on a slice of a bundled or stored history."""

from __future__ import annotations

import datetime as dt
from typing import Any

import numpy as np

from tickercast.config import Settings
from tickercast.data.providers import BundledProvider
from tickercast.data.validation import validate_table
from tickercast.training import pipeline, registry


def register_bundled(
    settings: Settings,
    ticker: str,
    kind: str,
    *,
    bars: int,
    params: dict[str, Any] | None = None,
    promote: bool = False,
    source: str = "AMZN",
) -> pipeline.TrainResult:
    """Train ``kind`` on the last ``bars`` bundled bars of ``source`` (30 walk-forward days)
    and register it under ``ticker``; the version is made champion without the gate if
    ``promote``."""
    table = validate_table(BundledProvider().fetch(source)).bars.tail(bars)
    result = pipeline.train(
        ticker,
        kind,
        table["close"].to_numpy(),
        table["date"].to_numpy().astype("datetime64[D]"),
        settings,
        params=params,
        register=True,
        test_days=30,
        refit_every=30,
    )
    assert result.version is not None
    if promote:
        registry.promote(ticker, result.version, force=True, settings=settings)
    return result


def register_stored(
    settings: Settings,
    ticker: str,
    kind: str = "naive",
    *,
    before: str | dt.date | None = None,
    through: str | dt.date | None = None,
    test_days: int = 60,
    refit_every: int = 30,
    params: dict[str, Any] | None = None,
) -> pipeline.TrainResult:
    """Train ``kind`` on the stored closes of ``ticker`` dated ``before`` a day (exclusive) or
    ``through`` it (inclusive) and register it: a champion whose training ends where a
    replay or a drift check begins."""
    from tickercast.storage.closes import load_closes

    dates, closes = load_closes(ticker, settings)
    if (before is None) == (through is None):
        raise ValueError("give exactly one of before= and through=")
    keep = dates < np.datetime64(before) if before is not None else dates <= np.datetime64(through)
    return pipeline.train(
        ticker,
        kind,
        closes[keep],
        dates[keep],
        settings,
        params=params,
        register=True,
        test_days=test_days,
        refit_every=refit_every,
    )
