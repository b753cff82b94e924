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


def test_environment_overrides_apply_on_top_of_a_saved_active_config(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from data.scoring_runs import active_config
    from scoring.config import ScoringConfig

    store = Store.open(tmp_path / "s.db")
    store.save_config("strict", ScoringConfig().with_changes(hot_tier_min=90), activate=True)
    monkeypatch.delenv("AUTO_TRIGGER_SCORING", raising=False)
    monkeypatch.delenv("CIRCUIT_BREAKER_FAIL_MAX", raising=False)
    plain = active_config(store)
    assert plain.auto_trigger_scoring is True and plain.config_version == "strict-v1"
    monkeypatch.setenv("AUTO_TRIGGER_SCORING", "false")
    monkeypatch.setenv("CIRCUIT_BREAKER_FAIL_MAX", "2")
    cfg = active_config(store)
    assert (cfg.auto_trigger_scoring, cfg.circuit_breaker_fail_max) == (False, 2)
    assert cfg.hot_tier_min == 90 and cfg.config_version == "strict-v1"  # the saved version stays itself
