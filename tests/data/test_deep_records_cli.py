"""Records nested absurdly deep (issue 8) through `leadscore score` (every output format), `leadscore
import` and the store (`rescore`): such a record is Failed `invalid_input`, the rest of the batch is
scored, exit 0 — every path gives the single-record verdict. Lines deeper than JSON readers go
(orjson: 1,024 levels) are such records too when they are objects."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import openpyxl
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner, Result

from data.cli import main
from data.files.deep_json import read_deep_array, read_deep_object
from data.files.jsonl import parse_json_list, parse_jsonl_lines
from data.scoring_runs import run_scoring
from data.store import Store, default_db_path
from scoring.depth import CLIPPED, MAX_RECORD_DEPTH, WRITABLE_DEPTH, clip_depth, exceeds_depth
from scoring.engine import score_record
from tests.data.conftest import practice_row
from tests.scoring.deep_values import deep_list, deep_text, deep_value, with_deep_value
from tests.scoring.records import full_record

TOO_DEEP = f"record nests deeper than {MAX_RECORD_DEPTH} levels"
LINES = [
    orjson.dumps(full_record("A")),
    # the example: a name nested 1,000 deep
    b'{"practice_id":"P1","google_maps_data":{"name":' + deep_text(1000).encode() + b"}}",
    with_deep_value(full_record("B"), ("enrichment_data", "technologies"), deep_text(1000, "dict")),
    with_deep_value(full_record("C"), ("google_maps_data",), deep_text(1000)),
    with_deep_value(full_record("D"), ("meta",), deep_text(1000, "wide")),  # a field SPEC §1 does not know
    # just under the limit: the name is invalid and degrades (SPEC §7)
    with_deep_value(full_record("F"), ("google_maps_data", "name"), deep_text(MAX_RECORD_DEPTH - 2)),
    # deeper than orjson reads
    with_deep_value(full_record("G"), ("enrichment_data", "decision_maker", "name"), deep_text(5000, "dict")),
    orjson.dumps(full_record("E")),
]
VERDICTS = [
    ("A", "Scored", ""),
    ("P1", "Failed", f"{TOO_DEEP} (in google_maps_data)"),
    ("B", "Failed", f"{TOO_DEEP} (in enrichment_data)"),
    ("C", "Failed", f"{TOO_DEEP} (in google_maps_data)"),
    ("D", "Failed", f"{TOO_DEEP} (in meta)"),
    ("F", "Scored", ""),
    ("G", "Failed", f"{TOO_DEEP} (in enrichment_data)"),
    ("E", "Scored", ""),
]
SUMMARY = "failed 5 (invalid_input 5)"


@pytest.fixture
def run() -> Callable[..., Result]:
    def invoke(*args: str) -> Result:
        return CliRunner().invoke(main, list(args), catch_exceptions=False)

    return invoke


def readable(line: bytes) -> Any:
    """The record as the single-record path gets it: what orjson reads, else clipped as the reader clips."""
    try:
        return orjson.loads(line)
    except orjson.JSONDecodeError:
        return parse_jsonl_lines(line, "x.jsonl")[0][0]


def expected_outputs() -> list[dict[str, Any]]:
    return [score_record(readable(line)).model_dump(mode="json") for line in LINES]


def same_scores(got: dict[str, Any], want: dict[str, Any]) -> None:
    for key in ("practice_id", "lead_score", "priority_tier", "scoring_status", "error_type", "error_message"):
        assert got[key] == want[key], key
    got_doc, want_doc = json.loads(got["score_breakdown"]), json.loads(want["score_breakdown"])
    got_doc.pop("timestamp", None)
    want_doc.pop("timestamp", None)
    assert got_doc == want_doc


@pytest.mark.parametrize("input_name", ["book.jsonl", "book.json"])
def test_score_to_json_lines_fails_the_deep_records_and_scores_the_rest(
    run: Callable[..., Result], input_name: str
) -> None:
    source = Path(input_name)
    if input_name.endswith(".jsonl"):
        source.write_bytes(b"\n".join(LINES) + b"\n")
    else:
        source.write_bytes(b"[" + b",\n".join(LINES) + b"]")
    result = run("score", str(source), "-o", "out.jsonl", "--no-progress")
    assert result.exit_code == 0, result.output
    assert SUMMARY in result.output
    outputs = [orjson.loads(line) for line in Path("out.jsonl").read_bytes().splitlines()]
    assert [(o["practice_id"], o["scoring_status"], o["error_message"] or "") for o in outputs] == VERDICTS
    assert {o["error_type"] for o in outputs if o["scoring_status"] == "Failed"} == {"invalid_input"}
    failed = [o for o in outputs if o["scoring_status"] == "Failed"]
    assert all(o["lead_score"] is None and o["priority_tier"] is None for o in failed)
    assert "Data Validation Error" in outputs[5]["confidence_flags"]
    for got, want in zip(outputs, expected_outputs(), strict=True):
        same_scores(got, want)


@pytest.mark.parametrize("suffix", ["csv", "xlsx"])
def test_score_to_a_table_fails_the_deep_records_and_scores_the_rest(run: Callable[..., Result], suffix: str) -> None:
    Path("book.jsonl").write_bytes(b"\n".join(LINES) + b"\n")
    result = run("score", "book.jsonl", "-o", f"out.{suffix}", "--no-progress")
    assert result.exit_code == 0, result.output
    assert SUMMARY in result.output
    if suffix == "csv":
        frame = pd.read_csv("out.csv", dtype=str, keep_default_na=False)
    else:
        frame = pd.read_excel("out.xlsx", dtype=str, keep_default_na=False)
        assert openpyxl.load_workbook("out.xlsx").active.max_row == len(LINES) + 1
    assert list(zip(frame["practice_id"], frame["scoring_status"], frame["error_message"], strict=True)) == VERDICTS
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


def test_import_leaves_out_the_deep_records_saying_why_and_imports_the_rest(run: Callable[..., Result]) -> None:
    """A record that cannot be read is not imported (the importer's rule for every such record)."""
    Path("book.jsonl").write_bytes(b"\n".join(LINES) + b"\n")
    result = run("import", "book.jsonl")
    assert result.exit_code == 0, result.output
    assert "book.jsonl: 8 records: 2 ready, 1 with warnings, 5 not imported" in result.output
    assert f"line 2 P1 — not imported: {TOO_DEEP} (in google_maps_data)" in result.output
    assert f"line 7 G — not imported: {TOO_DEEP} (in enrichment_data)" in result.output
    assert "Imported 3 practices: scored 3" in result.output
    store = Store.open(default_db_path())
    try:
        scored = {pid: store.score(pid) for pid, _, _ in VERDICTS}
    finally:
        store.close()
    assert {pid for pid, row in scored.items() if row is not None} == {"A", "F", "E"}
    assert scored["F"]["scoring_status"] == "Scored"  # type: ignore[index]


@pytest.mark.parametrize("depth", [3000, 100_000])
@pytest.mark.parametrize("shape", ["list", "dict", "wide"])
def test_an_object_line_deeper_than_json_parsers_read_is_a_failed_record(
    run: Callable[..., Result], depth: int, shape: str
) -> None:
    """orjson reads 1,024 levels, Python's json about 1,000; deeper was a file-level error (and 100,000
    levels crashed the process in Arrow's reader before the record path could say so)."""
    deep_line = with_deep_value(full_record("B"), ("meta",), deep_text(depth, shape))
    with pytest.raises(orjson.JSONDecodeError):
        orjson.loads(deep_line)
    Path("book.jsonl").write_bytes(LINES[0] + b"\n" + deep_line + b"\n" + LINES[-1] + b"\n")
    result = run("score", "book.jsonl", "-o", "out.jsonl", "--no-progress")
    assert result.exit_code == 0, result.output
    outputs = [orjson.loads(line) for line in Path("out.jsonl").read_bytes().splitlines()]
    assert [(o["practice_id"], o["error_type"], o["error_message"]) for o in outputs] == [
        ("A", None, None),
        ("B", "invalid_input", f"{TOO_DEEP} (in meta)"),
        ("E", None, None),
    ]


@pytest.mark.parametrize(
    ("line", "says"),
    [
        pytest.param(b"[" * 3000 + b"]" * 3000, "depth limit exceeded", id="a-list-not-an-object"),
        pytest.param(b'{"practice_id": "B", "meta": ' + b"[" * 3000 + b"]" * 2999 + b"}", "mismatched closing bracket",
                     id="unbalanced"),
        pytest.param(b'{"practice_id": "B", "meta": ' + b"[" * 3000, "unexpected end of the text", id="cut-off"),
        pytest.param(b'{"practice_id": "B", "meta": ' + deep_text(3000).encode() + b"} x", "extra data",
                     id="trailing-text"),
        pytest.param(b'{"practice_id": "B", "meta": ' + deep_text(3000, leaf="1,,2").encode() + b"}",
                     "expected a value", id="broken-deep-inside"),
    ],
)
def test_a_deep_line_that_is_not_one_well_formed_object_is_a_one_line_error(line: bytes, says: str) -> None:
    Path("book.jsonl").write_bytes(LINES[0] + b"\n" + line + b"\n")
    result = CliRunner().invoke(main, ["score", "book.jsonl", "-o", "out.jsonl"])
    assert result.exit_code == 2
    assert result.output.startswith("leadscore: error: book.jsonl:2: line 2 is not valid JSON (")
    assert says in result.output
    assert len(result.output.strip().splitlines()) == 1
    assert not Path("out.jsonl").exists()


def test_a_json_array_with_a_deep_item_that_is_not_an_object_is_a_one_line_error() -> None:
    Path("book.json").write_bytes(b"[" + LINES[0] + b", " + b"[" * 3000 + b"]" * 3000 + b"]")
    result = CliRunner().invoke(main, ["score", "book.json", "-o", "out.jsonl"])
    assert result.exit_code == 2
    assert "item 2: nested too deep to read, and not an object" in result.output
    assert len(result.output.strip().splitlines()) == 1


@pytest.mark.parametrize("shape", ["list", "dict", "mixed", "wide"])
def test_the_deep_reader_reads_what_the_standard_library_reads_clipped(shape: str) -> None:
    """Below the standard library's limit both readers work: the clipped reader gives the value
    clip_depth gives (records, and items of a JSON array)."""
    for depth in (1, 2, WRITABLE_DEPTH - 2, WRITABLE_DEPTH - 1, WRITABLE_DEPTH, 200):
        for leaf in ("1", '"x"', "[]", "{}", "NaN", '"\\u00e9 \\"]}"'):
            text = '{"practice_id": "P", "g": {"n": ' + deep_text(depth, shape, leaf) + ', "m": [1, {}]}, "t": 1e3}'
            want = clip_depth(json.loads(text), WRITABLE_DEPTH)
            assert json.dumps(read_deep_object(text)) == json.dumps(want)
            assert json.dumps(read_deep_array(f"[{text}, 3]")) == json.dumps([want, 3])


def test_the_clipped_record_scores_as_the_record_would() -> None:
    line = with_deep_value(full_record("G"), ("enrichment_data", "decision_maker", "name"), deep_text(5000, "dict"))
    (clipped,), _ = parse_jsonl_lines(line, "x.jsonl")
    assert exceeds_depth(clipped, WRITABLE_DEPTH - 1) and not exceeds_depth(clipped, WRITABLE_DEPTH)
    full = json.loads(line.replace(deep_text(5000, "dict").encode(), json.dumps(deep_value(500, "dict")).encode()))
    assert score_record(clipped).error_message == score_record(full).error_message == f"{TOO_DEEP} (in enrichment_data)"
    assert clipped["enrichment_data"]["vet_count"] == full_record("G")["enrichment_data"]["vet_count"]
    assert parse_json_list(b"[" + line + b"]", "x.json") == [clipped]


@pytest.mark.parametrize(
    "deep",
    [
        pytest.param({"name": deep_list(1000)}, id="name-1000"),
        pytest.param({"rating": deep_value(1000, "dict")}, id="rating-dict-1000"),
        pytest.param({"notes": deep_list(20_000)}, id="unknown-20000"),
    ],
)
def test_the_store_keeps_deep_records_and_rescore_fails_them(store: Store, deep: dict[str, Any]) -> None:
    rows = [practice_row("s1"), {**practice_row("s2", **deep), "name": "Deep"}, practice_row("s3")]
    original = rows[1]["record"]
    store.upsert_practices(rows)
    stored = dict(store.records_by_id(["s2"]))["s2"]
    assert not exceeds_depth(stored, WRITABLE_DEPTH)
    report = run_scoring(store, None, kind="rescore", trigger="manual")
    assert (report.total, report.failed, dict(report.errors)) == (3, 1, {"invalid_input": 1})
    row = store.score("s2")
    assert row is not None
    want = score_record(original).model_dump(mode="json")
    got = (row["lead_score"], row["priority_tier"], row["scoring_status"], row["error_type"], row["error_message"])
    assert got == (None, None, "Failed", "invalid_input", f"{TOO_DEEP} (in google_maps_data)")
    assert (want["scoring_status"], want["error_message"]) == ("Failed", row["error_message"])
    assert json.loads(row["score_breakdown"])["detail"] == row["error_message"]
    for other in ("s1", "s3"):
        assert store.score(other)["scoring_status"] == "Scored"  # type: ignore[index]
    # the same record again is no change (its hash is stable)
    assert store.upsert_practices([rows[1]]) == []


def test_the_store_scores_a_record_just_under_the_limit(store: Store) -> None:
    row = {**practice_row("s2", name=deep_list(MAX_RECORD_DEPTH - 2)), "name": "Almost"}
    store.upsert_practices([row])
    report = run_scoring(store, None, kind="rescore", trigger="manual")
    assert (report.total, report.failed) == (1, 0)
    score = store.score("s2")
    assert score is not None and score["scoring_status"] == "Scored"
    assert "Data Validation Error" in json.loads(score["confidence_flags"])


@pytest.mark.slow
def test_a_big_deep_line_is_read_in_bounded_time_and_memory(tmp_path: Path) -> None:
    """The worst shape for the deep reader (a value and a list at every level), 8 MB on one line."""
    unit = "[1,"
    n = 8_000_000 // len(unit)
    deep_line = b'{"practice_id": "B", "meta": ' + (unit * n + "1" + "]" * n).encode() + b"}"
    source = tmp_path / "book.jsonl"
    source.write_bytes(LINES[0] + b"\n" + deep_line + b"\n" + LINES[-1] + b"\n")
    probe = (
        "import json, resource, subprocess, sys, time\n"
        "t = time.perf_counter()\n"
        "r = subprocess.run(sys.argv[1:], capture_output=True, text=True)\n"
        "peak = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024\n"
        "print(json.dumps([r.returncode, r.stderr, time.perf_counter() - t, peak]))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", probe, sys.executable, "-m", "data.cli", "score", str(source), "-o",
         str(tmp_path / "out.jsonl"), "--no-progress"],
        capture_output=True, text=True, cwd=tmp_path, timeout=600,
        env={**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[2])},
    )
    code, stderr, seconds, peak = json.loads(out.stdout)
    assert code == 0, stderr
    assert peak < 1024 and seconds < 60, (peak, seconds)
    outputs = [orjson.loads(line) for line in (tmp_path / "out.jsonl").read_bytes().splitlines()]
    assert [o["scoring_status"] for o in outputs] == ["Scored", "Failed", "Scored"]
