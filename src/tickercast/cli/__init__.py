"""The ``tickercast`` command: one Typer app per command group, assembled here."""

from __future__ import annotations

import sys

import typer

from tickercast.cli import data, models, monitoring, predict, serve, setup, worker
from tickercast.cli.common import configure_logging, err_console
from tickercast.config import get_settings
from tickercast.errors import TickercastError

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
monitoring.register(app)
worker.register(app)


def main() -> None:
    """Console entry point: user mistakes become one line on stderr and exit code 1."""
    try:
        app()
    except TickercastError as exc:
        err_console.print(f"[red]error:[/red] {exc}", highlight=False)
        sys.exit(1)
