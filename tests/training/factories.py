"""Registered model versions for tests, trained on a slice of a bundled history."""

from __future__ import annotations

from typing import Any

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
