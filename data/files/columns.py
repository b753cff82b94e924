"""The columns a flat file (CSV, XLSX) may carry, by what their cells mean.

SPEC §1's columns come from :data:`scoring.fields.FLAT_COLUMNS`; the sales columns are the ones the
importer stores beside a practice (the Leads table shows them). Anything else is an extra column: kept
through to exports as it was written.
"""

from __future__ import annotations

from scoring.fields import FLAT_COLUMNS, check

# Sales column in a file → the store's field (the Leads table shows them; SPEC §10 never writes them).
SALES_COLUMNS: dict[str, str] = {
    "status": "status",
    "assigned_to": "assigned_to",
    "owner": "assigned_to",
    "last_contact": "last_contact",
    "initial_score": "initial_score",
    "call_notes": "call_notes",
    "tags": "tags",
}

NUMBER_COLUMNS: frozenset[str] = frozenset(
    {c for c, path in FLAT_COLUMNS.items() if check(path).kind in ("int", "float")} | {"initial_score"}
)
"""Cells that hold numbers: a decimal comma reads as a decimal point in a file not separated by commas."""

BOOL_COLUMNS: frozenset[str] = frozenset(c for c, path in FLAT_COLUMNS.items() if check(path).kind == "bool")

DATE_COLUMNS: frozenset[str] = frozenset({"last_contact"})

TEXT_COLUMNS: frozenset[str] = frozenset(
    (set(FLAT_COLUMNS) | set(SALES_COLUMNS)) - NUMBER_COLUMNS - BOOL_COLUMNS - DATE_COLUMNS
)
"""Text and list cells (ids, names, phones, choices, tags): a spreadsheet number cell there is the text it
displays (SPEC §1: ``5552010001``, an id ``1001`` — never ``1001.0``)."""

KNOWN_COLUMNS: frozenset[str] = frozenset(set(FLAT_COLUMNS) | set(SALES_COLUMNS))
