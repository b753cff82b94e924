"""Writing scores and tables out: atomically (never half a file) and formula-safe.

Outputs: ``.jsonl``, ``.csv``, ``.xlsx``. Outputs are written to a temporary file and moved into
place, so a failure never leaves half a file.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import tempfile
from collections.abc import Iterator, Sequence
from pathlib import Path
from typing import IO, Any

import pandas as pd

from .readers import Book, InputError, _suffix

OUTPUT_SUFFIXES = (".jsonl", ".csv", ".xlsx")
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



_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_PLAIN_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would run as a formula gets a leading apostrophe (OWASP CSV injection).

    Plain numbers such as "-5" are left alone: they cannot be formulas.
    """
    if isinstance(value, str) and value.startswith(_FORMULA_START) and not _PLAIN_NUMBER.fullmatch(value):
        return "'" + value
    return value


@contextlib.contextmanager
def atomic_output(path: Path, mode: str = "wb") -> Iterator[IO[Any]]:
    """Write to a temporary sibling file, then move it over ``path``; on any error, nothing is left.

    A path we cannot write is an InputError naming it; the file gets the usual permissions (umask),
    not mkstemp's private 0600."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent)
    except OSError as exc:
        raise InputError(f"{path}: cannot write here ({exc.strerror or exc})") from None
    try:
        os.chmod(tmp, 0o666 & ~_umask())
        with os.fdopen(fd, mode) as handle:
            yield handle
        os.replace(tmp, path)
    except BaseException as exc:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)
        if isinstance(exc, OSError) and not isinstance(exc, BrokenPipeError):
            raise InputError(f"{path}: could not write the file ({exc.strerror or exc})") from None
        raise


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def scored_frame(book: Book, outputs: Sequence[dict[str, Any]]) -> pd.DataFrame:
    """The input's own columns (unknown ones included) followed by the score columns."""
    frame = book.flat_frame().reset_index(drop=True).copy()
    for column in SCORE_COLUMNS:
        values = [o[column] for o in outputs]
        if column == "confidence_flags":
            values = ["; ".join(v) for v in values]
        name = column if column not in frame.columns else f"{column} (scored)"
        frame[name] = values
    return frame


def formula_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Text cells — and the header row, which carries the input's own column names — as plain text."""
    safe = frame.copy()
    safe.columns = [neutralise_formula(str(c)) for c in safe.columns]
    for column in safe.columns:
        if safe[column].dtype == object or pd.api.types.is_string_dtype(safe[column].dtype):
            safe[column] = safe[column].map(neutralise_formula).astype(object)
    return safe


def write_table(frame: pd.DataFrame, path: Path) -> None:
    """Write a frame as CSV or XLSX (by suffix), atomically and formula-safe."""
    suffix = _suffix(path, (".csv", ".xlsx"), "output")
    with atomic_output(path, "wb") as handle:
        handle.write(table_bytes(frame, suffix[1:]))


def table_bytes(frame: pd.DataFrame, kind: str) -> bytes:
    """A frame as CSV or XLSX bytes (for downloads), formula-safe."""
    safe = formula_safe(frame)
    if kind == "csv":
        return safe.to_csv(index=False, lineterminator="\n").encode("utf-8")
    buffer = io.BytesIO()
    table_to_xlsx(safe, buffer)
    return buffer.getvalue()


def table_to_xlsx(frame: pd.DataFrame, handle: IO[bytes]) -> None:
    """XLSX with every text cell stored as text, never as a formula."""
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("scores")
    sheet.append([str(c) for c in frame.columns])
    for row in frame.itertuples(index=False, name=None):
        sheet.append([_xlsx_cell(v) for v in row])
    book.save(handle)


def _xlsx_cell(value: Any) -> Any:
    if value is None or value is pd.NA or (isinstance(value, float) and value != value):
        return None
    if hasattr(value, "item"):  # numpy scalars
        return value.item()
    return value  # text was neutralised already, so openpyxl never sees a leading "="
