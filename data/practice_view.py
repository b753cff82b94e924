"""One practice as the Practice page shows and exports it: inputs as a person writes them, the outcome
of a Rescore as one sentence, and the practice's own export (pure: dicts and frames in, text out)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from typing import Any

import orjson
import pandas as pd

# Input fields (SPEC §1) by the names people use for them (SPEC §11's Notion properties).
GOOGLE_MAPS_LABELS = {
    "name": "Name",
    "address": "Address",
    "phone": "Phone",
    "website": "Website",
    "rating": "Rating",
    "reviews_count": "Reviews",
    "place_id": "Place ID",
    "has_multiple_locations": "Multiple locations",
}
ENRICHMENT_LABELS = {
    "vet_count": "Vet count",
    "vet_count_confidence": "Vet count confidence",
    "phone_numbers": "Phone numbers",
    "email_addresses": "Emails",
    "emr_system": "EMR system",
    "has_online_booking": "Online booking",
    "has_telemedicine": "Telemedicine",
    "technologies": "Technologies",
    "decision_maker": "Decision maker",
    "extraction_timestamp": "Extracted at",
    "extraction_method": "Extraction method",
}
DECISION_MAKER_LABELS = {
    "name": "Decision maker",
    "title": "Decision maker title",
    "linkedin": "Decision maker LinkedIn",
}
MISSING = "—"


def readable(value: Any) -> str:
    """A stored input value as a person would write it: lists joined with "; ", Yes/No, whole numbers
    without ".0", nested objects as "key: value" pairs, missing as "—" (never None, True, ['…'])."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return MISSING
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, float):
        return str(int(value)) if value.is_integer() else f"{value:g}"
    if isinstance(value, Mapping):
        parts = [f"{_label(str(k))}: {readable(v)}" for k, v in value.items() if v not in (None, "", [], {})]
        return ", ".join(parts) or MISSING
    if isinstance(value, list | tuple):
        items = [readable(v) for v in value if v not in (None, "")]
        return "; ".join(items) or MISSING
    text = str(value).strip()
    return text or MISSING


def when(timestamp: Any) -> str:
    """An ISO 8601 instant as people read it: "2026-11-29 22:56 UTC" ("—" when missing or unreadable)."""
    moment = pd.to_datetime(timestamp, utc=True, errors="coerce", format="ISO8601")
    return MISSING if pd.isna(moment) else moment.strftime("%Y-%m-%d %H:%M UTC")


def _label(key: str) -> str:
    return key.replace("_", " ").strip().capitalize()


def input_rows(section: Any, labels: Mapping[str, str]) -> list[dict[str, str]]:
    """One row per input field, {"input": label, "value": text}: known fields in SPEC order first,
    any other field after; the decision maker spelled out as name, title and LinkedIn."""
    if not isinstance(section, Mapping):
        return []
    rows: list[dict[str, str]] = []
    keys = [k for k in labels if k in section] + [k for k in section if k not in labels]
    for key in keys:
        value = section[key]
        if key == "decision_maker":
            person = value if isinstance(value, Mapping) else {"name": value}
            for part, label in DECISION_MAKER_LABELS.items():
                rows.append({"input": label, "value": readable(person.get(part))})
            continue
        rows.append({"input": labels.get(key, _label(str(key))), "value": readable(value)})
    return rows


def rescore_sentence(*, before: Mapping[str, Any] | None, after: Mapping[str, Any] | None, removed: bool,
                     notes: Sequence[str] = (), write_failures: Sequence[str] = (),
                     notion: bool = False) -> tuple[bool, str]:
    """The outcome of a Rescore press as (succeeded, one sentence): the new score and tier, how it
    compares with the score before, and what happened to the Notion write."""
    if removed:
        return False, "Not rescored: this practice is no longer in Notion (trashed or deleted)."
    if after is None:
        why = " ".join(notes).strip().rstrip(".")
        return False, f"Not rescored{': ' + why if why else ''}."
    if after["scoring_status"] == "Failed":
        return False, f"Rescore failed ({after['error_type']}): {after['error_message']}".rstrip(".") + "."
    score, tier = after["lead_score"], after["priority_tier"]
    scored_before = before is not None and before.get("scoring_status") == "Scored"
    old, old_tier = (before["lead_score"], before["priority_tier"]) if scored_before and before else (None, None)
    if old is None:
        change = ""
    elif old == score:
        change = ", unchanged" if old_tier == tier else f", was {old_tier}"
    else:
        change = f", {'up' if score > old else 'down'} from {old}" + (f" ({old_tier})" if old_tier != tier else "")
    if write_failures:
        delivery = "; the Notion write failed and is queued to retry (" + "; ".join(write_failures) + ")"
    elif notion:
        delivery = "; Notion is up to date"
    else:
        delivery = ""
    return True, f"Rescored: lead score {score} ({tier}){change}{delivery}."


def practice_export(practice: Mapping[str, Any], score: Mapping[str, Any] | None, record: Any) -> dict[str, Any]:
    """Everything about one practice in one document: who it is, its current score and breakdown, and
    the inputs it was scored from (the stored record, as read from the source)."""
    breakdown = orjson.loads(score["score_breakdown"]) if score and score.get("score_breakdown") else None
    return {
        "practice_id": practice["practice_id"],
        "name": practice.get("name"),
        "address": practice.get("address"),
        "source": practice.get("source"),
        "notion_url": practice.get("url"),
        "lead_score": (score or {}).get("lead_score"),
        "priority_tier": (score or {}).get("priority_tier"),
        "scoring_status": (score or {}).get("scoring_status"),
        "confidence_flags": orjson.loads(score["confidence_flags"]) if score and score.get("confidence_flags") else [],
        "config_version": (score or {}).get("config_version"),
        "scored_at": (score or {}).get("scoring_timestamp"),
        "score_breakdown": breakdown,
        "inputs": record,
    }


def practice_export_frame(doc: Mapping[str, Any]) -> pd.DataFrame:
    """The export document as rows of (section, field, value) for CSV/XLSX: the score, each component
    with its detail, and every input field as a person writes it."""
    rows: list[tuple[str, str, str]] = []
    for key in ("practice_id", "name", "address", "source", "notion_url", "lead_score", "priority_tier",
                "scoring_status", "config_version", "scored_at"):
        rows.append(("practice", key, readable(doc.get(key))))
    rows.append(("practice", "confidence_flags", readable(doc.get("confidence_flags"))))
    breakdown = doc.get("score_breakdown") or {}
    for name, part in (breakdown.get("components") or {}).items():
        rows.append(("breakdown", name, f"{part.get('score')} of {part.get('max')} — {part.get('detail')}"))
    for key in ("original_score", "confidence", "confidence_penalty", "total_score", "error", "detail"):
        if key in breakdown:
            rows.append(("breakdown", key, readable(breakdown[key])))
    for warning in breakdown.get("warnings") or []:
        rows.append(("breakdown", "warning", str(warning)))
    inputs = doc.get("inputs") if isinstance(doc.get("inputs"), Mapping) else {}
    for key in ("enrichment_status", "enrichment_confidence"):
        rows.append(("inputs", key, readable(inputs.get(key))))
    for row in input_rows(inputs.get("google_maps_data"), GOOGLE_MAPS_LABELS):
        rows.append(("google_maps_data", row["input"], row["value"]))
    for row in input_rows(inputs.get("enrichment_data"), ENRICHMENT_LABELS):
        rows.append(("enrichment_data", row["input"], row["value"]))
    return pd.DataFrame(rows, columns=["section", "field", "value"])
