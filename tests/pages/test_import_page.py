"""The Import page (issue 9 "Import", issue 8 hostile uploads and user text): driven through AppTest."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from pages.ui import md_escape

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
PAGE = "pages/import_export.py"




def page() -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    return at.switch_page(PAGE).run()


def report_of(at: AppTest):  # type: ignore[no-untyped-def]
    return next(df.value for df in at.dataframe if {"outcome", "problems"} <= set(df.value.columns))


def uploaders(at: AppTest) -> list:  # type: ignore[no-untyped-def]
    return list(at.get("file_uploader"))


CSV = (
    b"practice_id,name,rating,vet_count,enrichment_status\n"
    + b"".join(f"P{i},Clinic {i},4.5,{i % 9},Completed\n".encode() for i in range(1_100))
    + b"P5,Again,9,x,Completed\n"
)


def test_after_an_import_the_uploader_and_button_are_empty(db: Path) -> None:
    at = page()
    at.file_uploader(key="upload").upload("book.csv", CSV, "text/csv").run()
    assert not at.exception
    assert at.button(key="do_import").label == "Import and score 1,100 practices"
    at.button(key="do_import").click().run()
    assert not at.exception
    store = Store.open(db)
    assert store.sources() == {"import": 1_100}  # the sample book was set aside
    assert any("Imported 1,100 practices" in s.value for s in at.success)
    assert any("set aside" in s.value and "leadscore demo" in s.value for s in at.success)
    # no file, no button: pressing again cannot import twice
    assert all(u.value is None for u in uploaders(at))
    assert not [b for b in at.button if b.key == "do_import"]


def test_counts_have_thousands_separators_and_problems_can_be_shown_alone(db: Path) -> None:
    at = page()
    at.file_uploader(key="upload").upload("book.csv", CSV, "text/csv").run()
    metrics = {m.label: m.value for m in at.metric}
    assert metrics == {"Rows ready": "1,099", "Rows with warnings": "1", "Rows not imported": "1"}
    assert len(report_of(at)) == 1_101
    at.toggle(key="problems_only").set_value(True).run()
    problems = report_of(at)
    assert problems["row"].tolist() == [7, 1_102]
    assert problems["problems"].iloc[0] == "the same practice_id appears again on row 1,102 (the last row wins)"
    assert "rating 9 is not a rating from 0 to 5, so it counts as missing" in problems["problems"].iloc[1]
    assert "Input should" not in " ".join(problems["problems"])


def test_the_page_offers_the_template(db: Path) -> None:
    at = page()
    template = [b for b in at.get("download_button") if b.proto.label == "Download the template CSV"]
    assert template, "a download button for docs/template.csv"
    header = (ROOT / "docs" / "template.csv").read_text().splitlines()[0].split(",")
    assert header[:2] == ["practice_id", "name"] and {"status", "assigned_to", "last_contact", "tags"} <= set(header)


@pytest.mark.parametrize(
    "name", ["![x](http://evil.example/p.png).csv", "**URGENT** [open](http://evil.example).csv"]
)
def test_the_file_name_is_shown_literally(db: Path, name: str) -> None:
    at = page()
    at.file_uploader(key="upload").upload(name, b"practice_id,name\nP1,A\n", "text/csv").run()
    at.button(key="do_import").click().run()
    shown = " ".join(s.value for s in at.success)
    assert md_escape(name) in shown and "](http" not in shown


def test_a_hostile_workbook_upload_is_a_sentence(db: Path, tmp_path: Path) -> None:
    from tests.data.files import hostile

    at = page()
    far = hostile.far_cell_xlsx(tmp_path / "far.xlsx").read_bytes()
    at.file_uploader(key="upload").upload("far.xlsx", far, "application/octet-stream").run()
    assert not at.exception
    assert any("cannot be imported" in e.value and "XFD1048576" in e.value for e in at.error)
    bomb = hostile.zip_bomb_xlsx(tmp_path / "bomb.xlsx", 300, level=1).read_bytes()
    at.file_uploader(key="upload").clear().upload("bomb.xlsx", bomb, "application/octet-stream").run()
    assert any("unpacks to 300 MiB" in e.value for e in at.error)
    assert Store.open(db).sources() == {"demo": 500}  # nothing imported, the sample untouched
