"""Engagement's part of "why did this score change" (issue 11: the evidence issue's view includes it):
engagement as of each of two scorings, from the event log, through the one engine."""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner

from data.cli import main
from data.events.engagement import engagement_changes
from data.scoring_runs import run_scoring
from data.store import Store
from scoring.config import ScoringConfig
from scoring.engagement import to_us
from scoring.explain_change import explain_change
from tests.scoring.records import full_record

CFG = ScoringConfig().engagement
T1 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
T2 = T1 + timedelta(days=3)


def scoring(at: datetime, tier: str = "Hot", status: str = "Scored") -> dict[str, object]:
    return {"scored_at": at.isoformat().replace("+00:00", "Z"), "priority_tier": tier, "scoring_status": status,
            "lead_score": 90, "config_version": "default", "score_breakdown": None}


@pytest.fixture
def book(store: Store) -> Store:
    store.upsert_practices([{"practice_id": "p1", "source": "import", "name": "Paws", "record": full_record("p1")}])
    return store


def test_a_meeting_between_two_scorings_is_named_with_its_points(book: Store) -> None:
    # A meeting (25 points, SPEC §12) and a demo request (30) a day before the second scoring:
    # (25 + 30) × 0.5^(1/7) = 49.8 → 49, level 2: the Hot practice moves from A3 to A2.
    day_before = to_us(T2 - timedelta(days=1))
    book.add_events([("m1", "p1", "meeting", day_before, "t", None),
                     ("d1", "p1", "demo_request", day_before, "t", None)])
    changes = engagement_changes(book, "p1", scoring(T1), scoring(T2), CFG)
    assert [(c.field, c.before, c.after, c.delta) for c in changes] == [
        ("engagement_score", 0, 49, 49), ("grid_cell", "A3", "A2", None)]
    assert changes[0].text.startswith("engagement 0 → 49")
    # and it travels with the fit explanation, after the fit's own items
    change = explain_change(scoring(T1), scoring(T2), extra=changes)
    assert [c.kind for c in change.changes][-2:] == ["engagement", "engagement"]


def test_activity_fading_between_scorings_is_a_change_too(book: Store) -> None:
    # A demo request (30) just before the first scoring has decayed by the second: 30 → 30 × 0.5^(3/7) = 22.2.
    book.add_events([("d1", "p1", "demo_request", to_us(T1 - timedelta(minutes=1)), "t", None)])
    changes = engagement_changes(book, "p1", scoring(T1), scoring(T2), CFG)
    [score] = [c for c in changes if c.field == "engagement_score"]
    assert (score.before, score.after, score.delta) == (29, 22, -7)


def test_no_activity_change_and_unreadable_times_add_nothing(book: Store) -> None:
    assert engagement_changes(book, "p1", scoring(T1), scoring(T2), CFG) == []
    assert engagement_changes(book, "p1", {"scored_at": "yesterday"}, scoring(T2), CFG) == []


def test_a_failed_fit_scoring_has_no_grid_cell(book: Store) -> None:
    book.add_events([("m1", "p1", "meeting", to_us(T1), "t", None)])
    changes = engagement_changes(book, "p1", scoring(T1, status="Failed"), scoring(T1), CFG)
    assert [(c.field, c.before, c.after) for c in changes] == [("grid_cell", None, "A2")]


def test_explain_names_the_engagement_change_between_two_scorings(tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "book.db"
    monkeypatch.setenv("LEADSCORE_DB", str(db))
    store = Store.open(db)
    store.upsert_practices([{"practice_id": "p1", "source": "import", "name": "Paws", "record": full_record("p1")}])
    run_scoring(store, None, kind="test", trigger="manual")
    first = datetime.fromisoformat(store.history("p1")["scored_at"].iloc[-1])
    # a demo request (30) just after the first scoring, then a second scoring a moment later: 30 decayed
    # by a moment is 29.99…, floored to 29 — level 2, so the Hot practice moves from A3 to A2
    store.add_events([("d1", "p1", "demo_request", to_us(first) + 1, "t", None)])
    run_scoring(store, ["p1"], kind="test", trigger="manual")
    assert len(store.history("p1")) == 2
    result = CliRunner().invoke(main, ["explain", "p1", "--json"])
    assert result.exit_code == 0, result.output
    changes = [c for c in json.loads(result.output)["changes"] if c["kind"] == "engagement"]
    assert [(c["field"], c["before"], c["after"]) for c in changes] == [("engagement_score", 0, 29),
                                                                       ("grid_cell", "A3", "A2")]
