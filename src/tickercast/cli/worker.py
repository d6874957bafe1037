"""``tickercast worker``: drift checks on every new bar and retrains, in their own process."""

from __future__ import annotations

import datetime as dt
import logging
import os
import signal
import threading
from collections.abc import Callable
from typing import Annotated

import httpx
import typer

from tickercast.cli.common import print_json
from tickercast.config import get_settings
from tickercast.errors import DataError

__all__ = ["register"]

log = logging.getLogger(__name__)


def register(app: typer.Typer) -> None:
    app.command("worker")(worker)


def _follow(url: str, api_key: str | None) -> Callable[[str], dt.date | None]:
    """Cursor source reading the serving process's ``GET /v1/feed``: in a replay the
    worker sees only the bars the feed has played, not every stored one."""
    headers = {"X-API-Key": api_key} if api_key else {}

    def cursor(ticker: str) -> dt.date | None:
        try:
            answer = httpx.get(f"{url.rstrip('/')}/v1/feed", headers=headers, timeout=5)
            answer.raise_for_status()
            feed = answer.json()
        except (httpx.HTTPError, ValueError) as exc:
            raise DataError(f"cannot read the feed cursor from {url}: {exc}") from exc
        if feed.get("ticker") == ticker and feed.get("cursor"):
            return dt.date.fromisoformat(feed["cursor"])
        return None

    return cursor


def _watch_parent(parent_pid: int, stop: threading.Event) -> None:
    """``serve`` may die by a re-raised signal without running its clean-up; its worker
    notices it was orphaned and ends too."""
    while not stop.wait(0.5):
        if os.getppid() != parent_pid:
            stop.set()


def worker(
    tickers: Annotated[
        str | None,
        typer.Option(help="Comma-separated tickers to watch (default: every stored ticker)."),
    ] = None,
    every: Annotated[
        float | None,
        typer.Option(min=0.05, help="Seconds between passes (TICKERCAST_WORKER_EVERY_S)."),
    ] = None,
    once: Annotated[
        bool, typer.Option("--once", help="One pass, print what happened, exit.")
    ] = False,
    follow: Annotated[
        str | None,
        typer.Option(
            metavar="URL", help="Check only the bars a serving process's replay has reached."
        ),
    ] = None,
    api_key: Annotated[
        str | None,
        typer.Option(
            envvar="TICKERCAST_API_KEY",
            show_envvar=True,
            help="Read key sent to --follow's server when it requires keys.",
        ),
    ] = None,
    metrics_port: Annotated[
        int | None, typer.Option(help="Serve the worker's Prometheus metrics on this port.")
    ] = None,
    parent_pid: Annotated[
        int | None, typer.Option(hidden=True, help="Exit when this process (serve) is gone.")
    ] = None,
) -> None:
    """Watch tickers: a drift check on every new bar, and a retrain (in a child process, so
    the API never waits for it) on drift or at the champion's maximum age."""
    from tickercast.storage import repository
    from tickercast.storage.db import session_scope
    from tickercast.worker.loop import Worker

    settings = get_settings()
    if tickers:
        names = [t.strip().upper() for t in tickers.split(",") if t.strip()]
    else:
        with session_scope(settings) as session:
            names = repository.list_ticker_symbols(session=session)
    job = Worker(settings, names, cursor=_follow(follow, api_key) if follow else None)
    if once:
        print_json(job.tick())
        return
    if metrics_port is not None:
        from prometheus_client import start_http_server

        start_http_server(metrics_port, registry=job.registry)
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    if parent_pid is not None:
        threading.Thread(target=_watch_parent, args=(parent_pid, stop), daemon=True).start()
    log.info("worker watching %s every %.1f s", ", ".join(names), every or settings.worker_every_s)
    job.run(stop, every or settings.worker_every_s)
