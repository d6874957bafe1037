"""``tickercast train``, ``validate`` and ``models list|promote``: thin shells over
``tickercast.training.pipeline`` and ``tickercast.training.registry``."""

from __future__ import annotations

import math
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import numpy as np
import typer
from rich.table import Table

from tickercast.cli import fleet as fleet_cli
from tickercast.cli.common import console, err_console, print_json
from tickercast.config import get_settings
from tickercast.errors import ConfigError
from tickercast.models import MODELS
from tickercast.storage.closes import load_closes
from tickercast.training import fleet, pipeline, registry
from tickercast.training.report import direction_text

__all__ = ["load_closes", "models_app", "register"]

models_app = typer.Typer(
    help="List registered model versions and promote one.", no_args_is_help=True
)

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
ProgressOpt = Annotated[
    bool, typer.Option("--progress/--no-progress", help="Show progress bars on stderr.")
]


def register(app: typer.Typer) -> None:
    app.command("train")(train)
    app.command("validate")(validate)
    app.add_typer(models_app, name="models")


TickerArg = Annotated[
    str | None,
    typer.Argument(help="Ticker symbol, e.g. AMZN (or use --tickers / --all for many on Ray)."),
]


def train(
    ticker: TickerArg = None,
    model: Annotated[
        str, typer.Option("--model", "-m", help=f"One of: {', '.join(MODELS)}.")
    ] = "lightgbm",
    register_: Annotated[
        bool, typer.Option("--register", help="Register a version and run the promotion gate.")
    ] = False,
    test_days: Annotated[int, typer.Option(help="Walk-forward test days.")] = 500,
    refit_every: Annotated[int, typer.Option(help="Refit every N test days.")] = 20,
    tickers: fleet_cli.TickersOpt = None,
    all_: fleet_cli.AllOpt = False,
    cpus: fleet_cli.CpusOpt = 2,
    ray_address: fleet_cli.RayAddressOpt = None,
    batch_size: fleet_cli.BatchOpt = None,
    sequential: fleet_cli.SequentialOpt = False,
    until: Annotated[
        datetime | None,
        typer.Option(
            "--until",
            formats=["%Y-%m-%d"],
            help="Train only on bars up to this date (e.g. before a replay starts).",
        ),
    ] = None,
    progress: ProgressOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Validate MODEL against naive, fit it on history (up to --until) and log it to MLflow.

    With --tickers or --all each ticker runs the same pipeline (MLflow run, and with
    --register the promotion gate) as a Ray task; a failing ticker is reported, the rest
    finish."""
    settings = get_settings()
    pipeline.parse_models([model])
    names = fleet_cli.pick_tickers(ticker, tickers, all_)
    if names is not None:
        if until is not None:
            raise ConfigError("--until goes with one TICKER, not with --tickers/--all")
        options = fleet.FleetOptions(
            "train", (model,), test_days=test_days, refit_every=refit_every, register=register_
        )
        fleet_cli.run(
            names,
            options,
            settings,
            cpus=cpus,
            ray_address=ray_address,
            batch_size=batch_size,
            sequential=sequential,
            progress=progress,
            as_json=as_json,
        )
        return
    assert ticker is not None
    dates, closes = load_closes(ticker, settings)
    if until is not None:
        keep = dates <= np.datetime64(until.date(), "D")
        dates, closes = dates[keep], closes[keep]
    result = pipeline.train(
        ticker,
        model,
        closes,
        dates,
        settings,
        register=register_,
        test_days=test_days,
        refit_every=refit_every,
        progress=progress and not as_json,
    )
    if as_json:
        print_json(result.to_dict())
        return
    m = result.metrics
    console.print(
        f"{result.ticker} {model}: relative MAE {m['relative_mae']:.5f} vs naive "
        f"(skill {m['skill']:+.4f}) on {m['n']} walk-forward days"
    )
    console.print(f"run id: {result.run_id}")
    if result.naive_version:
        console.print(f"registered naive as version {result.naive_version} (fallback champion)")
    if result.version:
        console.print(f"registered version: {result.version}")
    if result.decision:
        style = "green" if result.decision.promoted else "yellow"
        console.print(f"[{style}]{result.decision.reason}[/{style}]", highlight=False)


def validate(
    ticker: TickerArg = None,
    models: Annotated[
        str, typer.Option(help=f"Comma-separated models ({', '.join(MODELS)}); naive is always in.")
    ] = "naive,lightgbm,lstm",
    test_days: Annotated[int, typer.Option(help="Walk-forward test days.")] = 500,
    refit_every: Annotated[int, typer.Option(help="Refit every N test days.")] = 20,
    report: Annotated[
        Path | None, typer.Option(help="Write an HTML report with plots to this path.")
    ] = None,
    tickers: fleet_cli.TickersOpt = None,
    all_: fleet_cli.AllOpt = False,
    cpus: fleet_cli.CpusOpt = 2,
    ray_address: fleet_cli.RayAddressOpt = None,
    batch_size: fleet_cli.BatchOpt = None,
    sequential: fleet_cli.SequentialOpt = False,
    progress: ProgressOpt = True,
    as_json: JsonOpt = False,
) -> None:
    """Walk-forward validation of models against naive on the same test days.

    With --tickers or --all every ticker is validated as a Ray task and summarised in one
    table (relative MAE per model); a failing ticker is reported, the rest finish."""
    settings = get_settings()
    names = pipeline.parse_models(models)
    many = fleet_cli.pick_tickers(ticker, tickers, all_)
    if many is not None:
        if report is not None:
            raise ConfigError("--report works with one TICKER, not --tickers / --all")
        options = fleet.FleetOptions(
            "validate", tuple(names), test_days=test_days, refit_every=refit_every
        )
        fleet_cli.run(
            many,
            options,
            settings,
            cpus=cpus,
            ray_address=ray_address,
            batch_size=batch_size,
            sequential=sequential,
            progress=progress,
            as_json=as_json,
        )
        return
    assert ticker is not None
    dates, closes = load_closes(ticker, settings)
    result = pipeline.validate(
        closes,
        dates,
        names,
        ticker=ticker,
        test_days=test_days,
        refit_every=refit_every,
        progress=progress and not as_json,
    )
    if report is not None:
        result.write_report(report)
    if as_json:
        out = result.to_dict()
        out["report"] = str(report) if report else None
        print_json(out)
        return
    console.print(_validation_table(result))
    if report is not None:
        err_console.print(f"report written to {report}")


def _num(value: Any, digits: int = 4) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    return f"{value:.{digits}f}"


def _validation_table(result: pipeline.ValidationReport) -> Table:
    table = Table(
        title=f"{result.ticker}: walk-forward {result.test_start} .. {result.test_end} "
        f"({result.test_days} days, refit every {result.refit_every})"
    )
    for col in ("model", "MAE", "rel. MAE", "MASE", "dir. acc [95% CI]"):
        table.add_column(col, justify="right")
    for lv in result.levels:
        table.add_column(f"cov {lv}", justify="right")
    table.add_column("lag-copy", justify="right")
    for row in result.rows():
        table.add_row(
            row["model"],
            _num(row["mae"]),
            _num(row["relative_mae"], 5),
            _num(row["mase"], 3),
            direction_text(row),
            *(_num(row[f"coverage_{lv}"], 1) for lv in result.levels),
            _num(row["lag_copy"], 3),
        )
    return table


@models_app.command("list")
def list_versions(
    ticker: Annotated[str, typer.Argument(help="Ticker symbol, e.g. AMZN.")],
    as_json: JsonOpt = False,
) -> None:
    """Registered versions of a ticker's model, the champion marked."""
    versions = registry.list_versions(ticker, get_settings())
    if as_json:
        print_json([v.to_dict() for v in versions])
        return
    if not versions:
        console.print(f"no registered versions for {ticker.upper()}")
        return
    table = Table(
        "version",
        "model",
        "rel. MAE",
        "margin",
        "beats naive",
        "p (DM)",
        "tested",
        "created",
        "champion",
        caption="beats naive = significantly better (Diebold-Mariano/HLN test)",
    )
    for v in versions:
        table.add_row(
            v.version,
            v.model_name,
            _num(v.relative_mae, 5),
            "-" if v.margin is None else f"{100 * v.margin:+.2f}%",
            "yes" if v.beats_naive else "no",
            "-" if v.p_value is None else f"{v.p_value:.3f}",
            f"{v.test_start}..{v.test_end}",
            v.created_at[:10],
            f"yes ({v.promotion})" if v.champion else "",
        )
    console.print(table)


@models_app.command("promote")
def promote(
    ticker: Annotated[str, typer.Argument(help="Ticker symbol, e.g. AMZN.")],
    version: Annotated[str, typer.Argument(help="Registered version number.")],
    force: Annotated[
        bool, typer.Option("--force", help="Override the gate (recorded on the version).")
    ] = False,
    as_json: JsonOpt = False,
) -> None:
    """Make VERSION champion if it passes the gate: significantly better than naive and not
    significantly worse than the champion (Diebold-Mariano/HLN, level TICKERCAST_GATE_ALPHA)."""
    decision = registry.promote(ticker, version, force=force, settings=get_settings())
    if as_json:
        print_json(decision.to_dict())
    else:
        style = "green" if decision.promoted else "yellow"
        console.print(f"[{style}]{decision.reason}[/{style}]", highlight=False)
    if not decision.promoted:
        raise typer.Exit(1)
