"""A rep's morning, in a real browser (issue 11): Today → the first practice → its activity timeline; and
the Leads grid filters the book with a click. Screenshots land in tests/e2e/output/."""

from __future__ import annotations

import re

import pytest

from data.store import Store

from .conftest import settle, shoot

pytestmark = pytest.mark.e2e


def test_a_rep_opens_today_then_the_first_practice_and_sees_its_timeline(page, store_path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    settle(page)
    page.get_by_role("link", name="Today").click()  # the sidebar navigation
    settle(page)
    page.get_by_text("Choose yourself above").wait_for()
    picker = page.get_by_label("I am", exact=True)
    picker.click()
    picker.fill("Dana Reyes")
    page.get_by_role("option", name="Dana Reyes").first.click()
    settle(page)
    assert "rep=Dana+Reyes" in page.url  # remembered in the address
    page.get_by_text("Work these first").wait_for()
    shoot(page, "today")

    first = page.locator("a[href*='practice?id=']").first
    label = first.inner_text()
    cell = label.split("·")[0].strip()
    first.click()
    settle(page)
    assert "/practice" in page.url and "id=" in page.url
    practice_id = re.search(r"id=([^&]+)", page.url).group(1)  # type: ignore[union-attr]
    page.get_by_text("Activity timeline").first.wait_for()
    page.get_by_text("Grid cell", exact=True).wait_for()
    store = Store.open(store_path)
    events = store.practice_events(practice_id)
    assert not events.empty  # the first practice of a rep's day has activity
    timeline = page.get_by_text("Activity timeline").first
    timeline.scroll_into_view_if_needed()
    page.wait_for_timeout(1500)
    assert page.locator("[data-testid='stMetricValue']").filter(has_text=re.compile(rf"^{cell}$")).count() == 1
    shoot(page, "practice-timeline")


def click_a1(page, clicks: int) -> None:  # type: ignore[no-untyped-def]
    """Click A1 on the Leads fit × engagement grid, drawn afresh (key ``grid_cells_<clicks>``) after each click."""
    grid = page.locator(f".st-key-grid_cells_{clicks} [data-testid='stDataFrame'] canvas").first
    grid.wait_for()
    page.wait_for_timeout(1500)  # the grid takes clicks once drawn
    box = grid.bounding_box()  # again each time: the tier metrics above grow a line while a filter is on
    assert box is not None
    # A canvas: A1 is the first row (below the 35 px header) of the first column after the row labels.
    page.mouse.click(box["x"] + 220, box["y"] + 35 + 17)


def test_clicking_a_grid_cell_filters_the_leads(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    settle(page)
    page.get_by_text("500 of 500 practices").wait_for()
    click_a1(page, 0)
    settle(page)
    page.get_by_text(re.compile(r"practices · cell A1 ·")).wait_for()
    assert "cell=A1" in page.url
    caption = page.get_by_text(re.compile(r"^\d+ of 500 practices")).first.inner_text()
    shown = int(caption.split(" of ")[0])
    assert 0 < shown < 500
    a1 = page.locator(".st-key-grid_cells_1 [data-testid='stDataFrame'] td").nth(1)  # redrawn: row label, A1
    a1.wait_for(state="attached")
    assert a1.inner_text() == f"▶ A1 · {shown:,}"
    click_a1(page, 1)  # the shown cell again: every cell (before the screenshot: a click after it only focuses)
    settle(page)
    page.get_by_text("500 of 500 practices").wait_for()
    assert "cell=" not in page.url
    click_a1(page, 2)  # and A1 once more, for the screenshot
    settle(page)
    page.get_by_text(re.compile(r"practices · cell A1 ·")).wait_for()
    shoot(page, "leads-grid-a1")
