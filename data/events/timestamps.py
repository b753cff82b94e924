"""Event times as sources write them, each cell read by itself (SPEC §12: ISO 8601; no zone means UTC).

Accepted: ISO 8601 text with or without time, fraction and zone (``2026-03-01``, ``2026-03-01T09:30``,
``2026-03-01T09:30:00.25Z``, ``2026-03-01 09:30:00+01:00``, ``20260301T093000Z``), and spreadsheet
date/time cells (taken as written, in UTC). Anything else — ``03/01/2026``, ``March 2026``, a number —
is unreadable and reported with its value; it is never guessed. The instant is returned as integer
microseconds since the epoch, the engine's unit.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_ONE_US = timedelta(microseconds=1)
_fromiso = datetime.fromisoformat


class TimestampError(ValueError):
    """A value that is not a readable ISO 8601 timestamp; the message quotes it."""


def parse_timestamp(value: Any) -> int:
    """One cell as µs since the epoch (UTC). Raises TimestampError for a blank or unreadable value."""
    if isinstance(value, str):
        try:
            moment = _fromiso(value)
        except ValueError:
            text = value.strip().upper()  # "2026-03-01t09:30z", surrounding spaces
            if not text:
                raise TimestampError("is blank (an ISO 8601 time such as 2026-03-01T09:30:00Z is needed)") from None
            try:
                moment = _fromiso(text)
            except ValueError:
                shown = value if len(value) <= 40 else value[:40] + "…"
                raise TimestampError(f"{shown!r} is not an ISO 8601 time (e.g. 2026-03-01T09:30:00Z)") from None
    elif isinstance(value, datetime):  # includes pandas.Timestamp (NaT is not equal to itself)
        if value != value:
            raise TimestampError("is blank (an ISO 8601 time such as 2026-03-01T09:30:00Z is needed)")
        moment = value
    elif isinstance(value, date):
        moment = datetime(value.year, value.month, value.day)
    elif value is None or (isinstance(value, float) and value != value):
        raise TimestampError("is blank (an ISO 8601 time such as 2026-03-01T09:30:00Z is needed)")
    else:
        raise TimestampError(f"{value!r} is not an ISO 8601 time (e.g. 2026-03-01T09:30:00Z)")
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_US


def iso_from_us(us: int) -> str:
    """µs since the epoch as ISO 8601 UTC text (``2026-03-01T09:30:00Z``; fractions only when present)."""
    moment = _EPOCH + int(us) * _ONE_US
    spec = "microseconds" if moment.microsecond else "seconds"
    return moment.isoformat(timespec=spec).replace("+00:00", "Z")
