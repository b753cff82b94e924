"""The learned model beside the rules: its inputs are the rules' inputs, it beats chance on a known
signal out of sample, it refuses too few labels, and "Suggest points" gives a valid draft."""

from __future__ import annotations

import numpy as np
import pytest

from data.synthetic import synthetic_frame
from scoring.config import ScoringConfig
from scoring.evidence.metrics import auc
from scoring.evidence.model import (
    LoadedModel,
    TooFewLabels,
    design_matrix,
    points_vector,
    suggest_points,
    top_factors,
    train,
)
from scoring.evidence.outcomes import LOST, OPEN, WON
from scoring.features import FeatureTable
from scoring.vector import score_table

CFG = ScoringConfig()


@pytest.fixture(scope="module")
def book() -> tuple[FeatureTable, np.ndarray, np.ndarray]:
    """3,000 practices whose outcome depends on a known signal: a named decision maker and 8–10 vets
    (which the rules value less than 5–7) raise the odds; everything else is noise."""
    table = FeatureTable.from_frame(synthetic_frame(3000, seed=12))
    rng = np.random.default_rng(12)
    full = table.full & table.readable
    logit = -1.2 + 1.6 * (full & table.dm_found) + 1.8 * (full & (table.vet_count >= 8) & (table.vet_count <= 10))
    won = rng.random(len(table)) < 1 / (1 + np.exp(-logit))
    labelled = rng.random(len(table)) < 0.6
    outcome = np.where(labelled, np.where(won, WON, LOST), OPEN).astype(np.int8)
    return table, outcome, score_table(table, CFG).lead_score


def test_the_design_matrix_holds_exactly_what_the_rules_read() -> None:
    table = FeatureTable.from_frame(synthetic_frame(2000, seed=4))
    x, feats = design_matrix(table, CFG)
    scores = score_table(table, CFG)
    vectors = points_vector(feats, CFG)
    caps = {"technology": CFG.technology_cap, "baseline": np.where(scores.full, CFG.baseline_cap_full,
                                                                    CFG.baseline_cap_baseline_only)}
    for name, points in vectors.items():
        rebuilt = np.minimum(np.round(x @ points, 6), caps.get(name, np.inf))
        assert np.array_equal(rebuilt[scores.readable], scores.components[name][scores.readable]), name
    # another configuration (different bands and tiers) gives columns that still add up to its rules
    other = CFG.with_changes(size_bands=[{"min": 1, "max": 4, "points": 7}, {"min": 5, "max": None, "points": 21}],
                             emr_tiers=[{"label": "one", "names": ["ezyVet"], "points": 12}])
    x, feats = design_matrix(table, other)
    scores = score_table(table, other)
    rebuilt = x @ points_vector(feats, other)["practice_size"]
    assert np.array_equal(rebuilt[scores.readable], scores.components["practice_size"][scores.readable])
    tech = np.minimum(x @ points_vector(feats, other)["technology"], other.technology_cap)
    assert np.array_equal(tech[scores.readable], scores.components["technology"][scores.readable])


def test_the_model_beats_chance_out_of_sample_on_a_known_signal(book) -> None:
    table, outcome, lead = book
    trained = train(table, outcome, lead, CFG)
    assert trained.auc_cv > 0.7  # clearly above a coin's 0.5
    assert trained.folds == 5 and len(trained.fold_auc) == len(trained.fold_auc_rules) == 5
    assert 0.5 < trained.auc_rules_cv < trained.auc_cv  # the rules see part of the signal, the model more
    coef = dict(zip([f.name for f in trained.features], trained.coef, strict=True))
    assert coef["decision_maker"] > 1.0 and coef["size_band_3"] > 1.0  # 8–10 vets
    assert abs(coef["website"]) < 0.5  # noise stays small
    # the out-of-fold probabilities rank the training practices about as well as the folds say
    assert auc(trained.oof_probability, np.where(trained.oof_outcome == 1, WON, LOST)) > 0.7


def test_training_is_repeatable_with_its_fixed_seed(book) -> None:
    table, outcome, lead = book
    a, b = train(table, outcome, lead, CFG), train(table, outcome, lead, CFG)
    assert a.fold_auc == b.fold_auc and np.array_equal(a.coef, b.coef)


def test_too_few_labels_trains_nothing(book) -> None:
    table, outcome, lead = book
    few = outcome.copy()
    won = np.flatnonzero(few == WON)
    few[won[9:]] = OPEN  # 9 won left
    with pytest.raises(TooFewLabels, match="9 won"):
        train(table, few, lead, CFG)
    with pytest.raises(TooFewLabels, match="0 lost"):
        train(table, np.where(outcome == LOST, OPEN, outcome).astype(np.int8), lead, CFG)


def test_a_stored_model_scores_the_same_and_explains_a_practice(book) -> None:
    table, outcome, lead = book
    trained = train(table, outcome, lead, CFG)
    loaded = LoadedModel.from_params(trained.params())
    p = loaded.probability(table)
    assert p.shape == (len(table),) and ((p > 0) & (p < 1)).all()
    x, _ = design_matrix(table, CFG)
    expected = 1 / (1 + np.exp(-(x @ trained.coef + trained.intercept)))
    assert np.allclose(p, expected)
    row = int(np.flatnonzero(table.full & table.dm_found & (table.vet_count == 9))[0])
    positive, negative = loaded.factors(table, row)
    assert positive and positive[0].log_odds > 0 and {"decision maker named", "8–10 vets (larger practice)"} & {
        f.label for f in positive}
    assert all(f.log_odds < 0 for f in negative)
    with pytest.raises(ValueError, match="cannot be read"):
        LoadedModel.from_params({"coef": [1.0]})


def test_top_factors_by_hand() -> None:
    coef, means = np.array([2.0, -1.0, 0.5]), np.array([0.5, 0.5, 0.0])
    positive, negative = top_factors(np.array([1.0, 0.0, 0.0]), coef, means, ["a", "b", "c"])
    # a present: 2 × 0.5 = +1; b absent: −1 × −0.5 = +0.5 ("no b"); c: 0
    assert [(f.label, f.log_odds) for f in positive] == [("a", 1.0), ("no b", 0.5)] and negative == []


def test_suggest_points_turns_the_model_into_a_valid_draft(book) -> None:
    table, outcome, lead = book
    loaded = LoadedModel.from_params(train(table, outcome, lead, CFG).params())
    draft, notes = suggest_points(loaded, CFG, table)
    assert draft.max_total <= CFG.max_total + 5  # scaled to about the same top score (rounding)
    bands = [b.points for b in draft.size_bands]
    assert bands[3] == max(bands) and bands[3] > CFG.size_bands[3].points  # 8–10 vets learned to matter most
    assert draft.decision_maker_points > CFG.decision_maker_points
    assert draft.outcomes == CFG.outcomes and draft.confidence_multipliers == CFG.confidence_multipliers
    # about as many Hot and Warm as now (ties can only make them fewer)
    now, new = score_table(table, CFG).tier_counts(), score_table(table, draft).tier_counts()
    assert new["Hot"] <= now["Hot"] and new["Hot"] + new["Warm"] <= now["Hot"] + now["Warm"]
    assert new["Hot"] >= now["Hot"] * 0.5
    assert any("scaled" in n for n in notes)


def test_suggest_points_refuses_a_model_built_for_other_bands(book) -> None:
    table, outcome, lead = book
    loaded = LoadedModel.from_params(train(table, outcome, lead, CFG).params())
    other = CFG.with_changes(size_bands=[{"min": 1, "max": None, "points": 30}])
    with pytest.raises(ValueError, match="train it again"):
        suggest_points(loaded, other, table)
