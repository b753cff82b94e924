"""One implementation, two views: a practice's engagement computed with the whole book equals the one
computed with a table of one (its own events only, or every event of the book)."""

from __future__ import annotations

import numpy as np
import pandas as pd
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.engagement import EngagementConfig, compute_engagement, practice_engagement

from .engagement_helpers import AS_OF_US, DAY, HOUR

PRACTICES = ["p0", "p1", "p2", "p3", "p4"]
TYPES = ["page_view", "email_open", "email_click", "download", "signup", "demo_request", "email_reply",
         "inbound_call", "meeting", "webinar", "Meeting"]  # the last two are not configured
ages = st.one_of(
    st.integers(-2 * DAY, 60 * DAY),  # anywhere, including the future
    st.sampled_from([0, -1, 1, 24 * HOUR, 24 * HOUR - 1, 3 * DAY, 7 * DAY, 7 * DAY + 1, 14 * DAY]),
)
event_rows = st.lists(st.tuples(st.sampled_from([*PRACTICES, "stranger"]), st.sampled_from(TYPES), ages), max_size=60)
tiers = st.fixed_dictionaries(
    {p: st.sampled_from(["Hot", "Warm", "Cold", "Pending Enrichment", None]) for p in PRACTICES}
)
configs = st.builds(
    lambda half_life, caps, l1, l2: EngagementConfig.model_validate(
        EngagementConfig().model_dump()
        | {
            "half_life_days": half_life,
            "level_1_min": max(l1, l2 + 1),
            "level_2_min": min(l1, l2),
            "types": [t | {"cap": c} for t, c in zip(EngagementConfig().model_dump()["types"], caps, strict=False)],
        }
    ),
    st.sampled_from([0.5, 3.0, 7.0, 30.0]),
    st.lists(st.integers(0, 60), min_size=9, max_size=9),
    st.integers(2, 100),
    st.integers(1, 99),
)

FIELDS = ("engagement_score", "engagement_level", "velocity_24h", "last_event_us", "recency_risk", "grid_cell",
          "next_action", "next_action_why", "unknown_type_events", "future_events")
MATRICES = ("events_counted", "raw_points", "decayed_points", "counted_points")


# Each example computes engagement a dozen times: a third of the profile's examples keeps the suite quick
# (100 in CI; LEADSCORE_HYPOTHESIS_PROFILE=thorough still runs well over a thousand).
EXAMPLES = max(settings.default.max_examples // 3, 20)


@settings(max_examples=EXAMPLES)
@given(event_rows, tiers, configs)
def test_whole_book_and_one_practice_agree(rows: list, tier_of: dict, cfg: EngagementConfig) -> None:
    events = pd.DataFrame([(p, t, AS_OF_US - a) for p, t, a in rows], columns=["practice_id", "type", "occurred_us"])
    events["occurred_us"] = events["occurred_us"].astype("int64")
    practices = pd.DataFrame({"practice_id": PRACTICES, "priority_tier": [tier_of[p] for p in PRACTICES]})
    whole = compute_engagement(events, practices, cfg, AS_OF_US)
    as_categories = events.astype({"practice_id": "category", "type": "category"})
    categorical = compute_engagement(as_categories, practices, cfg, AS_OF_US)
    for i, pid in enumerate(PRACTICES):
        own = events[events["practice_id"] == pid]
        for single in (
            practice_engagement(own, pid, tier_of[pid], cfg, AS_OF_US),
            practice_engagement(events, pid, tier_of[pid], cfg, AS_OF_US),
        ):
            for name in FIELDS:
                assert getattr(single, name)[0] == getattr(whole, name)[i], (pid, name)
                assert getattr(categorical, name)[i] == getattr(whole, name)[i], (pid, name)
            for name in MATRICES:
                assert np.array_equal(getattr(single, name)[0], getattr(whole, name)[i]), (pid, name)
    assert whole.unknown_practice_events == sum(1 for p, _, _ in rows if p == "stranger")


@settings(max_examples=EXAMPLES // 2)
@given(event_rows, tiers)
def test_other_practices_events_never_change_a_practices_engagement(rows: list, tier_of: dict) -> None:
    cfg = EngagementConfig()
    events = pd.DataFrame([(p, t, AS_OF_US - a) for p, t, a in rows], columns=["practice_id", "type", "occurred_us"])
    events["occurred_us"] = events["occurred_us"].astype("int64")
    practices = pd.DataFrame({"practice_id": PRACTICES, "priority_tier": [tier_of[p] for p in PRACTICES]})
    whole = compute_engagement(events, practices, cfg, AS_OF_US)
    alone = compute_engagement(events[events["practice_id"] == "p0"], practices, cfg, AS_OF_US)
    assert alone.engagement_score[0] == whole.engagement_score[0]
    assert alone.recency_risk[0] == whole.recency_risk[0]
