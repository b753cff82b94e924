"""The built-in sample book: ~500 realistic practices, so a fresh install shows a working app."""

from __future__ import annotations

import random
from datetime import date, timedelta
from typing import Any

from scoring.features import record_from_flat_row

from .events.demo import load_demo_history
from .evidence.demo_outcomes import apply_outcome_story
from .scoring_runs import RunReport, run_scoring
from .store import SAMPLE_SOURCE, Store
from .synthetic import synthetic_frame

DEMO_SIZE = 500
DEMO_SEED = 20251104
OWNERS = ("Dana Reyes", "Marcus Lee", "Priya Shah", "Tom Becker", None)
STATUSES = ("New", "New", "New", "Contacted", "Qualified", "Proposal Sent", "Won", "Lost")
TAGS = ("Follow Up", "Referral", "Conference Lead", "Multi-site", "Existing Customer", "Priority")
NOTES = (
    "Left voicemail with front desk.",
    "Practice manager asked for pricing sheet.",
    "Owner interested; call back after inventory season.",
    "Using paper reminders, open to a demo.",
    "Spoke with head tech about call volume at lunch hour.",
    "Not interested this quarter.",
)
# A few records carry the kind of bad values real enrichment produces (SPEC §7 degrades them).
DIRTY = (
    ("google_maps_data", "rating", 7.3),
    ("google_maps_data", "reviews_count", -5),
    ("enrichment_data", "vet_count", -1),
    ("enrichment_data", "vet_count", "five"),
    ("enrichment_data", "phone_numbers", "n/a"),
)


def demo_rows(n: int = DEMO_SIZE, seed: int = DEMO_SEED, today: date | None = None) -> list[dict[str, Any]]:
    """Store rows (record + sales fields) for the sample book; the same every time for a seed."""
    rng = random.Random(seed)
    today = today or date(2026, 11, 1)
    frame = synthetic_frame(n, seed=seed)
    rows = []
    for i, flat in enumerate(frame.to_dict("records")):
        record = record_from_flat_row(flat)
        record["practice_id"] = f"demo-{i + 1:04d}"
        if rng.random() < 0.03:
            section, key, value = rng.choice(DIRTY)
            if section in record:
                record[section][key] = value
        status = rng.choice(STATUSES)
        contacted = status != "New" or rng.random() < 0.2
        gm = record["google_maps_data"]
        rows.append(
            {
                "practice_id": record["practice_id"],
                "source": SAMPLE_SOURCE,
                "name": gm.get("name"),
                "address": gm.get("address"),
                "url": None,
                "record": record,
                "enrichment_status": record.get("enrichment_status"),
                "source_edited_time": None,
                # FEAT-001's quick Google Maps score: never changes, shown beside the ICP score.
                "initial_score": round(
                    min(100, (gm.get("reviews_count") or 0) / 4 + (gm.get("rating") or 0) * 10)
                    if isinstance(gm.get("rating"), float)
                    else 20,
                    0,
                ),
                "status": status,
                "assigned_to": rng.choice(OWNERS),
                "call_notes": rng.choice(NOTES) if contacted else None,
                "last_contact": (today - timedelta(days=rng.randint(0, 120))).isoformat()
                if contacted
                else None,
                "tags": rng.sample(TAGS, k=rng.choice((0, 0, 1, 1, 2))),
            }
        )
    apply_outcome_story(rows, seed)  # who of the closed practices bought: data/evidence/demo_outcomes.py
    return rows


def load_sample_book(store: Store, *, n: int = DEMO_SIZE, seed: int = DEMO_SEED) -> RunReport:
    """Fill the store with the sample book and score it (one recorded run)."""
    rows = demo_rows(n, seed)
    store.upsert_practices(rows)
    report = run_scoring(store, [r["practice_id"] for r in rows], kind="demo", trigger="manual")
    load_demo_history(store, seed=seed)  # issue 11: the book's activity history, snapshots and automation
    return report


def ensure_sample_book(store: Store, notion_configured: bool) -> RunReport | None:
    """With no Notion configured and nothing stored yet, a new user gets the sample book."""
    if notion_configured or store.practice_count(active_only=False) > 0:
        return None
    return load_sample_book(store)
