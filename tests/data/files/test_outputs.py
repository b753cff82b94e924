"""Outputs: integers stay integers, XLSX cells are typed, CSV is safe to open, nothing overwrites the
input, and an unwritable stdout is one line (issues 7 §1 and 8)."""

from __future__ import annotations

import csv
import io
import os
import subprocess
import sys
from pathlib import Path

import openpyxl
import orjson
import pandas as pd
import pytest

from data.files import table_bytes

from .helpers import run

ROOT = Path(__file__).resolve().parents[3]


def csv_rows(data: bytes) -> list[list[str]]:
    return list(csv.reader(io.StringIO(data.decode("utf-8"), newline="")))


# ---- integers stay integers -------------------------------------------------------------------------


def test_issue_example_integer_scores_stay_integers_when_another_row_failed(tmp_path: Path) -> None:
    """CSV output wrote 46.0 when another row Failed; missing values are blank, never NaN."""
    source, out = tmp_path / "book.csv", tmp_path / "out.csv"
    source.write_text("practice_id,name,vet_count,enrichment_status\nP1,A,6,Completed\n,No id,,\nP3,C,2,Completed\n")
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    rows = csv_rows(out.read_bytes())
    header = rows[0]
    scores = [r[header.index("lead_score")] for r in rows[1:]]
    durations = [r[header.index("scoring_duration_ms")] for r in rows[1:]]
    assert scores[1] == "" and all(s.isdigit() for s in (scores[0], scores[2]))
    assert all(d.isdigit() for d in durations)


def test_integer_input_columns_from_json_lines_stay_integers(tmp_path: Path) -> None:
    """JSON Lines flattened to CSV: a vet count is 6, not 6.0, when another record has none."""
    source, out = tmp_path / "book.jsonl", tmp_path / "out.csv"
    records = [
        {"practice_id": "a", "google_maps_data": {"reviews_count": 40}, "enrichment_data": {"vet_count": 6}},
        {"practice_id": "b", "google_maps_data": {}, "enrichment_data": {"vet_count": None}},
    ]
    source.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert frame["vet_count"].tolist() == ["6", ""] and frame["reviews_count"].tolist() == ["40", ""]


def test_nullable_integer_columns_are_written_as_integers() -> None:
    """What the Leads export hands the writer (initial_score as a nullable integer)."""
    frame = pd.DataFrame(
        {"initial_score": pd.array([64, None], dtype="Int64"), "rating": [4.5, None], "whole": [64.0, None]}
    )
    rows = csv_rows(table_bytes(frame, "csv"))
    assert rows == [["initial_score", "rating", "whole"], ["64", "4.5", "64"], ["", "", ""]]
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, "xlsx"))).active
    first = next(sheet.iter_rows(min_row=2, max_row=2))[0]
    assert (first.value, first.data_type) == (64, "n")


# ---- XLSX: typed cells, text never a formula, header frozen and filterable -----------------------------


def test_xlsx_numbers_are_numbers_text_is_text_and_the_header_is_frozen(tmp_path: Path) -> None:
    source, out = tmp_path / "book.csv", tmp_path / "out.xlsx"
    source.write_text(
        'practice_id,name,vet_count,crm_note\nP1,"=HYPERLINK(""http://evil"",""x"")",6,@SUM(1+1)\nP2,-2+3 Vet,,+1 555\n'
    )
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    sheet = openpyxl.load_workbook(out).active
    assert sheet.freeze_panes == "A2"
    assert sheet.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(sheet.max_column)}3"
    cells = {c.value: c.data_type for row in sheet.iter_rows() for c in row if c.value is not None}
    assert cells['=HYPERLINK("http://evil","x")'] == "s"  # shown as written, no apostrophe, never run
    assert cells["@SUM(1+1)"] == "s" and cells["-2+3 Vet"] == "s"
    assert "f" not in cells.values()
    header = [c.value for c in sheet[1]]
    scores = [r[header.index("lead_score")] for r in sheet.iter_rows(min_row=2, values_only=True)]
    assert all(isinstance(s, int) for s in scores)


# ---- CSV injection through line breaks ------------------------------------------------------------------


@pytest.mark.parametrize("cell", ["1 Main St\r@SUM(1+1)", "1 Main St\n=HYPERLINK(\"http://x\")", "a\r\n-2+3"])
def test_issue_example_a_line_break_inside_a_cell_never_starts_a_live_row(tmp_path: Path, cell: str) -> None:
    """Every field holding \\r or \\n is quoted, so no reader splits the row there (score output and both
    app downloads, which share table_bytes)."""
    frame = pd.DataFrame({"practice_id": ["P1", "P2"], "address": [cell, "2 Oak Ave"], "n": [1, 2]})
    for data in (table_bytes(frame, "csv"),):
        rows = csv_rows(data)
        assert rows == [["practice_id", "address", "n"], ["P1", cell, "1"], ["P2", "2 Oak Ave", "2"]]
        assert ('"' + cell.replace('"', '""') + '"').encode() in data
    source, out = tmp_path / "book.jsonl", tmp_path / "out.csv"
    source.write_bytes(orjson.dumps({"practice_id": "P1", "google_maps_data": {"address": cell}}))
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    written = csv_rows(out.read_bytes())
    assert len(written) == 2 and written[1][written[0].index("address")] == cell
    # what a spreadsheet reads: one row per practice, and no cell that starts like a formula
    assert not any(c[:1] in ("=", "+", "@") for row in written[1:] for c in row if not c.startswith("{"))


def test_formula_text_keeps_owasps_apostrophe_in_csv() -> None:
    frame = pd.DataFrame({"=cmd": ["=HYPERLINK(\"x\")", "-5", "@A1", "+1 555", "plain", "-2+3"]})
    assert csv_rows(table_bytes(frame, "csv")) == [
        ["'=cmd"], ["'=HYPERLINK(\"x\")"], ["-5"], ["'@A1"], ["'+1 555"], ["plain"], ["'-2+3"]
    ]


# ---- the input is never the output ------------------------------------------------------------------


def _same(tmp_path: Path) -> Path:
    source = tmp_path / "same.jsonl"
    source.write_bytes(orjson.dumps({"practice_id": "a", "google_maps_data": {}}) + b"\n")
    return source


@pytest.mark.parametrize("spelling", ["same", "dotted", "symlink", "hardlink"])
def test_issue_example_the_output_may_not_be_the_input(tmp_path: Path, spelling: str) -> None:
    source = _same(tmp_path)
    before = source.read_bytes()
    target = {
        "same": source,
        "dotted": tmp_path / "sub" / ".." / "same.jsonl",
        "symlink": tmp_path / "link.jsonl",
        "hardlink": tmp_path / "hard.jsonl",
    }[spelling]
    (tmp_path / "sub").mkdir()
    if spelling == "symlink":
        target.symlink_to(source)
    elif spelling == "hardlink":
        os.link(source, target)
    result = run("score", str(source), "-o", str(target))
    assert result.exit_code == 2
    assert result.stderr.count("\n") == 1 and "is the input file" in result.stderr
    assert source.read_bytes() == before


# ---- stdout that cannot be written ----------------------------------------------------------------


@pytest.mark.skipif(not Path("/dev/full").exists(), reason="needs /dev/full (Linux)")
@pytest.mark.parametrize("lines", [1, 5_000])
def test_issue_example_a_full_disk_on_stdout_is_one_line(tmp_path: Path, lines: int) -> None:
    source = tmp_path / "big.jsonl"
    record = orjson.dumps({"practice_id": "p", "google_maps_data": {}}) + b"\n"
    source.write_bytes(record * lines)
    with open("/dev/full", "wb") as full:
        result = subprocess.run(
            [sys.executable, "-m", "data.cli", "score", str(source)],
            stdout=full, stderr=subprocess.PIPE, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=120,
        )
    stderr = result.stderr.decode()
    assert result.returncode == 2
    said = "leadscore: error: cannot write the scores to standard output (No space left on device)"
    assert stderr.splitlines() == [said]
