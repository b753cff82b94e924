"""Reading books of practices from files.

Inputs: ``.jsonl`` (one ScoringInput per line), ``.json`` (a list), ``.csv`` / ``.xlsx`` (the flat
columns of SPEC §1). Every problem with a file is an :class:`InputError` whose one-line message names
the file and, where it can, the line or row.
"""

from __future__ import annotations

import io
import json
import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson
import pandas as pd

from scoring.depth import WRITABLE_DEPTH, clip_depth
from scoring.features import FeatureTable
from scoring.fields import FLAT_COLUMNS

INPUT_SUFFIXES = (".jsonl", ".json", ".csv", ".xlsx")


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
        if isinstance(value, list | dict):
            value = clip_depth(value, WRITABLE_DEPTH)  # scoring.depth: str()/orjson would recurse
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = orjson.dumps(value).decode()
        row[column] = value
    return row
