"""data.files.deep_json: reads what json.loads reads (clipped), refuses what it refuses, at any depth."""

from __future__ import annotations

import json
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from data.files.deep_json import read_deep_array, read_deep_object
from scoring.depth import CLIPPED, clip_depth
from tests.scoring.deep_values import deep_text

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-(10**20), 10**20) | st.floats(allow_nan=True)
    | st.text(max_size=6) | st.sampled_from(["]", "}", "[{", '"', "\\", "\x01"]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner, max_size=3),
    max_leaves=20,
)
SPACES = st.sampled_from(["", " ", "\t", "\r\n", "  \n "])


@st.composite
def json_texts(draw: st.DrawFn) -> str:
    """JSON text of a value (often an object), spaced at random, sometimes broken by one edit."""
    value = draw(st.dictionaries(st.text(max_size=4), json_values, max_size=4) | json_values)
    text = json.dumps(value, separators=(draw(SPACES) + "," + draw(SPACES), draw(SPACES) + ":" + draw(SPACES)))
    text = draw(SPACES) + text + draw(SPACES)
    if text and draw(st.booleans()):
        at = draw(st.integers(0, len(text) - 1))
        edit = draw(st.sampled_from(["delete", "insert", "double"]))
        if edit == "delete":
            text = text[:at] + text[at + 1 :]
        elif edit == "insert":
            text = text[:at] + draw(st.sampled_from(list('[]{},:" 0-.eE\\\x00tnNI'))) + text[at:]
        else:
            text = text[:at] + text[at] + text[at:]
    return text


def standard(text: str, clip: int) -> Any:
    """What the standard library makes of ``text``, clipped; the exception class when it refuses it."""
    try:
        return clip_depth(json.loads(text), clip)
    except ValueError as exc:
        return type(exc)


@settings(max_examples=400, deadline=None)
@given(json_texts(), st.integers(1, 4))
def test_an_object_reads_as_json_loads_reads_it_clipped(text: str, clip: int) -> None:
    want = standard(text, clip)
    try:
        got: Any = read_deep_object(text, clip)
    except ValueError:
        assert not isinstance(want, dict), text  # refused by json.loads too, or not an object
    else:
        assert isinstance(want, dict), text
        assert json.dumps(got) == json.dumps(want)


@settings(max_examples=200, deadline=None)
@given(st.lists(json_texts(), max_size=4), st.integers(1, 4))
def test_an_array_reads_as_json_loads_reads_it_clipped_item_by_item(items: list[str], clip: int) -> None:
    text = "[" + ",".join(items) + "]"
    try:
        want = [clip_depth(item, clip) for item in json.loads(text)]
    except ValueError:
        with pytest.raises(ValueError):
            read_deep_array(text, clip)
    else:
        assert json.dumps(read_deep_array(text, clip)) == json.dumps(want)


@pytest.mark.parametrize("shape", ["list", "dict", "mixed", "wide"])
@pytest.mark.parametrize("depth", [2000, 200_000])
def test_deeper_than_any_json_reader_the_value_is_kept_to_the_clip(shape: str, depth: int) -> None:
    text = '{"practice_id": "P", "x": [1, 2], "deep": ' + deep_text(depth, shape, '"\\u00e9"') + ', "y": NaN}'
    with pytest.raises(RecursionError):
        json.loads(text)
    value = read_deep_object(text, 4)
    assert (value["practice_id"], value["x"]) == ("P", [1, 2])
    assert value["y"] != value["y"]  # NaN, as json.loads reads it
    shallow = json.loads(text.replace(deep_text(depth, shape, '"\\u00e9"'), deep_text(5, shape, '"\\u00e9"')))
    assert value == {**clip_depth(shallow, 4), "y": value["y"]}
    assert CLIPPED in json.dumps(value, ensure_ascii=False)


@pytest.mark.parametrize(
    ("text", "reason"),
    [
        pytest.param("[1]", "not a JSON object", id="a-list"),
        pytest.param('{"a": ' + "[" * 3000 + "]" * 2999 + "}}", "mismatched closing bracket at character 6005",
                     id="mismatched"),
        pytest.param('{"a": ' + "[" * 3000, "unexpected end of the text", id="cut-off"),
        pytest.param('{"a": ' + "[" * 3000 + "1 2" + "]" * 3000 + "}",
                     "expected ',' or a closing bracket at character 3008", id="two-values"),
        pytest.param('{"a": ' + "[" * 3000 + "]" * 3000 + "}}", "extra data at character 6007", id="extra-closer"),
        pytest.param('{"a": ' + "[" * 3000 + "\x00" + "]" * 3000 + "}", "expected a value at character 3006",
                     id="nul"),
    ],
)
def test_broken_deep_text_is_refused_saying_where(text: str, reason: str) -> None:
    with pytest.raises(ValueError) as caught:
        read_deep_object(text)
    assert str(caught.value) == reason
