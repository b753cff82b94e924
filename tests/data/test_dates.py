"""data.dates: every cell parsed by itself; ISO always; ambiguous dates follow one setting; unreadable reported."""

from __future__ import annotations

from datetime import date, datetime

import pandas as pd
import pytest

from data.dates import DATE_ORDER_ENV, DateError, date_order, iso_date, parse_date


@pytest.mark.parametrize(
    ("cell", "expected"),
    [
        ("2024-03-12", "2024-03-12"),
        ("2024-03-12T10:00:00.000-05:00", "2024-03-12"),  # Notion's date with time keeps its calendar date
        ("2024-03-12T23:30Z", "2024-03-12"),
        ("2024-03-12 08:15:00", "2024-03-12"),
        (" 2024-03-12 ", "2024-03-12"),
        ("March 12, 2024", "2024-03-12"),
        ("12 Mar 2024", "2024-03-12"),
        ("2024/03/12", "2024-03-12"),
        ("31/12/2024", "2024-12-31"),  # 31 cannot be a month: unambiguous in either order
    ],
)
def test_unambiguous_dates_read_the_same_in_either_order(cell: str, expected: str) -> None:
    assert iso_date(cell, day_first=False) == expected
    assert iso_date(cell, day_first=True) == expected


def test_an_ambiguous_date_follows_the_setting() -> None:
    assert iso_date("03/12/2024", day_first=False) == "2024-03-12"
    assert iso_date("03/12/2024", day_first=True) == "2024-12-03"


def test_each_cell_is_read_by_itself_never_with_the_first_cells_format() -> None:
    cells = ["03/12/2024", "2024-04-01", "2024-04-02T09:00:00Z", "April 3, 2024"]
    assert [iso_date(c) for c in cells] == ["2024-03-12", "2024-04-01", "2024-04-02", "2024-04-03"]


@pytest.mark.parametrize("cell", ["hello", "2024-13-45", "March 2024", "12/03", "32/13/2024"])
def test_unreadable_or_partial_dates_are_errors_that_quote_the_value(cell: str) -> None:
    with pytest.raises(DateError, match="is not a"):
        parse_date(cell)


@pytest.mark.parametrize("cell", [None, "", "   ", float("nan"), pd.NaT])
def test_blank_cells_are_no_date(cell: object) -> None:
    assert parse_date(cell) is None


def test_spreadsheet_date_cells_are_taken_as_they_are() -> None:
    assert parse_date(datetime(2024, 3, 12, 18, 0)) == date(2024, 3, 12)
    assert parse_date(date(2024, 3, 12)) == date(2024, 3, 12)
    assert parse_date(pd.Timestamp("2024-03-12 10:00")) == date(2024, 3, 12)


def test_a_number_is_not_a_date() -> None:
    with pytest.raises(DateError):
        parse_date(45000)


def test_the_order_setting_defaults_to_month_first_and_rejects_other_words() -> None:
    assert date_order({}) == "month-first"
    assert date_order({DATE_ORDER_ENV: "Day-First"}) == "day-first"
    with pytest.raises(DateError, match="month-first or day-first"):
        date_order({DATE_ORDER_ENV: "dmy"})
