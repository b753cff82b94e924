"""Nested values from outside (JSON records, configuration files), handled without recursion.

Python's ``repr``, ``str``, ``copy.deepcopy`` and ``json`` descend one call per nesting level, so a
value nested ~1,000 deep raises ``RecursionError`` in them; orjson refuses to write more than 254
levels. A practice record is at most four levels deep (SPEC §1), so a record nested deeper than
:data:`MAX_RECORD_DEPTH` anywhere — in a known field or an unknown one — is not a practice record: it
cannot be read at all (SPEC §7) and is Failed ``invalid_input``, and the rest of the batch is scored
(SPEC §9, issue 8). Shallower invalid values degrade as SPEC §7 says.

* :func:`exceeds_depth` — a level-by-level depth check with bounded work;
* :func:`deeper_than` — the same check for a whole book at once;
* :func:`bounded_repr` — the text of a value for a warning, stopping after the characters it needs;
* :func:`clip_depth` — a copy shallow enough for orjson to write and ``str`` to print.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np

MAX_RECORD_DEPTH = 32
"""How many levels of objects and lists a practice record may nest (the record itself is level 1).

A SPEC §1 record is at most four: record → enrichment_data → decision_maker → name, a list one
more. Room to spare for extra fields a producer adds, but far from the ~1,000 levels where Python
and JSON readers give out: anything deeper is not a practice record (issue 8)."""

# How deep a value is kept where it is written out (the store's record, a CSV/XLSX cell): far inside
# orjson's 254 levels and Python's ~1,000, and deeper than MAX_RECORD_DEPTH and any 60-character
# warning can show, so a clipped record scores exactly as the record did.
WRITABLE_DEPTH = 100
# What replaces the part of a value below WRITABLE_DEPTH.
CLIPPED = "…"

_CONTAINERS = (dict, list, tuple)
# Exact types that are never containers: skipped without the slower isinstance test.
_SCALARS = frozenset({str, int, float, bool, type(None)})
Offsets = Sequence[int] | np.ndarray


# Containers one depth check visits before it switches to the careful walk (see exceeds_depth).
_FAST_BUDGET = 100_000
# A whole-book check (deeper_than) may visit this many more per value: a practice record has ~8.
_BUDGET_PER_VALUE = 64


def exceeds_depth(value: Any, limit: int) -> bool:
    """True when dicts, lists and tuples nest more than ``limit`` levels in ``value`` (a container
    counts as one level: ``[]`` is 1 deep, ``{"a": [1]}`` 2; dict keys are not looked into).

    Walks one level at a time, so it stops after the levels a value has (a practice record: four).
    Data parsed from JSON is a tree, walked as it is; a value whose walk grows past
    ``_FAST_BUDGET`` containers (a huge value, or one that contains itself) is walked again visiting
    each container once, so the work stays bounded either way.
    """
    if not isinstance(value, _CONTAINERS):
        return False
    verdict = _walk([value], limit, _FAST_BUDGET)
    return _exceeds_depth_once_each(value, limit) if verdict is None else verdict


def deeper_than(values: Sequence[Any], limit: int) -> list[int]:
    """The positions of the ``values`` that :func:`exceeds_depth` ``limit``, in order.

    All values are walked together, level by level (a book of practice records costs about half of
    checking them one by one); only a part of the book that holds a deep value is split and
    walked again, so a few deep records cost a few extra walks.
    """
    containers = [v for v in values if type(v) not in _SCALARS and isinstance(v, _CONTAINERS)]
    if not containers:
        return []
    verdict = _walk(containers, limit, _FAST_BUDGET + _BUDGET_PER_VALUE * len(containers))
    if verdict is False:
        return []
    if verdict is None or len(values) <= 8:
        return [i for i, v in enumerate(values) if exceeds_depth(v, limit)]
    mid = len(values) // 2
    return deeper_than(values[:mid], limit) + [mid + i for i in deeper_than(values[mid:], limit)]


def _walk(level: list[Any], limit: int, budget: int) -> bool | None:
    """Whether containers are left ``limit`` levels below ``level`` (a list of containers), or None
    when the walk visited more than ``budget`` containers."""
    visited = 0
    for _ in range(limit):
        level = [
            child
            for container in level
            for child in (container.values() if isinstance(container, dict) else container)
            if type(child) not in _SCALARS and isinstance(child, _CONTAINERS)
        ]
        if not level:
            return False
        visited += len(level)
        if visited > budget:
            return None
    return True


def _exceeds_depth_once_each(value: Any, limit: int) -> bool:
    seen = {id(value)}
    level = [value]
    for _ in range(limit):
        deeper = []
        for container in level:
            for child in container.values() if isinstance(container, dict) else container:
                if isinstance(child, _CONTAINERS) and id(child) not in seen:
                    seen.add(id(child))
                    deeper.append(child)
        if not deeper:
            return False
        level = deeper
    return True


def lines_may_nest_deeper(data: bytes, starts: Offsets, ends: Offsets, limit: int) -> bool:
    """Whether some line ``data[start:end]`` may nest more than ``limit`` levels: it holds more than
    ``limit`` opening brackets (an upper bound on its depth, whatever its strings say).

    For readers that recurse in C, asked before they see the text (Arrow's JSON reader takes
    minutes on a line nested 15,000 deep and crashes the process at 20,000). Nesting ``limit``
    deep takes ``2 × limit`` bytes, so only longer lines are counted: ordinary records cost
    nothing.
    """
    starts, ends = np.asarray(starts, dtype=np.int64), np.asarray(ends, dtype=np.int64)
    for i in np.flatnonzero(ends - starts > 2 * limit).tolist():
        start, end = int(starts[i]), int(ends[i])
        if data.count(b"[", start, end) + data.count(b"{", start, end) > limit:
            return True
    return False


def clip_depth(value: Any, limit: int) -> Any:
    """``value`` itself when it is at most ``limit`` levels deep, else a copy whose containers below
    level ``limit`` are replaced by :data:`CLIPPED` (tuples become lists, as JSON has them).

    ``clip_depth(record, WRITABLE_DEPTH)`` scores as ``record`` does, and orjson can write it and
    read it back.
    """
    if not exceeds_depth(value, limit):
        return value
    root = _shallow(value)
    level = [root]
    for depth in range(1, limit + 1):
        deeper = []
        for container in level:
            slots = container.items() if isinstance(container, dict) else enumerate(container)
            for key, child in list(slots):
                if isinstance(child, _CONTAINERS):
                    if depth == limit:
                        container[key] = CLIPPED
                    else:
                        container[key] = copy = _shallow(child)
                        deeper.append(copy)
        level = deeper
    return root


def _shallow(value: Any) -> dict[Any, Any] | list[Any]:
    return dict(value) if isinstance(value, dict) else list(value)


def bounded_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)``, cut to at most ``limit`` characters (ending in "…" when cut).

    Lists, tuples and dicts are written piece by piece from an explicit stack, so neither the
    nesting nor the size of ``value`` matters: the walk stops once ``limit`` characters are out.
    Other values use their own ``repr``.
    """
    scalar = value is None or type(value) in (str, int, float, bool)
    text = repr(value) if scalar else _walk_repr(value, limit)
    return text if len(text) <= limit else text[: max(limit - 1, 0)] + "…"


def _walk_repr(value: Any, limit: int) -> str:
    out: list[str] = []
    size = 0
    # Each frame yields (is_value, item): a value still to write, or a literal piece of text.
    stack: list[Iterator[tuple[bool, Any]]] = [iter([(True, value)])]
    while stack and size <= limit:
        step = next(stack[-1], None)
        if step is None:
            stack.pop()
            continue
        is_value, item = step
        if not is_value:
            piece = item
        elif type(item) is list:
            stack.append(_sequence(item, "[", "]"))
            continue
        elif type(item) is tuple:
            stack.append(_sequence(item, "(", ",)" if len(item) == 1 else ")"))
            continue
        elif type(item) is dict:
            stack.append(_mapping(item))
            continue
        else:
            piece = _leaf_repr(item)
        out.append(piece)
        size += len(piece)
    return "".join(out)


def _sequence(items: list[Any] | tuple[Any, ...], opening: str, closing: str) -> Iterator[tuple[bool, Any]]:
    yield False, opening
    for i, item in enumerate(items):
        if i:
            yield False, ", "
        yield True, item
    yield False, closing


def _mapping(items: dict[Any, Any]) -> Iterator[tuple[bool, Any]]:
    yield False, "{"
    for i, (key, item) in enumerate(items.items()):
        if i:
            yield False, ", "
        yield True, key
        yield False, ": "
        yield True, item
    yield False, "}"


def _leaf_repr(value: Any) -> str:
    try:
        return repr(value)
    except RecursionError:  # a foreign container (a set of deep tuples, a subclass): name it instead
        return f"<{type(value).__name__}>"
