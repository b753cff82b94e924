"""Writing the score properties (SPEC §10): one payload writer per Notion type, and a plan that sends
only what can succeed.

A property of a type leadscore does not write, or a ``status`` property lacking the option to write
(Notion's API cannot create status options), would make Notion refuse the whole page update. Such a
field is left out of the request — the other score properties still land — and the plan says why, so
the write waits in the outbox with a sentence instead of being resent forever (issue 7 §2).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from scoring.breakdown import MAX_BREAKDOWN_CHARS

from .mapping import SCORE_TYPES, SCORE_WRITABLE_TYPES, PropertyMapping


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


PAYLOAD_WRITERS: dict[str, Any] = {
    "number": lambda v: {"number": v},
    "select": lambda v: {"select": {"name": v} if v else None},
    "status": lambda v: {"status": {"name": v} if v else None},
    "multi_select": lambda v: {"multi_select": [{"name": x} for x in v or []]},
    "rich_text": lambda v: {"rich_text": [{"type": "text", "text": {"content": p}} for p in text_pieces(v)]},
}


def score_properties(
    values: Mapping[str, Any], mapping: PropertyMapping, schema: Mapping[str, Any] | None = None
) -> dict[str, Any]:
    """Notion property payloads for the score fields given, in the type each property has in
    ``schema`` (a data source object) — or the type `notion setup` creates when no schema is given."""
    props = (schema or {}).get("properties") or {}
    out: dict[str, Any] = {}
    for f, value in values.items():
        name = mapping.scores[f]
        kind = (props.get(name) or {}).get("type") or SCORE_TYPES[f]
        out[name] = PAYLOAD_WRITERS[kind](value)
    return out


@dataclass
class WritePlan:
    """One page's update: the payloads to send, the score values they carry, and the fields left out
    (field → why it cannot be written as the data source is set up now)."""

    properties: dict[str, Any] = field(default_factory=dict)
    values: dict[str, Any] = field(default_factory=dict)
    blocked: dict[str, str] = field(default_factory=dict)

    def blocked_reason(self) -> str | None:
        return "; ".join(dict.fromkeys(self.blocked.values())) or None


def unwritable(f: str, value: Any, mapping: PropertyMapping, schema: Mapping[str, Any]) -> str | None:
    """Why score field ``f`` cannot be written with ``value`` to this data source, or None when it can."""
    name = mapping.scores[f]
    prop = (schema.get("properties") or {}).get(name)
    if prop is None:
        return f"the data source has no {name!r} property; run `leadscore notion setup`"
    kind = prop.get("type")
    allowed = SCORE_WRITABLE_TYPES[f]
    if kind not in allowed:
        return (
            f"{name!r} is a {kind} property; leadscore writes {' or '.join(allowed)} there — change its type in "
            f"Notion or map {f} to another property"
        )
    if missing_status_option(prop, value):
        return (
            f"{name!r} is a status property without the option {value!r} (Notion's API cannot create status "
            "options): add it to the property in Notion"
        )
    return None


def missing_status_option(prop: Mapping[str, Any], value: Any) -> bool:
    """Whether writing ``value`` to property ``prop`` (a schema entry) needs a status option it lacks —
    which Notion's API cannot create, so the whole page update would be refused."""
    if prop.get("type") != "status" or not value:
        return False
    return value not in {o.get("name") for o in (prop.get("status") or {}).get("options") or []}


def plan_write(values: Mapping[str, Any], mapping: PropertyMapping, schema: Mapping[str, Any]) -> WritePlan:
    """Split the score values a page needs into what can be sent now and what cannot (with why)."""
    plan = WritePlan()
    for f, value in values.items():
        why = unwritable(f, value, mapping, schema)
        if why:
            plan.blocked[f] = why
        else:
            plan.values[f] = value
    plan.properties = score_properties(plan.values, mapping, schema)
    return plan


def missing_status_options(
    mapping: PropertyMapping, schema: Mapping[str, Any], wanted: Mapping[str, list[str]]
) -> dict[str, list[str]]:
    """Per score property of type status: the option names leadscore writes that it lacks."""
    props = schema.get("properties") or {}
    out: dict[str, list[str]] = {}
    for f, names in wanted.items():
        prop = props.get(mapping.scores[f])
        if prop and prop.get("type") == "status":
            have = {o.get("name") for o in (prop.get("status") or {}).get("options") or []}
            lacking = [n for n in names if n not in have]
            if lacking:
                out[mapping.scores[f]] = lacking
    return out
