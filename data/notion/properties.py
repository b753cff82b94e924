"""Notion pages ↔ records: reading a page into the scoring record, what a schema lets leadscore read and
write, and comparing score values with what a page holds.

The per-type readers live in ``readers``, the per-type writers in ``writers``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.fields import nest

from .mapping import DEFAULT_SALES, ENRICHED_STATUSES, SCORE_WRITABLE_TYPES, PropertyMapping
from .readers import plain_value, read_field, readability
from .writers import score_properties, text_pieces, unwritable

__all__ = [
    "PracticePage",
    "changed_values",
    "field_rows",
    "plain_value",
    "read_page",
    "schema_report",
    "score_properties",
    "score_values",
    "text_pieces",
]


@dataclass
class PracticePage:
    """One page, read: the scoring record, the sales fields, the score properties it holds now, and
    the fields whose property could not be read (field → "'Property' (type): why")."""

    practice_id: str
    record: dict[str, Any]
    name: str | None
    url: str | None
    edited: str | None
    in_trash: bool
    sales: dict[str, Any]
    scores: dict[str, Any]
    unreadable: dict[str, str] = field(default_factory=dict)

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
            "problems": [f"cannot read {why}" for why in self.unreadable.values()],
            **{k: self.sales.get(k) for k in DEFAULT_SALES},
            "tags": self.sales.get("tags") or [],
        }


def _read_section(
    props: Mapping[str, Any], section: Mapping[str, str], unreadable: dict[str, str]
) -> dict[str, Any]:
    values: dict[str, Any] = {}
    for f, name in section.items():
        prop = props.get(name)
        reading = read_field(prop, f)
        values[f] = reading.value
        if reading.problem:
            unreadable[f] = f"{name!r} ({(prop or {}).get('type')}): {reading.problem}"
    return values


def read_page(page: Mapping[str, Any], mapping: PropertyMapping) -> PracticePage:
    """Turn a page into the ScoringInput-shaped record of SPEC §1 (values are validated later).

    Every Notion type that can carry a field's value is read (``readers``); a property that cannot be
    read leaves the field missing and is named in ``unreadable`` — never a silent blank."""
    props = page.get("properties") or {}
    unreadable: dict[str, str] = {}
    values = _read_section(props, mapping.fields, unreadable)
    status = values.get("enrichment_status")
    # SPEC §11: a page has enrichment data exactly when its status is Completed or Partial.
    enriched = isinstance(status, str) and status.strip().casefold() in ENRICHED_STATUSES
    record = nest({**values, "practice_id": page["id"]}, with_enrichment=enriched)
    sales = _read_section(props, mapping.sales, unreadable)
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
        unreadable=unreadable,
    )


def field_rows(schema: Mapping[str, Any], mapping: PropertyMapping) -> list[dict[str, str]]:
    """Per mapped field: ``section`` (input | sales | score), ``field``, ``property``, ``type``, ``status``
    ("yes" | "no" | "missing" for reading; for a score property "yes" | "no" | "missing" for writing)
    and a ``note`` saying how it is read or written, or why not and what to do."""
    props = schema.get("properties") or {}
    rows: list[dict[str, str]] = []
    for section, names in (("input", mapping.fields), ("sales", mapping.sales)):
        for f, name in names.items():
            prop = props.get(name)
            status, note = readability(f, prop)
            rows.append(
                {"section": section, "field": f, "property": name, "type": (prop or {}).get("type", "—"),
                 "status": status, "note": note}
            )
    for f, name in mapping.scores.items():
        prop = props.get(name)
        if prop is None:
            status, note = "missing", "run `leadscore notion setup` to add it"
        else:
            why = unwritable(f, None, mapping, schema)
            status, note = ("no", why) if why else ("yes", f"written as {prop.get('type')}")
        rows.append(
            {"section": "score", "field": f, "property": name, "type": (prop or {}).get("type", "—"),
             "status": status, "note": note or ""}
        )
    return rows


def schema_report(schema: Mapping[str, Any], mapping: PropertyMapping) -> dict[str, list[str]]:
    """What the mapping finds and lacks in a data source schema: ``found``, ``missing``,
    ``missing_scores``, ``wrong_type`` (score properties leadscore cannot write) and ``unreadable``
    (mapped fields whose property type cannot carry their value)."""
    props = schema.get("properties") or {}
    report: dict[str, list[str]] = {
        "found": [], "missing": [], "missing_scores": [], "wrong_type": [], "unreadable": []
    }
    for row in field_rows(schema, mapping):
        label = f"{row['field']} → {row['property']!r}"
        if row["section"] == "score":
            if row["status"] == "missing":
                report["missing_scores"].append(row["property"])
            elif props[row["property"]].get("type") not in SCORE_WRITABLE_TYPES[row["field"]]:
                expected = " or ".join(SCORE_WRITABLE_TYPES[row["field"]])
                report["wrong_type"].append(f"{row['property']!r} is {row['type']}, expected {expected}")
        elif row["status"] == "missing":
            report["missing"].append(label)
        else:
            report["found"].append(f"{label} ({row['type']})")
            if row["status"] == "no":
                report["unreadable"].append(f"{label} ({row['type']}): {row['note']}")
    return report


# ---- comparing score values -----------------------------------------------------------------------


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
