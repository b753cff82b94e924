"""`leadscore score` into CSV or XLSX: the input's own columns followed by the score columns, typed,
read, scored and written part by part, so a file of any size needs bounded memory."""

from __future__ import annotations

import io
from collections.abc import Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from tqdm import tqdm

from scoring.config import ScoringConfig
from scoring.fast_outputs import render_jsonl
from scoring.features import FeatureTable

from .atomic import atomic_output
from .batch import Summary
from .flat import Header
from .jsonl import jsonl_segments, parse_jsonl_lines
from .readers import Book, open_flat, read_book
from .source import FileSource
from .writers import SCORE_COLUMNS, table_parts


def book_parts(source: FileSource) -> Iterator[Book]:
    """The input as consecutive books of a few thousand practices, in order; at least one (maybe empty),
    so an output always has its header."""
    suffix = source.suffix
    if suffix in (".csv", ".xlsx"):
        header, chunks = open_flat(source)
        any_chunk = False
        for chunk in chunks:
            any_chunk = True
            yield Book(source.name, "flat", FeatureTable.from_frame(chunk.frame), chunk.rows, frame=chunk.frame)
        if not any_chunk:
            yield _empty_flat(source.name, header)
        return
    if suffix == ".json":
        yield read_book(source)
        return
    any_segment = False
    for segment, first_line in jsonl_segments(source):
        records, lines = parse_jsonl_lines(segment, source.name, first_line=first_line)
        any_segment = True
        yield Book(source.name, "records", FeatureTable.from_records(records), lines, records=records)
    if not any_segment:
        yield Book(source.name, "records", FeatureTable.from_records([]), np.zeros(0, np.int64), records=[])


def _empty_flat(name: str, header: Header) -> Book:
    frame = pd.DataFrame({n: pd.array([], dtype="str") for n in header.names if n})
    return Book(name, "flat", FeatureTable.from_frame(frame), np.zeros(0, np.int64), frame=frame)


_OUTPUT_SCHEMA = pa.schema(
    [
        ("lead_score", pa.int64()),
        ("priority_tier", pa.string()),
        ("score_breakdown", pa.string()),
        ("confidence_flags", pa.list_(pa.string())),
        ("scoring_status", pa.string()),
        ("scoring_timestamp", pa.string()),
        ("scoring_duration_ms", pa.int64()),
        ("error_type", pa.string()),
        ("error_message", pa.string()),
    ]
)


def score_columns(
    table: FeatureTable, config: ScoringConfig, now: datetime, summary: Summary
) -> dict[str, pd.api.extensions.ExtensionArray]:
    """The score columns (SPEC §8) of every row, typed: lead_score and scoring_duration_ms nullable
    integers, the flags joined with "; ". Rendered by scoring.fast_outputs (byte-identical to the
    per-practice path) and read back column-wise."""
    parts = list(render_jsonl(table, config, now=now))
    for part in parts:
        summary.rows += part.rows
        summary.tiers.update(part.tiers)
        summary.errors.update(part.errors)
    if len(table) == 0:
        arrow = pa.table({f.name: pa.array([], type=f.type) for f in _OUTPUT_SCHEMA})
    else:
        body = b"".join(bytes(p.body) for p in parts)
        ends = np.flatnonzero(np.frombuffer(body, dtype=np.uint8) == 0x0A)
        longest = int(np.diff(ends, prepend=-1).max())  # a block must hold whole lines
        arrow = pj.read_json(
            io.BytesIO(body),
            read_options=pj.ReadOptions(block_size=max(1 << 20, 2 * longest)),
            parse_options=pj.ParseOptions(explicit_schema=_OUTPUT_SCHEMA, unexpected_field_behavior="ignore"),
        )
    columns: dict[str, Any] = {}
    for name in SCORE_COLUMNS:
        col = arrow.column(name).combine_chunks()
        if name == "confidence_flags":
            col = pc.fill_null(pc.binary_join(col, "; "), "")
        if pa.types.is_integer(col.type):
            columns[name] = pd.array(col.to_pandas(types_mapper={pa.int64(): pd.Int64Dtype()}.get))
        else:
            columns[name] = pd.array(pa.table({name: col}).to_pandas()[name])
    return columns


def scored_part(part: Book, config: ScoringConfig, now: datetime, summary: Summary) -> pd.DataFrame:
    """The input's own columns (unknown ones included) followed by the score columns."""
    frame = part.flat_frame().reset_index(drop=True).copy(deep=False)
    for column, values in score_columns(part.features, config, now, summary).items():
        frame[column if column not in frame.columns else f"{column} (scored)"] = values
    return frame


def score_to_table(source: FileSource, out_path: Path, config: ScoringConfig, bar: tqdm, now: datetime) -> Summary:
    """Score ``source`` into a CSV or XLSX at ``out_path``, part by part (the output appears only when
    complete)."""
    summary = Summary()

    def frames() -> Iterator[pd.DataFrame]:
        for part in book_parts(source):
            frame = scored_part(part, config, now, summary)
            bar.update(len(frame))
            yield frame

    try:
        with atomic_output(out_path) as handle:
            table_parts(frames(), handle, out_path.suffix.lower()[1:])
    finally:
        bar.close()
    return summary
