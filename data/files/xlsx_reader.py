"""XLSX workbooks, checked before they are opened and read row by row (openpyxl's read-only mode).

An XLSX is a zip of XML parts, and both layers can lie about their size: a 4.7 KB file whose only cell
is at XFD1048576 asks a naive reader for 17 billion cells; a 2 MB zip bomb unpacks to gigabytes. So,
before a cell is read:

1. the zip directory's declared sizes: all parts together at most MAX_UNCOMPRESSED_BYTES, each big part
   compressed at most MAX_COMPRESSION_RATIO:1 (Python's zipfile never inflates past a part's declared
   size, so the check holds for lying archives too);
2. the first sheet's declared ``<dimension>``: at most MAX_ROWS rows, MAX_COLUMNS columns, MAX_CELLS cells.

Then rows are streamed without padding to the declared size, and the limits are enforced again on what
is actually there (a sheet may declare nothing, or less than it holds).
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterator
from typing import Any

from .flat import FlatChunk, Header, check_header, column_letter, is_blank, xlsx_chunk
from .limits import (
    MAX_CELLS,
    MAX_COLUMNS,
    MAX_COMPRESSION_RATIO,
    MAX_ROWS,
    MAX_UNCOMPRESSED_BYTES,
    RATIO_CHECKED_FROM_BYTES,
)
from .source import FileSource, InputError

CHUNK_ROWS = 10_000


def check_archive(source: FileSource) -> None:
    """Refuse a workbook whose zip directory declares more than the limits allow (nothing is inflated)."""
    name = source.name
    with source.open() as handle:
        if not zipfile.is_zipfile(handle):
            raise InputError(f"{name}: not a readable XLSX workbook (the file is not an Excel 2007+ .xlsx)")
        handle.seek(0)
        try:
            with zipfile.ZipFile(handle) as archive:
                parts = archive.infolist()
        except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
            raise InputError(f"{name}: not a readable XLSX workbook ({exc})") from None
    total = sum(p.file_size for p in parts)
    if total > MAX_UNCOMPRESSED_BYTES:
        raise InputError(
            f"{name}: the workbook unpacks to {total / 2**20:,.0f} MiB; leadscore reads at most "
            f"{MAX_UNCOMPRESSED_BYTES // 2**20:,} MiB (see README, Limits)"
        )
    for part in parts:
        if part.file_size >= RATIO_CHECKED_FROM_BYTES:
            ratio = part.file_size / max(part.compress_size, 1)
            if ratio > MAX_COMPRESSION_RATIO:
                raise InputError(
                    f"{name}: {part.filename} is compressed {ratio:,.0f}:1 (a zip bomb?); leadscore reads "
                    f"parts compressed at most {MAX_COMPRESSION_RATIO}:1 (see README, Limits)"
                )


def open_sheet(source: FileSource, *, max_rows: int = MAX_ROWS) -> tuple[Header, Iterator[FlatChunk]]:
    """The first sheet's header and its records in chunks (blank rows left out), after :func:`check_archive`.

    InputError for a damaged workbook, a sheet over the limits (declared or found), a header without
    practice_id, or a value beyond the header's columns.
    """
    from openpyxl import load_workbook

    check_archive(source)
    name = source.name
    handle = source.open()
    book = None
    try:
        book = load_workbook(handle, read_only=True, data_only=True)
        sheet = book.worksheets[0]
        _check_dimension(sheet, name, max_rows)
        sheet.reset_dimensions()  # never pad rows to a declared size: read what is there
        rows = _rows(sheet.iter_rows(values_only=True), name)
        header = check_header(_trim(next(rows, (1, ()))[1]), name)
    except BaseException as exc:
        if book is not None:
            book.close()
        handle.close()
        if isinstance(exc, InputError | KeyboardInterrupt | MemoryError):
            raise
        raise _damaged(name, exc) from None

    def chunks() -> Iterator[FlatChunk]:
        try:
            yield from _chunks(rows, header, name, max_rows)
        except InputError:
            raise
        except Exception as exc:
            raise _damaged(name, exc) from None
        finally:
            book.close()
            handle.close()

    return header, chunks()


def _damaged(name: str, exc: BaseException) -> InputError:
    # openpyxl raises many types for damaged workbooks
    return InputError(f"{name}: not a readable XLSX workbook ({type(exc).__name__}: {exc})")


def _check_dimension(sheet: Any, name: str, max_rows: int) -> None:
    rows, columns = sheet.max_row, sheet.max_column  # from the sheet's <dimension>, if it has one
    if not rows or not columns:
        return
    span = f"A1:{column_letter(columns)}{rows}"
    too_big = rows - 1 > max_rows or columns > MAX_COLUMNS or rows * columns > MAX_CELLS
    if too_big:
        raise InputError(
            f"{name}: the sheet spans {span} ({rows:,} rows × {columns:,} columns); leadscore reads at most "
            f"{max_rows:,} rows, {MAX_COLUMNS:,} columns and {MAX_CELLS:,} cells (see README, Limits)"
        )


def _rows(values: Iterator[tuple[Any, ...]], name: str) -> Iterator[tuple[int, tuple[Any, ...]]]:
    """(sheet row number, values) for every row; a row reaching past MAX_COLUMNS is refused at once."""
    for number, cells in enumerate(values, start=1):
        if len(cells) > MAX_COLUMNS and not all(is_blank(c) for c in cells[MAX_COLUMNS:]):
            raise InputError(
                f"{name}: row {number} has a value in column {column_letter(_last(cells))}; leadscore reads at "
                f"most {MAX_COLUMNS:,} columns (see README, Limits)"
            )
        yield number, cells


def _last(cells: tuple[Any, ...]) -> int:
    for i in range(len(cells) - 1, -1, -1):
        if not is_blank(cells[i]):
            return i + 1
    return 0


def _trim(cells: tuple[Any, ...]) -> list[Any]:
    """The header without the blank cells after its last name."""
    return list(cells[: _last(cells)])


def _chunks(
    rows: Iterator[tuple[int, tuple[Any, ...]]], header: Header, name: str, max_rows: int
) -> Iterator[FlatChunk]:
    width = len(header.names)
    batch: list[tuple[int, tuple[Any, ...]]] = []
    records = 0
    for number, cells in rows:
        if all(is_blank(c) for c in cells):
            continue
        if len(cells) > width and not all(is_blank(c) for c in cells[width:]):
            column = column_letter(_last(cells))
            raise InputError(
                f"{name}: row {number} has a value in column {column}, beyond the header's {width:,} columns "
                "(name that column in row 1 or empty it)"
            )
        records += 1
        if records > max_rows:
            raise InputError(
                f"{name}: the sheet has more than {max_rows:,} rows; leadscore reads at most {max_rows:,} "
                "(see README, Limits; CSV files of any size can be scored with `leadscore score`)"
            )
        batch.append((number, cells))
        if len(batch) >= CHUNK_ROWS:
            yield xlsx_chunk(batch, header, name)
            batch = []
    if batch:
        yield xlsx_chunk(batch, header, name)
