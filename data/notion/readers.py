"""Reading Notion property values: one reader per Notion type, one coercion per kind of record field.

Real databases hold an input in whatever type suited their builder (issue 7 §2): a vet count in a
``number``, a ``formula`` or a ``rollup``; a yes/no in a ``checkbox`` or a ``select``; a list in a
``multi_select`` or a ``rich_text``. Every type that can carry a value is read; what cannot be read
(a ``relation`` holds only page ids, a rollup Notion has not finished computing, users the
integration may not see) is reported as a :class:`Reading` problem — never a silent blank.

Shapes follow Notion's page property values (API 2025-09-03, notion-sdk-js ``PageObjectResponse``):
``rollup`` is ``{"type": "number"|"date"|"array"|"incomplete"|"unsupported", <type>: …, "function": …}``
with array items being property values of any type; ``formula`` is ``{"type": "string"|"number"|
"boolean"|"date", <type>: …}``; a user the integration cannot read is a partial user ``{"object": "user",
"id": …}`` with no name.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from scoring.fields import split_flat_list

from ..dates import DateError, date_order, iso_date

UNKNOWN_USER = "unknown user"

# The kind of value each record field needs (SPEC §1, §11; sales fields and the score properties read back).
FIELD_KINDS: dict[str, str] = {
    "name": "text",
    "address": "text",
    "phone": "text",
    "website": "text",
    "rating": "number",
    "reviews_count": "number",
    "place_id": "text",
    "has_multiple_locations": "bool",
    "enrichment_status": "text",
    "enrichment_confidence": "text",
    "vet_count": "number",
    "vet_count_confidence": "text",
    "phone_numbers": "list",
    "email_addresses": "list",
    "emr_system": "text",
    "has_online_booking": "bool",
    "has_telemedicine": "bool",
    "technologies": "list",
    "decision_maker_name": "person_name",
    "decision_maker_title": "text",
    "decision_maker_linkedin": "text",
    # sales fields: shown, never scored
    "initial_score": "number",
    "status": "text",
    "assigned_to": "text",
    "call_notes": "text",
    "last_contact": "date",
    "tags": "list",
    # the score properties as a page holds them (compared before writing)
    "lead_score": "number",
    "priority_tier": "text",
    "score_breakdown": "text",
    "confidence_flags": "list",
    "scoring_status": "text",
}

# Which Notion property types can carry each kind of value. Anything else (relation, files, button, …)
# cannot be read for that field; formula and rollup are read when their result has a usable type.
READABLE_TYPES: dict[str, frozenset[str]] = {
    "number": frozenset({"number", "formula", "rollup", "rich_text", "title", "select", "status"}),
    "bool": frozenset({"checkbox", "formula", "rollup", "select", "status", "rich_text", "title", "number"}),
    "list": frozenset(
        {"multi_select", "rich_text", "title", "select", "status", "people", "rollup", "formula", "phone_number",
         "email", "url", "number"}
    ),
    "date": frozenset({"date", "formula", "rollup", "rich_text", "title", "created_time", "last_edited_time"}),
    "text": frozenset(
        {"title", "rich_text", "url", "email", "phone_number", "select", "status", "multi_select", "number",
         "formula", "rollup", "people", "unique_id", "created_by", "last_edited_by", "checkbox", "date",
         "created_time", "last_edited_time"}
    ),
}
READABLE_TYPES["person_name"] = READABLE_TYPES["text"]

RELATION_ADVICE = (
    "a relation holds only the ids of the linked pages; add a rollup of the linked pages' property "
    "(Calculate: Show original) and map the field to that rollup instead"
)


class Unreadable(Exception):
    """A property value leadscore cannot read; the message says why and what to do."""


@dataclass(frozen=True)
class Person:
    """A user in a people property; ``name`` is None when the integration cannot read users."""

    name: str | None

    def __str__(self) -> str:
        return self.name or UNKNOWN_USER


@dataclass(frozen=True)
class Reading:
    """A field's value read from a property: ``value`` (None when empty or unreadable) and ``problem``
    (why it could not be read, None when it could — an empty property is not a problem)."""

    value: Any
    problem: str | None = None


# ---- one reader per Notion type ------------------------------------------------------------------


def _rich(items: Iterable[Mapping[str, Any]] | None) -> str | None:
    text = "".join(part.get("plain_text") or part.get("text", {}).get("content", "") for part in items or [])
    return text if text.strip() else None


def _user(user: Mapping[str, Any] | None) -> Person:
    # A partial user ({"object": "user", "id": …}) is what Notion sends when the integration lacks the
    # "Read user information" capability: the id is no name and is never shown as one.
    return Person((user or {}).get("name") or None)


def _formula(value: Mapping[str, Any] | None) -> Any:
    if not value:
        return None
    kind = value.get("type")
    if kind in ("string", "number", "boolean"):
        result = value.get(kind)
        return (result if result != "" else None) if kind == "string" else result
    if kind == "date":
        return (value.get("date") or {}).get("start")
    raise Unreadable(f"a formula whose result Notion's API does not return ({kind or 'unknown type'})")


def _rollup(value: Mapping[str, Any] | None) -> Any:
    if not value:
        return None
    kind = value.get("type")
    if kind == "number":
        return value.get("number")
    if kind == "date":
        return (value.get("date") or {}).get("start")
    if kind == "array":
        items: list[Any] = []
        for item in value.get("array") or []:
            read = plain(item)
            if isinstance(read, list):
                items.extend(read)
            elif read is not None:
                items.append(read)
        return items
    if kind == "incomplete":
        raise Unreadable("Notion had not finished computing this rollup (incomplete); it is read again next sync")
    function = value.get("function")
    raise Unreadable(
        f"Notion's API does not return this rollup's value ({kind or 'unknown'}"
        + (f", function {function}" if function else "")
        + "); use Show original, Sum, Min, Max or a date function instead"
    )


def _unreadable(message: str) -> Callable[[Any], Any]:
    def read(_value: Any) -> Any:
        raise Unreadable(message)

    return read


TYPE_READERS: dict[str, Callable[[Any], Any]] = {
    "title": _rich,
    "rich_text": _rich,
    "number": lambda v: v,
    "checkbox": lambda v: v,
    "url": lambda v: v or None,
    "email": lambda v: v or None,
    "phone_number": lambda v: v or None,
    "select": lambda v: (v or {}).get("name"),
    "status": lambda v: (v or {}).get("name"),
    "multi_select": lambda v: [o.get("name") for o in v or [] if o.get("name")],
    "date": lambda v: (v or {}).get("start"),
    "people": lambda v: [_user(u) for u in v or []],
    "created_by": lambda v: [_user(v)],
    "last_edited_by": lambda v: [_user(v)],
    "created_time": lambda v: v,
    "last_edited_time": lambda v: v,
    "formula": _formula,
    "rollup": _rollup,
    "unique_id": lambda v: f"{(v or {}).get('prefix') or ''}{(v or {}).get('number')}" if v else None,
    "relation": _unreadable(RELATION_ADVICE),
    "files": _unreadable("a files property holds attachments, not a value leadscore can read"),
}


def plain(prop: Mapping[str, Any] | None) -> Any:
    """A property value as plain Python (text, number, bool, ISO date text, list, :class:`Person`).

    Raises:
        Unreadable: the type holds nothing leadscore can read (relation, files, an incomplete rollup…).
    """
    if not prop:
        return None
    kind = prop.get("type")
    reader = TYPE_READERS.get(kind or "")
    if reader is None:
        raise Unreadable(f"a {kind or 'typeless'} property holds no value leadscore can read")
    return reader(prop.get(kind))


# ---- one coercion per kind of field --------------------------------------------------------------


def _number_text(value: float | int) -> str:
    # A number shown as text is the text it displays: 5552010001, never 5552010001.0 (SPEC §1).
    return str(int(value)) if isinstance(value, float) and value.is_integer() else str(value)


def _as_text(value: Any) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float):
        return _number_text(value)
    if isinstance(value, list):
        parts = [t for t in (_as_text(v) for v in value) if t]
        return ", ".join(parts) or None
    return str(value)


def _single(value: list[Any], what: str) -> Any:
    values = [v for v in value if v is not None and v != ""]
    if not values:
        return None
    if len(values) == 1:
        return values[0]
    raise Unreadable(
        f"holds {len(values)} values where one {what} is needed; use a rollup that calculates one "
        "(Sum, Max, …) or a formula instead of Show original"
    )


def _to_number(value: Any) -> Any:
    if isinstance(value, list):
        value = _single(value, "number")
    if isinstance(value, Person):
        raise Unreadable("a person is not a number")
    return value  # text such as "6" is validated (leniently) by scoring, like any other source


def _to_bool(value: Any) -> Any:
    if isinstance(value, list):
        value = _single(value, "yes/no")
    if isinstance(value, Person):
        raise Unreadable("a person is not a yes/no")
    return value  # "Yes"/"No" from a select is validated (leniently) by scoring


def _to_list(value: Any) -> Any:
    if value is None:
        return None
    items = value if isinstance(value, list) else [value]
    out: list[str] = []
    for item in items:
        if isinstance(item, str):
            # Text holding a list: items on separate lines or separated by ';' (as in flat files).
            out.extend(split_flat_list(item.replace("\r", "\n").replace("\n", ";")))
        elif item is not None:
            text = _as_text(item)
            if text:
                out.append(text)
    return out


def _to_date(value: Any) -> Any:
    if isinstance(value, list):
        dates = [_to_date(v) for v in value if v is not None]
        return max(dates) if dates else None  # several dates (a Show original rollup): the latest
    if value is None:
        return None
    if isinstance(value, bool | int | float | Person):
        raise Unreadable(f"{_as_text(value)!r} is not a date")
    try:
        return iso_date(value, day_first=date_order() == "day-first")
    except DateError as exc:
        raise Unreadable(str(exc)) from None


def _to_person_name(value: Any) -> Any:
    people = value if isinstance(value, list) else [value]
    if any(isinstance(p, Person) for p in people):
        names = [p.name for p in people if isinstance(p, Person) and p.name]
        if not names and people:
            raise Unreadable(
                "the integration cannot read user names (Notion sent users without a name); give it the "
                "'Read user information' capability, or use a text property"
            )
        return ", ".join(names) or None
    return _as_text(value)


KIND_COERCIONS: dict[str, Callable[[Any], Any]] = {
    "text": _as_text,
    "number": _to_number,
    "bool": _to_bool,
    "list": _to_list,
    "date": _to_date,
    "person_name": _to_person_name,
}


def read_field(prop: Mapping[str, Any] | None, field: str) -> Reading:
    """The value of record field ``field`` (a key of :data:`FIELD_KINDS`) from a page's property value.

    An absent or empty property reads as ``Reading(None)``; one that cannot be read as
    ``Reading(None, problem)``."""
    kind = FIELD_KINDS.get(field, "text")
    ptype = (prop or {}).get("type")
    if prop and ptype not in READABLE_TYPES[kind] and ptype in TYPE_READERS and ptype != "relation":
        return Reading(None, readability(field, {"type": ptype})[1])  # e.g. a checkbox mapped to a count
    try:
        value = plain(prop)
        return Reading(KIND_COERCIONS[kind](value))
    except Unreadable as exc:
        return Reading(None, str(exc))


def plain_value(prop: Mapping[str, Any] | None) -> Any:
    """A property value as plain Python for display: text, number, bool, list of names, ISO date; people
    as "Name, unknown user"; None when empty or unreadable."""
    try:
        value = plain(prop)
    except Unreadable:
        return None
    if (prop and prop.get("type") in ("people", "created_by", "last_edited_by")) or (
        isinstance(value, list) and any(isinstance(v, Person) for v in value)
    ):
        return ", ".join(str(v) for v in value or []) or None
    return value


# ---- what a data source's schema lets leadscore read ---------------------------------------------


def readability(field: str, schema_prop: Mapping[str, Any] | None) -> tuple[str, str]:
    """Whether ``field`` can be read from a property of this schema: ("yes" | "no" | "missing", note).

    The note says how it is read, or why not and what to do instead."""
    if schema_prop is None:
        return "missing", "no such property: the field is treated as missing"
    kind = FIELD_KINDS.get(field, "text")
    ptype = schema_prop.get("type") or "?"
    if ptype == "relation":
        return "no", RELATION_ADVICE
    if ptype not in READABLE_TYPES[kind]:
        what = {"number": "a number", "bool": "a yes/no", "list": "a list", "date": "a date"}.get(kind, "text")
        return "no", f"a {ptype} property cannot hold {what}; map the field to a property that does"
    config = schema_prop.get(ptype) or {}
    if ptype == "rollup":
        function = config.get("function")
        return "yes", f"the rollup's result ({function or 'function unknown'}), read on every page"
    if ptype == "formula":
        return "yes", "the formula's result, read on every page"
    if ptype in ("people", "created_by", "last_edited_by"):
        if kind == "person_name":
            return "yes", "people's names (users the integration cannot read are not counted)"
        return "yes", f"people's names ('{UNKNOWN_USER}' when the integration cannot read users)"
    if kind == "list" and ptype in ("rich_text", "title"):
        return "yes", "items separated by ';' or new lines"
    if kind == "bool" and ptype in ("select", "status", "rich_text", "title"):
        return "yes", "Yes/No (or true/false)"
    if kind == "date":
        return "yes", "a date (with or without time; the calendar date is kept)"
    return "yes", ""
