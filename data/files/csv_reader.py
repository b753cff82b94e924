"""CSV files as they come from the field: any of four separators, trailing separators, blank rows.

* **Separator**: ``,`` ``;`` tab or ``|``, found by the standard library's :class:`csv.Sniffer` on the
  first lines and confirmed by the header: the separator must give a column named ``practice_id``
  (Excel's ``sep=;`` first line is honoured too). Sniffing alone can be fooled; the required column
  cannot, so no file is ever read with a separator that hides it.
* **Width**: the header fixes the columns. A data row may end in extra blank cells (Excel and many
  exporters put a separator at the end of each row); a row with a value beyond the header, or with
  fewer cells, is an error naming its line and both counts — a row is never read shifted.
* **Speed**: Arrow's C++ reader takes regular files (every row exactly as wide as the header) in
  blocks; the first irregular row sends the rest of the file to Python's csv module, which knows how
  to read it or say why not. Both yield chunks, so a file of any size is read in bounded memory.
"""

from __future__ import annotations

import codecs
import contextlib
import csv
import io
import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import BinaryIO

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pacsv

from .flat import FlatChunk, Header, check_header, csv_chunk
from .limits import MAX_CELL_CHARS
from .source import FileSource, InputError

DELIMITERS = ",;\t|"
SNIFF_CHARS = 16_384  # the header plus the first lines: enough for the Sniffer, fast on any file
HEADER_MAX_BYTES = 16 * 2**20
BLOCK_BYTES = 4 * 2**20  # Arrow reads (and we yield) about this much text at a time
CHUNK_ROWS = 20_000  # records per chunk on the Python path
_BOM = codecs.BOM_UTF8
_LINE_END = re.compile(rb"[\r\n]")
_SEP_LINE = re.compile(r"sep=(.)\s*$")


@dataclass(frozen=True)
class CsvLayout:
    """How a CSV file is laid out: its separator, header, and where the data rows start."""

    delimiter: str
    header: Header
    body_offset: int  # bytes before the first data row
    header_lines: int  # physical lines before the first data row


def read_layout(source: FileSource) -> CsvLayout:
    """The separator and header of a CSV file; InputError if it is empty, not UTF-8 or has no practice_id."""
    with source.open() as handle:
        head, body_offset, lines, forced = _header_bytes(handle, source.name)
        sample = handle.read(SNIFF_CHARS)
    try:
        header_text = head.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise InputError(
            f"{source.name}:1: not UTF-8 text (byte {exc.start}); save the file as UTF-8 CSV"
        ) from None
    if not header_text.strip():
        raise InputError(f"{source.name}: the file is empty (expected a header row with a practice_id column)")
    sample_text = header_text + _cut_at_line(sample).decode("utf-8", errors="replace")
    candidates = [forced] if forced else _candidates(sample_text)
    # The Sniffer's choice unless another separator is the one that gives a practice_id column.
    chosen = next(
        (d for d in candidates if any(c.strip() == "practice_id" for c in _split(header_text, d))), candidates[0]
    )
    header = check_header(_split(header_text, chosen), source.name)
    return CsvLayout(chosen, header, body_offset, lines)


def _header_bytes(handle: BinaryIO, name: str) -> tuple[bytes, int, int, str | None]:
    """The header row's bytes (a quoted newline does not end it), the offset after it, the physical
    lines it spans, and the separator an Excel ``sep=`` line names (None without one)."""
    buffer = b""
    start, forced, skipped_lines = 0, None, 0
    while True:
        end = _row_end(buffer, start)
        if end is None:
            more = handle.read(256 * 1024)
            if not more:
                end = len(buffer)
            elif len(buffer) > HEADER_MAX_BYTES:
                raise InputError(f"{name}: the header row is longer than {HEADER_MAX_BYTES // 2**20} MiB")
            else:
                buffer += more
                continue
        row = buffer[start:end]
        text = row.decode("utf-8-sig", errors="replace").strip()
        match = _SEP_LINE.match(text) if start == 0 else None
        if match and match.group(1) in DELIMITERS:
            forced, start, skipped_lines = match.group(1), end, _lines(row)
            continue
        handle.seek(end)
        return row, end, skipped_lines + _lines(row), forced


def _row_end(buffer: bytes, start: int) -> int | None:
    """The end of the row starting at ``start`` (after its line break), or None if not in ``buffer``."""
    quotes = 0
    pos = start
    while True:
        match = _LINE_END.search(buffer, pos)
        if match is None:
            return None
        at = match.start()
        quotes += buffer.count(b'"', pos, at)
        end = at + 1
        if buffer[at : at + 1] == b"\r":
            if end >= len(buffer):
                return None  # a "\n" may follow in the next read
            if buffer[end : end + 1] == b"\n":
                end += 1
        if quotes % 2 == 0:
            return end
        pos = end


def _lines(row: bytes) -> int:
    return max(1, row.count(b"\n") + row.count(b"\r") - row.count(b"\r\n"))


def _cut_at_line(sample: bytes) -> bytes:
    """The sample up to its last line break (a half line would confuse the Sniffer)."""
    last = max(sample.rfind(b"\n"), sample.rfind(b"\r"))
    return sample[: last + 1] if last >= 0 else sample


def _candidates(sample: str) -> list[str]:
    """Separators to try, the Sniffer's choice first."""
    try:
        sniffed = csv.Sniffer().sniff(sample, delimiters=DELIMITERS).delimiter
    except csv.Error:
        sniffed = ","
    return [sniffed, *(d for d in DELIMITERS if d != sniffed)]


def _split(header_text: str, delimiter: str) -> list[str]:
    reader = csv.reader(io.StringIO(header_text, newline=""), delimiter=delimiter)
    try:
        return next(reader, [])
    except csv.Error:
        return header_text.split(delimiter)


# ---- rows ---------------------------------------------------------------------------------------------


def read_chunks(source: FileSource, layout: CsvLayout) -> Iterator[FlatChunk]:
    """The file's records in chunks, in order, blank rows left out; InputError for a ragged row (naming its
    line), bytes that are not UTF-8, or a cell over MAX_CELL_CHARS."""
    decimal_comma = layout.delimiter != ","
    done = 0  # records (blank ones included) already yielded by the Arrow reader
    irregular = False
    try:
        for columns, count in _arrow_blocks(source, layout):
            chunk = csv_chunk(columns, layout.header, done + 2, source.name, decimal_comma=decimal_comma)
            done += count
            if len(chunk):
                yield chunk
    except _Irregular:
        irregular = True
    if irregular:
        yield from _python_chunks(source, layout, skip=done, decimal_comma=decimal_comma)


class _Irregular(Exception):
    """A row Arrow cannot take as it is: the Python reader decides."""


def _arrow_blocks(source: FileSource, layout: CsvLayout) -> Iterator[tuple[list[pa.Array], int]]:
    width = len(layout.header.names)
    seen_irregular: list[bool] = []

    def on_invalid(row: pacsv.InvalidRow) -> str:
        seen_irregular.append(True)
        return "skip"

    names = [f"c{i}" for i in range(width)]
    with source.open() as handle:
        handle.seek(layout.body_offset)
        try:
            reader = pacsv.open_csv(
                handle,
                read_options=pacsv.ReadOptions(column_names=names, block_size=BLOCK_BYTES),
                parse_options=pacsv.ParseOptions(
                    delimiter=layout.delimiter,
                    newlines_in_values=True,
                    ignore_empty_lines=False,
                    invalid_row_handler=on_invalid,
                ),
                convert_options=pacsv.ConvertOptions(
                    column_types=dict.fromkeys(names, pa.string()),
                    strings_can_be_null=True,
                    quoted_strings_can_be_null=True,
                    null_values=[""],
                ),
            )
            for batch in reader:
                if seen_irregular:
                    raise _Irregular
                if batch.num_rows:
                    columns = [batch.column(i) for i in range(width)]
                    if any(_longest(c) > MAX_CELL_CHARS for c in columns):
                        raise _Irregular  # the Python reader enforces the cell limit and names the line
                    yield columns, batch.num_rows
            if seen_irregular:
                raise _Irregular
        except pa.ArrowException:  # not UTF-8, an over-long row, …: the Python reader says where
            raise _Irregular from None
        except StopIteration:  # empty body
            return


def _longest(column: pa.Array) -> int:
    """The longest cell in bytes (at least its length in characters)."""
    longest = pc.max(pc.binary_length(column)).as_py()
    return int(longest or 0)


def _python_chunks(
    source: FileSource, layout: CsvLayout, *, skip: int, decimal_comma: bool
) -> Iterator[FlatChunk]:
    header = layout.header
    width, named_width = len(header.names), header.width
    records_seen = 0
    batch: list[list[str | None]] = []
    first_row = 2 + skip
    with source.open() as raw:
        raw.seek(layout.body_offset)
        text = io.TextIOWrapper(raw, encoding="utf-8", newline="", errors="strict")
        reader = csv.reader(text, delimiter=layout.delimiter, strict=False)
        with _field_limit(MAX_CELL_CHARS):
            while True:
                try:
                    cells = next(reader)
                except StopIteration:
                    break
                except UnicodeDecodeError:
                    line = _bad_utf8_line(source, layout)
                    raise InputError(f"{source.name}:{line}: not UTF-8 text; save the file as UTF-8 CSV") from None
                except csv.Error as exc:
                    line = layout.header_lines + reader.line_num
                    raise InputError(f"{source.name}:{line}: not a readable CSV row ({_csv_reason(exc)})") from None
                records_seen += 1
                if records_seen <= skip:
                    continue
                if not any(c.strip() for c in cells):
                    cells = []  # a blank row: kept in place (row numbers), dropped as a record below
                elif len(cells) != width:
                    cells = _fit(cells, width, named_width, layout.header_lines + reader.line_num, source.name)
                batch.append([c if c else None for c in cells] if cells else [None] * width)
                if len(batch) >= CHUNK_ROWS:
                    yield _as_chunk(batch, width, header, first_row, source.name, decimal_comma)
                    first_row += len(batch)
                    batch = []
    if batch:
        yield _as_chunk(batch, width, header, first_row, source.name, decimal_comma)


# Blank cells a row may have beyond the header's columns: its trailing separator.
TRAILING_SEPARATORS = 1


def _fit(cells: list[str], width: int, named_width: int, line: int, name: str) -> list[str]:
    """A row that is not exactly as wide as the header: a blank cell beyond the header's columns is a
    trailing separator (one per row, as exporters write it; the header's own trailing separators are
    part of ``width``); anything else would shift or lose cells. Two or more blank cells beyond the
    header are not a trailing separator but a row shifted by an unquoted separator inside a cell whose
    last columns happen to be blank (``555-1;555-2`` in a ``;`` file): an error, like any ragged row."""
    if len(cells) == width + TRAILING_SEPARATORS and not any(c.strip() for c in cells[width:]):
        return cells[:width]
    if named_width <= len(cells) < width:
        return cells + [""] * (width - len(cells))
    raise InputError(
        f"{name}:{line}: line {line} has {len(cells):,} fields but the header has {named_width:,} "
        "(check quoting and separators)"
    )


def _as_chunk(
    batch: list[list[str | None]], width: int, header: Header, first_row: int, name: str, decimal_comma: bool
) -> FlatChunk:
    columns = [pa.array([row[i] for row in batch], type=pa.string()) for i in range(width)]
    return csv_chunk(columns, header, first_row, name, decimal_comma=decimal_comma)


@contextlib.contextmanager
def _field_limit(limit: int) -> Iterator[None]:
    old = csv.field_size_limit(limit)
    try:
        yield
    finally:
        csv.field_size_limit(old)


def _csv_reason(exc: csv.Error) -> str:
    message = str(exc)
    if "field larger than field limit" in message:
        return f"a cell is longer than {MAX_CELL_CHARS:,} characters"
    if "NUL" in message:
        return "it contains a NUL byte; is this a CSV file?"
    return message


def _bad_utf8_line(source: FileSource, layout: CsvLayout) -> int:
    """The physical line of the first byte that is not UTF-8 (read again in blocks, in bounded memory)."""
    lines = layout.header_lines + 1
    pending = b""
    with source.open() as raw:
        raw.seek(layout.body_offset)
        while True:
            block = raw.read(1 << 20)
            if not block:
                return lines
            buffer = pending + block
            try:
                buffer.decode("utf-8")
            except UnicodeDecodeError as exc:
                if exc.end >= len(buffer) and "unexpected end" in exc.reason:
                    pending = buffer[exc.start :]
                    lines += buffer.count(b"\n", 0, exc.start)
                    continue
                return lines + buffer.count(b"\n", 0, exc.start)
            pending = b""
            lines += buffer.count(b"\n")
