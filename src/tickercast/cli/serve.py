"""``tickercast serve``: run the HTTP API (and dashboard) under uvicorn."""

from __future__ import annotations

import datetime as dt
import ipaddress
import os
import subprocess
import sys
from typing import Annotated

import typer

from tickercast.cli.common import err_console
from tickercast.config import Settings, get_settings
from tickercast.errors import ConfigError
from tickercast.serving import server
from tickercast.storage.db import is_sqlite

__all__ = ["register"]


def register(app: typer.Typer) -> None:
    app.command("serve")(serve)


def serve(
    host: Annotated[str | None, typer.Option(help="Interface to bind (default 127.0.0.1).")] = None,
    port: Annotated[int | None, typer.Option(help="Port (default 8000).")] = None,
    workers: Annotated[int | None, typer.Option(min=1, help="uvicorn worker processes.")] = None,
    replay: Annotated[
        str | None,
        typer.Option("--replay", metavar="TICKER", help="Live feed: replay stored bars of TICKER."),
    ] = None,
    from_date: Annotated[
        str | None,
        typer.Option(
            "--from",
            metavar="DATE",
            help="First replayed date, YYYY-MM-DD (default: two years before the last bar).",
        ),
    ] = None,
    speed: Annotated[
        float | None, typer.Option(min=0.01, help="Replay speed in bars per second (default 4).")
    ] = None,
    poll: Annotated[
        str | None,
        typer.Option("--poll", metavar="URL", help="Live feed: poll URL (may hold {ticker})."),
    ] = None,
    every: Annotated[
        float | None,
        typer.Option("--every", metavar="SECONDS", min=0.1, help="Seconds between polls (60)."),
    ] = None,
    ticker: Annotated[
        str | None, typer.Option(help="Ticker the poll feed asks for (default: default ticker).")
    ] = None,
    no_feed: Annotated[bool, typer.Option("--no-feed", help="No live feed.")] = False,
    update_schedule: Annotated[
        bool | None,
        typer.Option(
            "--update-schedule/--no-update-schedule",
            help="Run `data update --all` after each exchange close (exchange time zone, "
            "plus TICKERCAST_UPDATE_DELAY_MIN). Default: TICKERCAST_UPDATE_SCHEDULE.",
        ),
    ] = None,
    with_worker: Annotated[
        bool,
        typer.Option(
            "--worker/--no-worker",
            help="Start `tickercast worker` beside the API (drift checks and retrains).",
        ),
    ] = True,
) -> None:
    """Serve the API, OpenAPI docs at /docs, and the dashboard at /, with a live feed.

    On SQLite the feed runs only with one worker (its events are kept in the serving
    process); on PostgreSQL workers and replicas elect one of them to run it."""
    settings = get_settings()
    workers = workers or settings.workers
    feed = _feed_environment(replay, from_date, speed, poll, every, ticker, no_feed)
    sqlite = is_sqlite(settings.resolved_database_url)
    if workers > 1 and sqlite and feed.get("TICKERCAST_FEED", settings.feed) != "none":
        raise ConfigError(
            f"the live feed runs in one process on SQLite; with --workers {workers} use "
            "--no-feed, or PostgreSQL (TICKERCAST_DATABASE_URL=postgresql+psycopg://...), where "
            "one worker is elected to run it"
        )
    _warn_if_exposed(host or settings.host, settings.auth)
    if update_schedule is not None:
        feed["TICKERCAST_UPDATE_SCHEDULE"] = "true" if update_schedule else "false"
    scheduled = update_schedule if update_schedule is not None else settings.update_schedule
    if workers > 1 and scheduled:
        raise ConfigError(
            f"the update schedule runs in one process; with --workers {workers} run "
            "`tickercast data update --all` from cron or one single-worker serve instead"
        )
    _check_schema(settings.resolved_database_url)
    # uvicorn's factory reads settings from the environment in each worker process
    os.environ.update({**feed, "TICKERCAST_WORKERS": str(workers)})
    get_settings.cache_clear()
    bind_host, bind_port = host or settings.host, port or settings.port
    if with_worker:
        _start_worker(bind_host, bind_port, settings)  # it exits when this pid's process does
    # The server replaces this process (same pid): it starts from a clean interpreter
    # holding only the app's imports, not the CLI's (training, pandas).
    argv = server.command(bind_host, bind_port, workers, settings.log_level)
    sys.stdout.flush()
    sys.stderr.flush()
    os.execv(argv[0], argv)


def _start_worker(host: str, port: int, settings: Settings) -> subprocess.Popen[bytes]:
    """The worker process, following this server's feed cursor (retrains never run here).
    With auth required it reads the cursor with a read key of its own, handed over in its
    environment (never on the command line, which ``ps`` shows)."""
    near = "127.0.0.1" if host in ("0.0.0.0", "::") else host
    env = dict(os.environ)
    if settings.auth == "required":
        env["TICKERCAST_API_KEY"] = _worker_key(settings)
    return subprocess.Popen(
        [
            *(sys.executable, "-m", "tickercast", "worker"),
            *("--follow", f"http://{near}:{port}", "--parent-pid", str(os.getpid())),
        ],
        env=env,
    )


def _worker_key(settings: Settings) -> str:
    import socket

    from tickercast.access.gate import utc_now
    from tickercast.access.keys import service_key
    from tickercast.storage.db import session_scope

    with session_scope(settings) as session:
        return service_key(
            session, f"worker@{socket.gethostname()}"[:64], "read", now=utc_now()
        ).key


def _feed_environment(
    replay: str | None,
    from_date: str | None,
    speed: float | None,
    poll: str | None,
    every: float | None,
    ticker: str | None,
    no_feed: bool,
) -> dict[str, str]:
    """The TICKERCAST_FEED* variables the options ask for (none given: the environment's)."""
    if sum((replay is not None, poll is not None, no_feed)) > 1:
        raise ConfigError("choose one of --replay, --poll and --no-feed")
    if (from_date is not None or speed is not None) and replay is None:
        raise ConfigError("--from and --speed go with --replay TICKER")
    if (every is not None or ticker is not None) and poll is None:
        raise ConfigError("--every and --ticker go with --poll URL")
    if no_feed:
        return {"TICKERCAST_FEED": "none"}
    env: dict[str, str] = {}
    if replay is not None:
        env = {"TICKERCAST_FEED": "replay", "TICKERCAST_FEED_TICKER": replay.upper()}
        if from_date is not None:
            try:
                env["TICKERCAST_FEED_FROM"] = dt.date.fromisoformat(from_date).isoformat()
            except ValueError:
                raise ConfigError(f"--from {from_date!r} is not a date; use YYYY-MM-DD") from None
        if speed is not None:
            env["TICKERCAST_FEED_SPEED"] = str(speed)
    if poll is not None:
        env = {"TICKERCAST_FEED": "poll", "TICKERCAST_FEED_POLL_URL": poll}
        if ticker is not None:
            env["TICKERCAST_FEED_TICKER"] = ticker.upper()
        if every is not None:
            env["TICKERCAST_FEED_EVERY_S"] = str(every)
    return env


def _warn_if_exposed(host: str, auth: str) -> None:
    """Anonymous reads and predictions are fine on loopback, not on a network."""
    if auth == "optional" and not _is_loopback(host):
        err_console.print(
            f"[yellow]warning:[/yellow] serving on {host} with TICKERCAST_AUTH=optional: anyone "
            "who can reach this address may read and predict without a key (admin still "
            "needs one). Set TICKERCAST_AUTH=required to expose the service.",
            highlight=False,
        )


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False  # a host name other than localhost may resolve to anything


def _check_schema(url: str) -> None:
    """Refuse to start on a database ``tickercast init`` has not prepared, with the fix."""
    from tickercast.storage.migrate import current_revision, head_revision

    current, head = current_revision(url), head_revision()
    if current != head:
        raise ConfigError(
            f"the database {url} is at schema revision {current or 'none'}, not {head}; "
            "run `tickercast init` first (`make run` does)"
        )
