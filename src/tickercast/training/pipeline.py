"""The services the CLI and the API call: validate models, train (and register) one, and
bootstrap a validated champion. They take arrays, not a database, so tests need none.
"""

from __future__ import annotations

import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from tickercast.config import Settings
from tickercast.errors import ConfigError
from tickercast.models import MODELS, Forecaster, create_model
from tickercast.models.base import check_prices
from tickercast.training import gate, registry
from tickercast.training.metrics import evaluate
from tickercast.training.registry import PromotionDecision
from tickercast.training.report import metrics_rows, write_report
from tickercast.training.walkforward import WalkForwardResult, walk_forward

__all__ = [
    "TrainResult",
    "ValidationReport",
    "bootstrap_champion",
    "parse_models",
    "train",
    "validate",
]

BOOTSTRAP_MODEL = "lightgbm"


@dataclass
class ValidationReport:
    """Walk-forward results and metrics of several models on the same test days."""

    ticker: str | None
    test_days: int
    refit_every: int
    levels: tuple[int, ...]
    results: dict[str, WalkForwardResult]
    metrics: dict[str, dict[str, Any]]
    seconds: dict[str, float] = field(default_factory=dict)

    @property
    def test_start(self) -> str | None:
        return _date_str(next(iter(self.results.values())).dates, 0)

    @property
    def test_end(self) -> str | None:
        return _date_str(next(iter(self.results.values())).dates, -1)

    def rows(self) -> list[dict[str, Any]]:
        return metrics_rows(self.metrics)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready summary (what ``validate --json`` prints)."""
        return {
            "ticker": self.ticker,
            "test_days": self.test_days,
            "refit_every": self.refit_every,
            "test_start": self.test_start,
            "test_end": self.test_end,
            "levels": list(self.levels),
            "models": [
                {**row, "seconds": round(self.seconds.get(row["model"], 0.0), 2)}
                for row in _json_safe(self.rows())
            ],
        }

    def frame(self, model: str) -> pd.DataFrame:
        """Every walk-forward forecast of one model, with naive's, as a table."""
        res = self.results[model]
        data: dict[str, Any] = {
            "date": [str(d)[:10] for d in res.dates] if res.dates is not None else res.index,
            "actual": res.actual,
            "last": res.last,
            "point": res.point,
        }
        for lv in self.levels:
            data[f"lower_{lv}"] = res.lower[lv]
            data[f"upper_{lv}"] = res.upper[lv]
        return pd.DataFrame(data)

    def write_report(self, path: Path) -> Path:
        title = f"tickercast walk-forward validation - {self.ticker or 'series'}"
        notes = [
            f"test period {self.test_start} .. {self.test_end} ({self.test_days} days), "
            f"expanding window, refit every {self.refit_every} days",
            "relative_mae = MAE / naive MAE on the same days (< 1 beats naive); "
            "lag_copy = 1 - mean|forecast - last| / mean|actual - last| (1 = copies last close)",
            "intervals: conformal on volatility-normalised out-of-sample residuals, "
            "adaptive level (Gibbs & Candes); widths in % of the last close",
        ]
        return write_report(path, title, self.metrics, self.results, self.levels, notes)


def _date_str(dates: np.ndarray | None, i: int) -> str | None:
    return None if dates is None or len(dates) == 0 else str(dates[i])[:10]


def _json_safe(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and not np.isfinite(v):
            return None
        return v

    return [{k: clean(v) for k, v in row.items()} for row in rows]


def parse_models(spec: str | Sequence[str]) -> list[str]:
    """``"naive,lstm"`` -> checked list of model names (naive always first, no duplicates)."""
    names = [s.strip() for s in spec.split(",")] if isinstance(spec, str) else list(spec)
    names = [n for n in names if n]
    unknown = [n for n in names if n not in MODELS]
    if unknown:
        raise ConfigError(
            f"unknown model(s) {', '.join(map(repr, unknown))}; available: {', '.join(MODELS)}"
        )
    return ["naive", *dict.fromkeys(n for n in names if n != "naive")]


def validate(
    prices: np.ndarray,
    dates: np.ndarray | None = None,
    models: str | Sequence[str] = ("naive", "lightgbm"),
    *,
    ticker: str | None = None,
    test_days: int = 500,
    refit_every: int = 20,
    levels: Sequence[int] = (80, 95),
    params: Mapping[str, Mapping[str, Any]] | None = None,
    progress: bool = False,
) -> ValidationReport:
    """Walk-forward every model (naive included) on the same last ``test_days`` closes."""
    p = check_prices(prices)
    names = parse_models(models)
    params = params or {}
    results: dict[str, WalkForwardResult] = {}
    seconds: dict[str, float] = {}
    for name in names:
        t0 = time.perf_counter()
        results[name] = walk_forward(
            name,
            p,
            dates,
            test_days=test_days,
            refit_every=refit_every,
            levels=levels,
            params=params.get(name),
            progress=progress,
        )
        seconds[name] = time.perf_counter() - t0
    insample = p[max(p.size - 2 * test_days - 1, 0) : p.size - test_days]
    metrics = {
        name: evaluate(r.actual, r.point, r.last, insample=insample, lower=r.lower, upper=r.upper)
        for name, r in results.items()
    }
    return ValidationReport(
        ticker=ticker.upper() if ticker else None,
        test_days=test_days,
        refit_every=refit_every,
        levels=tuple(levels),
        results=results,
        metrics=metrics,
        seconds=seconds,
    )


@dataclass
class TrainResult:
    """A trained model, its validation, and (with ``register``) its version and gate verdict."""

    ticker: str
    model: Forecaster
    run_id: str
    version: str | None
    validation: ValidationReport
    decision: PromotionDecision | None
    naive_version: str | None = None
    verdict: gate.GateVerdict | None = None

    @property
    def metrics(self) -> dict[str, Any]:
        return self.validation.metrics[self.model.name]

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "model": self.model.name,
            "run_id": self.run_id,
            "version": self.version,
            "naive_version": self.naive_version,
            "relative_mae": self.metrics["relative_mae"],
            "vs_naive": self.verdict.to_dict() if self.verdict else None,
            "decision": self.decision.to_dict() if self.decision else None,
        }


def _fit_final(
    name: str,
    prices: np.ndarray,
    dates: np.ndarray | None,
    wf: WalkForwardResult,
    params: Mapping[str, Any] | None,
    progress: bool,
) -> Forecaster:
    """Fit on all prices; intervals from the walk-forward's out-of-sample scores and level."""
    model = create_model(name, **(params or {})).fit(prices, dates, progress=progress)
    horizon_q = model.calibration_.horizon_q
    model.calibration_ = wf.calibration(model.vol_ref_, model.vol_weight)
    model.calibration_.horizon_q = horizon_q
    return model


def _log(
    ticker: str,
    model: Forecaster,
    report: ValidationReport,
    settings: Settings,
    report_dir: Path,
) -> str:
    return registry.log_training_run(
        ticker,
        model,
        metrics=report.metrics[model.name],
        naive_metrics=report.metrics["naive"],
        walkforward=report.frame(model.name),
        settings=settings,
        run_params={
            "test_days": report.test_days,
            "refit_every": report.refit_every,
            "test_start": report.test_start,
            "test_end": report.test_end,
        },
        report_path=report_dir / "report.html",
    )


def train(
    ticker: str,
    model_name: str,
    prices: np.ndarray,
    dates: np.ndarray | None,
    settings: Settings,
    *,
    register: bool = False,
    params: Mapping[str, Any] | None = None,
    test_days: int = 500,
    refit_every: int = 20,
    progress: bool = False,
) -> TrainResult:
    """Validate ``model_name`` against naive, fit it on all data, log the run to MLflow and,
    with ``register``, add a version and run the promotion gate (registering a naive version
    first if the ticker has none, so naive can be champion when nothing beats it)."""
    ticker = registry.check_ticker(ticker)
    p = check_prices(prices)
    report = validate(
        p,
        dates,
        [model_name],
        ticker=ticker,
        test_days=test_days,
        refit_every=refit_every,
        params={model_name: params or {}},
        progress=progress,
    )
    model = _fit_final(model_name, p, dates, report.results[model_name], params, progress)
    with tempfile.TemporaryDirectory() as tmp:
        report.write_report(Path(tmp) / "report.html")
        run_id = _log(ticker, model, report, settings, Path(tmp))
        version = decision = naive_version = None
        if register:
            if model_name != "naive" and not registry.has_naive_version(ticker, settings):
                naive = _fit_final("naive", p, dates, report.results["naive"], None, False)
                naive_run = _log(ticker, naive, report, settings, Path(tmp))
                naive_version = _register(ticker, naive_run, naive, report, settings)
            version = _register(ticker, run_id, model, report, settings)
            decision = registry.promote(ticker, version, force=False, settings=settings)
    verdict = gate.versus_naive(
        report.frame(model_name), alpha=settings.gate_alpha, loss=settings.gate_loss
    )
    return TrainResult(ticker, model, run_id, version, report, decision, naive_version, verdict)


def _register(
    ticker: str, run_id: str, model: Forecaster, report: ValidationReport, settings: Settings
) -> str:
    verdict = gate.versus_naive(
        report.frame(model.name), alpha=settings.gate_alpha, loss=settings.gate_loss
    )
    return registry.register_version(
        ticker,
        run_id,
        model=model,
        metrics=report.metrics[model.name],
        test_start=report.test_start,
        test_end=report.test_end,
        settings=settings,
        significance=verdict,
    )


def bootstrap_champion(
    ticker: str,
    settings: Settings,
    prices: np.ndarray,
    dates: np.ndarray | None,
    *,
    test_days: int = 250,
    refit_every: int = 50,
    progress: bool = False,
) -> PromotionDecision:
    """Leave a validated champion for ``ticker`` (used by ``tickercast init``; ~10 s).

    Registers naive and the non-deep model on one shorter walk-forward and lets the gate
    choose; naive is champion unless LightGBM beats it. A ticker that already has a champion
    is left alone.
    """
    ticker = registry.check_ticker(ticker)
    current = registry.get_champion_version(ticker, settings)
    if current is not None:
        return PromotionDecision(
            ticker, current, True, current, f"{ticker} already has champion version {current}."
        )
    result = train(
        ticker,
        BOOTSTRAP_MODEL,
        prices,
        dates,
        settings,
        register=True,
        test_days=test_days,
        refit_every=refit_every,
        progress=progress,
    )
    assert result.decision is not None
    return result.decision
