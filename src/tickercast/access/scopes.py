"""Scopes a key may hold. They are independent: an admin key does not read unless it has
``read`` too, so an operator hands out exactly what a client needs."""

from __future__ import annotations

from enum import StrEnum

from tickercast.errors import ValidationError

__all__ = ["Scope", "format_scopes", "parse_scopes"]


class Scope(StrEnum):
    PREDICT = "predict"  # POST predictions, GET forecasts
    READ = "read"  # prices, stored predictions, accuracy, models, feed, dashboard, docs
    ADMIN = "admin"  # reload, key management, /metrics, anything that changes state


def parse_scopes(text: str | list[str]) -> frozenset[Scope]:
    """``"predict,read"`` (or a list) to scopes; an unknown name is a ValidationError naming it."""
    parts = text.split(",") if isinstance(text, str) else text
    names = [p.strip().lower() for p in parts if p.strip()]
    known = {s.value for s in Scope}
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValidationError(
            f"unknown scope {unknown[0]!r}; scopes are {', '.join(sorted(known))}"
        )
    if not names:
        raise ValidationError(f"a key needs at least one scope of {', '.join(sorted(known))}")
    return frozenset(Scope(n) for n in names)


def format_scopes(scopes: frozenset[Scope]) -> str:
    return ",".join(sorted(s.value for s in scopes))
