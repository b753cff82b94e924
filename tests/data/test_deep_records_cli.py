"""Records nested ~1,000 deep (issue 8) through `leadscore score` (every output format) and the store
(`rescore`): the batch is scored, nothing raises, every path gives the single-record verdict."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from data.cli import main
from data.scoring_runs import run_scoring
from data.store import Store
from scoring.depth import CLIPPED, WRITABLE_DEPTH, exceeds_depth
from scoring.engine import score_record
from tests.data.conftest import practice_row
from tests.scoring.deep_values import deep_list, deep_text, deep_value, with_deep_value
from tests.scoring.records import full_record

LINES = [
    orjson.dumps(full_record("A")),
    # the example: a name nested 1,000 deep
    b'{"practice_id":"P1","google_maps_data":{"name":' + deep_text(1000).encode() + b"}}",
    with_deep_value(full_record("B"), ("enrichment_data", "technologies"), deep_text(1000, "dict")),
    with_deep_value(full_record("C"), ("google_maps_data",), deep_text(1000)),
    with_deep_value(full_record("D"), ("meta",), deep_text(1000, "wide")),
    orjson.dumps(full_record("E")),
]
VERDICTS = [("A", "Scored"), ("P1", "Scored"), ("B", "Scored"), ("C", "Failed"), ("D", "Scored"), ("E", "Scored")]


@pytest.fixture
def run() -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def expected_outputs() -> list[dict[str, Any]]:
    return [score_record(orjson.loads(line)).model_dump(mode="json") for line in LINES]


def same_scores(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("practice_id", "lead_score", "priority_tier", "scoring_status", "error_type", "error_message"):
        assert got[key] == want[key], key
    got_doc, want_doc = json.loads(got["score_breakdown"]), json.loads(want["score_breakdown"])
    got_doc.pop("timestamp", None)
    want_doc.pop("timestamp", None)
    assert got_doc == want_doc


@pytest.mark.parametrize("input_name", ["book.jsonl", "book.json"])
def test_score_to_json_lines_scores_the_whole_batch(run: Callable[..., Result], input_name: str) -> None:
    source = Path(input_name)
    if input_name.endswith(".jsonl"):
        source.write_bytes(b"\n".join(LINES) + b"\n")
    else:
        source.write_bytes(b"[" + b",\n".join(LINES) + b"]")
    result = run("score", str(source), "-o", "out.jsonl", "--no-progress")
    assert result.exit_code == 0, result.output
    assert "failed 1 (invalid_input 1)" in result.output
    outputs = [orjson.loads(line) for line in Path("out.jsonl").read_bytes().splitlines()]
    assert [(o["practice_id"], o["scoring_status"]) for o in outputs] == VERDICTS
    for got, want in zip(outputs, expected_outputs(), strict=True):
        same_scores(got, want)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_score_to_a_table_scores_the_whole_batch(run: Callable[..., Result], suffix: str) -> None:
    Path("book.jsonl").write_bytes(b"\n".join(LINES) + b"\n")
    result = run("score", "book.jsonl", "-o", f"out.{suffix}", "--no-progress")
    assert result.exit_code == 0, result.output
    if suffix == "csv":
        frame = pd.read_csv("out.csv", dtype=str, keep_default_na=False)
    else:
        frame = pd.read_excel("out.xlsx", dtype=str, keep_default_na=False)
        assert openpyxl.load_workbook("out.xlsx").active.max_row == len(LINES) + 1
    assert list(zip(frame["practice_id"], frame["scoring_status"], strict=True)) == VERDICTS
    name = frame.loc[frame["practice_id"] == "P1", "name"].item()
    assert name.startswith("[[[[") and CLIPPED in name  # the deep cell, cut where a cell can hold it
    assert frame.loc[frame["practice_id"] == "A", "name"].item() == full_record("A")["google_maps_data"]["name"]
    for (_, row), want in zip(frame.iterrows(), expected_outputs(), strict=True):
        assert row["score_breakdown"].startswith("{")
        same_scores({**row.to_dict(), "lead_score": _int(row["lead_score"]), "error_type": row["error_type"] or None,
                     "error_message": row["error_message"] or None, "priority_tier": row["priority_tier"] or None},
                    want)


def _int(text: str) -> int | None:
    return int(float(text)) if text else None


@pytest.mark.parametrize("depth", [3000, 100_000])
def test_a_line_deeper_than_json_parsers_read_is_a_one_line_error(depth: int) -> None:
    """orjson reads 1,024 levels: deeper is not a record anyone can read (100,000 levels crashed the
    process in Arrow's reader before the record path could say so)."""
    deep_line = with_deep_value(full_record("B"), ("meta",), deep_text(depth))
    Path("book.jsonl").write_bytes(LINES[0] + b"\n" + deep_line + b"\n")
    result = CliRunner().invoke(main, ["score", "book.jsonl", "-o", "out.jsonl"])
    assert result.exit_code == 2
    assert result.output.startswith("leadscore: error: book.jsonl:2:")
    assert len(result.output.strip().splitlines()) == 1
    assert not Path("out.jsonl").exists()


@pytest.mark.parametrize(
    "deep",
    [
        pytest.param({"name": deep_list(1000)}, id="name-1000"),
        pytest.param({"rating": deep_value(1000, "dict")}, id="rating-dict-1000"),
        pytest.param({"notes": deep_list(20_000)}, id="unknown-20000"),
    ],
)
def test_the_store_keeps_and_rescores_deep_records(store: Store, deep: dict[str, Any]) -> None:
    rows = [practice_row("s1"), {**practice_row("s2", **deep), "name": "Deep"}, practice_row("s3")]
    original = rows[1]["record"]
    store.upsert_practices(rows)
    stored = dict(store.records_by_id(["s2"]))["s2"]
    assert not exceeds_depth(stored, WRITABLE_DEPTH)
    report = run_scoring(store, None, kind="rescore", trigger="manual")
    assert (report.total, report.failed) == (3, 0)
    row = store.score("s2")
    assert row is not None
    want = score_record(original).model_dump(mode="json")
    assert (row["lead_score"], row["priority_tier"], row["scoring_status"]) == (
        want["lead_score"],
        want["priority_tier"],
        want["scoring_status"],
    )
    got_doc = json.loads(row["score_breakdown"])
    assert got_doc == json.loads(want["score_breakdown"])
    # the same record again is no change (its hash is stable)
    assert store.upsert_practices([rows[1]]) == []
