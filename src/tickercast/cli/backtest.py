"""``tickercast backtest``: a thin shell over ``tickercast.decisions.runner``."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from pathlib import Path
from typing import Annotated

import typer
from rich.table import Table

from tickercast.cli.common import console, err_console, print_json
from tickercast.config import get_settings
from tickercast.decisions.backtest import BacktestConfig, BacktestReport
from tickercast.decisions.forecasts import ForecastTable
from tickercast.decisions.policy import Costs, RiskLimits
from tickercast.decisions.report import METRIC_COLUMNS, fmt, write_report
from tickercast.decisions.runner import (
    DEFAULT_SESSIONS,
    backtest_ticker,
    load_history,
    log_to_mlflow,
)
from tickercast.models import MODELS

__all__ = ["backtest", "register"]


class StrategyName(StrEnum):
    forecast = "forecast"
    buy_and_hold = "buy-and-hold"


class FillName(StrEnum):
    open = "open"
    close = "close"


def register(app: typer.Typer) -> None:
    app.command("backtest")(backtest)


def _date(value: str | None, option: str) -> dt.date | None:
    if value is None:
        return None
    try:
        return dt.date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(
            f"{value!r} is not a date (YYYY-MM-DD)", param_hint=option
        ) from None


def backtest(
    ticker: Annotated[str, typer.Argument(help="Ticker symbol, e.g. AMZN.")],
    start: Annotated[
        str | None,
        typer.Option(
            "--from",
            help=f"First decision day (default: {DEFAULT_SESSIONS} sessions before the end).",
        ),
    ] = None,
    end: Annotated[
        str | None, typer.Option("--to", help="Last day (default: the last stored bar).")
    ] = None,
    strategy: Annotated[
        StrategyName, typer.Option(help="forecast: trade on the model's forecasts; buy-and-hold.")
    ] = StrategyName.forecast,
    model: Annotated[
        str, typer.Option(help=f"Model forecasting walk-forward ({', '.join(MODELS)}).")
    ] = "lightgbm",
    stored: Annotated[
        bool,
        typer.Option(
            "--stored",
            help="Use the champion's stored walk-forward forecasts (fast) "
            "instead of running the walk-forward now.",
        ),
    ] = False,
    refit_every: Annotated[int, typer.Option(help="Walk-forward: refit every N sessions.")] = 20,
    commission_bps: Annotated[float, typer.Option(help="Commission, bps of traded value.")] = 1.0,
    slippage_bps: Annotated[float, typer.Option(help="Slippage, bps against each fill.")] = 5.0,
    fixed_cost: Annotated[float, typer.Option(help="Fixed cost per trade (currency).")] = 0.0,
    fill: Annotated[
        FillName, typer.Option(help="Fill decisions at the next open, or at the decision close.")
    ] = FillName.open,
    max_weight: Annotated[float, typer.Option(help="Largest position, fraction of equity.")] = 1.0,
    target_vol: Annotated[
        float | None, typer.Option(help="Size by volatility targeting (annualised, e.g. 0.15).")
    ] = None,
    kelly_fraction: Annotated[
        float | None, typer.Option(help="Size by fractional Kelly (default 0.25 if no target vol).")
    ] = None,
    allow_short: Annotated[
        bool, typer.Option("--allow-short", help="Allow short positions.")
    ] = False,
    max_adv_share: Annotated[
        float, typer.Option(help="One trade moves at most this share of the 20-day average volume.")
    ] = 0.01,
    min_edge_bps: Annotated[
        float,
        typer.Option(
            help="Trade only when the expected edge after costs exceeds this (bps of equity)."
        ),
    ] = 1.0,
    initial_cash: Annotated[float, typer.Option(help="Starting cash.")] = 100_000.0,
    risk_free: Annotated[
        float, typer.Option(help="Annual risk-free rate for Sharpe/Sortino.")
    ] = 0.0,
    random: Annotated[
        int, typer.Option("--random", help="Random strategies (seeds) for the verdict.")
    ] = 200,
    seed: Annotated[int, typer.Option(help="First seed of the random strategies.")] = 0,
    report: Annotated[Path | None, typer.Option(help="Write an HTML report to this path.")] = None,
    positions_out: Annotated[
        Path | None,
        typer.Option(help="Write daily positions, trades, fills, costs and equity (CSV)."),
    ] = None,
    mlflow: Annotated[
        bool, typer.Option("--mlflow/--no-mlflow", help="Log the backtest to MLflow.")
    ] = True,
    progress: Annotated[
        bool, typer.Option("--progress/--no-progress", help="Progress on stderr.")
    ] = True,
    as_json: Annotated[bool, typer.Option("--json", help="Print every metric as JSON.")] = False,
) -> None:
    """Backtest buy/sell/hold decisions on walk-forward forecasts, with costs, against
    buy-and-hold, cash and random strategies of the same exposure and turnover."""
    settings = get_settings()
    if model not in MODELS:
        raise typer.BadParameter(f"{model!r}; available: {', '.join(MODELS)}", param_hint="--model")
    config = BacktestConfig(
        costs=Costs(commission_bps, slippage_bps, fixed_cost),
        risk=RiskLimits(
            max_weight=max_weight,
            target_vol=target_vol,
            kelly_fraction=kelly_fraction,
            allow_short=allow_short,
            max_adv_share=max_adv_share,
            min_edge_bps=min_edge_bps,
        ),
        fill=fill.value,
        strategy=strategy.value,
        initial_cash=initial_cash,
        risk_free=risk_free,
        n_random=random,
        seed=seed,
    )
    history = load_history(ticker, settings)
    table = None
    if stored and strategy is StrategyName.forecast:
        from tickercast.training import registry

        frame, source = registry.load_champion_walkforward(history.ticker, settings)
        table = ForecastTable.from_frame(frame, source)
    result = backtest_ticker(
        history,
        config,
        start=_date(start, "--from"),
        end=_date(end, "--to"),
        model=model,
        stored=table,
        refit_every=refit_every,
        progress=progress and not as_json,
    )
    if positions_out is not None:
        positions_out.parent.mkdir(parents=True, exist_ok=True)
        result.strategy.frame().to_csv(positions_out, index=False)
    if report is not None:
        write_report(result, report)
    run_id = None
    if mlflow:
        run_id = log_to_mlflow(result, settings, {"model": model if table is None else "champion"})
    if as_json:
        out = result.to_dict()
        out.update(
            report=str(report) if report else None,
            positions_out=str(positions_out) if positions_out else None,
            mlflow_run_id=run_id,
        )
        print_json(out)
        return
    console.print(_table(result))
    style = "green" if result.verdict.distinguishable else "yellow"
    console.print(f"[{style}]{result.verdict.line}[/{style}]", highlight=False)
    for path, what in ((report, "report"), (positions_out, "positions")):
        if path is not None:
            err_console.print(f"{what} written to {path}")
    if run_id:
        err_console.print(f"logged to MLflow run {run_id}")


def _table(result: BacktestReport) -> Table:
    c = result.config.costs
    sessions = len(result.strategy.bars)
    table = Table(
        title=f"{result.ticker}: {result.start} .. {result.end} ({sessions} sessions), "
        f"costs {c.commission_bps:g} + {c.slippage_bps:g} bps + {c.fixed:g} fixed, "
        f"fill at {'next open' if result.config.fill == 'open' else 'close'}"
    )
    table.add_column("")
    for _, label, _ in METRIC_COLUMNS:
        table.add_column(label, justify="right")
    rows = {
        **result.metrics,
        f"random x{result.config.n_random} (mean)": {
            k: v["mean"] for k, v in result.random_metrics.items()
        },
    }
    for name, m in rows.items():
        table.add_row(name, *(fmt(m.get(key), kind) for key, _, kind in METRIC_COLUMNS))
    return table
