"""Records nested absurdly deep (issue 8): a record whose objects and lists nest more than
MAX_RECORD_DEPTH levels anywhere cannot be read (SPEC §7) — Failed ``invalid_input``, the rest of the
batch scored, nothing raises (SPEC §9); a shallower invalid value degrades as before — on every path,
and every path writes the same bytes."""

from __future__ import annotations

import asyncio
import copy
import json
from typing import Any

import orjson
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from scoring.config import ScoringConfig
from scoring.depth import MAX_RECORD_DEPTH, exceeds_depth, lines_may_nest_deeper
from scoring.engine import book_outputs, score_record
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable
from scoring.models import parse_input
from scoring.orchestrator import ScoringOrchestrator, new_breaker

from .deep_values import DEEP_PLACES, deep_list, deep_text, deep_texts, deep_value, with_deep_value
from .records import full_record
from .strategies import CONFIGS
from .strategies import records as mixed_records
from .test_fast_paths import NOW, rendered, single_path

ISSUE_LINE = (
    b'{"practice_id":"P1","google_maps_data":{"name":' + deep_text(1000).encode() + b"}}"
)  # the issue's example: name nested 1,000 deep
TOO_DEEP = f"record nests deeper than {MAX_RECORD_DEPTH} levels"


def breakdown(out: Any) -> dict[str, Any]:
    data = out.model_dump(mode="json") if hasattr(out, "model_dump") else out
    return json.loads(data["score_breakdown"])


def dumped(out: Any) -> dict[str, Any]:
    data = out.model_dump(mode="json")
    data["scoring_duration_ms"] = 0
    return data


def test_the_issue_example_is_failed_invalid_input_naming_the_field() -> None:
    out = score_record(orjson.loads(ISSUE_LINE), now=NOW)
    assert (out.scoring_status, out.error_type, out.practice_id, out.lead_score, out.priority_tier) == (
        "Failed",
        "invalid_input",
        "P1",
        None,
        None,
    )
    assert out.error_message == f"{TOO_DEEP} (in google_maps_data)"
    stamp = "2026-01-02T03:04:05Z"
    assert breakdown(out) == {"error": "Invalid input", "detail": out.error_message, "timestamp": stamp}
    assert out.confidence_flags == []


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        # deep in enrichment_data, in known fields of every kind
        ({"enrichment_data__technologies": deep_list(1000)}, "enrichment_data"),
        ({"enrichment_data__phone_numbers": deep_value(900, "dict")}, "enrichment_data"),
        ({"enrichment_data__vet_count": deep_value(300, "mixed")}, "enrichment_data"),
        ({"enrichment_data__decision_maker": {"name": deep_value(1000, "wide")}}, "enrichment_data"),
        ({"enrichment_data__emr_system": deep_list(5000)}, "enrichment_data"),
        ({"enrichment_data": deep_list(40)}, "enrichment_data"),
        # deep in fields SPEC §1 does not know, at every level
        ({"raw_html": deep_list(1000)}, "raw_html"),
        ({"google_maps_data__reviews_raw": deep_value(1000, "dict")}, "google_maps_data"),
        ({"enrichment_data__decision_maker__history": deep_value(300, "mixed")}, "enrichment_data"),
        ({"meta": deep_list(MAX_RECORD_DEPTH)}, "meta"),  # 33 levels with the record's own
        # and in the fields that decide readability
        ({"google_maps_data": deep_list(1000)}, "google_maps_data"),
        ({"enrichment_status": deep_value(50, "dict")}, "enrichment_status"),
    ],
)
def test_a_record_nested_too_deep_anywhere_is_failed_naming_the_field(changes: dict[str, Any], field: str) -> None:
    raw = full_record("P2", **changes)
    assert exceeds_depth(raw, MAX_RECORD_DEPTH)
    out = score_record(raw, now=NOW)
    assert (out.scoring_status, out.error_type, out.practice_id) == ("Failed", "invalid_input", "P2")
    assert out.error_message == f"{TOO_DEEP} (in {field})"
    (book,) = book_outputs(FeatureTable.from_records([raw]), now=NOW)
    assert book == dumped(out)


def test_the_first_field_that_goes_too_deep_is_named_and_an_unreadable_id_is_none() -> None:
    raw = {"practice_id": deep_list(40), "a": deep_list(10), "b": deep_list(200), "google_maps_data": deep_list(50)}
    out = score_record(raw, now=NOW)
    assert (out.practice_id, out.error_message) == (None, f"{TOO_DEEP} (in practice_id)")
    raw["practice_id"] = 123  # an integer id is an id (README): kept
    del raw["b"]
    out = score_record(raw, now=NOW)
    assert (out.practice_id, out.error_message) == ("123", f"{TOO_DEEP} (in google_maps_data)")
    assert next(book_outputs(FeatureTable.from_records([raw]), now=NOW)) == dumped(out)


def test_a_record_that_contains_itself_is_too_deep() -> None:
    raw: dict[str, Any] = full_record("P9")
    raw["enrichment_data"]["self"] = raw
    out = score_record(raw, now=NOW)
    assert (out.scoring_status, out.error_message) == ("Failed", f"{TOO_DEEP} (in enrichment_data)")
    (book,) = book_outputs(FeatureTable.from_records([raw]), now=NOW)
    assert book == dumped(out)


@pytest.mark.parametrize(
    ("changes", "field", "component"),
    [
        # record → google_maps_data → name: two levels above the value
        ({"google_maps_data__name": deep_list(MAX_RECORD_DEPTH - 2)}, "google_maps_data.name", None),
        ({"google_maps_data__rating": deep_list(MAX_RECORD_DEPTH - 2)}, "google_maps_data.rating", "baseline"),
        # record → enrichment_data → decision_maker → name: three
        ({"enrichment_data__decision_maker": {"name": deep_list(MAX_RECORD_DEPTH - 3)}},
         "enrichment_data.decision_maker.name", "decision_maker"),
        ({"enrichment_data__technologies": deep_value(MAX_RECORD_DEPTH - 2, "dict")},
         "enrichment_data.technologies", None),
        ({"enrichment_data__vet_count": deep_list(MAX_RECORD_DEPTH - 2)}, "enrichment_data.vet_count",
         "practice_size"),
    ],
)
def test_just_under_the_limit_a_deep_value_degrades_its_part(
    changes: dict[str, Any], field: str, component: str | None
) -> None:
    """SPEC §7: the value is dropped, its part scores 0, the record is flagged and scored."""
    raw = full_record("P3", **changes)
    assert exceeds_depth(raw, MAX_RECORD_DEPTH - 1) and not exceeds_depth(raw, MAX_RECORD_DEPTH)
    healthy = breakdown(score_record(full_record("P3"), now=NOW))
    out = score_record(raw, now=NOW)
    assert out.scoring_status == "Scored"
    assert "Data Validation Error" in out.confidence_flags
    doc = breakdown(out)
    assert any(w.startswith(f"{field}: ") for w in doc["warnings"])
    if component is not None:
        assert healthy["components"][component]["score"] > 0
        assert doc["components"][component]["score"] < healthy["components"][component]["score"]
    others = {k: v["score"] for k, v in doc["components"].items() if k != component}
    assert others == {k: v["score"] for k, v in healthy["components"].items() if k != component}
    (book,) = book_outputs(FeatureTable.from_records([raw]), now=NOW)
    assert book == dumped(out)
    # one level more and the record is not a practice record
    deeper = full_record("P3", **{k: [v] for k, v in changes.items()})
    assert score_record(deeper, now=NOW).error_type == "invalid_input"


@pytest.mark.parametrize(
    "extra",
    [
        {"raw_html": deep_list(MAX_RECORD_DEPTH - 1)},
        {"google_maps_data__reviews_raw": deep_value(MAX_RECORD_DEPTH - 2, "dict")},
        {"enrichment_data__decision_maker__history": deep_list(MAX_RECORD_DEPTH - 3)},
    ],
)
def test_just_under_the_limit_a_deep_value_in_an_unknown_field_is_ignored(extra: dict[str, Any]) -> None:
    raw = full_record("P3", **extra)
    assert not exceeds_depth(raw, MAX_RECORD_DEPTH)
    plain = dumped(score_record(full_record("P3"), now=NOW))
    assert dumped(score_record(raw, now=NOW)) == plain
    assert next(book_outputs(FeatureTable.from_records([raw]), now=NOW)) == plain


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (deep_list(1000), "record is not an object (got list)"),
        ({"practice_id": deep_list(3), "google_maps_data": {}}, "practice_id must be a non-empty string"),
        ({"practice_id": "P4", "google_maps_data": deep_list(3)}, "google_maps_data must be an object"),
    ],
)
def test_other_unreadable_records_keep_their_reasons(raw: Any, reason: str) -> None:
    out = score_record(raw, now=NOW)
    assert (out.scoring_status, out.error_type, out.error_message) == ("Failed", "invalid_input", reason)
    assert breakdown(out)["detail"] == reason


def test_parsing_drops_invalid_values_without_touching_the_caller_s_record() -> None:
    raw = full_record(
        "P5",
        google_maps_data__rating=deep_list(MAX_RECORD_DEPTH - 2),
        enrichment_data__vet_count="five",
        enrichment_data__decision_maker={"name": ["x"], "title": "Owner"},
    )
    before = copy.deepcopy({k: v for k, v in raw.items() if k != "google_maps_data"})
    rating = raw["google_maps_data"]["rating"]
    parsed = parse_input(raw)
    assert [i.field for i in parsed.issues] == [
        "google_maps_data.rating",
        "enrichment_data.vet_count",
        "enrichment_data.decision_maker.name",
    ]
    assert parsed.issues[0].value is rating
    assert raw["google_maps_data"]["rating"] is rating
    assert {k: v for k, v in raw.items() if k != "google_maps_data"} == before


BATCH = [
    orjson.dumps(full_record("A")),
    ISSUE_LINE,
    with_deep_value(full_record("B"), ("enrichment_data", "technologies"), deep_text(1000, "dict")),
    with_deep_value(full_record("C"), ("google_maps_data",), deep_text(1000)),
    with_deep_value(full_record("D"), ("meta",), deep_text(1000, "wide")),
    with_deep_value(full_record("F"), ("google_maps_data", "name"), deep_text(MAX_RECORD_DEPTH - 2)),
    orjson.dumps(full_record("E")),
]


def test_the_batch_goes_on_around_deep_records_on_every_path() -> None:
    data = b"\n".join(BATCH) + b"\n"
    cfg = ScoringConfig()
    expected = single_path(data, cfg)
    outputs = [orjson.loads(line) for line in expected.splitlines()]
    assert [(o["practice_id"], o["scoring_status"], o["error_message"]) for o in outputs] == [
        ("A", "Scored", None),
        ("P1", "Failed", f"{TOO_DEEP} (in google_maps_data)"),
        ("B", "Failed", f"{TOO_DEEP} (in enrichment_data)"),
        ("C", "Failed", f"{TOO_DEEP} (in google_maps_data)"),
        ("D", "Failed", f"{TOO_DEEP} (in meta)"),
        ("F", "Scored", None),  # just under the limit: degraded
        ("E", "Scored", None),
    ]
    assert {o["error_type"] for o in outputs if o["scoring_status"] == "Failed"} == {"invalid_input"}
    assert "Data Validation Error" in outputs[5]["confidence_flags"]
    table = FeatureTable.from_records([orjson.loads(line) for line in BATCH])
    assert rendered(table, cfg) == expected
    assert b"".join(orjson.dumps(o) + b"\n" for o in book_outputs(table, cfg, now=NOW)) == expected
    assert table_from_jsonl(data) is None  # Arrow leaves such a file to the record path


def test_the_orchestrator_scores_deep_records_and_the_rest() -> None:
    raws = [full_record("A"), orjson.loads(ISSUE_LINE), {"practice_id": "C", "google_maps_data": deep_list(2000)},
            full_record("D", enrichment_data__decision_maker={"name": deep_list(MAX_RECORD_DEPTH - 3)})]
    orch = ScoringOrchestrator(ScoringConfig(), breaker=new_breaker(ScoringConfig()), clock=lambda: NOW)
    outs = asyncio.run(orch.score_many(raws))
    assert [(o.practice_id, o.scoring_status, o.error_type) for o in outs] == [
        ("A", "Scored", None),
        ("P1", "Failed", "invalid_input"),
        ("C", "Failed", "invalid_input"),
        ("D", "Scored", None),
    ]
    assert outs[1].error_message == f"{TOO_DEEP} (in google_maps_data)"
    assert orch.breaker_state == "closed"  # bad data is not a scoring failure


@st.composite
def batches_with_deep_values(draw: st.DrawFn) -> bytes:
    records = draw(st.lists(mixed_records, min_size=1, max_size=6))
    lines = []
    for record in records:
        if draw(st.booleans()):
            lines.append(with_deep_value(record, draw(st.sampled_from(DEEP_PLACES)), draw(deep_texts)))
        else:
            lines.append(with_deep_value(record, ("meta",), draw(st.sampled_from(["1", '"x"', "[]"]))))
    return b"\n".join(lines) + b"\n"


@settings(max_examples=60, deadline=None)
@given(batches_with_deep_values(), CONFIGS)
def test_any_batch_with_deep_values_scores_the_same_on_all_paths(data: bytes, cfg: ScoringConfig) -> None:
    expected = single_path(data, cfg)  # score_record never raises: this line is half the test
    assert len(expected.splitlines()) == len(data.splitlines())
    records = [orjson.loads(line) for line in data.splitlines()]
    for record, line in zip(records, expected.splitlines(), strict=True):
        out = orjson.loads(line)
        if isinstance(record, dict) and exceeds_depth(record, MAX_RECORD_DEPTH):
            assert (out["error_type"], out["error_message"][: len(TOO_DEEP)]) == ("invalid_input", TOO_DEEP)
        else:
            assert not (out["error_message"] or "").startswith(TOO_DEEP)
    table = FeatureTable.from_records(records)
    assert rendered(table, cfg) == expected
    arrow = table_from_jsonl(data)
    if arrow is not None:
        assert rendered(arrow, cfg) == expected
    for line in expected.splitlines():
        assert len(orjson.loads(line)["score_breakdown"]) <= 2000


@settings(max_examples=40, deadline=None)
@given(
    st.one_of(st.integers(MAX_RECORD_DEPTH - 4, MAX_RECORD_DEPTH + 2), st.integers(1, 240)),
    st.sampled_from(["list", "dict", "wide"]),
    st.sampled_from(["1", "[]", "{}"]),
    CONFIGS,
)
def test_arrow_decides_uniform_batches_only_while_no_record_is_too_deep(
    depth: int, shape: str, leaf: str, cfg: ScoringConfig
) -> None:
    """Arrow's column types hold every level of every field: a record past the limit (an empty object
    at the bottom counts as a level too) takes the record path, which fails it."""
    lines = [with_deep_value(full_record(f"p{i}"), ("meta",), deep_text(depth, shape, leaf)) for i in range(5)]
    data = b"\n".join(lines) + b"\n"
    too_deep = exceeds_depth(orjson.loads(lines[0]), MAX_RECORD_DEPTH)
    table = table_from_jsonl(data)
    assert (table is None) == too_deep
    expected = single_path(data, cfg)
    assert all(orjson.loads(line)["scoring_status"] == ("Failed" if too_deep else "Scored")
               for line in expected.splitlines())
    if table is not None:
        assert rendered(table, cfg) == expected


@pytest.mark.parametrize("shape", ["list", "dict"])
@pytest.mark.parametrize(("leaf", "levels"), [("1", 0), ("[]", 1), ("{}", 1), ('[{"a": {}}]', 3)])
@pytest.mark.parametrize("past", [False, True])
def test_arrow_and_the_record_path_draw_the_line_at_the_same_level(
    shape: str, leaf: str, levels: int, past: bool
) -> None:
    depth = MAX_RECORD_DEPTH - 1 - levels + past  # the record adds one level, the leaf `levels`
    lines = [with_deep_value(full_record(f"p{i}"), ("meta",), deep_text(depth, shape, leaf)) for i in range(3)]
    data = b"\n".join(lines) + b"\n"
    assert exceeds_depth(orjson.loads(lines[0]), MAX_RECORD_DEPTH) == past
    table = table_from_jsonl(data)
    assert (table is None) == past
    expected = single_path(data, ScoringConfig())
    statuses = [orjson.loads(line)["scoring_status"] for line in expected.splitlines()]
    assert statuses == ["Failed" if past else "Scored"] * 3
    if table is not None:
        assert rendered(table, ScoringConfig()) == expected


def test_one_record_past_the_limit_sends_its_segment_to_the_record_path() -> None:
    lines = [orjson.dumps(full_record(f"p{i}")) for i in range(6)]
    lines[3] = with_deep_value(full_record("p3"), ("enrichment_data", "decision_maker", "notes"),
                               deep_text(MAX_RECORD_DEPTH - 3, "dict", "{}"))  # 33 levels, 30 brackets of them
    data = b"\n".join(lines) + b"\n"
    assert exceeds_depth(orjson.loads(lines[3]), MAX_RECORD_DEPTH)
    assert not exceeds_depth(orjson.loads(lines[3]), MAX_RECORD_DEPTH + 1)
    assert not lines_may_nest_deeper(data, [0], [len(data)], 500)  # too few brackets for the screen
    assert table_from_jsonl(data) is None
    assert orjson.loads(single_path(data, ScoringConfig()).splitlines()[3])["error_type"] == "invalid_input"


def test_a_python_caller_s_million_deep_tuple_fails_alike_on_both_paths() -> None:
    """No JSON parser makes tuples, but score_record and score_book take Python records: hashing a
    tuple recurses in C, and at this depth it took the process down."""
    value: Any = 1
    for _ in range(1_000_000):
        value = (value,)
    raw = {"practice_id": "T", "google_maps_data": {"name": value, "rating": value},
           "enrichment_data": {"technologies": value, "vet_count": value}}
    single = dumped(score_record(raw, now=NOW))
    (book,) = book_outputs(FeatureTable.from_records([raw]), now=NOW)
    assert book == single
    assert (single["scoring_status"], single["error_message"]) == ("Failed", f"{TOO_DEEP} (in google_maps_data)")


@pytest.mark.parametrize("depth", [600, 20_000, 100_000])
def test_arrow_never_sees_a_line_nested_deeper_than_it_can_read(depth: int) -> None:
    """Arrow's reader recurses in C: 15,000 levels took minutes, 20,000 crashed the process."""
    deep_line = with_deep_value(full_record("B"), ("meta",), deep_text(depth))
    assert table_from_jsonl(orjson.dumps(full_record("A")) + b"\n" + deep_line + b"\n") is None


def test_the_line_screen_is_an_upper_bound_that_skips_short_lines() -> None:
    lines = [deep_text(500).encode(), deep_text(501).encode(), deep_text(200, "wide").encode(),
             ('{"name": "' + "[" * 1200 + '"}').encode(), ('{"name": "' + "[" * 600 + '"}').encode(), b"[" * 1001]
    data = b"\n".join(lines)
    ends = [0, *[len(line) + 1 for line in lines]]
    offsets = [sum(ends[: i + 1]) for i in range(len(lines))]
    spans = [(start, start + len(line)) for start, line in zip(offsets, lines, strict=True)]
    verdicts = [lines_may_nest_deeper(data, [s], [e], 500) for s, e in spans]
    # exactly 500 deep: no; 501: yes; 200 units of a wide object hold 400 brackets: no;
    # 1,200 brackets inside a string: counted (an upper bound); 600 in a line too short to nest
    # 500 deep: not counted; 1,001 unclosed: yes
    assert verdicts == [False, True, False, True, False, True]
    assert lines_may_nest_deeper(data, *zip(*spans, strict=True), 500)
    assert not lines_may_nest_deeper(data, [spans[0][0]], [spans[0][1]], 500)
