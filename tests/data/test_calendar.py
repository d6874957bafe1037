import datetime as dt
import warnings

import numpy as np
import pytest

from tickercast.data.calendar import (
    get_calendar,
    missing_sessions,
    next_sessions,
    sessions_between,
)
from tickercast.errors import ConfigError


def test_next_sessions_skip_christmas_and_weekend():
    assert next_sessions(dt.date(2025, 12, 24), 2) == [dt.date(2025, 12, 26), dt.date(2025, 12, 29)]


def test_next_sessions_from_a_holiday_start_at_the_next_session():
    assert next_sessions(dt.date(2025, 12, 25), 1) == [dt.date(2025, 12, 26)]


def test_sessions_between_leave_out_good_friday():
    days = sessions_between(dt.date(2024, 3, 28), dt.date(2024, 4, 1))
    assert days == [dt.date(2024, 3, 28), dt.date(2024, 4, 1)]


def test_missing_sessions_count_only_trading_days():
    days = np.array(["2025-12-22", "2025-12-24", "2025-12-29", "2026-01-05"], dtype="datetime64[D]")
    assert missing_sessions(days).tolist() == [1, 1, 3]


def test_unknown_calendar_is_a_config_error():
    with pytest.raises(ConfigError, match="unknown exchange calendar 'NOPE'"):
        next_sessions(dt.date(2025, 1, 2), 1, calendar="NOPE")


def test_building_a_calendar_emits_no_pandas_warning() -> None:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        get_calendar.__wrapped__("XNYS")  # a fresh build, past the cache
    assert [str(w.message) for w in caught] == []
