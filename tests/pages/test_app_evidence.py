"""The Evidence page, the What-if lab's before/after evidence, drafts sent to the lab, and the Practice
page's outcome, model and "why did this score change" — through AppTest against a real store."""

from __future__ import annotations

import socket
from pathlib import Path

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.evidence.book import load_evidence_book
from data.evidence.training import current_model, train_and_store
from data.scoring_runs import run_scoring
from data.store import Store
from scoring.config import ScoringConfig
from scoring.evidence.capacity import capacity_thresholds
from scoring.evidence.metrics import book_evidence
from scoring.vector import retier

ROOT = Path(__file__).resolve().parents[2]
TIMEOUT = 120
CFG = ScoringConfig()




def page(path: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.switch_page(path).run()


def ok(at: AppTest) -> AppTest:
    assert not at.exception, [e.value for e in at.exception]
    return at


def text(at: AppTest) -> str:
    kinds = ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error")
    return " ".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


def metric(at: AppTest, label: str) -> str:
    return next(m.value for m in at.metric if m.label == label)


def test_the_evidence_page_shows_the_books_evidence(db: Path) -> None:
    at = ok(page("pages/evidence.py"))
    ev = load_evidence_book(Store.open(db), CFG).evidence()
    assert metric(at, "AUC, lead score") == f"{ev.auc:.3f}"
    assert metric(at, "AUC, Initial Score") == f"{ev.initial_auc:.3f}"
    assert metric(at, "Labelled practices") == f"{ev.labelled:,}"
    tiers = frame_with(at, "tier", "practices", "won", "lost", "conversion", "lift").set_index("tier")
    for name in ("Hot", "Warm", "Cold", "Pending Enrichment"):
        assert tiers.loc[name, "won"] == ev.tier(name)["won"]
        assert tiers.loc[name, "conversion"] == pytest.approx(ev.tier(name)["conversion"])
    assert "Outcomes are never an input" in text(at) and not at.warning  # 55 won / 65 lost: enough
    assert "No model trained yet" in text(at)


def test_capacity_opens_a_draft_in_the_lab_with_its_evidence(db: Path) -> None:
    at = ok(page("pages/evidence.py"))
    at.number_input(key="cap_hot").set_value(30).run()
    at.number_input(key="cap_warm").set_value(120).run()
    store = Store.open(db)
    book = load_evidence_book(store, CFG)
    cut = capacity_thresholds(book.scores.lead_score, book.scores.full, book.scores.readable, 30, 120)
    assert f"Hot from {cut.hot_tier_min}, Warm from {cut.warm_tier_min}" in text(ok(at))
    draft = CFG.with_changes(hot_tier_min=cut.hot_tier_min, warm_tier_min=cut.warm_tier_min)
    draft_ev = book_evidence(retier(book.scores, draft), book.outcome, book.initial_score)
    shown = frame_with(at, "measure", "with these thresholds").set_index("measure")
    hot = draft_ev.tier("Hot")
    assert shown.loc["Hot: conversion (won/labelled)", "with these thresholds"].endswith(
        f"({hot['won']}/{hot['labelled']})")
    at.button(key="capacity_to_lab").click().run()
    ok(at)
    assert at.slider(key="w_hot").value == cut.hot_tier_min and at.slider(key="w_warm").value == cut.warm_tier_min
    assert "Draft from capacity" in text(at).replace("\\", "") and at.title[0].value == "What-if lab"
    lab = frame_with(at, "measure", "now", "with these settings").set_index("measure")
    shown_hot = lab.loc["Hot: conversion (won/labelled)", "with these settings"]
    assert shown_hot.endswith(f"({hot['won']}/{hot['labelled']})")


def test_the_labs_before_and_after_evidence_for_a_known_change(db: Path) -> None:
    at = ok(page("pages/whatif.py"))
    at.slider(key="w_hot").set_value(60).run()
    ok(at)
    book = load_evidence_book(Store.open(db), CFG)
    before = book.evidence()
    after = book_evidence(retier(book.scores, CFG.with_changes(hot_tier_min=60)), book.outcome, book.initial_score)
    table = frame_with(at, "measure", "now", "with these settings").set_index("measure")
    for tier in ("Hot", "Warm"):
        b, a = before.tier(tier), after.tier(tier)
        row = table.loc[f"{tier}: conversion (won/labelled)"]
        assert row["now"].endswith(f"({b['won']}/{b['labelled']})")
        assert row["with these settings"].endswith(f"({a['won']}/{a['labelled']})")
    assert after.tier("Hot")["labelled"] > before.tier("Hot")["labelled"]  # a lower bar lets more in
    # thresholds move tiers, never scores: the AUC stays; the share of wins in Hot + Warm does not fall
    assert table.loc["AUC of the lead score", "now"] == table.loc["AUC of the lead score", "with these settings"]
    assert metric(at, "Wins in Hot + Warm") == f"{after.share_won_hot_warm * 100:.0f} %"
    # a points change moves the AUC
    at.number_input(key="w_dm").set_value(40).run()
    moved = frame_with(ok(at), "measure", "now", "with these settings").set_index("measure")
    points = CFG.with_changes(hot_tier_min=60, decision_maker_points=40)
    from scoring.vector import score_table

    expected = book_evidence(score_table(book.table, points), book.outcome, book.initial_score)
    assert moved.loc["AUC of the lead score", "with these settings"] == f"{expected.auc:.3f}"


def test_train_then_suggest_points_opens_a_draft(db: Path) -> None:
    at = ok(page("pages/evidence.py"))
    at.button(key="train_model").click().run()
    ok(at)
    store = Store.open(db)
    stored = current_model(store)
    assert stored is not None and "Model v1 trained" in text(at)
    assert metric(at, "AUC out of sample, model") == f"{stored.row['auc_cv']:.3f}"
    assert metric(at, "AUC on the same folds, rules") == f"{stored.row['auc_rules_cv']:.3f}"
    at.button(key="suggest_points").click().run()
    ok(at)
    assert at.title[0].value == "What-if lab" and "suggested points" in text(at)
    assert store.active_config() is None  # a draft: nothing saved, nothing applied
    from scoring.evidence.model import suggest_points

    draft, _ = suggest_points(stored.model, CFG, load_evidence_book(store, CFG).table)
    assert at.number_input(key="w_dm").value == draft.decision_maker_points
    assert at.slider(key="w_hot").value == draft.hot_tier_min


def test_the_practice_page_explains_a_change_and_shows_the_model(db: Path) -> None:
    ok(page("pages/evidence.py"))  # the sample book
    store = Store.open(db)
    row = store.practice("demo-0003")
    import orjson

    record = orjson.loads(row["record_json"])
    record["google_maps_data"]["reviews_count"] = (record["google_maps_data"].get("reviews_count") or 0) + 500
    store.upsert_practices([{k: row[k] for k in ("practice_id", "source", "name", "address", "status")}
                            | {"record": record}])
    run_scoring(store, ["demo-0003"], kind="test", trigger="manual")
    train_and_store(store, load_evidence_book(store, CFG), CFG)
    at = ok(page("pages/practice.py", id="demo-0003"))
    body = text(at)
    assert "Why did this score change" in body and "reviews" in body
    detail = frame_with(at, "what", "field", "before", "after")
    assert "google_maps_data.reviews_count" in detail["field"].tolist()
    assert any(m.label.startswith("Chance of winning (model v1") for m in at.metric)
    assert "Raises the odds" in body and "Outcome:" in body


def test_too_few_labels_warn_and_train_nothing(db: Path) -> None:
    store = Store.open(db)
    from tests.data.conftest import practice_row

    store.upsert_practices([practice_row(f"p{i}") | {"status": "Won" if i < 3 else "Lost"} for i in range(12)])
    run_scoring(store, None, kind="test", trigger="manual")
    at = ok(page("pages/evidence.py"))
    assert any("too few to judge by" in w.value for w in at.warning)
    at.button(key="train_model").click().run()
    assert any("nothing was trained" in w.value for w in ok(at).warning)
    assert store.current_model() is None


def test_the_evidence_page_on_an_empty_store(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NOTION_API_KEY", "secret_not_a_real_token_1234")
    monkeypatch.setenv("NOTION_DATABASE_ID", "db-unreachable")
    monkeypatch.setenv("NOTION_BASE_URL", f"http://127.0.0.1:{port}")
    monkeypatch.setenv("LEADSCORE_DB", str(tmp_path / "empty.db"))
    monkeypatch.chdir(ROOT)
    at = ok(page("pages/evidence.py"))
    assert "no practices" in text(at).lower()


def test_nothing_labelled_says_so(db: Path) -> None:
    store = Store.open(db)
    from tests.data.conftest import practice_row

    store.upsert_practices([practice_row("a") | {"status": "New"}])
    run_scoring(store, None, kind="test", trigger="manual")
    at = ok(page("pages/evidence.py"))
    assert "No practice is labelled won or lost yet" in text(at)


def test_an_earlier_model_can_be_made_current(db: Path) -> None:
    ok(page("pages/evidence.py"))
    store = Store.open(db)
    book = load_evidence_book(store, CFG)
    first, _ = train_and_store(store, book, CFG)
    train_and_store(store, book, CFG)
    at = ok(page("pages/evidence.py"))
    assert "Current: model v2" in text(at)
    at.selectbox(key="model_pick").set_value(first).run()
    at.button(key="model_current").click().run()
    assert "Model v1 is now current" in text(ok(at)) and current_model(store).version == first


def test_the_practice_page_names_an_engagement_change_between_two_scorings(db: Path) -> None:
    """Activity between two scorings is part of why the practice's picture changed (issue 11)."""
    from datetime import datetime

    from scoring.engagement import to_us

    ok(page("pages/evidence.py"))  # the sample book
    store = Store.open(db)
    run_scoring(store, ["demo-0003"], kind="test", trigger="manual")
    first = datetime.fromisoformat(store.history("demo-0003")["scored_at"].iloc[-1])
    store.add_events([("meeting-now", "demo-0003", "meeting", to_us(first) + 1, "t", None),
                      ("demo-now", "demo-0003", "demo_request", to_us(first) + 1, "t", None)])
    run_scoring(store, ["demo-0003"], kind="test", trigger="manual")
    at = ok(page("pages/practice.py", id="demo-0003"))
    detail = frame_with(at, "what", "field", "before", "after")
    engagement = detail[detail["what"] == "engagement"]
    assert engagement["field"].tolist()[0] == "engagement_score"
    before, after = engagement.iloc[0][["before", "after"]]
    assert int(after) > int(before)  # a meeting and a demo request a moment ago count almost whole


def test_why_changed_follows_a_rescore_made_on_the_page(db: Path) -> None:
    """After Rescore, "the last two" are the last two again (a fresh user saw #3 → #4 kept after #5)."""
    ok(page("pages/evidence.py"))  # the sample book
    store = Store.open(db)
    run_scoring(store, ["demo-0003"], kind="test", trigger="manual")
    at = ok(page("pages/practice.py", id="demo-0003"))
    count = len(store.history("demo-0003"))
    to_before = next(s for s in at.selectbox if s.label == "To")
    assert to_before.value == count - 1
    at.button(key="rescore").click().run()
    ok(at)
    to_after = next(s for s in at.selectbox if s.label == "To")
    assert len(store.history("demo-0003")) == count + 1
    assert to_after.value == count  # the new scoring, #count+1
    assert next(s for s in at.selectbox if s.label == "From").value == count - 1
