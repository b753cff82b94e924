"""The input fields, their flat-file columns, and per-value checks with pydantic's exact semantics.

A check is the model field's own pydantic type wrapped in a :class:`~pydantic.TypeAdapter`, with a
fast path for values pydantic would return unchanged (a ``str`` for a text field, a non-negative
``int`` for a count, ...). Results for other hashable values are cached, so a column of a million
``"5"`` strings costs one pydantic call.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from functools import cache
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, TypeAdapter, ValidationError

from .models import DecisionMaker, ScoringInput, VeterinaryPractice, VetPracticeExtraction


class _Missing:
    __slots__ = ()

    def __repr__(self) -> str:
        return "MISSING"


MISSING: Any = _Missing()

# Flat column (SPEC §1) → dotted path in the nested record, in the order the models declare them.
FLAT_COLUMNS: dict[str, str] = {
    "practice_id": "practice_id",
    "name": "google_maps_data.name",
    "address": "google_maps_data.address",
    "phone": "google_maps_data.phone",
    "website": "google_maps_data.website",
    "rating": "google_maps_data.rating",
    "reviews_count": "google_maps_data.reviews_count",
    "place_id": "google_maps_data.place_id",
    "has_multiple_locations": "google_maps_data.has_multiple_locations",
    "enrichment_status": "enrichment_status",
    "enrichment_confidence": "enrichment_confidence",
    "vet_count": "enrichment_data.vet_count",
    "vet_count_confidence": "enrichment_data.vet_count_confidence",
    "phone_numbers": "enrichment_data.phone_numbers",
    "email_addresses": "enrichment_data.email_addresses",
    "emr_system": "enrichment_data.emr_system",
    "has_online_booking": "enrichment_data.has_online_booking",
    "has_telemedicine": "enrichment_data.has_telemedicine",
    "technologies": "enrichment_data.technologies",
    "decision_maker_name": "enrichment_data.decision_maker.name",
    "decision_maker_title": "enrichment_data.decision_maker.title",
    "decision_maker_linkedin": "enrichment_data.decision_maker.linkedin",
}
_columns = list(FLAT_COLUMNS)
# "A row whose enrichment columns (vet_count … decision_maker_linkedin) are all blank has no
# enrichment data."
FLAT_ENRICHMENT_COLUMNS: tuple[str, ...] = tuple(
    _columns[_columns.index("vet_count") : _columns.index("decision_maker_linkedin") + 1]
)


def nest(values: Mapping[str, Any], *, with_enrichment: bool) -> dict[str, Any]:
    """The nested, ScoringInput-shaped record for flat column values (a None value is absent)."""
    record: dict[str, Any] = {"google_maps_data": {}}
    enrichment: dict[str, Any] = {}
    for column, path in FLAT_COLUMNS.items():
        value = values.get(column)
        if value is None:
            continue
        section, *rest = path.split(".")
        if section == "google_maps_data":
            record[section][rest[0]] = value
        elif section == "enrichment_data":
            target = enrichment.setdefault("decision_maker", {}) if rest[0] == "decision_maker" else enrichment
            target[rest[-1]] = value
        else:
            record[section] = value
    if with_enrichment:
        record["enrichment_data"] = enrichment
    return record


def column_of(column: str) -> str | None:
    return FLAT_COLUMNS.get(column)


def split_flat_list(cell: str) -> list[str]:
    """A flat list cell: items separated by ';', trimmed, blanks dropped."""
    return [part.strip() for part in cell.split(";") if part.strip()]


def _owner(path: str) -> tuple[type[BaseModel], str]:
    parts = path.split(".")
    if len(parts) == 1:
        return ScoringInput, parts[0]
    if parts[0] == "google_maps_data":
        return VeterinaryPractice, parts[1]
    if parts[1] == "decision_maker" and len(parts) == 3:
        return DecisionMaker, parts[2]
    return VetPracticeExtraction, parts[1]


CheckResult = tuple[bool, Any, str | None]


class FieldCheck:
    """Validate values of one field: ``check(value) -> (ok, value, problem)``.

    ``fast_mask(values)`` marks, for a whole column, the values pydantic would accept *unchanged*
    (a ``str`` for a text field, an in-range ``int`` for a count, ...); only the others need a
    pydantic call, and those are cached per distinct hashable value.
    """

    __slots__ = ("_adapter", "_cache", "hi", "kind", "lo", "path")
    _CACHE_LIMIT = 50_000

    def __init__(self, path: str) -> None:
        model, name = _owner(path)
        info = model.model_fields[name]
        annotation = Annotated[(info.annotation, *info.metadata)] if info.metadata else info.annotation
        self.path = path
        self._adapter = TypeAdapter(annotation, config=ConfigDict(allow_inf_nan=False))
        self.kind = _kind(path, info)
        self.lo = _bound(info, "ge")
        self.hi = _bound(info, "le")
        self._cache: dict[Any, CheckResult] = {}

    def fast_mask(self, values: list[Any]) -> list[bool]:
        kind, lo, hi = self.kind, self.lo, self.hi
        if kind == "str":
            return [type(v) is str for v in values]
        if kind == "bool":
            return [type(v) is bool for v in values]
        if kind == "int":
            return [type(v) is int and lo <= v <= hi for v in values]
        if kind == "float":  # NaN and inf fail the comparison and go to pydantic
            return [type(v) is float and lo <= v <= hi for v in values]
        if kind == "list":
            return [type(v) is list and all(type(x) is str for x in v) for v in values]
        if kind == "id":  # pydantic strips whitespace with its own rules: only plain ids are fast
            return [type(v) is str and v != "" and not v[0].isspace() and not v[-1].isspace() for v in values]
        return [False] * len(values)

    def __call__(self, value: Any) -> CheckResult:
        if type(value) is tuple:  # hashing recurses per level (a million-deep tuple crashes CPython)
            return self._validate(value)
        try:
            key = (type(value), value)
            hit = self._cache.get(key)
        except TypeError:  # unhashable: lists, dicts
            return self._validate(value)
        if hit is None:
            if len(self._cache) >= self._CACHE_LIMIT:
                self._cache.clear()
            hit = self._cache[key] = self._validate(value)
        return hit

    def _validate(self, value: Any) -> CheckResult:
        if self.path == "practice_id" and type(value) is int:
            value = str(value)  # ScoringInput accepts integer ids as text
        try:
            return True, self._adapter.validate_python(value), None
        except ValidationError as exc:
            return False, None, exc.errors(include_url=False)[0]["msg"]


def _kind(path: str, info: Any) -> str:
    """Which fast check applies: the field's type with no coercion pydantic would make."""
    text = str(info.annotation)
    if path == "practice_id":
        return "id"
    if "list[str]" in text:
        return "list"
    if info.annotation is bool:
        return "bool"
    if text in ("int | None", "typing.Optional[int]"):
        return "int"
    if text in ("float | None", "typing.Optional[float]"):
        return "float"
    if text in ("str | None", "typing.Optional[str]"):
        return "str"
    return "other"  # choices, datetimes: always pydantic (cached)


def _bound(info: Any, name: str) -> Any:
    for meta in info.metadata:
        value = getattr(meta, name, None)
        if value is not None:
            return value
    return -math.inf if name == "ge" else math.inf


@cache
def check(path: str) -> FieldCheck:
    return FieldCheck(path)
