"""User text is text, in a real browser: practice names, addresses, EMR systems and decision makers that
are Markdown (links, images, bold, colours, formulas, bare URLs) show literally on every page, and no
request ever goes to the hosts they name."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import pytest

from data.demo import demo_rows
from data.scoring_runs import run_scoring
from data.store import Store

from .conftest import serve, settle, shoot

pytestmark = pytest.mark.e2e
HOSTILE = [
    "[Open the CRM](http://evil.example/phish) **URGENT**",
    '=HYPERLINK("http://evil.example","x")',
    "![x](http://host/qp.png)",
    ":red[alarm] $x^2$ www.evil.example",
]
OUTSIDE = ("evil.example", "host/")
OUTSIDE_HOSTS = ("evil.example", "www.evil.example", "host")


@pytest.fixture(scope="module")
def hostile_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Its own app and store: the sample book with four practices named like an attacker would."""
    store = Store.open(tmp_path_factory.mktemp("hostile") / "store.db")
    rows = demo_rows(60)
    for row, name in zip(rows, HOSTILE, strict=False):
        row["name"] = row["record"]["google_maps_data"]["name"] = name
        row["address"] = row["record"]["google_maps_data"]["address"] = name
        enrichment = row["record"].get("enrichment_data")
        if enrichment:
            enrichment["emr_system"] = name
            enrichment["decision_maker"] = {"name": name, "title": name, "linkedin": None}
        row["record"]["enrichment_status"] = "Completed"
        row["record"]["enrichment_data"] = enrichment or {"emr_system": name, "vet_count": "many " + name}
    store.upsert_practices(rows)
    run_scoring(store, None, kind="demo", trigger="manual")
    with serve(Path(store.path)) as url:
        yield url


@pytest.fixture
def tab(browser, hostile_url: str):  # type: ignore[no-untyped-def]
    context = browser.new_context(viewport={"width": 1440, "height": 1000}, base_url=hostile_url)
    outside: list[str] = []
    context.route(re.compile(r"^https?://(?!127\.0\.0\.1)"), lambda route: (outside.append(route.request.url),
                                                                             route.abort()))
    page = context.new_page()
    page.set_default_timeout(60_000)
    page.outside_requests = outside
    yield page
    context.close()


def assert_inert(page) -> None:  # type: ignore[no-untyped-def]
    """No link or image to the hosts the names mention is in the page, and none was ever requested."""
    hosts = page.eval_on_selector_all("a[href], img[src]", "els => els.map(e => new URL(e.href || e.src).host)")
    assert not [h for h in hosts if h in OUTSIDE_HOSTS], hosts
    assert not page.locator("[data-testid='stMain'] strong", has_text="URGENT").count()
    assert not page.locator("[data-testid='stMain'] .katex").count()  # $x^2$ is not a formula
    assert not [u for u in page.outside_requests if any(host in u for host in OUTSIDE)], page.outside_requests


def main_text(page) -> str:  # type: ignore[no-untyped-def]
    return page.locator("[data-testid='stMain']").inner_text().replace("\u2060", "")


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_a_hostile_practice_page_shows_its_name_literally(tab, index: int) -> None:  # type: ignore[no-untyped-def]
    tab.goto(f"/practice?id=demo-{index + 1:04d}")
    settle(tab)
    tab.get_by_text("Why this score").wait_for()
    # Even as this server's first session, a page address runs through app.py (its navigation, its layout).
    assert tab.locator("[data-testid='stSidebarNav']").get_by_text("What-if lab").count() == 1
    name = HOSTILE[index]
    assert tab.get_by_role("heading", level=1).inner_text().replace("\u2060", "").strip() == name
    text = main_text(tab)
    assert text.count(name) >= 3  # title, address caption, the inputs tables (and breakdown details)
    tab.get_by_role("button", name="Choose another practice…").click()  # the practice picker
    tab.get_by_label(re.compile(r"^Open a practice \(")).click()
    options = tab.get_by_role("option").all_inner_texts()
    assert any(name in o.replace("\u2060", "") for o in options)
    tab.keyboard.press("Escape")
    assert_inert(tab)
    shoot(tab, f"hostile-practice-{index + 1}")


def test_hostile_names_on_leads_and_what_if_are_inert(tab) -> None:  # type: ignore[no-untyped-def]
    tab.goto("/?q=evil")
    settle(tab)
    tab.get_by_text(re.compile(r"^\d+ of 60 practices · matching “evil”")).wait_for()
    tab.locator(".st-key-leads_table [data-testid='stDataFrame'] td").first.wait_for(state="attached")
    cells = tab.locator(".st-key-leads_table [data-testid='stDataFrame'] td").all_inner_texts()
    assert HOSTILE[0] in cells and HOSTILE[1] in cells  # the grid's cells are plain text
    tab.get_by_role("button", name=re.compile("Open a practice by name")).click()
    tab.get_by_label(re.compile(r"^Open a practice \(")).click()
    tab.keyboard.press("ArrowDown")
    assert set(HOSTILE[:2]) <= {o.replace("\u2060", "") for o in tab.get_by_role("option").all_inner_texts()}
    tab.keyboard.press("Escape")
    assert_inert(tab)
    shoot(tab, "hostile-leads")
    tab.goto("/whatif")
    settle(tab)
    slider = tab.get_by_role("slider").first
    slider.focus()
    for _ in range(20):  # Hot from 80 → 60: practices move, the movers table lists names
        tab.keyboard.press("ArrowLeft")
    settle(tab)
    tab.get_by_text(re.compile(r"^[1-9][\d,]* practices change tier")).wait_for()
    assert_inert(tab)
    shoot(tab, "hostile-whatif")


def test_a_hostile_query_parameter_is_text(tab) -> None:  # type: ignore[no-untyped-def]
    for wanted in ("![x](http://host/qp.png)", "[a](http://evil.example/phish) **URGENT**"):
        tab.goto("/practice?id=" + wanted.replace("#", "%23"))
        settle(tab)
        tab.get_by_text("in the store").wait_for()
        assert f"No practice has id “{wanted}” in the store." in main_text(tab)
        assert_inert(tab)
    shoot(tab, "hostile-query-parameter")
