"""JSON Lines bytes → :class:`~scoring.features.FeatureTable`, column-wise, through pyarrow's JSON reader.

The result is exactly what ``FeatureTable.from_records([orjson.loads(line) ...])`` gives, only faster:
Arrow parses the text in C++, numeric and boolean columns are checked once per distinct value with
the same pydantic field checks (:mod:`scoring.fields`), and text columns are taken as they are.

Arrow is not orjson, so anything where the two could disagree is refused or re-read:

* :func:`table_from_jsonl` returns ``None`` (the caller falls back to the record-by-record path,
  which also reports broken lines) when Arrow cannot read the file with one consistent schema (mixed types in a
  column, non-object lines, duplicate keys, ...), when it read something orjson rejects (NaN/Infinity,
  a byte-order mark, two objects on one line, invalid UTF-8), or when its rows do not line up with
  the file's non-blank lines.
* A file with a record nested deeper than MAX_RECORD_DEPTH (scoring.depth) is left to the record
  path, which fails that record (issue 8): lines with more opening brackets than Arrow reads safely
  never reach Arrow, and a column whose type nests too deep (Arrow infers every level of every
  field, known or not) means some row does.
* Rows with a value the columns cannot represent exactly (e.g. an invalid number that might have been
  written as ``5`` or ``5.0``, a list with a null item, a practice_id pydantic would strip) are parsed
  again with orjson, one line each, and scored by the ordinary per-record code.
"""

from __future__ import annotations

import io
from collections.abc import Callable
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.json as pj
from pydantic import BaseModel

from .depth import MAX_RECORD_DEPTH, lines_may_nest_deeper
from .features import (
    CONFIDENCE_CODES,
    SPREADSHEET_NUMBER,
    STATUS_CODES,
    TECHNOLOGY_FIELDS,
    FeatureTable,
    _Builder,
    _invalid,
    non_blank,
)
from .fields import CheckResult, FieldCheck, check
from .models import DecisionMaker, ScoringInput, VeterinaryPractice, VetPracticeExtraction

_S = pa.string()
_LIST = pa.list_(pa.string())
# The nested objects, by the path of their fields; every other field is a scalar or a list.
_OBJECTS: dict[str, type[BaseModel]] = {
    "google_maps_data": VeterinaryPractice,
    "enrichment_data": VetPracticeExtraction,
    "enrichment_data.decision_maker": DecisionMaker,
}


def _fields(prefix: str, model: type[BaseModel]) -> list[str]:
    """Dotted paths of a model's fields that are not nested objects."""
    return [p for p in (f"{prefix}{name}" for name in model.model_fields) if p not in _OBJECTS]


def _read_type(prefix: str, model: type[BaseModel]) -> list[tuple[str, pa.DataType]]:
    """Declared Arrow types: text (and lists of text) for every field that takes text; numbers and
    booleans are left to inference (lax values such as "5" then come as text columns)."""
    out: list[tuple[str, pa.DataType]] = []
    for name in model.model_fields:
        path = f"{prefix}{name}"
        if path in _OBJECTS:
            out.append((name, pa.struct(_read_type(f"{path}.", _OBJECTS[path]))))
        elif check(path).kind == "list":
            out.append((name, _LIST))
        elif check(path).kind not in ("int", "float", "bool"):
            out.append((name, _S))
    return out


# Text fields are read as text: left to inference, Arrow would turn date-like strings into timestamps
# and lose what was written. A value of another JSON type in a declared field makes Arrow refuse the
# file (the record path then reads it).
READ_SCHEMA = pa.schema(_read_type("", ScoringInput))
BLOCK_SIZE = 2 << 20  # Arrow parses blocks in parallel threads; small blocks keep both cores busy

_CATEGORIES: dict[str, Callable[[Any], int]] = {
    "enrichment_status": STATUS_CODES.__getitem__,
    "enrichment_confidence": CONFIDENCE_CODES.__getitem__,
}
_ATTRS = {
    "enrichment_status": "status",
    "enrichment_confidence": "confidence",
    "google_maps_data.rating": "rating",
    "google_maps_data.reviews_count": "reviews",
    "google_maps_data.has_multiple_locations": "multiple_locations",
    "enrichment_data.vet_count": "vet_count",
    "enrichment_data.emr_system": "emr_code",
    "enrichment_data.has_online_booking": "online_booking",
    "enrichment_data.has_telemedicine": "telemedicine",
}
_COLUMNS = (
    "practice_id",
    "readable",
    "full",
    "status",
    "confidence",
    "vet_count",
    "phone_count",
    "emr_code",
    "online_booking",
    "telemedicine",
    "technology_invalid",
    "technologies_count",
    "dm_name",
    "dm_title",
    "reviews",
    "rating",
    "website",
    "multiple_locations",
)


def table_from_jsonl(data: bytes) -> FeatureTable | None:
    """The features of every non-blank line of ``data``, or None when only the orjson path can say."""
    spans = _line_spans(data)
    if spans is None or data.startswith(b"\xef\xbb\xbf") or lines_may_nest_deeper(data, *spans, ARROW_SAFE_DEPTH):
        return None
    if not data.isascii():
        try:
            data.decode("utf-8")  # Arrow does not validate text inside strings; orjson does
        except UnicodeDecodeError:
            return None
    try:
        table = pj.read_json(
            io.BytesIO(data),
            # A block must hold whole lines, however long.
            read_options=pj.ReadOptions(block_size=max(BLOCK_SIZE, 2 * int((spans[1] - spans[0]).max()))),
            parse_options=pj.ParseOptions(explicit_schema=READ_SCHEMA),
        )
        if table.num_rows != len(spans[0]):
            return None
        columns = {name: table.column(name).combine_chunks() for name in table.column_names}
    except pa.ArrowException:  # inconsistent types, broken JSON, a column over 2 GiB, ...
        return None
    if any(_too_deep(col.type) or _has_non_finite(col) for col in columns.values()):
        return None
    b = _Builder(table.num_rows)
    odd = np.zeros(table.num_rows, dtype=bool)
    _fill(b, odd, columns)
    if odd.any():
        try:
            _reread(b, odd, data, spans)
        except orjson.JSONDecodeError:  # Arrow read a line orjson does not: the record path decides
            return None
    return b.build()


def _line_spans(data: bytes) -> tuple[np.ndarray, np.ndarray] | None:
    """(start, end) byte offsets of the non-blank lines, or None unless each looks like one object.

    Every such line must start with ``{`` and end with ``}`` (JSON whitespace aside). Then a line can
    only hold whole top-level objects, and Arrow's row count equal to the line count means exactly one
    object per line, as orjson reads them.
    """
    text = np.frombuffer(data, dtype=np.uint8)
    if len(text) == 0:
        return None
    newlines = np.flatnonzero(text == 0x0A)
    ends = newlines if data.endswith(b"\n") else np.append(newlines, len(data))
    starts = np.concatenate([[0], newlines[: len(ends) - 1] + 1])
    # The common case: no blank lines, no whitespace around the objects.
    if (ends > starts).all() and (text[starts] == 0x7B).all() and (text[ends - 1] == 0x7D).all():
        return starts, ends
    keep_starts, keep_ends = [], []
    for start, end in zip(starts.tolist(), ends.tolist(), strict=True):
        line = data[start:end]
        stripped = line.strip()
        if not stripped:
            continue
        if not (stripped.startswith(b"{") and stripped.endswith(b"}")) or stripped != line.strip(b" \t\r"):
            return None
        keep_starts.append(start)
        keep_ends.append(end)
    if not keep_starts:
        return None
    return np.array(keep_starts, dtype=np.int64), np.array(keep_ends, dtype=np.int64)


# Arrow's reader recurses in C (15,000 levels took minutes, 20,000 crashed the process): a line with
# more opening brackets than this (an upper bound on its depth) is never given to it. Counting only
# costs lines longer than twice this, so ordinary records cost nothing.
ARROW_SAFE_DEPTH = 500


def _too_deep(t: pa.DataType) -> bool:
    """A top-level column whose structs and lists nest MAX_RECORD_DEPTH levels or more: some row's
    record nests deeper than MAX_RECORD_DEPTH (the record is one level above its fields, and the type
    Arrow infers has every level any row has; an empty object is a struct without fields, still a
    level). Walked level by level: no recursion limit to hit."""
    level = [t]
    for _ in range(MAX_RECORD_DEPTH):
        level = [x for x in level if pa.types.is_nested(x)]
        if not level:
            return False
        level = [x.field(i).type for x in level for i in range(x.num_fields)]
    return True


def _has_non_finite(arr: pa.Array) -> bool:
    """NaN or Infinity anywhere: Arrow reads those literals, orjson (JSON) rejects the line."""
    t = arr.type
    if pa.types.is_floating(t):
        return len(arr) > arr.null_count and not pc.all(pc.is_finite(arr)).as_py()
    if pa.types.is_struct(t):
        return any(_has_non_finite(child) for child in arr.flatten())
    if pa.types.is_list(t) or pa.types.is_large_list(t):
        return _has_non_finite(arr.flatten())
    return False


# ---- columns ----------------------------------------------------------------------------------------


def _child(parent: pa.Array | None, path: str) -> pa.Array | None:
    """The struct field named by the last part of ``path``, with the parent's nulls applied."""
    name = path.rsplit(".", 1)[-1]
    if parent is None or parent.type.get_field_index(name) < 0:
        return None
    return pc.struct_field(parent, [parent.type.get_field_index(name)])


def _fill(b: _Builder, odd: np.ndarray, top: dict[str, pa.Array]) -> None:
    _practice_ids(b, top.get("practice_id"))
    gm = top.get("google_maps_data")
    missing_gm = np.ones(len(b.readable), dtype=bool) if gm is None else _nulls(gm)
    for i in np.flatnonzero(missing_gm & b.readable).tolist():
        b.unreadable_row(i, b.practice_id[i], "google_maps_data is missing")
    for path in _fields("", ScoringInput):
        if path != "practice_id":
            _field(b, odd, path, top.get(path))
    for path in _fields("google_maps_data.", VeterinaryPractice):
        _field(b, odd, path, _child(gm, path))
    en = top.get("enrichment_data")
    if en is None:
        return
    b.full[:] = ~_nulls(en)
    for path in _fields("enrichment_data.", VetPracticeExtraction):
        _field(b, odd, path, _child(en, path))
    dm = _child(en, "enrichment_data.decision_maker")
    for path in _fields("enrichment_data.decision_maker.", DecisionMaker):
        _field(b, odd, path, _child(dm, path))


def _field(b: _Builder, odd: np.ndarray, path: str, arr: pa.Array | None) -> None:
    """One field's column into the builder: special sinks first, then lists, then scalars."""
    if arr is None:
        return
    if path == "google_maps_data.website":
        _website(b, arr)
    elif path == "enrichment_data.decision_maker.name":
        _names(b, "dm_name", arr)
    elif path == "enrichment_data.decision_maker.title":
        _names(b, "dm_title", arr)
    elif path == "enrichment_data.phone_numbers":
        _phones(b, odd, arr)
    elif check(path).kind == "list":
        _lengths(b, odd, "technologies_count" if path == "enrichment_data.technologies" else None, arr)
    else:
        _scalar(b, odd, path, arr)


def _nulls(arr: pa.Array) -> np.ndarray:
    return arr.is_null().to_numpy(zero_copy_only=False)


def _edges(arr: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """For a string array: is each value non-empty with printable, non-space ASCII at both ends?

    Such text is unchanged by every whitespace strip (Python's and pydantic's), so it needs no
    per-value work. Also returns the null mask.
    """
    n = len(arr)
    nulls = _nulls(arr)
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + n + 1]
    body = arr.buffers()[2]
    if body is None or body.size == 0:
        return np.zeros(n, dtype=bool), nulls
    text = np.frombuffer(body, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    first = text[np.where(filled, starts, 0)]
    last = text[np.where(filled, ends - 1, 0)]
    plain = filled & ~nulls & (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)
    return plain, nulls


def _practice_ids(b: _Builder, ids: pa.Array | None) -> None:
    if ids is None or ids.type == pa.null():
        for i in range(len(b.readable)):
            b.unreadable_row(i, None, "practice_id is missing")
        return
    plain, nulls = _edges(ids)
    values = ids.to_numpy(zero_copy_only=False)
    b.practice_id[plain] = values[plain]
    chk = check("practice_id")
    for i in np.flatnonzero(~plain).tolist():
        if nulls[i]:
            b.unreadable_row(i, None, "practice_id is missing")
            continue
        ok, value, _ = chk(values[i])
        if ok:
            b.practice_id[i] = value
        else:
            b.unreadable_row(i, None, "practice_id must be a non-empty string")


def _website(b: _Builder, arr: pa.Array) -> None:
    if arr.type != _S:  # cannot happen with READ_SCHEMA; kept honest
        raise TypeError(f"website column of type {arr.type}")
    plain, nulls = _edges(arr)
    b.website[:] = plain
    rest = np.flatnonzero(~plain & ~nulls)
    if len(rest):
        values = arr.take(pa.array(rest)).to_pylist()
        b.website[rest] = [non_blank(v) is not None for v in values]


def _names(b: _Builder, attr: str, arr: pa.Array | None) -> None:
    """Decision-maker name/title: the text stripped, None when blank."""
    if arr is None:
        return
    target = getattr(b, attr)
    plain, nulls = _edges(arr)
    values = arr.to_numpy(zero_copy_only=False)
    target[plain] = values[plain]
    for i in np.flatnonzero(~plain & ~nulls).tolist():
        target[i] = non_blank(values[i])


_EXACT_TYPES = (pa.string(), pa.int64(), pa.bool_())


def _scalar(b: _Builder, odd: np.ndarray, path: str, arr: pa.Array | None) -> None:
    """One scalar field, checked once per distinct value; stored where the rules read it."""
    if arr is None or arr.type == pa.null() or arr.null_count == len(arr):
        return
    chk = check(path)
    attr = _ATTRS.get(path)
    if arr.type == _S and chk.kind == "str" and attr is None:
        return  # display-only text: any string is valid
    exact = arr.type in _EXACT_TYPES
    if not exact and arr.type != pa.float64():
        odd |= ~_nulls(arr)  # e.g. a list where a number belongs: let the record path say why
        return
    encoded = arr.dictionary_encode()
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False)
    uniques = encoded.dictionary.to_pylist()
    results = [chk(u) if exact else _check_number(chk, u) for u in uniques]
    ok = np.array([r[0] for r in results] + [False], dtype=bool)
    good = ok[codes] & (codes >= 0)
    if attr is not None and good.any():
        convert = _converter(b, path)
        values = np.array([convert(r[1]) if r[0] else 0 for r in results], dtype=getattr(b, attr).dtype)
        getattr(b, attr)[good] = values[codes[good]]
    bad = ~ok[codes] & (codes >= 0)
    if not bad.any():
        return
    if not exact:  # 7.0 or 7? The record path reports the value as it was written.
        odd |= bad
        return
    for i in np.flatnonzero(bad).tolist():
        raw, result = uniques[codes[i]], results[codes[i]]
        _invalid(b, i, path, raw, result[2])


def _check_number(chk: FieldCheck, value: float) -> CheckResult:
    """A float that may have been written as an integer: valid only if both spellings agree."""
    result = chk(value)
    if result[0] and value.is_integer():
        twin = chk(int(value))
        if not twin[0] or twin[1] != result[1]:
            return False, None, None
    return result


def _converter(b: _Builder, path: str) -> Callable[[Any], Any]:
    if path in _CATEGORIES:
        return _CATEGORIES[path]
    if path == "enrichment_data.emr_system":
        return lambda v: b.emr(non_blank(v))
    return lambda v: v


def _list_parts(odd: np.ndarray, arr: pa.Array) -> tuple[np.ndarray, pa.Array, np.ndarray]:
    """Lengths per row, the items, and each item's row; rows with a null item become odd."""
    lengths = pc.list_value_length(arr).fill_null(0).to_numpy(zero_copy_only=False)
    items = arr.flatten()
    parents = np.repeat(np.arange(len(arr)), lengths)
    if items.null_count:
        odd[np.unique(parents[_nulls(items)])] = True  # pydantic: a list of strings has no nulls
    return lengths, items, parents


def _lengths(b: _Builder, odd: np.ndarray, attr: str | None, arr: pa.Array | None) -> None:
    if arr is None or arr.null_count == len(arr):
        return
    lengths, _, _ = _list_parts(odd, arr)
    if attr is not None:
        getattr(b, attr)[:] = lengths


def _phones(b: _Builder, odd: np.ndarray, arr: pa.Array | None) -> None:
    """Distinct phone numbers per row, compared by ASCII digits (features.distinct_phone_count)."""
    if arr is None or arr.null_count == len(arr):
        return
    _, items, parents = _list_parts(odd, arr)
    if len(items) == 0:
        return
    # "5552010001.0" (a spreadsheet number) is 5552010001: drop the ".0" before taking the digits.
    written_as_number = pc.match_substring_regex(items, f"^{SPREADSHEET_NUMBER}$")
    if pc.any(written_as_number).as_py():
        items = pc.if_else(written_as_number, pc.utf8_slice_codeunits(items, 0, -2), items)
    digits = _digits_only(items).dictionary_encode()
    codes = digits.indices.to_numpy(zero_copy_only=False).astype(np.int64)
    words = digits.dictionary.to_pylist()
    keep = codes != (words.index("") if "" in words else -1)
    if items.null_count:
        keep &= ~_nulls(items)
    pairs = np.unique(parents[keep] * len(words) + codes[keep])
    b.phone_count[:] = np.bincount(pairs // len(words), minlength=len(arr))


def _digits_only(items: pa.Array) -> pa.Array:
    """Each string with everything but ASCII digits removed (UTF-8 never hides '0'-'9' in other bytes)."""
    offsets = np.frombuffer(items.buffers()[1], dtype=np.int32)[items.offset : items.offset + len(items) + 1]
    body = items.buffers()[2]
    text = np.frombuffer(body, dtype=np.uint8) if body is not None else np.zeros(0, dtype=np.uint8)
    text = text[offsets[0] : offsets[-1]]
    is_digit = (text >= 0x30) & (text <= 0x39)
    seen = np.concatenate([[0], np.cumsum(is_digit, dtype=np.int64)])
    new_offsets = seen[offsets - offsets[0]].astype(np.int32)
    return pa.StringArray.from_buffers(
        len(items), pa.py_buffer(new_offsets), pa.py_buffer(text[is_digit].tobytes())
    )


# ---- rows Arrow cannot represent exactly -------------------------------------------------------------


def _reread(b: _Builder, odd: np.ndarray, data: bytes, spans: tuple[np.ndarray, np.ndarray]) -> None:
    """Parse the odd rows' lines with orjson and take their features from the per-record code."""
    rows = np.flatnonzero(odd)
    starts, ends = spans[0][rows].tolist(), spans[1][rows].tolist()
    sub = FeatureTable.from_records([orjson.loads(data[s:e]) for s, e in zip(starts, ends, strict=True)])
    for attr in _COLUMNS:
        values = getattr(sub, attr)
        if attr == "emr_code":
            remap = np.array([b.emr(v) for v in sub.emr_values] + [-1], dtype=np.int32)
            values = remap[values]
        getattr(b, attr)[rows] = values
    for k, i in enumerate(rows.tolist()):
        b.issues.pop(i, None)
        b.unreadable.pop(i, None)
        if not sub.readable[k]:
            b.unreadable[i] = sub.unreadable[k]
        elif k in sub.issues:
            b.issues[i] = list(sub.issues[k])


__all__ = ["READ_SCHEMA", "TECHNOLOGY_FIELDS", "table_from_jsonl"]
