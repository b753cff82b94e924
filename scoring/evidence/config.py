"""Which sales Status values are outcomes (SPEC §13): a validated, immutable part of ScoringConfig.

Outcomes never shape a score, so this part is left out of the configuration's fingerprint (and of
``config_version``): changing the lists changes the evidence, never a lead score.
"""

from __future__ import annotations

from typing import Annotated

from pydantic import BaseModel, ConfigDict, Field, StringConstraints, model_validator

# SPEC §13: fewer labelled practices than this in either class are too few to judge by.
MIN_LABELS_PER_CLASS = 10

Status = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=100)]


def normalise_status(value: object) -> str | None:
    """A Status as compared (SPEC §13: case-insensitive): stripped and case-folded; blank → None."""
    if value is None:
        return None
    text = str(value).strip()
    return text.casefold() or None


class OutcomeConfig(BaseModel):
    """Status values meaning won and lost (case-insensitive); anything else is open (unlabelled)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    won: tuple[Status, ...] = Field(default=("Won", "Closed Won", "Customer"))
    lost: tuple[Status, ...] = Field(default=("Lost", "Closed Lost", "Disqualified"))

    @model_validator(mode="after")
    def _disjoint(self) -> OutcomeConfig:
        both = {normalise_status(s) for s in self.won} & {normalise_status(s) for s in self.lost}
        if both:
            listed = ", ".join(sorted(both))
            raise ValueError(f"a status cannot mean both won and lost ({listed})")
        return self

    def outcome(self, status: object) -> str:
        """'won', 'lost' or 'open' for one Status value (any type; None and blank are open)."""
        key = normalise_status(status)
        if key in {normalise_status(s) for s in self.won}:
            return "won"
        if key in {normalise_status(s) for s in self.lost}:
            return "lost"
        return "open"
