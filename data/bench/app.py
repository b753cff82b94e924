"""Benchmarks of the store, Notion write-back and the dashboard (see :mod:`data.bench`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from scoring.config import ScoringConfig
from scoring.vector import retier, score_table
from scoring.whatif import movement_matrix, movers, tier_counts

from ..demo import demo_rows
from ..scoring_runs import run_scoring
from ..store import Store
from .core import Echo, Result, best_of, median_of

REPO = Path(__file__).resolve().parents[2]


def _store_with(n: int, directory: Path) -> Store:
    directory.mkdir(parents=True, exist_ok=True)
    store = Store.open(directory / "bench.db")
    rows = demo_rows(n, seed=11)
    for i, row in enumerate(rows):
        row["practice_id"] = row["record"]["practice_id"] = f"b-{i:06d}"
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


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


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
    out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True, check=True)
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


CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]
TABLE = "[data-testid='stDataFrame'] canvas"


def _browser_time(env: dict[str, str], rows: int) -> list[Result]:
    chromium = os.environ.get("LEADSCORE_CHROMIUM", "/usr/bin/chromium")
    if not Path(chromium).exists():
        return [Result("first table visible in the browser (no Chromium: not measured)", 0, "s")]
    from playwright.sync_api import sync_playwright

    port = _free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "streamlit", "run", "app.py", "--server.port", str(port), "--server.headless", "true"],
        cwd=REPO,
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    url = f"http://127.0.0.1:{port}"

    def load(context: Any) -> float:
        page = context.new_page()
        started = time.perf_counter()
        page.goto(url)
        page.locator(TABLE).first.wait_for(state="visible", timeout=60_000)
        seconds = time.perf_counter() - started
        page.close()
        return seconds

    try:
        _wait_healthy(url)
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=chromium, args=CHROMIUM_ARGS)
            viewport = {"width": 1440, "height": 1000}
            cold = []
            for _ in range(3):  # a first visit: empty cache, Streamlit's JavaScript compiled from scratch
                context = browser.new_context(viewport=viewport)
                cold.append(load(context))
                context.close()
            context = browser.new_context(viewport=viewport)
            load(context)  # a returning user: the same browser profile, cache warm after one visit
            warm = [load(context) for _ in range(3)]
            browser.close()
    finally:
        server.terminate()
        server.wait(timeout=10)
    return [
        Result(
            f"first Leads table visible in the browser ({rows:,} practices), returning user",
            sorted(warm)[1],
            "s",
            3.0,
            note="median of 3 loads in a new tab, browser cache warm",
        ),
        Result(
            "  the same, first visit ever (empty browser cache)",
            sorted(cold)[1],
            "s",
            3.0,
            note="median of 3; includes compiling Streamlit's JavaScript",
        ),
    ]


def _wait_healthy(url: str, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"{url}/_stcore/health", timeout=2) as answer:
                if answer.read() == b"ok":
                    return
        except OSError:
            time.sleep(0.2)
    raise RuntimeError(f"streamlit did not start at {url}")
