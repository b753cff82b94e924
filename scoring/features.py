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
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .fields import (
    FLAT_COLUMNS,
    FLAT_ENRICHMENT_COLUMNS,
    MISSING,
    check,
    column_of,
    nest,
    split_flat_list,
)
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
        return _frame_table(frame)


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

    # practice_id and google_maps_data decide readability (SPEC §7).
    ids = _get(recs, "practice_id")
    gms = _get(recs, "google_maps_data")
    pid_check = check("practice_id")
    for i, rec in enumerate(recs):
        if type(rec) is not dict:
            b.unreadable_row(i, None, f"record is not an object (got {type(rec).__name__})")
            continue
        ok, value, _ = pid_check(ids[i])
        guess = value if ok else None
        if not ok or value is MISSING:
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


# ---- flat frames ----------------------------------------------------------------------------------


def _frame_table(frame: pd.DataFrame) -> FeatureTable:
    n = len(frame)
    b = _Builder(n)
    columns = {str(c).strip(): c for c in frame.columns}

    def col(name: str) -> pd.Series | None:
        key = columns.get(name)
        return None if key is None else frame[key]

    blank = {name: _blank_mask(col(name)) for name in columns}

    ids = col("practice_id")
    if ids is None:
        for i in range(n):
            b.unreadable_row(i, None, "practice_id is missing")
    else:
        id_vals = ids.tolist()
        id_blank = blank["practice_id"]
        # Ids with no whitespace at either end are taken as they are (what pydantic would do too).
        plain = np.fromiter(
            (type(v) is str and bool(v) and not v[0].isspace() and not v[-1].isspace() for v in id_vals),
            dtype=bool,
            count=n,
        )
        b.practice_id[plain] = ids.to_numpy(dtype=object)[plain]
        pid_check = check("practice_id")
        for i in np.flatnonzero(~plain).tolist():
            if id_blank[i]:
                b.unreadable_row(i, None, "practice_id is missing")
                continue
            ok, value, _ = pid_check(_as_id(id_vals[i]))
            if ok:
                b.practice_id[i] = value
            else:
                b.unreadable_row(i, None, "practice_id must be a non-empty string")

    has_enrichment = np.zeros(n, dtype=bool)
    for name in FLAT_ENRICHMENT_COLUMNS:
        if name in blank:
            has_enrichment |= ~blank[name]
    b.full[:] = has_enrichment

    for name in columns:
        path = column_of(name)
        if path is None or path == "practice_id":
            continue
        series = col(name)
        assert series is not None
        mask = blank[name]
        if path.startswith("enrichment_data."):
            mask = mask | ~has_enrichment
        if mask.all():
            continue
        if path in _VECTOR_SINKS and _vector_fill(b, path, series, mask):
            continue
        keep = np.flatnonzero(~mask)
        if _is_text_dtype(series):
            _fill_text_column(b, path, series.take(keep), keep)
        else:
            values = series.tolist()
            column = [MISSING] * n
            for i in keep.tolist():
                raw = values[i]
                column[i] = split_flat_list(raw) if path in _LIST_PATHS and isinstance(raw, str) else raw
            _fill_scalars(b, path, column, originals=values)
    return b.build()


_LIST_PATHS = frozenset(
    {"enrichment_data.phone_numbers", "enrichment_data.email_addresses", "enrichment_data.technologies"}
)


def _is_text_dtype(series: pd.Series) -> bool:
    return pd.api.types.is_string_dtype(series.dtype) and series.dtype is not np.dtype(object)


def _fill_text_column(b: _Builder, path: str, cells: pd.Series, rows: np.ndarray) -> None:
    """A pandas string column: lists are split per cell; other fields are checked once per distinct value."""
    if path in _LIST_PATHS:
        count = _FLAT_LIST_COUNTS.get(path)
        if count is not None:  # every text cell is a valid list; only its count matters
            target = getattr(b, _SINKS[path].attr or "")
            codes, uniques = pd.factorize(cells)
            counts = np.array([count(c) for c in uniques.tolist()] + [0], dtype=np.int64)
            target[rows] = counts[codes]
        return
    codes, uniques = pd.factorize(cells)
    checked = [check(path)(u) for u in uniques.tolist()]
    ok = np.array([c[0] for c in checked] + [False], dtype=bool)
    good = ok[codes]
    values = np.empty(len(checked), dtype=object)
    values[:] = [c[1] for c in checked]
    _store(b, path, rows[good], values[codes[good]].tolist())
    for j in np.flatnonzero(~good).tolist():
        c = checked[codes[j]]
        _invalid(b, int(rows[j]), path, uniques[codes[j]], c[2])


_DIGITS_AND_SEPARATORS = re.compile(r"[^0-9;]+")


def flat_phone_count(cell: str) -> int:
    """distinct_phone_count(split_flat_list(cell)), in one pass over the text when no entry can be a
    spreadsheet number."""
    if ".0" in cell:
        return distinct_phone_count(split_flat_list(cell))
    seen = set(_DIGITS_AND_SEPARATORS.sub("", cell).split(";"))
    seen.discard("")
    return len(seen)


_FLAT_LIST_COUNTS: dict[str, Callable[[str], int]] = {
    "enrichment_data.phone_numbers": flat_phone_count,
    "enrichment_data.technologies": lambda cell: len(split_flat_list(cell)),
}


def _as_id(v: Any) -> Any:
    # Spreadsheets turn numeric ids into floats; 1234.0 means "1234".
    if isinstance(v, float) and v.is_integer():
        return str(int(v))
    if isinstance(v, np.integer):
        return str(int(v))
    return v


def _blank_mask(series: pd.Series | None) -> np.ndarray:
    """True where a flat cell holds nothing: NA/NaN/None or whitespace-only text."""
    if series is None:
        return np.zeros(0, dtype=bool)
    mask = series.isna().to_numpy(dtype=bool, copy=True)
    if series.dtype == object:
        values = series.tolist()
        mask |= np.fromiter((type(v) is str and not v.strip() for v in values), dtype=bool, count=len(values))
    elif pd.api.types.is_string_dtype(series.dtype):
        mask |= (series.str.strip() == "").to_numpy(dtype=bool, na_value=False)
    return mask


# Columns with a native numeric/bool dtype are converted without a Python loop, with pydantic's
# lax rules for that dtype written out (ints from integral floats, bools from 0/1, ...).
def _vector_fill(b: _Builder, path: str, series: pd.Series, skip: np.ndarray) -> bool:
    kind = _VECTOR_SINKS[path]
    dtype = series.dtype
    if pd.api.types.is_bool_dtype(dtype) or pd.api.types.is_numeric_dtype(dtype):
        values = series.to_numpy(dtype=np.float64, na_value=np.nan)
    elif kind == "text" and pd.api.types.is_string_dtype(dtype) and dtype is not np.dtype(object):
        _text_fill(b, path, series, skip)
        return True
    else:
        return False
    if kind == "text":
        return False  # numbers in a text column are invalid: let the per-value path say why
    use = ~skip & ~np.isnan(values)
    finite = np.isfinite(values)
    if kind == "int":
        ok = use & finite & (values == np.floor(np.where(finite, values, 0))) & (values >= 0)
        # exact only below 2**53: larger floats are not integers we can trust, let pydantic decide
        ok &= np.abs(np.where(finite, values, 0)) < 2**53
        target = b.vet_count if path.endswith("vet_count") else b.reviews
        target[ok] = values[ok].astype(np.int64)
    elif kind == "float":
        ok = use & finite & (values >= 0) & (values <= 5)
        b.rating[ok] = values[ok]
    else:  # bool
        ok = use & ((values == 0) | (values == 1))
        attr = _BOOL_ATTRS[path]
        getattr(b, attr)[ok] = values[ok] == 1
    bad = np.flatnonzero(use & ~ok)
    if len(bad):
        originals = series.to_numpy(dtype=object)
        chk = check(path)
        for i in bad.tolist():
            raw = originals[i]
            raw = raw.item() if isinstance(raw, np.generic) else raw
            ok1, value, problem = chk(raw)
            if ok1:  # e.g. a huge integer: valid after all
                _store(b, path, [i], [value])
            else:
                _invalid(b, i, path, raw, problem)
    return True


def _text_fill(b: _Builder, path: str, series: pd.Series, skip: np.ndarray) -> None:
    """A pandas string column: every value is valid text, only the sink's conversion remains."""
    if path == "google_maps_data.website":
        b.website |= ~skip
        return
    if path in ("enrichment_data.decision_maker.name", "enrichment_data.decision_maker.title"):
        target = b.dm_name if path.endswith("name") else b.dm_title
        stripped = series.str.strip().to_numpy(dtype=object, na_value=None)
        target[~skip] = stripped[~skip]
        return
    if path == "enrichment_data.emr_system":
        codes, uniques = pd.factorize(series.str.strip())
        remap = np.array([b.emr(u) for u in uniques] + [-1], dtype=np.int32)
        chosen = remap[codes]
        b.emr_code[~skip] = chosen[~skip]
        return
    # Fields that only need to be valid text (name, address, ...) need no work at all.


_VECTOR_SINKS = {
    "enrichment_data.vet_count": "int",
    "google_maps_data.reviews_count": "int",
    "google_maps_data.rating": "float",
    "google_maps_data.has_multiple_locations": "bool",
    "enrichment_data.has_online_booking": "bool",
    "enrichment_data.has_telemedicine": "bool",
    "google_maps_data.name": "text",
    "google_maps_data.address": "text",
    "google_maps_data.phone": "text",
    "google_maps_data.website": "text",
    "google_maps_data.place_id": "text",
    "enrichment_data.emr_system": "text",
    "enrichment_data.decision_maker.name": "text",
    "enrichment_data.decision_maker.title": "text",
    "enrichment_data.decision_maker.linkedin": "text",
}
_BOOL_ATTRS = {
    "google_maps_data.has_multiple_locations": "multiple_locations",
    "enrichment_data.has_online_booking": "online_booking",
    "enrichment_data.has_telemedicine": "telemedicine",
}


def records_from_flat_frame(frame: pd.DataFrame) -> list[dict[str, Any]]:
    """``record_from_flat_row`` of every row of a flat frame, built column by column (an import of
    10,000 rows spends milliseconds here, not a second); a property test holds the two equal."""
    n = len(frame)
    plan: list[tuple[str, list[Any]]] = []
    by_column: dict[str, list[Any]] = {}
    for key in frame.columns:
        column = str(key).strip()
        if column_of(column) is None:
            continue
        by_column[column] = _present_values(frame[key], column)  # a later duplicate wins, as in a dict
    enriched = np.zeros(n, dtype=bool)
    for column in FLAT_COLUMNS:
        values = by_column.get(column)
        if values is None:
            continue
        plan.append((column, values))
        if column in FLAT_ENRICHMENT_COLUMNS:
            enriched |= np.fromiter((v is not MISSING for v in values), dtype=bool, count=n)
    records: list[dict[str, Any]] = []
    for i in range(n):
        values_i = {column: values[i] for column, values in plan if values[i] is not MISSING}
        records.append(nest(values_i, with_enrichment=bool(enriched[i])))
    return records


def _present_values(series: pd.Series, column: str) -> list[Any]:
    """A flat column's cells as record values: MISSING where blank (as record_from_flat_row's present()),
    lists split, ids as text."""
    as_list = column_of(column) in _LIST_PATHS
    out: list[Any] = []
    for value in series.tolist():
        if (
            value is None
            or value is pd.NA
            or value is pd.NaT
            or (isinstance(value, float) and math.isnan(value))
            or (isinstance(value, str) and not value.strip())
        ):
            out.append(MISSING)
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if column == "practice_id":
            value = _as_id(value)
        elif as_list and isinstance(value, str):
            value = split_flat_list(value)
        out.append(value)
    return out


def record_from_flat_row(row: Mapping[str, Any]) -> dict[str, Any]:
    """The nested record a flat row stands for (SPEC §1): blank cells are absent, lists split on ';',
    and the enrichment columns (vet_count … decision_maker_linkedin) all blank means no enrichment."""

    def present(value: Any) -> bool:
        if value is None or value is pd.NA or value is pd.NaT:
            return False
        if isinstance(value, float) and math.isnan(value):
            return False
        return not (isinstance(value, str) and not value.strip())

    values: dict[str, Any] = {}
    for key, value in row.items():
        column = str(key).strip()
        if not present(value):
            continue
        if isinstance(value, np.generic):
            value = value.item()
        if column == "practice_id":
            value = _as_id(value)
        elif isinstance(value, str) and column_of(column) in _LIST_PATHS:
            value = split_flat_list(value)
        values[column] = value
    return nest(values, with_enrichment=any(c in values for c in FLAT_ENRICHMENT_COLUMNS))
