"""Benchmarks of the store, Notion write-back and the dashboard (see :mod:`data.bench`)."""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from scoring.config import ScoringConfig
from scoring.vector import retier, score_table
from scoring.whatif import movement_matrix, movers, tier_counts

from ..demo import demo_rows
from ..scoring_runs import run_scoring
from ..store import Store
from .core import Echo, Result, best_of, median_of

REPO = Path(__file__).resolve().parents[2]  # the checkout: data/bench/app.py → ../../


def _store_with(n: int, directory: Path) -> Store:
    directory.mkdir(parents=True, exist_ok=True)
    store = Store.open(directory / "bench.db")
    rows = demo_rows(n, seed=11)
    for i, row in enumerate(rows):
        row["practice_id"] = row["record"]["practice_id"] = f"b-{i:06d}"
        # A real book's practice names are (nearly) all different; the sample generator's repeat, which
        # would make the Leads payload unrealistically small (repeated text travels once).
        row["name"] = row["record"]["google_maps_data"]["name"] = f"{row['name']} {i + 1}"
    store.upsert_practices(rows)
    return store


def bench_store(n: int, echo: Echo) -> list[Result]:
    """Scoring and storing the seed's batch of 150, and a full rescore of a 10,000-practice book."""
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        small = _store_with(150, Path(tmp, "small"))
        small_s, small_report = best_of(3, lambda: run_scoring(small, None, kind="bench", trigger="manual"))
        big = _store_with(n, Path(tmp, "big"))
        big_s, _ = best_of(2, lambda: run_scoring(big, None, kind="bench", trigger="manual"))
        history = big.history_count()
    return [
        Result(
            "scoring and storing 150 practices (seed batch, no Notion I/O)",
            small_s,
            "s",
            0.2,
            note=small_report.notes[0] if small_report.notes else "",
        ),
        Result(
            f"full rescore of {n:,} practices into the store",
            big_s,
            "s",
            3.0,
            note=f"current scores replaced, {history:,} history rows appended over the runs",
        ),
    ]


def bench_writeback(n: int, echo: Echo) -> list[Result]:
    """Write-back throughput against the local Notion fake limited to 3 requests/s."""
    if not (REPO / "tests" / "notion_fake").exists():
        return [Result("write-back throughput (needs a source checkout: tests/notion_fake)", 0, "writes/s")]
    sys.path.insert(0, str(REPO))
    from tests.notion_fake.faults import TokenBucket
    from tests.notion_fake.seed import seed_practices
    from tests.notion_fake.server import FakeNotion

    from ..notion import NotionGateway, NotionSettings, PropertyMapping
    from ..notion.sync import Workbench

    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp, FakeNotion() as srv:
        seed_practices(srv, n, seed=5)
        settings = NotionSettings(api_key=srv.token, database_id=srv.database_id, base_url=srv.base_url)
        store = Store.open(Path(tmp) / "wb.db")
        # Pull and score against an unthrottled server, keeping every write in the outbox …
        fast = Workbench(store, settings, PropertyMapping(), gateway=NotionGateway(settings, rate=1000, burst=1000))
        fast.sync(push=False)
        queued = store.outbox_summary()["size"]
        # … then deliver them with production settings against Notion's limit: 3 requests/s.
        srv.bucket = TokenBucket(3.0, 3)
        before = srv.rate_limited
        live = Workbench(store, settings, PropertyMapping(), gateway=NotionGateway(settings))
        started = time.perf_counter()
        report = live.push()
        seconds = time.perf_counter() - started
        throttled = srv.rate_limited - before
    rate = report.written / seconds if seconds else 0.0
    return [
        Result(
            f"write-back of {queued} score updates at Notion's 3 req/s limit",
            rate / 3.0 * 100,
            "%",
            90.0,
            higher_is_better=True,
            note=f"{rate:.2f} writes/s, {throttled} × 429, {report.write_failures} failed",
        ),
    ]


def bench_dashboard(n: int, echo: Echo) -> list[Result]:
    """The Leads page at 10,000 practices (script time, first table in a browser) and what-if recomputes."""
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        store = _store_with(n, Path(tmp))
        run_scoring(store, None, kind="bench", trigger="manual")
        env = {**os.environ, "LEADSCORE_DB": str(store.path)}
        env = {k: v for k, v in env.items() if not k.startswith("NOTION_")}
        results += _script_times(env)
        results += _whatif_times(store)
        results += _browser_time(env, n)
        results += _whatif_browser_times(env, n)
    return results


def _script_times(env: dict[str, str]) -> list[Result]:
    code = (
        "import time, sys\n"
        "from streamlit.testing.v1 import AppTest\n"
        "AppTest.from_file('app.py', default_timeout=120).run()  # the server process warms up once\n"
        "fresh, warm = [], []\n"
        "for _ in range(5):\n"
        "    at = AppTest.from_file('app.py', default_timeout=120)\n"
        "    t = time.perf_counter(); at.run(); fresh.append(time.perf_counter() - t)\n"
        "    t = time.perf_counter(); at.run(); warm.append(time.perf_counter() - t)\n"
        "assert not at.exception, at.exception\n"
        "rows = next(len(d.value) for d in at.dataframe if 'lead_score' in d.value.columns)\n"
        "print(sorted(fresh)[2], sorted(warm)[2], rows)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=False)
    if out.returncode:
        raise RuntimeError("the Leads page could not be timed: " + (out.stderr.strip().splitlines() or ["?"])[-1])
    fresh, warm, rows = out.stdout.split()[-3:]
    return [
        Result(f"Leads page script run, {int(rows):,} practices (new session)", float(fresh), "s", 1.0),
        Result("  the same page rerun (a filter change)", float(warm), "s", 1.0),
    ]


def _whatif_times(store: Store) -> list[Result]:
    from scoring.features import FeatureTable

    table = FeatureTable.from_records(store.records())
    base = ScoringConfig()
    before = score_table(table, base)
    threshold = base.with_changes(hot_tier_min=70)
    points = base.with_changes(decision_maker_points=15)

    def recompute(cfg: ScoringConfig, components_changed: bool) -> Any:
        after = score_table(table, cfg) if components_changed else retier(before, cfg)
        return tier_counts(before, after), movement_matrix(before, after), movers(before, after)

    return [
        Result(
            f"what-if recompute, {len(table):,} practices, threshold change",
            median_of(15, lambda: recompute(threshold, False)),
            "s",
            0.2,
            note="re-tier + counts + movement matrix + movers",
        ),
        Result(
            f"what-if recompute, {len(table):,} practices, points change",
            median_of(15, lambda: recompute(points, True)),
            "s",
            0.2,
            note="full rescore + counts + movement matrix + movers",
        ),
    ]


def _browser_time(env: dict[str, str], rows: int) -> list[Result]:
    """The first Leads table, first visit and returning (median of 5 each), split where the time goes."""
    from .browser import VIEWPORT, app_server, chromium_path, load_leads, median_load

    chromium = chromium_path()
    if chromium is None:
        return [Result("first table visible in the browser (no Chromium: not measured)", 0, "s")]
    from playwright.sync_api import sync_playwright

    with app_server(env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        warm_up = browser.new_context(viewport=VIEWPORT)
        load_leads(warm_up, url)  # the server's caches filled once, as for any user after the first
        warm_up.close()
        first = []
        for _ in range(5):  # a first visit: empty browser cache, Streamlit's JavaScript fetched and compiled
            context = browser.new_context(viewport=VIEWPORT)
            first.append(load_leads(context, url))
            context.close()
        context = browser.new_context(viewport=VIEWPORT)
        load_leads(context, url)  # a returning user: the same browser profile, cache warm after one visit
        returning = [load_leads(context, url) for _ in range(5)]
        browser.close()
    results = []
    for name, loads, target in (
        (f"first Leads table visible in the browser ({rows:,} practices), first visit", first, 3.0),
        ("  the same, returning user (browser cache warm)", returning, 2.0),
    ):
        m = median_load(loads)
        results.append(Result(name, m.total, "s", target, note=(
            f"median of 5: start-up {m.startup:.2f} s · script {m.script:.2f} s · payload and drawing "
            f"{m.drawing:.2f} s · table {m.table_bytes / 1024:,.0f} KiB of {m.bytes_before_table / 1024:,.0f} KiB")))
    return results


def _whatif_browser_times(env: dict[str, str], rows: int) -> list[Result]:
    """What-if at ``rows`` practices: from moving a control to the settled page, in Chromium."""
    from .browser import SETTLED, VIEWPORT, app_server, chromium_path, load_leads, timed_changes, watch_runs

    chromium = chromium_path()
    if chromium is None:
        return [Result("what-if in the browser (no Chromium: not measured)", 0, "s")]
    from playwright.sync_api import sync_playwright

    with app_server(env) as url, sync_playwright() as p:
        browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
        context = browser.new_context(viewport=VIEWPORT)
        load_leads(context, url)  # start the app from its main page (and fill the server's caches)
        page = context.new_page()
        page.goto(f"{url}/whatif")
        page.get_by_text("practices change tier").first.wait_for(timeout=120_000)
        page.wait_for_selector(SETTLED)
        watch_runs(page)
        slider = page.get_by_role("slider").first  # "Hot from"
        slider.focus()
        threshold = timed_changes(page, lambda i: page.keyboard.press("ArrowLeft" if i % 2 == 0 else "ArrowRight"), 6)
        page.get_by_role("tab", name="Component points").click()
        points_box = page.get_by_label("Decision maker found")

        def points(i: int) -> None:
            points_box.fill(str(15 if i % 2 == 0 else 10))
            points_box.press("Enter")

        points_times = timed_changes(page, points, 6)
        browser.close()
    return [
        Result(f"what-if in the browser ({rows:,} practices): threshold moved → settled page",
               statistics.median(threshold[1:]), "s", 1.0, note="median of 5 (Hot from ±1, one step each)"),
        Result("  the same for a points change (components rescored)", statistics.median(points_times[1:]), "s",
               1.0, note="median of 5 (Decision maker found 10 ↔ 15)"),
    ]


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
