"""Scoring into the store from synchronous code, wherever it is called from."""

from __future__ import annotations

import asyncio
from pathlib import Path

from data.demo import demo_rows
from data.scoring_runs import run_coroutine, run_scoring
from data.store import Store


def test_run_coroutine_works_with_and_without_a_running_loop() -> None:
    async def answer() -> int:
        await asyncio.sleep(0)
        return 42

    async def inside_a_loop() -> int:
        return run_coroutine(answer())  # asyncio.run would refuse here

    assert run_coroutine(answer()) == 42
    assert asyncio.run(inside_a_loop()) == 42


def test_scoring_from_inside_an_event_loop(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    store.upsert_practices(demo_rows(20))

    async def host() -> int:
        return run_scoring(store, None, kind="rescore", trigger="manual").total

    assert asyncio.run(host()) == 20
    assert store.history_count() == 20


def test_thousands_of_ids_in_one_call(tmp_path: Path) -> None:
    """More ids than SQLite takes in one statement: still the right practices, in store order."""
    store = Store.open(tmp_path / "s.db")
    rows = demo_rows(2500)
    store.upsert_practices(rows)
    wanted = [r["practice_id"] for r in rows][::2]
    assert [pid for pid, _ in store.records_by_id(reversed(wanted))] == wanted
    report = run_scoring(store, wanted, kind="rescore", trigger="manual")
    assert report.total == len(wanted) == 1250
    assert store.history_count() == 1250
