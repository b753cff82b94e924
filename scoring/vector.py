"""The ICP rules for a whole book at once: numpy over a :class:`FeatureTable`.

Same rules as :mod:`scoring.rules`, written column-wise. Components are computed once;
:func:`retier` re-applies multipliers and thresholds to the stored pre-penalty totals, which is
what the what-if lab does on every slider move.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

import numpy as np
import pandas as pd

from .config import ScoringConfig
from .features import CONFIDENCE_CODES, STATUS_CODES, FeatureTable
from .rules import COMPONENTS, FLAGS, TIER_NAMES_BY_CODE

TIER_CODES = {name: code for code, name in enumerate(TIER_NAMES_BY_CODE) if name}
_FLAG_BIT = {name: 1 << i for i, name in enumerate(FLAGS)}
# Every combination of flags, decoded once: FLAG_TUPLES[mask] is the ordered tuple of names.
FLAG_TUPLES = np.empty(1 << len(FLAGS), dtype=object)
for _mask in range(1 << len(FLAGS)):
    FLAG_TUPLES[_mask] = tuple(name for i, name in enumerate(FLAGS) if _mask >> i & 1)


@dataclass(frozen=True)
class BookScores:
    """Scores of every practice of a book, in book order. Failed (unreadable) rows have tier 0."""

    practice_id: np.ndarray
    readable: np.ndarray
    full: np.ndarray
    confidence: np.ndarray  # int8 confidence code (multipliers are looked up per code)
    components: dict[str, np.ndarray]
    original_score: np.ndarray
    lead_score: np.ndarray  # -1 where failed
    tier: np.ndarray  # int8 index into TIER_NAMES_BY_CODE; 0 = failed
    flags: np.ndarray  # uint8 mask, bit i = FLAGS[i]
    config_version: str

    def __len__(self) -> int:
        return len(self.tier)

    def flag_tuples(self) -> np.ndarray:
        return FLAG_TUPLES[self.flags]

    def tier_names(self) -> np.ndarray:
        return np.asarray(TIER_NAMES_BY_CODE, dtype=object)[self.tier]

    def tier_counts(self) -> dict[str, int]:
        counts = np.bincount(self.tier, minlength=len(TIER_NAMES_BY_CODE))
        return {name or "Failed": int(counts[code]) for code, name in enumerate(TIER_NAMES_BY_CODE)}

    def to_frame(self) -> pd.DataFrame:
        """One row per practice: id, lead score, tier, flags, the components and the raw total."""
        lead = pd.array(np.where(self.lead_score >= 0, self.lead_score, 0), dtype="Int64")
        lead[self.lead_score < 0] = pd.NA
        frame = pd.DataFrame(
            {
                "practice_id": self.practice_id,
                "lead_score": lead,
                "priority_tier": pd.Categorical.from_codes(
                    np.where(self.tier > 0, self.tier - 1, -1), categories=list(TIER_NAMES_BY_CODE[1:])
                ),
                "confidence_flags": self.flag_tuples(),
                "scoring_status": np.where(self.readable, "Scored", "Failed"),
                "original_score": self.original_score,
                **self.components,
            }
        )
        return frame


def _practice_size(vets: np.ndarray, cfg: ScoringConfig) -> np.ndarray:
    bands = cfg.size_bands
    open_band = bands[-1] if bands[-1].max is None else None
    top = max([b.max for b in bands if b.max is not None] + [open_band.min if open_band else 0])
    table = np.zeros(top + 1, dtype=np.int64)
    for band in bands:
        table[band.min : (band.max if band.max is not None else top) + 1] = band.points
    points = table[np.clip(vets, 0, top)]
    if open_band is None:
        points = np.where(vets > top, 0, points)
    return points


def _call_volume(phones: np.ndarray, cfg: ScoringConfig) -> np.ndarray:
    table = np.asarray(cfg.call_volume_points, dtype=np.int64)
    return table[np.minimum(phones, len(table) - 1)]


def _technology(t: FeatureTable, cfg: ScoringConfig) -> np.ndarray:
    emr_table = np.array([cfg.rulebook.emr_points(v)[0] for v in t.emr_values] + [0], dtype=np.int64)
    score = emr_table[t.emr_code]  # code -1 picks the trailing 0
    score = score + t.online_booking * cfg.online_booking_points + t.telemedicine * cfg.telemedicine_points
    score = np.minimum(score, cfg.technology_cap)
    return np.where(t.technology_invalid, 0, score)


def _baseline(t: FeatureTable, cfg: ScoringConfig) -> np.ndarray:
    reviews = np.where(
        t.reviews >= 0, np.minimum(t.reviews // cfg.reviews_per_point, cfg.reviews_points_max), 0
    )
    rating = np.select(
        [t.rating >= step.min for step in cfg.rating_steps],
        [step.points for step in cfg.rating_steps],
        0,
    )
    score = (
        reviews
        + rating
        + t.website * cfg.website_points
        + t.multiple_locations * cfg.multiple_locations_points
    )
    cap = np.where(t.full, cfg.baseline_cap_full, cfg.baseline_cap_baseline_only)
    return np.minimum(score, cap)


def _flags(t: FeatureTable) -> np.ndarray:
    full = t.full
    bits = (
        (full & (t.confidence == CONFIDENCE_CODES["low"])) * _FLAG_BIT[FLAGS[0]]
        | (full & (t.confidence == CONFIDENCE_CODES["medium"])) * _FLAG_BIT[FLAGS[1]]
        | (full & (t.status == STATUS_CODES["Partial"])) * _FLAG_BIT[FLAGS[2]]
        | (full & ~t.dm_found) * _FLAG_BIT[FLAGS[3]]
        | (full & (t.emr_code < 0) & (t.technologies_count == 0)) * _FLAG_BIT[FLAGS[4]]
        | t.invalid * _FLAG_BIT[FLAGS[5]]
    )
    return np.where(t.readable, bits, 0).astype(np.uint8)


def _multiplier_arrays(cfg: ScoringConfig) -> tuple[np.ndarray, np.ndarray]:
    """Numerator and denominator of the exact multiplier, indexed by confidence code."""
    fractions = cfg.multiplier_fractions
    names = sorted(CONFIDENCE_CODES, key=CONFIDENCE_CODES.__getitem__)
    num = np.array([fractions[n].numerator for n in names], dtype=np.int64)
    den = np.array([fractions[n].denominator for n in names], dtype=np.int64)
    return num, den


def _lead_and_tier(
    original: np.ndarray, full: np.ndarray, confidence: np.ndarray, readable: np.ndarray, cfg: ScoringConfig
) -> tuple[np.ndarray, np.ndarray]:
    num, den = _multiplier_arrays(cfg)
    code = np.where(full, confidence, 0)  # baseline-only: no penalty
    lead = original * num[code] // den[code]  # floor division of non-negative ints: exact floor
    tier = np.select(
        [~full, lead >= cfg.hot_tier_min, lead >= cfg.warm_tier_min],
        [TIER_CODES["Pending Enrichment"], TIER_CODES["Hot"], TIER_CODES["Warm"]],
        TIER_CODES["Cold"],
    ).astype(np.int8)
    lead = np.where(readable, lead, -1)
    tier = np.where(readable, tier, 0).astype(np.int8)
    return lead, tier


def score_table(t: FeatureTable, cfg: ScoringConfig) -> BookScores:
    """Score every practice of the table under ``cfg``."""
    full = t.full & t.readable
    zero = np.zeros(len(t), dtype=np.int64)
    components = {
        "practice_size": np.where(full, _practice_size(t.vet_count, cfg), 0),
        "call_volume": np.where(full, _call_volume(t.phone_count, cfg), 0),
        "technology": np.where(full, _technology(t, cfg), 0),
        "baseline": np.where(t.readable, _baseline(t, cfg), 0),
        "decision_maker": np.where(full & t.dm_found, cfg.decision_maker_points, zero),
    }
    original = sum((components[c] for c in COMPONENTS), zero)
    lead, tier = _lead_and_tier(original, full, t.confidence, t.readable, cfg)
    return BookScores(
        practice_id=t.practice_id,
        readable=t.readable,
        full=full,
        confidence=t.confidence,
        components=components,
        original_score=original,
        lead_score=lead,
        tier=tier,
        flags=_flags(t),
        config_version=cfg.config_version,
    )


def retier(scores: BookScores, cfg: ScoringConfig) -> BookScores:
    """New lead scores and tiers under ``cfg``'s multipliers and thresholds; components untouched."""
    lead, tier = _lead_and_tier(scores.original_score, scores.full, scores.confidence, scores.readable, cfg)
    return replace(scores, lead_score=lead, tier=tier, config_version=cfg.config_version)
