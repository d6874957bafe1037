"""What a drift check reports: each check with its statistic, threshold and window."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from typing import Any, Literal

__all__ = ["Check", "DriftReport", "Kind", "Status", "worst"]

Status = Literal["ok", "warning", "drift", "n/a"]
Kind = Literal["input", "performance", "calibration"]
_RANK = {"n/a": 0, "ok": 1, "warning": 2, "drift": 3}


@dataclass(frozen=True)
class Check:
    """One monitor's verdict. ``rule`` says how ``statistic`` (or ``p_value``) meets
    ``threshold`` for drift; ``window`` is the trading days it looks at."""

    name: str
    kind: Kind
    status: Status
    statistic: float | None
    threshold: float
    rule: str
    window: int
    p_value: float | None = None
    detail: str = ""

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def worst(statuses: Sequence[Status]) -> Status:
    """The most severe status; "ok" when every check is n/a or there are none."""
    top: Status = max(statuses, key=_RANK.__getitem__, default="ok")
    return "ok" if top == "n/a" else top


@dataclass(frozen=True)
class DriftReport:
    """A ticker's drift status as of a date, against its champion's training reference."""

    ticker: str
    as_of: str | None
    status: Status
    model_name: str | None
    model_version: str | None
    reference_start: str | None
    reference_end: str | None
    monitored_days: int
    checks: list[Check] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        out = asdict(self)
        out["checks"] = [c.to_dict() for c in self.checks]
        return out

    @property
    def drifted(self) -> list[str]:
        return [c.name for c in self.checks if c.status == "drift"]
