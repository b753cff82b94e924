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


def test_clicking_a_grid_cell_filters_the_leads(page) -> None:  # type: ignore[no-untyped-def]
    page.goto("/")
    settle(page)
    page.get_by_text("500 of 500 practices").wait_for()
    page.locator(".js-plotly-plot").first.wait_for()
    page.wait_for_timeout(1500)
    a1 = page.locator(".js-plotly-plot .scatterlayer .point").first  # A1, the grid's first cell
    box = a1.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    settle(page)
    page.get_by_text(re.compile(r"practices · cell A1 ·")).wait_for()
    assert "cell=A1" in page.url
    caption = page.get_by_text(re.compile(r"^\d+ of 500 practices")).first.inner_text()
    shown = int(caption.split(" of ")[0])
    assert 0 < shown < 500
    shoot(page, "leads-grid-a1")
