"""``tickercast drift`` and ``tickercast retrain``: thin shells over ``tickercast.monitoring``."""

from __future__ import annotations

import datetime as dt
from typing import Annotated

import typer
from rich.table import Table

from tickercast.cli.common import console, print_json
from tickercast.config import get_settings
from tickercast.monitoring.report import DriftReport

__all__ = ["register"]

JsonOpt = Annotated[bool, typer.Option("--json", help="Print JSON for scripts instead of a table.")]
TickerArg = Annotated[str, typer.Argument(help="Ticker symbol, e.g. AMZN.")]
AsOfOpt = Annotated[
    dt.datetime | None,
    typer.Option("--as-of", formats=["%Y-%m-%d"], help="Use only bars up to this date."),
]
_STYLE = {"ok": "green", "warning": "yellow", "drift": "red", "n/a": "dim"}


def register(app: typer.Typer) -> None:
    app.command("drift")(drift)
    app.command("retrain")(retrain)


def _fmt(v: float | None) -> str:
    if v is None:
        return "-"
    return f"{v:.3g}" if abs(v) < 1e-3 or abs(v) >= 1e4 else f"{v:.4f}"


def _print_report(report: DriftReport) -> None:
    style = _STYLE[report.status]
    console.print(
        f"{report.ticker} as of {report.as_of}: [{style}]{report.status}[/{style}] - champion "
        f"{report.model_name} v{report.model_version}, reference {report.reference_start}.."
        f"{report.reference_end}, {report.monitored_days} bars since",
        highlight=False,
    )
    table = Table("check", "kind", "status", "statistic", "p-value", "drift if", "window")
    for c in report.checks:
        s = _STYLE[c.status]
        table.add_row(
            c.name,
            c.kind,
            f"[{s}]{c.status}[/{s}]",
            _fmt(c.statistic),
            _fmt(c.p_value),
            c.rule,
            str(c.window),
        )
    console.print(table)


def drift(ticker: TickerArg, as_of: AsOfOpt = None, as_json: JsonOpt = False) -> None:
    """Drift status (ok, warning or drift) of TICKER's champion: every check with its
    statistic, threshold and window, against the champion's training reference."""
    from tickercast.monitoring.service import drift_report

    report = drift_report(ticker, get_settings(), as_of=as_of.date() if as_of else None)
    if as_json:
        print_json(report.to_dict())
    else:
        _print_report(report)


def retrain(
    ticker: TickerArg,
    if_drift: Annotated[
        bool,
        typer.Option(
            "--if-drift", help="Only retrain on drift or when the champion is past its max age."
        ),
    ] = False,
    model: Annotated[
        str | None, typer.Option("--model", "-m", help="Model to train (TICKERCAST_RETRAIN_MODEL).")
    ] = None,
    as_of: AsOfOpt = None,
    as_json: JsonOpt = False,
) -> None:
    """Retrain TICKER on its data up to now, walk-forward validate, run the significance gate
    and log trigger, drift statistics and decision to MLflow."""
    from tickercast.monitoring.retrain import retrain as run

    outcome = run(
        ticker,
        get_settings(),
        if_drift=if_drift,
        model_name=model,
        as_of=as_of.date() if as_of else None,
        progress=not as_json,
    )
    if as_json:
        print_json(outcome.to_dict())
        return
    if outcome.drift is not None:
        _print_report(outcome.drift)
    if not outcome.retrained:
        console.print(outcome.reason, highlight=False)
        return
    cand = outcome.candidate or {}
    vs = cand.get("vs_naive") or {}
    console.print(
        f"trigger: {outcome.trigger}; candidate {cand.get('model')} version {outcome.version}: "
        f"relative MAE {cand.get('relative_mae', float('nan')):.5f}, DM p vs naive "
        f"{vs.get('p_value', float('nan')):.4f}",
        highlight=False,
    )
    promoted = bool(outcome.decision and outcome.decision["promoted"])
    style = "green" if promoted else "yellow"
    console.print(f"[{style}]{outcome.reason}[/{style}]", highlight=False)
