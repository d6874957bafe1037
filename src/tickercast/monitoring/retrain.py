"""Retrain a ticker: data up to now, walk-forward on the recent window, the gate, a record.

The record goes to MLflow: the new run carries the trigger, the drift report that caused it
and the gate's decision (tags + ``retrain/drift.json``), and the new version is tagged with the
trigger, the decision and the data date, which ``GET /v1/models/{t}/history`` reads back.
Runs in the worker process or the CLI, never in a request.

When the gate refuses the candidate, naive is refreshed if naive was serving: a naive fitted
on the same data becomes champion ("refreshed"), so the intervals are calibrated on recent
returns, drift is measured against a recent reference and the champion's age starts again
(else a naive of years ago would serve, drift and be retrained at every check). The same
happens to a champion the drift report finds significantly worse than naive on its days out
of sample: a refused candidate must not leave a model that lost to naive serving.
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import Any

import numpy as np

from tickercast.config import Settings
from tickercast.errors import ModelNotFound
from tickercast.monitoring.policy import RetrainPolicy, Trigger, trigger_for
from tickercast.monitoring.report import DriftReport
from tickercast.monitoring.service import drift_report_for

__all__ = ["RetrainOutcome", "retrain"]


@dataclass
class RetrainOutcome:
    """What ``tickercast retrain`` prints: trigger, candidate metrics and p-values, decision."""

    ticker: str
    trigger: Trigger | None
    retrained: bool
    reason: str
    drift: DriftReport | None
    version: str | None = None
    run_id: str | None = None
    candidate: dict[str, Any] | None = None
    decision: dict[str, Any] | None = None
    naive_refreshed: str | None = None
    """The naive version now serving in place of the old naive, when the gate kept naive."""

    def to_dict(self) -> dict[str, Any]:
        return {
            "ticker": self.ticker,
            "trigger": self.trigger,
            "retrained": self.retrained,
            "reason": self.reason,
            "drift": self.drift.to_dict() if self.drift else None,
            "version": self.version,
            "run_id": self.run_id,
            "candidate": self.candidate,
            "decision": self.decision,
            "naive_refreshed": self.naive_refreshed,
        }


def retrain(
    ticker: str,
    settings: Settings,
    *,
    if_drift: bool = False,
    as_of: dt.date | None = None,
    model_name: str | None = None,
    test_days: int | None = None,
    refit_every: int | None = None,
    progress: bool = False,
) -> RetrainOutcome:
    """Retrain on closes up to ``as_of`` (default: all stored). With ``if_drift`` only when the
    policy says so (drift, or a champion older than ``retrain_max_age_days`` bars)."""
    from tickercast.storage.closes import load_closes
    from tickercast.training import pipeline, registry

    ticker = registry.check_ticker(ticker)
    dates, closes = load_closes(ticker, settings)
    if as_of is not None:
        keep = dates <= np.datetime64(as_of, "D")
        dates, closes = dates[keep], closes[keep]
    report: DriftReport | None = None
    trigger: Trigger | None = "on_demand"
    serving: tuple[str, str] | None = None  # the champion's model name and version
    try:
        champion, info = registry.load_champion(ticker, settings)
        report = drift_report_for(ticker, champion, dates, closes, version=info.version)
        serving = (champion.name, info.version)
    except ModelNotFound:
        pass
    if if_drift:
        policy = RetrainPolicy(max_age_days=settings.retrain_max_age_days)
        trigger = trigger_for(report, policy) if report is not None else "on_demand"
        if trigger is None:
            return RetrainOutcome(
                ticker,
                None,
                False,
                f"{ticker} status is {report.status if report else '?'}; no retrain needed "
                f"(champion {report.monitored_days if report else 0} bars old, max "
                f"{settings.retrain_max_age_days})",
                report,
            )
    name = model_name or settings.retrain_model

    def train(model: str, *, progress: bool = False) -> pipeline.TrainResult:
        """Walk-forward, register and gate ``model`` on the closes up to the data end."""
        return pipeline.train(
            ticker,
            model,
            closes,
            dates,
            settings,
            register=True,
            test_days=test_days or settings.retrain_test_days,
            refit_every=refit_every or settings.retrain_refit_every,
            progress=progress,
        )

    result = train(name, progress=progress)
    assert result.decision is not None and result.version is not None
    candidate = {
        "model": name,
        "relative_mae": result.metrics["relative_mae"],
        "vs_naive": result.verdict.to_dict() if result.verdict else None,
        "vs_champion": result.decision.details.get("vs_champion"),
        "test_start": result.validation.test_start,
        "test_end": result.validation.test_end,
    }
    decision = result.decision.to_dict()
    record = functools.partial(
        registry.record_retrain,
        ticker,
        trigger=str(trigger),
        data_date=str(dates[-1]),
        drift=report.to_dict() if report else None,
        settings=settings,
    )
    reason = result.decision.reason
    refreshed = None
    kept = serving if not result.decision.promoted else None  # the champion the gate kept
    note = _why_naive_serves(*kept, report) if kept else None
    if note is not None:
        if name == "naive":  # the candidate is itself the fresh naive
            refreshed, run_id = result.version, result.run_id
        else:
            record(result.run_id, result.version, outcome="refused", decision=decision)
            naive = train("naive")
            assert naive.version is not None
            refreshed, run_id = naive.version, naive.run_id
        registry.refresh_naive(ticker, refreshed, note, settings=settings)
        record(run_id, refreshed, outcome="refreshed", decision={"promoted": True, "reason": note})
        reason = (
            f"{reason} Naive refreshed as version {refreshed} on data up to {dates[-1]}: {note}."
        )
    else:
        promoted = result.decision.promoted
        record(
            result.run_id,
            result.version,
            outcome="promoted" if promoted else "refused",
            decision=decision,
        )
    return RetrainOutcome(
        ticker,
        trigger,
        True,
        reason,
        report,
        result.version,
        result.run_id,
        candidate,
        decision,
        refreshed,
    )


def _why_naive_serves(model: str, version: str, report: DriftReport | None) -> str | None:
    """After a refused candidate: why a fresh naive serves instead of the champion, or None
    when the champion keeps its place (it beat naive through the gate and has not since lost
    to it out of sample)."""
    if model == "naive":
        return "the gate kept naive"
    worse = next((c for c in (report.checks if report else []) if c.name == "performance"), None)
    if worse is None or worse.status != "drift":
        return None
    return (
        f"champion version {version} ({model}) is significantly worse than naive on its last "
        f"{worse.window} days out of sample (DM/HLN p = {worse.p_value:.2g})"
    )
