"""What a sales rep and a manager do, in a real browser. Screenshots land in tests/e2e/output/."""

from __future__ import annotations

import re

import pytest

from data.store import Store
from data.views import LeadFilters, filter_leads, prepare_leads

from .conftest import settle, shoot

pytestmark = pytest.mark.e2e


def open_app(page, path: str = "/"):  # type: ignore[no-untyped-def]
    page.goto(path)
    settle(page)
    return page


def choose(page, label: str, option: str) -> None:  # type: ignore[no-untyped-def]
    """Pick an option in a Streamlit select/multiselect by its label, as a keyboard user would."""
    box = page.get_by_label(label, exact=True)
    box.click()
    box.fill(option)
    page.get_by_role("option", name=option).first.click()
    settle(page)


def test_leads_filter_to_hot_and_open_a_practice(page) -> None:  # type: ignore[no-untyped-def]
    open_app(page)
    page.get_by_text("500 of 500 practices").wait_for()
    shoot(page, "leads")
    choose(page, "Tier", "Hot")
    page.keyboard.press("Escape")
    caption = page.get_by_text(re.compile(r"\d+ of 500 practices · tier Hot"))
    caption.wait_for()
    assert "tier=Hot" in page.url  # the filter lives in the address
    shoot(page, "leads-hot")
    # The same address in a new tab reproduces the view.
    shared = page.context.new_page()
    shared.goto(page.url)
    settle(shared)
    shared.get_by_text(re.compile(r"\d+ of 500 practices · tier Hot")).wait_for()
    shared.close()

    page.get_by_role("button", name=re.compile("Open a practice by name")).click()  # the picker's dialog
    picker = page.get_by_label(re.compile(r"^Open a practice \("))  # the dialog's list, not the dialog
    picker.click()
    page.keyboard.press("ArrowDown")  # open the list (a click after a resized screenshot only focuses)
    page.get_by_role("option").first.click()
    settle(page)
    page.get_by_text("Components against their maxima").wait_for()
    assert "/practice" in page.url and "id=" in page.url
    assert page.locator(".js-plotly-plot").count() >= 2
    shoot(page, "practice")


def test_rescore_a_practice_and_see_the_result(page, store_path) -> None:  # type: ignore[no-untyped-def]
    open_app(page, "/practice?id=demo-0007")
    page.get_by_text("Why this score").wait_for()
    store = Store.open(store_path)
    before = len(store.history("demo-0007"))
    page.get_by_role("button", name="Rescore").click()
    settle(page)
    page.get_by_text(re.compile(r"Rescored: ")).wait_for()
    assert len(store.history("demo-0007")) == before + 1
    assert store.score("demo-0007")["trigger"] == "manual"
    shoot(page, "practice-rescored")


def test_what_if_threshold_moves_practices(page) -> None:  # type: ignore[no-untyped-def]
    open_app(page, "/whatif")
    page.get_by_text("0 practices change tier").wait_for()
    slider = page.get_by_role("slider").first  # "Hot from"
    slider.focus()
    for _ in range(10):  # 80 → 70
        page.keyboard.press("ArrowLeft")
    settle(page)
    moved = page.get_by_text(re.compile(r"^[1-9][\d,]* practices change tier"))
    moved.wait_for()
    assert page.get_by_text("Movement between tiers").count() == 1
    shoot(page, "whatif")


def test_upload_a_csv_see_the_report_and_import(page, tmp_path, store_path) -> None:  # type: ignore[no-untyped-def]
    csv = tmp_path / "new-practices.csv"
    csv.write_text(
        "practice_id,name,rating,reviews_count,enrichment_status,enrichment_confidence,vet_count,phone_numbers\n"
        "e2e-1,Browser Test Animal Hospital,4.7,230,Completed,high,6,555-0100;555-0101;555-0102\n"
        "e2e-2,Typo Vet,4.9,80,Completed,medium,six,555-0199\n",
        encoding="utf-8",
    )
    open_app(page, "/import_export")
    # The practices uploader (the page also has one for activity events, issue 11).
    uploader = page.get_by_role("region", name="CSV, XLSX or JSON Lines file", exact=True)
    uploader.locator("input[type=file]").set_input_files(str(csv))
    settle(page)
    page.get_by_text("Validation report, row by row").wait_for()
    shoot(page, "import-report")
    page.get_by_role("button", name=re.compile("Import and score 2 practices")).click()
    settle(page)
    page.get_by_text(re.compile("Imported 2 practices from new-practices.csv")).wait_for()
    store = Store.open(store_path)
    assert store.score("e2e-1")["priority_tier"] == "Hot"
    assert "Data Validation Error" in store.score("e2e-2")["confidence_flags"]
    shoot(page, "import-done")


def test_operations_page(page) -> None:  # type: ignore[no-untyped-def]
    open_app(page, "/operations")
    page.get_by_text("Scoring runs").wait_for()
    page.get_by_text("Data quality").wait_for()
    shoot(page, "operations")


def test_clicking_a_row_opens_that_practice(page, store_path) -> None:  # type: ignore[no-untyped-def]
    open_app(page, "/?tier=Hot")
    top = filter_leads(prepare_leads(Store.open(store_path).leads_frame()), LeadFilters(tiers=["Hot"])).iloc[0]
    grid = page.locator(".st-key-leads_table [data-testid='stDataFrame']")
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None
    # The grid is a canvas: click the selection box of the first data row (below the 35 px header).
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)
    page.wait_for_url(re.compile(r"/practice\?id="), timeout=30_000)
    settle(page)
    page.get_by_text("Why this score").wait_for()
    assert f"id={top['practice_id']}" in page.url
    assert page.get_by_role("heading", level=1).inner_text().strip() == top["name"]
