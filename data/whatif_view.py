"""The What-if lab's tables with human headings: tier counts, the movement matrix and the movers
(pure pandas: comparisons in, display frames out)."""

from __future__ import annotations

from collections.abc import Mapping

import pandas as pd

from scoring.whatif import TIER_ORDER

MOVERS_SHOWN = 100  # rows of the movers table sent to the browser; the download has them all


def change_text(change: int) -> str:
    """A change in a count or a score as people write it: "↑ 58", "↓ 61", "0" (never "↓ -61")."""
    change = int(change)
    if change > 0:
        return f"↑ {change:,}"
    if change < 0:
        return f"↓ {-change:,}"
    return "0"


def counts_table(counts: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """Tier counts (rows Hot…Failed; columns before, after, change) under the two names compared."""
    return pd.DataFrame({
        "Tier": counts.index.astype(str),
        before: counts["before"].astype(int).to_numpy(),
        after: counts["after"].astype(int).to_numpy(),
        "Change": [change_text(c) for c in counts["change"]],
    })


def matrix_table(matrix: pd.DataFrame, before: str, after: str) -> pd.DataFrame:
    """The movement matrix with its reading in the headings: rows are the tier under ``before``,
    columns the tier under ``after``."""
    frame = matrix.reindex(index=TIER_ORDER, columns=TIER_ORDER, fill_value=0).astype(int)
    frame.columns = [f"→ {t}" for t in frame.columns]
    frame.insert(0, f"{before} ↓ · {after} →", list(matrix.index.astype(str)))
    return frame.reset_index(drop=True)


def movers_table(moved: pd.DataFrame, names: Mapping[str, str] | pd.Series, limit: int | None = MOVERS_SHOWN
                 ) -> pd.DataFrame:
    """Practices that change tier, biggest score change first, with human headings; ``limit`` rows
    (None: all, for the download)."""
    shown = moved if limit is None else moved.head(limit)
    lookup = names if isinstance(names, pd.Series) else pd.Series(dict(names), dtype=object)
    return pd.DataFrame({
        "Practice": shown["practice_id"].map(lookup).astype(object).fillna(shown["practice_id"]).to_numpy(),
        "Tier now": shown["old_tier"].to_numpy(),
        "New tier": shown["new_tier"].to_numpy(),
        "Score now": pd.array(shown["old_score"], dtype="Int64"),
        "New score": pd.array(shown["new_score"], dtype="Int64"),
        "Score change": [change_text(c) if pd.notna(c) else "—" for c in shown["change"]],
        "practice_id": shown["practice_id"].to_numpy(),
    })
