"""'What would change the tier' and the what-if comparisons (pure functions)."""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from scoring.config import ScoringConfig
from scoring.explain import pending_note, what_would_change
from scoring.features import FeatureTable, PracticeFeatures
from scoring.models import parse_input
from scoring.vector import retier, score_table
from scoring.whatif import TIER_ORDER, movement_matrix, movers, tier_counts

from .records import full_record

CFG = ScoringConfig()


def features(**changes) -> PracticeFeatures:  # type: ignore[no-untyped-def]
    return PracticeFeatures.from_parsed(parse_input(full_record(**changes)))


def test_missing_decision_maker_that_would_make_it_hot() -> None:
    # no decision maker, no online booking, low confidence: (30 + 30 + 20 + 12) × 0.8 = 73.6 → 73, Warm
    f = features(
        enrichment_confidence="low", enrichment_data__decision_maker=None, enrichment_data__has_online_booking=False
    )
    now = CFG.rulebook.evaluate(f)
    assert (now.lead_score, now.tier) == (73, "Warm")
    ideas = what_would_change(f, CFG)
    by_change = {s.change: s for s in ideas}
    dm = by_change["decision maker found"]
    assert (dm.gain, dm.new_score, dm.new_tier, dm.tier_changes) == (8, 81, "Hot", True)
    assert dm.sentence() == "decision maker found → +8 → Hot (score 81)"
    assert by_change["enrichment confidence raised to high"].new_score == 92
    assert ideas[0].tier_changes  # tier-changing suggestions come first
    # every suggestion is the practice re-scored with one input improved: never a made-up number
    for idea in ideas:
        assert idea.gain > 0 and idea.new_score == now.lead_score + idea.gain


def test_nothing_to_suggest_for_a_complete_practice() -> None:
    f = features(google_maps_data__has_multiple_locations=True)
    assert CFG.rulebook.evaluate(f).lead_score == 120
    assert what_would_change(f, CFG) == []


def test_capped_improvements_are_not_suggested() -> None:
    f = features()  # technology already 30 of 30: telemedicine etc. cannot add
    assert all("telemedicine" not in s.change and "booking" not in s.change for s in what_would_change(f, CFG))


def test_pending_enrichment_gets_a_note_not_suggestions() -> None:
    f = features(enrichment_data=None)
    assert what_would_change(f, CFG) == []
    assert "Pending Enrichment" in (pending_note(f) or "")
    assert pending_note(replace(f, full=True)) is None


def book() -> FeatureTable:
    return FeatureTable.from_records(
        [
            full_record("hot"),
            full_record(
                "warm",
                enrichment_confidence="low",
                enrichment_data__decision_maker=None,
                enrichment_data__has_online_booking=False,
            ),
            full_record("pending", enrichment_data=None),
            [1],
        ]
    )


def test_tier_counts_and_movement_for_a_known_change() -> None:
    before = score_table(book(), CFG)
    after = retier(before, CFG.with_changes(hot_tier_min=70))
    counts = tier_counts(before, after)
    assert counts.loc["Hot"].tolist() == [1, 2, 1]
    assert counts.loc["Warm"].tolist() == [1, 0, -1]
    assert counts.loc["Failed"].tolist() == [1, 1, 0]
    matrix = movement_matrix(before, after)
    assert list(matrix.index) == TIER_ORDER == list(matrix.columns)
    assert matrix.loc["Warm", "Hot"] == 1 and matrix.to_numpy().sum() == 4
    assert np.trace(matrix.to_numpy()) == 3
    moved = movers(before, after)
    assert moved.to_dict("records") == [
        {"practice_id": "warm", "old_tier": "Warm", "new_tier": "Hot", "old_score": 73, "new_score": 73, "change": 0}
    ]


def test_movers_order_biggest_change_first() -> None:
    before = score_table(book(), CFG)
    after = score_table(book(), CFG.with_changes(decision_maker_points=30, hot_tier_min=100))
    moved = movers(before, after)
    assert moved["change"].abs().is_monotonic_decreasing


def test_book_scores_as_one_table() -> None:
    frame = score_table(book(), CFG).to_frame()
    assert frame["practice_id"].tolist()[:3] == ["hot", "warm", "pending"]
    assert frame["lead_score"].tolist()[:3] == [112, 73, 12] and frame["lead_score"].isna().iloc[3]
    assert frame["priority_tier"].astype(object).tolist()[:3] == ["Hot", "Warm", "Pending Enrichment"]
    assert frame["scoring_status"].tolist() == ["Scored", "Scored", "Scored", "Failed"]
    assert frame.loc[1, "confidence_flags"] == ("Low Confidence Vet Count", "Missing Decision Maker")
    assert frame.loc[0, ["practice_size", "call_volume", "technology", "baseline", "decision_maker"]].tolist() == [
        30, 30, 30, 12, 10]
