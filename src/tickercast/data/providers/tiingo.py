"""Tiingo end-of-day prices (``/tiingo/daily/{ticker}/prices``, JSON); API token required.

Answer: a list of ``{"date": "2024-01-02T00:00:00.000Z", "open", "high", "low", "close",
"volume", "adjOpen", ..., "adjClose", "divCash", "splitFactor"}`` (close raw, adjClose
split- and dividend-adjusted); an empty range is ``[]``. tickercast's close is
split-adjusted (as Yahoo's and the bundled files'), so open/high/low/close/volume are
divided by the splits that follow them in the answer (``splitFactor``).
Errors: 404 ``{"detail": "Error: Ticker 'X' not found"}``, 401 ``{"detail": "Invalid
token."}``, 429 over the limit. The token goes in the Authorization header, never the
URL. Free plan: 50 requests an hour, 1000 a day, 500 symbols a month; the default budget
is 50 an hour.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import numpy as np
import pandas as pd

from tickercast.data.providers.base import RawTable
from tickercast.data.providers.budget import Budget
from tickercast.data.providers.named import NamedProvider

__all__ = ["TiingoProvider"]

_FIELDS = {
    "open": "open",
    "high": "high",
    "low": "low",
    "close": "close",
    "adjClose": "adj_close",
    "volume": "volume",
}
_FIRST = dt.date(1962, 1, 2)  # Tiingo returns one year without startDate; ask for all


class TiingoProvider(NamedProvider):
    name = "tiingo"
    description = "Tiingo end-of-day prices (JSON), API token"
    key_setting = "tiingo_api_key"
    default_budget = Budget(50, 3600.0)
    adjusted = "close raw, adj_close split+dividend-adjusted"

    def _fetch(self, symbol: str, start: dt.date | None) -> RawTable:
        url = f"{self.base_url}/tiingo/daily/{symbol.lower()}/prices"
        params = {"startDate": (start or _FIRST).isoformat(), "format": "json"}
        response = self.client.get(
            url, params=params, headers={"Authorization": f"Token {self.key}"}
        )
        origin = f"{url}?startDate={params['startDate']}"
        payload = self._json(response.text, response.status_code)
        if response.status_code >= 400:
            detail = payload.get("detail") if isinstance(payload, dict) else payload
            raise self._fail(f"{symbol}: HTTP {response.status_code}: {detail}")
        if not isinstance(payload, list):
            raise self._fail(f"{symbol}: expected a list of prices, got {response.text[:80]!r}")
        if not payload:
            return self._empty(origin)
        frame = pd.DataFrame(
            {
                "date": [str(r.get("date", ""))[:10] for r in payload],
                **{name: [r.get(field) for r in payload] for field, name in _FIELDS.items()},
            }
        )
        _split_adjust(frame, [r.get("splitFactor") for r in payload])
        return self._table(frame.map(_cell), origin)

    def _json(self, text: str, status: int) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            kind = "an HTML page" if text.lstrip()[:1] == "<" else "invalid JSON"
            raise self._fail(f"answered {kind} (HTTP {status}, {exc}): {text[:80]!r}") from exc


def _split_adjust(frame: pd.DataFrame, factors: list[Any]) -> None:
    """Divide each raw price by the product of the split factors after its date."""
    parsed = pd.to_numeric(pd.Series(factors, dtype=object), errors="coerce").fillna(1.0)
    f = parsed.where(parsed > 0, 1.0).to_numpy(dtype="float64")
    after = np.concatenate([np.cumprod(f[::-1])[::-1][1:], [1.0]])
    if np.all(after == 1.0):
        return
    for column in ("open", "high", "low", "close"):
        values = pd.to_numeric(frame[column], errors="coerce")
        frame[column] = (values / after).where(values.notna(), None)
    volume = pd.to_numeric(frame["volume"], errors="coerce")
    frame["volume"] = (volume * after).round().where(volume.notna(), None)


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() and abs(value) < 2**53 else repr(value)
    return str(value)
