"""Which Notion property holds which field (SPEC §11), the written score properties and their types.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from ..events.mapping import ActivityMapping, parse_activities
from .settings import NotionError

MAPPING_ENV = "LEADSCORE_NOTION_MAPPING"
DEFAULT_MAPPING_FILE = Path("notion-mapping.toml")

# Record field (SPEC §1 flat column) → default property name (SPEC §11).
DEFAULT_FIELDS: dict[str, str] = {
    "name": "Name",
    "address": "Address",
    "phone": "Phone",
    "website": "Website",
    "rating": "Rating",
    "reviews_count": "Reviews",
    "place_id": "Place ID",
    "has_multiple_locations": "Multiple Locations",
    "enrichment_status": "Enrichment Status",
    "enrichment_confidence": "Enrichment Confidence",
    "vet_count": "Vet Count",
    "vet_count_confidence": "Vet Count Confidence",
    "phone_numbers": "Phone Numbers",
    "email_addresses": "Emails",
    "emr_system": "EMR System",
    "has_online_booking": "Online Booking",
    "has_telemedicine": "Telemedicine",
    "technologies": "Technologies",
    "decision_maker_name": "Decision Maker",
    "decision_maker_title": "Decision Maker Title",
    "decision_maker_linkedin": "Decision Maker LinkedIn",
}
DEFAULT_SALES: dict[str, str] = {
    "initial_score": "Initial Score",
    "status": "Status",
    "assigned_to": "Assigned To",
    "call_notes": "Call Notes",
    "last_contact": "Last Contact",
    "tags": "Tags",
}
DEFAULT_SCORES: dict[str, str] = {
    "lead_score": "Lead Score",
    "priority_tier": "Priority Tier",
    "score_breakdown": "Score Breakdown",
    "confidence_flags": "Confidence Flags",
    "scoring_status": "Scoring Status",
}
SCORE_TYPES = {
    "lead_score": "number",
    "priority_tier": "select",
    "score_breakdown": "rich_text",
    "confidence_flags": "multi_select",
    "scoring_status": "select",
}
# The types each score property may have: the team may have made the tier and status properties
# `status` ones (issue 7 §2); `notion setup` creates the first type listed.
SCORE_WRITABLE_TYPES: dict[str, tuple[str, ...]] = {
    "lead_score": ("number",),
    "priority_tier": ("select", "status"),
    "score_breakdown": ("rich_text",),
    "confidence_flags": ("multi_select",),
    "scoring_status": ("select", "status"),
}
SCORE_OPTIONS = {
    "priority_tier": [("Hot", "red"), ("Warm", "orange"), ("Cold", "blue"), ("Pending Enrichment", "gray")],
    "confidence_flags": [
        ("Low Confidence Vet Count", "yellow"),
        ("Medium Confidence Data", "yellow"),
        ("Partial Enrichment", "orange"),
        ("Missing Decision Maker", "purple"),
        ("Limited Technology Data", "brown"),
        ("Data Validation Error", "red"),
    ],
    "scoring_status": [("Not Scored", "gray"), ("Scored", "green"), ("Failed", "red")],
}
LIST_FIELDS = {"phone_numbers", "email_addresses", "technologies"}
ENRICHED_STATUSES = {"completed", "partial"}


@dataclass(frozen=True)
class PropertyMapping:
    """Which Notion property holds which field. Every name is configurable (DESIGN: real FEAT-002
    databases say "Vet Count (Total)" or "Decision Maker Name")."""

    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    sales: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SALES))
    scores: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SCORES))
    source: str = "built-in defaults"
    activities: ActivityMapping | None = None  # issue 11: an optional activities data source

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None) -> PropertyMapping:
        env = os.environ if env is None else env
        chosen = Path(path) if path else Path(env[MAPPING_ENV]) if env.get(MAPPING_ENV) else None
        if chosen is None:
            if not DEFAULT_MAPPING_FILE.exists():
                return cls()
            chosen = DEFAULT_MAPPING_FILE
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotionError(f"{chosen}: property mapping file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise NotionError(f"{chosen}: not valid TOML ({exc})") from None
        problems = []
        sections = {"fields": DEFAULT_FIELDS, "sales": DEFAULT_SALES, "scores": DEFAULT_SCORES}
        merged: dict[str, dict[str, str]] = {}
        for section, defaults in sections.items():
            given = data.get(section, {})
            if not isinstance(given, dict):
                problems.append(f"[{section}] must be a table")
                continue
            for key, value in given.items():
                if key not in defaults:
                    problems.append(f"[{section}] {key} is not a known field (known: {', '.join(defaults)})")
                elif not isinstance(value, str) or not value.strip():
                    problems.append(f"[{section}] {key} must be a property name")
            merged[section] = {
                **defaults,
                **{
                    k: v.strip()
                    for k, v in given.items()
                    if k in defaults and isinstance(v, str) and v.strip()
                },
            }
        activities, activity_problems = parse_activities(data.get("activities"))  # issue 11
        problems += activity_problems
        for section in set(data) - set(sections) - {"activities"}:
            problems.append(f"[{section}] is not a known section (use fields, sales, scores, activities)")
        if problems:
            raise NotionError(f"{chosen}: " + "; ".join(problems))
        return cls(merged["fields"], merged["sales"], merged["scores"], source=str(chosen), activities=activities)

