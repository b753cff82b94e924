"""Importing activity events from a file: `leadscore events import FILE` and the Import page (issue 11).

A file is CSV, XLSX or JSON Lines with the fields ``event_id`` (optional), ``practice_id``, ``type``,
``occurred_at`` (ISO 8601; no zone means UTC) and, optionally, ``source`` and ``detail`` (SPEC §12).
The project's readers (:mod:`data.files.readers`) read it; each row is then checked by itself:

* a row without a practice id, a type or a readable time is **unreadable** — reported with its row
  (spreadsheet row, or JSON Lines line) and field, and not stored;
* an event whose ``event_id`` is already in the log, or earlier in the same file, is a **duplicate**
  and changes nothing; a row without an ``event_id`` gets one derived from practice, type and instant;
* an event of a type the configuration does not know, or for a practice the store does not know, is
  stored and reported (it counts nowhere until its type is configured / its practice arrives).

A file that cannot be used at all (unreadable, wrong kind, a required column missing, no rows) raises
:class:`InputError` and nothing is stored. The events are added in one transaction.
"""

from __future__ import annotations

import dataclasses
import itertools
from collections import Counter, deque
from collections.abc import Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa

from scoring.depth import WRITABLE_DEPTH, clip_depth
from scoring.engagement import EngagementConfig

from ..bulk import cycle_collection_paused
from ..files import limits
from ..files.readers import FileSource, InputError, open_flat, parse_jsonl
from ..store import Store
from ..wording import capitalised, count, listed
from .event_columns import FIELDS, check_block, read_block
from .records import clean_text, derive_event_id, normalise_type
from .timestamps import TimestampError, parse_timestamp

EVENT_SUFFIXES = (".csv", ".xlsx", ".jsonl")
REQUIRED = ("practice_id", "type", "occurred_at")
OPTIONAL = ("event_id", "source", "detail")
_FROMISO = datetime.fromisoformat
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
SHOWN_PROBLEMS = 20  # unreadable rows listed by the CLI before "… and N more"
EventRow = tuple[str, str, str, int, str | None, str | None]  # event_id, practice_id, type, occurred_us, source, detail


@dataclass
class EventImportReport:
    """What importing a file did (or, for a preview, would do)."""

    name: str
    rows: int = 0  # rows (lines) holding an event, readable or not
    imported: int = 0
    duplicates: int = 0
    unknown_type: int = 0  # of the imported events
    unknown_practice: int = 0  # of the imported events
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)  # (row or line, field, problem)
    unknown_types: Counter[str] = field(default_factory=Counter)
    unknown_practices: Counter[str] = field(default_factory=Counter)
    row_word: str = "row"  # "row" (spreadsheet rows) or "line" (JSON Lines)

    def summary(self) -> str:
        parts = [
            f"imported {self.imported:,}",
            f"duplicates {self.duplicates:,}",
            f"unknown type {self.unknown_type:,}",
            f"unknown practice {self.unknown_practice:,}",
            f"unreadable {len(self.unreadable):,}",
        ]
        return f"{self.name}: {self.rows:,} {self.row_word}s — " + ", ".join(parts)

    def notes(self) -> list[str]:
        """Sentences about what was kept but does not count (yet), naming the types and practice ids."""
        out = []
        if self.unknown_types:
            out.append("types not in the configuration, kept but counted nowhere until configured: "
                       + listed(self.unknown_types))
        if self.unknown_practices:
            out.append(f"practice ids the store does not know, kept: {listed(self.unknown_practices)}")
        return out

    def sentences(self) -> list[str]:
        """The report as the app shows it after an import: whole sentences, zero counts left out, e.g.
        ``a.csv: 3 rows read, 2 events imported; 1 unreadable row not imported.`` then the notes."""
        head = f"{self.name}: {count(self.rows, self.row_word)} read, {count(self.imported, 'event')} imported"
        tail = []
        if self.duplicates:
            tail.append(f"{count(self.duplicates, 'duplicate')} skipped")
        if self.unreadable:
            tail.append(f"{count(len(self.unreadable), 'unreadable ' + self.row_word)} not imported")
        return [head + "".join(f"; {t}" for t in tail) + ".", *(capitalised(n) + "." for n in self.notes())]

    def problem_lines(self, limit: int = SHOWN_PROBLEMS) -> list[str]:
        """One sentence per unreadable row: where and what."""
        lines = [f"{self.row_word} {where}: {name} {problem}" for where, name, problem in self.unreadable[:limit]]
        if len(self.unreadable) > limit:
            lines.append(f"… and {len(self.unreadable) - limit:,} more unreadable {self.row_word}s")
        return lines

    def problems_frame(self) -> pd.DataFrame:
        """Unreadable rows as a table (the Import page's row report)."""
        return pd.DataFrame(self.unreadable, columns=[self.row_word, "field", "problem"])


@dataclass
class PreparedEvents:
    """A file's events, checked row by row and de-duplicated within the file, not yet stored."""

    report: EventImportReport
    rows: list[EventRow]

    def preview(self, stored: set[str], known_types: set[str], known_practices: set[str]) -> EventImportReport:
        """What importing now would do, given the event ids already ``stored`` and the known types and
        practices: a copy of the report with the new events counted and the unknown ones named."""
        fresh = [r for r in self.rows if r[0] not in stored]
        unknown_types = Counter(r[2] for r in fresh if r[2] not in known_types)
        unknown_practices = Counter(r[1] for r in fresh if r[1] not in known_practices)
        return dataclasses.replace(
            self.report, imported=len(fresh), duplicates=self.report.duplicates + len(self.rows) - len(fresh),
            unknown_type=sum(unknown_types.values()), unknown_practice=sum(unknown_practices.values()),
            unknown_types=unknown_types, unknown_practices=unknown_practices)


CHUNK_BYTES = 4 << 20  # JSON Lines are parsed a few MiB at a time: bounded memory, and reading overlaps writing
CHUNK_ROWS = 50_000


@dataclass
class ColumnBlock:
    """A piece of a JSON Lines file read column-wise (:func:`data.events.event_columns.read_block`)."""

    first_line: int
    table: pa.Table


Batch = tuple[list[int], list[Any]] | ColumnBlock  # (row numbers, records), or a piece read column-wise


def read_event_table(name: str, data: bytes) -> tuple[Iterator[Batch], str]:
    """The file's rows in batches — (row numbers as people count them, records: a dict per row, or any
    other JSON value for a JSON Lines line that is not an object), or for JSON Lines a piece read
    column-wise where Arrow reads it exactly as orjson would — and the word for a row ("row" or
    "line"). JSON Lines are parsed lazily, a piece at a time, so a line that is not JSON raises
    InputError while the batches are read.

    Raises InputError when the file cannot be used: not CSV/XLSX/JSON Lines, unreadable, no rows, or a
    required column missing.
    """
    path = Path(name)
    suffix = path.suffix.lower()
    if suffix not in EVENT_SUFFIXES:
        shown = path.suffix or "(none)"
        raise InputError(f"{name}: unsupported events file type {shown} (use {', '.join(EVENT_SUFFIXES)})")
    if suffix == ".jsonl":
        if not data.strip():
            raise InputError(f"{name}: the file holds no events (expected one JSON object per line)")
        return _jsonl_batches(data, path), "line"
    # The project's one flat-file reader (separators, blank rows, number cells, limits: data/files).
    header, chunks = open_flat(FileSource.upload(name, data))
    names = [n for n in header.names if n]
    missing = [c for c in REQUIRED if c not in names]
    if missing:
        shown = ", ".join(names[:8]) or "none"
        raise InputError(f"{name}: no {', '.join(missing)} column in the header row (found: {shown})")
    first = next(chunks, None)
    if first is None or not len(first):
        raise InputError(f"{name}: the file has a header but no rows")

    def batches() -> Iterator[Batch]:
        for chunk in itertools.chain([first], chunks):
            # Row numbers as the spreadsheet shows them (blank rows skipped, the header is row 1).
            yield [int(r) for r in chunk.rows], chunk.frame.reindex(columns=list(FIELDS)).to_dict("records")

    return batches(), "row"


def _jsonl_batches(data: bytes, path: Path) -> Iterator[Batch]:
    """JSON Lines a piece of whole lines at a time: column-wise where Arrow reads the piece exactly as
    orjson would (the usual file), else line by line by the project's reader. Arrow reads the next
    piece in a helper thread — it lets go of the GIL — while this one is checked and stored."""
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="events-read") as pool:
        ahead: deque[tuple[bytes, int, Future[pa.Table | None]]] = deque()
        try:
            for piece, first_line in _pieces(data):
                ahead.append((piece, first_line, pool.submit(read_block, piece)))
                if len(ahead) > 1:
                    yield _batch(*ahead.popleft(), path)
            while ahead:
                yield _batch(*ahead.popleft(), path)
        finally:
            for _, _, pending in ahead:  # the reader stopped early (bad line, error downstream)
                pending.cancel()


def _pieces(data: bytes) -> Iterator[tuple[bytes, int]]:
    """``data`` in pieces of about CHUNK_BYTES that end at line ends, each with its first line's number."""
    first_line, start = 1, 0
    while start < len(data):
        end = data.find(b"\n", min(start + CHUNK_BYTES, len(data)))
        end = len(data) if end < 0 else end + 1
        piece = data[start:end]
        yield piece, first_line
        first_line += piece.count(b"\n")
        start = end


def _batch(piece: bytes, first_line: int, columns: Future[pa.Table | None], path: Path) -> Batch:
    table = columns.result()
    if table is not None:
        return ColumnBlock(first_line, table)
    records = parse_jsonl(piece, path, first_line=first_line)
    return _line_numbers(piece, len(records), first_line), records


def _line_numbers(data: bytes, count: int, first: int = 1) -> list[int]:
    """Line numbers of the non-blank lines (parse_jsonl skips blank ones), in order."""
    lines = data.count(b"\n") + (0 if data.endswith(b"\n") else 1)
    if lines == count:  # the usual file: no blank lines
        return list(range(first, first + count))
    return [i for i, line in enumerate(data.split(b"\n"), start=first) if line.strip()]


class EventStream:
    """A file's events, read and checked as they are consumed (see the module docstring): ``chunks()``
    yields lists of checked rows, de-duplicated within the file; ``report`` fills in as it goes.
    InputError for an unusable file (raised by the constructor, or while reading for JSON Lines)."""

    def __init__(self, name: str, data: bytes, *, default_source: str | None = None) -> None:
        self.name = name
        self.batches, word = read_event_table(name, data)
        self.report = EventImportReport(name=name, row_word=word)
        self.source_default = default_source if default_source is not None else Path(name).name
        self._seen: set[str] = set()  # event ids so far: a later copy in the file is a duplicate

    def chunks(self, size: int = CHUNK_ROWS) -> Iterator[list[EventRow]]:
        """Checked events, ``size`` at a time; at the end, InputError if a JSON Lines file held none."""
        report = self.report
        rows: list[EventRow] = []
        for batch in self.batches:
            if isinstance(batch, ColumnBlock):
                rows += self._column_rows(batch)
            else:
                rows += self._record_rows(*batch)
            while len(rows) >= size:
                yield rows[:size]
                rows = rows[size:]
        if rows:
            yield rows
        if report.row_word == "line" and not report.rows and not report.unreadable:
            raise InputError(f"{self.name}: no line holds an event object with {', '.join(REQUIRED)}")

    def _column_rows(self, block: ColumnBlock) -> list[EventRow]:
        """A piece read column-wise: checked as arrays (:func:`data.events.event_columns.check_block`,
        the same checks as :meth:`_record_rows`), then de-duplicated against the lines before."""
        checked = check_block(block.table, block.first_line, self.source_default)
        self.report.rows += checked.rows
        self.report.unreadable += checked.unreadable
        rows = zip(checked.event_ids, checked.practice_ids, checked.types, checked.occurred_us, checked.sources,
                   checked.details, strict=True)
        ids = set(checked.event_ids)
        if len(ids) == len(checked.event_ids) and self._seen.isdisjoint(ids):  # the usual piece: no repeats
            self._seen |= ids
            return list(rows)
        return self._first_copies(rows)

    def _first_copies(self, rows: Iterable[EventRow]) -> list[EventRow]:
        seen, add, out = self._seen, self._seen.add, []
        for row in rows:
            if row[0] in seen:
                self.report.duplicates += 1
                continue
            add(row[0])
            out.append(row)
        return out

    def _record_rows(self, numbers: list[int], records: list[Any]) -> list[EventRow]:
        """Rows read one by one (CSV, XLSX, JSON Lines Arrow declined), each checked by itself."""
        report, unreadable = self.report, self.report.unreadable
        source_default = self.source_default
        seen, add = self._seen, self._seen.add
        fromiso, epoch = _FROMISO, _EPOCH
        rows: list[EventRow] = []
        keep = rows.append
        for number, record in zip(numbers, records, strict=True):
            if type(record) is not dict:
                unreadable.append((number, "line", "is not a JSON object"))
                continue
            get = record.get
            event_id, pid, kind, when_raw = get("event_id"), get("practice_id"), get("type"), get("occurred_at")
            pid = pid.strip() if type(pid) is str else clean_text(pid)
            kind = kind.strip() if type(kind) is str else clean_text(kind)
            event_id = event_id.strip() if type(event_id) is str else clean_text(event_id)
            if not pid and not kind and not event_id and _blank(when_raw):
                continue  # an empty spreadsheet row (or object) is not an event
            report.rows += 1
            if not pid:
                unreadable.append((number, "practice_id", "is blank"))
                continue
            kind = normalise_type(kind) if kind else None
            if not kind:
                unreadable.append((number, "type", "is blank"))
                continue
            try:  # parse_timestamp's short path; what it does not read goes through parse_timestamp
                moment = fromiso(when_raw)  # type: ignore[arg-type]
                delta = (moment if moment.tzinfo else moment.replace(tzinfo=UTC)) - epoch
                when = delta.days * 86_400_000_000 + delta.seconds * 1_000_000 + delta.microseconds
            except (TypeError, ValueError):
                try:
                    when = parse_timestamp(when_raw)
                except TimestampError as exc:
                    unreadable.append((number, "occurred_at", str(exc)))
                    continue
            event_id = event_id or derive_event_id(pid, kind, when)
            if event_id in seen:
                report.duplicates += 1
                continue
            add(event_id)
            source, detail = get("source"), get("detail")
            source = source.strip() if type(source) is str else clean_text(source)
            if type(detail) is str:
                detail = detail.strip() or None
            elif detail is not None:
                detail = _detail(detail)
            keep((event_id, pid, kind, when, source or source_default, detail))
        return rows


def prepare_events(name: str, data: bytes, *, default_source: str | None = None) -> PreparedEvents:
    """Read and check a whole file's events without storing anything (the Import page's preview).
    InputError when the file is unusable."""
    with cycle_collection_paused():
        stream = EventStream(name, data, default_source=default_source)
        rows = [row for chunk in stream.chunks() for row in chunk]
    return PreparedEvents(stream.report, rows)


def prepare_upload(name: str, data: bytes) -> PreparedEvents:
    """:func:`prepare_events` for a file uploaded in the app (the Import page's events preview), bounded
    like the page's practice uploads: InputError, in one sentence, over
    :data:`data.files.limits.MAX_UPLOAD_BYTES` (the CLI reads bigger files a piece at a time)."""
    if len(data) > limits.MAX_UPLOAD_BYTES:
        raise InputError(
            f"{name}: {len(data) / 2**20:,.1f} MiB; the app imports events files up to "
            f"{limits.MAX_UPLOAD_BYTES // 2**20:,} MiB (use `leadscore events import` for bigger ones, or split "
            "the file)"
        )
    return prepare_events(name, data)



def _blank(value: Any) -> bool:
    if value is None or value is pd.NA or (isinstance(value, str) and not value.strip()):
        return True
    return isinstance(value, float | pd.Timestamp) and value != value  # NaN, NaT


# How deep a structured ``detail`` is kept: it is level 2 of its line's object, and the reader keeps a
# line WRITABLE_DEPTH levels deep (data.files.deep_json), so a detail orjson reads (up to 1,024 levels)
# is stored exactly as one the deep reader clipped — and orjson writes it (it refuses past 254 levels).
DETAIL_DEPTH = WRITABLE_DEPTH - 1


def _detail(value: Any) -> str | None:
    """A row's ``detail`` as stored: text as it is; a JSON object or list as JSON text, its containers
    below level DETAIL_DEPTH replaced by scoring.depth.CLIPPED (never an error, however deep)."""
    if isinstance(value, dict | list):  # JSON Lines may carry structure: kept as JSON text
        return orjson.dumps(clip_depth(value, DETAIL_DEPTH)).decode()
    return clean_text(value)


def import_events(
    store: Store, name: str, data: bytes, config: EngagementConfig, *, default_source: str | None = None
) -> EventImportReport:
    """Read, check and store a file's events in one transaction, reading and writing overlapped; returns
    the report. InputError if the file is unusable — then nothing is stored."""
    with cycle_collection_paused():
        stream = EventStream(name, data, default_source=default_source)
        return store_event_chunks(store, stream.report, stream.chunks(), config, source="file")


def store_events(store: Store, prepared: PreparedEvents, config: EngagementConfig, *, source: str) -> EventImportReport:
    """Add prepared events (a preview the user confirmed, or activities read from Notion)."""
    return store_event_chunks(store, prepared.report, [prepared.rows], config, source=source)


def store_event_chunks(
    store: Store, report: EventImportReport, chunks: Iterable[list[EventRow]], config: EngagementConfig, *, source: str
) -> EventImportReport:
    """Add checked events to the log in one transaction: those already there are duplicates; the new ones
    are counted by type and practice (known or not). The import is logged with its counts."""
    known_types = set(config.type_names)
    known_practices = store.known_practice_ids()

    def fresh_chunks() -> Iterator[list[EventRow]]:
        for chunk in chunks:
            stored = store.stored_event_ids(r[0] for r in chunk)  # one cheap query when the log is empty
            fresh = [r for r in chunk if r[0] not in stored] if stored else chunk
            report.duplicates += len(chunk) - len(fresh)
            report.unknown_types.update(r[2] for r in fresh if r[2] not in known_types)
            report.unknown_practices.update(r[1] for r in fresh if r[1] not in known_practices)
            yield fresh

    def counts() -> dict[str, Any]:
        report.unknown_type = sum(report.unknown_types.values())
        report.unknown_practice = sum(report.unknown_practices.values())
        return {"rows": report.rows, "duplicates": report.duplicates, "unknown_type": report.unknown_type,
                "unknown_practice": report.unknown_practice, "unreadable": len(report.unreadable)}

    offered = 0

    def counted() -> Iterator[list[EventRow]]:
        nonlocal offered
        for fresh in fresh_chunks():
            offered += len(fresh)
            yield fresh

    report.imported = store.add_event_chunks(counted(), log=(source, report.name), summary=counts)
    report.duplicates += offered - report.imported  # added meanwhile by another writer
    counts()
    return report
