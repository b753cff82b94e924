"""JSON Lines events a block at a time, column-wise: pyarrow's JSON reader, then the checks of SPEC §12
as array operations (issue 11: a million events imported at ≥ 200,000 a second).

The result is exactly what the per-line path of :mod:`data.events.importer` gives for the same lines
(orjson per line, then each record checked by itself): the same rows, ids, instants and sources, the
same unreadable rows with the same sentences, in the same order. Where the two readers could
disagree, :func:`read_block` declines and the importer reads that block line by line:

* a line that is blank or is not one object from ``{`` to ``}`` (Arrow would count rows differently;
  a bare ``null`` line even crashes Arrow 26), two objects on a line (rows ≠ lines);
* one of the six fields holding a number, boolean, list or object (orjson gives those to the checks,
  which read ``1001`` as ``"1001"``), a key written twice, text that is not UTF-8 (Arrow does not check
  text in fields it ignores), NaN, a number too big for a double — Arrow refuses, or we check first;
* a line with more brackets than Arrow's recursive reader takes safely (scoring.fast_records).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field

import numpy as np
import pyarrow as pa
import pyarrow.json as pj

from scoring.depth import lines_may_nest_deeper
from scoring.fast_records import ARROW_SAFE_DEPTH

from .records import derive_event_id, normalise_type
from .timestamp_columns import timestamps_us
from .timestamps import TimestampError, parse_timestamp

FIELDS = ("event_id", "practice_id", "type", "occurred_at", "source", "detail")
# Every field as text: a value of another JSON type makes Arrow refuse the block (the per-line path
# then reads it as orjson does); other keys are ignored, as the per-line checks ignore them.
READ_SCHEMA = pa.schema([(name, pa.string()) for name in FIELDS])
_PARSE = pj.ParseOptions(explicit_schema=READ_SCHEMA, unexpected_field_behavior="ignore")
ARROW_BLOCK = 1 << 20  # Arrow parses a block's pieces of this size in parallel threads (measured: 1 MiB best)


def read_block(piece: bytes) -> pa.Table | None:
    """The six fields (text or null) of every line of ``piece`` — whole lines, the last perhaps without
    its newline — as a table of one row per line; None when only the per-line reader can say (see the
    module docstring). Never raises for bad input."""
    text = np.frombuffer(piece, dtype=np.uint8)
    if not len(text):
        return None
    newlines = np.flatnonzero(text == 0x0A)
    ends = newlines if piece.endswith(b"\n") else np.append(newlines, len(text))
    starts = np.concatenate([[0], newlines[: len(ends) - 1] + 1])
    # Every line `{…}`: no blank lines, no whitespace or \r around the object, nothing but objects.
    if not ((ends > starts).all() and (text[starts] == 0x7B).all() and (text[ends - 1] == 0x7D).all()):
        return None
    longest = int((ends - starts).max())
    if longest > 2 * ARROW_SAFE_DEPTH and lines_may_nest_deeper(piece, starts, ends, ARROW_SAFE_DEPTH):
        return None
    if not piece.isascii():
        try:
            piece.decode("utf-8")
        except UnicodeDecodeError:
            return None
    try:
        table = pj.read_json(
            io.BytesIO(piece),
            read_options=pj.ReadOptions(block_size=max(ARROW_BLOCK, 2 * longest)),  # a block holds whole lines
            parse_options=_PARSE,
        )
    except (pa.ArrowException, ValueError):  # another JSON type in a field, a duplicate key, bad JSON, ...
        return None
    if table.num_rows != len(starts):
        return None
    return table


@dataclass
class CheckedBlock:
    """One block's lines checked (SPEC §12), in line order; the readable events as parallel lists."""

    rows: int = 0  # lines holding an event, readable or not
    unreadable: list[tuple[int, str, str]] = field(default_factory=list)  # (line, field, problem)
    event_ids: list[str] = field(default_factory=list)  # given, or derived from practice, type and instant
    practice_ids: list[str] = field(default_factory=list)
    types: list[str] = field(default_factory=list)  # normalised
    occurred_us: list[int] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    details: list[str | None] = field(default_factory=list)


def check_block(table: pa.Table, first_line: int, source_default: str) -> CheckedBlock:
    """The per-line checks of :class:`data.events.importer.EventStream` for a whole block read by
    :func:`read_block` whose first row is line ``first_line``: blank objects skipped, unreadable rows
    named (practice_id, then type, then occurred_at), ids derived where none is given. Duplicates are
    left to the caller, which knows the lines before."""
    columns = {name: table.column(name).combine_chunks() for name in FIELDS}
    event_id, id_blank = _stripped(columns["event_id"])
    practice_id, pid_blank = _stripped_few(columns["practice_id"])
    kind, kind_blank, kind_type = _types(columns["type"])
    when = columns["occurred_at"]
    us, read = timestamps_us(when)
    when_values = None

    skip = pid_blank & kind_blank & id_blank
    if skip.any():  # … and no time: an empty object is not an event
        when_values = when.to_numpy(zero_copy_only=False)
        skip[skip] = [value is None or not value.strip() for value in when_values[skip]]
    out = CheckedBlock(rows=int(len(skip) - skip.sum()))

    problems: list[tuple[int, str, str]] = []
    no_practice = ~skip & pid_blank
    no_type = ~skip & ~pid_blank & kind_type
    timed = ~skip & ~pid_blank & ~kind_type
    problems += [(i, "practice_id", "is blank") for i in np.flatnonzero(no_practice).tolist()]
    problems += [(i, "type", "is blank") for i in np.flatnonzero(no_type).tolist()]
    slow = np.flatnonzero(timed & ~read)
    if len(slow):
        when_values = when.to_numpy(zero_copy_only=False) if when_values is None else when_values
        for i in slow.tolist():
            try:
                us[i] = parse_timestamp(when_values[i])
            except TimestampError as exc:
                problems.append((i, "occurred_at", str(exc)))
                timed[i] = False
    if problems:
        problems.sort(key=lambda p: p[0])
        out.unreadable = [(first_line + i, name, why) for i, name, why in problems]

    keep = np.flatnonzero(timed)
    ids = event_id[keep]
    practice_ids, types, instants = practice_id[keep].tolist(), kind[keep].tolist(), us[keep].tolist()
    derive = np.flatnonzero(id_blank[keep])
    for i in derive.tolist():
        ids[i] = derive_event_id(practice_ids[i], types[i], instants[i])
    source, source_blank = _stripped_few(columns["source"])
    source[source_blank] = source_default
    detail, detail_blank = _stripped(columns["detail"])
    detail[detail_blank] = None
    out.event_ids, out.practice_ids, out.types, out.occurred_us = ids.tolist(), practice_ids, types, instants
    out.sources, out.details = source[keep].tolist(), detail[keep].tolist()
    return out


def _stripped(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """Each value stripped as ``str.strip`` does (an object array; None for null), and whether it is
    blank (null or nothing left). Text starting and ending with printable ASCII is left as it is
    (nothing to strip); only the rest costs a Python call."""
    n = len(values)
    out = values.to_numpy(zero_copy_only=False)
    null = np.asarray(values.is_null().to_numpy(zero_copy_only=False), dtype=bool)
    if values.null_count == n:
        return out, np.ones(n, dtype=bool)
    offsets = np.frombuffer(values.buffers()[1], dtype=np.int32)[values.offset : values.offset + n + 1]
    body = values.buffers()[2]
    text = np.frombuffer(body, dtype=np.uint8) if body is not None and body.size else np.zeros(1, dtype=np.uint8)
    starts, ends = offsets[:-1], offsets[1:]
    filled = ends > starts
    first, last = text[np.where(filled, starts, 0)], text[np.where(filled, ends - 1, 0)]
    plain = filled & (first > 0x20) & (first < 0x7F) & (last > 0x20) & (last < 0x7F)
    blank = null.copy()
    for i in np.flatnonzero(~plain & ~null).tolist():
        out[i] = out[i].strip()
        blank[i] = not out[i]
    return out, blank


def _stripped_few(values: pa.Array) -> tuple[np.ndarray, np.ndarray]:
    """:func:`_stripped` for a column of few distinct values (practice ids, sources): each distinct
    value stripped once."""
    encoded = values.dictionary_encode()
    uniques = [value.strip() for value in encoded.dictionary.to_pylist()]
    codes = encoded.indices.fill_null(len(uniques)).to_numpy(zero_copy_only=False)
    table = np.array([*uniques, None], dtype=object)
    blank = np.array([not value for value in uniques] + [True], dtype=bool)
    return table[codes], blank[codes]


def _types(values: pa.Array) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Event types: (normalised, blank once stripped, blank once normalised) — each distinct value once."""
    encoded = values.dictionary_encode()
    stripped = [value.strip() for value in encoded.dictionary.to_pylist()]
    names = [normalise_type(value) if value else None for value in stripped]
    codes = encoded.indices.fill_null(len(names)).to_numpy(zero_copy_only=False)
    table = np.array([*names, None], dtype=object)
    blank = np.array([not value for value in stripped] + [True], dtype=bool)
    unnamed = np.array([not name for name in names] + [True], dtype=bool)
    return table[codes], blank[codes], unnamed[codes]
