"""Many-ticker ``validate`` / ``train`` (``--tickers`` / ``--all``): options, a progress bar
and the per-ticker result table over ``tickercast.training.fleet``."""

from __future__ import annotations

import os
from typing import Annotated, Any

import typer
from rich.table import Table

from tickercast.cli.common import console, err_console, new_progress, print_json
from tickercast.config import Settings
from tickercast.errors import ConfigError
from tickercast.training import fleet

__all__ = [
    "AllOpt",
    "BatchOpt",
    "CpusOpt",
    "RayAddressOpt",
    "SequentialOpt",
    "TickersOpt",
    "pick_tickers",
    "run",
]

TickersOpt = Annotated[
    str | None,
    typer.Option("--tickers", help="Comma-separated tickers to run in parallel on Ray."),
]
AllOpt = Annotated[bool, typer.Option("--all", help="Run every ticker in the database on Ray.")]
CpusOpt = Annotated[
    int,
    typer.Option("--cpus", min=1, help="CPUs of the local Ray instance (ignored with a cluster)."),
]
RayAddressOpt = Annotated[
    str | None,
    typer.Option(
        "--ray-address",
        help="Ray cluster to use (e.g. ray://head:10001); default TICKERCAST_RAY_ADDRESS, "
        "else a local Ray instance.",
    ),
]
BatchOpt = Annotated[
    int | None,
    typer.Option(
        "--batch-size",
        min=1,
        help="Tickers per Ray task (default: about 4 tasks per CPU, so cheap tickers share one).",
    ),
]
SequentialOpt = Annotated[
    bool,
    typer.Option("--sequential", help="Run the tickers one after another in this process."),
]


def pick_tickers(ticker: str | None, tickers: str | None, all_: bool) -> list[str] | None:
    """``None`` for one-ticker mode, else the tickers to run (``[]`` for ``--all``)."""
    given = sum([ticker is not None, tickers is not None, all_])
    if given != 1:
        raise ConfigError("give exactly one of: a TICKER argument, --tickers A,B,... or --all")
    if ticker is not None:
        return None
    if all_:
        return []
    names = [t.strip() for t in (tickers or "").split(",") if t.strip()]
    if not names:
        raise ConfigError("--tickers needs at least one ticker, e.g. --tickers AAPL,MSFT")
    return names


def run(
    names: list[str],
    options: fleet.FleetOptions,
    settings: Settings,
    *,
    cpus: int,
    ray_address: str | None,
    batch_size: int | None,
    sequential: bool,
    progress: bool,
    as_json: bool,
) -> None:
    """Run the fleet, print a table (or JSON) and exit 1 if any ticker failed."""
    jobs, missing = fleet.load_jobs(names or None, settings)
    address = ray_address or settings.ray_address or os.environ.get("RAY_ADDRESS") or None
    with new_progress(disable=not progress or as_json) as bar:
        task = bar.add_task(
            f"{options.kind} on {'1 process' if sequential else 'Ray'}", total=len(jobs)
        )
        outcomes = fleet.run_fleet(
            jobs,
            options,
            settings,
            use_ray=not sequential,
            cpus=cpus,
            address=address,
            batch_size=batch_size,
            on_outcome=lambda _: bar.advance(task),
        )
    outcomes = [*outcomes, *missing]
    summary = fleet.summary(outcomes)
    if as_json:
        print_json({**summary, "results": [o.to_dict() for o in outcomes]})
    else:
        console.print(_table(outcomes, options))
        err_console.print(f"{summary['ok']} of {summary['tickers']} tickers ok")
    if summary["failed"]:
        raise typer.Exit(1)


def _fmt(value: Any, digits: int = 5) -> str:
    return "n/a" if value is None else f"{value:.{digits}f}"


def _table(outcomes: list[fleet.TickerOutcome], options: fleet.FleetOptions) -> Table:
    table = Table(title=f"{options.kind}: {len(outcomes)} tickers")
    table.add_column("ticker")
    table.add_column("status")
    if options.kind == "validate":
        for name in options.models:
            table.add_column(f"{name} rel. MAE", justify="right")
    else:
        table.add_column(f"{options.models[-1]} rel. MAE", justify="right")
        table.add_column("version", justify="right")
        table.add_column("gate")
    table.add_column("seconds", justify="right")
    table.add_column("error")
    for o in outcomes:
        cells: list[str] = [o.ticker, "[green]ok[/green]" if o.ok else "[red]failed[/red]"]
        r = o.result or {}
        if options.kind == "validate":
            rows = {m["model"]: m for m in r.get("models", [])}
            cells += [_fmt(rows.get(n, {}).get("relative_mae")) for n in options.models]
        else:
            decision = r.get("decision") or {}
            cells += [
                _fmt(r.get("relative_mae")),
                str(r.get("version") or ""),
                decision.get("reason", "") if decision else "",
            ]
        cells += [f"{o.seconds:.2f}", o.error or ""]
        table.add_row(*cells)
    return table
