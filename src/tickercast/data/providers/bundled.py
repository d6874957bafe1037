"""Real daily histories shipped inside the package (see samples/PROVENANCE.md)."""

from __future__ import annotations

from importlib import resources
from pathlib import Path

from tickercast.data.providers.base import RawTable, read_csv_text, table_from_frame
from tickercast.errors import DataError

__all__ = ["BundledProvider", "bundled_tickers", "sample_path"]


def _samples() -> Path:
    return Path(str(resources.files("tickercast.data") / "samples"))


def bundled_tickers() -> list[str]:
    return sorted(p.stem for p in _samples().glob("*.csv"))


def sample_path(ticker: str) -> Path:
    path = _samples() / f"{ticker.upper()}.csv"
    if not path.is_file():
        raise DataError(f"no bundled data for {ticker!r}; bundled tickers: {bundled_tickers()}")
    return path


class BundledProvider:
    name = "bundled"

    def fetch(self, ticker: str) -> RawTable:
        path = sample_path(ticker)
        frame = read_csv_text(path.read_text(encoding="utf-8"), origin=path.name)
        return table_from_frame(frame, origin=f"bundled {path.name}", source=self.name)
