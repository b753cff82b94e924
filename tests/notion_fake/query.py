"""Data-source query: filters, sorts and cursor pagination, as ``POST /v1/data_sources/{id}/query`` does.

Supported filters (anything else answers 400 ``validation_error``):

* compound ``{"and": [...]}`` / ``{"or": [...]}`` (nested as deep as you like);
* timestamp ``{"timestamp": "last_edited_time" | "created_time", "<same>": {cond: iso}}`` with
  ``equals``, ``before``, ``after``, ``on_or_before``, ``on_or_after``, ``is_empty``, ``is_not_empty``
  (compared with the minute-rounded time the API shows; a date-only value means the whole UTC day);
* property filters: text types (``title``/``rich_text``/``url``/``email``/``phone_number``, or the
  ``rich_text`` key for any of them) ``equals``, ``does_not_equal``, ``contains``, ``does_not_contain``,
  ``starts_with``, ``ends_with``, ``is_empty``, ``is_not_empty``; ``number`` comparisons; ``checkbox``
  ``equals``/``does_not_equal``; ``select``/``status`` ``equals``/``does_not_equal``/emptiness;
  ``multi_select``/``people`` ``contains``/``does_not_contain``/emptiness; ``date`` like timestamps.

Sorts: ``{"timestamp": ..., "direction": ...}`` and ``{"property": name, "direction": ...}``; empty
values sort last; select/status sort by option order. Without sorts, pages come in creation order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from functools import cmp_to_key
from typing import Any

from .model import (
    NotionError,
    Page,
    Prop,
    Schema,
    body_error,
    comparable,
    day_bounds,
    js,
    parse_iso,
    sort_key_value,
    timestamp_value,
    validation_error,
)

Predicate = Callable[[Page], bool]
TIMESTAMPS = ("created_time", "last_edited_time")
FILTER_KEYS = {
    "title": "text",
    "rich_text": "text",
    "url": "text",
    "email": "text",
    "phone_number": "text",
    "number": "number",
    "checkbox": "checkbox",
    "select": "option",
    "status": "option",
    "multi_select": "list",
    "people": "list",
    "date": "date",
    "created_time": "date",
    "last_edited_time": "date",
}
TEXT_PROPS = ("title", "rich_text", "url", "email", "phone_number")


class Compiler:
    """Turns a filter object into a predicate, raising ``NotionError`` on anything unsupported."""

    def __init__(self, schema: Schema, users: Mapping[str, dict]) -> None:
        self.schema = schema
        self.users = users

    def compile(self, node: Any, path: str = "body.filter") -> Predicate:
        if not isinstance(node, dict):
            raise body_error(path, "an object", node)
        for compound in ("and", "or"):
            if compound in node:
                return self._compound(compound, node, path)
        if "timestamp" in node:
            return self._timestamp(node, path)
        if "property" in node:
            return self._property(node, path)
        raise validation_error(
            f"body failed validation. Fix one:\n{path}.or should be defined, instead was "
            f"`undefined`.\n{path}.and should be defined, instead was `undefined`.\n"
            f"{path}.property should be defined, instead was `undefined`.\n"
            f"{path}.timestamp should be defined, instead was `undefined`."
        )

    def _compound(self, kind: str, node: dict, path: str) -> Predicate:
        items = node[kind]
        if len(node) != 1:
            extra = next(k for k in node if k != kind)
            raise validation_error(f"body failed validation: {path}.{extra} should be not present.")
        if not isinstance(items, list):
            raise body_error(f"{path}.{kind}", "an array", items)
        parts = [self.compile(item, f"{path}.{kind}[{i}]") for i, item in enumerate(items)]
        if kind == "and":
            return lambda page: all(p(page) for p in parts)
        return lambda page: any(p(page) for p in parts)

    def _timestamp(self, node: dict, path: str) -> Predicate:
        which = node["timestamp"]
        if which not in TIMESTAMPS:
            raise body_error(f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', which)
        if which not in node:
            raise body_error(f"{path}.{which}", "defined", None)
        test = date_condition(node[which], f"{path}.{which}")
        return lambda page: test(timestamp_value(page, which))

    def _property(self, node: dict, path: str) -> Predicate:
        key = node["property"]
        prop = self.schema.get(key) if isinstance(key, str) else None
        if prop is None:
            raise validation_error(f"Could not find property with name or id: {key}")
        kinds = [k for k in node if k != "property" and k != "type"]
        if len(kinds) != 1 or kinds[0] not in FILTER_KEYS:
            raise validation_error(
                f"body failed validation: {path} has an unsupported condition "
                f"`{js(kinds)}` for property `{prop.name}` (type {prop.type})."
            )
        kind = kinds[0]
        if not _filter_matches_type(kind, prop.type):
            raise validation_error(
                f"Filter type `{kind}` does not match property `{prop.name}` of type `{prop.type}`."
            )
        test = CONDITIONS[FILTER_KEYS[kind]](node[kind], f"{path}.{kind}")
        return lambda page: test(self._value(prop, page))

    def _value(self, prop: Prop, page: Page) -> Any:
        return comparable(prop, page.values.get(prop.id), page, self.users)


def _filter_matches_type(kind: str, prop_type: str) -> bool:
    if kind == prop_type:
        return True
    return (kind == "rich_text" and prop_type in TEXT_PROPS) or (kind == "date" and prop_type in TIMESTAMPS)


def _single_condition(cond: Any, path: str, allowed: tuple[str, ...]) -> tuple[str, Any]:
    if not isinstance(cond, dict):
        raise body_error(path, "an object", cond)
    if len(cond) != 1:
        raise validation_error(
            f"body failed validation: {path} should have exactly one condition, instead was `{js(cond)}`."
        )
    op, value = next(iter(cond.items()))
    if op not in allowed:
        raise validation_error(
            f"body failed validation: {path}.{op} is not a supported condition (one of {', '.join(allowed)})."
        )
    if op in ("is_empty", "is_not_empty") and value is not True:
        raise body_error(f"{path}.{op}", "`true`", value)
    return op, value


def _emptiness(op: str) -> Callable[[Any], bool] | None:
    if op == "is_empty":
        return lambda v: v is None or v == []
    if op == "is_not_empty":
        return lambda v: not (v is None or v == [])
    return None


def date_condition(cond: Any, path: str) -> Callable[[datetime | None], bool]:
    ops = ("equals", "before", "after", "on_or_before", "on_or_after", "is_empty", "is_not_empty")
    op, raw = _single_condition(cond, path, ops)
    empty = _emptiness(op)
    if empty:
        return empty
    target, date_only = parse_iso(raw, f"{path}.{op}")
    low, high = day_bounds(target) if date_only else (target, target)
    tests: dict[str, Callable[[datetime], bool]] = {
        "equals": (lambda v: low <= v < high) if date_only else (lambda v: v == target),
        "before": lambda v: v < low,
        "after": (lambda v: v >= high) if date_only else (lambda v: v > target),
        "on_or_before": (lambda v: v < high) if date_only else (lambda v: v <= target),
        "on_or_after": lambda v: v >= low,
    }
    test = tests[op]
    return lambda v: v is not None and test(v)


def text_condition(cond: Any, path: str) -> Callable[[Any], bool]:
    ops = (
        "equals",
        "does_not_equal",
        "contains",
        "does_not_contain",
        "starts_with",
        "ends_with",
        "is_empty",
        "is_not_empty",
    )
    op, raw = _single_condition(cond, path, ops)
    empty = _emptiness(op)
    if empty:
        return empty
    if not isinstance(raw, str):
        raise body_error(f"{path}.{op}", "a string", raw)
    needle = raw.casefold()
    tests: dict[str, Callable[[str], bool]] = {
        "equals": lambda v: v == raw,
        "does_not_equal": lambda v: v != raw,
        "contains": lambda v: needle in v.casefold(),
        "does_not_contain": lambda v: needle not in v.casefold(),
        "starts_with": lambda v: v.casefold().startswith(needle),
        "ends_with": lambda v: v.casefold().endswith(needle),
    }
    test = tests[op]
    return lambda v: test(v or "")


def number_condition(cond: Any, path: str) -> Callable[[Any], bool]:
    ops = (
        "equals",
        "does_not_equal",
        "greater_than",
        "less_than",
        "greater_than_or_equal_to",
        "less_than_or_equal_to",
        "is_empty",
        "is_not_empty",
    )
    op, raw = _single_condition(cond, path, ops)
    empty = _emptiness(op)
    if empty:
        return empty
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise body_error(f"{path}.{op}", "a number", raw)
    tests: dict[str, Callable[[float], bool]] = {
        "equals": lambda v: v == raw,
        "does_not_equal": lambda v: v != raw,
        "greater_than": lambda v: v > raw,
        "less_than": lambda v: v < raw,
        "greater_than_or_equal_to": lambda v: v >= raw,
        "less_than_or_equal_to": lambda v: v <= raw,
    }
    test = tests[op]
    return lambda v: (op == "does_not_equal") if v is None else test(v)


def checkbox_condition(cond: Any, path: str) -> Callable[[Any], bool]:
    op, raw = _single_condition(cond, path, ("equals", "does_not_equal"))
    if not isinstance(raw, bool):
        raise body_error(f"{path}.{op}", "a boolean", raw)
    return (lambda v: bool(v) == raw) if op == "equals" else (lambda v: bool(v) != raw)


def option_condition(cond: Any, path: str) -> Callable[[Any], bool]:
    op, raw = _single_condition(cond, path, ("equals", "does_not_equal", "is_empty", "is_not_empty"))
    empty = _emptiness(op)
    if empty:
        return empty
    if not isinstance(raw, str):
        raise body_error(f"{path}.{op}", "a string", raw)
    return (lambda v: v == raw) if op == "equals" else (lambda v: v != raw)


def list_condition(cond: Any, path: str) -> Callable[[Any], bool]:
    op, raw = _single_condition(cond, path, ("contains", "does_not_contain", "is_empty", "is_not_empty"))
    empty = _emptiness(op)
    if empty:
        return empty
    if not isinstance(raw, str):
        raise body_error(f"{path}.{op}", "a string", raw)
    return (lambda v: raw in (v or [])) if op == "contains" else (lambda v: raw not in (v or []))


CONDITIONS: dict[str, Callable[[Any, str], Callable[[Any], bool]]] = {
    "text": text_condition,
    "number": number_condition,
    "checkbox": checkbox_condition,
    "option": option_condition,
    "list": list_condition,
    "date": date_condition,
}


# ---------------------------------------------------------------------------------------------- sorts

SortSpec = list[tuple[str, str, bool]]  # (kind "timestamp"|"property", key, descending)


def parse_sorts(raw: Any, schema: Schema) -> SortSpec:
    if not isinstance(raw, list):
        raise body_error("body.sorts", "an array", raw)
    spec: SortSpec = []
    for i, item in enumerate(raw):
        path = f"body.sorts[{i}]"
        if not isinstance(item, dict):
            raise body_error(path, "an object", item)
        direction = item.get("direction", "ascending")
        if direction not in ("ascending", "descending"):
            raise body_error(f"{path}.direction", '`"ascending"` or `"descending"`', direction)
        if "timestamp" in item:
            if item["timestamp"] not in TIMESTAMPS:
                raise body_error(
                    f"{path}.timestamp", '`"created_time"` or `"last_edited_time"`', item["timestamp"]
                )
            spec.append(("timestamp", item["timestamp"], direction == "descending"))
        elif "property" in item:
            prop = schema.get(item["property"]) if isinstance(item["property"], str) else None
            if prop is None:
                raise validation_error(f"Could not find sort property with name or id: {item['property']}")
            spec.append(("property", prop.id, direction == "descending"))
        else:
            raise body_error(f"{path}.property", "defined", None)
    return spec


def sort_record(page: Page, spec: SortSpec, schema: Schema, users: Mapping[str, dict]) -> tuple[tuple, int]:
    """The values a page is ordered by, plus its creation sequence as the final tie-break."""
    values = []
    for kind, key, _ in spec:
        if kind == "timestamp":
            values.append(timestamp_value(page, key))
        else:
            prop = next((p for p in schema if p.id == key), None)
            values.append(
                None if prop is None else sort_key_value(prop, page.values.get(prop.id), page, users)
            )
    return tuple(values), page.seq


def record_comparator(spec: SortSpec) -> Callable[[tuple[tuple, int], tuple[tuple, int]], int]:
    def compare(a: tuple[tuple, int], b: tuple[tuple, int]) -> int:
        for (x, y), (_, _, descending) in zip(zip(a[0], b[0], strict=True), spec, strict=True):
            if x == y:
                continue
            if x is None or y is None:
                return 1 if x is None else -1  # empty values last, whatever the direction
            result = -1 if x < y else 1
            return -result if descending else result
        return (a[1] > b[1]) - (a[1] < b[1])

    return compare


def order_pages(
    pages: list[Page], spec: SortSpec, schema: Schema, users: Mapping[str, dict]
) -> list[tuple[Page, tuple[tuple, int]]]:
    records = [(page, sort_record(page, spec, schema, users)) for page in pages]
    key = cmp_to_key(record_comparator(spec))
    return sorted(records, key=lambda pr: key(pr[1]))


def resume_index(
    ordered: list[tuple[Page, tuple[tuple, int]]], spec: SortSpec, anchor: tuple[tuple, int]
) -> int:
    """Index of the first page at or after the cursor's anchor (keyset pagination, robust to edits)."""
    compare = record_comparator(spec)
    return next((i for i, (_, rec) in enumerate(ordered) if compare(rec, anchor) >= 0), len(ordered))


def check_page_size(raw: Any) -> int:
    if raw is None:
        return 100
    if isinstance(raw, bool) or not isinstance(raw, int):
        raise body_error("body.page_size", "a number or `undefined`", raw)
    if raw > 100:
        raise validation_error(
            f"body failed validation: body.page_size should be ≤ `100`, instead was `{raw}`."
        )
    if raw < 1:
        raise validation_error(
            f"body failed validation: body.page_size should be ≥ `1`, instead was `{raw}`."
        )
    return raw


__all__ = ["Compiler", "NotionError", "check_page_size", "order_pages", "parse_sorts", "resume_index"]
