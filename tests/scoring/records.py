"""Hand-written practice records for tests (the seed's flows, with SPEC's numbers)."""

from __future__ import annotations

import copy
from typing import Any

_FULL: dict[str, Any] = {
    "practice_id": "page-1",
    "google_maps_data": {
        "name": "Riverside Animal Hospital",
        "address": "12 Main St, Austin, TX",
        "phone": "(512) 555-0100",
        "website": "https://riverside.example.com",
        "rating": 4.5,
        "reviews_count": 45,
        "place_id": "ChIJ123",
        "has_multiple_locations": False,
    },
    "enrichment_data": {
        "vet_count": 5,
        "vet_count_confidence": "high",
        "phone_numbers": ["(512) 555-0100", "(512) 555-0101", "(512) 555-0102"],
        "email_addresses": ["front@riverside.example.com"],
        "emr_system": "Cornerstone",
        "has_online_booking": True,
        "has_telemedicine": True,
        "technologies": ["Two-way texting"],
        "decision_maker": {"name": "Dr. Ana Ruiz", "title": "Owner", "linkedin": None},
        "extraction_timestamp": "2025-11-04T10:00:00Z",
        "extraction_method": "hybrid",
    },
    "enrichment_status": "Completed",
    "enrichment_confidence": "high",
    "triggered_by": "auto",
}


def full_record(practice_id: str = "page-1", **changes: Any) -> dict[str, Any]:
    """Flow A: 30 + 30 + 30 + (4 reviews + 4 rating + 4 website = 12) + 10 = 112, Hot."""
    record = copy.deepcopy(_FULL)
    record["practice_id"] = practice_id
    for dotted, value in changes.items():
        target = record
        *parents, leaf = dotted.split("__")
        for key in parents:
            target = target[key]
        if value is _DELETE:
            target.pop(leaf, None)
        else:
            target[leaf] = value
    return record


_DELETE = object()
DELETE = _DELETE
