"""Issue 8, "stale writes never reaching Notion": whether a scored Notion page is queued for a write (or its
pending write cancelled) is decided inside the transaction that saves the score, against what the page is
known to hold then — never from a snapshot read before scoring, which a sync or a delivered write landing
in between makes stale."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import orjson
import pytest

from data.demo import demo_rows
from data.scoring_runs import RunReport, page_diff, score_stored
from data.store import Store
from scoring.config import ScoringConfig

STRICT = ScoringConfig().with_changes(hot_tier_min=100, warm_tier_min=90)


def notion_practice(store: Store, pid: str = "page-1", held: dict[str, Any] | None = None) -> str:
    row = demo_rows(1)[0]
    row["record"] = {**row["record"], "practice_id": pid}
    store.upsert_practices([{**row, "practice_id": pid, "source": "notion", "notion_scores": held}])
    return pid


def between_scoring_and_saving(
    store: Store, monkeypatch: pytest.MonkeyPatch, meanwhile: Callable[[list[dict[str, Any]]], None]
) -> None:
    """Run ``meanwhile(outputs)`` after the batch is scored and before its save starts: another process's
    sync or delivery committing while this one scored."""
    real = store.save_scores

    def racing(outputs: list[dict[str, Any]], **kwargs: Any) -> Any:
        meanwhile(outputs)
        return real(outputs, **kwargs)

    monkeypatch.setattr(store, "save_scores", racing)


def rescore(store: Store, pid: str, config: ScoringConfig) -> RunReport:
    report = RunReport("rescore")
    score_stored(store, [pid], config=config, trigger="rescore", report=report, notion=True)
    return report


def current_values(store: Store, pid: str) -> dict[str, Any]:
    row = store.score(pid)
    assert row is not None
    return page_diff({**row, "confidence_flags": orjson.loads(row["confidence_flags"])}, None)


def test_a_write_delivered_while_scoring_is_not_queued_again(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page held the defaults' score; the rescore with STRICT was about to queue a write, but another
    process delivered exactly that score meanwhile: nothing is left to write."""
    pid = notion_practice(store)
    rescore(store, pid, ScoringConfig())
    store.write_done(pid, store.score(pid)["history_id"], current_values(store, pid))  # page holds the defaults
    assert store.outbox() == []

    def deliver(outputs: list[dict[str, Any]]) -> None:
        [out] = outputs
        store.write_done(pid, store.score(pid)["history_id"], page_diff(out, None))

    between_scoring_and_saving(store, monkeypatch, deliver)
    report = rescore(store, pid, STRICT)

    assert store.outbox() == [] and report.queued == 0


def test_a_page_edited_while_scoring_gets_its_write(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The page already held the new score, so the snapshot said "nothing to write"; a sync pulled a hand
    edit of its Lead Score meanwhile: the page must be queued to get the score back."""
    pid = notion_practice(store)
    rescore(store, pid, STRICT)
    store.write_done(pid, store.score(pid)["history_id"], current_values(store, pid))
    assert store.outbox() == []
    held = current_values(store, pid)

    def hand_edit_pulled(outputs: list[dict[str, Any]]) -> None:
        notion_practice(store, pid, held={**held, "lead_score": 3})  # the page as the sync read it

    between_scoring_and_saving(store, monkeypatch, hand_edit_pulled)
    report = rescore(store, pid, STRICT)

    [row] = store.outbox()
    assert row["practice_id"] == pid and row["properties"] == {"lead_score": held["lead_score"]}
    assert report.queued == 1


def test_a_pending_write_is_cancelled_when_the_page_got_the_score_meanwhile(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A write was pending (the page held the defaults' score, the store STRICT's); rescoring with STRICT
    again while a sync learns that the page now holds STRICT's score cancels the pending write."""
    pid = notion_practice(store)
    rescore(store, pid, ScoringConfig())
    store.write_done(pid, store.score(pid)["history_id"], current_values(store, pid))
    rescore(store, pid, STRICT)
    assert [o["practice_id"] for o in store.outbox()] == [pid]

    def synced(outputs: list[dict[str, Any]]) -> None:
        [out] = outputs
        with store.write() as w:
            w.execute("UPDATE practices SET notion_scores_json = ? WHERE practice_id = ?",
                      (orjson.dumps(page_diff(out, None)).decode(), pid))

    between_scoring_and_saving(store, monkeypatch, synced)
    report = rescore(store, pid, STRICT)

    assert store.outbox() == [] and report.queued == 0


def test_practices_without_a_page_are_never_queued(store: Store) -> None:
    store.upsert_practices(demo_rows(3))
    report = RunReport("rescore")
    score_stored(store, None, config=STRICT, trigger="rescore", report=report, notion=True)
    assert report.total == 3 and report.queued == 0 and store.outbox() == []
