"""A manager's evidence journey in a real browser: open Evidence, set the reps' capacity, open the
draft in the What-if lab and see its thresholds and evidence there. Screenshots in tests/e2e/output/."""

from __future__ import annotations

import re

import pytest

from data.store import Store

from .conftest import settle, shoot

pytestmark = pytest.mark.e2e


def set_number(page, label: str, value: int) -> None:  # type: ignore[no-untyped-def]
    box = page.get_by_label(label, exact=True)
    box.fill(str(value))
    box.press("Enter")
    settle(page)


def test_capacity_to_a_draft_in_the_lab(page, store_path) -> None:  # type: ignore[no-untyped-def]
    page.goto("/evidence")
    settle(page)
    page.get_by_text("Conversion per tier (95 % interval)").first.wait_for()
    page.get_by_text("Tiers from capacity").wait_for()
    assert page.locator(".js-plotly-plot").count() >= 4  # tiers, bands, calibration, components
    shoot(page, "evidence")

    set_number(page, "Reps can work this many Hot practices", 25)
    set_number(page, "… and this many Warm practices", 100)
    result = page.get_by_text(re.compile(r"Hot from \d+, Warm from \d+")).first
    result.wait_for()
    hot, warm = map(int, re.search(r"Hot from (\d+), Warm from (\d+)", result.inner_text()).groups())
    shoot(page, "evidence-capacity")

    page.get_by_role("button", name="Open this draft in the What-if lab").click()
    settle(page)
    page.get_by_text(re.compile("Draft from capacity")).wait_for()
    assert "/whatif" in page.url
    shown = page.locator("[data-testid='stSliderThumbValue']")  # the value printed above each slider's thumb
    assert shown.nth(0).inner_text().strip() == str(hot) and shown.nth(1).inner_text().strip() == str(warm)
    page.get_by_text("Evidence: would these tiers have caught the practices that bought?").wait_for()
    page.get_by_text("Conversion per tier, now and with these settings").first.wait_for()
    assert Store.open(store_path).active_config() is None  # a draft: nothing saved or applied
    shoot(page, "whatif-capacity-draft")


def test_practice_page_shows_the_model_and_why_a_score_changed(page, store_path) -> None:  # type: ignore[no-untyped-def]
    from data.evidence.book import load_evidence_book
    from data.evidence.training import train_and_store
    from scoring.config import ScoringConfig

    page.goto("/practice?id=demo-0011")  # opening the app fills the store with the sample book if it is empty
    settle(page)
    store = Store.open(store_path)
    train_and_store(store, load_evidence_book(store, ScoringConfig()), ScoringConfig())
    page.get_by_role("button", name="Rescore").click()  # a second scoring to compare with
    settle(page)
    page.get_by_text("Why did this score change").wait_for()
    page.get_by_text(re.compile(r"Chance of winning \(model v\d+")).wait_for()
    page.get_by_text("Raises the odds").wait_for()
    page.get_by_text("Why did this score change").scroll_into_view_if_needed()
    shoot(page, "practice-evidence")
