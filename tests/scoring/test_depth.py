"""scoring.depth: text, depth and clipping of nested values, at any depth, without recursion."""

from __future__ import annotations

import math
import sys
from typing import Any

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring.breakdown import short_repr
from scoring.depth import CLIPPED, WRITABLE_DEPTH, bounded_repr, clip_depth, exceeds_depth

from .deep_values import deep_list, deep_value

json_like = st.recursive(
    st.none()
    | st.booleans()
    | st.integers()
    | st.floats()
    | st.text(max_size=8)
    | st.sampled_from(["it's", 'say "hi"', "both ' \"", "\\", "\n", "🐾"]),
    lambda inner: st.lists(inner, max_size=4)
    | st.tuples(inner)
    | st.tuples(inner, inner)
    | st.just(())
    | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=12,
)


def reference(value: Any, limit: int) -> str:
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


@given(json_like, st.integers(2, 120))
def test_bounded_repr_is_repr_cut_to_the_limit(value: Any, limit: int) -> None:
    assert bounded_repr(value, limit) == reference(value, limit)


def test_short_repr_is_the_bounded_repr() -> None:
    value = {"a": [1, 2.5, None, "x" * 100]}
    assert short_repr(value) == reference(value, 60)
    assert short_repr("x" * 100, 40) == "'" + "x" * 38 + "…"


@pytest.mark.parametrize(
    "value",
    [
        pytest.param(deep_list(100_000), id="list-100k"),
        pytest.param(deep_value(1000, "dict"), id="dict-1000"),
        pytest.param(deep_value(333, "mixed"), id="mixed-999"),
        pytest.param(deep_value(1000, "wide"), id="wide-1000"),
    ],
)
def test_bounded_repr_of_values_deeper_than_python_can_repr(value: Any) -> None:
    with pytest.raises(RecursionError):
        repr(value)
    text = bounded_repr(value, 60)
    assert len(text) == 60 and text.endswith("…")
    assert text[:1] in "[{"


def test_bounded_repr_of_a_value_that_contains_itself_and_of_huge_values() -> None:
    loop: list[Any] = [1]
    loop.append(loop)
    assert bounded_repr(loop, 30) == "[1, [1, [1, [1, [1, [1, [1, […"
    assert bounded_repr(list(range(10**6)), 20) == "[0, 1, 2, 3, 4, 5, …"
    assert bounded_repr({"k": "v" * 10**6}, 12) == "{'k': 'vvvv…"


def test_bounded_repr_names_a_foreign_value_it_cannot_repr() -> None:
    nested: Any = frozenset()
    for _ in range(sys.getrecursionlimit() + 100):
        nested = frozenset([nested])
    assert bounded_repr([nested], 40) == "[<frozenset>]"


@pytest.mark.parametrize("depth", [1, 2, 3, 64, 99, 100, 101, 1000, 50_000])
def test_exceeds_depth_is_exact(depth: int) -> None:
    value = deep_list(depth)
    assert exceeds_depth(value, depth - 1)
    assert not exceeds_depth(value, depth)


@pytest.mark.parametrize(
    ("value", "depth"),
    [
        (1, 0),
        ("text", 0),
        ([], 1),
        ({}, 1),
        ({"a": [1]}, 2),
        ({"a": 1, "b": {"c": ({"d": []},)}}, 5),
        (deep_value(300, "dict"), 300),
        (deep_value(10, "mixed"), 30),  # a list, an object and a list per unit
    ],
)
def test_depth_counts_every_container_level(value: Any, depth: int) -> None:
    assert not exceeds_depth(value, depth)
    assert depth == 0 or exceeds_depth(value, depth - 1)


def test_exceeds_depth_ends_on_values_that_contain_themselves() -> None:
    loop: list[Any] = []
    loop.append(loop)
    loop.append(loop)  # a naive walk would visit 2**n containers at level n
    assert not exceeds_depth(loop, 100)  # each container once: the loop is one list
    chain: list[Any] = [loop]
    for _ in range(200):
        chain = [chain]
    assert exceeds_depth(chain, 150)


def test_clip_depth_keeps_shallow_values_as_they_are() -> None:
    value = {"a": [1, {"b": 2}]}
    assert clip_depth(value, 3) is value


@pytest.mark.parametrize("value", [deep_list(5000), deep_value(1000, "dict"), deep_value(300, "mixed")])
def test_clip_depth_makes_values_writable_and_keeps_what_a_warning_shows(value: Any) -> None:
    clipped = clip_depth(value, WRITABLE_DEPTH)
    assert not exceeds_depth(clipped, WRITABLE_DEPTH)
    assert exceeds_depth(clipped, WRITABLE_DEPTH - 1)
    assert orjson.loads(orjson.dumps(clipped)) == clipped
    assert CLIPPED in orjson.dumps(clipped).decode()
    assert bounded_repr(clipped, 60) == bounded_repr(value, 60)
    assert exceeds_depth(value, WRITABLE_DEPTH)  # the original is left alone


def test_clip_depth_copies_tuples_as_lists_and_leaves_nan_alone() -> None:
    value = ((math.nan, ((1,),)),)
    clipped = clip_depth(value, 2)
    assert clipped[0][1] == CLIPPED and math.isnan(clipped[0][0])
    assert isinstance(clipped, list)
