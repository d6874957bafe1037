"""Exchange sessions: which days a market trades, from the maintained `exchange_calendars`.

Forecast targets, gap checks and update schedules count *sessions*, not business days:
a business-day count treats exchange holidays (Good Friday, Thanksgiving, ...) as trading
days, so a forecast aimed at one is never scored. XNYS (NYSE) is the default calendar; a
ticker can name another (``TICKERCAST_TICKER_CALENDARS='{"SAP": "XETR"}'``).
"""

from __future__ import annotations

import datetime as dt
import warnings
from functools import lru_cache
from typing import TYPE_CHECKING

import numpy as np

from tickercast.errors import ConfigError

if TYPE_CHECKING:
    import exchange_calendars

__all__ = [
    "DEFAULT_CALENDAR",
    "calendar_name_for",
    "exchange_timezone",
    "get_calendar",
    "missing_sessions",
    "next_close",
    "next_sessions",
    "session_start_before",
    "sessions_between",
]

DEFAULT_CALENDAR = "XNYS"
_FIRST_DAY = "1970-01-02"
_YEARS_AHEAD = 3


@lru_cache(maxsize=16)
def get_calendar(name: str = DEFAULT_CALENDAR) -> exchange_calendars.ExchangeCalendar:
    """The calendar ``name`` (an ISO MIC such as XNYS), from 1970 to a few years ahead."""
    import exchange_calendars as xcals
    import pandas as pd

    end = pd.Timestamp(dt.date.today().replace(month=1, day=1)) + pd.DateOffset(years=_YEARS_AHEAD)
    # exchange_calendars 4.13 reads ``Series.values`` of tz-aware series while it builds a
    # calendar, which pandas 3.1 flags with a Pandas4Warning; the warning is theirs (our own
    # reads are tz-naive), so it is silenced here, once per calendar, and nowhere else.
    with warnings.catch_warnings():
        warnings.filterwarnings("ignore", category=pd.errors.Pandas4Warning)
        try:
            return xcals.get_calendar(name, start=_FIRST_DAY, end=end.strftime("%Y-%m-%d"))
        except xcals.errors.InvalidCalendarName as exc:
            raise ConfigError(
                f"unknown exchange calendar {name!r}; use an ISO MIC such as XNYS or XLON"
            ) from exc
        except ValueError:  # the calendar starts later than 1970: take its own first session
            return xcals.get_calendar(name, end=end.strftime("%Y-%m-%d"))


def calendar_name_for(ticker: str, overrides: dict[str, str] | None = None) -> str:
    """The calendar a ticker trades on: its override, else XNYS."""
    return (overrides or {}).get(ticker.upper(), DEFAULT_CALENDAR)


def next_sessions(after: dt.date, count: int, calendar: str = DEFAULT_CALENDAR) -> list[dt.date]:
    """The ``count`` sessions strictly after ``after`` (which need not be a session)."""
    sessions = _session_days(calendar)
    start = int(np.searchsorted(sessions, np.datetime64(after, "D"), side="right"))
    found = sessions[start : start + count]
    if len(found) < count:
        raise ConfigError(
            f"calendar {calendar} has no {count} sessions after {after}; it ends {sessions[-1]}"
        )
    return [d.astype(dt.date) for d in found]


def sessions_between(
    start: dt.date, end: dt.date, calendar: str = DEFAULT_CALENDAR
) -> list[dt.date]:
    """Sessions from ``start`` to ``end``, both included."""
    sessions = _session_days(calendar)
    lo = int(np.searchsorted(sessions, np.datetime64(start, "D"), side="left"))
    hi = int(np.searchsorted(sessions, np.datetime64(end, "D"), side="right"))
    return [d.astype(dt.date) for d in sessions[lo:hi]]


def missing_sessions(days: np.ndarray, calendar: str = DEFAULT_CALENDAR) -> np.ndarray:
    """For sorted ``datetime64[D]`` days, the sessions missing between each pair of neighbours."""
    sessions = _session_days(calendar)
    positions = np.searchsorted(sessions, days.astype("datetime64[D]"), side="left")
    present = np.searchsorted(sessions, days.astype("datetime64[D]"), side="right") > positions
    # sessions strictly between day[i] and day[i+1] = pos[i+1] - pos[i] - (day[i] is a session)
    return np.maximum(np.diff(positions) - present[:-1].astype(np.int64), 0)


@lru_cache(maxsize=16)
def _session_days(calendar: str) -> np.ndarray:
    return get_calendar(calendar).sessions.values.astype("datetime64[D]")


def next_close(after: dt.datetime, calendar: str = DEFAULT_CALENDAR) -> dt.datetime:
    """The first session close strictly after ``after`` (aware), as an aware UTC time.

    Early closes (the day after Thanksgiving, Christmas Eve) come from the calendar, so an
    update scheduled from this runs after the real close, in the exchange's own zone.
    """
    if after.tzinfo is None:
        raise ValueError("next_close needs an aware datetime")
    closes = _close_times(calendar)
    stamp = np.datetime64(after.astimezone(dt.UTC).replace(tzinfo=None), "ns")
    at = int(np.searchsorted(closes, stamp, side="right"))
    if at >= len(closes):
        raise ConfigError(f"calendar {calendar} has no session close after {after.isoformat()}")
    close: dt.datetime = closes[at].astype("datetime64[us]").item()
    return close.replace(tzinfo=dt.UTC)


def exchange_timezone(calendar: str = DEFAULT_CALENDAR) -> str:
    """The IANA zone the exchange trades in (America/New_York for XNYS)."""
    return str(get_calendar(calendar).tz)


def session_start_before(last: dt.date, sessions: int, calendar: str = DEFAULT_CALENDAR) -> dt.date:
    """The session ``sessions`` sessions before ``last`` (``last`` itself for 0): where an
    update with that much overlap starts fetching."""
    days = _session_days(calendar)
    at = int(np.searchsorted(days, np.datetime64(last, "D"), side="right")) - 1 - sessions
    return last if at < 0 and sessions == 0 else days[max(at, 0)].astype(dt.date)


@lru_cache(maxsize=16)
def _close_times(calendar: str) -> np.ndarray:
    closes = get_calendar(calendar).closes
    return closes.dt.tz_convert("UTC").dt.tz_localize(None).to_numpy().astype("datetime64[ns]")
