"""The engagement configuration: validation names the field, it is part of the versioned ScoringConfig,
and it round-trips through TOML and JSON."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from scoring.config import ConfigError, ScoringConfig, load_config
from scoring.engagement import EngagementConfig


def _engagement(**changes: Any) -> dict[str, Any]:
    return EngagementConfig().model_dump() | changes


def _problems(**changes: Any) -> str:
    with pytest.raises(ConfigError) as caught:
        ScoringConfig().with_changes(engagement=_engagement(**changes))
    return str(caught.value)


@pytest.mark.parametrize(
    ("changes", "names"),
    [
        ({"half_life_days": 0}, "engagement.half_life_days"),
        ({"half_life_days": 1000}, "engagement.half_life_days"),
        ({"level_1_min": 20, "level_2_min": 30}, "level_2_min (30) must be lower than level_1_min (20)"),
        ({"level_1_min": 101}, "engagement.level_1_min"),
        ({"risk_medium_days": 8.0, "risk_high_days": 7.0}, "risk_medium_days (8) must not exceed risk_high_days"),
        ({"risk_medium_days": -1}, "engagement.risk_medium_days"),
        ({"velocity_hours": 0}, "engagement.velocity_hours"),
        ({"types": []}, "needs at least one event type"),
        ({"types": [{"name": "meeting", "points": 1, "cap": 1}] * 2}, "repeated: meeting"),
        ({"types": [{"name": "meeting", "points": -5, "cap": 10}]}, "engagement.types.0.points"),
        ({"types": [{"name": "meeting", "points": 5, "cap": -1}]}, "engagement.types.0.cap"),
        ({"types": [{"name": "Email Open", "points": 5, "cap": 1}]}, "engagement.types.0.name"),
        ({"next_actions": []}, "missing: A1/low"),
    ],
)
def test_invalid_engagement_settings_name_the_field(changes: dict[str, Any], names: str) -> None:
    assert names in _problems(**changes)


def test_next_action_table_must_be_complete_and_single() -> None:
    rows = EngagementConfig().model_dump()["next_actions"]
    assert "missing: P3/high" in _problems(next_actions=rows[:-1])
    assert "repeated: A1/low" in _problems(next_actions=[*rows, rows[0]])
    bad = [dict(r) for r in rows]
    bad[0]["action"] = "Call, then email"
    assert "without commas" in _problems(next_actions=bad)
    bad[0]["cell"] = "D1"
    assert "engagement.next_actions.0.cell" in _problems(next_actions=bad)


def test_engagement_is_part_of_the_config_version() -> None:
    base = ScoringConfig()
    assert base.engagement == EngagementConfig()
    changed = base.with_changes(engagement=_engagement(half_life_days=10.0))
    assert changed.config_version != base.config_version
    assert changed.engagement.half_life_days == 10.0
    assert changed.hot_tier_min == base.hot_tier_min


def test_engagement_round_trips_through_toml_and_json(tmp_path: Path) -> None:
    data = _engagement(half_life_days=3.5, level_1_min=70, level_2_min=30, risk_high_days=10.0)
    data["types"] = [*data["types"], {"name": "webinar", "points": 12, "cap": 24, "label": 'Webinar "live"'}]
    data["next_actions"] = list(data["next_actions"])
    data["next_actions"][0] = {"cell": "A1", "risk": "low", "action": "Ring the bell", "why": 'Say "hi" = now'}
    cfg = ScoringConfig().with_changes(engagement=data, version="eng-1")
    path = tmp_path / "cfg.toml"
    path.write_text(cfg.to_toml(), encoding="utf-8")
    assert load_config(path, env={}) == cfg
    assert ScoringConfig.model_validate_json(cfg.model_dump_json()) == cfg


def test_a_config_file_without_engagement_gets_spec_defaults(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("hot_tier_min = 70\n", encoding="utf-8")
    assert load_config(path, env={}).engagement == EngagementConfig()


def test_a_config_file_can_set_engagement_in_a_table(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("[engagement]\nhalf_life_days = 14\nlevel_1_min = 50\n", encoding="utf-8")
    cfg = load_config(path, env={})
    assert (cfg.engagement.half_life_days, cfg.engagement.level_1_min) == (14, 50)
    assert cfg.engagement.types == EngagementConfig().types


def test_unknown_engagement_setting_is_named(tmp_path: Path) -> None:
    path = tmp_path / "cfg.toml"
    path.write_text("[engagement]\nhalflife = 14\n", encoding="utf-8")
    with pytest.raises(ConfigError, match=r"engagement\.halflife"):
        load_config(path, env={})
