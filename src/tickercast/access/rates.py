"""Parsing what an operator writes for limits and lifetimes: ``600/minute``, ``100000/day``,
``none``, ``90d``."""

from __future__ import annotations

import datetime as dt
import re

from limits import RateLimitItem, parse

from tickercast.errors import ValidationError

__all__ = ["parse_duration", "parse_quota", "parse_rate"]

_DURATION = re.compile(r"(\d+)\s*([smhdw])")
_UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def parse_rate(text: str | None) -> RateLimitItem | None:
    """``"600/minute"`` (any `limits` expression with one window), or None for ``none``."""
    if text is None or text.strip().lower() in ("", "none", "unlimited"):
        return None
    try:
        item = parse(text)
    except ValueError:
        raise ValidationError(
            f"rate {text!r} is not N/second, N/minute, N/hour or N/day (e.g. 600/minute)"
        ) from None
    if item.amount < 1:
        raise ValidationError(f"rate {text!r} allows nothing; use at least 1 or 'none'")
    return item


def parse_quota(text: str | None) -> RateLimitItem | None:
    """A daily quota ``"100000/day"``: it resets at midnight UTC."""
    item = parse_rate(text)
    if item is not None and (item.GRANULARITY.name != "day" or item.multiples != 1):
        raise ValidationError(f"quota {text!r} must be per day, e.g. 100000/day")
    return item


def parse_duration(text: str) -> dt.timedelta:
    """``90d``, ``12h``, ``30m``, ``45s``, ``2w`` (or combinations like ``1d12h``)."""
    compact = text.strip().lower()
    parts = _DURATION.findall(compact)
    if not parts or _DURATION.sub("", compact).strip():
        raise ValidationError(f"duration {text!r} is not like 90d, 12h, 30m or 45s")
    seconds = sum(int(n) * _UNITS[u] for n, u in parts)
    if seconds > 100 * 365 * 86400:
        raise ValidationError(f"duration {text!r} is over 100 years")
    if seconds <= 0:
        raise ValidationError(f"duration {text!r} must be longer than zero")
    return dt.timedelta(seconds=seconds)
