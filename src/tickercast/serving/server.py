"""``python -m tickercast.serving.server HOST PORT WORKERS LOG_LEVEL``: uvicorn on the app
factory, in an interpreter that imported nothing but the app.

Why a module of its own: ``tickercast serve`` checks its options, then replaces itself with
this (``os.execv``: same pid), so a serving process never holds the CLI's imports
(training, pandas, rich), and uvicorn's spawned workers re-import only this module.
"""

from __future__ import annotations

import logging
import os
import shutil
import sys
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

__all__ = ["GRACEFUL_SHUTDOWN_S", "command", "run", "shared_metrics"]

# Seconds uvicorn waits for open responses (dashboards' event streams never end by
# themselves) before cancelling them and running the shutdown: feed stop, writer drain.
GRACEFUL_SHUTDOWN_S = 3


def run(host: str, port: int, workers: int, log_level: str) -> None:
    """uvicorn on the app factory, tickercast's own log lines on stderr at ``log_level``
    (plain lines: the CLI's rich handler is not imported here)."""
    import uvicorn

    logging.basicConfig(
        level=log_level.upper(), format="%(levelname)-8s %(name)s: %(message)s", force=True
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)

    from tickercast.serving.slow_clients import DeadlineHttpProtocol

    with shared_metrics(workers):
        uvicorn.run(
            "tickercast.serving.app:create_app",
            factory=True,
            host=host,
            port=port,
            workers=workers,
            log_level=log_level,
            timeout_graceful_shutdown=GRACEFUL_SHUTDOWN_S,
            http=DeadlineHttpProtocol,  # header and body read deadlines
        )


@contextmanager
def shared_metrics(workers: int) -> Iterator[None]:
    """With several workers, a metrics directory they all write to (prometheus_client's
    multiprocess mode), empty at start: PROMETHEUS_MULTIPROC_DIR if set (cleaned), else a
    fresh one removed at exit. Set before uvicorn spawns the workers, which read it when
    they import prometheus_client."""
    if workers <= 1:
        yield
        return
    given = os.environ.get("PROMETHEUS_MULTIPROC_DIR")
    path = Path(given) if given else Path(tempfile.mkdtemp(prefix="tickercast-metrics-"))
    path.mkdir(parents=True, exist_ok=True)
    for stale in path.glob("*.db"):  # a previous run's counts would add to this one's
        stale.unlink()
    os.environ["PROMETHEUS_MULTIPROC_DIR"] = str(path)
    try:
        yield
    finally:
        if not given:
            shutil.rmtree(path, ignore_errors=True)
            os.environ.pop("PROMETHEUS_MULTIPROC_DIR", None)


def command(host: str, port: int, workers: int, log_level: str) -> list[str]:
    """The argv that runs ``run`` with these arguments in a fresh interpreter."""
    return [sys.executable, "-m", __name__, host, str(port), str(workers), log_level]


if __name__ == "__main__":
    host, port, workers, log_level = sys.argv[1:5]
    run(host, int(port), int(workers), log_level)
