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
from data.scoring_runs import RunReport, page_diff, run_scoring, score_stored
from data.store import Store
from scoring.config import ScoringConfig
from scoring.engine import score_record

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


# ---- a score is saved only for the inputs it was scored from (issue 8) ----------------------------------


def with_vets(store: Store, pid: str, vets: int, source: str = "notion") -> None:
    """The practice's inputs as a sync or import lands them: the same record with ``vets`` vets."""
    row = demo_rows(1)[0]
    record = {**row["record"], "practice_id": pid,
              "enrichment_data": {**row["record"]["enrichment_data"], "vet_count": vets}}
    store.upsert_practices([{**row, "practice_id": pid, "source": source, "record": record}])


def expected_score(store: Store, pid: str, config: ScoringConfig) -> int:
    """The lead score of the practice's inputs as stored now, scored on their own."""
    [(_, record, _)] = store.scoring_inputs([pid])
    return score_record(record, config).lead_score


def test_a_sync_landing_mid_rescore_keeps_the_newer_inputs_score(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    """The reviewer's repro: a rescore scores page-1 at 61; before it saves, a sync pulls new inputs and
    scores them at 38. The rescore must not save 61 under the new inputs: the current score stays 38, the
    practice is not left looking scored with the old score, and no write of 61 is queued."""
    pid = notion_practice(store)
    rescore(store, pid, ScoringConfig())
    assert store.score(pid)["lead_score"] == 61
    fired: list[bool] = []

    def sync_lands(outputs: list[dict[str, Any]]) -> None:
        if fired:  # the sync's own save, and the rescore's second try: nothing else lands
            return
        fired.append(True)
        [out] = outputs
        assert out["lead_score"] == 61  # what the rescore scored from the inputs it read
        with_vets(store, pid, 1)
        score_stored(store, [pid], config=ScoringConfig(), trigger="auto", report=RunReport("sync"), notion=True)
        assert store.score(pid)["lead_score"] == 38

    between_scoring_and_saving(store, monkeypatch, sync_lands)
    report = rescore(store, pid, ScoringConfig())

    current = store.score(pid)
    assert current["lead_score"] == 38 == expected_score(store, pid, ScoringConfig())
    assert current["inputs_hash"] == store.practice(pid)["inputs_hash"] and store.unscored_ids() == []
    assert [o["properties"]["lead_score"] for o in store.outbox()] == [38]
    history = store.history(pid)
    assert history["lead_score"].tolist() == [61, 38, 38]  # the stale 61 never became an entry
    assert report.total == 1 and report.tiers["Cold"] == 1


def test_inputs_imported_mid_run_are_scored_not_given_the_old_score(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without Notion: an import changes a practice's inputs while run_scoring scores it. Its current score
    is that of the newest inputs, scored at once (the run's configuration), never the old score under the
    new inputs' hash."""
    pid = "imported-1"
    with_vets(store, pid, 6, source="import")
    old = expected_score(store, pid, STRICT)
    fired: list[bool] = []

    def import_lands(outputs: list[dict[str, Any]]) -> None:
        if not fired:
            fired.append(True)
            with_vets(store, pid, 1, source="import")

    between_scoring_and_saving(store, monkeypatch, import_lands)
    report = run_scoring(store, [pid], kind="rescore", trigger="rescore", config=STRICT)

    new = expected_score(store, pid, STRICT)
    assert new != old
    current = store.score(pid)
    assert current["lead_score"] == new and current["inputs_hash"] == store.practice(pid)["inputs_hash"]
    assert current["config_version"] == STRICT.config_version and store.unscored_ids() == []
    assert store.history(pid)["lead_score"].tolist() == [new]
    assert report.total == 1 and store.outbox() == []


def test_inputs_changing_at_every_save_leave_the_practice_to_be_rescored(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inputs that change again before every save (a flood of edits): the practice keeps its older score
    under its older inputs — no write queued for a stale score — and is picked up by the next scoring."""
    pid = notion_practice(store)
    rescore(store, pid, ScoringConfig())
    before = store.score(pid)
    store.write_done(pid, before["history_id"], current_values(store, pid))  # the page holds it
    vets = iter(range(1, 50))

    def edited_again(outputs: list[dict[str, Any]]) -> None:
        with_vets(store, pid, next(vets))

    between_scoring_and_saving(store, monkeypatch, edited_again)
    report = rescore(store, pid, STRICT)
    monkeypatch.undo()

    assert store.score(pid) == before and store.outbox() == [] and report.queued == 0
    assert report.total == 0 and any("changed every time" in n for n in report.notes)
    assert store.history(pid)["id"].tolist() == [before["history_id"]]
    assert store.unscored_ids() == [pid]
    score_stored(store, store.unscored_ids(), config=STRICT, trigger="auto", report=RunReport("sync"), notion=True)
    assert store.score(pid)["lead_score"] == expected_score(store, pid, STRICT) and store.unscored_ids() == []
