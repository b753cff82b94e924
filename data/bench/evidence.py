"""Benchmarks of evidence (issue 10): the metrics over a big labelled book, the What-if lab's recompute
with evidence before and after, and training the learned model (see :mod:`data.bench`)."""

from __future__ import annotations

from typing import Any

import numpy as np

from scoring.config import ScoringConfig
from scoring.evidence.metrics import book_evidence, calibration, component_win_rates, conversion_by_band
from scoring.evidence.model import train
from scoring.features import FeatureTable
from scoring.vector import BookScores, retier, score_table
from scoring.whatif import movement_matrix, movers, tier_counts

from ..synthetic import synthetic_frame
from .core import Echo, Result, best_of, median_of


def labelled_book(n: int, seed: int) -> tuple[FeatureTable, BookScores, np.ndarray, np.ndarray]:
    """A synthetic book of ``n`` practices, every one labelled: won with a chance that rises with the
    lead score (a known signal) plus noise; Initial Scores uniform."""
    table = FeatureTable.from_frame(synthetic_frame(n, seed=seed))
    scores = score_table(table, ScoringConfig())
    rng = np.random.default_rng(seed)
    chance = 1 / (1 + np.exp(-(scores.lead_score - 55) / 30))
    outcome = (rng.random(n) < chance).astype(np.int8)
    initial = rng.uniform(0, 100, n)
    return table, scores, outcome, initial


def _everything(scores: BookScores, outcome: np.ndarray, initial: np.ndarray) -> Any:
    """What the Evidence page computes: per tier, bands, deciles, per component."""
    ev = book_evidence(scores, outcome, initial)
    lead = np.where(scores.readable, scores.lead_score, np.nan)
    return (ev, conversion_by_band(scores.lead_score, scores.readable, outcome),
            calibration(lead, outcome, strategy="quantile"),
            component_win_rates(scores.components, scores.full, scores.readable, outcome))


def bench_evidence(n: int, echo: Echo) -> list[Result]:
    _, scores, outcome, initial = labelled_book(n, seed=21)
    seconds, (ev, *_) = best_of(5, lambda: _everything(scores, outcome, initial))
    return [
        Result(f"evidence of {n:,} labelled practices (tiers, AUC×2, bands, deciles, components)", seconds, "s", 0.5,
               note=f"AUC {ev.auc:.3f}, {ev.won:,} won / {ev.lost:,} lost"),
    ]


def bench_whatif_evidence(n: int, echo: Echo) -> list[Result]:
    table, before, outcome, initial = labelled_book(n, seed=22)
    # Most practices of a real book are open: label a third, as a team's pipeline would.
    outcome = np.where(np.random.default_rng(3).random(n) < 1 / 3, outcome, -1).astype(np.int8)
    base = ScoringConfig()
    threshold = base.with_changes(hot_tier_min=70)
    points = base.with_changes(decision_maker_points=15)
    ev_before = book_evidence(before, outcome, initial)

    def recompute(cfg: ScoringConfig, components_changed: bool) -> Any:
        after = score_table(table, cfg) if components_changed else retier(before, cfg)
        return (tier_counts(before, after), movement_matrix(before, after), movers(before, after),
                ev_before, book_evidence(after, outcome, initial))

    return [
        Result(f"what-if recompute with evidence, {n:,} practices, threshold change",
               median_of(15, lambda: recompute(threshold, False)), "s", 0.2,
               note="re-tier + counts + matrix + movers + evidence after"),
        Result(f"what-if recompute with evidence, {n:,} practices, points change",
               median_of(15, lambda: recompute(points, True)), "s", 0.2,
               note="full rescore + counts + matrix + movers + evidence after"),
    ]


def bench_training(n: int, echo: Echo) -> list[Result]:
    table, scores, outcome, _ = labelled_book(n, seed=23)
    seconds, trained = best_of(1, lambda: train(table, outcome, scores.lead_score, ScoringConfig()))
    return [
        Result(f"training the model on {n:,} labelled practices ({trained.folds}-fold CV + final fit)", seconds, "s",
               10.0, note=f"AUC {trained.auc_cv:.3f} out of sample vs rules {trained.auc_rules_cv:.3f}"),
    ]
