"""`leadscore score`: score every practice of a file and write the outputs (the CLI's workflow).

* JSON Lines output (a file, or stdout): the whole input is read — as compact feature tables, never as
  records — before the first output line, so a broken line further down leaves no half output.
* CSV or XLSX output: read, scored and written chunk by chunk into a temporary file that replaces the
  output only when complete, so a file of any size (CSV, JSON Lines) needs bounded memory.
"""

from __future__ import annotations

import contextlib
import gc
import io
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from tqdm import tqdm

from scoring.config import ScoringConfig
from scoring.engine import utc_now
from scoring.fast_outputs import render_jsonl
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable

from .flat import Header
from .readers import INPUT_SUFFIXES, Book, open_flat, parse_jsonl, parse_jsonl_lines, read_book
from .source import FileSource, InputError, check_suffix
from .writers import OUTPUT_SUFFIXES, SCORE_COLUMNS, atomic_output, table_parts

PROGRESS_MIN_ROWS = 20_000  # smaller files finish before a bar is worth drawing
PROGRESS_MIN_BYTES = 8 << 20  # streamed inputs: their size decides


@dataclass
class Summary:
    rows: int = 0
    tiers: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    seconds: float = 0.0

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def scored(self) -> int:
        return self.rows - self.failed

    def add(self, output: dict[str, Any]) -> None:
        self.rows += 1
        if output["scoring_status"] == "Failed":
            self.errors[output["error_type"]] += 1
        else:
            self.tiers[output["priority_tier"]] += 1

    def line(self) -> str:
        order = ("Hot", "Warm", "Cold", "Pending Enrichment")
        tiers = ", ".join(f"{t} {self.tiers.get(t, 0):,}" for t in order)
        failed = f"failed {self.failed:,}"
        if self.errors:
            failed += " (" + ", ".join(f"{k} {v:,}" for k, v in sorted(self.errors.items())) + ")"
        rate = f", {self.rows / self.seconds:,.0f}/s" if self.seconds > 0 and self.rows else ""
        return f"scored {self.scored:,} · {failed} · {tiers} · {self.seconds:.2f} s{rate}"


def score_file(
    input_path: str | Path | FileSource,
    output_path: str | Path | None,
    config: ScoringConfig,
    *,
    stdout: IO[bytes] | None = None,
    show_progress: bool | None = None,
    now: datetime | None = None,
) -> Summary:
    """Score ``input_path`` into ``output_path`` (or JSON Lines on ``stdout``); InputError on bad files.

    ``now`` is the scoring timestamp of every output (default: the time the batch starts). An OSError
    writing to ``stdout`` (a full disk, a closed pipe) propagates; one writing a file is an InputError.
    """
    started = time.perf_counter()
    source = FileSource.of(input_path)
    check_suffix(source.name, INPUT_SUFFIXES, "input")
    out_path = Path(output_path) if output_path is not None else None
    if out_path is not None:
        check_suffix(out_path, OUTPUT_SUFFIXES, "output")  # fail before doing any work
        _refuse_overwriting_input(source, out_path)
    now = now or utc_now()
    with _gc_paused():
        if out_path is None or out_path.suffix.lower() == ".jsonl":
            tables = read_features(source)  # the whole input is read before any output
            if out_path is None:
                sink = stdout or sys.stdout.buffer
                summary = _write_jsonl(tables, config, sink, show_progress, now)
                sink.flush()
            else:
                with atomic_output(out_path) as handle:
                    summary = _write_jsonl(tables, config, handle, show_progress, now)
        else:
            summary = _score_to_table(source, out_path, config, show_progress, now)
    summary.seconds = time.perf_counter() - started
    return summary


def _refuse_overwriting_input(source: FileSource, out_path: Path) -> None:
    """``-o`` naming the input itself — under any spelling, through a symlink or a hard link — would replace
    the practices with their scores."""
    if source.path is None or not out_path.exists():
        return
    with contextlib.suppress(OSError):
        if os.path.samefile(source.path, out_path):
            raise InputError(
                f"{out_path}: is the input file {source.name}; writing the scores there would replace the "
                "practices (choose another output file)"
            )


@contextlib.contextmanager
def _gc_paused() -> Iterator[None]:
    """No cyclic garbage collection while millions of acyclic objects come and go (restored after)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


SEGMENT_BYTES = 8 << 20  # JSON Lines are read in segments of about this size (measured: a little faster)


def read_features(source: FileSource | Path | str) -> list[FeatureTable]:
    """The features of every record of a file, in order, as tables (one per segment or chunk).

    A JSON Lines segment goes through Arrow (scoring.fast_records) when it can, else record by record
    (which also reports broken lines), so one odd line only costs its own segment. When most segments
    need the record path, the rest go there directly. CSV and XLSX come in the readers' chunks; only
    the features are kept.
    """
    source = FileSource.of(source)
    suffix = check_suffix(source.name, INPUT_SUFFIXES, "input")
    if suffix in (".csv", ".xlsx"):
        _, chunks = open_flat(source)
        return [FeatureTable.from_frame(chunk.frame) for chunk in chunks]
    if suffix == ".json":
        return [read_book(source).features]
    tables, hits, misses = [], 0, 0
    for segment, first_line in jsonl_segments(source):
        table = table_from_jsonl(segment) if misses <= max(hits, 2) else None
        if table is None:
            misses += 1
            table = FeatureTable.from_records(parse_jsonl(segment, source.name, first_line=first_line))
        else:
            hits += 1
        tables.append(table)
    return tables


def jsonl_segments(source: FileSource) -> Iterator[tuple[bytes, int]]:
    """The file in slices of about SEGMENT_BYTES that end at line ends, each with its first line's number
    (read as it goes: the file is never held whole)."""
    with source.open() as handle:
        carry, line = b"", 1
        while True:
            try:
                block = handle.read(SEGMENT_BYTES)
            except OSError as exc:
                raise InputError(f"{source.name}: cannot read ({exc.strerror or exc})") from None
            if not block:
                if carry:
                    yield carry, line
                return
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            segment, carry = data[: cut + 1], data[cut + 1 :]
            yield segment, line
            line += segment.count(b"\n")


def _progress(total: int | None, show_progress: bool | None, big: bool = False) -> tqdm:
    show = (big or (total or 0) >= PROGRESS_MIN_ROWS) if show_progress is None else show_progress
    return tqdm(total=total, unit="practice", desc="Scoring", file=sys.stderr, disable=not show, leave=False)


def _write_jsonl(
    tables: list[FeatureTable],
    config: ScoringConfig,
    sink: IO[bytes],
    show_progress: bool | None,
    now: datetime,
) -> Summary:
    """The outputs as JSON Lines, assembled column-wise (scoring.fast_outputs), chunk by chunk."""
    summary = Summary()
    bar = _progress(sum(len(t) for t in tables), show_progress)
    try:
        for table in tables:
            for part in render_jsonl(table, config, now=now):
                sink.write(part.body)
                summary.rows += part.rows
                summary.tiers.update(part.tiers)
                summary.errors.update(part.errors)
                bar.update(part.rows)
    finally:
        bar.close()
    return summary


# ---- CSV / XLSX output ---------------------------------------------------------------------------------


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


def _score_to_table(
    source: FileSource, out_path: Path, config: ScoringConfig, show_progress: bool | None, now: datetime
) -> Summary:
    summary = Summary()
    bar = _progress(None, show_progress, big=_size_or_zero(source) >= PROGRESS_MIN_BYTES)

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


def _size_or_zero(source: FileSource) -> int:
    try:
        return source.size()
    except InputError:
        return 0


__all__ = ["InputError", "Summary", "book_parts", "read_features", "score_file"]
