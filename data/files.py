"""Reading books of practices from files and writing scores back out.

Inputs: ``.jsonl`` (one ScoringInput per line), ``.json`` (a list), ``.csv`` / ``.xlsx`` (the flat
columns of SPEC §1). Outputs: ``.jsonl``, ``.csv``, ``.xlsx``. Every problem with a file is an
:class:`InputError` whose one-line message names the file and, where it can, the line or row.
Outputs are written to a temporary file and moved into place, so a failure never leaves half a file.
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import re
import tempfile
import zipfile
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any

import orjson
import pandas as pd

from scoring.features import FeatureTable
from scoring.fields import FLAT_COLUMNS

INPUT_SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")
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


class InputError(Exception):
    """A file we cannot use, with a one-line message that says where and why."""


@dataclass
class Book:
    """A file's practices: features for scoring, and the rows as they were (for CSV/XLSX output)."""

    path: Path
    kind: str  # "records" or "flat"
    features: FeatureTable
    records: list[Any] | None = None
    frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.features)

    def flat_frame(self) -> pd.DataFrame:
        """The input as flat columns: the file's own columns, or nested records flattened."""
        if self.frame is not None:
            return self.frame
        return pd.DataFrame([flatten_record(r) for r in self.records or []], columns=list(FLAT_COLUMNS))


def _suffix(path: Path, allowed: Sequence[str], role: str) -> str:
    suffix = path.suffix.lower()
    if suffix not in allowed:
        shown = path.suffix or "(none)"
        raise InputError(f"{path}: unsupported {role} type {shown} (use {', '.join(allowed)})")
    return suffix


def _read_bytes(path: Path) -> bytes:
    try:
        return path.read_bytes()
    except FileNotFoundError:
        raise InputError(f"{path}: file not found") from None
    except IsADirectoryError:
        raise InputError(f"{path}: is a directory, not a file") from None
    except OSError as exc:
        raise InputError(f"{path}: cannot read ({exc.strerror or exc})") from None


def read_book(path: str | Path) -> Book:
    """Read a book from ``path``; raises InputError for anything but a readable file of records."""
    path = Path(path)
    suffix = _suffix(path, INPUT_SUFFIXES, "input")
    data = _read_bytes(path)
    if suffix == ".jsonl":
        records = parse_jsonl(data, path)
        return Book(path, "records", FeatureTable.from_records(records), records=records)
    if suffix == ".json":
        records = parse_json_list(data, path)
        return Book(path, "records", FeatureTable.from_records(records), records=records)
    frame = read_csv_bytes(data, path) if suffix == ".csv" else read_xlsx_bytes(data, path)
    return Book(path, "flat", FeatureTable.from_frame(frame), frame=frame)


def parse_jsonl(
    data: bytes, path: Path, *, first_line: int = 1
) -> list[Any]:
    records = []
    loads = orjson.loads
    for number, line in enumerate(data.split(b"\n"), start=first_line):
        if not line.strip():
            continue
        try:
            records.append(loads(line))
        except orjson.JSONDecodeError as exc:
            records.append(_lenient_json(line, exc, f"{path}:{number}: line {number} is not valid JSON"))
    return records


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    return str(exc).split(": line")[0]


def _lenient_json(text: bytes, exc: orjson.JSONDecodeError, where: str) -> Any:
    """Python's json writes NaN/Infinity by default; such a record is readable (SPEC §7 then flags the
    value as invalid), so only text that even the standard library cannot read is an error."""
    try:
        value = json.loads(text)
        orjson.dumps(value)  # what we cannot write back (lone surrogates, …) is not readable either
    except (ValueError, UnicodeDecodeError, RecursionError, orjson.JSONEncodeError):
        raise InputError(f"{where} ({_json_reason(exc)})") from None
    return value


def parse_json_list(data: bytes, path: Path) -> list[Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        value = _lenient_json(data, exc, f"{path}:{exc.lineno}: not valid JSON")
    if not isinstance(value, list):
        raise InputError(
            f"{path}: expected a JSON array of practice records, got a JSON {type(value).__name__}"
        )
    return value


def read_csv_bytes(data: bytes, path: Path) -> pd.DataFrame:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(
            f"{path}:{line}: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV"
        ) from None
    if not text.strip():
        raise InputError(f"{path}: the file is empty (expected a header row with a practice_id column)")
    try:
        frame = pd.read_csv(
            io.StringIO(text), dtype="str", keep_default_na=False, na_values=[""], skip_blank_lines=True
        )
    except pd.errors.ParserError as exc:
        raise InputError(f"{path}: {_csv_reason(exc)}") from None
    except pd.errors.EmptyDataError:
        raise InputError(
            f"{path}: the file is empty (expected a header row with a practice_id column)"
        ) from None
    return _check_columns(frame, path)


def _csv_reason(exc: Exception) -> str:
    message = str(exc)
    match = re.search(r"Expected (\d+) fields in line (\d+), saw (\d+)", message)
    if match:
        expected, line, saw = match.groups()
        return f"line {line} has {saw} fields but the header has {expected} (check quoting and commas)"
    return "not a readable CSV file (" + message.strip().splitlines()[-1] + ")"


def read_xlsx_bytes(data: bytes, path: Path) -> pd.DataFrame:
    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise InputError(f"{path}: not a readable XLSX workbook (the file is not an Excel 2007+ .xlsx)")
    try:
        frame = pd.read_excel(io.BytesIO(data), sheet_name=0, dtype=object, engine="openpyxl")
    except Exception as exc:  # openpyxl raises many types for damaged workbooks
        raise InputError(f"{path}: not a readable XLSX workbook ({type(exc).__name__}: {exc})") from None
    return _check_columns(frame, path)


def _check_columns(frame: pd.DataFrame, path: Path) -> pd.DataFrame:
    frame.columns = [str(c).strip() for c in frame.columns]
    if "practice_id" not in frame.columns:
        shown = ", ".join(list(frame.columns)[:6]) or "none"
        raise InputError(f"{path}: no practice_id column in the header row (found: {shown})")
    duplicates = sorted({c for c in frame.columns if list(frame.columns).count(c) > 1})
    if duplicates:
        raise InputError(f"{path}: duplicate column names in the header row: {', '.join(duplicates)}")
    return frame


def flatten_record(record: Any) -> dict[str, Any]:
    """A nested record as SPEC §1 flat columns (lists joined with '; ')."""
    if not isinstance(record, dict):
        return {}
    row: dict[str, Any] = {}
    for column, path in FLAT_COLUMNS.items():
        value: Any = record
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = orjson.dumps(value).decode()
        row[column] = value
    return row


# ---- writing ---------------------------------------------------------------------------------------

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
