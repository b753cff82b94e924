"""JSON Lines and JSON arrays of practice records: parsed as orjson does, or refused in one line.

A record nested deeper than orjson and the standard library read (about 1,000 levels) is read anyway
when it is a well-formed JSON object, clipped below WRITABLE_DEPTH (:mod:`data.files.deep_json`):
scoring then fails that record, nested deeper than MAX_RECORD_DEPTH, and scores the rest (issue 8).

No pandas here: `leadscore score` on JSON Lines starts without it.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson

from scoring.depth import WRITABLE_DEPTH, clip_depth
from scoring.fields import FLAT_COLUMNS

from .deep_json import read_deep_array, read_deep_object
from .source import FileSource, InputError

SEGMENT_BYTES = 8 << 20  # JSON Lines are read in segments of about this size (measured: a little faster)


def jsonl_segments(source: FileSource, size: int = SEGMENT_BYTES) -> Iterator[tuple[bytes, int]]:
    """The file in slices of about ``size`` bytes that end at line ends, each with its first line's number
    (read as it goes: the file is never held whole)."""
    with source.open() as handle:
        carry, line = b"", 1
        while True:
            try:
                block = handle.read(size)
            except OSError as exc:
                raise InputError(f"{source.name}: cannot read ({exc.strerror or exc})") from None
            if not block:
                if carry:
                    yield carry, line
                return
            data = carry + block
            cut = data.rfind(b"\n")
            if cut < 0:
                carry = data
                continue
            segment, carry = data[: cut + 1], data[cut + 1 :]
            yield segment, line
            line += segment.count(b"\n")


def parse_jsonl(data: bytes, path: Path | str, *, first_line: int = 1) -> list[Any]:
    return parse_jsonl_lines(data, path, first_line=first_line)[0]


def parse_jsonl_lines(data: bytes, path: Path | str, *, first_line: int = 1) -> tuple[list[Any], np.ndarray]:
    """Every non-blank line's JSON value, and its line number; InputError naming the first broken line."""
    records = []
    numbers = []
    loads = orjson.loads
    for number, line in enumerate(data.split(b"\n"), start=first_line):
        if not line.strip():
            continue
        try:
            records.append(loads(line))
        except orjson.JSONDecodeError as exc:
            where = f"{path}:{number}: line {number} is not valid JSON"
            records.append(_lenient_json(line, exc, where, read_deep_object, b"{"))
        numbers.append(number)
    return records, np.array(numbers, dtype=np.int64)


def _json_reason(exc: orjson.JSONDecodeError) -> str:
    return str(exc).split(": line")[0]


def _lenient_json(
    text: bytes, exc: orjson.JSONDecodeError, where: str, read_deep: Callable[[str], Any], opening: bytes
) -> Any:
    """Python's json writes NaN/Infinity by default; such a record is readable (SPEC §7 then flags the
    value as invalid), so only text that even the standard library cannot read is an error.

    Text nested too deep for the standard library that starts with ``opening`` (a record: ``{``; a
    book: ``[``) is read by ``read_deep`` (deep_json, clipped); other text too deep is an error.
    """
    # Clipped as deep_json clips (orjson writes at most 254 levels); a record this deep scores the same.
    clip = WRITABLE_DEPTH + 1 if opening == b"[" else WRITABLE_DEPTH  # a book's records are one level in
    try:
        value = clip_depth(json.loads(text), clip)
    except RecursionError:
        if not text.lstrip(b" \t\r\n").startswith(opening):
            raise InputError(f"{where} ({_json_reason(exc)})") from None
        try:
            value = read_deep(text.decode(json.detect_encoding(text), "surrogatepass"))
        except ValueError as why:  # deep_json's reason: what is wrong, and where
            raise InputError(f"{where} ({why})") from None
    except ValueError:
        raise InputError(f"{where} ({_json_reason(exc)})") from None
    try:
        orjson.dumps(value)  # what we cannot write back (lone surrogates, …) is not readable either
    except orjson.JSONEncodeError:
        raise InputError(f"{where} ({_json_reason(exc)})") from None
    return value


def parse_json_list(data: bytes, path: Path | str) -> list[Any]:
    try:
        value = orjson.loads(data)
    except orjson.JSONDecodeError as exc:
        value = _lenient_json(data, exc, f"{path}:{exc.lineno}: not valid JSON", read_deep_array, b"[")
    if not isinstance(value, list):
        raise InputError(f"{path}: expected a JSON array of practice records, got a JSON {type(value).__name__}")
    return value


def flatten_record(record: Any) -> dict[str, Any]:
    """A nested record as SPEC §1 flat columns (lists joined with '; ')."""
    if not isinstance(record, dict):
        return {}
    row: dict[str, Any] = {}
    for column, path in FLAT_COLUMNS.items():
        value: Any = record
        for key in path.split("."):
            value = value.get(key) if isinstance(value, dict) else None
        if isinstance(value, list | dict):
            value = clip_depth(value, WRITABLE_DEPTH)  # scoring.depth: str()/orjson would recurse
        if isinstance(value, list):
            value = "; ".join(str(v) for v in value)
        elif isinstance(value, dict):
            value = orjson.dumps(value).decode()
        row[column] = value
    return row
