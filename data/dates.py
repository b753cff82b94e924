"""Dates as people, spreadsheets and Notion write them, each cell read by itself.

pandas' ``to_datetime`` on a column guesses one format from the first cell and applies it to the rest,
so ``03/12/2024`` followed by ISO dates turns the ISO ones blank. Here every cell is parsed on its own:

- ISO 8601, with or without time and zone (``2024-03-12``, ``2024-03-12T10:00:00.000-05:00``,
  ``2024-03-12T15:00Z``) always works; a date-time keeps the calendar date it was written with.
- Spreadsheet date cells (``datetime``/``date`` objects, pandas Timestamps) are taken as they are.
- Other text goes to python-dateutil. An ambiguous all-numeric date such as ``03/12/2024`` follows one
  setting, ``LEADSCORE_DATE_ORDER`` = ``month-first`` (the default: the book is US practices, and US
  spreadsheets write month first) or ``day-first``; ``2024/03/12`` is always year, month, day.
- Text with a missing part (``March 2024``, ``12/03``) or that is not a date is unreadable: it is
  reported (:class:`DateError`), never guessed and never silently dropped.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from datetime import date, datetime
from functools import lru_cache
from typing import Any

from dateutil import parser as dateutil_parser

DATE_ORDER_ENV = "LEADSCORE_DATE_ORDER"
DATE_ORDERS = ("month-first", "day-first")
DEFAULT_DATE_ORDER = "month-first"

# Two different defaults: a part the text does not give shows up as a difference between the parses.
_DEFAULT_A = datetime(2001, 1, 1)
_DEFAULT_B = datetime(2002, 2, 2)
_ISO_PREFIX = re.compile(r"\d{4}-\d{2}-\d{2}")
_YEAR_FIRST = re.compile(r"\d{4}\s*[-/.]")


class DateError(ValueError):
    """A value that is not a readable date; the message quotes it."""


def date_order(env: Mapping[str, str] | None = None) -> str:
    """The configured order for ambiguous dates (``month-first`` or ``day-first``); DateError if invalid."""
    env = os.environ if env is None else env
    value = (env.get(DATE_ORDER_ENV) or DEFAULT_DATE_ORDER).strip().lower()
    if value not in DATE_ORDERS:
        raise DateError(f"{DATE_ORDER_ENV}={value!r} is not a date order (use month-first or day-first)")
    return value


def parse_date(value: Any, *, day_first: bool = False) -> date | None:
    """One cell as a calendar date: None for a blank cell; DateError for anything unreadable.

    Args:
        value: text, a ``date``/``datetime``/pandas Timestamp, or None/NaN/blank (→ None).
        day_first: how to read an ambiguous all-numeric date (``03/12/2024``): True → 3 December.
    """
    if value is None:
        return None
    if isinstance(value, datetime):  # includes pandas.Timestamp; NaT is handled below
        if value != value:  # NaT
            return None
        return value.date()
    if isinstance(value, date):
        return value
    if isinstance(value, float) and value != value:
        return None
    if not isinstance(value, str):
        if type(value).__name__ == "NaTType":
            return None
        raise DateError(f"{value!r} is not a date")
    text = value.strip()
    if not text:
        return None
    return _parse_text(text, day_first)


@lru_cache(maxsize=65_536)
def _parse_text(text: str, day_first: bool) -> date:
    if _ISO_PREFIX.match(text):
        try:
            return datetime.fromisoformat(text.replace("z", "Z")).date()
        except ValueError:
            pass
    year_first = bool(_YEAR_FIRST.match(text))  # 2024/03/12 is year, month, day in every order setting
    options = {"dayfirst": day_first and not year_first, "yearfirst": year_first}
    try:
        a = dateutil_parser.parse(text, default=_DEFAULT_A, **options)
        b = dateutil_parser.parse(text, default=_DEFAULT_B, **options)
    except (ValueError, OverflowError, TypeError) as exc:
        raise DateError(f"{text!r} is not a date") from exc
    if a.date() != b.date():
        raise DateError(f"{text!r} is not a whole date (day, month and year are needed)")
    return a.date()


def iso_date(value: Any, *, day_first: bool = False) -> str | None:
    """A cell as ``YYYY-MM-DD`` (None when blank); DateError when unreadable."""
    parsed = parse_date(value, day_first=day_first)
    return parsed.isoformat() if parsed is not None else None
