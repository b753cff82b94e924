"""What leadscore will read: the limits that keep a hostile or accidental file from taking the machine.

One source of truth for the numbers the README's "Limits" section states. A file over a limit is refused
in one sentence that names the limit, before the memory it would need is spent:

* what can be streamed is streamed: ``leadscore score`` reads CSV and JSON Lines in chunks and writes
  its CSV/JSON Lines output chunk by chunk, so those have no row limit;
* what must be held whole — an XLSX sheet, a JSON array, an import into the store, an upload in the
  app — is bounded in rows, columns and cells;
* an XLSX (a zip) is checked before it is opened: the uncompressed size its directory declares, the
  compression ratio of each part, and the sheet's declared ``<dimension>``.
"""

from __future__ import annotations

MAX_COLUMNS = 500
"""Columns of a CSV or XLSX header (SPEC §1 has 22; sales and extra columns come on top)."""

MAX_ROWS = 100_000
"""Rows of a book held whole: an XLSX sheet (read or written), an import, an upload in the app."""

MAX_CELLS = 3_000_000
"""Rows × columns of an XLSX sheet, from its declared dimension, checked before any cell is read."""

MAX_UNCOMPRESSED_BYTES = 256 * 2**20
"""All parts of an XLSX together, uncompressed, as the zip directory declares them."""

MAX_COMPRESSION_RATIO = 100
"""Uncompressed ÷ compressed size of an XLSX part (over 1 MiB); real workbooks stay below ~20."""

RATIO_CHECKED_FROM_BYTES = 2**20
"""Parts smaller than this are never a memory risk, whatever their ratio."""

MAX_JSON_BYTES = 64 * 2**20
"""A .json array is parsed whole; bigger books belong in JSON Lines, which is streamed."""

MAX_UPLOAD_BYTES = 64 * 2**20
"""A file uploaded on the Import page (about 250,000 CSV rows of SPEC §1 columns)."""

MAX_CELL_CHARS = 131_072
"""Characters in one CSV cell (Python's csv module's own limit)."""

XLSX_MAX_SHEET_ROWS = 1_048_576
"""Excel's own row limit: an XLSX output cannot hold more, whatever leadscore allows."""


def describe() -> str:
    """The limits in one sentence (for help texts and the README)."""
    return (
        f"at most {MAX_COLUMNS:,} columns; XLSX sheets, imports and uploads at most {MAX_ROWS:,} rows "
        f"and {MAX_CELLS:,} cells; an XLSX at most {MAX_UNCOMPRESSED_BYTES // 2**20:,} MiB uncompressed, "
        f"compressed at most {MAX_COMPRESSION_RATIO}:1; a .json array at most {MAX_JSON_BYTES // 2**20:,} MiB; "
        f"an upload at most {MAX_UPLOAD_BYTES // 2**20:,} MiB"
    )
