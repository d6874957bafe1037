"""Backtest a stored ticker end to end: its bars from the database, out-of-sample forecasts
(walk-forward now, or the champion's stored ones), the run, and the MLflow record.

What the CLI calls; the pieces stay testable without a database (``backtest.run_backtest``).
"""

from __future__ import annotations

import datetime as dt
import json
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from tickercast.config import Settings
from tickercast.decisions.backtest import BacktestConfig, BacktestReport, run_backtest
from tickercast.decisions.engine import Bars
from tickercast.decisions.forecasts import ForecastTable, align, walk_forward_forecasts
from tickercast.decisions.report import write_report
from tickercast.errors import DataError, TickerNotFound

if TYPE_CHECKING:
    from sqlalchemy.orm import Session

__all__ = [
    "DEFAULT_SESSIONS",
    "History",
    "backtest_ticker",
    "load_history",
    "log_to_mlflow",
    "read_history",
]

DEFAULT_SESSIONS = 500
"""Sessions backtested when no start is given (the same span ``validate`` tests by default)."""


@dataclass(frozen=True)
class History:
    """A ticker's whole stored history, ascending (opens NaN where the source had none)."""

    ticker: str
    dates: np.ndarray  # datetime64[D]
    open: np.ndarray
    close: np.ndarray
    volume: np.ndarray

    def bars(self, a: int, b: int) -> Bars:
        """Bars from index ``a`` to ``b`` inclusive."""
        s = slice(a, b + 1)
        return Bars(self.dates[s], self.open[s], self.close[s], self.volume[s])


def load_history(ticker: str, settings: Settings) -> History:
    from tickercast.storage.db import session_scope

    with session_scope(settings) as session:
        return read_history(session, ticker)


def read_history(session: Session, ticker: str) -> History:
    """A ticker's stored bars through an open session (``TickerNotFound`` if unknown)."""
    from tickercast.storage import repository

    ticker_id = repository.get_ticker_id(session=session, symbol=ticker)
    if ticker_id is None:
        raise TickerNotFound(ticker.upper())
    frame = repository.get_bars_frame(session=session, ticker_id=ticker_id)
    if len(frame) < 2:
        raise DataError(f"{ticker.upper()} has {len(frame)} stored bars; a backtest needs more")
    return History(
        ticker=ticker.upper(),
        dates=frame["date"].to_numpy().astype("datetime64[D]"),
        open=pd.to_numeric(frame["open"], errors="coerce").to_numpy(np.float64),
        close=frame["close"].to_numpy(np.float64),
        volume=pd.to_numeric(frame["volume"], errors="coerce").to_numpy(np.float64),
    )


def _period(
    dates: np.ndarray, start: dt.date | None, end: dt.date | None, default_first: int
) -> tuple[int, int]:
    b = (
        len(dates) - 1
        if end is None
        else int(np.searchsorted(dates, np.datetime64(end), "right")) - 1
    )
    a = (
        default_first
        if start is None
        else int(np.searchsorted(dates, np.datetime64(start), "left"))
    )
    if b < 0 or a >= len(dates) or b - a < 1:
        raise DataError(
            f"the period {start or 'start'} .. {end or 'end'} holds fewer than 2 stored bars "
            f"(history {str(dates[0])[:10]} .. {str(dates[-1])[:10]})"
        )
    return max(a, 0), b


def backtest_ticker(
    history: History,
    config: BacktestConfig,
    *,
    start: dt.date | None = None,
    end: dt.date | None = None,
    model: str = "lightgbm",
    stored: ForecastTable | None = None,
    refit_every: int = 20,
    progress: bool = False,
) -> BacktestReport:
    """Decide on every session of ``[start, end]`` from forecasts made before it."""
    dates = history.dates
    if stored is not None:
        first_target = int(np.searchsorted(dates, stored.target_dates.min()))
        default_first = max(first_target - 1, 0)
    else:
        default_first = max(len(dates) - 1 - DEFAULT_SESSIONS, 0)
    a, b = _period(dates, start, end, default_first)
    bars = history.bars(a, b)
    if config.strategy == "buy-and-hold":
        return run_backtest(bars, None, config, ticker=history.ticker)
    if stored is None:
        table = walk_forward_forecasts(
            model,
            history.close[: b + 1],
            dates[: b + 1],
            first_target=a + 1,
            refit_every=refit_every,
            progress=progress,
        )
    else:
        table = stored
    dist = align(table, bars.dates, bars.close)
    return run_backtest(bars, dist, config, ticker=history.ticker, forecast_source=table.source)


def _flat_metrics(report: BacktestReport) -> dict[str, float]:
    out: dict[str, float] = {}
    for name, metrics in report.metrics.items():
        prefix = name.replace("-", "_")
        out.update({f"{prefix}_{k}": v for k, v in metrics.items()})
    out.update({f"random_mean_{k}": v["mean"] for k, v in report.random_metrics.items()})
    out["p_value"] = report.verdict.p_value
    out["excess_sharpe"] = report.verdict.excess_sharpe
    return out


def log_to_mlflow(report: BacktestReport, settings: Settings, params: dict[str, Any]) -> str:
    """One MLflow run per backtest: parameters, every metric, positions, report and JSON."""
    from tickercast.training import registry

    cfg = report.config
    all_params = {
        "strategy": cfg.strategy,
        "start": report.start,
        "end": report.end,
        "fill": cfg.fill,
        "commission_bps": cfg.costs.commission_bps,
        "slippage_bps": cfg.costs.slippage_bps,
        "fixed_cost": cfg.costs.fixed,
        "max_weight": cfg.risk.max_weight,
        "target_vol": cfg.risk.target_vol,
        "kelly_fraction": cfg.risk.kelly_fraction,
        "allow_short": cfg.risk.allow_short,
        "max_adv_share": cfg.risk.max_adv_share,
        "min_edge_bps": cfg.risk.min_edge_bps,
        "initial_cash": cfg.initial_cash,
        "n_random": cfg.n_random,
        "forecast_source": report.forecast_source,
        **params,
    }
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "backtest"
        root.mkdir()
        report.strategy.frame().to_csv(root / "positions.csv", index=False)
        (root / "backtest.json").write_text(json.dumps(report.to_dict(), indent=2, default=str))
        write_report(report, root / "report.html")
        return registry.log_backtest_run(
            report.ticker or "series",
            params=all_params,
            metrics=_flat_metrics(report),
            artifacts=Path(tmp),
            note=report.verdict.line,
            settings=settings,
        )
