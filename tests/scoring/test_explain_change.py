"""Why did this score change: one sentence first, then the detail (issue 10)."""

from __future__ import annotations

from typing import Any

from scoring.config import ScoringConfig
from scoring.engine import score_record
from scoring.explain_change import Change, explain_change
from tests.scoring.records import DELETE, full_record

CFG = ScoringConfig()


def entry(record: Any, cfg: ScoringConfig = CFG) -> dict[str, Any]:
    """A score-history row as the store keeps it."""
    out = score_record(record, cfg).model_dump(mode="json")
    return {k: out[k] for k in ("scoring_status", "lead_score", "priority_tier", "score_breakdown", "error_type",
                                "error_message")} | {"config_version": cfg.config_version}


def test_the_issue_example_warm_to_hot_decision_maker_found() -> None:
    # 5 vets 30 + 3 phones 30 + (ezyVet 5 + booking 10) + baseline 0 = 75 (Warm); a decision maker adds 10
    plain = dict(google_maps_data__reviews_count=0, google_maps_data__rating=3.0, google_maps_data__website=None,
                 enrichment_data__has_telemedicine=False, enrichment_data__emr_system="ezyVet")
    before_rec = full_record(enrichment_data__decision_maker=None, **plain)
    after_rec = full_record(enrichment_data__decision_maker={"name": "Dr. Kim", "title": "Owner"}, **plain)
    before, after = entry(before_rec), entry(after_rec)
    assert (before["priority_tier"], after["priority_tier"]) == ("Warm", "Hot")
    change = explain_change(before, after, before_rec, after_rec)
    assert change.sentence == "Warm → Hot: decision maker found (+10)"
    kinds = [c.kind for c in change.changes]
    assert kinds[:3] == ["tier", "score", "component"] and "input" in kinds
    component = next(c for c in change.changes if c.kind == "component")
    assert (component.field, component.before, component.after, component.delta) == ("decision_maker", 0, 10, 10)
    assert any(c.kind == "input" and c.field == "enrichment_data.decision_maker" for c in change.changes)


def test_several_inputs_are_ordered_by_effect_and_confidence_counts() -> None:
    before_rec = full_record(enrichment_data__vet_count=2, enrichment_confidence="low")
    after_rec = full_record(enrichment_data__vet_count=6, enrichment_confidence="high",
                            enrichment_data__has_online_booking=False)
    change = explain_change(entry(before_rec), entry(after_rec), before_rec, after_rec)
    # size +25, the low-confidence penalty (20 % of 92 = 18) gone, booking −10
    assert change.sentence.startswith("Warm → Hot: vet count 2 → 6 (+25); confidence low → high (+")
    assert change.sentence.endswith("confidence low → high (+18); online booking no longer found (-10)")
    confidence = next(c for c in change.changes if c.kind == "confidence")
    assert (confidence.before, confidence.after) == ("low", "high") and confidence.delta > 0


def test_a_configuration_change_is_named() -> None:
    record = full_record(enrichment_data__decision_maker=None)
    cfg = CFG.with_changes(hot_tier_min=110, version="strict-v1")
    change = explain_change(entry(record), entry(record, cfg), record, record)
    assert change.sentence == "Hot → Warm: configuration default → strict-v1"
    assert [c.kind for c in change.changes] == ["tier", "config"]


def test_points_that_moved_with_the_configuration_say_so() -> None:
    record = full_record()
    cfg = CFG.with_changes(decision_maker_points=20, version="dm-20")
    change = explain_change(entry(record), entry(record, cfg), record, record)
    assert "decision maker points changed with the configuration (+10)" in change.sentence


def test_failed_nothing_changed_and_unknown_inputs() -> None:
    record = full_record()
    scored = entry(record)
    failed = entry({"practice_id": "x"})  # unreadable: google_maps_data missing
    change = explain_change(scored, failed, record, {"practice_id": "x"})
    assert change.sentence.startswith("Hot → Failed: invalid_input")
    assert explain_change(scored, scored, record, record).sentence == f"No change (Hot, {scored['lead_score']})"
    # inputs not kept (history from before they were): components still compared
    other = full_record(enrichment_data__vet_count=1)
    change = explain_change(entry(record), entry(other), None, other)
    assert not change.inputs_known
    assert change.sentence == "Hot 112 → 87: practice size 30 → 5 (-25)"


def test_enrichment_arriving_is_one_reason() -> None:
    before_rec = full_record(enrichment_data=DELETE, enrichment_status="Not Started")
    after_rec = full_record()
    change = explain_change(entry(before_rec), entry(after_rec), before_rec, after_rec)
    assert change.sentence.startswith("Pending Enrichment → Hot: enrichment arrived (Completed)")


def test_other_axes_add_their_own_items() -> None:
    record = full_record()
    extra = [Change("engagement", "engagement_score", 10, 40, 30, "engagement 10 → 40")]
    change = explain_change(entry(record), entry(record), record, record, extra=extra)
    assert change.changes[-1].kind == "engagement" and change.to_json()["changes"][-1]["delta"] == 30
