"""Issue 8, "Hostile files are bounded": limits checked before memory is spent, one line, exit 2 — in the
CLI and on the Import page alike. The slow tests run the issue's own files as whole processes with their
memory and time loosely bounded; CI runs them too."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from data.files import InputError, read_book
from data.files.limits import MAX_COLUMNS, MAX_ROWS

from . import hostile
from .helpers import refusals

ROOT = Path(__file__).resolve().parents[3]


# ---- XLSX: declared sizes checked before a cell is read ---------------------------------------------


def test_issue_example_the_only_cell_at_xfd1048576(tmp_path: Path) -> None:
    source = hostile.far_cell_xlsx(tmp_path / "far.xlsx")
    assert source.stat().st_size < 6_000
    for message in refusals(source):
        assert "the sheet spans A1:XFD1048576 (1,048,576 rows × 16,384 columns)" in message
        assert f"at most {MAX_ROWS:,} rows, {MAX_COLUMNS:,} columns" in message


def test_a_far_cell_in_a_sheet_without_a_dimension(tmp_path: Path) -> None:
    """No <dimension> to check: the row reaching column XFD is refused as it is met, never padded."""
    source = hostile.far_cell_xlsx(tmp_path / "far.xlsx", with_dimension=False)
    for message in refusals(source):
        assert "row 1048576 has a value in column XFD" in message


def test_a_zip_bomb_is_refused_by_its_declared_size(tmp_path: Path) -> None:
    source = hostile.zip_bomb_xlsx(tmp_path / "bomb.xlsx", 300, level=1)
    assert source.stat().st_size < 2_000_000
    for message in refusals(source):
        assert "the workbook unpacks to 300 MiB; leadscore reads at most 256 MiB" in message


def test_a_small_zip_bomb_is_refused_by_its_compression_ratio(tmp_path: Path) -> None:
    source = hostile.zip_bomb_xlsx(tmp_path / "bomb.xlsx", 40)
    for message in refusals(source):
        assert "xl/worksheets/sheet1.xml is compressed" in message and "a zip bomb?" in message


def test_issue_example_a_million_rows_in_a_small_workbook(tmp_path: Path) -> None:
    source = hostile.many_rows_xlsx(tmp_path / "rows.xlsx", 1_000_000, dimension=True)
    assert source.stat().st_size < 400_000
    for message in refusals(source):
        assert "1,000,000 rows" in message or "compressed" in message


def test_rows_beyond_the_limit_are_counted_as_they_stream(tmp_path: Path) -> None:
    """A sheet that declares no size and compresses like a real one is stopped at the row limit."""
    source = hostile.numbered_rows_xlsx(tmp_path / "rows.xlsx", 60)
    assert len(read_book(source, max_rows=60)) == 60
    with pytest.raises(InputError, match="more than 50 rows; leadscore reads at most 50"):
        read_book(source, max_rows=50)


def test_damaged_workbooks_are_one_line(tmp_path: Path) -> None:
    source = tmp_path / "book.xlsx"
    source.write_bytes(b"PK\x03\x04 not really a zip")
    for message in refusals(source):
        assert "not a readable XLSX workbook" in message


# ---- CSV: columns bounded, duplicates found in one pass -------------------------------------------


@pytest.mark.parametrize("columns", [3_000, 20_000, 1_000_000])
def test_too_many_columns_is_one_line(tmp_path: Path, columns: int) -> None:
    source = hostile.wide_csv(tmp_path / "wide.csv", columns)
    for message in refusals(source):
        assert f"the header row has {columns:,} columns; leadscore reads at most {MAX_COLUMNS:,}" in message


def test_the_duplicate_check_names_every_repeated_name(tmp_path: Path) -> None:
    source = tmp_path / "dups.csv"
    names = ["practice_id"] + [f"c{i % 200}" for i in range(MAX_COLUMNS - 1)]
    source.write_text(",".join(names) + "\n" + ",".join(["P1"] * len(names)) + "\n")
    for message in refusals(source):
        assert "duplicate column names in the header row: c0, c1," in message and "more" in message


def test_a_cell_beyond_the_csv_cell_limit_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "long.csv"
    source.write_text("practice_id,name\nP1,ok\nP2," + "x" * 200_000 + "\n")
    for message in refusals(source):
        assert "a cell is longer than 131,072 characters" in message and ":3:" in message


def test_import_and_upload_bound_the_rows_csv_scoring_streams(tmp_path: Path) -> None:
    source = tmp_path / "rows.csv"
    source.write_text("practice_id\n" + "".join(f"P{i}\n" for i in range(60)))
    with pytest.raises(InputError, match="more than 50 rows; leadscore imports at most 50"):
        read_book(source, max_rows=50)
    assert len(read_book(source)) == 60


# ---- the issue's files, as whole processes -------------------------------------------------------


def measured(*args: str, cwd: Path) -> tuple[int, str, float, float]:
    """Run `leadscore ARGS` as its own process: (exit status, stderr, seconds, peak memory in MiB)."""
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([r.returncode, r.stderr, time.perf_counter() - t, peak]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "data.cli", *args],
        capture_output=True, text=True, cwd=cwd, env={**os.environ, "PYTHONPATH": str(ROOT)}, timeout=600,
    )
    code, stderr, seconds, peak = json.loads(out.stdout)
    return code, stderr, seconds, peak


@pytest.mark.slow
@pytest.mark.parametrize(
    ("name", "make", "says", "limit_s"),
    [
        ("far.xlsx", lambda p: hostile.far_cell_xlsx(p), "XFD1048576", 30),
        ("bomb.xlsx", lambda p: hostile.zip_bomb_xlsx(p, 2048), "unpacks to 2,048 MiB", 30),
        ("rows.xlsx", lambda p: hostile.many_rows_xlsx(p, 1_000_000, dimension=True), "is compressed 343:1", 30),
        # declares no size and compresses like a real sheet: read up to the row limit, then refused
        ("nodim.xlsx", lambda p: hostile.numbered_rows_xlsx(p, MAX_ROWS + 50), f"more than {MAX_ROWS:,} rows", 120),
    ],
)
def test_issue_examples_end_in_one_line_within_bounds(tmp_path: Path, name: str, make, says: str, limit_s: int) -> None:  # type: ignore[no-untyped-def]
    """4.7 KB at XFD1048576 (was 23.6 GB, killed); a 2 MB zip bomb (300 s of CPU, then "scored 0");
    a small workbook of 1,000,000 rows (112 s, 4.3 GB); and one that hides its size."""
    source = make(tmp_path / name)
    if name == "bomb.xlsx":
        assert source.stat().st_size < 3_000_000
    for command in (("score", str(source)), ("import", str(source), "--dry-run")):
        code, stderr, seconds, peak = measured(*command, cwd=tmp_path)
        assert code == 2 and stderr.count("\n") == 1 and says in stderr, stderr
        assert peak < 1024 and seconds < limit_s, (peak, seconds)


@pytest.mark.slow
def test_issue_example_a_200_mb_csv_is_scored_in_bounded_memory(tmp_path: Path) -> None:
    """CSV output of a 200 MB CSV took 6.4 GB; it is now read, scored and written chunk by chunk."""
    source = hostile.big_csv(tmp_path / "big.csv", 200)
    assert source.stat().st_size > 190 * 2**20
    out = tmp_path / "out.csv"
    code, stderr, seconds, peak = measured("score", str(source), "-o", str(out), "--no-progress", cwd=tmp_path)
    assert code == 0, stderr
    assert peak < 1024 and seconds < 180, (peak, seconds)
    with open(source, "rb") as inp, open(out, "rb") as outp:
        assert sum(1 for _ in inp) == sum(1 for _ in outp)  # one output row per input row (no quoted breaks)
