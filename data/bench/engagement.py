"""Benchmarks of the engagement axis (issue 11; see :mod:`data.bench`): engagement of 10,000 practices
over a million events, importing a million events from JSON Lines, and the Today page's script."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from datetime import UTC, datetime
from pathlib import Path

import numpy as np
import orjson
import pandas as pd

from scoring.config import ScoringConfig
from scoring.engagement import US_PER_DAY, compute_engagement, to_us

from ..demo import demo_rows
from ..events.demo import demo_events
from ..events.importer import import_events
from ..scoring_runs import run_scoring
from ..store import Store
from .core import Echo, Result, best_of

REPO = Path(__file__).resolve().parents[2]
PRACTICES = 10_000
TYPES = ("page_view", "email_open", "email_click", "download", "signup", "demo_request", "email_reply",
         "inbound_call", "meeting", "webinar_attended")
MIX = (0.4, 0.25, 0.12, 0.06, 0.03, 0.02, 0.04, 0.03, 0.03, 0.02)  # mostly page views and opens, as in real logs


def _events(n: int, practices: int, now_us: int, seed: int = 3) -> pd.DataFrame:
    """``n`` events over ``practices`` practices in the last 90 days (a few of an unconfigured type)."""
    rng = np.random.default_rng(seed)
    ids = np.asarray([f"b-{i:06d}" for i in range(practices)], dtype=object)
    return pd.DataFrame({
        "practice_id": pd.Categorical.from_codes(rng.integers(0, practices, n), categories=ids),
        "type": pd.Categorical.from_codes(rng.choice(len(TYPES), n, p=MIX), categories=list(TYPES)),
        "occurred_us": now_us - rng.integers(0, 90 * US_PER_DAY, n),
    })


def bench_engagement(n: int, echo: Echo) -> list[Result]:
    """``n`` events (1,000,000 in the full run) for 10,000 practices."""
    results = [_compute(n), _import(n, echo)]
    results += _today_page(echo)
    return results


def _compute(n: int) -> Result:
    now = datetime.now(UTC)
    events = _events(n, PRACTICES, to_us(now))
    rng = np.random.default_rng(4)
    practices = pd.DataFrame({
        "practice_id": events["practice_id"].cat.categories,
        "priority_tier": rng.choice(np.asarray(["Hot", "Warm", "Cold", "Pending Enrichment", None], dtype=object),
                                    PRACTICES),
    })
    cfg = ScoringConfig().engagement
    seconds, book = best_of(3, lambda: compute_engagement(events, practices, cfg, now))
    cells = int(pd.Series(book.grid_cell).notna().sum())
    return Result(f"engagement of {PRACTICES:,} practices over {n:,} events", seconds, "s", 1.0,
                  note=f"score, level, velocity, risk, grid cell, next action, breakdown; {cells:,} with a cell")


def _import(n: int, echo: Echo) -> Result:
    now_us = to_us(datetime.now(UTC))
    events = _events(n, PRACTICES, now_us, seed=5)
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        path = Path(tmp) / "events.jsonl"
        with path.open("wb") as out:
            for i, (pid, kind, when) in enumerate(zip(events["practice_id"].astype(str), events["type"].astype(str),
                                                      events["occurred_us"], strict=True)):
                moment = datetime.fromtimestamp(int(when) / 1e6, UTC).isoformat().replace("+00:00", "Z")
                out.write(orjson.dumps({"event_id": f"ev-{i:08d}", "practice_id": pid, "type": kind,
                                        "occurred_at": moment, "source": "bench"}) + b"\n")
        data = path.read_bytes()
        cfg = ScoringConfig().engagement
        times: list[float] = []
        report = None
        for attempt in range(2):  # each into a fresh store holding the 10,000 practices
            store = Store.open(Path(tmp) / f"import-{attempt}.db")
            store.upsert_practices(_practice_rows(PRACTICES))
            seconds, report = best_of(1, lambda store=store: import_events(store, "events.jsonl", data, cfg))
            times.append(seconds)
            store.close()
    best = min(times)
    assert report is not None
    return Result(f"importing {n:,} events from JSON Lines", n / best, "events/s", 200_000, higher_is_better=True,
                  note=f"{best:.2f} s; {report.imported:,} imported, {report.unknown_type:,} of an unknown type")


def _practice_rows(n: int) -> list[dict]:
    rows = demo_rows(n, seed=11)
    for i, row in enumerate(rows):
        row["practice_id"] = row["record"]["practice_id"] = f"b-{i:06d}"
    return rows


def _today_page(echo: Echo) -> list[Result]:
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        store = Store.open(Path(tmp) / "today.db")
        rows = _practice_rows(PRACTICES)
        store.upsert_practices(rows)
        run_scoring(store, None, kind="bench", trigger="manual")
        leads = store.leads_frame()
        history = demo_events(list(zip(leads["practice_id"], leads["status"], leads["priority_tier"], strict=True)),
                              to_us(datetime.now(UTC)), seed=11)
        store.add_events(history)
        events = store.event_count()
        store.close()
        env = {k: v for k, v in os.environ.items() if not k.startswith("NOTION_")}
        env["LEADSCORE_DB"] = str(Path(tmp) / "today.db")
        code = (
            "import time\n"
            "from streamlit.testing.v1 import AppTest\n"
            "def session():\n"
            "    at = AppTest.from_file('app.py', default_timeout=120)\n"
            "    at.query_params['rep'] = 'Dana Reyes'\n"
            "    return at.switch_page('pages/today.py')\n"
            "session().run()  # the process warms up once (store opened, caches filled)\n"
            "fresh, warm = [], []\n"
            "for _ in range(5):\n"
            "    at = session()\n"
            "    t = time.perf_counter(); at.run(); fresh.append(time.perf_counter() - t)\n"
            "    t = time.perf_counter(); at.run(); warm.append(time.perf_counter() - t)\n"
            "assert not at.exception, at.exception\n"
            "rows = next(len(d.value) for d in at.dataframe if 'next_action' in d.value.columns)\n"
            "print(sorted(fresh)[2], sorted(warm)[2], rows)\n"
        )
        out = subprocess.run([sys.executable, "-c", code], cwd=REPO, env=env, capture_output=True, text=True,
                             check=True)
    fresh, warm, mine = out.stdout.split()[-3:]
    note = f"{PRACTICES:,} practices, {events:,} events; one rep's list of {int(mine):,}"
    return [
        Result(f"Today page script run, {PRACTICES:,} practices (new session)", float(fresh), "s", 0.3, note=note),
        Result("  the same page rerun", float(warm), "s", 0.3),
    ]
