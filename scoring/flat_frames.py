"""Flat frames (SPEC §1's CSV/XLSX columns, as a pandas DataFrame) → :class:`~scoring.features.FeatureTable`,
and flat rows → nested records.

Apart from :mod:`scoring.features` so the JSON Lines path never imports pandas (about a third of a
second of start-up); the meaning is the same, and property tests hold the two equal.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from typing import Any

import numpy as np
import pandas as pd

from .features import (
    _SINKS,
    MISSING,
    FeatureTable,
    _Builder,
    _fill_scalars,
    _invalid,
    _store,
    distinct_phone_count,
)
from .fields import FLAT_COLUMNS, FLAT_ENRICHMENT_COLUMNS, check, column_of, nest, split_flat_list

# ---- flat frames ----------------------------------------------------------------------------------


def frame_table(frame: pd.DataFrame) -> FeatureTable:
    """FeatureTable.from_frame: columns from a flat DataFrame with the SPEC §1 columns."""
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
