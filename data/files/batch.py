"""`leadscore score`: score every practice of a file and write the outputs (the CLI's workflow).

* JSON Lines output (a file, or stdout): the whole input is read — as compact feature tables, never as
  records — before the first output line, so a broken line further down leaves no half output.
* CSV or XLSX output: read, scored and written chunk by chunk into a temporary file that replaces the
  output only when complete, so a file of any size (CSV, JSON Lines) needs bounded memory.
"""

from __future__ import annotations

import contextlib
import os
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from scoring.config import ScoringConfig
from scoring.engine import utc_now
from scoring.fast_outputs import render_jsonl
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable

from ..bulk import cycle_collection_paused
from .atomic import atomic_output
from .jsonl import SEGMENT_BYTES, jsonl_segments, parse_jsonl
from .source import INPUT_SUFFIXES, OUTPUT_SUFFIXES, FileSource, InputError, check_suffix

# No pandas on the JSON Lines → JSON Lines path (it costs a third of a second of start-up): the CSV/XLSX
# side (readers, writers, scored_tables) is imported when a file needs it.

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
    with cycle_collection_paused():
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
            from .scored_tables import score_to_table

            summary = score_to_table(source, out_path, config, _progress(None, show_progress, big=_big(source)), now)
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
        from .readers import open_flat

        _, chunks = open_flat(source)
        return [FeatureTable.from_frame(chunk.frame) for chunk in chunks]
    if suffix == ".json":
        from .readers import read_book

        return [read_book(source).features]
    tables, hits, misses = [], 0, 0
    for segment, first_line in jsonl_segments(source, SEGMENT_BYTES):
        table = table_from_jsonl(segment) if misses <= max(hits, 2) else None
        if table is None:
            misses += 1
            table = FeatureTable.from_records(parse_jsonl(segment, source.name, first_line=first_line))
        else:
            hits += 1
        tables.append(table)
    return tables


def _progress(total: int | None, show_progress: bool | None, big: bool = False) -> tqdm:
    """A bar on stderr: by default only on a terminal, and only for a big book (small ones finish first)."""
    if show_progress is None:
        show = (big or (total or 0) >= PROGRESS_MIN_ROWS) and sys.stderr.isatty()
    else:
        show = show_progress
    return tqdm(total=total, unit="practice", desc="Scoring", file=sys.stderr, disable=not show, leave=False)


def _big(source: FileSource) -> bool:
    try:
        return source.size() >= PROGRESS_MIN_BYTES
    except InputError:
        return False


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


__all__ = ["InputError", "Summary", "read_features", "score_file"]
