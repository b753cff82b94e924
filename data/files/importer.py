"""Importing a CSV/XLSX of practices: a per-row validation report first, then store and score."""

from __future__ import annotations

import math
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pandas as pd

from scoring.breakdown import short_repr
from scoring.features import FeatureTable, record_from_flat_row
from scoring.fields import FLAT_COLUMNS

from ..scoring_runs import RunReport, run_scoring
from ..store import Store
from .readers import InputError, read_csv_bytes, read_xlsx_bytes

# Optional sales columns an import may carry (the Leads table shows them).
SALES_COLUMNS = {
    "initial_score": "initial_score",
    "status": "status",
    "assigned_to": "assigned_to",
    "owner": "assigned_to",
    "call_notes": "call_notes",
    "last_contact": "last_contact",
    "tags": "tags",
}


@dataclass
class UploadPreview:
    name: str
    frame: pd.DataFrame
    table: FeatureTable
    report: pd.DataFrame  # one row per input row: row, practice_id, outcome, problems

    @property
    def readable(self) -> int:
        return int(self.table.readable.sum())

    @property
    def unreadable(self) -> int:
        return len(self.table) - self.readable

    @property
    def with_warnings(self) -> int:
        return int((self.report["outcome"] == "scored with warnings").sum())


def preview_upload(name: str, data: bytes) -> UploadPreview:
    """Read an uploaded file and say, row by row, what importing it would do. InputError if unusable."""
    suffix = Path(name).suffix.lower()
    if suffix == ".csv":
        frame = read_csv_bytes(data, Path(name))
    elif suffix == ".xlsx":
        frame = read_xlsx_bytes(data, Path(name))
    else:
        raise InputError(f"{name}: unsupported file type {suffix or '(none)'} (upload a .csv or .xlsx file)")
    if frame.empty:
        raise InputError(f"{name}: the file has a header but no rows")
    table = FeatureTable.from_frame(frame)
    rows = []
    for i in range(len(table)):
        spreadsheet_row = i + 2  # row 1 is the header
        if not table.readable[i]:
            rows.append((spreadsheet_row, table.practice_id[i], "not imported", table.unreadable[i]))
            continue
        issues = table.issues.get(i, ())
        problems = "; ".join(f"{x.field.split('.')[-1]}: {short_repr(x.value, 40)} — {x.problem}" for x in issues)
        rows.append((spreadsheet_row, table.practice_id[i], "scored with warnings" if issues else "ok", problems))
    report = pd.DataFrame(rows, columns=["row", "practice_id", "outcome", "problems"])
    duplicates = report["practice_id"].dropna().duplicated(keep="last")
    if duplicates.any():
        dup_index = report["practice_id"].dropna()[duplicates].index
        report.loc[dup_index, "outcome"] = "not imported"
        report.loc[dup_index, "problems"] = "the same practice_id appears again further down (the last row wins)"
    return UploadPreview(name, frame, table, report)


def _cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and math.isnan(value)) or value is pd.NA:
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def import_upload(store: Store, preview: UploadPreview) -> RunReport:
    """Store the importable rows (source 'import') and score them as one run."""
    keep = preview.report["outcome"] != "not imported"
    columns = {str(c).strip(): c for c in preview.frame.columns}
    rows = []
    for i in preview.report.index[keep]:
        flat = preview.frame.iloc[int(i)].to_dict()
        record = record_from_flat_row(flat)
        record["practice_id"] = preview.table.practice_id[int(i)]
        sales: dict[str, Any] = {}
        for column, target in SALES_COLUMNS.items():
            if column in columns:
                sales[target] = _cell(flat[columns[column]])
        tags = sales.get("tags")
        sales["tags"] = [t.strip() for t in str(tags).split(";") if t.strip()] if tags else []
        if sales.get("initial_score") is not None:
            try:
                sales["initial_score"] = float(sales["initial_score"])
            except (TypeError, ValueError):
                sales["initial_score"] = None
        if sales.get("last_contact") is not None:
            sales["last_contact"] = str(sales["last_contact"])[:10]
        extra = {c: _cell(flat[columns[c]]) for c in columns if c not in FLAT_COLUMNS and c not in SALES_COLUMNS}
        gm = record.get("google_maps_data", {})
        rows.append(
            {
                "practice_id": record["practice_id"],
                "source": "import",
                "name": gm.get("name") if isinstance(gm.get("name"), str) else None,
                "address": gm.get("address") if isinstance(gm.get("address"), str) else None,
                "record": record,
                "enrichment_status": record.get("enrichment_status"),
                "extra": {k: v for k, v in extra.items() if v is not None},
                **sales,
            }
        )
    store.upsert_practices(rows)
    return run_scoring(store, [r["practice_id"] for r in rows], kind="import", trigger="import")
