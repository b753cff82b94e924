"""Comparing a book under two configurations: tier counts, the movement matrix, who moved."""

from __future__ import annotations

import numpy as np
import pandas as pd

from .rules import TIER_NAMES_BY_CODE
from .vector import BookScores

TIER_ORDER = ["Hot", "Warm", "Cold", "Pending Enrichment", "Failed"]


def _labels(scores: BookScores) -> np.ndarray:
    names = np.asarray([name or "Failed" for name in TIER_NAMES_BY_CODE], dtype=object)
    return names[scores.tier]


def tier_counts(before: BookScores, after: BookScores) -> pd.DataFrame:
    """Rows Hot…Failed; columns before, after, change."""
    b = pd.Series(_labels(before)).value_counts().reindex(TIER_ORDER, fill_value=0)
    a = pd.Series(_labels(after)).value_counts().reindex(TIER_ORDER, fill_value=0)
    return pd.DataFrame({"before": b, "after": a, "change": a - b}).rename_axis("tier")


def movement_matrix(before: BookScores, after: BookScores) -> pd.DataFrame:
    """How many practices go from each tier (rows) to each tier (columns)."""
    frame = pd.crosstab(
        pd.Categorical(_labels(before), categories=TIER_ORDER),
        pd.Categorical(_labels(after), categories=TIER_ORDER),
        dropna=False,
    )
    frame.index.name, frame.columns.name = "from", "to"
    return frame.reindex(index=TIER_ORDER, columns=TIER_ORDER, fill_value=0)


def movers(before: BookScores, after: BookScores) -> pd.DataFrame:
    """Practices whose tier changes, with old and new scores (biggest score change, then highest score)."""
    changed = np.flatnonzero(before.tier != after.tier)
    old, new = _labels(before), _labels(after)
    frame = pd.DataFrame(
        {
            "practice_id": before.practice_id[changed],
            "old_tier": old[changed],
            "new_tier": new[changed],
            "old_score": before.lead_score[changed],
            "new_score": after.lead_score[changed],
        }
    )
    frame["change"] = frame["new_score"] - frame["old_score"]
    order = np.lexsort((frame["practice_id"].to_numpy(dtype=str), -frame["new_score"].to_numpy(),
                        -frame["change"].abs().to_numpy()))
    return frame.iloc[order].reset_index(drop=True)
