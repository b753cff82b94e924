"""SPEC §13: capacity thresholds (ties, the ends, the clamp, hot − 1) and outcomes from Status."""

from __future__ import annotations

import numpy as np
import pytest

from scoring.config import ConfigError, ScoringConfig
from scoring.evidence.capacity import capacity_thresholds
from scoring.evidence.config import OutcomeConfig
from scoring.evidence.outcomes import LOST, OPEN, WON, outcome_codes
from scoring.features import FeatureTable
from scoring.vector import score_table
from tests.scoring.records import full_record


def cut(scores: list[int], hot: int, warm: int = 0, full: list[bool] | None = None, scored: list[bool] | None = None):
    n = len(scores)
    full_mask, scored_mask = np.array(full or [True] * n), np.array(scored or [True] * n)
    return capacity_thresholds(np.array(scores), full_mask, scored_mask, hot, warm)


# ---- capacity ----------------------------------------------------------------------------------------


def test_thresholds_sit_just_above_the_first_practice_left_out() -> None:
    c = cut([100, 90, 80, 70, 60, 50], hot=2, warm=2)
    assert (c.hot_tier_min, c.warm_tier_min) == (81, 61)
    assert c.counts == {"Hot": 2, "Warm": 2, "Cold": 2}


def test_ties_are_never_split_so_a_tier_holds_at_most_its_capacity() -> None:
    # room for 2 Hot, but 80 is shared by three: only 90 fits
    c = cut([90, 80, 80, 80, 40], hot=2, warm=2)
    assert c.hot_tier_min == 81 and c.counts["Hot"] == 1
    # Hot + Warm room 4: 90 and the three 80s fit exactly
    assert c.warm_tier_min == 41 and c.counts["Warm"] == 3
    # another tie pattern: everyone shares one score. Warm would also be 71 (= hot), so SPEC's hot − 1
    # rule makes it 70, and that rule (not capacity) then decides: all three are Warm.
    c = cut([70, 70, 70], hot=1, warm=1)
    assert (c.hot_tier_min, c.warm_tier_min) == (71, 70) and c.counts == {"Hot": 0, "Warm": 3, "Cold": 0}


def test_warm_falls_back_to_hot_minus_one() -> None:
    # no warm capacity: warm would equal hot → hot − 1
    c = cut([100, 90, 80], hot=1, warm=0)
    assert (c.hot_tier_min, c.warm_tier_min) == (91, 90)


def test_the_ends_and_the_clamp() -> None:
    # room for everyone: the smallest threshold is clamped to 0, and warm to hot − 1 = −1
    c = cut([100, 50, 10], hot=3, warm=5)
    assert (c.hot_tier_min, c.warm_tier_min) == (0, -1) and c.counts["Hot"] == 3
    # no room at all: one above the best score
    c = cut([100, 50], hot=0, warm=0)
    assert (c.hot_tier_min, c.warm_tier_min) == (101, 100) and c.counts["Hot"] == 0
    # … clamped to 120 even when the best score is 120 (so the clamp lets it in)
    c = cut([120, 50], hot=0, warm=1)
    assert (c.hot_tier_min, c.warm_tier_min) == (120, 51) and c.counts["Hot"] == 1
    # an empty book
    c = cut([], hot=5, warm=5)
    assert (c.hot_tier_min, c.warm_tier_min) == (0, -1) and c.counts == {"Hot": 0, "Warm": 0, "Cold": 0}


def test_only_full_mode_scored_practices_count() -> None:
    c = cut([100, 99, 90, 80], hot=1, full=[True, False, True, True], scored=[True, True, True, False])
    # the baseline-only 99 and the Failed 80 are not counted: 100, 90 remain (90 Warm by the hot − 1 rule)
    assert (c.hot_tier_min, c.warm_tier_min) == (91, 90) and c.counts == {"Hot": 1, "Warm": 1, "Cold": 0}
    c = cut([100, 99, 90, 80], hot=2, full=[True, False, True, True], scored=[True, True, True, False])
    assert c.hot_tier_min == 0 and c.counts["Hot"] == 2


def test_negative_capacity_is_refused() -> None:
    with pytest.raises(ValueError, match="negative"):
        cut([1, 2], hot=-1)


# ---- outcomes ---------------------------------------------------------------------------------------


def test_default_lists_are_case_insensitive_and_everything_else_is_open() -> None:
    statuses = ["Won", "closed won", " CUSTOMER ", "Lost", "Closed Lost", "disqualified", "New", "Proposal Sent",
                None, "", 3.0]
    assert outcome_codes(statuses, OutcomeConfig()).tolist() == [WON] * 3 + [LOST] * 3 + [OPEN] * 5


def test_the_lists_are_configuration() -> None:
    cfg = ScoringConfig.from_mapping({"outcomes": {"won": ["Signed"], "lost": ["Churned", "No budget"]}})
    assert outcome_codes(["signed", "Won", "no budget", "Lost"], cfg.outcomes).tolist() == [WON, OPEN, LOST, OPEN]


def test_a_status_in_both_lists_is_rejected_naming_the_field() -> None:
    with pytest.raises(ConfigError) as err:
        ScoringConfig.from_mapping({"outcomes": {"won": ["Won"], "lost": ["WON "]}})
    assert "outcomes" in str(err.value) and "both won and lost" in str(err.value)
    with pytest.raises(ConfigError, match="outcomes"):
        ScoringConfig.from_mapping({"outcomes": {"won": [""]}})


def test_outcomes_never_change_a_score_or_the_config_version() -> None:
    records = [full_record("a"), full_record("b", enrichment_data__decision_maker=None)]
    table = FeatureTable.from_records(records)
    base = ScoringConfig()
    other = base.with_changes(outcomes={"won": ["Lost"], "lost": ["Won"]})
    assert other.config_version == base.config_version == "default"
    a, b = score_table(table, base), score_table(table, other)
    assert a.lead_score.tolist() == b.lead_score.tolist() and a.tier.tolist() == b.tier.tolist()
    custom = base.with_changes(hot_tier_min=90)
    assert custom.with_changes(outcomes={"won": ["Signed"]}).config_version == custom.config_version


def test_outcome_lists_survive_toml() -> None:
    import tomllib

    cfg = ScoringConfig.from_mapping({"outcomes": {"won": ["Signed", "Won"], "lost": ["Churned"]}})
    assert ScoringConfig.from_mapping(tomllib.loads(cfg.to_toml())).outcomes == cfg.outcomes
