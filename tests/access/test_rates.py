from __future__ import annotations

import datetime as dt

import pytest

from tickercast.access.rates import parse_duration, parse_quota, parse_rate
from tickercast.errors import ValidationError


def test_parse_rate_reads_limits_expressions_and_none() -> None:
    item = parse_rate("600/minute")
    assert item is not None and (item.amount, item.get_expiry()) == (600, 60)
    assert parse_rate("none") is None


@pytest.mark.parametrize("text", ["600 per fortnight", "abc", "0/minute"])
def test_parse_rate_rejects_nonsense(text: str) -> None:
    with pytest.raises(ValidationError, match="rate"):
        parse_rate(text)


def test_quota_must_be_per_day() -> None:
    assert parse_quota("100000/day") is not None
    with pytest.raises(ValidationError, match="per day"):
        parse_quota("100/hour")


def test_parse_duration() -> None:
    assert parse_duration("90d") == dt.timedelta(days=90)
    assert parse_duration("1d12h") == dt.timedelta(hours=36)
    with pytest.raises(ValidationError, match="not like 90d"):
        parse_duration("soon")
