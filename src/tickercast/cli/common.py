"""What every command shares: consoles, JSON output, settings, logging."""

from __future__ import annotations

import logging
import sys
from typing import Any, NoReturn

import orjson
from rich.console import Console
from rich.logging import RichHandler
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

__all__ = ["configure_logging", "console", "err_console", "fail", "new_progress", "print_json"]

console = Console(soft_wrap=True)
err_console = Console(stderr=True, soft_wrap=True)


def print_json(obj: Any) -> None:
    """Machine-readable output for scripts (dates ISO, numpy numbers as plain numbers)."""
    sys.stdout.write(
        orjson.dumps(
            obj, option=orjson.OPT_INDENT_2 | orjson.OPT_SERIALIZE_NUMPY, default=str
        ).decode()
        + "\n"
    )


def fail(exc: Exception) -> NoReturn:
    """The error as one line on stderr, then exit code 1."""
    err_console.print(f"[red]error:[/red] {exc}", highlight=False)
    sys.exit(1)


def configure_logging(level: str = "info") -> None:
    logging.basicConfig(
        level=level.upper(),
        format="%(message)s",
        handlers=[RichHandler(console=err_console, show_path=False, show_time=False)],
        force=True,
    )
    logging.getLogger("alembic").setLevel(logging.WARNING)


def new_progress(*, disable: bool = False) -> Progress:
    """A progress bar on stderr, so ``--json`` output on stdout stays clean."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=err_console,
        disable=disable,
        transient=True,
    )
