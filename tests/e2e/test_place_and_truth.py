"""Keeping the rep's place (Back, "← Leads", the keyboard) and the What-if controls telling the truth —
behaviour only a browser shows: its history, the grid's canvas, and widgets keeping their own value."""

from __future__ import annotations

import re
from urllib.parse import parse_qs, urlparse

import pytest

from data.store import Store
from data.views import LeadFilters, filter_leads, prepare_leads

from .conftest import settle, shoot

pytestmark = pytest.mark.e2e
VIEW = "/?tier=Hot&tier=Warm&owner=Marcus+Lee&q=Pine"
CAPTION = re.compile(r"^\d+ of 500 practices · tier Hot or Warm, owner Marcus Lee, matching “Pine”")


def query(url: str) -> dict[str, list[str]]:
    return parse_qs(urlparse(url).query)


def open_view(page):  # type: ignore[no-untyped-def]
    page.goto(VIEW)
    settle(page)
    page.get_by_text(CAPTION).wait_for()
    return page


def first_row(store_path, position: int = 0) -> dict:  # type: ignore[no-untyped-def]
    view = filter_leads(prepare_leads(Store.open(store_path).leads_frame()),
                        LeadFilters(tiers=["Hot", "Warm"], owners=["Marcus Lee"], text="Pine"))
    return view.iloc[position].to_dict()


def click_first_row(page) -> None:  # type: ignore[no-untyped-def]
    grid = page.locator(".st-key-leads_table [data-testid='stDataFrame']")
    grid.wait_for()
    box = grid.bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + 18, box["y"] + 35 + 17)  # the first data row's selection box
    page.wait_for_url(re.compile(r"/practice\?id="), timeout=30_000)
    settle(page)


def test_back_and_the_leads_link_return_to_the_exact_filtered_view(page, store_path) -> None:  # type: ignore[no-untyped-def]
    open_view(page)
    top = first_row(store_path)
    click_first_row(page)
    page.get_by_text("Why this score").wait_for()
    assert query(page.url)["id"] == [top["practice_id"]]
    shoot(page, "practice-from-filtered-view")
    page.go_back()  # the browser's Back
    settle(page)
    page.get_by_text(CAPTION).wait_for()
    assert query(page.url) == {"tier": ["Hot", "Warm"], "owner": ["Marcus Lee"], "q": ["Pine"]}
    assert page.get_by_label("Search name or address").input_value() == "Pine"
    shoot(page, "leads-after-back")
    page.go_forward()
    settle(page)
    page.get_by_text("Why this score").wait_for()
    link = page.get_by_role("link", name=re.compile(r"^← Leads"))
    assert "tier Hot or Warm, owner Marcus Lee" in link.inner_text()
    link.click()  # the visible way back
    settle(page)
    page.get_by_text(CAPTION).wait_for()
    assert query(page.url) == {"tier": ["Hot", "Warm"], "owner": ["Marcus Lee"], "q": ["Pine"]}


def test_a_row_opens_with_the_keyboard(page, store_path) -> None:  # type: ignore[no-untyped-def]
    open_view(page)
    second = first_row(store_path, 1)
    page.locator(".st-key-leads_table [data-testid='stDataFrame'] canvas").first.wait_for()
    page.get_by_label("Search name or address").focus()
    for _ in range(24):  # Tab from the last filter, past the fit × engagement grid (~12 stops), into the table
        page.keyboard.press("Tab")
        if page.evaluate("() => document.activeElement.getAttribute('data-testid') === 'data-grid-canvas'"
                         " && document.activeElement.closest('.st-key-leads_table') !== null"):
            break
    else:
        pytest.fail("Tab never reached the Leads grid")
    page.keyboard.press("ArrowDown")  # the grid starts on the first row's first cell: onto the second row
    page.keyboard.press("Shift+Space")  # select the row: the practice opens
    page.wait_for_url(re.compile(r"/practice\?id="), timeout=30_000)
    settle(page)
    assert query(page.url)["id"] == [second["practice_id"]]
    assert page.get_by_role("heading", level=1).inner_text().strip() == second["name"]


def slider_value(page, name: str) -> int:  # type: ignore[no-untyped-def]
    return int(page.get_by_role("slider", name=name).input_value())


def move(page, name: str, key: str, times: int) -> None:  # type: ignore[no-untyped-def]
    page.get_by_role("slider", name=name).focus()
    for _ in range(times):
        page.keyboard.press(key)
    settle(page)


def hot_count(page) -> str:  # type: ignore[no-untyped-def]
    # The tier metric's label is exactly "Hot" (after its icon); the evidence panel's "Wins in Hot + Warm" is not it.
    label = page.locator("[data-testid='stMetricLabel']", has_text=re.compile(r"(^|\s)Hot$"))
    metric = page.locator("[data-testid='stMetric']").filter(has=label)
    return metric.locator("[data-testid='stMetricValue']").inner_text()


def choose_version(page, label: str) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_label("Version", exact=True)
    box.click()
    box.fill(label)
    page.get_by_role("option", name=label).first.click()
    settle(page)


def test_what_if_controls_show_what_the_results_use(page, store_path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/whatif")
    settle(page)
    page.get_by_text("0 practices change tier").wait_for()
    active_hot = hot_count(page)
    hot, warm = "Hot from (lead score ≥)", "Warm from (lead score ≥)"
    move(page, hot, "ArrowRight", 10)  # 80 → 90
    assert slider_value(page, hot) == 90 and hot_count(page) != active_hot
    page.get_by_role("button", name="Reset to the active configuration").click()
    settle(page)
    assert slider_value(page, hot) == 80 and hot_count(page) == active_hot
    move(page, warm, "ArrowRight", 1)  # the next change used to bring 90 back
    assert slider_value(page, hot) == 80 and slider_value(page, warm) == 51
    page.get_by_role("button", name="Reset to the active configuration").click()
    settle(page)

    low = page.get_by_role("spinbutton", name="Multiplier, low confidence")  # the same for a multiplier
    low.fill("0.3")
    low.press("Enter")
    settle(page)
    page.get_by_text(re.compile(r"^[1-9][\d,]* practices change tier")).wait_for()  # low-confidence ones drop
    page.get_by_role("button", name="Reset to the active configuration").click()
    settle(page)
    assert low.input_value() == "0.80" and hot_count(page) == active_hot
    move(page, warm, "ArrowRight", 1)  # the next change does not bring 0.30 back
    assert low.input_value() == "0.80"
    page.get_by_role("button", name="Reset to the active configuration").click()
    settle(page)
    page.get_by_text("0 practices change tier").wait_for()

    move(page, hot, "ArrowLeft", 10)  # save Hot from 70 as a version …
    page.get_by_label("Name").fill("e2e-wide")
    page.get_by_role("button", name="Save version").click()
    settle(page)
    page.get_by_text("Saved as e2e-wide-v1").wait_for()
    move(page, hot, "ArrowRight", 15)  # … leave the slider at 85, then apply the version
    assert slider_value(page, hot) == 85
    choose_version(page, "e2e-wide-v1")
    page.get_by_role("button", name="Apply e2e-wide-v1…").click()
    settle(page)
    dialog = page.get_by_role("dialog")
    dialog.get_by_text(re.compile(r"[\d,]+ practices change tier")).wait_for()
    dialog.get_by_text("Notion will not be written").wait_for()
    shoot(page, "whatif-confirm-apply")
    dialog.get_by_role("button", name="Apply e2e-wide-v1").click()
    settle(page)
    page.get_by_text("e2e-wide-v1 is active").wait_for()
    settle(page)
    assert Store.open(store_path).active_config().label == "e2e-wide-v1"
    assert slider_value(page, hot) == 70  # what the results use, not the 85 left on the slider
    page.get_by_text("0 practices change tier").wait_for()
    shoot(page, "whatif-after-apply")

    choose_version(page, "SPEC defaults")  # still listed, and can be re-activated
    page.get_by_role("button", name="Apply SPEC defaults…").click()
    settle(page)
    page.get_by_role("dialog").get_by_role("button", name="Apply SPEC defaults").click()
    settle(page)
    page.get_by_text("SPEC defaults is active").wait_for()
    settle(page)
    assert Store.open(store_path).active_config() is None
    assert slider_value(page, hot) == 80
