"""Where bars come from. Every provider turns its source into one RawTable."""

from __future__ import annotations

from tickercast.data.providers.base import Provider, RawTable, table_from_frame
from tickercast.data.providers.bundled import BundledProvider, bundled_tickers
from tickercast.data.providers.csv import CsvProvider
from tickercast.data.providers.http import Format, HttpProvider

__all__ = [
    "BundledProvider",
    "CsvProvider",
    "HttpProvider",
    "Provider",
    "RawTable",
    "bundled_tickers",
    "table_from_frame",
]


def provider_for(
    source: str,
    *,
    path: str | None = None,
    url: str | None = None,
    mapping: dict[str, str] | None = None,
    fmt: str = "auto",
    records_key: str | None = None,
    timeout_s: float = 10.0,
    retries: int = 3,
) -> Provider:
    """The provider named by ``source`` (bundled, csv, http), checked for what it needs."""
    from pathlib import Path
    from typing import cast

    from tickercast.errors import ConfigError

    if source == "bundled":
        return BundledProvider()
    if source == "csv":
        if not path:
            raise ConfigError("--source csv needs --path FILE")
        return CsvProvider(Path(path), mapping=mapping)
    if source == "http":
        if not url:
            raise ConfigError("--source http needs --url URL")
        if fmt not in ("auto", "csv", "json"):
            raise ConfigError(f"format {fmt!r} is not one of auto, csv, json")
        return HttpProvider(
            url,
            fmt=cast(Format, fmt),
            mapping=mapping,
            records_key=records_key,
            timeout_s=timeout_s,
            retries=retries,
        )
    raise ConfigError(f"source {source!r} is not one of bundled, csv, http")


__all__ += ["provider_for"]
