"""Files: readers (JSON Lines, JSON, CSV, XLSX → a book of practices), writers (atomic, typed, safe
CSV/XLSX/JSON Lines), the `leadscore score` batch workflow and the importer (preview, then store)."""

from .readers import INPUT_SUFFIXES, Book, flatten_record, open_flat, read_book
from .source import FileSource, InputError
from .writers import (
    OUTPUT_SUFFIXES,
    SCORE_COLUMNS,
    atomic_output,
    neutralise_formula,
    table_bytes,
    write_table,
)

__all__ = [
    "INPUT_SUFFIXES",
    "OUTPUT_SUFFIXES",
    "SCORE_COLUMNS",
    "Book",
    "FileSource",
    "InputError",
    "atomic_output",
    "flatten_record",
    "neutralise_formula",
    "open_flat",
    "read_book",
    "table_bytes",
    "write_table",
]
