"""Notion property values ↔ plain values: reading pages into records, writing score properties.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from scoring.breakdown import MAX_BREAKDOWN_CHARS
from scoring.fields import nest, split_flat_list

from .mapping import DEFAULT_SALES, ENRICHED_STATUSES, LIST_FIELDS, SCORE_TYPES, PropertyMapping


def plain_value(prop: Mapping[str, Any] | None) -> Any:
    """A Notion property value as plain Python: text, number, bool, list of names, ISO date."""
    if not prop:
        return None
    kind = prop.get("type")
    value = prop.get(kind) if kind else None
    if kind in ("title", "rich_text"):
        text = "".join(
            part.get("plain_text") or part.get("text", {}).get("content", "") for part in value or []
        )
        return text if text.strip() else None
    if kind in ("number", "checkbox", "url", "email", "phone_number", "created_time", "last_edited_time"):
        return value
    if kind in ("select", "status"):
        return value.get("name") if value else None
    if kind == "multi_select":
        return [o.get("name") for o in value or []]
    if kind == "date":
        return value.get("start") if value else None
    if kind == "people":
        return ", ".join(p.get("name") or p.get("id", "") for p in value or []) or None
    if kind == "formula" and value:
        return value.get(value.get("type"))
    if kind == "unique_id" and value:
        return f"{value.get('prefix') or ''}{value.get('number')}"
    return None


def _as_list(value: Any) -> Any:
    """Text holding a list: items on separate lines or separated by ';' (as in flat files)."""
    if isinstance(value, str):
        return split_flat_list(value.replace("\r", "\n").replace("\n", ";"))
    return value


@dataclass
class PracticePage:
    """One page, read: the scoring record, the sales fields and the score properties it holds now."""

    practice_id: str
    record: dict[str, Any]
    name: str | None
    url: str | None
    edited: str | None
    in_trash: bool
    sales: dict[str, Any]
    scores: dict[str, Any]

    def store_row(self) -> dict[str, Any]:
        return {
            "practice_id": self.practice_id,
            "source": "notion",
            "name": self.name,
            "address": self.record["google_maps_data"].get("address"),
            "url": self.url,
            "record": self.record,
            "enrichment_status": self.record.get("enrichment_status"),
            "source_edited_time": self.edited,
            "in_trash": self.in_trash,
            "notion_scores": self.scores,
            **{k: self.sales.get(k) for k in DEFAULT_SALES},
            "tags": self.sales.get("tags") or [],
        }


def read_page(page: Mapping[str, Any], mapping: PropertyMapping) -> PracticePage:
    """Turn a page into the ScoringInput-shaped record of SPEC §1 (values are validated later)."""
    props = page.get("properties") or {}
    values = {f: plain_value(props.get(name)) for f, name in mapping.fields.items()}
    for f in LIST_FIELDS:
        values[f] = _as_list(values[f])
    status = values.get("enrichment_status")
    # SPEC §11: a page has enrichment data exactly when its status is Completed or Partial.
    enriched = isinstance(status, str) and status.strip().casefold() in ENRICHED_STATUSES
    record = nest({**values, "practice_id": page["id"]}, with_enrichment=enriched)
    sales = {f: plain_value(props.get(name)) for f, name in mapping.sales.items()}
    scores = {f: plain_value(props.get(name)) for f, name in mapping.scores.items()}
    return PracticePage(
        practice_id=page["id"],
        record=record,
        name=values.get("name"),
        url=page.get("url"),
        edited=page.get("last_edited_time"),
        in_trash=bool(page.get("in_trash") or page.get("archived")),
        sales=sales,
        scores=scores,
    )


def schema_report(schema: Mapping[str, Any], mapping: PropertyMapping) -> dict[str, list[str]]:
    """What the mapping finds and lacks in a data source schema."""
    props = schema.get("properties") or {}
    report: dict[str, list[str]] = {"found": [], "missing": [], "missing_scores": [], "wrong_type": []}
    for section in (mapping.fields, mapping.sales):
        for f, name in section.items():
            if name in props:
                report["found"].append(f"{f} → {name!r} ({props[name].get('type')})")
            else:
                report["missing"].append(f"{f} → {name!r}")
    for f, name in mapping.scores.items():
        if name not in props:
            report["missing_scores"].append(name)
        elif props[name].get("type") != SCORE_TYPES[f]:
            report["wrong_type"].append(f"{name!r} is {props[name].get('type')}, expected {SCORE_TYPES[f]}")
    return report


# ---- writing scores -------------------------------------------------------------------------------


def score_values(output: Mapping[str, Any]) -> dict[str, Any]:
    """The five score fields of SPEC §10 as plain values (comparable with what a page holds)."""
    return {
        "lead_score": output["lead_score"],
        "priority_tier": output["priority_tier"],
        "score_breakdown": output["score_breakdown"],
        "confidence_flags": list(output["confidence_flags"]),
        "scoring_status": output["scoring_status"],
    }


def changed_values(new: Mapping[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only the score fields whose value differs from what the page already holds."""
    current = current or {}
    return {k: v for k, v in new.items() if _normal(current.get(k)) != _normal(v)}


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == []:
        return None
    return value


def score_properties(values: Mapping[str, Any], mapping: PropertyMapping) -> dict[str, Any]:
    """Notion property payloads for score fields (only the ones given)."""
    out: dict[str, Any] = {}
    for f, value in values.items():
        name = mapping.scores[f]
        kind = SCORE_TYPES[f]
        if kind == "number":
            out[name] = {"number": value}
        elif kind == "select":
            out[name] = {"select": {"name": value} if value else None}
        elif kind == "multi_select":
            out[name] = {"multi_select": [{"name": v} for v in value or []]}
        else:
            out[name] = {"rich_text": [{"type": "text", "text": {"content": part}} for part in text_pieces(value)]}
    return out


def text_pieces(text: str | None, limit: int = MAX_BREAKDOWN_CHARS) -> list[str]:
    """Rich-text objects hold at most 2,000 UTF-16 units each (Notion counts like JavaScript)."""
    pieces: list[str] = []
    current, units = [], 0
    for ch in text or "":
        size = 2 if ord(ch) > 0xFFFF else 1
        if units + size > limit:
            pieces.append("".join(current))
            current, units = [], 0
        current.append(ch)
        units += size
    if current:
        pieces.append("".join(current))
    return pieces

