"""Alpha Vantage ``TIME_SERIES_DAILY`` (JSON): raw, unadjusted daily bars; API key required.

Answer: ``{"Meta Data": {...}, "Time Series (Daily)": {"YYYY-MM-DD": {"1. open": "...",
"2. high", "3. low", "4. close", "5. volume"}}}``. Alpha Vantage answers HTTP 200 for
its failures too: ``{"Error Message": ...}`` (unknown symbol, bad call), ``{"Note": ...}``
(call frequency exceeded) and ``{"Information": ...}`` (daily limit reached, invalid key,
premium-only option); each becomes a ProviderError and nothing is stored. ``compact``
(last 100 sessions) is asked for when that covers ``start``; ``full`` is a premium
option. The free key allows 25 requests a day: the default budget.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from tickercast.data.providers.base import RawTable
from tickercast.data.providers.budget import Budget
from tickercast.data.providers.named import NamedProvider

__all__ = ["AlphaVantageProvider"]

_SERIES = "Time Series (Daily)"
_FIELDS = {
    "1. open": "open",
    "2. high": "high",
    "3. low": "low",
    "4. close": "close",
    "5. volume": "volume",
}
_COMPACT_DAYS = 140  # 100 sessions are at least 140 calendar days


class AlphaVantageProvider(NamedProvider):
    name = "alphavantage"
    description = "Alpha Vantage TIME_SERIES_DAILY (JSON), API key"
    key_setting = "alphavantage_api_key"
    default_budget = Budget(25, 86400.0)
    adjusted = "raw (unadjusted)"

    def _fetch(self, symbol: str, start: dt.date | None) -> RawTable:
        compact = start is not None and (dt.date.today() - start).days < _COMPACT_DAYS
        url = f"{self.base_url}/query"
        params = {
            "function": "TIME_SERIES_DAILY",
            "symbol": symbol,
            "outputsize": "compact" if compact else "full",
            "datatype": "json",
            "apikey": self.key or "",
        }
        response = self.client.get(url, params=params)
        origin = f"{url}?function=TIME_SERIES_DAILY&symbol={symbol}"
        if response.status_code >= 400:
            raise self._fail(f"{symbol}: HTTP {response.status_code}: {response.text[:120]!r}")
        payload = self._json(response.text)
        for key, meaning in (
            ("Error Message", "rejected the request"),
            ("Note", "refused: call frequency limit"),
            ("Information", "refused"),
        ):
            if key in payload:
                raise self._fail(f"{symbol}: {meaning}: {payload[key]}")
        series = payload.get(_SERIES)
        if not isinstance(series, dict):
            raise self._fail(f"{symbol}: answer has no {_SERIES!r}; keys are {list(payload)}")
        days = sorted(d for d in series if start is None or d >= start.isoformat())
        frame = pd.DataFrame(
            {
                "date": days,
                **{
                    name: [str(series[d].get(field, "")) for d in days]
                    for field, name in _FIELDS.items()
                },
            },
            dtype=str,
        )
        return self._table(frame, origin) if days else self._empty(origin)

    def _json(self, text: str) -> dict[str, Any]:
        try:
            payload = json.loads(text)
        except json.JSONDecodeError as exc:
            kind = "an HTML page" if text.lstrip()[:1] == "<" else "invalid JSON"
            raise self._fail(f"answered {kind} ({exc}): {text[:80]!r}") from exc
        if not isinstance(payload, dict):
            raise self._fail(f"answered JSON that is not an object: {text[:80]!r}")
        return payload
