"""Reading books of practices from files: one reader for `leadscore score`, `leadscore import` and the app.

Inputs: ``.jsonl`` (one ScoringInput per line), ``.json`` (a list), ``.csv`` / ``.xlsx`` (the flat
columns of SPEC §1; see :mod:`data.files.csv_reader`, :mod:`data.files.xlsx_reader` and
:mod:`data.files.flat` for separators, trailing separators, blank rows and number cells). Every problem
with a file is an :class:`InputError` whose one-line message names the file and, where it can, the line
or row. What may be held whole is bounded by :mod:`data.files.limits`.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from scoring.features import FeatureTable
from scoring.fields import FLAT_COLUMNS

from . import csv_reader, xlsx_reader
from .flat import FlatChunk, Header
from .jsonl import flatten_record, parse_json_list, parse_jsonl, parse_jsonl_lines
from .limits import MAX_JSON_BYTES, MAX_ROWS
from .source import INPUT_SUFFIXES, FileSource, InputError, check_suffix


@dataclass
class Book:
    """A file's practices (or a run of consecutive ones): features for scoring, where each came from,
    and the records or flat rows as they were (for CSV/XLSX output and the importer)."""

    name: str
    kind: str  # "records" or "flat"
    features: FeatureTable
    rows: np.ndarray  # per practice: its line (JSON Lines), position (JSON array) or spreadsheet row
    records: list[Any] | None = None
    frame: pd.DataFrame | None = None

    def __len__(self) -> int:
        return len(self.features)

    @property
    def path(self) -> Path:
        return Path(self.name)

    def flat_frame(self) -> pd.DataFrame:
        """The input as flat columns: the file's own columns, or nested records flattened."""
        if self.frame is not None:
            return self.frame
        return pd.DataFrame([flatten_record(r) for r in self.records or []], columns=list(FLAT_COLUMNS))


def read_book(source: FileSource | str | Path, *, max_rows: int | None = None) -> Book:
    """Read a whole book; InputError for anything but a readable file of records.

    ``max_rows`` bounds the records held (an import, an upload); XLSX sheets and JSON arrays are bounded
    by the limits whatever it says.
    """
    source = FileSource.of(source)
    suffix = check_suffix(source.name, INPUT_SUFFIXES, "input")
    if suffix in (".csv", ".xlsx"):
        header, chunks = open_flat(source, max_rows=max_rows)
        parts = list(chunks)
        if parts:
            frame = pd.concat([p.frame for p in parts], ignore_index=True) if len(parts) > 1 else parts[0].frame
            rows = np.concatenate([p.rows for p in parts])
        else:
            frame = pd.DataFrame({n: pd.array([], dtype="str") for n in header.names if n})
            rows = np.zeros(0, dtype=np.int64)
        return Book(source.name, "flat", FeatureTable.from_frame(frame), rows, frame=frame)
    if suffix == ".jsonl":
        data = source.read_bytes()
        if max_rows is not None:
            _check_lines(data, source.name, max_rows)
        records, lines = parse_jsonl_lines(data, source.name)
    else:
        records = parse_json_list(_json_bytes(source), source.name)
        lines = np.arange(1, len(records) + 1, dtype=np.int64)
        limit = MAX_ROWS if max_rows is None else max_rows
        if len(records) > limit:
            raise InputError(f"{source.name}: {len(records):,} records; leadscore reads at most {limit:,} here")
    return Book(source.name, "records", FeatureTable.from_records(records), lines, records=records)


def open_flat(source: FileSource, *, max_rows: int | None = None) -> tuple[Header, Iterator[FlatChunk]]:
    """A CSV or XLSX file's header and its records in chunks (blank rows left out).

    CSV is streamed with no row limit unless ``max_rows`` is given; an XLSX sheet is always bounded
    (MAX_ROWS or ``max_rows``, whichever is smaller).
    """
    if source.suffix == ".xlsx":
        limit = MAX_ROWS if max_rows is None else min(max_rows, MAX_ROWS)
        return xlsx_reader.open_sheet(source, max_rows=limit)
    layout = csv_reader.read_layout(source)
    chunks = csv_reader.read_chunks(source, layout)
    return layout.header, chunks if max_rows is None else _bounded(chunks, source.name, max_rows)


def _bounded(chunks: Iterator[FlatChunk], name: str, max_rows: int) -> Iterator[FlatChunk]:
    seen = 0
    for chunk in chunks:
        seen += len(chunk)
        if seen > max_rows:
            raise InputError(
                f"{name}: more than {max_rows:,} rows; leadscore imports at most {max_rows:,} at a time "
                "(see README, Limits; split the file)"
            )
        yield chunk


def _check_lines(data: bytes, name: str, max_rows: int) -> None:
    if data.count(b"\n") < max_rows:
        return
    lines = sum(1 for line in data.split(b"\n") if line.strip())
    if lines > max_rows:
        raise InputError(
            f"{name}: {lines:,} records; leadscore imports at most {max_rows:,} at a time (split the file)"
        )


def _json_bytes(source: FileSource) -> bytes:
    size = source.size()
    if size > MAX_JSON_BYTES:
        raise InputError(
            f"{source.name}: a JSON array of {size / 2**20:,.0f} MiB; leadscore reads JSON arrays up to "
            f"{MAX_JSON_BYTES // 2**20} MiB (write JSON Lines for bigger books: they are streamed)"
        )
    return source.read_bytes()


__all__ = [
    "INPUT_SUFFIXES",
    "Book",
    "FileSource",
    "InputError",
    "flatten_record",
    "open_flat",
    "parse_json_list",
    "parse_jsonl",
    "parse_jsonl_lines",
    "read_book",
]
