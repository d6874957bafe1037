"""Yahoo Finance's public chart API (``/v8/finance/chart/{symbol}``), the JSON yfinance reads.

Spoken to with httpx rather than through yfinance: yfinance hard-codes Yahoo's hosts (no
base URL for tests or mirrors), fetches cookies and a crumb from other Yahoo pages first,
and brings its own HTTP stack; the chart answer itself is one small JSON document.

Answer: ``chart.result[0]`` holds ``timestamp`` (session start, epoch seconds),
``indicators.quote[0]`` (open/high/low/close/volume, close split-adjusted) and
``indicators.adjclose[0].adjclose`` (split- and dividend-adjusted); dates are taken in
``meta.exchangeTimezoneName``. Errors come as ``chart.error`` (404 for unknown symbols) or
HTTP 429 "Too Many Requests". No key; Yahoo publishes no limit, so the budget is a
conservative 60 requests a minute.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pandas as pd

from tickercast.data.providers.base import RawTable
from tickercast.data.providers.budget import Budget
from tickercast.data.providers.named import NamedProvider

__all__ = ["YahooProvider"]


class YahooProvider(NamedProvider):
    name = "yahoo"
    description = "Yahoo Finance chart API (JSON), no key"
    default_budget = Budget(60, 60.0)
    adjusted = "close split-adjusted, adj_close split+dividend-adjusted"

    def _fetch(self, symbol: str, start: dt.date | None) -> RawTable:
        url = f"{self.base_url}/v8/finance/chart/{symbol}"
        params = {"interval": "1d", "events": "div,split", "includeAdjustedClose": "true"}
        if start is None:
            params["range"] = "max"
        else:
            begin = dt.datetime.combine(start, dt.time(), dt.UTC)
            params["period1"] = str(int(begin.timestamp()))
            params["period2"] = str(int(dt.datetime.now(dt.UTC).timestamp()) + 86400)
        response = self.client.get(url, params=params)
        origin = f"{url} ({symbol})"
        payload = self._json(response.text, response.status_code)
        chart = payload.get("chart") if isinstance(payload, dict) else None
        if not isinstance(chart, dict):
            raise self._fail(f"{symbol}: answer has no 'chart' object: {response.text[:120]!r}")
        error = chart.get("error")
        if error:
            what = (
                error.get("description") or error.get("code") if isinstance(error, dict) else error
            )
            raise self._fail(f"{symbol}: {what} (HTTP {response.status_code})")
        if response.status_code >= 400:
            raise self._fail(f"{symbol}: HTTP {response.status_code}: {response.text[:120]!r}")
        results = chart.get("result") or []
        if not results:
            raise self._fail(f"{symbol}: the answer holds no result")
        return self._frame(results[0], origin)

    def _json(self, text: str, status: int) -> Any:
        try:
            return json.loads(text)
        except json.JSONDecodeError as exc:
            kind = "an HTML page" if text.lstrip()[:1] == "<" else "invalid JSON"
            raise self._fail(f"answered {kind} (HTTP {status}, {exc}): {text[:80]!r}") from exc

    def _frame(self, result: dict[str, Any], origin: str) -> RawTable:
        stamps = result.get("timestamp") or []
        if not stamps:
            return self._empty(origin)
        zone = (result.get("meta") or {}).get("exchangeTimezoneName") or "America/New_York"
        quotes = ((result.get("indicators") or {}).get("quote") or [{}])[0]
        adj = ((result.get("indicators") or {}).get("adjclose") or [{}])[0].get("adjclose")
        columns: dict[str, list[Any]] = {
            c: quotes.get(c) or [None] * len(stamps)
            for c in ("open", "high", "low", "close", "volume")
        }
        if adj is not None:
            columns["adj_close"] = adj
        lengths = {len(v) for v in columns.values()}
        if lengths != {len(stamps)}:
            raise self._fail(
                f"{origin}: value arrays of lengths {sorted(lengths)} for {len(stamps)} dates"
            )
        dates = pd.to_datetime(stamps, unit="s", utc=True).tz_convert(zone).strftime("%Y-%m-%d")
        frame = pd.DataFrame(
            {"date": list(dates), **{c: [_cell(v) for v in vs] for c, vs in columns.items()}},
            dtype=str,
        )
        # Yahoo answers null for every field of sessions it has no trade for; skip those
        frame = frame[frame["close"] != ""].reset_index(drop=True)
        return self._table(frame, origin)


def _cell(value: Any) -> str:
    return "" if value is None else repr(value) if isinstance(value, float) else str(value)
