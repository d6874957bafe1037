"""The provider interface and the raw table every provider returns."""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING, Protocol

import numpy as np

from tickercast.data.columns import CANONICAL, REQUIRED, canonical_name
from tickercast.errors import DataError

if TYPE_CHECKING:  # pandas loads when a table is read: not in a serving worker
    import pandas as pd

__all__ = ["Provider", "RawTable", "read_csv_text", "table_from_frame"]


@dataclass(frozen=True)
class RawTable:
    """Rows as read, still strings, with canonical column names.

    ``lines[i]`` is where row i stood in its source (CSV: file line, header = 1;
    JSON: record number, first = 1), so a validation message can point at it.
    """

    frame: pd.DataFrame
    lines: np.ndarray
    origin: str
    source: str
    line_label: str = "line"


class Provider(Protocol):
    """Something that can produce the daily bars of a ticker."""

    name: str

    def fetch(self, ticker: str) -> RawTable: ...


def table_from_frame(
    frame: pd.DataFrame,
    *,
    origin: str,
    source: str,
    first_line: int = 2,
    line_label: str = "line",
    mapping: dict[str, str] | None = None,
) -> RawTable:
    """Rename source columns to canonical names (``mapping`` canonical → source header
    wins over the built-in aliases) and check the required ones are present."""
    mapping = {k.strip(): v.strip() for k, v in (mapping or {}).items()}
    unknown = sorted(set(mapping) - set(CANONICAL))
    if unknown:
        raise DataError(f"column mapping names {unknown}; known columns are {list(CANONICAL)}")
    renames: dict[str, str] = {}
    for canonical, header in mapping.items():
        if header not in frame.columns:
            raise DataError(
                f"{origin}: mapped column {header!r} (for {canonical}) is not in the data; "
                f"columns are {list(frame.columns)}"
            )
        renames[header] = canonical
    for header in frame.columns:
        name = canonical_name(str(header))
        if header not in renames and name and name not in renames.values():
            renames[header] = name
    frame = frame.rename(columns=renames)
    frame = frame[[c for c in CANONICAL if c in frame.columns]]
    missing = [c for c in REQUIRED if c not in frame.columns]
    if missing:
        raise DataError(
            f"{origin}: missing column(s) {missing}; expected at least Date,Close "
            f"(Yahoo layout Date,Open,High,Low,Close,Adj Close,Volume also accepted)"
        )
    lines = np.arange(first_line, first_line + len(frame))
    return RawTable(frame.reset_index(drop=True), lines, origin, source, line_label)


def read_csv_text(text: str | io.StringIO, *, origin: str) -> pd.DataFrame:
    """Parse CSV keeping every cell as a string, so validation can quote it back."""
    import pandas as pd

    source = text if isinstance(text, str) else text.getvalue()
    try:  # pyarrow parses twice as fast; the C parser gives the better error message
        frame = pd.read_csv(
            io.BytesIO(source.encode()), dtype=str, keep_default_na=False, engine="pyarrow"
        )
    except Exception:
        try:
            frame = pd.read_csv(io.StringIO(source), dtype=str, keep_default_na=False)
        except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
            raise DataError(f"{origin}: not a readable CSV file ({exc})") from exc
    if frame.empty:
        raise DataError(f"{origin}: no data rows")
    return frame
