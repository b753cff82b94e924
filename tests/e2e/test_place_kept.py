"""Issue 9, second pass, in the browser: a practice opened from Today or the What-if lab goes back (the
browser's Back, and its “← Page” link) to exactly that page and view; two downloads clicked one right
after the other both arrive, with the right content."""

from __future__ import annotations

import io
import re
from urllib.parse import parse_qs, urlparse

import openpyxl
import orjson
import pandas as pd
import pytest

from data.engagement_views import with_engagement
from data.events.engagement import book_engagement
from data.store import Store
from data.views import LeadFilters, export_frame, filter_leads, prepare_leads
from data.whatif_view import movers_table
from scoring.config import ScoringConfig
from scoring.features import FeatureTable
from scoring.vector import retier, score_table
from scoring.whatif import movers

from .conftest import settle, shoot

pytestmark = pytest.mark.e2e
REP = "Marcus Lee"
HOT = "Hot from (lead score ≥)"


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def path(url: str) -> str:
    return urlparse(url).path


def open_today(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/today?rep=Marcus+Lee")
    settle(page)
    page.get_by_text("Work these first").wait_for()


def today_as_shown(page) -> None:  # type: ignore[no-untyped-def]
    """Today with Marcus Lee's list, the address naming only him."""
    page.get_by_text("Work these first").wait_for()
    assert path(page.url) == "/today" and query(page.url) == {"rep": [REP]}
    assert page.get_by_text("Choose yourself above").count() == 0
    assert page.get_by_label("I am", exact=True).input_value() == REP


def test_back_and_the_today_link_return_to_the_reps_list(page) -> None:  # type: ignore[no-untyped-def]
    open_today(page)
    first = page.locator("a[href*='practice?id=']").first
    name = first.inner_text().split("·", 1)[1].strip()
    first.click()
    page.wait_for_url(re.compile(r"/practice\?id="), timeout=30_000)
    settle(page)
    page.get_by_text("Why this score").wait_for()
    assert page.get_by_role("heading", level=1).inner_text().strip() == name
    practice = query(page.url)
    assert practice["via"] == ["today"] and practice["from"] == [f"rep={REP.replace(' ', '+')}"]
    shoot(page, "practice-from-today")

    page.go_back()  # the browser's Back
    settle(page)
    today_as_shown(page)
    shoot(page, "today-after-back")

    page.go_forward()
    settle(page)
    page.get_by_text("Why this score").wait_for()
    link = page.get_by_role("link", name=re.compile(r"^← Today"))
    assert link.inner_text().strip() == f"← Today ({REP})"
    link.click()  # the visible way back
    settle(page)
    today_as_shown(page)


def first_mover(store_path) -> dict:  # type: ignore[no-untyped-def]
    """The top row of the movers table with Hot from 70 instead of the SPEC's 80, as the page builds it."""
    store = Store.open(store_path)
    before = score_table(FeatureTable.from_records(store.records()), ScoringConfig())
    moved = movers(before, retier(before, ScoringConfig(hot_tier_min=70)))
    names = prepare_leads(store.leads_frame()).set_index("practice_id")["name"]
    return movers_table(moved, names).iloc[0].to_dict()


def test_a_mover_opened_from_the_what_if_lab_goes_back_to_the_lab_as_left(page, store_path) -> None:  # type: ignore[no-untyped-def]
    assert Store.open(store_path).active_config() is None  # the SPEC defaults: Hot from 80
    top = first_mover(store_path)
    page.goto("/whatif")
    settle(page)
    slider = page.get_by_role("slider", name=HOT)
    slider.focus()
    for _ in range(10):
        page.keyboard.press("ArrowLeft")  # 80 → 70
    settle(page)
    assert slider.input_value() == "70"
    page.get_by_text(re.compile(r"^[1-9][\d,]* practices? changes? tier")).wait_for()
    grid = page.locator(".st-key-movers [data-testid='stDataFrame']")
    grid.scroll_into_view_if_needed()
    page.wait_for_timeout(500)
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first data row's selection box
    page.wait_for_url(re.compile(r"/practice\?id="), timeout=30_000)
    settle(page)
    assert query(page.url)["id"] == [top["practice_id"]] and query(page.url)["via"] == ["whatif"]
    page.get_by_text("Why this score").wait_for()

    page.go_back()
    settle(page)
    assert path(page.url) == "/whatif" and query(page.url) == {}
    assert page.get_by_role("slider", name=HOT).input_value() == "70"  # the controls as left

    page.go_forward()
    settle(page)
    page.get_by_text("Why this score").wait_for()
    page.get_by_role("link", name="← What-if lab").click()
    settle(page)
    assert path(page.url) == "/whatif"
    assert page.get_by_role("slider", name=HOT).input_value() == "70"
    page.get_by_role("button", name="Reset to the active configuration").click()  # leave the lab as found
    settle(page)


def download_both(page, first: str, second: str) -> tuple[bytes, bytes]:  # type: ignore[no-untyped-def]
    """Click ``first`` then ``second`` at once (no wait between), as an impatient user does; both arrive."""
    with page.expect_download() as one:
        page.get_by_role("button", name=first).click()
    with page.expect_download() as two:
        page.get_by_role("button", name=second).click()
    return (one.value.path().read_bytes(), two.value.path().read_bytes())


def test_csv_then_xlsx_at_once_both_download_from_leads(page, store_path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/?tier=Hot")
    settle(page)
    page.get_by_text(re.compile(r"^\d+ of 500 practices · tier Hot")).wait_for()
    csv, xlsx = download_both(page, "Download CSV", "Download XLSX")
    store = Store.open(store_path)
    leads = prepare_leads(store.leads_frame())  # with engagement, as the page shows and exports it
    leads = with_engagement(leads, book_engagement(store, ScoringConfig().engagement, leads=store.leads_frame()))
    expected = export_frame(filter_leads(leads, LeadFilters(tiers=["Hot"])))
    assert {"grid_cell", "engagement_score", "next_action"} <= set(expected.columns)
    from_csv = pd.read_csv(io.BytesIO(csv), dtype=str)
    sheet = openpyxl.load_workbook(io.BytesIO(xlsx), read_only=True).active
    rows = list(sheet.iter_rows(values_only=True))
    assert list(from_csv.columns) == list(expected.columns) == list(rows[0])
    ids = expected["practice_id"].tolist()
    assert from_csv["practice_id"].tolist() == ids and [r[0] for r in rows[1:]] == ids
    assert set(from_csv["tier"]) == {"Hot"}


def test_json_then_csv_at_once_both_download_from_a_practice(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/practice?id=demo-0003")
    settle(page)
    page.get_by_text("Export this practice").wait_for()
    doc, csv = download_both(page, "Download JSON", "Download CSV")
    assert orjson.loads(doc)["practice_id"] == "demo-0003"
    rows = pd.read_csv(io.BytesIO(csv), dtype=str)
    assert "demo-0003" in rows.astype(str).to_numpy().ravel().tolist()
