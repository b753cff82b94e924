"""The sample book's activity history: believable events for every kind of practice, so the Today page,
the grid, the timelines and the automation log all show something on first start (issue 11).

Each practice gets a profile — silent, background noise, warming up, hot this week, steady, or gone
quiet after a burst — more often an engaged one when its sales status is further along and its fit is
better, as in a real book. Times are relative to the moment the book is loaded (engagement is computed
as of now); ids are ``<practice>-ev<n>``, so loading again adds nothing.
"""

from __future__ import annotations

import contextlib
import random
from collections.abc import Sequence
from datetime import UTC, datetime

from scoring.config import ScoringConfig
from scoring.engagement import US_PER_DAY, US_PER_HOUR, to_us

from ..store import SAMPLE_SOURCE, Store
from .importer import EventRow

HISTORY_DAYS = 60  # backfilled daily snapshots, so "engagement over time" has a past

PAGES = ("/pricing", "/features/phone-reminders", "/features/online-booking", "/case-studies/riverside",
         "/blog/no-shows", "/integrations/cornerstone", "/demo", "/about")
EMAILS = ("Cut no-shows by 30%", "How Riverside Vet answers every call", "Your front desk, on autopilot",
          "Webinar recording: busy Mondays", "Pricing for multi-vet practices")
DOWNLOADS = ("Front-desk call volume guide", "ROI calculator", "Case study: 6-vet practice")
MEETINGS = ("Discovery call with the practice manager", "Demo with the owner and head tech",
            "Pricing review with the owner")
SOURCES = {"page_view": "website", "download": "website", "signup": "website", "demo_request": "website",
           "email_open": "email", "email_click": "email", "email_reply": "email", "inbound_call": "phone",
           "meeting": "calendar", "webinar_attended": "webinar platform"}

# (type, how many, age window in days) per profile; ages are drawn uniformly in the window.
PROFILES: dict[str, tuple[tuple[str, tuple[int, int], tuple[float, float]], ...]] = {
    "silent": (),
    "background": (("page_view", (1, 4), (5, 58)), ("email_open", (0, 3), (3, 58))),
    "warming": (("page_view", (3, 8), (0, 10)), ("email_open", (2, 4), (0, 12)), ("email_click", (1, 3), (0, 6)),
                ("download", (0, 1), (0, 5)), ("email_reply", (0, 1), (0, 4))),
    "hot": (("page_view", (3, 8), (0, 4)), ("email_click", (1, 3), (0, 3)), ("download", (1, 1), (0, 3)),
            ("demo_request", (1, 1), (0, 2)), ("meeting", (0, 1), (0, 1.5)), ("inbound_call", (0, 1), (0, 2)),
            ("signup", (0, 1), (0, 3))),
    "steady": (("page_view", (4, 10), (0, 40)), ("email_open", (3, 6), (0, 40)), ("email_reply", (1, 2), (0, 6)),
               ("email_click", (1, 2), (0, 14))),
    "cooling": (("page_view", (3, 8), (3, 7)), ("email_open", (2, 4), (3, 7)), ("email_click", (1, 3), (3, 6.5)),
                ("download", (0, 1), (3, 6))),
    "quiet": (("page_view", (4, 8), (9, 30)), ("demo_request", (0, 1), (10, 25)), ("meeting", (0, 1), (12, 28)),
              ("email_click", (1, 3), (9, 30)), ("inbound_call", (0, 1), (10, 20))),
}
# Profile weights by sales status: later stages are more engaged; lost deals went quiet.
# Columns: silent, background, warming, hot, steady, cooling, quiet.
WEIGHTS = {
    "New": (34, 30, 16, 3, 4, 8, 5),
    "Contacted": (14, 24, 22, 8, 8, 14, 10),
    "Qualified": (6, 16, 24, 16, 12, 14, 12),
    "Proposal Sent": (4, 10, 22, 26, 14, 12, 12),
    "Won": (8, 14, 14, 8, 36, 10, 10),
    "Lost": (28, 28, 5, 2, 3, 8, 26),
}
FIT_BOOST = {"Hot": "hot", "Warm": "warming"}  # better fit: one more draw towards engagement


def _detail(kind: str, rng: random.Random) -> str | None:
    if kind == "page_view":
        return f"Viewed {rng.choice(PAGES)}"
    if kind in ("email_open", "email_click", "email_reply"):
        verb = {"email_open": "Opened", "email_click": "Clicked a link in", "email_reply": "Replied to"}[kind]
        return f"{verb} “{rng.choice(EMAILS)}”"
    if kind == "download":
        return f"Downloaded: {rng.choice(DOWNLOADS)}"
    if kind == "meeting":
        return rng.choice(MEETINGS)
    if kind == "demo_request":
        return "Requested a demo on the website"
    if kind == "inbound_call":
        return "Called the sales line"
    if kind == "signup":
        return "Signed up for the newsletter"
    return "Attended the “busy Mondays” webinar"


def demo_events(
    practices: Sequence[tuple[str, str | None, str | None]], now_us: int, seed: int
) -> list[EventRow]:
    """Events for (practice id, sales status, fit tier) triples, ending at ``now_us``; the same for a seed
    and the same moment."""
    rows: list[EventRow] = []
    names = list(PROFILES)
    for index, (pid, status, tier) in enumerate(practices):
        rng = random.Random(f"{seed}:{index}:{pid}")
        profile = rng.choices(names, weights=WEIGHTS.get(status or "New", WEIGHTS["New"]))[0]
        if tier in FIT_BOOST and profile in ("silent", "background") and rng.random() < 0.35:
            profile = FIT_BOOST[tier]
        plan = list(PROFILES[profile])
        if rng.random() < 0.03:  # a type nobody configured yet: kept and reported, counted nowhere
            plan.append(("webinar_attended", (1, 1), (0, 20)))
        n = 0
        for kind, (low, high), (young, old) in plan:
            for _ in range(rng.randint(low, high)):
                age_us = int(rng.uniform(young, old) * US_PER_DAY) + rng.randint(0, US_PER_HOUR)
                n += 1
                rows.append((f"{pid}-ev{n:03d}", pid, kind, now_us - age_us, SOURCES[kind], _detail(kind, rng)))
    return rows


def load_demo_history(store: Store, *, seed: int, config: ScoringConfig | None = None) -> int:
    """Give the stored sample book its activity history, daily snapshots for the last ``HISTORY_DAYS``
    days and today, and run the automation rules once; returns the events added."""
    from ..scoring_runs import active_config
    from .automation import AutomationError, RuleSet, run_automation
    from .snapshots import backfill_snapshots, take_snapshot

    cfg = config or active_config(store)
    leads = store.leads_frame()
    now = datetime.now(UTC).replace(second=0, microsecond=0)
    sample = leads[leads["source"] == SAMPLE_SOURCE]
    practices = list(zip(sample["practice_id"], sample["status"], sample["priority_tier"], strict=True))
    events = demo_events(practices, to_us(now), seed)
    added = store.add_events(events, {"source": SAMPLE_SOURCE, "name": "sample book history", "rows": len(events)})
    backfill_snapshots(store, cfg, HISTORY_DAYS, today=now.date())
    take_snapshot(store, cfg, now)
    # A broken rules file is reported where rules run for real (sync, `leadscore snapshot`).
    with contextlib.suppress(AutomationError):
        run_automation(store, cfg, RuleSet.load(), as_of=now)
    return added
