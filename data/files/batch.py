"""`leadscore score`: score every practice of a file and write the outputs (the CLI's workflow)."""

from __future__ import annotations

import contextlib
import gc
import sys
import time
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, utc_now
from scoring.fast_outputs import render_jsonl
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable

from .readers import INPUT_SUFFIXES, Book, InputError, _read_bytes, _suffix, parse_jsonl, read_book
from .writers import OUTPUT_SUFFIXES, atomic_output, scored_frame, write_table

PROGRESS_MIN_ROWS = 20_000  # smaller files finish before a bar is worth drawing


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


def _counted(
    outputs: Iterator[dict[str, Any]], summary: Summary, bar: tqdm | None
) -> Iterator[dict[str, Any]]:
    for i, out in enumerate(outputs, start=1):
        summary.add(out)
        if bar is not None and i % 1000 == 0:
            bar.update(1000)
        yield out
    if bar is not None:
        bar.update(summary.rows - bar.n)


def score_file(
    input_path: str | Path,
    output_path: str | Path | None,
    config: ScoringConfig,
    *,
    stdout: IO[bytes] | None = None,
    show_progress: bool | None = None,
    now: datetime | None = None,
) -> Summary:
    """Score ``input_path`` into ``output_path`` (or JSON Lines on ``stdout``); InputError on bad files.

    ``now`` is the scoring timestamp of every output (default: the time the batch starts).
    """
    started = time.perf_counter()
    out_path = Path(output_path) if output_path is not None else None
    if out_path is not None:
        _suffix(out_path, OUTPUT_SUFFIXES, "output")  # fail before doing any work
    input_path = Path(input_path)
    now = now or utc_now()
    with _gc_paused():
        if out_path is None or out_path.suffix.lower() == ".jsonl":
            tables = read_features(input_path)  # the whole input is read before any output
            if out_path is None:
                summary = _write_jsonl(tables, config, stdout or sys.stdout.buffer, show_progress, now)
            else:
                with atomic_output(out_path) as handle:
                    summary = _write_jsonl(tables, config, handle, show_progress, now)
        else:
            summary = _score_to_table(input_path, out_path, config, show_progress, now)
    summary.seconds = time.perf_counter() - started
    return summary


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


def read_features(path: Path) -> list[FeatureTable]:
    """The features of every record of a file, in order, as one table or (JSON Lines) one per segment.

    A JSON Lines segment goes through Arrow (scoring.fast_records) when it can, else record by record
    (which also reports broken lines), so one odd line only costs its own segment. When most segments
    need the record path, the rest go there directly.
    """
    if _suffix(path, INPUT_SUFFIXES, "input") != ".jsonl":
        return [read_book(path).features]
    data = _read_bytes(path)
    tables, hits, misses = [], 0, 0
    for segment, first_line in _segments(data, SEGMENT_BYTES):
        table = table_from_jsonl(segment) if misses <= max(hits, 2) else None
        if table is None:
            misses += 1
            table = FeatureTable.from_records(parse_jsonl(segment, path, first_line=first_line))
        else:
            hits += 1
        tables.append(table)
    return tables


def _segments(data: bytes, size: int) -> Iterator[tuple[bytes, int]]:
    """Slices of about ``size`` bytes that end at line ends, each with its first line's number."""
    start, line = 0, 1
    while start < len(data):
        end = data.find(b"\n", min(start + size, len(data)) - 1)
        end = len(data) if end < 0 else end + 1
        yield data[start:end], line
        line += data.count(b"\n", start, end)
        start = end


def _progress(total: int, show_progress: bool | None) -> tqdm:
    show = total >= PROGRESS_MIN_ROWS if show_progress is None else show_progress
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


def _score_to_table(
    input_path: Path, out_path: Path, config: ScoringConfig, show_progress: bool | None, now: datetime
) -> Summary:
    book: Book = read_book(input_path)
    summary = Summary()
    bar = _progress(len(book), show_progress)
    try:
        outputs = _counted(book_outputs(book.features, config, now=now), summary, bar)
        write_table(scored_frame(book, list(outputs)), out_path)
    finally:
        bar.close()
    return summary


__all__ = ["InputError", "Summary", "score_file"]
