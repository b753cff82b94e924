"""Importing a book of practices (CSV, XLSX, JSON Lines, JSON): a row-by-row report first, then store and score.

One workflow for the Import page and `leadscore import`:

1. :func:`preview_import` reads the file with the one reader (:mod:`data.files.readers`) and says, row
   by row and in plain words, what importing it would do — nothing is stored;
2. :func:`import_preview` stores the importable rows (source ``import``) and scores them as one run.

Your book replaces the sample: importing into a store that holds only the sample book (or nothing)
sets the sample aside first (``leadscore demo`` brings it back). Dates (``last_contact``) are read cell
by cell with :mod:`data.dates`; an unreadable one is reported and left blank — the row still imports.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from datetime import date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd

from scoring.engine import utc_now
from scoring.fast_outputs import render_jsonl
from scoring.features import FeatureTable, records_from_flat_frame

from ..dates import DateError, date_order, iso_date
from ..scoring_runs import RunReport, active_config, recorded_run
from ..store import Store
from .columns import KNOWN_COLUMNS, SALES_COLUMNS
from .flat import is_blank
from .limits import MAX_ROWS, MAX_UPLOAD_BYTES
from .problems import plain_issue, plain_unreadable, shown
from .readers import Book, read_book
from .source import FileSource, InputError, check_suffix

IMPORT_SUFFIXES = (".csv", ".xlsx", ".jsonl", ".json")
READY, WARNINGS, SKIPPED = "ok", "scored with warnings", "not imported"
SAVE_BATCH = 5_000  # practices per transaction when saving scores (each commit waits for the disk)
_RECORD_KEYS = frozenset(
    {"practice_id", "google_maps_data", "enrichment_data", "enrichment_status", "enrichment_confidence",
     "triggered_by", "trigger_timestamp"}
)


@dataclass
class ImportPreview:
    """What importing a file would do: ``report`` has one row per record (row, practice_id, outcome,
    problems); ``rows`` are the store rows of the importable practices, in file order."""

    name: str
    book: Book
    report: pd.DataFrame
    rows: list[dict[str, Any]] = field(repr=False)
    positions: np.ndarray = field(repr=False, default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def table(self) -> FeatureTable:
        return self.book.features

    @property
    def total(self) -> int:
        return len(self.report)

    @property
    def importable(self) -> int:
        return len(self.rows)

    @property
    def readable(self) -> int:
        return int(self.table.readable.sum())

    @property
    def unreadable(self) -> int:
        return len(self.table) - self.readable

    @property
    def with_warnings(self) -> int:
        return int((self.report["outcome"] == WARNINGS).sum())

    @property
    def skipped(self) -> int:
        return int((self.report["outcome"] == SKIPPED).sum())

    @property
    def ready(self) -> int:
        return int((self.report["outcome"] == READY).sum())

    def problems(self) -> pd.DataFrame:
        """The report's rows that are not simply ready (the "problems only" view)."""
        return self.report[self.report["outcome"] != READY]

    def summary(self) -> str:
        """e.g. "10,000 rows: 9,800 ready, 150 with warnings, 50 not imported"."""
        unit = "row" if self.book.kind == "flat" else "record"
        return (
            f"{self.total:,} {unit}{'' if self.total == 1 else 's'}: {self.ready:,} ready, "
            f"{self.with_warnings:,} with warnings, {self.skipped:,} not imported"
        )




def preview_import(source: FileSource | str | Path, *, max_rows: int = MAX_ROWS) -> ImportPreview:
    """Read a file and say, row by row, what importing it would do. InputError if the file is unusable."""
    source = FileSource.of(source)
    if source.suffix not in IMPORT_SUFFIXES:
        check_suffix(source.name, IMPORT_SUFFIXES, "file")
    try:
        day_first = date_order() == "day-first"
    except DateError as exc:
        raise InputError(str(exc)) from None
    book = read_book(source, max_rows=max_rows)
    if len(book) == 0:
        what = "a header but no rows" if book.kind == "flat" else "no practice records"
        raise InputError(f"{source.name}: the file has {what}")
    rows, notes = (_flat_rows if book.kind == "flat" else _record_rows)(book, day_first)
    report = _report(book, notes)
    positions = np.flatnonzero((report["outcome"] != SKIPPED).to_numpy())
    kept = [rows[i] for i in positions.tolist()]
    assert all(r is not None for r in kept)
    return ImportPreview(source.name, book, report, kept, positions)  # type: ignore[arg-type]


def preview_upload(name: str, data: bytes) -> ImportPreview:
    """An uploaded file's preview (the Import page); InputError if it is unusable or over MAX_UPLOAD_BYTES."""
    if len(data) > MAX_UPLOAD_BYTES:
        raise InputError(
            f"{name}: {len(data) / 2**20:,.0f} MiB; the app imports files up to {MAX_UPLOAD_BYTES // 2**20} MiB "
            "(use `leadscore import` for bigger ones, or split the file)"
        )
    return preview_import(FileSource.upload(name, data))


def _report(book: Book, notes: list[list[str]]) -> pd.DataFrame:
    table = book.features
    ids = table.practice_id.tolist()
    outcome, problems = [], []
    for i in range(len(table)):
        if not table.readable[i]:
            outcome.append(SKIPPED)
            problems.append(plain_unreadable(table.unreadable[i]))
            continue
        said = [plain_issue(x) for x in table.issues.get(i, ())] + notes[i]
        outcome.append(WARNINGS if said else READY)
        problems.append("; ".join(said))
    report = pd.DataFrame(
        {"row": book.rows.astype(np.int64), "practice_id": ids, "outcome": outcome, "problems": problems}
    )
    # The same practice twice: the last row wins, the earlier ones say where it is.
    last: dict[str, int] = {}
    for i in range(len(ids) - 1, -1, -1):
        pid = ids[i]
        if pid is None or not table.readable[i]:
            continue
        if pid in last:
            report.loc[i, "outcome"] = SKIPPED
            report.loc[i, "problems"] = (
                f"the same practice_id appears again on row {int(book.rows[last[pid]]):,} (the last row wins)"
            )
        else:
            last[pid] = i
    return report


# ---- store rows ------------------------------------------------------------------------------------------


def _flat_rows(book: Book, day_first: bool) -> tuple[list[dict[str, Any] | None], list[list[str]]]:
    frame = book.frame
    assert frame is not None
    table = book.features
    records = records_from_flat_frame(frame)
    other = [c for c in frame.columns if str(c) in SALES_COLUMNS or str(c) not in KNOWN_COLUMNS]
    columns = {str(c): _natives(frame[c]) for c in other}
    extra_names = [c for c in columns if c not in KNOWN_COLUMNS]
    sales_names = [c for c in SALES_COLUMNS if c in columns]
    rows: list[dict[str, Any] | None] = []
    notes: list[list[str]] = []
    for i, record in enumerate(records):
        said: list[str] = []
        notes.append(said)
        if not table.readable[i]:
            rows.append(None)
            continue
        record["practice_id"] = table.practice_id[i]
        sales = _sales({c: columns[c][i] for c in sales_names}, day_first, said)
        extra = {c: columns[c][i] for c in extra_names if columns[c][i] is not None}
        rows.append(_store_row(record, sales, extra))
    return rows, notes


def _record_rows(book: Book, day_first: bool) -> tuple[list[dict[str, Any] | None], list[list[str]]]:
    table = book.features
    rows: list[dict[str, Any] | None] = []
    notes: list[list[str]] = []
    for i, raw in enumerate(book.records or []):
        said: list[str] = []
        notes.append(said)
        if not table.readable[i] or not isinstance(raw, dict):
            rows.append(None)
            continue
        record = {k: v for k, v in raw.items() if k in _RECORD_KEYS}
        record["practice_id"] = table.practice_id[i]
        sales = _sales({k: raw[k] for k in SALES_COLUMNS if k in raw}, day_first, said)
        extra = {k: v for k, v in raw.items() if k not in _RECORD_KEYS and k not in SALES_COLUMNS and v is not None}
        rows.append(_store_row(record, sales, extra))
    return rows, notes


def _store_row(record: dict[str, Any], sales: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    gm = record.get("google_maps_data") if isinstance(record.get("google_maps_data"), dict) else {}
    return {
        "practice_id": record["practice_id"],
        "source": "import",
        "name": gm.get("name") if isinstance(gm.get("name"), str) else None,
        "address": gm.get("address") if isinstance(gm.get("address"), str) else None,
        "record": record,
        "enrichment_status": status if isinstance(status := record.get("enrichment_status"), str) else None,
        "extra": extra,
        **sales,
    }


def _sales(cells: dict[str, Any], day_first: bool, said: list[str]) -> dict[str, Any]:
    """The sales fields of one row (status, owner, last contact, …); problems are appended to ``said``."""
    out: dict[str, Any] = {"tags": []}
    for column, value in cells.items():
        target = SALES_COLUMNS[column]
        if is_blank(value):
            continue
        if target == "tags":
            items = value if isinstance(value, list) else str(value).split(";")
            out["tags"] = [str(t).strip() for t in items if str(t).strip()]
        elif target == "last_contact":
            try:
                out["last_contact"] = iso_date(value, day_first=day_first)
            except DateError:
                said.append(f"last_contact {shown(value)} is not a date (day, month and year), so it is left blank")
        elif target == "initial_score":
            number = _number(value)
            if number is None:
                said.append(f"initial_score {shown(value)} is not a number, so it is left blank")
            else:
                out["initial_score"] = number
        elif target == "assigned_to" and out.get("assigned_to"):
            continue  # assigned_to and owner both given: assigned_to wins
        else:
            out[target] = value.strip() if isinstance(value, str) else str(value)
    return out


def _number(value: Any) -> int | float | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    if not math.isfinite(number):
        return None
    return int(number) if number.is_integer() and abs(number) < 2**53 else number


def _natives(series: pd.Series) -> list[Any]:
    """A column's cells as plain Python values (None for blank), ready for JSON in the store."""
    out: list[Any] = []
    for value in series.tolist():
        if isinstance(value, np.generic):
            value = value.item()
        if is_blank(value) or value is pd.NA or value is pd.NaT:
            out.append(None)
        elif isinstance(value, datetime | date):
            out.append(value.isoformat())
        else:
            out.append(value)
    return out


# ---- import ------------------------------------------------------------------------------------------


@dataclass
class ImportReport(RunReport):
    """A scoring run of imported practices, plus what the import did to the book."""

    imported: int = 0
    sample_set_aside: int = 0

    def headline(self, source: str | None = None) -> str:
        """e.g. "Imported 2 practices from book.csv: scored 2 (Hot 1, Warm 1) in 0.03 s"."""
        tiers = ", ".join(f"{t} {n:,}" for t, n in sorted(self.tiers.items(), key=lambda kv: -kv[1]))
        line = f"Imported {self.imported:,} practice{'' if self.imported == 1 else 's'}"
        line += f" from {source}" if source else ""
        line += f": scored {self.scored:,}"
        line += f" ({tiers})" if tiers else ""
        if self.failed:
            line += f", failed {self.failed:,}"
        return line + f" in {self.seconds:.2f} s"

    def sample_note(self) -> str | None:
        if not self.sample_set_aside:
            return None
        return (
            f"Your book replaces the sample: the {self.sample_set_aside:,} sample practices were set aside "
            "(`leadscore demo` brings them back)."
        )


def import_preview(store: Store, preview: ImportPreview) -> ImportReport:
    """Store the importable rows (source 'import') and score them as one recorded run.

    A store holding only the sample book (or nothing) gets the user's book instead of it: the sample's
    practices are removed first, in the same transaction (their history stays). InputError when no row
    can be imported (nothing is stored then).
    """
    if not preview.rows:
        raise InputError(f"{preview.name}: no row can be imported (every row lacks a usable practice_id)")
    cfg = active_config(store)
    report = ImportReport("import", imported=len(preview.rows))
    # One transaction: the book is imported and scored whole, or not at all (and one commit waits for the
    # disk, not three).
    with recorded_run(store, report, "import", cfg.config_version), store.write():
        _, report.sample_set_aside = store.upsert_own_practices(preview.rows)  # your book replaces the sample
        _score_and_save(store, preview, cfg, report)
    if report.sample_set_aside:
        report.notes.append(report.sample_note() or "")
    return report


def _score_and_save(store: Store, preview: ImportPreview, cfg: Any, report: RunReport) -> None:
    """Score the imported practices as one book — the column-wise path, byte-identical to the
    one-practice path (property tests hold them equal), which never raises for bad data — and save
    outputs and history in batches."""
    started = time.perf_counter()
    table = preview.table.take(preview.positions)
    parts = render_jsonl(table, cfg, now=utc_now())
    outputs = [orjson.loads(line) for part in parts for line in bytes(part.body).splitlines()]
    per_practice_ms = (time.perf_counter() - started) * 1000 / max(len(outputs), 1)
    for row, out in zip(preview.rows, outputs, strict=True):
        out["practice_id"] = row["practice_id"]
        if out["scoring_status"] == "Failed":
            report.errors[out["error_type"]] += 1
        else:
            report.tiers[out["priority_tier"]] += 1
    for start in range(0, len(outputs), SAVE_BATCH):
        batch = outputs[start : start + SAVE_BATCH]
        store.save_scores(
            batch,
            trigger="import",
            run_id=report.run_id,
            config_version=cfg.config_version,
            durations_ms=[per_practice_ms] * len(batch),
        )
    report.total = len(outputs)
    report.durations_ms.extend([per_practice_ms] * len(outputs))
    report.notes.append(f"scored as one book: {per_practice_ms:.3f} ms per practice")
