from __future__ import annotations

import io

import pandas as pd
import pytest

from tests.factories import HEADER, bar_lines
from tickercast.data.providers.base import read_csv_text, table_from_frame
from tickercast.data.validation import validate_table


def _check(csv: str):
    frame = read_csv_text(io.StringIO(csv), origin="t.csv")
    return validate_table(table_from_frame(frame, origin="t.csv", source="csv"))


def _problems(rows: list[str], header: str = HEADER) -> list[tuple[int, str, str]]:
    result = _check("\n".join([header, *rows]))
    return [(p.line, p.column, p.reason) for p in result.problems]


def test_validate_accepts_clean_yahoo_rows() -> None:
    result = _check("\n".join([HEADER, *bar_lines(30)]))
    assert result.problems == []
    assert len(result.bars) == 30
    assert list(result.bars.columns) == [
        "date",
        "open",
        "high",
        "low",
        "close",
        "adj_close",
        "volume",
    ]
    assert result.bars["volume"].dtype == "int64"


def test_validate_accepts_minimal_date_close_form() -> None:
    result = _check("Date,Close\n2024-01-02,10.5\n2024-01-03,10.7\n")
    assert result.problems == []
    assert result.bars["close"].tolist() == [10.5, 10.7]


@pytest.mark.parametrize(
    ("cell", "reason"),
    [
        ("2024-02-30", "is not a date (expected YYYY-MM-DD)"),
        ("yesterday", "is not a date (expected YYYY-MM-DD)"),
        ("", "is not a date (expected YYYY-MM-DD)"),
    ],
)
def test_validate_rejects_unparseable_date(cell: str, reason: str) -> None:
    assert _problems(["2024-01-02,10", f"{cell},11"], header="Date,Close") == [(3, "date", reason)]


def test_validate_rejects_duplicate_date_pointing_at_first_line() -> None:
    rows = ["2024-01-02,10", "2024-01-03,11", "2024-01-02,12"]
    assert _problems(rows, header="Date,Close") == [(4, "date", "repeats the date of line 2")]


@pytest.mark.parametrize(
    ("value", "reason"),
    [
        ("-1", "is not positive; prices must be > 0"),
        ("0", "is not positive; prices must be > 0"),
        ("abc", "is not a number"),
        ("inf", "is not finite"),
        ("", "is empty"),
    ],
)
def test_validate_rejects_bad_close(value: str, reason: str) -> None:
    assert _problems(["2024-01-02,10", f"2024-01-03,{value}"], header="Date,Close") == [
        (3, "close", reason)
    ]


def test_validate_rejects_high_below_open() -> None:
    problems = _problems(["2024-01-02,10,9.5,9,9.8,9.8,100"])
    assert problems == [(2, "high", "is below max(open, close) = 10")]


def test_validate_rejects_low_above_close() -> None:
    problems = _problems(["2024-01-02,10,11,9.9,9.8,9.8,100"])
    assert problems == [(2, "low", "is above min(open, close) = 9.8")]


def test_validate_rejects_negative_volume() -> None:
    problems = _problems(["2024-01-02,10,11,9,10.5,10.5,-5"])
    assert problems == [(2, "volume", "is negative; volume must be >= 0")]


def test_validate_keeps_good_rows_and_lists_bad_lines() -> None:
    rows = bar_lines(5)
    rows[2] = rows[2].replace(rows[2].split(",")[4], "-3", 1)
    result = _check("\n".join([HEADER, *rows]))
    assert result.bad_lines == [4]
    assert len(result.bars) == 4
    assert all(p.line == 4 for p in result.problems)


def test_validate_sorts_rows_by_date() -> None:
    result = _check("Date,Close\n2024-01-03,2\n2024-01-02,1\n")
    assert result.bars["date"].tolist() == [pd.Timestamp("2024-01-02"), pd.Timestamp("2024-01-03")]


def test_validate_warns_on_gap_over_five_trading_days() -> None:
    result = _check("Date,Close\n2024-01-02,1\n2024-01-12,2\n2024-01-15,2\n")
    assert result.problems == []
    assert result.warnings == ["gap of 7 trading days between 2024-01-02 and 2024-01-12"]


def test_validate_does_not_warn_on_short_market_closure() -> None:
    # 2001-09-10 -> 2001-09-17: four missing trading days after 9/11
    result = _check("Date,Close\n2001-09-10,1\n2001-09-17,2\n")
    assert result.warnings == []


def test_validate_does_not_count_year_end_holidays_as_a_gap() -> None:
    # 7 business days are missing, but 2024-12-25 and 2025-01-01 are no sessions: 5 missing
    result = _check("Date,Close\n2024-12-23,1\n2025-01-02,2\n")
    assert result.warnings == []


@pytest.mark.parametrize(
    ("calendar", "warnings"),
    [
        ("XNYS", ["gap of 6 trading days between 2024-03-22 and 2024-04-03"]),
        ("XLON", []),  # London is also closed on Easter Monday (2024-04-01)
    ],
)
def test_validate_judges_gaps_against_the_given_calendar(
    calendar: str, warnings: list[str]
) -> None:
    frame = read_csv_text(io.StringIO("Date,Close\n2024-03-22,1\n2024-04-03,2\n"), origin="t")
    table = table_from_frame(frame, origin="t", source="csv")
    assert validate_table(table, calendar=calendar).warnings == warnings
