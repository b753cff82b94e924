"""SPEC §12, line by line: points, decay, caps, the score's floor, levels, grid cells, velocity, recency
risk, next actions, future and unknown-type events."""

from __future__ import annotations

import math

import pandas as pd
import pytest

from scoring.engagement import GRID_CELLS, EngagementConfig, compute_engagement
from scoring.engagement.engine import FLOOR_GUARD

from .engagement_helpers import AS_OF, DAY, HOUR, book, events, one, unit_config

SPEC_POINTS = {
    "page_view": 1,
    "email_open": 3,
    "email_click": 5,
    "download": 10,
    "signup": 20,
    "demo_request": 30,
    "email_reply": 10,
    "inbound_call": 15,
    "meeting": 25,
}
SPEC_CAPS = {
    "page_view": 10,
    "email_open": 15,
    "email_click": 15,
    "download": 20,
    "signup": 20,
    "demo_request": 30,
    "email_reply": 20,
    "inbound_call": 30,
    "meeting": 40,
}


# ---- points per type ---------------------------------------------------------------------------------


def test_default_points_and_caps_are_spec_s() -> None:
    cfg = EngagementConfig()
    assert {t.name: t.points for t in cfg.types} == SPEC_POINTS
    assert {t.name: t.cap for t in cfg.types} == SPEC_CAPS
    assert cfg.half_life_days == 7


@pytest.mark.parametrize(("kind", "points"), SPEC_POINTS.items())
def test_one_event_now_scores_its_points(kind: str, points: int) -> None:
    assert one([("p", kind, 0)])["engagement_score"] == points


# ---- decay ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age_days", "decayed", "score"),
    [(0, 30.0, 30), (7, 15.0, 15), (14, 7.5, 7), (21, 3.75, 3), (3.5, 30 * 0.5**0.5, 21)],
)
def test_decay_halves_every_seven_days(age_days: float, decayed: float, score: int) -> None:
    result = one([("p", "demo_request", round(age_days * DAY))])
    row = result["breakdown"].set_index("type").loc["demo_request"]
    assert row["raw_points"] == 30
    assert row["decayed_points"] == pytest.approx(decayed, rel=1e-12)
    assert result["engagement_score"] == score


def test_half_life_is_configuration() -> None:
    cfg = EngagementConfig().model_copy(update={"half_life_days": 14.0})
    cfg = EngagementConfig.model_validate(cfg.model_dump())
    assert one([("p", "demo_request", 14 * DAY)], config=cfg)["engagement_score"] == 15


def test_age_is_measured_from_as_of() -> None:
    rows = [("p", "meeting", 7 * DAY)]
    tiers = {"p": "Hot"}
    early = compute_engagement(events(*rows), pd.DataFrame({"practice_id": ["p"], "priority_tier": ["Hot"]}),
                               EngagementConfig(), AS_OF - pd.Timedelta(days=7).to_pytimedelta())
    assert early.engagement_score[0] == 25  # as of the moment it happened: no decay yet
    assert book(rows, tiers).engagement_score[0] == 12  # a week later: 12.5, floored


# ---- caps -----------------------------------------------------------------------------------------


def test_cap_limits_a_types_decayed_sum() -> None:
    assert one([("p", "page_view", 0)] * 5)["engagement_score"] == 5
    assert one([("p", "page_view", 0)] * 15)["engagement_score"] == 10  # page_view cap 10
    assert one([("p", "email_open", 0)] * 6)["engagement_score"] == 15  # 18 → cap 15


def test_cap_applies_after_decay_not_before() -> None:
    # Two demo requests a week ago: 15 + 15 = 30, exactly the cap; now: 60 → capped at 30.
    assert one([("p", "demo_request", 7 * DAY)] * 2)["engagement_score"] == 30
    result = one([("p", "demo_request", 14 * DAY)] * 5)  # 5 × 7.5 = 37.5 → 30
    row = result["breakdown"].set_index("type").loc["demo_request"]
    assert (row["decayed_points"], row["cap"], row["counted_points"]) == (37.5, 30, 30)


def test_types_add_up_and_the_score_stops_at_100() -> None:
    rows = [("p", "meeting", 0), ("p", "demo_request", 0), ("p", "signup", 0)]  # 25 + 30 + 20
    assert one(rows)["engagement_score"] == 75
    everything = [("p", t, 0) for t in SPEC_POINTS for _ in range(10)]  # every cap reached: 200
    assert one(everything)["engagement_score"] == 100


# ---- the score: floor(min(100, Σ) + 1e-9), float64 ---------------------------------------------------


def test_floor_guard_keeps_a_whole_score_whole() -> None:
    # 0.5 (exactly a week ago) + a hair under 0.5 (a week and 1 ms ago): 0.99999999943 in float64.
    rows = [("p", "page_view", 7 * DAY), ("p", "page_view", 7 * DAY + 1000)]
    result = one(rows)
    total = result["breakdown"]["counted_points"].sum()
    assert 1 - FLOOR_GUARD < total < 1
    assert result["engagement_score"] == 1


def test_floor_guard_is_no_rounding() -> None:
    # 3.5 ms more: 0.999999998 is more than 1e-9 short of 1, so it floors to 0.
    rows = [("p", "page_view", 7 * DAY), ("p", "page_view", 7 * DAY + 3500)]
    result = one(rows)
    assert result["breakdown"]["counted_points"].sum() < 1 - FLOOR_GUARD
    assert result["engagement_score"] == 0
    assert one([("p", "meeting", 7 * DAY)])["engagement_score"] == 12  # 12.5 floors, never rounds up


def test_score_is_an_integer_between_0_and_100() -> None:
    busy = [("a", t, 0) for t in SPEC_POINTS for _ in range(10)]
    result = book([*busy, ("b", "page_view", 400 * DAY)], {"a": "Hot", "b": "Hot", "c": "Cold"})
    assert result.engagement_score.dtype.kind == "i"
    assert list(result.engagement_score) == [100, 0, 0]  # b: 1 × 0.5^(400/7) ≈ 6e-18


# ---- events after as_of, unknown types, unknown practices ----------------------------------------------


def test_events_after_as_of_are_not_counted_yet() -> None:
    result = one([("p", "meeting", -1), ("p", "page_view", 0)])  # a meeting 1 µs in the future
    assert result["engagement_score"] == 1
    assert result["velocity_24h"] == 1
    assert result["future_events"] == 1
    only_future = one([("p", "meeting", -DAY)])
    assert (only_future["engagement_score"], only_future["recency_risk"]) == (0, "high")


def test_an_event_exactly_at_as_of_counts_undecayed() -> None:
    assert one([("p", "signup", 0)])["engagement_score"] == 20


def test_unknown_type_is_kept_and_reported_but_counts_nowhere() -> None:
    result = one([("p", "webinar", 0), ("p", "webinar", HOUR)])
    assert result["engagement_score"] == 0
    assert result["velocity_24h"] == 0
    assert result["recency_risk"] == "high"  # no recency either
    assert result["unknown_type_events"] == 2
    assert "webinar" not in set(result["breakdown"]["type"])


def test_unknown_type_counts_once_configured() -> None:
    data = EngagementConfig().model_dump()
    data["types"] = [*data["types"], {"name": "webinar", "points": 12, "cap": 24}]
    result = one([("p", "webinar", 0)], config=EngagementConfig.model_validate(data))
    assert (result["engagement_score"], result["velocity_24h"], result["unknown_type_events"]) == (12, 1, 0)


def test_events_of_practices_not_in_the_book_are_reported() -> None:
    result = book([("p", "meeting", 0), ("stranger", "meeting", 0)], {"p": "Hot"})
    assert list(result.engagement_score) == [25]
    assert result.unknown_practice_events == 1


def test_the_same_event_twice_counts_twice_in_the_engine() -> None:
    # De-duplication is the event log's job (SPEC §12: the same event_id again changes nothing there);
    # two distinct events at the same instant are two events.
    assert one([("p", "email_open", 0)] * 2)["engagement_score"] == 6


# ---- levels and grid cells ---------------------------------------------------------------------------


@pytest.mark.parametrize(("score", "level"), [(100, 1), (60, 1), (59, 2), (25, 2), (24, 3), (0, 3)])
def test_level_edges(score: int, level: int) -> None:
    result = one([("p", "x", 0)] * score, config=unit_config())
    assert (result["engagement_score"], result["engagement_level"]) == (score, level)


def test_level_edges_are_configuration() -> None:
    cfg = unit_config(level_1_min=40, level_2_min=10)
    assert one([("p", "x", 0)] * 40, config=cfg)["engagement_level"] == 1
    assert one([("p", "x", 0)] * 10, config=cfg)["engagement_level"] == 2
    assert one([("p", "x", 0)] * 9, config=cfg)["engagement_level"] == 3


@pytest.mark.parametrize(
    ("tier", "score", "cell"),
    [
        ("Hot", 60, "A1"),
        ("Hot", 30, "A2"),
        ("Hot", 0, "A3"),
        ("Warm", 70, "B1"),
        ("Warm", 25, "B2"),
        ("Cold", 24, "C3"),
        ("Cold", 99, "C1"),
        ("Pending Enrichment", 61, "P1"),
        ("Pending Enrichment", 40, "P2"),
        ("Pending Enrichment", 3, "P3"),
    ],
)
def test_grid_cell_is_fit_letter_and_engagement_level(tier: str, score: int, cell: str) -> None:
    assert one([("p", "x", 0)] * score, tier=tier, config=unit_config())["grid_cell"] == cell


@pytest.mark.parametrize("tier", [None, math.nan, "Failed", ""])
def test_a_failed_fit_scoring_has_no_cell_and_no_action(tier: object) -> None:
    result = one([("p", "meeting", 0)], tier=tier)  # type: ignore[arg-type]
    assert result["grid_cell"] is None
    assert result["next_action"] is None
    assert result["engagement_score"] == 25  # engagement itself is still computed


# ---- velocity ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "in_window"),
    [(0, True), (24 * HOUR - 1, True), (24 * HOUR, False), (24 * HOUR + 1, False), (-1, False)],
)
def test_velocity_window_is_as_of_minus_24h_exclusive_to_as_of_inclusive(age: int, in_window: bool) -> None:
    assert one([("p", "page_view", age)])["velocity_24h"] == int(in_window)


def test_velocity_counts_events_not_points() -> None:
    rows = [("p", "page_view", HOUR)] * 12 + [("p", "meeting", 2 * HOUR), ("p", "meeting", 3 * DAY)]
    assert one(rows)["velocity_24h"] == 13


# ---- recency risk --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("age", "risk"),
    [
        (0, "low"),
        (3 * DAY - 1, "low"),
        (3 * DAY, "medium"),
        (5 * DAY, "medium"),
        (7 * DAY, "medium"),
        (7 * DAY + 1, "high"),
        (40 * DAY, "high"),
    ],
)
def test_recency_risk_edges(age: int, risk: str) -> None:
    assert one([("p", "page_view", age)])["recency_risk"] == risk


def test_no_event_is_high_risk() -> None:
    result = one([])
    assert (result["recency_risk"], result["engagement_score"], result["velocity_24h"]) == ("high", 0, 0)
    assert pd.isna(result["last_event_at"])


def test_risk_uses_the_last_event_not_the_first() -> None:
    assert one([("p", "page_view", 30 * DAY), ("p", "page_view", DAY)])["recency_risk"] == "low"


def test_risk_days_are_configuration() -> None:
    cfg = EngagementConfig.model_validate(EngagementConfig().model_dump() | {"risk_medium_days": 1.0,
                                                                             "risk_high_days": 2.0})
    assert one([("p", "page_view", DAY)], config=cfg)["recency_risk"] == "medium"
    assert one([("p", "page_view", 2 * DAY + 1)], config=cfg)["recency_risk"] == "high"


# ---- next action ------------------------------------------------------------------------------------------


def test_next_action_examples_of_spec() -> None:
    hot_engaged = one([("p", "x", 0)] * 70, tier="Hot", config=unit_config())
    assert (hot_engaged["grid_cell"], hot_engaged["recency_risk"], hot_engaged["next_action"]) == (
        "A1", "low", "Call today")
    assert hot_engaged["next_action_why"]
    pending_engaged = one([("p", "x", 0)] * 70, tier="Pending Enrichment", config=unit_config())
    assert pending_engaged["next_action"] == "Enrich now"


def test_every_cell_and_risk_has_one_explained_action() -> None:
    cfg = EngagementConfig()
    keys = [(r.cell, r.risk) for r in cfg.next_actions]
    assert sorted(keys) == sorted((c, r) for c in GRID_CELLS for r in ("low", "medium", "high"))
    assert all(r.action and r.why for r in cfg.next_actions)


def test_next_action_follows_the_table() -> None:
    data = EngagementConfig().model_dump()
    for row in data["next_actions"]:
        if (row["cell"], row["risk"]) == ("A1", "high"):
            row["action"], row["why"] = "Send flowers", "It works."
    cfg = EngagementConfig.model_validate(data)
    result = one([("p", "meeting", 8 * DAY)] * 4 + [("p", "demo_request", 8 * DAY)] * 3, config=cfg)
    assert (result["grid_cell"], result["recency_risk"]) == ("A1", "high")
    assert (result["next_action"], result["next_action_why"]) == ("Send flowers", "It works.")


def test_next_action_is_deterministic_across_books() -> None:
    rows = [("a", "meeting", 0), ("b", "page_view", 5 * DAY), ("c", "webinar", 0)]
    tiers = {"a": "Warm", "b": "Cold", "c": "Pending Enrichment"}
    first, second = book(rows, tiers), book(list(reversed(rows)), tiers)
    assert list(first.next_action) == list(second.next_action)
    assert list(first.grid_cell) == ["B2", "C3", "P3"]
