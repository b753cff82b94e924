"""The What-if lab's controls, versions and tables as data (pure: no Streamlit)."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from data.store import Store
from data.versions import DEFAULTS_LABEL, activate, same_settings, versions
from data.whatif_controls import (
    bands_frame,
    build_config,
    control_values,
    highest_score,
    problems_in_words,
)
from data.whatif_view import change_text, counts_table, matrix_table, movers_table
from scoring.config import ConfigError, ScoringConfig
from scoring.features import FeatureTable
from scoring.vector import retier, score_table
from scoring.whatif import movement_matrix, movers, tier_counts
from tests.scoring.records import full_record

CFG = ScoringConfig()


def problems(**changes) -> list[str]:  # type: ignore[no-untyped-def]
    values = {**control_values(CFG), **changes}
    with pytest.raises(ConfigError) as caught:
        build_config(CFG, values, bands_frame(CFG))
    return problems_in_words(caught.value)


def test_the_controls_describe_the_config_they_were_loaded_from() -> None:
    custom = CFG.with_changes(hot_tier_min=72, decision_maker_points=15, call_volume_points=[0, 5, 20, 30],
                              confidence_multipliers={"high": 1.0, "medium": 0.85, "low": 0.7})
    rebuilt = build_config(custom, control_values(custom), bands_frame(custom))
    assert rebuilt.fingerprint == custom.fingerprint
    assert control_values(custom)["w_calls"] == "0, 5, 20, 30" and control_values(custom)["w_medium"] == 0.85


def test_a_widget_float_becomes_an_exact_multiplier() -> None:
    values = {**control_values(CFG), "w_medium": 0.8500000000000001}  # what a + / − step can leave behind
    assert str(build_config(CFG, values, bands_frame(CFG)).confidence_multipliers.medium) == "0.85"


@pytest.mark.parametrize(
    ("changes", "sentence"),
    [
        ({"w_warm": 90}, "“Warm from” (90) must be below “Hot from” (80)."),
        ({"w_hot": 130}, "“Hot from” must be between 0 and 120 (the highest possible score), got 130."),
        ({"w_high": 0.0}, "“Multiplier, high confidence” must be greater than 0 and at most 1, got 0.0."),
        ({"w_dm": -1}, "“Decision maker found” must be at least 0, got -1."),
        ({"w_calls": "0, ten"}, "“Call volume points” must be whole numbers separated by commas, e.g. 0, 10, 20, 30."),
    ],
)
def test_problems_name_the_control_as_the_user_sees_it(changes: dict, sentence: str) -> None:
    said = problems(**changes)
    assert said == [sentence]
    assert not any(key in said[0] for key in ("warm_tier_min", "hot_tier_min", "confidence_multipliers", "_points"))


def test_a_band_problem_names_the_band() -> None:
    bands = bands_frame(CFG)
    bands.loc[1, "points"] = -3
    with pytest.raises(ConfigError) as caught:
        build_config(CFG, control_values(CFG), bands)
    assert problems_in_words(caught.value) == ["“Size band 2, points” must be at least 0, got -3."]
    bands = bands_frame(CFG)
    bands.loc[1, "min"] = 2  # overlaps band 1 (1–2)
    with pytest.raises(ConfigError) as caught:
        build_config(CFG, control_values(CFG), bands)
    assert problems_in_words(caught.value)[0].startswith("“Practice size bands”: band 2 starts at 2")


def test_an_empty_row_added_in_the_band_editor_is_ignored() -> None:
    bands = pd.concat([bands_frame(CFG), pd.DataFrame([{"min": None, "max": None, "points": None, "label": None}])])
    assert build_config(CFG, control_values(CFG), bands).size_bands == CFG.size_bands


def test_the_sliders_end_at_the_highest_score_the_points_allow() -> None:
    assert highest_score(CFG, control_values(CFG), bands_frame(CFG)) == 120
    assert highest_score(CFG, {**control_values(CFG), "w_dm": 25}, bands_frame(CFG)) == 135
    assert highest_score(CFG, {**control_values(CFG), "w_cap_full": 5}, bands_frame(CFG)) == 105
    # Points that are themselves invalid fall back to the loaded configuration's highest score.
    assert highest_score(CFG, {**control_values(CFG), "w_calls": "x"}, bands_frame(CFG)) == 120


def test_changes_read_as_people_write_them() -> None:
    assert [change_text(c) for c in (58, -61, 0, 1200)] == ["↑ 58", "↓ 61", "0", "↑ 1,200"]


def book() -> FeatureTable:
    return FeatureTable.from_records([
        full_record("hot"),
        full_record("warm", enrichment_confidence="low", enrichment_data__decision_maker=None,
                    enrichment_data__has_online_booking=False),
        full_record("pending", enrichment_data=None),
    ])


def test_tables_have_human_headings() -> None:
    before = score_table(book(), CFG)
    after = retier(before, CFG.with_changes(hot_tier_min=70))
    counts = counts_table(tier_counts(before, after), "Now", "With these settings")
    assert list(counts.columns) == ["Tier", "Now", "With these settings", "Change"]
    assert counts.set_index("Tier").loc["Hot", "Change"] == "↑ 1" and counts.set_index("Tier").loc["Warm",
                                                                                                  "Change"] == "↓ 1"
    matrix = matrix_table(movement_matrix(before, after), "Now", "with these settings")
    assert list(matrix.columns) == ["Now ↓ · with these settings →", "→ Hot", "→ Warm", "→ Cold",
                                    "→ Pending Enrichment", "→ Failed"]
    moved = movers_table(movers(before, after), {"warm": "Warm Paws"})
    assert moved[["Practice", "Tier now", "New tier", "Score change"]].to_dict("records") == [
        {"Practice": "Warm Paws", "Tier now": "Warm", "New tier": "Hot", "Score change": "0"}]


def test_movers_table_sends_only_the_biggest_changes() -> None:
    moved = pd.DataFrame({"practice_id": [f"p{i}" for i in range(300)], "old_tier": "Warm", "new_tier": "Hot",
                          "old_score": 70, "new_score": 80, "change": 10})
    assert len(movers_table(moved, {}, limit=100)) == 100 and len(movers_table(moved, {}, limit=None)) == 300


# ---- versions ----------------------------------------------------------------------------------------


def test_the_spec_defaults_are_listed_first_and_active_until_a_version_is(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    listed = versions(store)
    assert [(v.label, v.active, v.is_defaults) for v in listed] == [(DEFAULTS_LABEL, True, True)]
    saved = store.save_config("wide", CFG.with_changes(hot_tier_min=70))
    activate(store, next(v for v in versions(store) if v.id == saved.id))
    assert [(v.title(), v.active) for v in versions(store)] == [(DEFAULTS_LABEL, False), ("wide-v1 (active)", True)]
    activate(store, versions(store)[0])  # the SPEC defaults, re-activated
    assert store.active_config() is None
    assert [v.title() for v in versions(store)] == [f"{DEFAULTS_LABEL} (active)", "wide-v1"]


def test_settings_that_are_already_saved_are_found(tmp_path: Path) -> None:
    store = Store.open(tmp_path / "s.db")
    store.save_config("wide", CFG.with_changes(hot_tier_min=70))
    listed = versions(store)
    assert same_settings(listed, CFG.with_changes(hot_tier_min=70)).label == "wide-v1"  # labels aside
    assert same_settings(listed, CFG).label == DEFAULTS_LABEL
    assert same_settings(listed, CFG.with_changes(hot_tier_min=71)) is None
