"""The ``tickercast`` command: one Typer app per command group, assembled here."""

from __future__ import annotations

import typer
from sqlalchemy.exc import SQLAlchemyError

from tickercast.cli import backtest, data, keys, models, monitoring, predict, serve, setup, worker
from tickercast.cli.common import configure_logging, fail
from tickercast.config import get_settings
from tickercast.errors import TickercastError
from tickercast.storage.db import database_unavailable

__all__ = ["app", "main"]

app = typer.Typer(
    name="tickercast",
    help="Self-hosted stock price forecasting: store prices, train and validate models, "
    "serve predictions and a live dashboard.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)


@app.callback()
def _root(
    log_level: str = typer.Option(
        None,
        "--log-level",
        help="debug, info, warning or error (default from TICKERCAST_LOG_LEVEL).",
    ),
) -> None:
    configure_logging(log_level or get_settings().log_level)


setup.register(app)
data.register(app)
serve.register(app)
predict.register(app)
models.register(app)
keys.register(app)
backtest.register(app)
monitoring.register(app)
worker.register(app)


def main() -> None:
    """Console entry point: user mistakes and an unreachable database become one line on
    stderr and exit code 1; anything else is a bug and keeps its traceback."""
    try:
        app()
    except TickercastError as exc:
        fail(exc)
    except SQLAlchemyError as exc:
        unavailable = database_unavailable(exc)
        if unavailable is None:
            raise
        fail(unavailable)
