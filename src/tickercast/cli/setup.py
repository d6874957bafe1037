"""``tickercast init``: create or migrate the schema and load the bundled history."""

from __future__ import annotations

import logging
from typing import Annotated

import numpy as np
import typer

from tickercast.cli.common import console, new_progress, print_json
from tickercast.config import Settings, get_settings
from tickercast.data.ingestion import ingest_table
from tickercast.data.providers import BundledProvider, bundled_tickers
from tickercast.live.bar_handler import REPLAY_SPAN
from tickercast.storage.migrate import upgrade
from tickercast.training.registry import PromotionDecision

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    app.command("init")(init)


def init(
    sample: Annotated[
        bool, typer.Option("--sample/--no-sample", help="Load the bundled real price history.")
    ] = True,
    champion: Annotated[
        bool,
        typer.Option(
            "--champion/--no-champion",
            help="Validate naive and LightGBM on the default ticker and register the winner "
            "as champion, unless it already has one (about a minute).",
        ),
    ] = True,
    train_all: Annotated[
        bool,
        typer.Option(
            "--train-all",
            help="Train the champion on every bar; by default it sees only bars before the "
            "default replay start (two years before the last bar), so the demo is out of sample.",
        ),
    ] = False,
    as_json: Annotated[bool, typer.Option("--json", help="Print a JSON summary.")] = False,
) -> None:
    """Create or upgrade the database schema (safe to run again), load bundled data and
    leave a validated champion model for the default ticker."""
    settings = get_settings()
    settings.data_dir.mkdir(parents=True, exist_ok=True)
    upgrade(settings.resolved_database_url)
    log.info("schema is at head on %s", settings.resolved_database_url)
    summary: dict[str, dict[str, int]] = {}
    if sample:
        provider = BundledProvider()
        with new_progress(disable=as_json) as progress:
            task = progress.add_task("loading bundled history", total=len(bundled_tickers()))
            for ticker in bundled_tickers():
                report = ingest_table(provider.fetch(ticker), ticker=ticker, settings=settings)
                summary[ticker] = {"inserted": report.inserted, "unchanged": report.unchanged}
                progress.advance(task)
    decision = None
    if champion and summary:
        decision = _bootstrap_champion(settings, progress=not as_json, train_all=train_all)
    if as_json:
        print_json(
            {
                "database": settings.resolved_database_url,
                "tickers": summary,
                "champion": decision.to_dict() if decision else None,
            }
        )
        return
    for ticker, counts in summary.items():
        console.print(f"{ticker}: {counts['inserted']} inserted, {counts['unchanged']} unchanged")
    console.print(f"database ready: {settings.resolved_database_url}")
    if decision is not None:
        console.print(decision.reason, highlight=False)


def _bootstrap_champion(
    settings: Settings, *, progress: bool, train_all: bool
) -> PromotionDecision | None:
    """A validated champion for the default ticker, so the service has a model to serve;
    trained before the default replay start unless ``train_all``."""
    from tickercast.cli.models import load_closes
    from tickercast.training.pipeline import bootstrap_champion

    ticker = settings.default_ticker.upper()
    if ticker not in bundled_tickers():
        log.warning("default ticker %s has no bundled data; no champion trained", ticker)
        return None
    dates, closes = load_closes(ticker, settings)
    if not train_all and dates.size:
        start = np.datetime64(dates[-1], "D") - np.timedelta64(REPLAY_SPAN.days, "D")
        keep = dates < start
        dates, closes = dates[keep], closes[keep]
    return bootstrap_champion(ticker, settings, closes, dates, progress=progress)
