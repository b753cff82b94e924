"""The engagement axis (SPEC §12): events → decayed, capped points → score, level, velocity, recency
risk, the fit × engagement grid cell and a next action. Pure: no I/O, no streamlit, no data imports.

Modules: ``config`` (the validated numbers, one field of ScoringConfig), ``engine`` (one vectorised
implementation for a whole book; one practice is a book of one).
"""

from .config import GRID_CELLS, GRID_LETTERS, LETTERS, LEVELS, RISKS, EngagementConfig, EventType, NextAction
from .engine import (
    NO_EVENT,
    US_PER_DAY,
    US_PER_HOUR,
    EngagementBook,
    compute_engagement,
    decay,
    from_us,
    practice_engagement,
    to_us,
    unknown_types,
)

__all__ = [
    "GRID_CELLS",
    "GRID_LETTERS",
    "LETTERS",
    "LEVELS",
    "NO_EVENT",
    "RISKS",
    "US_PER_DAY",
    "US_PER_HOUR",
    "EngagementBook",
    "EngagementConfig",
    "EventType",
    "NextAction",
    "compute_engagement",
    "decay",
    "from_us",
    "practice_engagement",
    "to_us",
    "unknown_types",
]
