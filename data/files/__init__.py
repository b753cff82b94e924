"""Files: readers (JSON Lines, JSON, CSV, XLSX → a book of practices), writers (atomic, typed, safe
CSV/XLSX/JSON Lines), the `leadscore score` batch workflow and the importer (preview, then store).

Names are loaded on first use, so `leadscore score` on JSON Lines never imports pandas."""

from __future__ import annotations

import importlib
from typing import Any

from .source import FileSource, InputError

_LAZY = {
    "INPUT_SUFFIXES": "readers",
    "Book": "readers",
    "flatten_record": "jsonl",
    "open_flat": "readers",
    "read_book": "readers",
    "OUTPUT_SUFFIXES": "writers",
    "SCORE_COLUMNS": "writers",
    "atomic_output": "atomic",
    "neutralise_formula": "writers",
    "table_bytes": "writers",
    "write_table": "writers",
}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{module}"), name)


__all__ = ["FileSource", "InputError", *_LAZY]
