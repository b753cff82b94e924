"""`leadscore import` and the import workflow: the row report, dates, and your book replacing the sample."""

from __future__ import annotations

from pathlib import Path

import orjson
import pytest

from data.demo import load_sample_book
from data.files import InputError
from data.files.importer import import_preview, preview_import, preview_upload
from data.store import Store

from .helpers import run, xlsx_bytes

GOOD = (
    "practice_id,name,rating,vet_count,phone_numbers,enrichment_status,owner,status,tags,initial_score,last_contact\n"
)


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    path = tmp_path / "store.db"
    monkeypatch.setenv("LEADSCORE_DB", str(path))
    return path


def book(tmp_path: Path, *rows: str, name: str = "book.csv") -> Path:
    path = tmp_path / name
    path.write_text(GOOD + "".join(r + "\n" for r in rows))
    return path


# ---- the command -------------------------------------------------------------------------------------


def test_import_prints_the_report_and_stores_the_book(tmp_path: Path, db: Path) -> None:
    source = book(
        tmp_path,
        "P1,Harbor Pet Hospital,4.6,6,555-0100;555-0101,Completed,Dana Reyes,Qualified,Referral; Priority,64,"
        "2024-03-12",
        "P2,Odd Paws,7.3,five,555-0102,Completed,,,,abc,31/31/2024",
        ",No Id Clinic,4.0,,,,,,,,",
    )
    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert f"{source}: 3 rows: 1 ready, 1 with warnings, 1 not imported" in out
    assert "row 3 P2 — scored with warnings: rating 7.3 is not a rating from 0 to 5, so it counts as missing" in out
    assert "vet_count “five” is not a whole number" in out and "Input should be" not in out  # plain words
    assert "last_contact “31/31/2024” is not a date" in out and "initial_score “abc” is not a number" in out
    assert "row 4 — not imported: practice_id is missing" in out
    assert "Imported 2 practices: scored 2" in out
    store = Store.open(db)
    p1 = store.practice("P1")
    assert p1 is not None
    assert (p1["assigned_to"], p1["status"], p1["last_contact"], p1["initial_score"]) == (
        "Dana Reyes", "Qualified", "2024-03-12", 64
    )
    assert orjson.loads(p1["tags"]) == ["Referral", "Priority"]
    assert store.practice("P2")["last_contact"] is None  # unreadable date: reported, left blank, row imported
    assert store.score("P2")["scoring_status"] == "Scored"


def test_dry_run_stores_nothing_and_an_unusable_file_is_exit_2(tmp_path: Path, db: Path) -> None:
    source = book(tmp_path, "P1,A,4.5,6,,Completed,,,,,")
    result = run("import", str(source), "--dry-run")
    assert result.exit_code == 0 and "Dry run: nothing stored (1 practice would be imported)" in result.stdout
    assert not db.exists()
    broken = tmp_path / "broken.csv"
    broken.write_text("name,city\nA,B\n")
    result = run("import", str(broken))
    assert result.exit_code == 2 and "no practice_id column" in result.stderr and not db.exists()
    nothing = book(tmp_path, ",A,,,,,,,,,", name="ids.csv")
    result = run("import", str(nothing))
    assert result.exit_code == 2 and "no row can be imported" in result.stderr and not db.exists()


def test_counts_use_thousands_separators(tmp_path: Path, db: Path) -> None:
    rows = [f"P{i},Clinic {i},4.5,{i % 9},,Completed,,,,," for i in range(1_200)]
    rows.append("P5,Again,4.5,2,,Completed,,,,,")
    result = run("import", str(book(tmp_path, *rows)), "--dry-run")
    assert "1,201 rows: 1,200 ready, 0 with warnings, 1 not imported" in result.stdout
    assert "the same practice_id appears again on row 1,202 (the last row wins)" in result.stdout


def test_problem_rows_are_listed_up_to_twenty_unless_asked(tmp_path: Path, db: Path) -> None:
    rows = [f"P{i},Clinic,9,1,,Completed,,,,," for i in range(30)]
    short = run("import", str(book(tmp_path, *rows)), "--dry-run").stdout
    assert short.count("scored with warnings:") == 20 and "… and 10 more (--all-rows lists them all)" in short
    full = run("import", str(book(tmp_path, *rows)), "--dry-run", "--all-rows").stdout
    assert full.count("scored with warnings:") == 30


@pytest.mark.parametrize("suffix", [".jsonl", ".xlsx"])
def test_json_lines_and_xlsx_import_with_their_sales_fields(tmp_path: Path, db: Path, suffix: str) -> None:
    source = tmp_path / f"book{suffix}"
    if suffix == ".jsonl":
        records = [
            {"practice_id": "J1", "google_maps_data": {"name": "Jay"}, "status": "New", "owner": "Marcus Lee",
             "last_contact": "2024-03-12T10:00:00-05:00", "tags": ["VIP"], "territory": "West"},
            {"practice_id": "J2", "google_maps_data": {"name": "Kay"}, "enrichment_data": {"vet_count": 6}},
        ]
        source.write_bytes(b"\n".join(orjson.dumps(r) for r in records))
    else:
        from datetime import datetime

        source.write_bytes(
            xlsx_bytes([
                ["practice_id", "name", "status", "owner", "last_contact", "tags", "territory"],
                ["J1", "Jay", "New", "Marcus Lee", datetime(2024, 3, 12), "VIP", "West"],
                ["J2", "Kay", None, None, None, None, None],
            ])
        )
    result = run("import", str(source))
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    j1 = store.practice("J1")
    assert j1 is not None
    assert (j1["status"], j1["assigned_to"], j1["last_contact"]) == ("New", "Marcus Lee", "2024-03-12")
    assert orjson.loads(j1["tags"]) == ["VIP"] and orjson.loads(j1["extra"]) == {"territory": "West"}
    assert "status" not in orjson.loads(j1["record_json"])  # sales fields are not scoring inputs
    assert store.score("J2")["scoring_status"] == "Scored"


# ---- dates ----------------------------------------------------------------------------------------


def _dates(tmp_path: Path, *cells: str) -> dict[str, str | None]:
    rows = [f"D{i},x,,,,,,,,,{c}" for i, c in enumerate(cells)]
    preview = preview_import(book(tmp_path, *rows))
    return {r["practice_id"]: r.get("last_contact") for r in preview.rows}


def test_issue_example_each_date_cell_is_read_by_itself(tmp_path: Path) -> None:
    """`03/12/2024` first used to decide the format and blank the ISO dates after it."""
    got = _dates(tmp_path, "03/12/2024", "2024-03-14", "2024-03-15T10:00:00Z", "2024-03-16T09:30:00.000-05:00", "")
    assert got == {"D0": "2024-03-12", "D1": "2024-03-14", "D2": "2024-03-15", "D3": "2024-03-16", "D4": None}


def test_the_date_order_setting_reads_ambiguous_dates(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("LEADSCORE_DATE_ORDER", "day-first")
    assert _dates(tmp_path, "03/12/2024", "2024-03-14", "13/01/2024") == {
        "D0": "2024-12-03", "D1": "2024-03-14", "D2": "2024-01-13"
    }
    monkeypatch.setenv("LEADSCORE_DATE_ORDER", "sideways")
    with pytest.raises(InputError, match="LEADSCORE_DATE_ORDER"):
        _dates(tmp_path, "2024-03-14")


def test_an_unreadable_date_is_reported_and_the_row_imports(tmp_path: Path) -> None:
    preview = preview_import(book(tmp_path, "D1,x,,,,,,,,,March 2024", "D2,y,,,,,,,,,2024-03-12"))
    assert preview.report["outcome"].tolist() == ["scored with warnings", "ok"]
    assert "last_contact “March 2024” is not a date" in preview.report["problems"].iloc[0]
    assert [r["practice_id"] for r in preview.rows] == ["D1", "D2"]
    assert preview.rows[1]["last_contact"] == "2024-03-12"  # a valid date is never dropped


# ---- your book replaces the sample ---------------------------------------------------------------------


def test_importing_into_the_sample_book_sets_it_aside(tmp_path: Path, db: Path) -> None:
    store = Store.open(db)
    load_sample_book(store, n=40)
    store.queue_writes({"demo-0001": (1, {"Lead Score": 1})})
    history = store.history_count()
    result = run("import", str(book(tmp_path, "P1,Harbor,4.5,6,,Completed,,,,,")))
    assert result.exit_code == 0
    note = "Your book replaces the sample: the 40 sample practices were set aside (`leadscore demo` brings them back)"
    assert note in result.stdout
    assert store.sources() == {"import": 1}
    assert store.query("SELECT COUNT(*) FROM scores WHERE practice_id LIKE 'demo-%'")[0][0] == 0
    assert store.outbox() == []
    assert store.history_count() == history + 1  # the sample's history stays (append-only)
    back = run("demo", "--size", "40")
    assert back.exit_code == 0 and "Sample book back beside your 1 practice:" in back.stdout
    assert store.sources() == {"import": 1, "demo": 40}


def test_importing_into_an_empty_store_never_loads_the_sample_first(tmp_path: Path, db: Path) -> None:
    result = run("import", str(book(tmp_path, "P1,Harbor,4.5,6,,Completed,,,,,")))
    assert result.exit_code == 0 and "sample" not in result.output
    store = Store.open(db)
    assert store.sources() == {"import": 1}
    assert store.query("SELECT COUNT(*) FROM runs WHERE kind = 'demo'")[0][0] == 0


def test_a_book_beside_the_sample_is_left_alone(tmp_path: Path, db: Path) -> None:
    """Only a store holding nothing but the sample gets it replaced; imports add to anything else."""
    store = Store.open(db)
    load_sample_book(store, n=10)
    store.upsert_practices([{"practice_id": "N1", "source": "notion", "record": {"practice_id": "N1"}}])
    result = run("import", str(book(tmp_path, "P1,Harbor,4.5,6,,Completed,,,,,")))
    assert result.exit_code == 0 and "set aside" not in result.stdout
    assert store.sources() == {"demo": 10, "notion": 1, "import": 1}


def test_remove_sample_keeps_history_and_counts_what_it_removed(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    load_sample_book(store, n=12)
    history = store.history_count()
    assert store.remove_sample() == 12
    assert store.sources() == {} and store.history_count() == history
    assert store.remove_sample() == 0


def test_an_upload_over_the_size_limit_is_refused_before_reading(monkeypatch: pytest.MonkeyPatch) -> None:
    import data.files.importer as importer

    monkeypatch.setattr(importer, "MAX_UPLOAD_BYTES", 1000)
    with pytest.raises(InputError, match="the app imports files up to"):
        preview_upload("big.csv", b"practice_id\n" + b"P1\n" * 1000)


def test_the_template_imports_cleanly(tmp_path: Path) -> None:
    template = Path(__file__).resolve().parents[3] / "docs" / "template.csv"
    preview = preview_import(template)
    assert preview.ready == preview.total == 2
    store = Store.open(tmp_path / "t.db")
    report = import_preview(store, preview)
    assert report.imported == 2 and store.practice("P-0001")["assigned_to"] == "Dana Reyes"
