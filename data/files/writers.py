"""Writing scores and tables out: atomically (never half a file), typed, and safe to open in a spreadsheet.

Outputs: ``.jsonl``, ``.csv``, ``.xlsx``. Every output goes to a temporary sibling file that is moved into
place at the end, so a failure never leaves half a file.

* **CSV** (RFC 4180, UTF-8, ``\\n`` line ends): numbers are written as numbers — an integer column stays
  integers with blanks where values are missing (never ``46.0``); text is quoted when it holds a comma, a
  quote, a carriage return or a newline, so no reader splits a row inside a cell; text a spreadsheet
  would run as a formula gets a leading apostrophe (OWASP's CSV injection advice). Written chunk by chunk
  with Arrow, so a big file never needs its whole text in memory.
* **XLSX**: numbers are number cells, text is a text cell — also text that looks like a formula, which is
  stored as a string (never a formula, and with no visible apostrophe); the header row is frozen and
  filterable.
"""

from __future__ import annotations

import io
import math
import re
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .atomic import atomic_output
from .flat import column_letter
from .limits import MAX_ROWS
from .source import InputError, check_suffix

SCORE_COLUMNS = (
    "lead_score",
    "priority_tier",
    "confidence_flags",
    "scoring_status",
    "score_breakdown",
    "scoring_timestamp",
    "scoring_duration_ms",
    "error_type",
    "error_message",
)

# One rule, two spellings: Python for single values, RE2 (Arrow) for whole columns. ASCII digits only.
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_FORMULA_START_RE = r"^[=+\-@\t\r]"
_PLAIN_NUMBER_RE = r"^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?$"
_PLAIN_NUMBER = re.compile(_PLAIN_NUMBER_RE)
_NEEDS_QUOTES_RE = r'[",\r\n]'


def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection).

    Plain numbers such as "-5" are left alone: they cannot be formulas. Non-text values are returned as
    they are.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.match(value):
        return "'" + value
    return value


# ---- frames → typed Arrow columns ---------------------------------------------------------------------


def arrow_column(series: pd.Series) -> pa.Array:
    """A column with its type kept: integers (nullable) stay int64, floats float64, booleans bool,
    text string; dates become ISO text; an object column of mixed values becomes text, value by value."""
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_integer_dtype(dtype):
        return pa.array(series, from_pandas=True)
    if pd.api.types.is_float_dtype(dtype):
        return pa.array(series.to_numpy(dtype=np.float64, na_value=np.nan), from_pandas=True)
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return pa.array([_text(v) for v in series.tolist()], type=pa.string())
    if pd.api.types.is_string_dtype(dtype) and dtype != np.dtype(object):
        return pa.array(series, type=pa.string(), from_pandas=True)
    values = series.tolist()
    present = [v for v in values if not _missing(v)]
    kinds = {type(v) for v in present}
    if kinds <= {str}:
        return pa.array([None if _missing(v) else v for v in values], type=pa.string())
    if kinds <= {bool, np.bool_}:
        return pa.array([None if _missing(v) else bool(v) for v in values], type=pa.bool_())
    if kinds <= {int, np.int64, np.int32} and all(-(2**63) <= int(v) < 2**63 for v in present):
        return pa.array([None if _missing(v) else int(v) for v in values], type=pa.int64())
    if kinds <= {float, np.float64}:
        return pa.array([None if _missing(v) else float(v) for v in values], type=pa.float64())
    return pa.array([None if _missing(v) else _text(v) for v in values], type=pa.string())


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _text(value: Any) -> str | None:
    """One value as text, as a person would write it."""
    if _missing(value):
        return None
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, str):
        return value
    if isinstance(value, bool):
        return "True" if value else "False"
    if isinstance(value, datetime):
        if value.tzinfo is None and value.hour == value.minute == value.second == value.microsecond == 0:
            return value.date().isoformat()
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple):
        return "; ".join(str(v) for v in value)
    if isinstance(value, dict):
        return orjson.dumps(value, default=str).decode()
    return str(value)


# ---- CSV --------------------------------------------------------------------------------------------


def csv_header(names: Sequence[Any]) -> bytes:
    """The header line: the input's own column names, formula-safe and quoted where needed."""
    return (",".join(_quoted(neutralise_formula(str(n))) for n in names) + "\n").encode("utf-8")


def _quoted(text: str) -> str:
    if re.search(_NEEDS_QUOTES_RE, text):
        return '"' + text.replace('"', '""') + '"'
    return text


def csv_body(columns: Sequence[pa.Array]) -> bytes | memoryview:
    """CSV lines (each ending in a newline) for equally long columns of any Arrow type."""
    if not columns or len(columns[0]) == 0:
        return b""
    texts = [_csv_cells(c) for c in columns]
    texts[-1] = pc.binary_join_element_wise(texts[-1], pa.scalar("\n"), "")
    lines = pc.binary_join_element_wise(*texts, ",") if len(texts) > 1 else texts[0]
    return _body(lines.combine_chunks() if isinstance(lines, pa.ChunkedArray) else lines)


def _csv_cells(arr: pa.Array | pa.ChunkedArray) -> pa.Array:
    """Every cell of a column as CSV text (never null): typed values as written, text made safe."""
    if isinstance(arr, pa.ChunkedArray):
        arr = arr.combine_chunks()
    t = arr.type
    if pa.types.is_string(t) or pa.types.is_large_string(t):
        text = _safe_text(arr.cast(pa.string()))
    elif pa.types.is_boolean(t):
        text = pc.if_else(arr, pa.scalar("True"), pa.scalar("False"))
    elif pa.types.is_integer(t) or pa.types.is_floating(t):
        if pa.types.is_floating(t):  # NaN and infinities are not numbers a spreadsheet reads
            arr = pc.if_else(pc.is_finite(arr), arr, pa.scalar(None, type=t))
        text = arr.cast(pa.string())
    elif pa.types.is_null(t):
        text = pa.array([""] * len(arr), type=pa.string())
    else:
        return _csv_cells(pa.array([_text(v) for v in arr.to_pylist()], type=pa.string()))
    return pc.fill_null(text, "")


def _safe_text(text: pa.Array) -> pa.Array:
    """Formula-looking text gets its apostrophe; text with a separator, quote or line break is quoted
    (its quotes doubled). Each step only touches the rows it changes (most columns need neither)."""
    formula = pc.fill_null(pc.match_substring_regex(text, _FORMULA_START_RE), False)
    if pc.any(formula).as_py():
        formula = pc.and_(formula, pc.invert(pc.fill_null(pc.match_substring_regex(text, _PLAIN_NUMBER_RE), False)))
        text = _replace_where(text, formula, lambda part: pc.binary_join_element_wise(pa.scalar("'"), part, ""))
    needs = pc.fill_null(pc.match_substring_regex(text, _NEEDS_QUOTES_RE), False)
    if pc.any(needs).as_py():

        def quote(part: pa.Array) -> pa.Array:
            if pc.any(pc.match_substring(part, '"')).as_py():
                part = pc.replace_substring(part, '"', '""')
            return pc.binary_join_element_wise(pa.scalar('"'), part, pa.scalar('"'), "")

        text = _replace_where(text, needs, quote)
    return text


def _replace_where(arr: pa.Array, mask: pa.Array, change: Any) -> pa.Array:
    """``arr`` with ``change`` applied to the rows where ``mask`` holds."""
    if pc.all(mask).as_py():
        return change(arr)
    rows = np.flatnonzero(mask.to_numpy(zero_copy_only=False))
    changed = change(arr.take(pa.array(rows)))
    return pc.replace_with_mask(arr, mask, changed)


def _body(lines: pa.Array) -> bytes | memoryview:
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None:
        return b""
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


def frame_columns(frame: pd.DataFrame) -> list[pa.Array]:
    return [arrow_column(frame.iloc[:, i]) for i in range(frame.shape[1])]


CSV_CHUNK_ROWS = 50_000


def write_csv(frame: pd.DataFrame, handle: IO[bytes]) -> None:
    """A frame as CSV, chunk by chunk (see the module docstring for what "safe" means)."""
    handle.write(csv_header(list(frame.columns)))
    for start in range(0, len(frame), CSV_CHUNK_ROWS):
        handle.write(csv_body(frame_columns(frame.iloc[start : start + CSV_CHUNK_ROWS])))


# ---- XLSX ---------------------------------------------------------------------------------------------

# Characters XML 1.0 cannot carry (openpyxl refuses them): shown as U+FFFD instead.
_ILLEGAL_XML = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f]")


class XlsxSink:
    """An XLSX written row by row (openpyxl's write-only mode): typed cells, text never a formula, the
    header frozen and filterable. At most MAX_ROWS rows (leadscore's limit for a sheet)."""

    def __init__(self, handle: IO[bytes], sheet_title: str = "scores") -> None:
        from openpyxl import Workbook

        self._handle = handle
        self._book = Workbook(write_only=True)
        self._sheet = self._book.create_sheet(sheet_title)
        self._sheet.freeze_panes = "A2"
        self._columns = 0
        self._rows = 0

    def header(self, names: Sequence[Any]) -> None:
        self._columns = len(names)
        self._sheet.append([self._cell(str(n)) for n in names])

    def rows(self, frame: pd.DataFrame) -> None:
        if self._rows + len(frame) > MAX_ROWS:
            raise InputError(
                f"an XLSX output holds at most {MAX_ROWS:,} rows (see README, Limits); write .csv or .jsonl"
            )
        cell = self._cell
        for row in frame.itertuples(index=False, name=None):
            self._sheet.append([cell(v) for v in row])
        self._rows += len(frame)

    def close(self) -> None:
        if self._columns:
            self._sheet.auto_filter.ref = f"A1:{column_letter(self._columns)}{self._rows + 1}"
        self._book.save(self._handle)

    def _cell(self, value: Any) -> Any:
        if _missing(value):
            return None
        if isinstance(value, np.generic):
            value = value.item()
        if isinstance(value, str):
            text = _ILLEGAL_XML.sub("\ufffd", value)
            if text.startswith("="):
                from openpyxl.cell import WriteOnlyCell

                cell = WriteOnlyCell(self._sheet, value=text)
                cell.data_type = "s"  # a string cell: shown as written, never evaluated
                return cell
            return text
        if isinstance(value, bool | int):
            return value
        if isinstance(value, float):
            return value if math.isfinite(value) else str(value)
        if isinstance(value, pd.Timestamp):
            value = value.to_pydatetime()
        if isinstance(value, datetime) and value.tzinfo is not None:
            return value.isoformat()  # Excel has no time zones: keep the instant as text
        if isinstance(value, date):
            return value
        return _ILLEGAL_XML.sub("\ufffd", _text(value) or "")


def write_xlsx(frame: pd.DataFrame, handle: IO[bytes]) -> None:
    sink = XlsxSink(handle)
    sink.header(list(frame.columns))
    sink.rows(frame)
    sink.close()


# ---- whole tables ----------------------------------------------------------------------------------


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as CSV or XLSX (by suffix), atomically and safely."""
    suffix = check_suffix(path, (".csv", ".xlsx"), "output")
    with atomic_output(path, "wb") as handle:
        if suffix == ".csv":
            write_csv(frame, handle)
        else:
            write_xlsx(frame, handle)


def table_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """A frame as CSV or XLSX bytes (the app's downloads), typed and safe as described above."""
    buffer = io.BytesIO()
    if kind == "csv":
        write_csv(frame, buffer)
    else:
        write_xlsx(frame, buffer)
    return buffer.getvalue()


def table_parts(frames: Iterable[pd.DataFrame], handle: IO[bytes], kind: str) -> int:
    """Frames with the same columns written one after another as one CSV or XLSX; returns the rows."""
    rows = 0
    sink = XlsxSink(handle) if kind == "xlsx" else None
    for i, frame in enumerate(frames):
        if sink is None:
            if i == 0:
                handle.write(csv_header(list(frame.columns)))
            handle.write(csv_body(frame_columns(frame)))
        else:
            if i == 0:
                sink.header(list(frame.columns))
            sink.rows(frame)
        rows += len(frame)
    if sink is not None:
        sink.close()
    return rows
