"""When to retrain: on drift, when the champion is too old, or on demand."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from tickercast.monitoring.report import DriftReport

__all__ = ["RetrainPolicy", "Trigger", "trigger_for"]

Trigger = Literal["drift", "max_age", "on_demand"]


@dataclass(frozen=True)
class RetrainPolicy:
    """``max_age_days`` counts trading days (bars) since the champion's training end."""

    on_drift: bool = True
    max_age_days: int = 250


def trigger_for(report: DriftReport, policy: RetrainPolicy) -> Trigger | None:
    """Why the ticker should be retrained now, or None when it should not."""
    if policy.on_drift and report.status == "drift":
        return "drift"
    if report.monitored_days >= policy.max_age_days:
        return "max_age"
    return None
