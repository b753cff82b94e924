"""Values nested up to ~1,000 deep (and more), as Python objects and as JSON text (built without recursion)."""

from __future__ import annotations

import json
import math
from typing import Any

import orjson
from hypothesis import strategies as st

from scoring.depth import MAX_RECORD_DEPTH

# Openings and closings of one nesting level, by shape.
LEVELS = {
    "list": ("[", "]"),
    "dict": ('{"a":', "}"),
    "mixed": ('[{"k":[1,', "]}]"),  # three levels per unit: a list holding an object holding a list
    "wide": ('{"x":1,"y":[2,3],"z":', "}"),
}
LEAVES = ("1", '"x"', "[]", "{}", "null", "4.5", '"Cornerstone"')


def deep_text(depth: int, shape: str = "list", leaf: str = "1") -> str:
    """JSON text of a value nested ``depth`` units deep (``mixed`` units are three levels each)."""
    opening, closing = LEVELS[shape]
    return opening * depth + leaf + closing * depth


def deep_value(depth: int, shape: str = "list", leaf: str = "1") -> Any:
    """The value of :func:`deep_text`, parsed by orjson (which reads up to 1,024 levels)."""
    return orjson.loads(deep_text(depth, shape, leaf))


def deep_list(depth: int) -> list[Any]:
    """``[[[…[1]…]]]`` of any depth, built in a loop (no parser limit)."""
    value: list[Any] = [1]
    for _ in range(depth - 1):
        value = [value]
    return value


# JSON texts 2 to 1,000 levels deep: the issue's ~1,000 and everything on the way, often either side of
# MAX_RECORD_DEPTH (where in the record a value sits adds one to three levels).
deep_texts = st.builds(
    deep_text,
    st.one_of(
        st.integers(MAX_RECORD_DEPTH - 6, MAX_RECORD_DEPTH + 1),
        st.integers(2, 80),
        st.integers(250, 500),
        st.just(1000),
    ),
    st.sampled_from(["list", "dict", "wide"]),
    st.sampled_from(LEAVES),
) | st.builds(deep_text, st.integers(1, 333), st.just("mixed"), st.sampled_from(LEAVES))

# Where a deep value goes in a record: known fields of every kind, unknown fields at every level.
DEEP_PLACES = (
    ("google_maps_data", "name"),
    ("google_maps_data", "rating"),
    ("google_maps_data", "reviews_count"),
    ("google_maps_data", "has_multiple_locations"),
    ("google_maps_data", "notes"),
    ("enrichment_data", "vet_count"),
    ("enrichment_data", "technologies"),
    ("enrichment_data", "phone_numbers"),
    ("enrichment_data", "emr_system"),
    ("enrichment_data", "decision_maker"),
    ("enrichment_data", "raw_html"),
    ("enrichment_confidence",),
    ("enrichment_data",),
    ("google_maps_data",),
    ("practice_id",),
    ("meta",),
)
PLACEHOLDER = "__deep value here__"


def with_deep_value(record: Any, place: tuple[str, ...], text: str) -> bytes:
    """``record`` as one JSON line with the value at ``place`` replaced by the JSON ``text``.

    When ``place``'s parent is missing or not an object it is created (a record that is not an
    object gets no deep value).
    """
    if isinstance(record, dict):
        record = dict(record)
        target = record
        for key in place[:-1]:
            child = target.get(key)
            child = dict(child) if isinstance(child, dict) else {}
            target[key] = child
            target = child
        target[place[-1]] = PLACEHOLDER
    line = json.dumps(_finite(record), allow_nan=False)  # the stdlib writes integers of any size
    return line.replace(json.dumps(PLACEHOLDER), text).encode()


def _finite(value: Any) -> Any:
    """NaN and infinities as null, as orjson writes them (JSON has no literal for them)."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value
