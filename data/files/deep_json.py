"""A JSON object nested deeper than orjson and the standard library read, read anyway — clipped.

orjson stops at 1,024 levels and Python's ``json`` at about 1,000 (``RecursionError``), so a JSON Lines
line nested deeper could only be a file-level error. Such a line is still one well-formed record that
scoring fails as ``invalid_input`` (scoring.depth.MAX_RECORD_DEPTH, issue 8), and the rest of the file
deserves its scores. :func:`read_deep_object` checks the text is exactly one JSON object, as
``json.loads`` would read it, without recursion, and returns it with every container below level
``WRITABLE_DEPTH`` replaced by ``CLIPPED`` — the same value ``clip_depth(json.loads(text),
WRITABLE_DEPTH)`` would be if the standard library could read the text.

How: one pass over the text with an explicit stack (runs of ``[`` and of closing brackets are taken by
one regular-expression match each), noting where each container at level ``WRITABLE_DEPTH + 1``
starts and ends; the text with those spans replaced by ``"…"`` is then no deeper than
``WRITABLE_DEPTH``, and ``json.loads`` reads it. Shallow parts (the record's own fields) are read by
the standard library's C scanner, so only the deep part is walked in Python.
"""

from __future__ import annotations

import json
import re
from json.decoder import scanstring
from typing import Any

from scoring.depth import CLIPPED, WRITABLE_DEPTH, clip_depth, exceeds_depth

_WS = re.compile(r"[ \t\n\r]*")  # JSON whitespace, as json.loads skips it
_LIST_RUN = re.compile(r"\[[\[ \t\n\r]*")  # a list opening, and the ones right inside it
_PLAIN_KEY = re.compile(r'"[^"\\\x00-\x1f]*"[ \t\n\r]*:[ \t\n\r]*')  # a key without escapes, and its colon
_COLON = re.compile(r"[ \t\n\r]*:[ \t\n\r]*")
_CLOSE_RUN = re.compile(r"[\]}][\]} \t\n\r]*")  # closing brackets, with the whitespace between them
_NUMBER = re.compile(r"-?(?:0|[1-9][0-9]*)(?:\.[0-9]+)?(?:[eE][-+]?[0-9]+)?")
# The constants json.loads accepts, by their first character (numbers start with "-" or a digit).
_CONSTANTS = {"t": "true", "f": "false", "n": "null", "N": "NaN", "I": "Infinity", "-": "-Infinity"}
_CLOSING = bytes.maketrans(b"[{", b"]}")
_NO_WS = str.maketrans("", "", " \t\n\r")
_DECODE = json.JSONDecoder().raw_decode
# Values this shallow are first offered to the standard library's C scanner (a record's fields and
# theirs): all but a deep one are read at C speed. Deeper, a failed attempt would be repeated at
# every level.
_C_SCAN_LEVELS = 3

# Expectations of the scanner.
_VALUE, _VALUE_OR_CLOSE, _KEY, _KEY_OR_CLOSE, _AFTER = range(5)


def read_deep_object(text: str, clip: int = WRITABLE_DEPTH) -> dict[str, Any]:
    """The JSON object ``text`` (surrounding JSON whitespace allowed), its containers below level
    ``clip`` replaced by :data:`~scoring.depth.CLIPPED` (the object itself is level 1).

    Raises ValueError, with a short reason, unless ``text`` is exactly one JSON object that
    ``json.loads`` would accept if it could nest that deep (NaN and Infinity included, as it does).
    Work and memory grow with the length of ``text`` (about 1 µs a character at worst), not its depth.
    """
    start = _WS.match(text).end()
    if not text.startswith("{", start):
        raise ValueError("not a JSON object")
    value, end = _read_clipped(text, start, clip)
    if _WS.match(text, end).end() != len(text):
        raise ValueError(f"extra data at character {end}")
    return value


def read_deep_array(text: str, clip: int = WRITABLE_DEPTH) -> list[Any]:
    """The JSON array ``text`` of practice records, each item clipped below level ``clip`` as
    :func:`read_deep_object` clips an object (items are read by the standard library, one by one,
    unless one nests too deep for it).

    Raises ValueError unless ``text`` is one JSON array that ``json.loads`` would accept if it could
    nest that deep, and every item too deep for the standard library is an object.
    """
    pos = _WS.match(text).end()
    if not text.startswith("[", pos):
        raise ValueError("not a JSON array")
    items: list[Any] = []
    pos = _WS.match(text, pos + 1).end()
    if text.startswith("]", pos):
        end = pos + 1
    else:
        while True:
            try:
                item, end = _read_item(text, pos, clip)
            except ValueError as exc:
                raise ValueError(f"item {len(items) + 1}: {exc}") from None
            items.append(clip_depth(item, clip))
            pos = _WS.match(text, end).end()
            if text.startswith(",", pos):
                pos = _WS.match(text, pos + 1).end()
            elif text.startswith("]", pos):
                end = pos + 1
                break
            else:
                raise ValueError(f"expected ',' or ']' at character {pos}")
    if _WS.match(text, end).end() != len(text):
        raise ValueError(f"extra data at character {end}")
    return items


def _read_item(text: str, pos: int, clip: int) -> tuple[Any, int]:
    try:
        return _DECODE(text, pos)
    except RecursionError:
        if not text.startswith("{", pos):
            raise ValueError("nested too deep to read, and not an object") from None
    return _read_clipped(text, pos, clip)


def _read_clipped(text: str, start: int, clip: int) -> tuple[Any, int]:
    """The JSON value at ``text[start]``, clipped below level ``clip``, and where it ends."""
    end, spans = _scan(text, start, clip)
    pieces, last = [], start
    placeholder = json.dumps(CLIPPED)
    for span_start, span_end in spans:
        pieces += [text[last:span_start], placeholder]
        last = span_end
    pieces.append(text[last:end])
    return json.loads("".join(pieces)), end  # at most `clip` levels now: the C scanner reads it


def _scan(text: str, pos: int, clip: int) -> tuple[int, list[tuple[int, int]]]:
    """Check the one JSON value at ``text[pos]``; return where it ends and the spans (start, end) of
    the containers at level ``clip + 1``, in order."""
    stack = bytearray()  # the open containers: b"[" or b"{" each
    spans: list[tuple[int, int]] = []
    span_start = -1
    expect = _VALUE
    size = len(text)
    while True:
        if pos >= size:
            raise ValueError("unexpected end of the text")
        char = text[pos]
        if expect == _AFTER:
            if char == ",":
                pos = _WS.match(text, pos + 1).end()
                expect = _VALUE if stack[-1] == 0x5B else _KEY
                continue
            if char not in "]}":
                raise ValueError(f"expected ',' or a closing bracket at character {pos}")
            run = _CLOSE_RUN.match(text, pos)
            closers = run.group().translate(_NO_WS).encode()
            depth = len(stack)
            closed = min(len(closers), depth)  # closers past the value's own are the caller's to judge
            expected = bytes(stack[depth - closed :][::-1]).translate(_CLOSING)
            if expected != closers[:closed]:
                wrong = next(i for i, (a, b) in enumerate(zip(expected, closers, strict=False)) if a != b)
                raise ValueError(f"mismatched closing bracket at character {_nth_bracket(run.group(), pos, wrong + 1)}")
            if span_start >= 0 and depth - closed <= clip:
                spans.append((span_start, _nth_bracket(run.group(), pos, depth - clip) + 1))
                span_start = -1
            del stack[depth - closed :]
            if not stack:
                return _nth_bracket(run.group(), pos, closed) + 1, spans
            pos = run.end()
            continue
        if expect in (_KEY, _KEY_OR_CLOSE):
            if char == "}" and expect == _KEY_OR_CLOSE:
                expect = _AFTER
                continue
            if char != '"':
                raise ValueError(f"expected a key at character {pos}")
            key = _PLAIN_KEY.match(text, pos)
            if key is None:
                pos = scanstring(text, pos + 1, True)[1]  # a key with escapes (or broken: it says so)
                key = _COLON.match(text, pos)
                if key is None:
                    raise ValueError(f"expected ':' at character {pos}")
            pos = key.end()
            expect = _VALUE
            continue
        if char == "]" and expect == _VALUE_OR_CLOSE:
            expect = _AFTER
            continue
        level = len(stack) + 1  # the level of the value at pos
        if char == "[" or char == "{":
            if 1 < level <= _C_SCAN_LEVELS:
                end = _c_scan(text, pos, clip - len(stack))
                if end is not None:
                    pos, expect = _WS.match(text, end).end(), _AFTER
                    continue
            if char == "[":
                run = _LIST_RUN.match(text, pos)
                opened = run.group().count("[")
                if span_start < 0 and level <= clip + 1 < level + opened:
                    span_start = _nth_bracket(run.group(), pos, clip + 2 - level)
                stack += b"[" * opened
                pos, expect = run.end(), _VALUE_OR_CLOSE
            else:
                if span_start < 0 and level == clip + 1:
                    span_start = pos
                stack.append(0x7B)
                pos, expect = _WS.match(text, pos + 1).end(), _KEY_OR_CLOSE
            continue
        pos = scanstring(text, pos + 1, True)[1] if char == '"' else _scalar_end(text, pos)
        if not stack:
            return pos, spans
        pos, expect = _WS.match(text, pos).end(), _AFTER


def _nth_bracket(run: str, start: int, n: int) -> int:
    """The position in the text of the ``n``-th (1-based) bracket of ``run``, which starts at
    ``start`` and holds brackets and whitespace only."""
    if " " not in run and "\t" not in run and "\n" not in run and "\r" not in run:
        return start + n - 1
    seen = 0
    for offset, char in enumerate(run):
        if char not in " \t\n\r":
            seen += 1
            if seen == n:
                return start + offset
    raise AssertionError("fewer brackets than counted")


def _c_scan(text: str, pos: int, room: int) -> int | None:
    """The end of the container at ``pos`` when the standard library reads it and it nests at most
    ``room`` levels (so nothing in it is clipped); else None, and the scanner walks it."""
    try:
        value, end = _DECODE(text, pos)
    except (ValueError, RecursionError):
        return None
    return None if exceeds_depth(value, room) else end


def _scalar_end(text: str, pos: int) -> int:
    number = _NUMBER.match(text, pos)
    if number is not None:
        return number.end()
    constant = _CONSTANTS.get(text[pos])
    if constant is None or not text.startswith(constant, pos):
        raise ValueError(f"expected a value at character {pos}")
    return pos + len(constant)
