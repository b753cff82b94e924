"""Files: readers (JSON Lines, JSON, CSV, XLSX → a book of practices), writers (atomic, formula-safe
CSV/XLSX/JSON Lines), the `leadscore score` batch workflow and the importer (preview, then store)."""

from .readers import INPUT_SUFFIXES, Book, InputError, flatten_record, read_book, read_csv_bytes, read_xlsx_bytes
from .writers import (
    OUTPUT_SUFFIXES,
    SCORE_COLUMNS,
    atomic_output,
    formula_safe,
    neutralise_formula,
    scored_frame,
    table_bytes,
    write_table,
)

__all__ = [
    "INPUT_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "SCORE_COLUMNS",
    "Book",
    "InputError",
    "atomic_output",
    "flatten_record",
    "formula_safe",
    "neutralise_formula",
    "read_book",
    "read_csv_bytes",
    "read_xlsx_bytes",
    "scored_frame",
    "table_bytes",
    "write_table",
]
