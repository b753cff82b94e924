"""Rows of a flat file (CSV or XLSX) made into SPEC §1 cells, the same way whichever reader read them.

* The header: names stripped; at most :data:`~data.files.limits.MAX_COLUMNS`; no name twice (checked in
  one pass); a ``practice_id`` column, or a sentence that never lists it as found.
* Columns with no name (a trailing separator on the header, a spacer column) are dropped when blank;
  a value under one is refused (it would have no column to go to).
* Rows whose cells are all blank (only separators or whitespace) are not records (SPEC §1).
* XLSX: a number cell in a text or list column is the text it displays (SPEC §1).
* CSV separated by something else than commas: a decimal comma in a number column is a decimal point,
  as European Excel writes them (``4,5`` → ``4.5``).

Every chunk keeps the spreadsheet row number of each row (the header is row 1), for the row report.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc

from .columns import NUMBER_COLUMNS, TEXT_COLUMNS
from .limits import MAX_COLUMNS
from .source import InputError


@dataclass
class FlatChunk:
    """Consecutive records of a flat file: the cells (one column per named header column, in order)
    and each record's spreadsheet row number (header = row 1)."""

    frame: pd.DataFrame
    rows: np.ndarray  # int64

    def __len__(self) -> int:
        return len(self.frame)


@dataclass(frozen=True)
class Header:
    """A flat file's header row: ``names`` stripped, in file order (blank where a column has none)."""

    names: tuple[str, ...]

    @property
    def named(self) -> list[int]:
        return [i for i, n in enumerate(self.names) if n]

    @property
    def width(self) -> int:
        """Columns up to the last named one: a row may end in blank cells beyond it, nothing else."""
        named = self.named
        return named[-1] + 1 if named else 0


def check_header(cells: Sequence[Any], where: str, *, column_word: str = "column") -> Header:
    """The header row's names, checked (SPEC §1); InputError naming what is wrong.

    Raises when there are more than MAX_COLUMNS columns, a name appears twice (CSV or XLSX: ``name,name``
    is a duplicate, never ``name.1``) or no column is ``practice_id``.
    """
    if len(cells) > MAX_COLUMNS:
        raise InputError(
            f"{where}: the header row has {len(cells):,} {column_word}s; leadscore reads at most "
            f"{MAX_COLUMNS:,} (see README, Limits)"
        )
    names = tuple(_header_text(c) for c in cells)
    counts = Counter(n for n in names if n)
    duplicates = sorted(n for n, k in counts.items() if k > 1)
    if duplicates:
        shown = ", ".join(duplicates[:10]) + (f" and {len(duplicates) - 10:,} more" if len(duplicates) > 10 else "")
        raise InputError(f"{where}: duplicate column names in the header row: {shown}")
    if "practice_id" not in counts:
        raise InputError(f"{where}: {_no_id(names)}")
    return Header(names)


def _header_text(cell: Any) -> str:
    if cell is None or (isinstance(cell, float) and math.isnan(cell)):
        return ""
    return display_text(cell).strip() if not isinstance(cell, str) else cell.strip()


def _no_id(names: Sequence[str]) -> str:
    """Why there is no practice_id column, never listing practice_id among what was found."""
    glued = [n for n in names if "practice_id" in n.lower()]
    if glued:
        return (
            f"the header row has no practice_id column of its own (found “{glued[0][:60]}”); separate the "
            "columns with commas, semicolons, tabs or |"
        )
    named = [n for n in names if n]
    shown = ", ".join(n[:40] for n in named[:6]) + (", …" if len(named) > 6 else "")
    return f"no practice_id column in the header row (found: {shown or 'none'})"


# ---- CSV chunks (Arrow string columns) -------------------------------------------------------------


_DECIMAL_COMMA = r"^\s*([+-]?[0-9]*),([0-9]+)\s*$"


def csv_chunk(
    columns: Sequence[pa.Array], header: Header, first_row: int, where: str, *, decimal_comma: bool
) -> FlatChunk:
    """A chunk of CSV records (one Arrow string array per file column, nulls for empty cells)."""
    n = len(columns[0]) if columns else 0
    rows = np.arange(first_row, first_row + n, dtype=np.int64)
    blank = _blank_rows(columns, n)
    keep = pa.array(~blank) if blank.any() else None
    if keep is not None:
        columns = [pc.filter(c, keep) for c in columns]
        rows = rows[~blank]
    data: dict[str, pa.Array] = {}
    for i, name in enumerate(header.names):
        col = columns[i]
        if not name:
            _unnamed_must_be_blank(col, i, rows, where)
            continue
        if decimal_comma and name in NUMBER_COLUMNS:
            col = pc.replace_substring_regex(col, _DECIMAL_COMMA, r"\1.\2")
        data[name] = col
    # Arrow → pandas' text dtype without a copy per cell (the feature table's fast text paths read it).
    frame = pa.table(data).to_pandas() if data else pd.DataFrame(index=pd.RangeIndex(len(rows)))
    return FlatChunk(frame, rows)


def _blank_rows(columns: Sequence[pa.Array], n: int) -> np.ndarray:
    """Rows whose every cell is empty or whitespace (checked column by column, only where still blank)."""
    blank = np.ones(n, dtype=bool)
    for col in columns:
        idx = np.flatnonzero(blank)
        if len(idx) == 0:
            break
        part = col if len(idx) == n else col.take(pa.array(idx))
        empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(part), ""), True)
        blank[idx] = empty.to_numpy(zero_copy_only=False)
    return blank


def _unnamed_must_be_blank(col: pa.Array, index: int, rows: np.ndarray, where: str) -> None:
    empty = pc.fill_null(pc.equal(pc.utf8_trim_whitespace(col), ""), True).to_numpy(zero_copy_only=False)
    if not empty.all():
        row = int(rows[int(np.flatnonzero(~empty)[0])])
        raise InputError(
            f"{where}: row {row} has a value in column {index + 1}, which has no name in the header row "
            "(name the column or empty it)"
        )


# ---- XLSX chunks (Python values from openpyxl) -------------------------------------------------------


def xlsx_chunk(records: list[tuple[int, Sequence[Any]]], header: Header, where: str) -> FlatChunk:
    """A chunk of XLSX rows: (sheet row number, cell values) for rows that are not all blank."""
    rows = np.fromiter((r for r, _ in records), dtype=np.int64, count=len(records))
    data: dict[str, Any] = {}
    for i, name in enumerate(header.names):
        values = [cells[i] if i < len(cells) else None for _, cells in records]
        if not name:
            for k, v in enumerate(values):
                if not is_blank(v):
                    raise InputError(
                        f"{where}: row {int(rows[k])} has a value in column {_letter(i + 1)}, which has no name "
                        "in row 1 (name the column or empty it)"
                    )
            continue
        if name in TEXT_COLUMNS:
            texts = [None if is_blank(v) else (v if isinstance(v, str) else display_text(v)) for v in values]
            data[name] = pd.array(texts, dtype="str")
        else:
            data[name] = pd.array([None if is_blank(v) else v for v in values], dtype=object)
    return FlatChunk(pd.DataFrame(data, index=pd.RangeIndex(len(records))), rows)


def is_blank(value: Any) -> bool:
    """A cell holding nothing: None, NaN, or text that is only whitespace."""
    if value is None:
        return True
    if isinstance(value, str):
        return not value.strip()
    return isinstance(value, float) and math.isnan(value)


def display_text(value: Any) -> str:
    """A spreadsheet cell as the text it displays (SPEC §1): 5552010001.0 → "5552010001", 4.5 → "4.5",
    TRUE → "TRUE", a date → "2024-03-12"."""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < 1e15:
            return str(int(value))
        return format(value, ".15g")  # Excel shows 15 significant digits
    if isinstance(value, datetime):
        if value.time() == time(0):
            return value.date().isoformat()
        return value.isoformat(sep=" ")
    if isinstance(value, date | time):
        return value.isoformat()
    return str(value)


def _letter(column: int) -> str:
    """1 → A, 27 → AA, 16384 → XFD."""
    letters = ""
    while column:
        column, rest = divmod(column - 1, 26)
        letters = chr(65 + rest) + letters
    return letters


column_letter = _letter
