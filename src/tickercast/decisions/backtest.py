"""One backtest: the strategy and its yardsticks on the same bars and costs, with metrics and
the verdict. The CLI, the API and the benchmarks all call ``run_backtest``."""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

import numpy as np

from tickercast.decisions import benchmarks
from tickercast.decisions.distribution import ReturnDistribution
from tickercast.decisions.engine import Bars, Fill, PathResult, run_policy
from tickercast.decisions.metrics import performance
from tickercast.decisions.policy import Costs, RiskLimits, sizing_weight
from tickercast.decisions.verdict import Verdict, judge
from tickercast.errors import ValidationError

__all__ = ["BacktestConfig", "BacktestReport", "Strategy", "run_backtest"]

Strategy = Literal["forecast", "buy-and-hold"]


@dataclass(frozen=True)
class BacktestConfig:
    costs: Costs = field(default_factory=Costs)
    risk: RiskLimits = field(default_factory=RiskLimits)
    fill: Fill = "open"
    strategy: Strategy = "forecast"
    initial_cash: float = 100_000.0
    risk_free: float = 0.0
    n_random: int = 200
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


@dataclass
class BacktestReport:
    ticker: str | None
    config: BacktestConfig
    forecast_source: str | None
    strategy: PathResult
    benchmarks: dict[str, PathResult]
    metrics: dict[str, dict[str, Any]]
    random_metrics: dict[str, dict[str, float]]
    verdict: Verdict
    random_band: dict[str, np.ndarray] = field(default_factory=dict)  # equity p05/p50/p95

    @property
    def start(self) -> str:
        return str(self.strategy.bars.dates[0])[:10]

    @property
    def end(self) -> str:
        return str(self.strategy.bars.dates[-1])[:10]

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (``backtest --json``): metrics of the strategy and every benchmark."""
        return _clean(
            {
                "ticker": self.ticker,
                "start": self.start,
                "end": self.end,
                "sessions": len(self.strategy.bars),
                "strategy": self.config.strategy,
                "forecast_source": self.forecast_source,
                "config": self.config.to_dict(),
                "metrics": self.metrics,
                "random": self.random_metrics,
                "verdict": self.verdict.to_dict(),
            }
        )


def _clean(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    return value


def _summary(rows: list[dict[str, Any]]) -> dict[str, dict[str, float]]:
    """Mean, median and 5th/95th percentiles of every metric over the random strategies."""
    if not rows:
        return {}
    out: dict[str, dict[str, float]] = {}
    for key in rows[0]:
        values = np.array([r[key] for r in rows], dtype=np.float64)
        values = values[np.isfinite(values)]
        if values.size == 0:
            out[key] = {"mean": math.nan, "median": math.nan, "p05": math.nan, "p95": math.nan}
            continue
        out[key] = {
            "mean": float(values.mean()),
            "median": float(np.median(values)),
            "p05": float(np.percentile(values, 5)),
            "p95": float(np.percentile(values, 95)),
        }
    return out


def run_backtest(
    bars: Bars,
    distribution: ReturnDistribution | None,
    config: BacktestConfig,
    *,
    ticker: str | None = None,
    forecast_source: str | None = None,
) -> BacktestReport:
    """Strategy vs buy-and-hold vs cash vs random re-timings, same bars and costs."""
    cfg = config
    bh = benchmarks.buy_and_hold(
        bars, costs=cfg.costs, fill=cfg.fill, initial_cash=cfg.initial_cash
    )
    if cfg.strategy == "buy-and-hold":
        strategy = bh
    else:
        if distribution is None or len(distribution) != len(bars):
            raise ValidationError("the forecast strategy needs one return distribution per bar")
        target = sizing_weight(distribution.mu, distribution.sigma, cfg.risk)
        strategy = run_policy(
            bars,
            target,
            distribution.mu,
            costs=cfg.costs,
            risk=cfg.risk,
            fill=cfg.fill,
            initial_cash=cfg.initial_cash,
        )
    yardsticks = {
        "buy-and-hold": bh,
        "cash": benchmarks.cash(bars, initial_cash=cfg.initial_cash),
    }
    randoms = benchmarks.random_strategies(
        strategy, costs=cfg.costs, risk=cfg.risk, fill=cfg.fill, n=cfg.n_random, seed=cfg.seed
    )
    metrics = {"strategy": performance(strategy, cfg.risk_free)}
    metrics.update({name: performance(p, cfg.risk_free) for name, p in yardsticks.items()})
    random_rows = [performance(p, cfg.risk_free) for p in randoms]
    verdict = judge(
        metrics["strategy"]["sharpe"],
        metrics["buy-and-hold"]["sharpe"],
        np.array([r["sharpe"] for r in random_rows]),
        trades=strategy.n_trades,
    )
    band: dict[str, np.ndarray] = {}
    if randoms:
        curves = np.stack([p.equity for p in randoms])
        band = {f"p{q:02d}": np.percentile(curves, q, axis=0) for q in (5, 50, 95)}
    return BacktestReport(
        ticker=ticker,
        config=cfg,
        forecast_source=forecast_source if cfg.strategy == "forecast" else None,
        strategy=strategy,
        benchmarks=yardsticks,
        metrics=metrics,
        random_metrics=_summary(random_rows),
        verdict=verdict,
        random_band=band,
    )
