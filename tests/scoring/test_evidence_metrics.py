"""SPEC §13's evidence, pinned by hand-computed cases and cross-checked against scikit-learn."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sklearn.metrics import roc_auc_score

from scoring.evidence.metrics import (
    TIERS,
    auc,
    book_evidence,
    calibration,
    component_win_rates,
    conversion_by_band,
    evidence,
    wilson_interval,
)
from scoring.evidence.outcomes import LOST, OPEN, WON

HOT, WARM, COLD, PENDING = 1, 2, 3, 4


# ---- AUC -------------------------------------------------------------------------------------------


def test_auc_counts_pairs_and_ties_by_hand() -> None:
    # won scores 3, 2; lost scores 2, 1. Pairs (won, lost): (3,2) 1, (3,1) 1, (2,2) ½, (2,1) 1 → 3.5 / 4.
    assert auc([3, 2, 2, 1], [WON, WON, LOST, LOST]) == pytest.approx(0.875)
    # every pair tied → ½; perfectly reversed → 0; perfect → 1
    assert auc([5, 5, 5], [WON, LOST, LOST]) == pytest.approx(0.5)
    assert auc([1, 2, 3, 4], [WON, WON, LOST, LOST]) == 0.0
    assert auc([4, 3, 2, 1], [WON, WON, LOST, LOST]) == 1.0


def test_auc_of_another_tie_pattern() -> None:
    # won 10, 10, 20; lost 10, 0: pairs (10,10) ½ twice, (10,0) 1 twice, (20,10) 1, (20,0) 1 → 5 / 6.
    assert auc([10, 10, 20, 10, 0], [WON, WON, WON, LOST, LOST]) == pytest.approx(5 / 6)


def test_auc_is_null_with_one_class_only_and_ignores_open_and_missing() -> None:
    assert auc([1, 2, 3], [WON, WON, WON]) is None
    assert auc([1, 2], [LOST, LOST]) is None
    assert auc([], []) is None
    # open practices and NaN scores are left out, whatever they hold
    assert auc([3, 1, 99, np.nan], [WON, LOST, OPEN, LOST]) == 1.0


@settings(max_examples=200, deadline=None)
@given(st.lists(st.tuples(st.integers(0, 12), st.booleans()), min_size=2, max_size=60))
def test_auc_agrees_with_scikit_learn(pairs: list[tuple[int, bool]]) -> None:
    scores = np.array([p[0] for p in pairs], dtype=float)
    won = np.array([p[1] for p in pairs])
    mine = auc(scores, np.where(won, WON, LOST))
    if won.all() or not won.any():
        assert mine is None
    else:
        assert mine == pytest.approx(roc_auc_score(won, scores))


def test_auc_agrees_with_scikit_learn_on_a_big_tied_book() -> None:
    rng = np.random.default_rng(5)
    scores = rng.integers(0, 121, 50_000)
    won = rng.random(50_000) < 1 / (1 + np.exp(-(scores - 60) / 25))
    assert auc(scores, won.astype(np.int8)) == pytest.approx(roc_auc_score(won, scores), abs=1e-12)


# ---- Wilson ------------------------------------------------------------------------------------------


def test_wilson_interval_by_hand() -> None:
    # 5 of 10: p = .5, z² = 3.8415; centre .5; half = z·sqrt(.025 + .0096)/1.38415 = 0.2366
    low, high = wilson_interval(5, 10)
    assert float(low) == pytest.approx(0.2366, abs=1e-4) and float(high) == pytest.approx(0.7634, abs=1e-4)
    # 0 of 4 and 4 of 4 stay inside [0, 1] (Wald's interval would collapse to a point)
    low, high = wilson_interval(np.array([0, 4]), np.array([4, 4]))
    assert low[0] == 0.0 and high[0] == pytest.approx(0.4899, abs=1e-4)
    assert low[1] == pytest.approx(0.5101, abs=1e-4) and high[1] == 1.0


def test_wilson_interval_is_null_when_nothing_is_labelled() -> None:
    low, high = wilson_interval(np.array([0, 1]), np.array([0, 2]))
    assert math.isnan(low[0]) and math.isnan(high[0]) and not math.isnan(low[1])


# ---- evidence of a book ------------------------------------------------------------------------------


def small_book() -> dict[str, np.ndarray]:
    """Six Scored practices (two Hot, two Warm, two Pending), one Cold open, one Failed won; no labelled Cold."""
    return {
        "lead_score": np.array([95, 85, 60, 55, 30, 20, 40, -1]),
        "tier": np.array([HOT, HOT, WARM, WARM, PENDING, PENDING, COLD, 0]),
        "scored": np.array([True] * 7 + [False]),
        "outcome": np.array([WON, LOST, WON, WON, LOST, LOST, OPEN, WON], dtype=np.int8),
    }


def test_per_tier_counts_conversion_lift_and_empty_tiers() -> None:
    ev = evidence(**small_book(), config_version="v")
    # the Failed practice counts nowhere, even though it is won
    assert (ev.labelled, ev.won, ev.lost, ev.open, ev.scored) == (6, 3, 3, 1, 7)
    assert ev.base_rate == 0.5
    hot = ev.tier("Hot")
    assert (hot["practices"], hot["labelled"], hot["won"], hot["lost"]) == (2, 2, 1, 1)
    assert hot["conversion"] == 0.5 and hot["lift"] == 1.0
    warm = ev.tier("Warm")
    assert warm["conversion"] == 1.0 and warm["lift"] == 2.0
    assert ev.tier("Pending Enrichment")["conversion"] == 0.0 and ev.tier("Pending Enrichment")["lift"] == 0.0
    cold = ev.tier("Cold")  # one open practice: practices 1, nothing labelled → nulls
    assert (cold["practices"], cold["labelled"]) == (1, 0)
    assert cold["conversion"] is None and cold["lift"] is None and cold["conversion_low"] is None
    # wins: Hot 1, Warm 2 of 3 → all in Hot + Warm
    assert ev.share_won_hot_warm == 1.0
    # AUC over the six labelled: won 95, 60, 55 vs lost 85, 30, 20 → 7 of 9 pairs
    assert ev.auc == pytest.approx(7 / 9)
    assert list(ev.tiers.index) == list(TIERS)


def test_json_has_the_cli_shape_with_nulls() -> None:
    doc = evidence(**small_book(), config_version="v").to_json()
    assert {"labelled", "won", "lost", "base_rate", "auc", "config_version", "tiers"} <= set(doc)
    assert set(doc["tiers"]) == set(TIERS)
    assert set(doc["tiers"]["Cold"]) >= {"practices", "won", "lost", "conversion", "lift"}
    assert doc["tiers"]["Cold"]["conversion"] is None and doc["tiers"]["Cold"]["lift"] is None
    assert isinstance(doc["tiers"]["Hot"]["practices"], int)


def test_nothing_labelled_gives_nulls_everywhere() -> None:
    book = small_book() | {"outcome": np.full(8, OPEN, dtype=np.int8)}
    ev = evidence(**book)
    assert ev.labelled == 0 and ev.base_rate is None and ev.auc is None and ev.share_won_hot_warm is None
    assert all(ev.tier(t)["conversion"] is None for t in TIERS)
    assert ev.too_few


def test_one_class_only_has_a_base_rate_but_no_auc_or_lift() -> None:
    book = small_book() | {"outcome": np.array([LOST] * 7 + [OPEN], dtype=np.int8)}
    ev = evidence(**book)
    assert ev.base_rate == 0.0 and ev.auc is None and ev.share_won_hot_warm is None
    assert ev.tier("Hot")["conversion"] == 0.0 and ev.tier("Hot")["lift"] is None  # lift over a 0 base rate


def test_too_few_labels_warning_at_ten_of_each() -> None:
    n = 20
    scores = np.arange(n)
    tiers = np.full(n, WARM)
    enough = np.array([WON] * 10 + [LOST] * 10, dtype=np.int8)
    ev = evidence(lead_score=scores, tier=tiers, scored=np.ones(n, bool), outcome=enough)
    assert not ev.too_few and ev.warning is None
    short = enough.copy()
    short[0] = OPEN  # 9 won
    ev = evidence(lead_score=scores, tier=tiers, scored=np.ones(n, bool), outcome=short)
    assert ev.too_few and "9 won and 10 lost" in ev.warning
    assert ev.auc is not None  # the numbers are still shown


def test_initial_score_auc_on_the_same_practices() -> None:
    book = small_book()
    initial = np.array([10, 90, 20, 30, 80, 70, np.nan, 99])
    ev = evidence(**book, initial_score=initial)
    # labelled: won 10, 20, 30 vs lost 90, 80, 70 → 0; the Failed practice's 99 is not used
    assert ev.initial_auc == 0.0 and ev.initial_missing == 0
    initial[0] = np.nan
    ev = evidence(**book, initial_score=initial)
    assert ev.initial_missing == 1 and ev.initial_auc == 0.0


def test_unequal_columns_are_refused() -> None:
    with pytest.raises(ValueError, match="one value per practice"):
        evidence(lead_score=np.zeros(3), tier=np.zeros(3), scored=np.ones(2, bool), outcome=np.zeros(3))


def test_book_evidence_reads_a_scored_book() -> None:
    from scoring.config import ScoringConfig
    from scoring.features import FeatureTable
    from scoring.vector import score_table
    from tests.scoring.records import full_record

    records = [full_record(practice_id=f"p{i}") for i in range(4)]
    scores = score_table(FeatureTable.from_records(records), ScoringConfig())
    ev = book_evidence(scores, np.array([WON, LOST, OPEN, WON], dtype=np.int8))
    assert ev.labelled == 3 and ev.config_version == "default"
    assert ev.auc == 0.5  # identical records tie


# ---- bands, calibration, components ----------------------------------------------------------------


def test_conversion_by_band_puts_the_top_score_in_the_last_band() -> None:
    scores = np.array([0, 9, 10, 119, 120, 55])
    outcome = np.array([LOST, WON, WON, WON, LOST, OPEN], dtype=np.int8)
    bands = conversion_by_band(scores, np.ones(6, bool), outcome)
    assert bands["band"].iloc[0] == "0–9" and bands["band"].iloc[-1] == "110–120"
    first = bands.iloc[0]
    assert (first["practices"], first["won"], first["lost"]) == (2, 1, 1)
    last = bands.iloc[-1]
    assert (last["practices"], last["won"], last["lost"], last["conversion"]) == (2, 1, 1, 0.5)
    assert bands.loc[bands["band"] == "50–59", "practices"].item() == 1
    assert math.isnan(bands.loc[bands["band"] == "50–59", "conversion"].item())
    assert int(bands["practices"].sum()) == 6


def test_calibration_bins_by_hand() -> None:
    probability = np.array([0.05, 0.05, 0.95, 0.95, 0.5, np.nan])
    outcome = np.array([LOST, WON, WON, WON, OPEN, WON], dtype=np.int8)
    frame = calibration(probability, outcome, bins=10)
    assert frame["labelled"].tolist() == [2, 2]  # open and NaN left out, empty bins dropped
    assert frame["conversion"].tolist() == [0.5, 1.0]
    assert frame["mean_value"].tolist() == pytest.approx([0.05, 0.95])
    deciles = calibration(np.arange(100.0), np.where(np.arange(100) >= 50, WON, LOST), strategy="quantile")
    assert len(deciles) == 10 and deciles["conversion"].tolist() == [0] * 5 + [1] * 5
    with pytest.raises(ValueError, match="strategy"):
        calibration(probability, outcome, strategy="nope")


def test_component_win_rates_over_enriched_practices_only() -> None:
    components = {"decision_maker": np.array([10, 10, 0, 0, 0]), "practice_size": np.array([30, 5, 30, 5, 0])}
    full = np.array([True, True, True, True, False])
    outcome = np.array([WON, WON, LOST, WON, WON], dtype=np.int8)
    rates = component_win_rates(components, full, np.ones(5, bool), outcome)
    dm = rates[rates["component"] == "decision_maker"].set_index("points")
    assert dm.loc[10, "conversion"] == 1.0 and dm.loc[0, "conversion"] == 0.5
    assert dm.loc[0, "practices"] == 2  # the baseline-only practice is left out
    assert dm.loc[10, "lift"] == pytest.approx(1 / 0.75)
    size = rates[rates["component"] == "practice_size"].set_index("points")
    assert list(size.index) == [5, 30] and size.loc[30, "won"] == 1
    assert isinstance(rates, pd.DataFrame) and list(rates["component"].unique()) == ["practice_size", "decision_maker"]
