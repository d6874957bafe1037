"""The canonical bar columns and how source headers map onto them."""

from __future__ import annotations

import re

__all__ = ["CANONICAL", "OPTIONAL", "PRICE_COLUMNS", "REQUIRED", "canonical_name"]

REQUIRED = ("date", "close")
OPTIONAL = ("open", "high", "low", "adj_close", "volume")
CANONICAL = ("date", "open", "high", "low", "close", "adj_close", "volume")
PRICE_COLUMNS = ("open", "high", "low", "close", "adj_close")

_ALIASES = {
    "date": "date",
    "datetime": "date",
    "timestamp": "date",
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adjclose": "adj_close",
    "adjustedclose": "adj_close",
    "volume": "volume",
}


def canonical_name(header: str) -> str | None:
    """``"Adj Close"`` → ``"adj_close"``; ``None`` for a header tickercast does not use."""
    return _ALIASES.get(re.sub(r"[^a-z]", "", header.lower()))
