"""Outcomes in the store (Status observed over syncs and imports, first-seen dates), recorded inputs
for "why did this score change", model versions, and the sample book's outcome story (issue 10)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import numpy as np
import pytest
from sqlite_utils import Database

from data.demo import DEMO_SEED, demo_rows, load_sample_book
from data.evidence.book import load_evidence_book, outcome_dates
from data.evidence.demo_outcomes import CLOSED, apply_outcome_story, fit_logit
from data.evidence.training import current_model, train_and_store
from data.files.importer import import_preview, preview_upload
from data.notion.sync import Workbench
from data.scoring_runs import run_scoring
from data.store import Store, StoreError, migrations
from scoring.config import ScoringConfig
from scoring.evidence.model import TooFewLabels
from tests.data.conftest import practice_row
from tests.notion_fake import FakeNotion, seed_practices

CFG = ScoringConfig()


def with_status(practice_id: str, status: str | None, **changes: object) -> dict:
    return practice_row(practice_id, **changes) | {"status": status}


# ---- Status observations and first-seen dates -------------------------------------------------------


def test_the_first_date_a_practice_was_seen_won_is_kept(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    clock = iter(["2026-01-01T00:00:00.000Z", "2026-02-01T00:00:00.000Z", "2026-03-01T00:00:00.000Z",
                  "2026-04-01T00:00:00.000Z"])
    monkeypatch.setattr("data.store.utc_now_iso", lambda: next(clock))
    store.upsert_practices([with_status("a", "Proposal Sent"), with_status("b", "Lost")])  # January
    store.upsert_practices([with_status("a", "Won"), with_status("b", "Lost")])  # February
    store.upsert_practices([with_status("a", "won "), with_status("b", "Closed Lost")])  # March: same outcomes
    dates = outcome_dates(store, CFG.outcomes).set_index("practice_id")
    assert dates.loc["a", "outcome"] == "won" and dates.loc["a", "since"].startswith("2026-02-01")
    assert dates.loc["b", "outcome"] == "lost" and dates.loc["b", "since"].startswith("2026-01-01")
    store.upsert_practices([with_status("a", "Contacted"), with_status("b", "Lost")])  # April: a reopened
    dates = outcome_dates(store, CFG.outcomes)
    assert dates["practice_id"].tolist() == ["b"]


def test_imports_record_the_status_column(store: Store) -> None:
    csv = b"practice_id,name,rating,status\nx1,One,4.5,Customer\nx2,Two,4.0,Disqualified\nx3,Three,3.9,\n"
    import_preview(store, preview_upload("book.csv", csv))
    seen = store.statuses_seen()
    assert sorted(zip(seen["practice_id"], seen["status"], strict=True)) == [("x1", "Customer"), ("x2", "Disqualified")]
    assert dict(zip(*outcome_dates(store, CFG.outcomes)[["practice_id", "outcome"]].T.values, strict=True)) == {
        "x1": "won", "x2": "lost"}


def test_syncs_record_notion_status(store: Store, workbench: Workbench, notion_fake: FakeNotion) -> None:
    seed_practices(notion_fake, 40, seed=8)
    workbench.sync(push=False)
    practices = store.frame("SELECT practice_id, status FROM practices WHERE status IS NOT NULL")
    seen = store.statuses_seen()
    assert len(practices) > 0
    assert set(zip(practices["practice_id"], practices["status"], strict=True)) == set(
        zip(seen["practice_id"], seen["status"], strict=True))


def test_an_older_store_is_migrated_with_what_it_holds(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    conn = sqlite3.connect(path, isolation_level=None)
    migrations.apply(Database(conn), stop_before="m003_outcomes_and_inputs")
    conn.execute("INSERT INTO practices (practice_id, record_json, inputs_hash, status, last_seen) "
                 "VALUES ('old', '{\"practice_id\": \"old\"}', 'h1', 'Won', '2025-05-05T00:00:00.000Z')")
    conn.close()
    store = Store.open(path)
    assert store.statuses_seen().to_dict("records") == [
        {"practice_id": "old", "status": "Won", "first_seen": "2025-05-05T00:00:00.000Z"}]
    assert store.recorded_input("h1") == {"practice_id": "old"}
    assert store.current_model() is None


def test_clearing_the_book_forgets_observations(store: Store) -> None:
    store.upsert_practices([with_status("a", "Won")])
    store.clear_book()
    assert store.statuses_seen().empty
    assert store.query("SELECT COUNT(*) FROM record_versions")[0][0] == 0


# ---- recorded inputs --------------------------------------------------------------------------------


def test_each_history_entry_can_be_read_back_with_its_inputs(store: Store) -> None:
    store.upsert_practices([practice_row("p", reviews_count=40)])
    run_scoring(store, ["p"], kind="test", trigger="manual")
    store.upsert_practices([practice_row("p", reviews_count=200)])
    run_scoring(store, ["p"], kind="test", trigger="manual")
    history = store.history("p")
    first, second = (store.recorded_input(h) for h in history["inputs_hash"])
    assert first["google_maps_data"]["reviews_count"] == 40
    assert second["google_maps_data"]["reviews_count"] == 200
    assert store.recorded_input(None) is None and store.recorded_input("unknown") is None


# ---- models -----------------------------------------------------------------------------------------


def test_models_are_versioned_and_one_is_current(store: Store) -> None:
    load_sample_book(store)
    book = load_evidence_book(store, CFG)
    first, _ = train_and_store(store, book, CFG)
    second, trained = train_and_store(store, book, CFG)
    versions = store.models()
    assert versions["id"].tolist() == [second, first] and versions["current"].tolist() == [1, 0]
    current = current_model(store)
    assert current is not None and current.version == second
    assert current.summary()["auc_cv"] == pytest.approx(trained.auc_cv) and current.summary()["method"] == (
        "logistic_regression")
    assert np.allclose(current.model.probability(book.table), current_model(store).model.probability(book.table))
    store.make_model_current(first)
    assert current_model(store).version == first
    with pytest.raises(StoreError, match="No stored model"):
        store.make_model_current(999)


def test_too_few_labels_store_no_model(store: Store) -> None:
    store.upsert_practices([with_status(f"p{i}", "Won" if i < 9 else "Lost") for i in range(30)])
    run_scoring(store, None, kind="test", trigger="manual")
    with pytest.raises(TooFewLabels, match="9 won and 21 lost"):
        train_and_store(store, load_evidence_book(store, CFG), CFG)
    assert store.current_model() is None


# ---- the sample book's outcomes ---------------------------------------------------------------------


def test_the_story_only_decides_closed_practices_and_never_touches_inputs() -> None:
    plain = demo_rows(500, DEMO_SEED)
    rows = demo_rows(500, DEMO_SEED)  # the same rows again, with the story applied by demo_rows itself
    assert [r["record"] for r in plain] == [r["record"] for r in rows]
    statuses = {r["status"] for r in rows}
    assert {"Won", "Lost"} <= statuses and statuses & {"Closed Won", "Customer", "Closed Lost", "Disqualified"}
    # re-applying the story to the original closed set gives the same decisions (seeded)
    again = [dict(r, status="Won" if CFG.outcomes.outcome(r["status"]) != "open" else r["status"]) for r in rows]
    apply_outcome_story(again, DEMO_SEED)
    assert [r["status"] for r in again] == [r["status"] for r in rows]
    open_before = [r["status"] for r in rows if CFG.outcomes.outcome(r["status"]) == "open"]
    assert set(open_before) <= {"New", "Contacted", "Qualified", "Proposal Sent"}
    assert set(CLOSED) == {"Won", "Lost"}


def test_fit_matters_but_does_not_decide(store: Store) -> None:
    load_sample_book(store)
    ev = load_evidence_book(store, CFG).evidence()
    assert not ev.too_few
    assert 0.62 < ev.auc < 0.85  # clearly better than a coin, far from perfect
    conversions = [ev.tier(t)["conversion"] for t in ("Hot", "Warm", "Cold")]
    assert conversions == sorted(conversions, reverse=True)  # the tiers rank the story's fit…
    assert conversions[0] < 1.0 and conversions[-1] > 0.0  # …but fit never decides
    assert fit_logit({"enrichment_data": None}) == fit_logit({})


def test_changing_outcomes_changes_no_lead_score(store: Store) -> None:
    rows = demo_rows(200, 5)
    store.upsert_practices(rows)
    run_scoring(store, None, kind="test", trigger="manual")
    before = store.frame("SELECT practice_id, lead_score, priority_tier, inputs_hash FROM scores ORDER BY 1")
    flipped = [r | {"status": "Lost" if CFG.outcomes.outcome(r["status"]) == "won" else "Won"} for r in rows]
    assert store.upsert_practices(flipped) == []  # Status is not a scoring input: nothing to rescore
    run_scoring(store, None, kind="test", trigger="manual")
    after = store.frame("SELECT practice_id, lead_score, priority_tier, inputs_hash FROM scores ORDER BY 1")
    assert before.equals(after)
    assert load_evidence_book(store, CFG).evidence().won != 0
