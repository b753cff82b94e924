"""`leadscore score`: score every practice of a file and write the outputs (the CLI's workflow)."""

from __future__ import annotations

import io
import multiprocessing
import os
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import IO, Any

from tqdm import tqdm

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, utc_now
from scoring.features import FeatureTable

from .files import (
    OUTPUT_SUFFIXES,
    Book,
    InputError,
    _read_bytes,
    _suffix,
    atomic_output,
    parse_jsonl,
    read_book,
    scored_frame,
    write_jsonl,
    write_table,
)

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

    def merge(self, other: Summary) -> None:
        self.rows += other.rows
        self.tiers.update(other.tiers)
        self.errors.update(other.errors)

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


PARALLEL_MIN_LINES = 20_000  # below this, starting worker processes costs more than it saves


def _score_jsonl_chunk(
    data: bytes, path: str, first_line: int, config: ScoringConfig, now: datetime
) -> tuple[bytes, Summary]:
    """Score one slice of a JSONL file in a worker process; returns the output lines and counts."""
    records = parse_jsonl(data, Path(path), first_line=first_line)
    summary = Summary()
    buffer = io.BytesIO()
    write_jsonl(
        _counted(book_outputs(FeatureTable.from_records(records), config, now=now), summary, None), buffer
    )
    return buffer.getvalue(), summary


def _chunks(data: bytes, parts: int) -> list[tuple[bytes, int]]:
    """Split JSONL bytes into about ``parts`` slices at line ends, with each slice's first line number."""
    size = max(len(data) // parts, 1)
    out, start, line = [], 0, 1
    while start < len(data):
        end = data.find(b"\n", min(start + size, len(data)) - 1)
        end = len(data) if end < 0 else end + 1
        out.append((data[start:end], line))
        line += data.count(b"\n", start, end)
        start = end
    return out


def _score_jsonl_parallel(
    input_path: Path, data: bytes, config: ScoringConfig, sink: IO[bytes], bar: tqdm | None, workers: int
) -> Summary:
    now = utc_now()
    summary = Summary()
    context = multiprocessing.get_context("fork")
    with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
        futures = [
            pool.submit(_score_jsonl_chunk, chunk, str(input_path), first, config, now)
            for chunk, first in _chunks(data, workers * 4)
        ]
        for future in futures:  # in file order, so outputs stay in input order
            lines, part = future.result()
            sink.write(lines)
            summary.merge(part)
            if bar is not None:
                bar.update(part.rows)
    return summary


def score_file(
    input_path: str | Path,
    output_path: str | Path | None,
    config: ScoringConfig,
    *,
    stdout: IO[bytes] | None = None,
    show_progress: bool | None = None,
) -> Summary:
    """Score ``input_path`` into ``output_path`` (or JSON Lines on ``stdout``); InputError on bad files."""
    started = time.perf_counter()
    out_path = Path(output_path) if output_path is not None else None
    if out_path is not None:
        _suffix(out_path, OUTPUT_SUFFIXES, "output")  # fail before doing any work
    input_path = Path(input_path)
    workers = min(os.cpu_count() or 1, 8)
    if (
        workers > 1
        and input_path.suffix.lower() == ".jsonl"
        and (out_path is None or out_path.suffix.lower() == ".jsonl")
    ):
        data = _read_bytes(input_path)
        lines = data.count(b"\n")
        if lines >= PARALLEL_MIN_LINES:
            show = show_progress if show_progress is not None else True
            bar = tqdm(
                total=lines, unit="practice", desc="Scoring", file=sys.stderr, disable=not show, leave=False
            )
            try:
                if out_path is None:
                    summary = _score_jsonl_parallel(
                        input_path, data, config, stdout or sys.stdout.buffer, bar, workers
                    )
                else:
                    with atomic_output(out_path) as handle:
                        summary = _score_jsonl_parallel(input_path, data, config, handle, bar, workers)
            finally:
                bar.close()
            summary.seconds = time.perf_counter() - started
            return summary
    book: Book = read_book(input_path)
    summary = Summary()
    show = len(book) >= PROGRESS_MIN_ROWS if show_progress is None else show_progress
    bar = tqdm(
        total=len(book), unit="practice", desc="Scoring", file=sys.stderr, disable=not show, leave=False
    )
    try:
        outputs = _counted(book_outputs(book.features, config), summary, bar if show else None)
        if out_path is None:
            write_jsonl(outputs, stdout or sys.stdout.buffer)
        elif out_path.suffix.lower() == ".jsonl":
            with atomic_output(out_path) as handle:
                write_jsonl(outputs, handle)
        else:
            write_table(scored_frame(book, list(outputs)), out_path)
    finally:
        bar.close()
    summary.seconds = time.perf_counter() - started
    return summary


__all__ = ["InputError", "Summary", "score_file"]
