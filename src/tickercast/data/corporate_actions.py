"""Telling corporate actions apart from revisions, in incoming bars against stored ones.

Two cases (both on whole columns, no loops over rows):

* **Re-adjusted history.** After a split or a dividend an adjusting provider (Yahoo, Stooq,
  Tiingo's adj_close) rewrites every earlier bar by one factor. Incoming/stored is then a
  constant ratio on every overlapping day before the action and 1 from it on. Detected per
  column group (open/high/low/close share one factor, adj_close has its own), the stored
  history before that day is re-based by the factor instead of reporting each row as a
  conflict.
* **An unadjusted split** in raw data (Alpha Vantage's TIME_SERIES_DAILY): a one-day close
  move to about 1/n (or n) of the day before, on a volume jump (drop for a reverse split).
  Stored as it is, the model would learn a -50% return that never happened, so the ingest
  refuses it (ValidationError) unless the operator confirms it as a split, which then
  re-bases the earlier history by the exact 1/n like an adjusting provider would.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from fractions import Fraction

import numpy as np
import pandas as pd

__all__ = ["Rebase", "SuspectSplit", "detect_rebase", "find_unadjusted_splits", "split_kind"]

MIN_PREFIX_ROWS = 3  # fewer re-adjusted rows are accepted only for split-like factors
_SPLIT_RATIOS = (2, 3, 4, 5, 10)
_SPLIT_TOLERANCE = 0.06  # close within 6% of 1/n of the day before
_VOLUME_JUMP = 1.5  # split-day volume at least 1.5x the 20-session median
_VOLUME_WINDOW = 20


@dataclass(frozen=True)
class Rebase:
    """Stored bars before ``effective_date`` are to be multiplied by these factors."""

    effective_date: dt.date
    price_factor: float
    adj_close_factor: float
    kind: str
    note: str = ""


@dataclass(frozen=True)
class SuspectSplit:
    date: dt.date
    previous_close: float
    close: float
    ratio: int  # n of an n:1 split; negative for a 1:n reverse split
    volume_ratio: float | None

    def describe(self) -> str:
        split = f"{self.ratio}:1 split" if self.ratio > 0 else f"1:{-self.ratio} reverse split"
        volume = (
            f" with volume {self.volume_ratio:.1f}x the {_VOLUME_WINDOW}-session median"
            if self.volume_ratio is not None
            else ""
        )
        move = self.close / self.previous_close - 1
        return (
            f"close moved {move:+.1%} in one session ({self.previous_close:g} -> "
            f"{self.close:g}){volume}: looks like an unadjusted {split}"
        )


def split_kind(price_factor: float, adj_close_factor: float) -> str:
    """split (price factor a simple fraction far from 1), dividend (small, < 1) or
    adjustment (anything else)."""
    if price_factor != 1.0:
        near = Fraction(price_factor).limit_denominator(20)
        if abs(price_factor - 1) > 0.05 and abs(float(near) / price_factor - 1) < 0.005:
            return "split"
        return "dividend" if 0.9 < price_factor < 1 else "adjustment"
    return "dividend" if 0.9 < adj_close_factor < 1 else "adjustment"


def detect_rebase(stored: pd.DataFrame, incoming: pd.DataFrame) -> Rebase | None:
    """The re-base that explains how incoming differs from stored, or None when the
    differences (if any) are not one constant factor over a leading run of days.

    Both frames have a datetime64 ``date`` column and float price columns; only days in
    both are compared.
    """
    if stored.empty or incoming.empty:
        return None
    both = stored.merge(incoming, on="date", suffixes=("_s", "_i")).sort_values("date")
    if both.empty:
        return None
    found = [_group_factor(both, "close")]
    if "adj_close_s" in both and "adj_close_i" in both:
        found.append(_group_factor(both, "adj_close"))
    else:
        found.append((1.0, None))
    (price, price_end), (adj, adj_end) = found
    if price_end is None and adj_end is None:
        return None
    ends = [e for e in (price_end, adj_end) if e is not None]
    if len(set(ends)) > 1:
        return None  # both groups changed, but not from the same day: not one action
    last_overlap = both["date"].iloc[-1]
    end_position = ends[0]
    effective = (
        both["date"].iloc[end_position]
        if end_position < len(both)
        else last_overlap + pd.Timedelta(days=1)
    )
    kind = split_kind(price, adj)
    return Rebase(
        effective.date(),
        price,
        adj,
        kind,
        note=f"incoming/stored = {price:.6g} (prices), {adj:.6g} (adj_close) on "
        f"{end_position} overlapping day(s) before {effective.date()}",
    )


def _group_factor(both: pd.DataFrame, column: str) -> tuple[float, int | None]:
    """(factor, end of the re-adjusted leading run) for one column; (1, None) if none."""
    s = pd.to_numeric(both[f"{column}_s"], errors="coerce").to_numpy(dtype="float64")
    i = pd.to_numeric(both[f"{column}_i"], errors="coerce").to_numpy(dtype="float64")
    usable = ~(np.isnan(s) | np.isnan(i)) & (s > 0)
    if not usable.any():
        return 1.0, None
    s, i = s[usable], i[usable]
    differs = ~np.isclose(i, s, rtol=1e-9, atol=1e-12)
    if not differs.any():
        return 1.0, None
    end = int(np.flatnonzero(differs)[-1]) + 1
    if differs[:end].sum() != end:
        return 1.0, None  # a difference after an agreeing day: revisions, not a re-base
    factor = float(np.median(i[:end] / s[:end]))
    tolerance = 0.0051 * (1 + factor) + 1e-6 * np.abs(i[:end])
    if not np.all(np.abs(i[:end] - s[:end] * factor) <= tolerance):
        return 1.0, None
    splitlike = split_kind(factor, 1.0) == "split"
    if end < MIN_PREFIX_ROWS and not splitlike:
        return 1.0, None
    if splitlike:
        factor = float(Fraction(factor).limit_denominator(20))
    # map back to positions in ``both`` (unusable rows were dropped)
    return factor, int(np.flatnonzero(usable)[end - 1]) + 1


def find_unadjusted_splits(
    bars: pd.DataFrame, *, after: dt.date | None = None
) -> list[SuspectSplit]:
    """Split-like one-session moves in ``bars`` (sorted, typed) on days after ``after``."""
    if len(bars) < 2:
        return []
    close = bars["close"].to_numpy(dtype="float64")
    ratio = close[1:] / close[:-1]
    has_volume = "volume" in bars and bars["volume"].notna().all()
    volume_ratio = None
    if has_volume:
        volume = bars["volume"].to_numpy(dtype="float64")
        median = (
            pd.Series(volume).rolling(_VOLUME_WINDOW, min_periods=1).median().shift(1).to_numpy()
        )
        with np.errstate(divide="ignore", invalid="ignore"):
            volume_ratio = (volume / median)[1:]
    found: list[SuspectSplit] = []
    dates = bars["date"].iloc[1:].dt.date.to_numpy()
    for n in _SPLIT_RATIOS:
        for signed, target in ((n, 1 / n), (-n, float(n))):
            hit = np.abs(ratio / target - 1) < _SPLIT_TOLERANCE
            if volume_ratio is not None:
                jump = (
                    volume_ratio >= _VOLUME_JUMP if signed > 0 else volume_ratio <= 1 / _VOLUME_JUMP
                )
                hit &= jump
            for k in np.flatnonzero(hit):
                if after is not None and dates[k] <= after:
                    continue
                found.append(
                    SuspectSplit(
                        dates[k],
                        float(close[k]),
                        float(close[k + 1]),
                        signed,
                        None if volume_ratio is None else float(volume_ratio[k]),
                    )
                )
    return sorted(found, key=lambda s: s.date)
