"""The store's events and practices, handed to the pure engine (SPEC §12: computed as of now whenever
read — no stored engagement score drifts)."""

from __future__ import annotations

from datetime import UTC, datetime

import numpy as np
import pandas as pd

from scoring.engagement import EngagementBook, EngagementConfig, compute_engagement

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
