"""What every named market-data provider shares, and the registry of them by name.

A named provider knows one vendor's URL layout, answer format and error answers. It fetches
a date range (``start`` onwards, for incremental updates) of a *provider symbol*: the name
the vendor uses for the ticker (``aapl.us`` on Stooq, ``AAPL`` elsewhere).
"""

from __future__ import annotations

import datetime as dt
import time
from abc import ABC, abstractmethod
from collections.abc import Callable
from dataclasses import dataclass

import httpx
import pandas as pd

from tickercast.config import Settings
from tickercast.data.providers.base import RawTable, table_from_frame
from tickercast.data.providers.budget import Budget, RequestBudget, parse_budget
from tickercast.data.providers.client import ProviderClient, RetryPolicy
from tickercast.errors import ConfigError, ProviderError

__all__ = ["NamedProvider", "ProviderInfo", "named_provider", "provider_infos", "provider_names"]


@dataclass(frozen=True)
class ProviderInfo:
    name: str
    description: str
    needs_key: bool
    key_set: bool
    key_setting: str | None
    base_url: str
    budget: str
    adjusted: str


class NamedProvider(ABC):
    """One vendor. Subclasses set the class attributes and implement ``_fetch``."""

    name: str
    description: str
    key_setting: str | None = None  # Settings field holding the key, None = no key
    default_budget: Budget
    adjusted: str  # what the close column is: "split-adjusted", "raw", ...

    def __init__(
        self,
        settings: Settings,
        *,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.base_url = str(getattr(settings, f"{self.name}_base_url")).rstrip("/")
        self.key = _key(settings, self.key_setting)
        budget = settings.provider_budgets.get(self.name)
        self.client = ProviderClient(
            self.name,
            RequestBudget(
                self.name, parse_budget(budget) if budget else self.default_budget, sleep=sleep
            ),
            RetryPolicy(timeout_s=settings.http_timeout_s, retries=settings.http_retries),
            secret=self.key,
            transport=transport,
            sleep=sleep,
        )

    def default_symbol(self, ticker: str) -> str:
        """The vendor's name for a ticker when none is stored."""
        return ticker.upper()

    def fetch(
        self, ticker: str, *, start: dt.date | None = None, symbol: str | None = None
    ) -> RawTable:
        """Bars of ``ticker`` from ``start`` (all history when None), as read."""
        if self.key_setting and not self.key:
            raise ConfigError(
                f"provider {self.name} needs an API key: set TICKERCAST_{self.key_setting.upper()}"
            )
        return self._fetch(symbol or self.default_symbol(ticker), start)

    @abstractmethod
    def _fetch(self, symbol: str, start: dt.date | None) -> RawTable: ...

    def _table(self, frame: pd.DataFrame, origin: str, *, line_label: str = "record") -> RawTable:
        return table_from_frame(
            frame,
            origin=self.client.shown(origin),
            source=self.name,
            first_line=1,
            line_label=line_label,
        )

    def _empty(self, origin: str) -> RawTable:
        frame = pd.DataFrame({"date": pd.Series(dtype=str), "close": pd.Series(dtype=str)})
        return self._table(frame, origin)

    def _fail(self, message: str) -> ProviderError:
        return ProviderError(self.client.shown(f"{self.name}: {message}"))


def _key(settings: Settings, field: str | None) -> str | None:
    if field is None:
        return None
    secret = getattr(settings, field)
    return secret.get_secret_value() if secret is not None else None


def _registry() -> dict[str, type[NamedProvider]]:
    from tickercast.data.providers.alphavantage import AlphaVantageProvider
    from tickercast.data.providers.stooq import StooqProvider
    from tickercast.data.providers.tiingo import TiingoProvider
    from tickercast.data.providers.yahoo import YahooProvider

    kinds: list[type[NamedProvider]] = [
        YahooProvider,
        AlphaVantageProvider,
        StooqProvider,
        TiingoProvider,
    ]
    return {kind.name: kind for kind in kinds}


def provider_names() -> list[str]:
    return list(_registry())


def named_provider(
    name: str, settings: Settings, *, transport: httpx.BaseTransport | None = None
) -> NamedProvider:
    """The provider called ``name``, configured from settings."""
    kinds = _registry()
    if name not in kinds:
        raise ConfigError(f"unknown provider {name!r}; known providers are {', '.join(kinds)}")
    return kinds[name](settings, transport=transport)


def provider_infos(settings: Settings) -> list[ProviderInfo]:
    """Every named provider, its limits, and whether its key is set (never the key)."""
    infos = []
    for name, kind in _registry().items():
        budget = settings.provider_budgets.get(name)
        infos.append(
            ProviderInfo(
                name=name,
                description=kind.description,
                needs_key=kind.key_setting is not None,
                key_set=kind.key_setting is None or _key(settings, kind.key_setting) is not None,
                key_setting=f"TICKERCAST_{kind.key_setting.upper()}" if kind.key_setting else None,
                base_url=str(getattr(settings, f"{name}_base_url")),
                budget=str(parse_budget(budget) if budget else kind.default_budget),
                adjusted=kind.adjusted,
            )
        )
    return infos
