"""Decay has one implementation (review: the timeline recomputed it): a practice's timeline shows per
event exactly what the engine counts, for any half-life the configuration allows."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest

from data.engagement_controls import field_range
from data.engagement_views import timeline_frame
from scoring.engagement import EngagementConfig, compute_engagement, decay
from tests.scoring.engagement_helpers import AS_OF_US, DAY, HOUR

AGES = [0, 3 * HOUR, DAY, 2 * DAY + 5 * HOUR, 9 * DAY, 40 * DAY]


def practice_events(types: list[str]) -> pd.DataFrame:
    n = len(AGES)
    return pd.DataFrame({"event_id": [f"e{i}" for i in range(n)], "practice_id": ["p"] * n, "type": types,
                         "occurred_us": [AS_OF_US - a for a in AGES], "source": ["t"] * n, "detail": [None] * n})


@pytest.mark.parametrize("half_life", [7.0, 0.3, 365.0, field_range("half_life_days")[0]])
def test_the_timeline_shows_what_the_engine_counts(half_life: float) -> None:
    cfg = EngagementConfig(half_life_days=half_life)
    types = ["meeting", "page_view", "meeting", "signup", "email_open", "meeting"]
    events = practice_events(types)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # a half-life near zero decays to 0, without overflow warnings
        timeline = timeline_frame(events, cfg, AS_OF_US)
        book = compute_engagement(events[["practice_id", "type", "occurred_us"]],
                                  pd.DataFrame({"practice_id": ["p"], "priority_tier": ["Hot"]}), cfg, AS_OF_US)
    per_type = timeline.assign(name=types).groupby("name")["points_now"].sum()
    engine = dict(zip(cfg.type_names, book.decayed_points[0], strict=True))
    for name, shown in per_type.items():
        assert shown == pytest.approx(engine[name], abs=0.01 * len(types))  # points_now is rounded to 2 places


def test_decay_is_spec_12s_half_life_rule() -> None:
    points = np.array([25.0, 25.0, 10.0])
    ages = np.array([0, 7 * DAY, 14 * DAY])
    assert decay(points, ages, 7.0).tolist() == [25.0, 12.5, 2.5]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert decay(points, ages, field_range("half_life_days")[0]).tolist() == [25.0, 0.0, 0.0]
