"""A user's CSV file: Yahoo layout (Date,Open,High,Low,Close,Adj Close,Volume) or the
minimal form Date,Close. Header names are matched case- and punctuation-insensitively."""

from __future__ import annotations

from pathlib import Path

from tickercast.data.providers.base import RawTable, read_csv_text, table_from_frame
from tickercast.errors import DataError

__all__ = ["CsvProvider"]


class CsvProvider:
    name = "csv"

    def __init__(self, path: Path, mapping: dict[str, str] | None = None) -> None:
        self.path = Path(path)
        self.mapping = mapping

    def fetch(self, ticker: str) -> RawTable:
        try:
            text = self.path.read_text(encoding="utf-8-sig")
        except FileNotFoundError as exc:
            raise DataError(f"file not found: {self.path}") from exc
        except (OSError, UnicodeDecodeError) as exc:
            raise DataError(f"cannot read {self.path}: {exc}") from exc
        frame = read_csv_text(text, origin=str(self.path))
        return table_from_frame(
            frame, origin=str(self.path), source=self.name, mapping=self.mapping
        )
