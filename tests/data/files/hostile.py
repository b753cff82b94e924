"""Hostile files, made on the spot: tiny on disk, huge when read naively (issue 8)."""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'


def _workbook_with_sheet(path: Path, sheet_parts: list[bytes] | None = None, *, repeat: bytes = b"", times: int = 0,
                         tail: bytes = b"", level: int = 9) -> Path:
    """A real workbook whose first sheet's XML is replaced: ``sheet_parts`` then ``repeat`` × ``times`` then
    ``tail``, streamed into the zip (nothing that big is ever held in memory)."""
    template = io.BytesIO()
    openpyxl.Workbook().save(template)
    with zipfile.ZipFile(template) as src, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=level) as out:
        for item in src.infolist():
            if item.filename == SHEET:
                info = zipfile.ZipInfo(SHEET)
                info.compress_type = zipfile.ZIP_DEFLATED
                with out.open(info, "w", force_zip64=True) as sheet:
                    for part in sheet_parts or []:
                        sheet.write(part)
                    block = repeat * 4096
                    for _ in range(times // 4096):
                        sheet.write(block)
                    sheet.write(repeat * (times % 4096))
                    sheet.write(tail)
            else:
                out.writestr(item, src.read(item.filename))
    return path


def far_cell_xlsx(path: Path, *, with_dimension: bool = True) -> Path:
    """The issue's 4.7 KB workbook whose only cell is at XFD1048576 (optionally with a header in row 1)."""
    if with_dimension:
        book = openpyxl.Workbook()
        book.active["XFD1048576"] = 1
        book.save(path)
        return path
    return _workbook_with_sheet(
        path,
        [
            (_HEAD + '<sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>practice_id</t></is></c></row>').encode(),
            b'<row r="1048576"><c r="XFD1048576"><v>1</v></c></row></sheetData></worksheet>',
        ],
    )


def zip_bomb_xlsx(path: Path, uncompressed_mib: int, *, level: int = 9) -> Path:
    """A workbook whose sheet inflates to ``uncompressed_mib`` MiB (valid XML: a header row, then blank
    space between elements, which deflate packs about 1,000:1 — 2,048 MiB in a 2 MB file)."""
    head = (_HEAD + '<sheetData><row><c t="inlineStr"><is><t>practice_id</t></is></c></row>').encode()
    return _workbook_with_sheet(
        path, [head], repeat=b" " * 1024, times=uncompressed_mib * 1024, tail=b"</sheetData></worksheet>", level=level
    )


def many_rows_xlsx(path: Path, rows: int, *, dimension: bool) -> Path:
    """Rows of one short cell each, without row numbers (allowed, and what makes 1,000,000 rows ~300 KB)."""
    head = _HEAD + (f'<dimension ref="A1:A{rows}"/>' if dimension else "") + "<sheetData>"
    header = b'<row><c t="inlineStr"><is><t>practice_id</t></is></c></row>'
    return _workbook_with_sheet(
        path,
        [head.encode(), header],
        repeat=b'<row><c t="inlineStr"><is><t>P</t></is></c></row>',
        times=rows - 1,
        tail=b"</sheetData></worksheet>",
    )


def numbered_rows_xlsx(path: Path, rows: int) -> Path:
    """A sheet with no <dimension> whose rows all differ (so it compresses like a real one)."""
    import hashlib

    body = b"".join(
        b'<row><c t="inlineStr"><is><t>' + hashlib.sha1(str(i).encode()).hexdigest().encode() + b"</t></is></c></row>"
        for i in range(rows)
    )
    header = b'<row><c t="inlineStr"><is><t>practice_id</t></is></c></row>'
    head = (_HEAD + "<sheetData>").encode()
    return _workbook_with_sheet(path, [head, header, body], tail=b"</sheetData></worksheet>")


def wide_csv(path: Path, columns: int, *, duplicate: bool = False) -> Path:
    names = ["practice_id"] + [f"c{i}" for i in range(columns - 1)]
    if duplicate:
        names[-1] = names[1]
    path.write_text(",".join(names) + "\n" + ",".join(["P1"] + ["x"] * (columns - 1)) + "\n")
    return path


def big_csv(path: Path, megabytes: int) -> Path:
    """About ``megabytes`` MB of realistic rows (the synthetic book, written again and again)."""
    from data.synthetic import synthetic_frame

    text = synthetic_frame(20_000, seed=11).to_csv(index=False)
    header, body = text.split("\n", 1)
    body_bytes = body.encode()
    with open(path, "wb") as handle:
        handle.write(header.encode() + b"\n")
        for _ in range(max(1, megabytes * 2**20 // len(body_bytes))):
            handle.write(body_bytes)
    return path
