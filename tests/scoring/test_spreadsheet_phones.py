"""SPEC §3 (amended): a phone entry written as a spreadsheet number (`5552010001.0`) is that number.

Every way into scoring agrees: one record, a book of records, a flat frame (object and text columns),
and the Arrow JSON Lines reader."""

from __future__ import annotations

from typing import Any

import orjson
import pandas as pd
import pytest

from scoring.engine import score_record
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable, distinct_phone_count, phone_digits, record_from_flat_row

from .records import full_record

CASES = [
    # the issue's example: a number cell's text beside the same number as text
    pytest.param(["5552010001.0", "5552010001"], 1, id="number-cell-and-text-are-one-number"),
    pytest.param(["5552010001.0"], 1, id="one-number-cell"),
    pytest.param(["5552010001.0", "5552010002.0"], 2, id="two-number-cells"),
    pytest.param(["5552010001.0", "(555) 201-0001"], 1, id="number-cell-and-formatted-number"),
    # not "digits followed by .0": the digits are taken as they are
    pytest.param(["555-201-0001.0", "5552010001"], 2, id="formatted-with-dot-zero-keeps-its-zero"),
    pytest.param(["5552010001.00", "5552010001"], 2, id="two-zeros-is-not-a-number-cell"),
    pytest.param([".0", "0"], 1, id="dot-zero-alone-is-the-digit-zero"),
]


@pytest.mark.parametrize(("phones", "distinct"), CASES)
def test_distinct_phone_count(phones: list[str], distinct: int) -> None:
    assert distinct_phone_count(phones) == distinct


def test_phone_digits() -> None:
    assert phone_digits("5552010001.0") == "5552010001"
    assert phone_digits("555.0") == "555"
    assert phone_digits("(555) 201-0001") == "5552010001"
    assert phone_digits("555-201-0001.0") == "55520100010"


def _paths(phones: list[str]) -> dict[str, int]:
    """The call-volume points each path gives a practice with these phone entries."""
    record = full_record("p1", enrichment_data__phone_numbers=phones)
    single = orjson.loads(score_record(record).score_breakdown)["components"]["call_volume"]["score"]
    book = int(FeatureTable.from_records([record]).phone_count[0])
    arrow = table_from_jsonl(orjson.dumps(record) + b"\n")
    assert arrow is not None
    flat = {"practice_id": "p1", "vet_count": "5", "phone_numbers": "; ".join(phones)}
    as_objects = FeatureTable.from_frame(pd.DataFrame([flat], dtype=object))
    as_text = FeatureTable.from_frame(pd.DataFrame([flat], dtype="str"))
    via_record = FeatureTable.from_records([record_from_flat_row(flat)])
    return {
        "single": single,
        "book": book,
        "arrow": int(arrow.phone_count[0]),
        "flat objects": int(as_objects.phone_count[0]),
        "flat text": int(as_text.phone_count[0]),
        "flat record": int(via_record.phone_count[0]),
    }


@pytest.mark.parametrize(("phones", "distinct"), CASES)
def test_every_path_counts_spreadsheet_numbers_alike(phones: list[str], distinct: int) -> None:
    counts = _paths(phones)
    points = {0: 0, 1: 10, 2: 20}.get(distinct, 30)
    assert counts["single"] == points
    assert {k: v for k, v in counts.items() if k != "single"} == {k: distinct for k in counts if k != "single"}


def test_call_volume_of_the_issue_example_is_ten_not_twenty() -> None:
    out: Any = score_record(full_record("p1", enrichment_data__phone_numbers=["5552010001.0", "555-201-0001"]))
    assert orjson.loads(out.score_breakdown)["components"]["call_volume"]["score"] == 10
