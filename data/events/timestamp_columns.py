"""Event times read a column at a time: the common ISO 8601 spellings, parsed from the text's bytes.

SPEC §12 reads every cell by itself (:func:`data.events.timestamps.parse_timestamp`; no zone means
UTC, nothing guessed). This is the same reading for the spellings machines write —

* ``YYYY-MM-DD``
* ``YYYY-MM-DDThh:mm:ss`` (``T`` or a space), optionally ``.f`` to ``.ffffff``, optionally ``Z`` or
  ``±hh:mm``

— checked position by position and range by range (a real day of that month; hour ≤ 23, minute and
second ≤ 59, offset under a day) for each value, so a column of them costs a few array operations
instead of a Python call per cell. Every other value (other spellings Python reads, such as
``20260301T093000Z`` or ``+00:99``, and everything unreadable) is left to ``parse_timestamp``,
which gives the instant or the sentence. Tests hold the two equal on generated text.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

_WIDTH = 32  # the longest accepted spelling: 2026-03-01T09:30:00.123456+01:00
_PAD = "~"  # fills each value to _WIDTH bytes: neither a digit nor a separator
_DIGIT_AT = (0, 1, 2, 3, 5, 6, 8, 9)  # YYYY-MM-DD
_TIME_DIGIT_AT = (11, 12, 14, 15, 17, 18)  # hh:mm:ss
_DAYS_IN_MONTH = np.array([0, 31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31], dtype=np.int64)
_US_PER_SECOND = 1_000_000
_SCALE = np.array([100_000, 10_000, 1_000, 100, 10, 1], dtype=np.int64)  # fraction digit → µs


def timestamps_us(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """For a string array: (µs since the epoch, UTC, as int64; whether the value was read here).

    Where the mask is False (nulls, other spellings, unreadable text) the instant is 0 and the value
    must go through ``parse_timestamp``. Raises TypeError for an array that is not of Arrow strings.
    """
    if values.type != pa.string():
        raise TypeError(f"timestamps_us reads Arrow strings, not {values.type}")
    n = len(values)
    if n == 0 or values.null_count == n:
        return np.zeros(n, dtype=np.int64), np.zeros(n, dtype=bool)
    size = pc.binary_length(values)
    candidate = pc.fill_null(
        pc.and_(pc.and_(pc.greater_equal(size, 10), pc.less_equal(size, _WIDTH)), pc.string_is_ascii(values)), False
    )
    length = size.fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    text = _matrix(values, candidate, length)
    num = text - np.uint8(0x30)  # a digit's value; other bytes wrap round to 10 or more
    digit = num < 10

    def number(*at: int) -> np.ndarray:
        out = num[:, at[0]].astype(np.int64)
        for i in at[1:]:
            out = out * 10 + num[:, i]
        return out

    ok = candidate.to_numpy(zero_copy_only=False) & digit[:, _DIGIT_AT].all(axis=1)
    ok &= (text[:, 4] == 0x2D) & (text[:, 7] == 0x2D)
    year, month, day = number(0, 1, 2, 3), number(5, 6), number(8, 9)
    month_ok = (month >= 1) & (month <= 12)
    leap = (year % 4 == 0) & ((year % 100 != 0) | (year % 400 == 0))
    longest = _DAYS_IN_MONTH[np.where(month_ok, month, 1)] + (leap & (month == 2))
    ok &= (year >= 1) & month_ok & (day >= 1) & (day <= longest)

    date_only = length == 10
    timed = (length >= 19) & ((text[:, 10] == 0x54) | (text[:, 10] == 0x20))  # T or a space
    timed &= digit[:, _TIME_DIGIT_AT].all(axis=1) & (text[:, 13] == 0x3A) & (text[:, 16] == 0x3A)
    hour, minute, second = number(11, 12), number(14, 15), number(17, 18)
    timed &= (hour <= 23) & (minute <= 59) & (second <= 59)

    # The tail after the seconds: an optional fraction (1 to 6 digits), then an optional zone.
    dot = text[:, 19] == 0x2E
    run = np.logical_and.accumulate(digit[:, 20:26], axis=1)  # the digits right after the dot
    places = np.where(dot, run.sum(axis=1), 0)
    fraction = np.zeros(n, dtype=np.int64)
    for i, scale in enumerate(_SCALE.tolist()):
        fraction += np.where(run[:, i], num[:, 20 + i], 0).astype(np.int64) * scale
    zone_at = np.where(dot, 20 + places, 19)
    rest = length - zone_at
    zone = _columns_from(text, zone_at, 6)
    zone_num = zone - np.uint8(0x30)
    zone_hours = zone_num[:, 1].astype(np.int64) * 10 + zone_num[:, 2]
    zone_minutes = zone_num[:, 4].astype(np.int64) * 10 + zone_num[:, 5]
    utc = (rest == 0) | ((rest == 1) & (zone[:, 0] == 0x5A))  # none, or Z
    offset = (rest == 6) & ((zone[:, 0] == 0x2B) | (zone[:, 0] == 0x2D)) & (zone[:, 3] == 0x3A)
    offset &= (zone_num[:, [1, 2, 4, 5]] < 10).all(axis=1) & (zone_hours <= 23) & (zone_minutes <= 59)
    timed &= (~dot | (places >= 1)) & (utc | offset)
    ok &= date_only | timed

    sign = np.where(zone[:, 0] == 0x2D, -1, 1)
    offset_seconds = np.where(offset, sign * (zone_hours * 3600 + zone_minutes * 60), 0)
    clock = np.where(timed, hour * 3600 + minute * 60 + second - offset_seconds, 0)
    seconds = _days_from_civil(year, month, day) * 86_400 + clock
    us = np.where(ok, seconds * _US_PER_SECOND + np.where(timed & dot, fraction, 0), 0)
    return us, ok


def _matrix(values: pa.Array, candidate: pa.Array, length: np.ndarray) -> np.ndarray:
    """Every value as exactly _WIDTH bytes (non-candidates blanked), one (n, _WIDTH) uint8 matrix."""
    n = len(values)
    first = int(length[0])
    if values.null_count == 0 and first <= _WIDTH and (length == first).all():  # the usual column
        offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)
        start = int(offsets[values.offset])
        body = np.frombuffer(values.buffers()[2], dtype=np.uint8)[start : start + n * first]
        text = np.full((n, _WIDTH), ord(_PAD), dtype=np.uint8)
        text[:, :first] = body.reshape(n, first)
        return text
    padded = pc.utf8_rpad(pc.if_else(candidate, values, ""), _WIDTH, padding=_PAD)
    body = np.frombuffer(padded.buffers()[2], dtype=np.uint8)
    start = int(np.frombuffer(padded.buffers()[1], dtype=np.int32)[padded.offset])
    return body[start : start + n * _WIDTH].reshape(n, _WIDTH)


def _columns_from(text: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """Row i's ``width`` bytes starting at column ``at[i]`` (at + width <= _WIDTH), as (n, width)."""
    positions = np.flatnonzero(np.bincount(at, minlength=_WIDTH))
    if len(positions) == 1:  # one shape throughout: a view
        return text[:, positions[0] : positions[0] + width]
    out = np.zeros((len(text), width), dtype=np.uint8)
    for position in positions.tolist():
        rows = at == position
        out[rows] = text[rows, position : position + width]
    return out


def _days_from_civil(year: np.ndarray, month: np.ndarray, day: np.ndarray) -> np.ndarray:
    """Days since 1970-01-01 of proleptic Gregorian dates (H. Hinnant's days_from_civil)."""
    y = year - (month <= 2)
    era = np.floor_divide(y, 400)
    yoe = y - era * 400
    mp = (month + 9) % 12
    doy = (153 * mp + 2) // 5 + day - 1
    doe = yoe * 365 + yoe // 4 - yoe // 100 + doy
    return era * 146_097 + doe - 719_468
