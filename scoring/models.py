"""The seed's contracts (FEAT-003 §4) as pydantic models, and the lenient parse of SPEC §1 and §7.

Parsing is pydantic's lax mode plus two product rules:

* an optional field that is absent or null takes its default (missing data is not invalid data);
* a field whose value is invalid is *dropped* (so it scores like missing data) and reported as an
  :class:`Issue`; only a record that cannot be read at all (:class:`UnreadableRecord`) fails.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    StringConstraints,
    TypeAdapter,
    ValidationError,
    model_validator,
)

from .depth import MAX_RECORD_DEPTH, bounded_repr, exceeds_depth

ENRICHMENT_STATUSES = ("Completed", "Partial", "Failed", "Not Started")
CONFIDENCE_LEVELS = ("high", "medium", "low")
TRIGGERS = ("auto", "manual", "rescore")
TIERS = ("Hot", "Warm", "Cold", "Pending Enrichment")
# Beyond these a count is a data error, not a practice (and would not fit the whole-book int64 columns).
MAX_VETS = 100_000
MAX_REVIEWS = 1_000_000_000
ERROR_TYPES = ("invalid_input", "timeout", "circuit_breaker", "unexpected_error")


def _casefold_choice(choices: tuple[str, ...]) -> Any:
    by_key = {c.casefold(): c for c in choices}

    def normalise(value: Any) -> Any:
        if isinstance(value, str):
            return by_key.get(value.strip().casefold(), value)
        return value

    return BeforeValidator(normalise)


EnrichmentStatus = Annotated[
    Literal["Completed", "Partial", "Failed", "Not Started"], _casefold_choice(ENRICHMENT_STATUSES)
]
Confidence = Annotated[Literal["high", "medium", "low"], _casefold_choice(CONFIDENCE_LEVELS)]
Trigger = Annotated[Literal["auto", "manual", "rescore"], _casefold_choice(TRIGGERS)]
PracticeId = Annotated[str, StringConstraints(strip_whitespace=True, min_length=1)]


class _Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", allow_inf_nan=False)

    @model_validator(mode="before")
    @classmethod
    def _nulls_take_defaults(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {k: v for k, v in data.items() if v is not None}
        return data


class DecisionMaker(_Contract):
    name: str | None = None
    title: str | None = None
    linkedin: str | None = None


class VeterinaryPractice(_Contract):
    """Google Maps facts (FEAT-001)."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    website: str | None = None
    rating: float | None = Field(default=None, ge=0, le=5)
    reviews_count: int | None = Field(default=None, ge=0, le=MAX_REVIEWS)
    place_id: str | None = None
    has_multiple_locations: bool = False


class VetPracticeExtraction(_Contract):
    """Website enrichment (FEAT-002)."""

    vet_count: int | None = Field(default=None, ge=0, le=MAX_VETS)
    vet_count_confidence: Confidence | None = None
    phone_numbers: list[str] = Field(default_factory=list)
    email_addresses: list[str] = Field(default_factory=list)
    emr_system: str | None = None
    has_online_booking: bool = False
    has_telemedicine: bool = False
    technologies: list[str] = Field(default_factory=list)
    decision_maker: DecisionMaker | None = None
    extraction_timestamp: datetime | None = None
    extraction_method: str | None = None


class ScoringInput(_Contract):
    practice_id: PracticeId
    google_maps_data: VeterinaryPractice
    enrichment_data: VetPracticeExtraction | None = None
    enrichment_status: EnrichmentStatus | None = None
    enrichment_confidence: Confidence | None = None
    triggered_by: Trigger = "manual"
    trigger_timestamp: datetime | None = None

    @model_validator(mode="before")
    @classmethod
    def _numeric_ids_are_ids(cls, data: Any) -> Any:
        if isinstance(data, dict) and type(data.get("practice_id")) is int:
            return {**data, "practice_id": str(data["practice_id"])}
        return data


class ScoringOutput(BaseModel):
    model_config = ConfigDict(extra="forbid")

    practice_id: str | None  # None only for a record so broken it carries no usable id
    lead_score: int | None
    priority_tier: str | None
    score_breakdown: str
    confidence_flags: list[str]
    scoring_status: Literal["Scored", "Failed"]
    scoring_timestamp: datetime
    scoring_duration_ms: int
    error_type: str | None = None
    error_message: str | None = None


# ---- lenient parse --------------------------------------------------------------------------------

# Every field path in the models' declaration order (the order pydantic reports errors in); both
# parse paths list a record's issues in this order.
FIELD_ORDER: tuple[str, ...] = (
    "practice_id",
    "google_maps_data",
    *(f"google_maps_data.{f}" for f in VeterinaryPractice.model_fields),
    "enrichment_data",
    *(
        path
        for f in VetPracticeExtraction.model_fields
        for path in (
            [f"enrichment_data.{f}"]
            + (
                [f"enrichment_data.decision_maker.{g}" for g in DecisionMaker.model_fields]
                if f == "decision_maker"
                else []
            )
        )
    ),
    *(
        f
        for f in ScoringInput.model_fields
        if f not in ("practice_id", "google_maps_data", "enrichment_data")
    ),
)
FIELD_RANK = {path: i for i, path in enumerate(FIELD_ORDER)}


def sort_issues(issues: list[Issue]) -> tuple[Issue, ...]:
    return tuple(sorted(issues, key=lambda i: FIELD_RANK.get(i.field, len(FIELD_RANK))))


# Fields whose invalid value makes the whole record unreadable (SPEC §7).
_REQUIRED = {("practice_id",), ("google_maps_data",)}


@dataclass(frozen=True, slots=True)
class Issue:
    """An invalid field value that was dropped: ``field`` is the dotted path, ``value`` what was sent."""

    field: str
    value: Any
    problem: str


@dataclass(frozen=True, slots=True)
class UnreadableRecord:
    practice_id: str | None
    reason: str


@dataclass(frozen=True, slots=True)
class ParsedInput:
    record: ScoringInput
    issues: tuple[Issue, ...] = ()

    @property
    def invalid_fields(self) -> frozenset[str]:
        return frozenset(i.field for i in self.issues)


_MISSING = object()


def _field_path(loc: tuple[Any, ...]) -> tuple[str, ...]:
    """The field an error belongs to: its location up to the first list index."""
    path = []
    for part in loc:
        if isinstance(part, int):
            break
        path.append(str(part))
    return tuple(path)


def _lookup(data: Any, path: tuple[str, ...]) -> Any:
    for key in path:
        if not isinstance(data, dict) or key not in data:
            return _MISSING
        data = data[key]
    return data


def _drop(data: dict[str, Any], path: tuple[str, ...]) -> None:
    for key in path[:-1]:
        data = data[key]
    data.pop(path[-1], None)


_PRACTICE_ID = TypeAdapter(PracticeId)


def guess_practice_id(raw: Any) -> str | None:
    """The record's practice_id if it is a valid one (used to label a Failed output)."""
    if not isinstance(raw, dict):
        return None
    value = raw.get("practice_id")
    if type(value) is int:
        value = str(value)
    try:
        return _PRACTICE_ID.validate_python(value)
    except ValidationError:
        return None


def parse_input(raw: Any) -> ParsedInput | UnreadableRecord:
    """Read one practice record leniently; never raises for bad data.

    Unreadable (SPEC §7): not an object; nested deeper than MAX_RECORD_DEPTH anywhere (issue 8,
    :func:`too_deep_reason`); practice_id or google_maps_data missing or not valid.
    """
    if not isinstance(raw, dict):
        return UnreadableRecord(None, f"record is not an object (got {type(raw).__name__})")
    if exceeds_depth(raw, MAX_RECORD_DEPTH):
        return UnreadableRecord(guess_practice_id(raw), too_deep_reason(raw))
    data = raw
    issues: list[Issue] = []
    # Each round drops every invalid field pydantic reported; nested drops can reveal no new
    # errors, so two rounds suffice in practice. The bound only guards against surprises.
    for _ in range(4):
        try:
            return ParsedInput(ScoringInput.model_validate(data), sort_issues(issues))
        except ValidationError as exc:
            errors = exc.errors(include_url=False)
        if data is raw:
            data = _editable_copy(raw)
        dropped: set[tuple[str, ...]] = set()
        for err in errors:
            path = _field_path(err["loc"])
            if not path or path in _REQUIRED:
                return UnreadableRecord(guess_practice_id(raw), _unreadable_reason(path, err))
            if path in dropped:
                continue
            value = _lookup(data, path)
            if value is _MISSING:  # a parent was already dropped this round
                continue
            dropped.add(path)
            issues.append(Issue(".".join(path), value, err["msg"]))
            _drop(data, path)
    return UnreadableRecord(guess_practice_id(raw), "record could not be read")


def _editable_copy(raw: dict[str, Any]) -> dict[str, Any]:
    """A copy of ``raw`` that :func:`_drop` may change: the objects along the models' paths are
    copied, nothing else. (``copy.deepcopy`` recursed into every value: a value nested ~1,000
    deep raised RecursionError, and it copied lists nothing changes.)"""
    data = dict(raw)
    for key in ("google_maps_data", "enrichment_data"):
        if isinstance(data.get(key), dict):
            data[key] = dict(data[key])
    enrichment = data.get("enrichment_data")
    if isinstance(enrichment, dict) and isinstance(enrichment.get("decision_maker"), dict):
        enrichment["decision_maker"] = dict(enrichment["decision_maker"])
    return data


def too_deep_reason(record: dict[Any, Any]) -> str:
    """Why a record nested deeper than MAX_RECORD_DEPTH cannot be read, naming the first top-level
    field (in the record's order) whose value goes too deep. Both parse paths use it."""
    for key, value in record.items():
        if exceeds_depth(value, MAX_RECORD_DEPTH - 1):
            name = key if type(key) is str and len(key) <= 40 and key.isprintable() else bounded_repr(key, 40)
            return f"record nests deeper than {MAX_RECORD_DEPTH} levels (in {name})"
    return f"record nests deeper than {MAX_RECORD_DEPTH} levels"


def _unreadable_reason(path: tuple[str, ...], err: dict[str, Any]) -> str:
    field = ".".join(path) or "record"
    if err["type"] == "missing":
        return f"{field} is missing"
    if path == ("google_maps_data",):
        return "google_maps_data must be an object"
    if path == ("practice_id",):
        return "practice_id must be a non-empty string"
    return f"{field}: {err['msg']}"
