"""The What-if lab's engagement controls as data (review: hard-coded widget minimums crashed the page on a
valid configuration; validation messages named config keys): ranges read from EngagementConfig's field
constraints, problems named by the controls' labels."""

from __future__ import annotations

import math

import pytest

from data.engagement_controls import FIELD_LABELS, field_range, max_length, problems_in_words
from scoring.config import ConfigError, ScoringConfig
from scoring.engagement import EngagementConfig
from scoring.engagement.config import EventType, NextAction

NUMBERS = ["half_life_days", "velocity_hours", "level_1_min", "level_2_min", "risk_medium_days", "risk_high_days"]


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("half_life_days", (math.nextafter(0.0, 1.0), 365.0)),  # gt=0: the smallest positive value
        ("velocity_hours", (math.nextafter(0.0, 1.0), 720.0)),
        ("level_1_min", (2, 100)),  # level 2 (≥ 1) must start below it
        ("level_2_min", (1, 99)),
        ("risk_medium_days", (0.0, 365.0)),
    ],
)
def test_ranges_come_from_the_field_constraints(name: str, expected: tuple) -> None:
    assert field_range(name) == expected


@pytest.mark.parametrize("name", NUMBERS)
def test_each_end_of_a_range_is_valid_and_just_past_either_is_not(name: str) -> None:
    low, high = field_range(name)
    EngagementConfig.model_validate({name: high} | _orderly(name, high))
    EngagementConfig.model_validate({name: low} | _orderly(name, low))
    below = low - 1 if isinstance(low, int) else math.nextafter(low, -math.inf)
    above = high + 1 if isinstance(high, int) else math.nextafter(high, math.inf)
    for outside in (below, above):
        with pytest.raises(ValueError):
            EngagementConfig.model_validate({name: outside} | _orderly(name, outside))


def _orderly(name: str, value: float) -> dict:
    """Partner fields set so the cross-field rules (level 2 < level 1, medium ≤ high) hold at either end."""
    return {"level_1_min": {"level_2_min": 1}, "level_2_min": {"level_1_min": 100},
            "risk_medium_days": {"risk_high_days": 365.0}, "risk_high_days": {"risk_medium_days": 0.0}}.get(name, {})


def test_table_columns_read_their_constraints_too() -> None:
    assert field_range("points", EventType) == (0, 1000) and field_range("cap", EventType) == (0, 1000)
    assert (max_length("name", EventType), max_length("action", NextAction), max_length("why", NextAction)) == (40, 60,
                                                                                                                300)
    assert max_length("cell", NextAction) is None


def problems(**engagement: object) -> list[str]:
    with pytest.raises(ConfigError) as caught:
        ScoringConfig().with_changes(engagement=engagement)
    return problems_in_words(caught.value)


def test_problems_name_the_controls_not_the_keys() -> None:
    assert problems(level_1_min=30, level_2_min=40) == [
        "“Level 2 from (engagement ≥)” (40) must be below “Level 1 from (engagement ≥)” (30)."]
    assert problems(risk_medium_days=9.0, risk_high_days=3.0) == [
        "“Medium risk from (days)” (9) must not exceed “High risk after (days)” (3)."]
    assert problems(half_life_days=0) == ["“Half-life (days)” must be greater than 0.0, got 0."]
    row = problems(types=[{"name": "ok", "points": -1, "cap": 1, "label": ""}])
    assert row == ["“Event types, row 1, points” must be at least 0, got -1."]
    for sentence in row + problems(level_1_min=30, level_2_min=40):
        assert not any(key in sentence for key in FIELD_LABELS if "_" in key)
