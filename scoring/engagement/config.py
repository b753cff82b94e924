"""The engagement configuration (SPEC §12): points and caps per event type, half-life, level edges,
risk days, velocity window and the next-action table — validated, and one field of
:class:`scoring.config.ScoringConfig` so it is saved, versioned and tried in the what-if lab with the
fit rules.

Sources: seed 002 (S2: points per event, 24-hour velocity, recency risk, next action) and seed 004
(S4: interaction caps, 7-day half-life). Every default below is SPEC §12's.
"""

from __future__ import annotations

import re
from functools import cached_property

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

# The fit half of a grid cell (SPEC §12): Hot A, Warm B, Cold C, Pending Enrichment P.
GRID_LETTERS: dict[str, str] = {"Hot": "A", "Warm": "B", "Cold": "C", "Pending Enrichment": "P"}
LETTERS = tuple(GRID_LETTERS.values())  # row order of the 4 × 3 grid
LEVELS = (1, 2, 3)
RISKS = ("low", "medium", "high")
# Every cell, in grid order (A1 A2 A3 B1 … P3): also the order reps work them on the Today page.
GRID_CELLS = tuple(f"{letter}{level}" for letter in LETTERS for level in LEVELS)
SCORE_MAX = 100  # SPEC §12: the engagement score is an integer 0–100
TYPE_NAME = re.compile(r"^[a-z][a-z0-9_]{0,39}$")


class _Frozen(BaseModel):
    # The same contract as scoring.config's models (immutable, unknown keys rejected), declared here
    # because scoring.config imports this module for its `engagement` field.
    model_config = ConfigDict(frozen=True, extra="forbid")


class EventType(_Frozen):
    """One event type: ``points`` per event (before decay) and the ``cap`` on its decayed sum."""

    name: str = Field(min_length=1, max_length=40)
    points: int = Field(ge=0, le=1000)
    cap: int = Field(ge=0, le=1000)
    label: str = Field(default="", max_length=40)

    @field_validator("name")
    @classmethod
    def _snake_case(cls, value: str) -> str:
        if not TYPE_NAME.match(value):
            raise ValueError(
                f"must be lower-case letters, digits and underscores, starting with a letter (got {value!r})"
            )
        return value


class NextAction(_Frozen):
    """What to do for a practice in grid cell ``cell`` with recency risk ``risk``, and why."""

    cell: str
    risk: str
    action: str = Field(min_length=1, max_length=60)
    why: str = Field(min_length=1, max_length=300)

    @field_validator("cell")
    @classmethod
    def _known_cell(cls, value: str) -> str:
        if value not in GRID_CELLS:
            raise ValueError(f"must be one of {', '.join(GRID_CELLS)} (got {value!r})")
        return value

    @field_validator("risk")
    @classmethod
    def _known_risk(cls, value: str) -> str:
        if value not in RISKS:
            raise ValueError(f"must be low, medium or high (got {value!r})")
        return value

    @field_validator("action")
    @classmethod
    def _select_safe(cls, value: str) -> str:
        # An action may be written to a Notion select, whose option names may not contain commas.
        if "," in value or not value.strip():
            raise ValueError(f"must be a short phrase without commas (got {value!r})")
        return value.strip()


_DEFAULT_TYPES = (
    EventType(name="page_view", points=1, cap=10, label="Page view"),
    EventType(name="email_open", points=3, cap=15, label="Email opened"),
    EventType(name="email_click", points=5, cap=15, label="Email link clicked"),
    EventType(name="download", points=10, cap=20, label="Download"),
    EventType(name="signup", points=20, cap=20, label="Signup"),
    EventType(name="demo_request", points=30, cap=30, label="Demo request"),
    EventType(name="email_reply", points=10, cap=20, label="Email reply"),
    EventType(name="inbound_call", points=15, cap=30, label="Inbound call"),
    EventType(name="meeting", points=25, cap=40, label="Meeting"),
)

# (action, why) per cell for a practice that was active lately; the risk columns below adjust it.
# A deliberate table, not a formula: sales managers read and edit it in the app.
_ACTIONS: dict[str, dict[str, tuple[str, str]]] = {
    "A1": {
        "low": ("Call today", "Best fit and highly engaged right now: call while the interest is live."),
        "medium": ("Call today", "Best fit and highly engaged, but quiet for a few days: call before it cools."),
        "high": ("Call to re-engage", "Best fit with a strong history, but silent for over a week: call to restart."),
    },
    "A2": {
        "low": ("Call this week", "Best fit and showing interest now: a call this week turns interest into a meeting."),
        "medium": ("Send a personal follow-up", "Best fit, some engagement, a few quiet days: a note keeps it warm."),
        "high": ("Send a personal follow-up", "Best fit whose engagement is fading: write before it goes cold."),
    },
    "A3": {
        "low": ("Start outreach", "Best fit that just showed a first sign of life: start a personal outreach now."),
        "medium": ("Start outreach", "Best fit with little engagement: start a personal outreach sequence."),
        "high": ("Start outreach", "Best fit that has not engaged: open with a personal outreach sequence."),
    },
    "B1": {
        "low": ("Book a demo", "Good fit and highly engaged: offer a demo while they are paying attention."),
        "medium": ("Book a demo", "Good fit and highly engaged, quiet for a few days: propose a demo slot."),
        "high": ("Call to re-engage", "Good fit that was highly engaged but has gone quiet: call to restart."),
    },
    "B2": {
        "low": ("Send a follow-up email", "Good fit with some engagement right now: follow up with useful material."),
        "medium": ("Nurture with content", "Good fit with some engagement: keep nurturing with relevant content."),
        "high": ("Nurture with content", "Good fit whose engagement is fading: nurture it back with content."),
    },
    "B3": {
        "low": ("Add to nurture sequence", "Good fit, first light activity: put it on a nurture sequence."),
        "medium": ("Add to nurture sequence", "Good fit, little engagement: a nurture sequence builds interest."),
        "high": ("Add to nurture sequence", "Good fit that has not engaged: a nurture sequence, no calls yet."),
    },
    "C1": {
        "low": ("Qualify by phone", "Weak fit on paper but highly engaged: check whether the fit data is wrong."),
        "medium": ("Qualify by phone", "Weak fit on paper but engaged: a short call shows whether it qualifies."),
        "high": ("Qualify by email", "Weak fit that was engaged and went quiet: qualify with a short email."),
    },
    "C2": {
        "low": ("Nurture by email", "Weak fit with some engagement: automated nurture, no rep time."),
        "medium": ("Nurture by email", "Weak fit with some engagement: automated nurture, no rep time."),
        "high": ("Nurture by email", "Weak fit, fading engagement: automated nurture only."),
    },
    "C3": {
        "low": ("No action", "Weak fit with little engagement: leave it to marketing."),
        "medium": ("No action", "Weak fit with little engagement: leave it to marketing."),
        "high": ("No action", "Weak fit and no engagement: leave it to marketing."),
    },
    "P1": {
        "low": ("Enrich now", "Highly engaged but not enriched: enrich it now so it can be scored for fit."),
        "medium": ("Enrich now", "Highly engaged but not enriched: enrich it now so it can be scored for fit."),
        "high": ("Enrich now", "Was highly engaged but is not enriched: enrich it to know if it is worth a call."),
    },
    "P2": {
        "low": ("Enrich now", "Engaged right now but not enriched: enrich it to know its fit."),
        "medium": ("Enrich soon", "Some engagement, not enriched yet: queue it for enrichment."),
        "high": ("Enrich soon", "Some engagement, not enriched yet: queue it for enrichment."),
    },
    "P3": {
        "low": ("Wait for enrichment", "Little engagement and no enrichment: enrichment comes first."),
        "medium": ("Wait for enrichment", "Little engagement and no enrichment: enrichment comes first."),
        "high": ("Wait for enrichment", "No engagement and no enrichment: enrichment comes first."),
    },
}
_DEFAULT_ACTIONS = tuple(
    NextAction(cell=cell, risk=risk, action=action, why=why)
    for cell in GRID_CELLS
    for risk, (action, why) in _ACTIONS[cell].items()
)


class EngagementConfig(_Frozen):
    """Every number of SPEC §12 (defaults), validated. One field (``engagement``) of ScoringConfig."""

    types: tuple[EventType, ...] = _DEFAULT_TYPES
    half_life_days: float = Field(default=7.0, gt=0, le=365)
    # Level 2 starts below level 1 (checked below) and both at 1 or more: level 1 from 2, level 2 to 99 —
    # so each field's own range holds only values some valid configuration uses (the lab's controls).
    level_1_min: int = Field(default=60, ge=2, le=SCORE_MAX)
    level_2_min: int = Field(default=25, ge=1, le=SCORE_MAX - 1)
    risk_medium_days: float = Field(default=3.0, ge=0, le=365)
    risk_high_days: float = Field(default=7.0, ge=0, le=365)
    velocity_hours: float = Field(default=24.0, gt=0, le=24 * 30)
    next_actions: tuple[NextAction, ...] = _DEFAULT_ACTIONS

    @field_validator("types")
    @classmethod
    def _unique_types(cls, types: tuple[EventType, ...]) -> tuple[EventType, ...]:
        if not types:
            raise ValueError("needs at least one event type")
        if len(types) > 50:
            raise ValueError(f"at most 50 event types, got {len(types)}")
        names = [t.name for t in types]
        repeated = sorted({n for n in names if names.count(n) > 1})
        if repeated:
            raise ValueError(f"each event type once; repeated: {', '.join(repeated)}")
        return types

    @field_validator("next_actions")
    @classmethod
    def _complete_table(cls, rows: tuple[NextAction, ...]) -> tuple[NextAction, ...]:
        keys = [(r.cell, r.risk) for r in rows]
        repeated = sorted({f"{c}/{r}" for c, r in keys if keys.count((c, r)) > 1})
        if repeated:
            raise ValueError(f"one action per cell and risk; repeated: {', '.join(repeated)}")
        missing = [f"{c}/{r}" for c in GRID_CELLS for r in RISKS if (c, r) not in keys]
        if missing:
            raise ValueError(f"needs an action for every cell and risk; missing: {', '.join(missing)}")
        return rows

    @model_validator(mode="after")
    def _ordered_edges(self) -> EngagementConfig:
        if self.level_2_min >= self.level_1_min:
            raise ValueError(
                f"level_2_min ({self.level_2_min}) must be lower than level_1_min ({self.level_1_min})"
            )
        if self.risk_medium_days > self.risk_high_days:
            raise ValueError(
                f"risk_medium_days ({self.risk_medium_days:g}) must not exceed risk_high_days "
                f"({self.risk_high_days:g})"
            )
        return self

    # ---- derived, for the vectorised engine ----------------------------------------------------

    @cached_property
    def type_names(self) -> tuple[str, ...]:
        return tuple(t.name for t in self.types)

    @cached_property
    def points_array(self) -> np.ndarray:
        return np.asarray([t.points for t in self.types], dtype=np.float64)

    @cached_property
    def caps_array(self) -> np.ndarray:
        return np.asarray([t.cap for t in self.types], dtype=np.float64)

    @cached_property
    def action_table(self) -> tuple[np.ndarray, np.ndarray]:
        """(actions, reasons) indexed by ``cell_index * 3 + risk_index`` (GRID_CELLS × RISKS order)."""
        by_key = {(r.cell, r.risk): r for r in self.next_actions}
        rows = [by_key[(c, r)] for c in GRID_CELLS for r in RISKS]
        return (
            np.asarray([r.action for r in rows], dtype=object),
            np.asarray([r.why for r in rows], dtype=object),
        )

    def label_of(self, type_name: str) -> str:
        for t in self.types:
            if t.name == type_name:
                return t.label or t.name.replace("_", " ").capitalize()
        return type_name
