"""A whole book's outcomes from its sales Status (SPEC §13), as one int8 column."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pandas as pd

from .config import OutcomeConfig, normalise_status

WON, LOST, OPEN = 1, 0, -1
OUTCOME_NAMES = {WON: "won", LOST: "lost", OPEN: "open"}


def outcome_codes(statuses: Sequence[object] | pd.Series | np.ndarray, config: OutcomeConfig) -> np.ndarray:
    """int8 per practice: 1 won, 0 lost, -1 open (unlabelled), from each practice's Status.

    Statuses compare stripped and case-insensitively; None, blanks and any value not listed are open.
    Status values repeat across a book, so each distinct value is classified once.
    """
    values = pd.Series(statuses, dtype=object)
    if values.empty:
        return np.empty(0, dtype=np.int8)
    codes, uniques = pd.factorize(values, use_na_sentinel=True)
    table = np.array([_code(config.outcome(v)) for v in uniques] + [OPEN], dtype=np.int8)
    return table[codes]  # code -1 (missing) picks the trailing OPEN


def _code(outcome: str) -> int:
    return {"won": WON, "lost": LOST}.get(outcome, OPEN)


__all__ = ["LOST", "OPEN", "OUTCOME_NAMES", "WON", "normalise_status", "outcome_codes"]
