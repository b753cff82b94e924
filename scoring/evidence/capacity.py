"""Tier thresholds from how many practices reps can work (SPEC §13, "Capacity thresholds").

``hot_tier_min`` is the smallest threshold t for which at most ``hot_capacity`` full-mode Scored
practices have lead_score ≥ t; ``warm_tier_min`` likewise for at most ``hot_capacity +
warm_capacity``; each is clamped to 0–120; where that would make ``warm_tier_min`` ≥
``hot_tier_min``, it is ``hot_tier_min − 1``. Ties are never split: when several practices share
the score at the cut, the threshold goes above them, so Hot, and Hot + Warm, hold at most their
capacity — except where the ``hot_tier_min − 1`` rule applies, which can put more in Warm.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

THRESHOLD_MIN, THRESHOLD_MAX = 0, 120  # SPEC §13's clamp


@dataclass(frozen=True)
class CapacityThresholds:
    hot_capacity: int
    warm_capacity: int
    hot_tier_min: int
    warm_tier_min: int
    counts: dict[str, int]  # Hot, Warm, Cold among full-mode Scored practices under these thresholds

    def to_json(self) -> dict[str, object]:
        return {
            "hot_capacity": self.hot_capacity,
            "warm_capacity": self.warm_capacity,
            "hot_tier_min": self.hot_tier_min,
            "warm_tier_min": self.warm_tier_min,
            "counts": dict(self.counts),
        }


def smallest_threshold(scores_desc: np.ndarray, capacity: int) -> int:
    """The smallest integer t with at most ``capacity`` of the scores ≥ t, clamped to 0–120.

    ``scores_desc``: integer lead scores sorted from high to low. With room for every practice any t
    will do, so the smallest, clamped, is 0; otherwise t sits one above the first score left out.
    """
    if capacity < 0:
        raise ValueError(f"capacity must not be negative, got {capacity}")
    if capacity >= len(scores_desc):
        return THRESHOLD_MIN
    return int(min(max(int(scores_desc[capacity]) + 1, THRESHOLD_MIN), THRESHOLD_MAX))


def capacity_thresholds(
    lead_score: np.ndarray, full: np.ndarray, scored: np.ndarray, hot_capacity: int, warm_capacity: int = 0
) -> CapacityThresholds:
    """SPEC §13's thresholds for a book (arrays in book order; ``full`` marks full-mode practices,
    ``scored`` Scored ones). Raises ValueError for a negative capacity."""
    if hot_capacity < 0 or warm_capacity < 0:
        raise ValueError("capacities must not be negative")
    mask = np.asarray(full, dtype=bool) & np.asarray(scored, dtype=bool)
    ordered = np.sort(np.asarray(lead_score, dtype=np.int64)[mask])[::-1]
    hot = smallest_threshold(ordered, hot_capacity)
    warm = smallest_threshold(ordered, hot_capacity + warm_capacity)
    if warm >= hot:
        warm = hot - 1
    n_hot = int((ordered >= hot).sum())
    n_warm = int((ordered >= warm).sum()) - n_hot
    return CapacityThresholds(
        hot_capacity=hot_capacity,
        warm_capacity=warm_capacity,
        hot_tier_min=hot,
        warm_tier_min=warm,
        counts={"Hot": n_hot, "Warm": n_warm, "Cold": len(ordered) - n_hot - n_warm},
    )
