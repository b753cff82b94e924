"""The store's events and practices, handed to the pure engine (SPEC §12: computed as of now whenever
read — no stored engagement score drifts)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from scoring.engagement import EngagementBook, EngagementConfig, compute_engagement, practice_engagement
from scoring.explain_change import Change

from ..store import Store


def now_utc() -> datetime:
    return datetime.now(UTC)


def fit_tiers(leads: pd.DataFrame) -> pd.DataFrame:
    """``practice_id`` and ``priority_tier`` (None unless the fit scoring is Scored: a Failed or missing
    scoring has no grid cell) from a leads frame (:meth:`Store.leads_frame`)."""
    scored = leads["scoring_status"].eq("Scored").to_numpy()
    tiers = np.where(scored, leads["priority_tier"].to_numpy(dtype=object), None)
    return pd.DataFrame({"practice_id": leads["practice_id"].to_numpy(dtype=object), "priority_tier": tiers})


def book_engagement(
    store: Store,
    config: EngagementConfig,
    as_of: datetime | None = None,
    *,
    events: pd.DataFrame | None = None,
    leads: pd.DataFrame | None = None,
) -> EngagementBook:
    """Engagement of every active practice as of ``as_of`` (default now). ``events`` / ``leads`` may be
    given when the caller already holds them (the pages cache them per store revision)."""
    events = store.events_frame() if events is None else events
    leads = store.leads_frame() if leads is None else leads
    return compute_engagement(events, fit_tiers(leads), config, as_of or now_utc())


def engagement_changes(
    store: Store, practice_id: str, before: Mapping[str, Any], after: Mapping[str, Any], config: EngagementConfig
) -> list[Change]:
    """Engagement's part of "why did this score change" (issue 11; SPEC §12–13): the practice's
    engagement as of each of two scorings (history rows: ``scored_at`` ISO 8601, ``priority_tier``),
    recomputed from the event log with ``config`` — the same engine as everywhere. Returns Change items
    (kind ``engagement``) for the score and the grid cell when they differ; [] when they do not, or
    when a scoring time cannot be read."""
    try:
        moments = [_instant(str(row["scored_at"])) for row in (before, after)]
    except (KeyError, ValueError):
        return []
    events = store.practice_events(practice_id)
    b, a = (practice_engagement(events, practice_id, _tier(row), config, moment)
            for row, moment in zip((before, after), moments, strict=True))
    changes = []
    b_score, a_score = int(b.engagement_score[0]), int(a.engagement_score[0])
    if b_score != a_score:
        changes.append(Change("engagement", "engagement_score", b_score, a_score, a_score - b_score,
                              f"engagement {b_score} → {a_score} (activity as of each scoring, decayed)"))
    b_cell, a_cell = b.grid_cell[0], a.grid_cell[0]
    if b_cell != a_cell:
        changes.append(Change("engagement", "grid_cell", b_cell, a_cell, None,
                              f"grid cell {b_cell or '—'} → {a_cell or '—'}"))
    return changes


def _instant(text: str) -> datetime:
    """A history row's ``scored_at`` (ISO 8601; no zone means UTC, as SPEC §12 reads times)."""
    moment = datetime.fromisoformat(text)
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _tier(row: Mapping[str, Any]) -> str | None:
    """The fit tier a grid cell is made of: only a Scored fit scoring has one (SPEC §12)."""
    return row.get("priority_tier") if row.get("scoring_status") == "Scored" else None
