"""Stooq daily CSV (``/q/d/l/?s=aapl.us&i=d&d1=YYYYMMDD&apikey=...``); API key required.

Answer: ``Date,Open,High,Low,Close,Volume`` rows, prices adjusted for splits and
dividends. Failures are not HTTP errors: an unknown symbol answers the text ``No data``,
a missing or wrong key an HTML page, an exhausted quota ``Exceeded the daily hits limit``;
each is a ProviderError. US tickers are ``<ticker>.us`` on Stooq. The daily quota is not
published; the default budget is 500 requests a day.
"""

from __future__ import annotations

import datetime as dt

from tickercast.data.providers.base import RawTable, read_csv_text
from tickercast.data.providers.budget import Budget
from tickercast.data.providers.named import NamedProvider
from tickercast.errors import DataError

__all__ = ["StooqProvider"]


class StooqProvider(NamedProvider):
    name = "stooq"
    description = "Stooq daily CSV, API key"
    key_setting = "stooq_api_key"
    default_budget = Budget(500, 86400.0)
    adjusted = "split+dividend-adjusted"

    def default_symbol(self, ticker: str) -> str:
        return ticker.lower() if "." in ticker else f"{ticker.lower()}.us"

    def _fetch(self, symbol: str, start: dt.date | None) -> RawTable:
        url = f"{self.base_url}/q/d/l/"
        params = {"s": symbol, "i": "d", "apikey": self.key or ""}
        if start is not None:
            params["d1"] = start.strftime("%Y%m%d")
            params["d2"] = dt.date.today().strftime("%Y%m%d")
        response = self.client.get(url, params=params)
        origin = f"{url}?s={symbol}"
        text = response.text
        head = text.lstrip()[:200]
        if response.status_code >= 400:
            raise self._fail(f"{symbol}: HTTP {response.status_code}: {head[:120]!r}")
        if head[:1] == "<":
            raise self._fail(
                f"{symbol}: answered an HTML page instead of CSV (is TICKERCAST_STOOQ_API_KEY "
                f"set and valid?): {head[:80]!r}"
            )
        if head.lower().startswith("exceeded the daily hits limit"):
            raise self._fail(f"{symbol}: daily request quota exhausted ({head[:60]!r})")
        if head.lower().startswith("no data"):
            if start is not None:
                return self._empty(origin)
            raise self._fail(f"{symbol}: no data (unknown symbol?)")
        if not head.lower().startswith("date,"):
            raise self._fail(f"{symbol}: answer is not Stooq's CSV: {head[:80]!r}")
        try:
            frame = read_csv_text(text, origin=origin)
        except DataError as exc:
            raise self._fail(str(exc)) from exc
        return self._table(frame, origin, line_label="line")
