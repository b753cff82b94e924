"""What the rules look at: a practice reduced to a few typed facts.

Two ways in, one meaning:

* :meth:`PracticeFeatures.from_parsed` — one record, after :func:`scoring.models.parse_input`;
* :class:`FeatureTable` — a whole book at once, as numpy columns, from a list of records or a flat
  DataFrame (SPEC §1). It validates column by column with the *same* pydantic field types as the
  models (see :mod:`scoring.fields`), so both ways agree; a property test holds them to it.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .depth import MAX_RECORD_DEPTH, deeper_than
from .fields import (
    MISSING,
    check,
)

if TYPE_CHECKING:  # pandas is imported where flat frames are read (flat_frames), not on the JSON Lines path
    import pandas as pd

from .models import (
    CONFIDENCE_LEVELS,
    ENRICHMENT_STATUSES,
    DecisionMaker,
    Issue,
    ParsedInput,
    UnreadableRecord,
    VeterinaryPractice,
    VetPracticeExtraction,
    sort_issues,
    too_deep_reason,
)

# Integer codes for categorical facts (0 = none).
STATUS_CODES = {None: 0, **{s: i + 1 for i, s in enumerate(ENRICHMENT_STATUSES)}}
CONFIDENCE_CODES = {None: 0, **{c: i + 1 for i, c in enumerate(CONFIDENCE_LEVELS)}}
STATUS_NAMES = [None, *ENRICHMENT_STATUSES]
CONFIDENCE_NAMES = [None, *CONFIDENCE_LEVELS]

TECHNOLOGY_FIELDS = frozenset(
    {"enrichment_data.emr_system", "enrichment_data.has_online_booking", "enrichment_data.has_telemedicine"}
)


_NON_DIGITS = re.compile(r"[^0-9]+")
# SPEC §3: "an entry that is digits followed by `.0`, as spreadsheets write numbers, is that number".
# ASCII digits only, the whole entry: the same pattern runs in RE2 on the Arrow path (fast_records).
SPREADSHEET_NUMBER = r"[0-9]+\.0"
_SPREADSHEET_NUMBER = re.compile(SPREADSHEET_NUMBER)


def phone_digits(number: str) -> str:
    """The digits a phone entry is compared by (SPEC §3): ASCII digits only, and an entry written as a
    spreadsheet number (``5552010001.0``) loses its ``.0`` first."""
    if _SPREADSHEET_NUMBER.fullmatch(number):
        return number[:-2]
    return _NON_DIGITS.sub("", number)


def distinct_phone_count(numbers: Iterable[str]) -> int:
    """Distinct phone numbers, compared by :func:`phone_digits`; entries without digits are ignored."""
    seen = {phone_digits(number) for number in numbers}
    seen.discard("")
    return len(seen)


def non_blank(text: str | None) -> str | None:
    """The text stripped, or None when there is nothing but whitespace."""
    if text is None:
        return None
    stripped = text.strip()
    return stripped or None


@dataclass(frozen=True, slots=True)
class PracticeFeatures:
    """Everything the rules read about one practice. Missing or invalid values are None/0/False."""

    practice_id: str
    full: bool
    status: str | None = None
    confidence: str | None = None
    vet_count: int | None = None
    phone_count: int = 0
    emr: str | None = None
    online_booking: bool = False
    telemedicine: bool = False
    technology_invalid: bool = False
    technologies_count: int = 0
    dm_name: str | None = None
    dm_title: str | None = None
    reviews: int | None = None
    rating: float | None = None
    website: bool = False
    multiple_locations: bool = False
    issues: tuple[Issue, ...] = ()

    @property
    def invalid(self) -> bool:
        return bool(self.issues)

    @classmethod
    def from_parsed(cls, parsed: ParsedInput) -> PracticeFeatures:
        rec = parsed.record
        gm = rec.google_maps_data
        common = dict(
            practice_id=rec.practice_id,
            status=rec.enrichment_status,
            confidence=rec.enrichment_confidence,
            reviews=gm.reviews_count,
            rating=gm.rating,
            website=non_blank(gm.website) is not None,
            multiple_locations=gm.has_multiple_locations,
            issues=parsed.issues,
        )
        en = rec.enrichment_data
        if en is None:
            return cls(full=False, **common)
        dm = en.decision_maker
        return cls(
            full=True,
            vet_count=en.vet_count,
            phone_count=distinct_phone_count(en.phone_numbers),
            emr=non_blank(en.emr_system),
            online_booking=en.has_online_booking,
            telemedicine=en.has_telemedicine,
            technology_invalid=bool(parsed.invalid_fields & TECHNOLOGY_FIELDS),
            technologies_count=len(en.technologies),
            dm_name=non_blank(dm.name) if dm else None,
            dm_title=non_blank(dm.title) if dm else None,
            **common,
        )


# ---- the columnar form ---------------------------------------------------------------------------


@dataclass
class FeatureTable:
    """A book of practices as parallel numpy columns (one row per input record, in input order).

    Missing numbers are -1 (counts) or NaN (rating); categorical facts are small integer codes.
    Rows that could not be read at all have ``readable`` False and a reason in ``unreadable``.
    """

    practice_id: np.ndarray  # object (str | None)
    readable: np.ndarray  # bool
    full: np.ndarray  # bool
    status: np.ndarray  # int8, STATUS_CODES
    confidence: np.ndarray  # int8, CONFIDENCE_CODES
    vet_count: np.ndarray  # int64, -1 = missing
    phone_count: np.ndarray  # int64
    emr_code: np.ndarray  # int32 index into emr_values, -1 = none
    emr_values: list[str]
    online_booking: np.ndarray  # bool
    telemedicine: np.ndarray  # bool
    technology_invalid: np.ndarray  # bool
    technologies_count: np.ndarray  # int64
    dm_name: np.ndarray  # object (str | None)
    dm_title: np.ndarray  # object (str | None)
    reviews: np.ndarray  # int64, -1 = missing
    rating: np.ndarray  # float64, NaN = missing
    website: np.ndarray  # bool
    multiple_locations: np.ndarray  # bool
    invalid: np.ndarray  # bool
    issues: dict[int, tuple[Issue, ...]] = field(default_factory=dict)
    unreadable: dict[int, str] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.readable)

    @property
    def dm_found(self) -> np.ndarray:
        return self.dm_name != None  # noqa: E711 — elementwise on an object array

    def row(self, i: int) -> PracticeFeatures:
        """Row ``i`` as scalar features (the row must be readable)."""
        code = int(self.emr_code[i])
        vet = int(self.vet_count[i])
        reviews = int(self.reviews[i])
        rating = float(self.rating[i])
        return PracticeFeatures(
            practice_id=self.practice_id[i],
            full=bool(self.full[i]),
            status=STATUS_NAMES[self.status[i]],
            confidence=CONFIDENCE_NAMES[self.confidence[i]],
            vet_count=None if vet < 0 else vet,
            phone_count=int(self.phone_count[i]),
            emr=None if code < 0 else self.emr_values[code],
            online_booking=bool(self.online_booking[i]),
            telemedicine=bool(self.telemedicine[i]),
            technology_invalid=bool(self.technology_invalid[i]),
            technologies_count=int(self.technologies_count[i]),
            dm_name=self.dm_name[i],
            dm_title=self.dm_title[i],
            reviews=None if reviews < 0 else reviews,
            rating=None if math.isnan(rating) else rating,
            website=bool(self.website[i]),
            multiple_locations=bool(self.multiple_locations[i]),
            issues=self.issues.get(i, ()),
        )

    def iter_rows(self) -> Iterator[PracticeFeatures | None]:
        """Every row as scalar features (None for unreadable rows), converting each column once."""
        cols = [
            self.practice_id.tolist(),
            self.full.tolist(),
            self.status.tolist(),
            self.confidence.tolist(),
            self.vet_count.tolist(),
            self.phone_count.tolist(),
            self.emr_code.tolist(),
            self.online_booking.tolist(),
            self.telemedicine.tolist(),
            self.technology_invalid.tolist(),
            self.technologies_count.tolist(),
            self.dm_name.tolist(),
            self.dm_title.tolist(),
            self.reviews.tolist(),
            self.rating.tolist(),
            self.website.tolist(),
            self.multiple_locations.tolist(),
            self.readable.tolist(),
        ]
        emr_values = self.emr_values
        issues = self.issues
        isnan = math.isnan
        for i, (
            pid,
            full,
            status,
            conf,
            vets,
            phones,
            emr,
            booking,
            tele,
            tech_bad,
            techs,
            dm_name,
            dm_title,
            reviews,
            rating,
            website,
            multi,
            readable,
        ) in enumerate(zip(*cols, strict=True)):
            if not readable:
                yield None
                continue
            yield PracticeFeatures(
                practice_id=pid,
                full=full,
                status=STATUS_NAMES[status],
                confidence=CONFIDENCE_NAMES[conf],
                vet_count=None if vets < 0 else vets,
                phone_count=phones,
                emr=None if emr < 0 else emr_values[emr],
                online_booking=booking,
                telemedicine=tele,
                technology_invalid=tech_bad,
                technologies_count=techs,
                dm_name=dm_name,
                dm_title=dm_title,
                reviews=None if reviews < 0 else reviews,
                rating=None if isnan(rating) else rating,
                website=website,
                multiple_locations=multi,
                issues=issues.get(i, ()) if issues else (),
            )

    def take(self, rows: Sequence[int] | np.ndarray) -> FeatureTable:
        """The table of the given rows, in the given order (issues and reasons follow their rows)."""
        index = np.asarray(rows, dtype=np.int64)
        position = {int(old): new for new, old in enumerate(index.tolist())}
        columns = {
            name: getattr(self, name)[index]
            for name in self.__dataclass_fields__
            if isinstance(getattr(self, name), np.ndarray)
        }
        return FeatureTable(
            **columns,
            emr_values=self.emr_values,
            issues={position[i]: v for i, v in self.issues.items() if i in position},
            unreadable={position[i]: v for i, v in self.unreadable.items() if i in position},
        )

    @classmethod
    def from_features(cls, rows: Sequence[PracticeFeatures | UnreadableRecord]) -> FeatureTable:
        """Columns from already-extracted rows (the single-record path, or tests)."""
        b = _Builder(len(rows))
        for i, row in enumerate(rows):
            if isinstance(row, UnreadableRecord):
                b.unreadable_row(i, row.practice_id, row.reason)
            else:
                b.put(i, row)
        return b.build()

    @classmethod
    def from_records(cls, records: Sequence[Any]) -> FeatureTable:
        """Columns from nested ``ScoringInput``-shaped dicts (JSON/JSONL input)."""
        return _records_table(records)

    @classmethod
    def from_frame(cls, frame: pd.DataFrame) -> FeatureTable:
        """Columns from a flat DataFrame with the SPEC §1 columns (CSV/XLSX input)."""
        from .flat_frames import frame_table

        return frame_table(frame)


class _Builder:
    """Fills the columns of a FeatureTable, one row or one column at a time."""

    def __init__(self, n: int) -> None:
        self.n = n
        self.practice_id = np.full(n, None, dtype=object)
        self.readable = np.ones(n, dtype=bool)
        self.full = np.zeros(n, dtype=bool)
        self.status = np.zeros(n, dtype=np.int8)
        self.confidence = np.zeros(n, dtype=np.int8)
        self.vet_count = np.full(n, -1, dtype=np.int64)
        self.phone_count = np.zeros(n, dtype=np.int64)
        self.emr_code = np.full(n, -1, dtype=np.int32)
        self.emr_index: dict[str, int] = {}
        self.online_booking = np.zeros(n, dtype=bool)
        self.telemedicine = np.zeros(n, dtype=bool)
        self.technology_invalid = np.zeros(n, dtype=bool)
        self.technologies_count = np.zeros(n, dtype=np.int64)
        self.dm_name = np.full(n, None, dtype=object)
        self.dm_title = np.full(n, None, dtype=object)
        self.reviews = np.full(n, -1, dtype=np.int64)
        self.rating = np.full(n, np.nan, dtype=np.float64)
        self.website = np.zeros(n, dtype=bool)
        self.multiple_locations = np.zeros(n, dtype=bool)
        self.issues: dict[int, list[Issue]] = {}
        self.unreadable: dict[int, str] = {}

    def emr(self, text: str | None) -> int:
        if text is None:
            return -1
        return self.emr_index.setdefault(text, len(self.emr_index))

    def issue(self, i: int, issue: Issue) -> None:
        self.issues.setdefault(i, []).append(issue)

    def unreadable_row(self, i: int, practice_id: str | None, reason: str) -> None:
        self.readable[i] = False
        self.practice_id[i] = practice_id
        self.unreadable[i] = reason

    def put(self, i: int, f: PracticeFeatures) -> None:
        self.practice_id[i] = f.practice_id
        self.full[i] = f.full
        self.status[i] = STATUS_CODES[f.status]
        self.confidence[i] = CONFIDENCE_CODES[f.confidence]
        self.vet_count[i] = -1 if f.vet_count is None else f.vet_count
        self.phone_count[i] = f.phone_count
        self.emr_code[i] = self.emr(f.emr)
        self.online_booking[i] = f.online_booking
        self.telemedicine[i] = f.telemedicine
        self.technology_invalid[i] = f.technology_invalid
        self.technologies_count[i] = f.technologies_count
        self.dm_name[i] = f.dm_name
        self.dm_title[i] = f.dm_title
        self.reviews[i] = -1 if f.reviews is None else f.reviews
        self.rating[i] = np.nan if f.rating is None else f.rating
        self.website[i] = f.website
        self.multiple_locations[i] = f.multiple_locations
        if f.issues:
            self.issues[i] = list(f.issues)

    def build(self) -> FeatureTable:
        # Fields of unreadable rows must not leak into scores.
        if self.unreadable:
            bad = ~self.readable
            self.full[bad] = False
            for i in self.unreadable:
                self.issues.pop(i, None)
        invalid = np.zeros(self.n, dtype=bool)
        if self.issues:
            invalid[list(self.issues)] = True
        return FeatureTable(
            practice_id=self.practice_id,
            readable=self.readable,
            full=self.full,
            status=self.status,
            confidence=self.confidence,
            vet_count=self.vet_count,
            phone_count=self.phone_count,
            emr_code=self.emr_code,
            emr_values=list(self.emr_index),
            online_booking=self.online_booking,
            telemedicine=self.telemedicine,
            technology_invalid=self.technology_invalid,
            technologies_count=self.technologies_count,
            dm_name=self.dm_name,
            dm_title=self.dm_title,
            reviews=self.reviews,
            rating=self.rating,
            website=self.website,
            multiple_locations=self.multiple_locations,
            invalid=invalid,
            issues={k: sort_issues(v) for k, v in sorted(self.issues.items())},
            unreadable=self.unreadable,
        )


# ---- nested records -------------------------------------------------------------------------------


def _get(objs: Sequence[Any], key: str) -> list[Any]:
    return [o.get(key, MISSING) if type(o) is dict else MISSING for o in objs]


def _records_table(records: Sequence[Any]) -> FeatureTable:
    n = len(records)
    b = _Builder(n)
    recs = list(records)

    # Nesting deeper than MAX_RECORD_DEPTH, then practice_id and google_maps_data decide readability
    # (SPEC §7), in the order parse_input checks them.
    too_deep = set(deeper_than(recs, MAX_RECORD_DEPTH))
    ids = _get(recs, "practice_id")
    gms = _get(recs, "google_maps_data")
    pid_check = check("practice_id")
    for i, rec in enumerate(recs):
        if type(rec) is not dict:
            b.unreadable_row(i, None, f"record is not an object (got {type(rec).__name__})")
            continue
        ok, value, _ = pid_check(ids[i])
        guess = value if ok else None
        if i in too_deep:
            b.unreadable_row(i, None if value is MISSING else guess, too_deep_reason(rec))
        elif not ok or value is MISSING:
            reason = (
                "practice_id is missing"
                if ids[i] in (MISSING, None)
                else ("practice_id must be a non-empty string")
            )
            b.unreadable_row(i, guess, reason)
        elif gms[i] is MISSING or gms[i] is None:
            b.unreadable_row(i, guess, "google_maps_data is missing")
        elif type(gms[i]) is not dict:
            b.unreadable_row(i, guess, "google_maps_data must be an object")
        else:
            b.practice_id[i] = value

    _fill_scalars(b, "enrichment_status", _get(recs, "enrichment_status"))
    _fill_scalars(b, "enrichment_confidence", _get(recs, "enrichment_confidence"))
    _fill_scalars(b, "triggered_by", _get(recs, "triggered_by"))
    _fill_scalars(b, "trigger_timestamp", _get(recs, "trigger_timestamp"))
    for key in VeterinaryPractice.model_fields:
        _fill_scalars(b, f"google_maps_data.{key}", _get(gms, key))

    ens = _get(recs, "enrichment_data")
    en_dicts: list[Any] = []
    for i, en in enumerate(ens):
        if type(en) is dict:
            b.full[i] = True
            en_dicts.append(en)
        else:
            if en is not MISSING and en is not None:
                b.issue(i, Issue("enrichment_data", en, _model_msg("VetPracticeExtraction")))
            en_dicts.append(MISSING)
    for key in VetPracticeExtraction.model_fields:
        if key != "decision_maker":
            _fill_scalars(b, f"enrichment_data.{key}", _get(en_dicts, key))

    dms = _get(en_dicts, "decision_maker")
    dm_dicts: list[Any] = []
    for i, dm in enumerate(dms):
        if type(dm) is dict:
            dm_dicts.append(dm)
        else:
            if dm is not MISSING and dm is not None:
                b.issue(i, Issue("enrichment_data.decision_maker", dm, _model_msg("DecisionMaker")))
            dm_dicts.append(MISSING)
    for key in DecisionMaker.model_fields:
        _fill_scalars(b, f"enrichment_data.decision_maker.{key}", _get(dm_dicts, key))
    return b.build()


def _model_msg(model: str) -> str:
    return f"Input should be a valid dictionary or instance of {model}"


def _fill_scalars(b: _Builder, path: str, values: list[Any], originals: list[Any] | None = None) -> None:
    """Validate one field's column (one value per row) and store what the rules need from it.

    ``originals`` are the cells as the user wrote them, named in issues when ``values`` differ.
    """
    chk = check(path)
    if chk.kind == "str" and _SINKS[path].attr is None:
        # Display-only text: all that matters is spotting a value that is not text.
        for i in [
            i for i, v in enumerate(values) if type(v) is not str and v is not MISSING and v is not None
        ]:
            ok, _, problem = chk(values[i])
            if not ok:
                _invalid(b, i, path, values[i] if originals is None else originals[i], problem)
        return
    fast = chk.fast_mask(values)
    rows = [i for i, ok in enumerate(fast) if ok]
    good = [values[i] for i in rows]
    for i in [i for i, ok in enumerate(fast) if not ok]:
        v = values[i]
        if v is MISSING or v is None:
            continue
        ok, value, problem = chk(v)
        if ok:
            rows.append(i)
            good.append(value)
        else:
            _invalid(b, i, path, v if originals is None else originals[i], problem)
    _store(b, path, rows, good)


def _invalid(b: _Builder, i: int, path: str, raw: Any, problem: str | None) -> None:
    b.issue(i, Issue(path, raw, problem or "invalid value"))
    if path in TECHNOLOGY_FIELDS:
        b.technology_invalid[i] = True


@dataclass(frozen=True, slots=True)
class _Sink:
    """Where a valid value goes: builder column ``attr`` after ``convert``; no attr = not scored."""

    attr: str | None = None
    convert: Callable[[Any], Any] | None = None


def _store(b: _Builder, path: str, rows: Sequence[int] | np.ndarray, values: Sequence[Any]) -> None:
    sink = _SINKS[path]
    if sink.attr is None or len(rows) == 0:
        return
    if sink.attr == "emr_code":
        converted: Any = [b.emr(non_blank(v)) for v in values]
    elif sink.convert is not None:
        converted = [sink.convert(v) for v in values]
    else:
        converted = values
    target = getattr(b, sink.attr)
    target[np.asarray(rows, dtype=np.int64)] = np.asarray(converted, dtype=target.dtype)


_SINKS: dict[str, _Sink] = {
    "practice_id": _Sink(),
    "enrichment_status": _Sink("status", STATUS_CODES.__getitem__),
    "enrichment_confidence": _Sink("confidence", CONFIDENCE_CODES.__getitem__),
    "triggered_by": _Sink(),
    "trigger_timestamp": _Sink(),
    "google_maps_data.name": _Sink(),
    "google_maps_data.address": _Sink(),
    "google_maps_data.phone": _Sink(),
    "google_maps_data.website": _Sink("website", lambda v: non_blank(v) is not None),
    "google_maps_data.rating": _Sink("rating"),
    "google_maps_data.reviews_count": _Sink("reviews"),
    "google_maps_data.place_id": _Sink(),
    "google_maps_data.has_multiple_locations": _Sink("multiple_locations"),
    "enrichment_data.vet_count": _Sink("vet_count"),
    "enrichment_data.vet_count_confidence": _Sink(),
    "enrichment_data.phone_numbers": _Sink("phone_count", distinct_phone_count),
    "enrichment_data.email_addresses": _Sink(),
    "enrichment_data.emr_system": _Sink("emr_code"),
    "enrichment_data.has_online_booking": _Sink("online_booking"),
    "enrichment_data.has_telemedicine": _Sink("telemedicine"),
    "enrichment_data.technologies": _Sink("technologies_count", len),
    "enrichment_data.extraction_timestamp": _Sink(),
    "enrichment_data.extraction_method": _Sink(),
    "enrichment_data.decision_maker.name": _Sink("dm_name", non_blank),
    "enrichment_data.decision_maker.title": _Sink("dm_title", non_blank),
    "enrichment_data.decision_maker.linkedin": _Sink(),
}


# The flat-frame side (pandas) lives in scoring.flat_frames; these names stay importable from here.
_FLAT_FRAME_NAMES = ("record_from_flat_row", "records_from_flat_frame", "flat_phone_count")


def __getattr__(name: str) -> Any:
    if name in _FLAT_FRAME_NAMES:
        from . import flat_frames

        return getattr(flat_frames, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
