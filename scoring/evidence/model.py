"""A model learned from won/lost beside the rules: logistic regression on the rules' own inputs.

Why logistic regression (README, "The learned model"): the rules add points; a logistic regression
adds log-odds. Each of its coefficients is "how much this fact moves the odds of winning", on the
same one-hot levels the rules give points to (a size band, a phone-count, an EMR tier, …), so what it
learned can be read per practice as factors and turned back into component points ("Suggest
points"). Naive Bayes would assume the inputs independent — vet count and phone lines are not —
and its probabilities are known to be over-confident.

Evaluation: stratified k-fold with a fixed seed; the rules' lead score is ranked on exactly the
same held-out folds, so the two AUCs compare like with like. Fewer than 10 won or 10 lost: nothing
is trained (:class:`TooFewLabels`).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import StratifiedKFold
from threadpoolctl import threadpool_limits  # scikit-learn's own dependency for its thread pools

from ..config import ConfigError, ScoringConfig
from ..features import CONFIDENCE_CODES, FeatureTable
from ..rules import emr_points
from ..vector import score_table
from .capacity import capacity_thresholds
from .config import MIN_LABELS_PER_CLASS
from .metrics import auc, calibration
from .outcomes import LOST, WON

METHOD = "logistic_regression"
SEED = 20251104  # fixed: the same labels give the same folds and the same model
FOLDS = 5
C = 1.0  # L2 strength (sklearn's default): keeps rare levels from getting wild coefficients
FACTORS_SHOWN = 3


class TooFewLabels(ValueError):
    """Fewer than SPEC §13's 10 won or 10 lost practices: nothing is trained."""


@dataclass(frozen=True)
class Feature:
    """One column of the design matrix: a fact the rules read, at one level.

    ``component``/``level`` say which configuration points it stands for (None: it has no points
    of its own, e.g. confidence, which works through the multiplier)."""

    name: str
    label: str
    component: str | None
    level: Any = None


def _emr_tier_index(values: Sequence[str], cfg: ScoringConfig) -> np.ndarray:
    """Per distinct EMR name: its EMR tier's index, or -1 for "any other EMR". Uses the rules' own
    matching (:func:`scoring.rules.emr_points`) on a probe config whose tier i scores i + 1."""
    probe = cfg.model_construct(
        **{**dict(cfg), "emr_tiers": tuple(t.model_copy(update={"points": i + 1}) for i, t in enumerate(cfg.emr_tiers)),
           "emr_other_points": 0}
    )
    return np.array([emr_points(v, probe)[0] - 1 for v in values], dtype=np.int64)


def design_matrix(table: FeatureTable, cfg: ScoringConfig) -> tuple[np.ndarray, list[Feature]]:
    """The model's inputs: exactly what the rules read, one-hot at the levels ``cfg`` gives points to.

    Returns X (float64, one row per practice, unreadable rows all zero) and its columns. A full-mode
    practice has one size band, one phone-count level, one EMR level, …; the reference levels (no
    known vet count, no phone number, no EMR, below every rating step) are all-zero.
    """
    full = table.full & table.readable
    base = table.readable
    cols: list[np.ndarray] = []
    feats: list[Feature] = []

    def add(values: np.ndarray, feature: Feature) -> None:
        cols.append(np.asarray(values, dtype=np.float64))
        feats.append(feature)

    add(full, Feature("enriched", "enriched (Completed or Partial)", None))
    vets = table.vet_count
    for i, band in enumerate(cfg.size_bands):
        upper = np.iinfo(np.int64).max if band.max is None else band.max
        span = f"{band.min}+" if band.max is None else f"{band.min}–{band.max}"
        add(full & (vets >= band.min) & (vets <= upper),
            Feature(f"size_band_{i}", f"{span} vets" + (f" ({band.label})" if band.label else ""), "practice_size", i))
    levels = len(cfg.call_volume_points)
    for k in range(1, levels):
        more = "+" if k == levels - 1 else ""
        add(full & (np.minimum(table.phone_count, levels - 1) == k),
            Feature(f"phones_{k}", f"{k}{more} distinct phone number{'s' if k > 1 or more else ''}", "call_volume", k))
    tech_ok = full & ~table.technology_invalid
    tier_of_value = _emr_tier_index(table.emr_values, cfg)
    tier_index = np.where(table.emr_code >= 0, np.r_[tier_of_value, -2][table.emr_code], -2)  # -2: no EMR
    for i, tier in enumerate(cfg.emr_tiers):
        add(tech_ok & (tier_index == i), Feature(f"emr_tier_{i}", f"EMR {tier.label} ({', '.join(tier.names)})",
                                                 "technology", ("emr", i)))
    add(tech_ok & (tier_index == -1), Feature("emr_other", "another EMR", "technology", ("emr", "other")))
    add(tech_ok & table.online_booking, Feature("online_booking", "online booking", "technology", "booking"))
    add(tech_ok & table.telemedicine, Feature("telemedicine", "telemedicine", "technology", "telemedicine"))
    add(full & table.dm_found, Feature("decision_maker", "decision maker named", "decision_maker"))
    review_points = np.where(table.reviews >= 0,
                             np.minimum(table.reviews // cfg.reviews_per_point, cfg.reviews_points_max), 0)
    add(np.where(base, review_points / max(cfg.reviews_points_max, 1), 0.0),
        Feature("reviews", f"reviews (0 to {cfg.reviews_per_point * cfg.reviews_points_max}+)", "baseline", "reviews"))
    reached = np.full(len(table), -1, dtype=np.int64)
    for i in reversed(range(len(cfg.rating_steps))):  # the highest step reached wins
        reached = np.where(table.rating >= cfg.rating_steps[i].min, i, reached)
    for i, step in enumerate(cfg.rating_steps):
        add(base & (reached == i), Feature(f"rating_{i}", f"rating {step.min:g}+", "baseline", ("rating", i)))
    add(base & table.website, Feature("website", "website", "baseline", "website"))
    add(base & table.multiple_locations, Feature("multiple_locations", "multiple locations", "baseline", "locations"))
    for level in ("medium", "low"):
        add(full & (table.confidence == CONFIDENCE_CODES[level]),
            Feature(f"confidence_{level}", f"{level} enrichment confidence", None, level))
    return np.column_stack(cols), feats


def points_vector(features: Sequence[Feature], cfg: ScoringConfig) -> dict[str, np.ndarray]:
    """Per component, the points ``cfg`` gives each column (before caps): X @ vector is the
    uncapped component score. Used to hold the design matrix to the rules in tests."""
    out = {c: np.zeros(len(features)) for c in ("practice_size", "call_volume", "technology", "baseline",
                                                 "decision_maker")}
    for j, f in enumerate(features):
        if f.component == "practice_size":
            out[f.component][j] = cfg.size_bands[f.level].points
        elif f.component == "call_volume":
            out[f.component][j] = cfg.call_volume_points[f.level]
        elif f.component == "technology":
            out[f.component][j] = {"booking": cfg.online_booking_points, "telemedicine": cfg.telemedicine_points}.get(
                f.level if isinstance(f.level, str) else "", 0) or (
                cfg.emr_other_points if f.level == ("emr", "other") else
                cfg.emr_tiers[f.level[1]].points if isinstance(f.level, tuple) else 0)
        elif f.component == "decision_maker":
            out[f.component][j] = cfg.decision_maker_points
        elif f.component == "baseline":
            if f.level == "reviews":
                out[f.component][j] = cfg.reviews_points_max
            elif f.level == "website":
                out[f.component][j] = cfg.website_points
            elif f.level == "locations":
                out[f.component][j] = cfg.multiple_locations_points
            else:
                out[f.component][j] = cfg.rating_steps[f.level[1]].points
    return out


@dataclass(frozen=True)
class TrainedModel:
    """What training produced: the fitted coefficients and the out-of-sample comparison."""

    features: list[Feature]
    coef: np.ndarray
    intercept: float
    means: np.ndarray  # feature means over the training practices (factors are relative to them)
    layout: dict[str, Any]  # the scoring fields that define the columns (ScoringConfig.scoring_dict())
    auc_cv: float
    auc_rules_cv: float
    fold_auc: list[float]
    fold_auc_rules: list[float]
    oof_probability: np.ndarray  # out-of-fold probability of each training practice
    labelled: int
    won: int
    lost: int
    folds: int
    oof_outcome: np.ndarray  # the outcome (1 won, 0 lost) of each training practice
    seed: int = SEED
    method: str = METHOD

    def metrics(self) -> dict[str, Any]:
        """What is stored beside the model: AUCs (mean and per fold), counts, and the out-of-fold
        calibration table (columns of :func:`scoring.evidence.metrics.calibration`, as lists)."""
        reliability = calibration(self.oof_probability, self.oof_outcome)
        return {"auc_cv": self.auc_cv, "auc_rules_cv": self.auc_rules_cv, "fold_auc": self.fold_auc,
                "fold_auc_rules": self.fold_auc_rules, "labelled": self.labelled, "won": self.won,
                "lost": self.lost, "folds": self.folds,
                "calibration": {k: [float(v) for v in reliability[k]] for k in reliability.columns}}

    def params(self) -> dict[str, Any]:
        return {"features": [f.name for f in self.features], "labels": [f.label for f in self.features],
                "coef": [float(c) for c in self.coef], "intercept": float(self.intercept),
                "means": [float(m) for m in self.means], "layout": self.layout, "C": C, "seed": self.seed,
                "folds": self.folds}


@dataclass(frozen=True)
class LoadedModel:
    """A stored model, ready to score a book: its columns are rebuilt from the stored layout."""

    features: list[str]
    labels: list[str]
    coef: np.ndarray
    intercept: float
    means: np.ndarray
    layout: ScoringConfig

    @classmethod
    def from_params(cls, params: dict[str, Any]) -> LoadedModel:
        """Raises ValueError when the parameters are not a model this version can use."""
        try:
            layout = ScoringConfig.from_mapping(params["layout"], source="stored model layout")
            coef = np.asarray(params["coef"], dtype=float)
            means = np.asarray(params["means"], dtype=float)
            features, labels = list(params["features"]), list(params["labels"])
            intercept = float(params["intercept"])
        except (KeyError, TypeError, ValueError, ConfigError) as exc:
            raise ValueError(f"the stored model cannot be read ({exc})") from None
        if not (len(coef) == len(means) == len(features) == len(labels)):
            raise ValueError("the stored model cannot be read (its columns do not match)")
        return cls(features, labels, coef, intercept, means, layout)

    def matrix(self, table: FeatureTable) -> np.ndarray:
        x, feats = design_matrix(table, self.layout)
        if [f.name for f in feats] != self.features:
            raise ValueError("the stored model's columns differ from this version's; train it again")
        return x

    def probability(self, table: FeatureTable) -> np.ndarray:
        """P(won) per practice (unreadable practices get the intercept's probability)."""
        return _sigmoid(self.matrix(table) @ self.coef + self.intercept)

    def factors(self, table: FeatureTable, row: int, shown: int = FACTORS_SHOWN) -> tuple[list[Factor], list[Factor]]:
        """The top positive and negative factors of practice ``row``: each column's contribution to the
        log-odds relative to the average training practice, coef × (x − mean)."""
        x = self.matrix(table)[row]
        return top_factors(x, self.coef, self.means, self.labels, shown)


@dataclass(frozen=True)
class Factor:
    label: str
    log_odds: float  # contribution to the log-odds against the average practice

    def sentence(self) -> str:
        return f"{self.label} (odds ×{math.exp(self.log_odds):.2f})"


def top_factors(
    x: np.ndarray, coef: np.ndarray, means: np.ndarray, labels: Sequence[str], shown: int = FACTORS_SHOWN
) -> tuple[list[Factor], list[Factor]]:
    contribution = coef * (x - means)
    order = np.argsort(-contribution, kind="mergesort")

    def word(j: int) -> str:  # a one-hot column the practice lacks reads "no …"
        present = x[j] > 0
        return labels[j] if present else f"no {labels[j]}"

    positive = [Factor(word(j), float(contribution[j])) for j in order if contribution[j] > 1e-9][:shown]
    negative = [Factor(word(j), float(contribution[j])) for j in order[::-1] if contribution[j] < -1e-9][:shown]
    return positive, negative


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-np.clip(z, -40, 40)))


def check_labels(outcome: np.ndarray) -> tuple[int, int]:
    """(won, lost) among the given outcomes; raises TooFewLabels below SPEC §13's minimum."""
    won, lost = int((outcome == WON).sum()), int((outcome == LOST).sum())
    if won < MIN_LABELS_PER_CLASS or lost < MIN_LABELS_PER_CLASS:
        raise TooFewLabels(
            f"Only {won} won and {lost} lost practices are labelled; the model needs at least "
            f"{MIN_LABELS_PER_CLASS} of each, so nothing was trained."
        )
    return won, lost


def train(
    table: FeatureTable,
    outcome: np.ndarray,
    lead_score: np.ndarray,
    cfg: ScoringConfig,
    *,
    folds: int = FOLDS,
    seed: int = SEED,
) -> TrainedModel:
    """Fit on the labelled, readable practices of ``table`` (``outcome`` 1 won / 0 lost / -1 open, and
    ``lead_score`` the rules' score, both in table order) and evaluate out of sample.

    Stratified ``folds``-fold cross-validation with ``seed`` (fewer folds when a class is smaller
    than ``folds``): each fold's model is scored on its held-out practices, and so is the rules'
    lead score on the same practices; the AUCs are the means over folds. The final model is fitted
    on every labelled practice. Raises :class:`TooFewLabels`.
    """
    x_all, feats = design_matrix(table, cfg)
    keep = table.readable & ((outcome == WON) | (outcome == LOST))
    x, y, rules = x_all[keep], (outcome[keep] == WON).astype(int), np.asarray(lead_score, dtype=float)[keep]
    won, lost = check_labels(outcome[keep])
    k = max(2, min(folds, won, lost))
    oof = np.zeros(len(y))
    fold_auc, fold_rules = [], []
    for train_idx, test_idx in StratifiedKFold(n_splits=k, shuffle=True, random_state=seed).split(x, y):
        model = _fit(x[train_idx], y[train_idx], seed)
        oof[test_idx] = model.predict_proba(x[test_idx])[:, 1]
        fold_auc.append(auc(oof[test_idx], y[test_idx]))
        fold_rules.append(auc(rules[test_idx], y[test_idx]))
    final = _fit(x, y, seed)
    return TrainedModel(
        features=feats,
        coef=final.coef_[0].copy(),
        intercept=float(final.intercept_[0]),
        means=x.mean(axis=0),
        layout=cfg.scoring_dict(),
        auc_cv=float(np.mean(fold_auc)),
        auc_rules_cv=float(np.mean(fold_rules)),
        fold_auc=[float(a) for a in fold_auc],
        fold_auc_rules=[float(a) for a in fold_rules],
        oof_probability=oof,
        labelled=len(y),
        won=won,
        lost=lost,
        folds=k,
        oof_outcome=y,
        seed=seed,
    )


def _fit(x: np.ndarray, y: np.ndarray, seed: int) -> LogisticRegression:
    # Two dozen columns: BLAS threads only contend with each other (4× slower on a busy 2-core machine).
    with threadpool_limits(limits=1):
        return LogisticRegression(C=C, max_iter=2000, random_state=seed).fit(x, y)


# ---- "Suggest points" ------------------------------------------------------------------------------


def suggest_points(model: LoadedModel, cfg: ScoringConfig, table: FeatureTable) -> tuple[ScoringConfig, list[str]]:
    """What the model learned, as component points: a DRAFT configuration (never applied here).

    Each level's points are proportional to how much it raises the log-odds over its component's
    reference level (levels the model found no better than the reference get 0, since points are
    never negative); one scale makes the most a practice can score equal ``cfg``'s maximum, so the
    numbers stay familiar. Caps are set so they do not bind (the model is additive). Confidence
    multipliers are kept. Tier thresholds are re-chosen so Hot and Warm hold as many practices as
    under ``cfg`` (capacity thresholds, SPEC §13). Returns the draft and notes in words.
    Raises ValueError when the model's columns were built for different bands or tiers than ``cfg``'s.
    """
    if layout_key(model.layout) != layout_key(cfg):
        raise ValueError("the model was trained on different size bands, phone levels, EMR tiers or rating steps "
                         "than this configuration has; train it again")
    _, feats = design_matrix(table, cfg)
    coef = dict(zip(model.features, model.coef, strict=True))
    gain = {name: max(0.0, value) for name, value in coef.items()}
    bands = [gain[f"size_band_{i}"] for i in range(len(cfg.size_bands))]
    calls = [0.0] + [gain[f"phones_{k}"] for k in range(1, len(cfg.call_volume_points))]
    emr = [gain[f"emr_tier_{i}"] for i in range(len(cfg.emr_tiers))]
    other, booking, tele = gain["emr_other"], gain["online_booking"], gain["telemedicine"]
    reviews, website, locations = gain["reviews"], gain["website"], gain["multiple_locations"]
    rating = [gain[f"rating_{i}"] for i in range(len(cfg.rating_steps))]
    dm = gain["decision_maker"]
    best = (max(bands) + max(calls) + max([*emr, other]) + booking + tele + dm
            + reviews + max([0.0, *rating]) + website + locations)
    if best <= 0:
        raise ValueError("the model found no input that raises the odds of winning; nothing to suggest")
    scale = cfg.max_total / best

    def pts(value: float) -> int:
        return round(value * scale)

    review_max = pts(reviews)
    per_point = max(1, round(cfg.reviews_per_point * cfg.reviews_points_max / review_max)) if review_max else (
        cfg.reviews_per_point)
    changes: dict[str, Any] = {
        "size_bands": [b.model_copy(update={"points": pts(g)}).model_dump() for b, g in zip(cfg.size_bands, bands,
                                                                                           strict=True)],
        "call_volume_points": [pts(g) for g in calls],
        "emr_tiers": [t.model_copy(update={"points": pts(g)}).model_dump() for t, g in zip(cfg.emr_tiers, emr,
                                                                                          strict=True)],
        "emr_other_points": pts(other),
        "online_booking_points": pts(booking),
        "telemedicine_points": pts(tele),
        "decision_maker_points": pts(dm),
        "reviews_points_max": review_max,
        "reviews_per_point": per_point,
        "rating_steps": [s.model_copy(update={"points": pts(g)}).model_dump() for s, g in zip(cfg.rating_steps, rating,
                                                                                              strict=True)],
        "website_points": pts(website),
        "multiple_locations_points": pts(locations),
        "hot_tier_min": 1,
        "warm_tier_min": 0,
    }
    changes["technology_cap"] = max(changes["emr_other_points"], *(t["points"] for t in changes["emr_tiers"])) + (
        changes["online_booking_points"] + changes["telemedicine_points"])
    changes["baseline_cap_full"] = review_max + max([0, *(s["points"] for s in changes["rating_steps"])]) + (
        changes["website_points"] + changes["multiple_locations_points"])
    draft = cfg.with_changes(**changes)
    now, new = score_table(table, cfg), score_table(table, draft)
    counts = now.tier_counts()
    cut = capacity_thresholds(new.lead_score, new.full, new.readable, counts["Hot"], counts["Warm"])
    notes = [f"Points follow the model's log-odds, scaled so the most a practice can score stays {cfg.max_total}."]
    zeroed = [f.label for f in feats if f.component and coef[f.name] <= 0]
    if zeroed:
        notes.append("No points (the model found them no better than having nothing): " + ", ".join(zeroed) + ".")
    try:
        draft = draft.with_changes(hot_tier_min=cut.hot_tier_min, warm_tier_min=cut.warm_tier_min)
        notes.append(f"Thresholds Hot ≥ {cut.hot_tier_min}, Warm ≥ {cut.warm_tier_min} keep about as many Hot "
                     f"({counts['Hot']}) and Warm ({counts['Warm']}) practices as now.")
    except ConfigError:
        draft = draft.with_changes(hot_tier_min=min(cfg.hot_tier_min, draft.max_total),
                                   warm_tier_min=min(cfg.warm_tier_min, draft.max_total - 1))
        notes.append("Thresholds kept from the active configuration.")
    notes.append("Confidence multipliers are unchanged.")
    return draft, notes


def layout_key(cfg: ScoringConfig) -> tuple[Any, ...]:
    """What fixes the design matrix's columns: size bands, phone levels, EMR tiers, rating steps."""
    return (
        tuple((b.min, b.max) for b in cfg.size_bands),
        len(cfg.call_volume_points),
        tuple(tuple(t.names) for t in cfg.emr_tiers),
        tuple(s.min for s in cfg.rating_steps),
    )
