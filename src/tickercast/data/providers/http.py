"""Bars from an HTTP endpoint that answers CSV or JSON.

The URL may hold ``{ticker}``. JSON may be a list of records or an object holding one
(``records_key`` names it when there are several lists). ``mapping`` maps canonical
columns to the endpoint's field names, e.g. ``{"date": "t", "close": "c"}``.
Transient failures (connection errors, timeouts, 5xx, 429) are retried with exponential
back-off; other 4xx answers fail at once.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Literal

import httpx

from tickercast.data.providers.base import RawTable, read_csv_text, table_from_frame
from tickercast.errors import ProviderError

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["HttpProvider"]

log = logging.getLogger(__name__)

Format = Literal["auto", "csv", "json"]


class HttpProvider:
    name = "http"

    def __init__(
        self,
        url: str,
        *,
        fmt: Format = "auto",
        mapping: dict[str, str] | None = None,
        records_key: str | None = None,
        timeout_s: float = 10.0,
        retries: int = 3,
        backoff_s: float = 0.5,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.url = url
        self.fmt = fmt
        self.mapping = mapping
        self.records_key = records_key
        self.timeout_s = timeout_s
        self.retries = retries
        self.backoff_s = backoff_s
        self._transport = transport
        self._sleep = sleep

    def fetch(self, ticker: str) -> RawTable:
        url = self.url.replace("{ticker}", ticker)
        response = self._get(url)
        text = response.text
        fmt = self.fmt if self.fmt != "auto" else _guess_format(response)
        if fmt == "json":
            frame = self._json_frame(text, url)
            return table_from_frame(
                frame,
                origin=url,
                source=self.name,
                first_line=1,
                line_label="record",
                mapping=self.mapping,
            )
        frame = read_csv_text(text, origin=url)
        if len(frame.columns) < 2:
            raise ProviderError(f"{url} did not answer CSV with a header (got {text[:80]!r})")
        return table_from_frame(frame, origin=url, source=self.name, mapping=self.mapping)

    def _get(self, url: str) -> httpx.Response:
        last_problem = ""
        with httpx.Client(
            timeout=self.timeout_s, transport=self._transport, follow_redirects=True
        ) as client:
            for attempt in range(self.retries + 1):
                if attempt:
                    delay = self.backoff_s * 2 ** (attempt - 1)
                    log.warning("retrying %s in %.1fs (%s)", url, delay, last_problem)
                    self._sleep(delay)
                try:
                    response = client.get(url)
                except httpx.TimeoutException:
                    last_problem = f"no answer within {self.timeout_s}s"
                    continue
                except httpx.TransportError as exc:
                    last_problem = f"connection failed: {exc}"
                    continue
                if response.status_code >= 500 or response.status_code == 429:
                    last_problem = f"HTTP {response.status_code}"
                    continue
                if response.status_code >= 400:
                    raise ProviderError(
                        f"{url} answered HTTP {response.status_code} {response.reason_phrase}: "
                        f"{response.text[:200].strip()!r}"
                    )
                return response
        raise ProviderError(f"{url} failed after {self.retries + 1} attempts: {last_problem}")

    def _json_frame(self, text: str, url: str) -> pd.DataFrame:
        import pandas as pd

        try:
            payload: Any = json.loads(text)
        except json.JSONDecodeError as exc:
            raise ProviderError(
                f"{url} did not answer valid JSON: {exc} (got {text[:80]!r})"
            ) from exc
        records = _records(payload, self.records_key, url)
        if not records or not all(isinstance(r, dict) for r in records):
            raise ProviderError(f"{url}: expected a non-empty list of objects, got {text[:80]!r}")
        columns = list(dict.fromkeys(key for record in records for key in record))
        return pd.DataFrame(
            {c: ["" if r.get(c) is None else str(r[c]) for r in records] for c in columns},
            dtype=str,
        )


def _guess_format(response: httpx.Response) -> Format:
    content_type = response.headers.get("content-type", "")
    if "json" in content_type:
        return "json"
    if "csv" in content_type:
        return "csv"
    return "json" if response.text.lstrip()[:1] in ("[", "{") else "csv"


def _records(payload: Any, key: str | None, url: str) -> list[Any]:
    if isinstance(payload, list):
        return payload
    if not isinstance(payload, dict):
        raise ProviderError(f"{url}: JSON is neither a list of records nor an object holding one")
    if key is not None:
        if not isinstance(payload.get(key), list):
            raise ProviderError(f"{url}: JSON has no list under {key!r}; keys are {list(payload)}")
        return list(payload[key])
    lists = [k for k, v in payload.items() if isinstance(v, list)]
    if len(lists) != 1:
        raise ProviderError(
            f"{url}: cannot tell which JSON key holds the records ({lists or list(payload)}); "
            "name it with records_key"
        )
    return list(payload[lists[0]])
