"""One practice as the Practice page shows and exports it (pure functions)."""

from __future__ import annotations

import csv
import io

import orjson
import pytest

from data.files import table_bytes
from data.practice_view import (
    ENRICHMENT_LABELS,
    GOOGLE_MAPS_LABELS,
    input_rows,
    practice_export,
    practice_export_frame,
    readable,
    rescore_sentence,
    when,
)
from scoring.engine import score_record
from tests.scoring.records import full_record


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (["(512) 555-0100", "(512) 555-0101"], "(512) 555-0100; (512) 555-0101"),
        (True, "Yes"), (False, "No"), (None, "—"), ("", "—"), ([], "—"), (5.0, "5"), (4.5, "4.5"),
        ({"name": "Dr. Ana Ruiz", "title": "Owner", "linkedin": None}, "Name: Dr. Ana Ruiz, Title: Owner"),
        ([{"a": 1}], "A: 1"), (float("nan"), "—"),
    ],
)
def test_values_read_as_a_person_writes_them(value: object, text: str) -> None:
    assert readable(value) == text


def test_input_rows_spell_out_the_decision_maker_and_keep_unknown_fields() -> None:
    record = full_record()
    record["enrichment_data"]["custom_field"] = ["a", "b"]
    rows = {r["input"]: r["value"] for r in input_rows(record["enrichment_data"], ENRICHMENT_LABELS)}
    assert rows["Decision maker"] == "Dr. Ana Ruiz" and rows["Decision maker title"] == "Owner"
    assert rows["Decision maker LinkedIn"] == "—" and rows["Online booking"] == "Yes"
    assert rows["Custom field"] == "a; b"
    labels = [r["input"] for r in input_rows(record["google_maps_data"], GOOGLE_MAPS_LABELS)]
    assert labels[:3] == ["Name", "Address", "Phone"]
    assert input_rows(None, ENRICHMENT_LABELS) == []


def scored(score: int | None, tier: str | None, status: str = "Scored", **extra: object) -> dict:
    return {"lead_score": score, "priority_tier": tier, "scoring_status": status, **extra}


@pytest.mark.parametrize(
    ("before", "after", "kwargs", "expected"),
    [
        (scored(92, "Hot"), scored(92, "Hot"), {}, (True, "Rescored: lead score 92 (Hot), unchanged.")),
        (scored(70, "Warm"), scored(84, "Hot"), {}, (True, "Rescored: lead score 84 (Hot), up from 70 (Warm).")),
        (scored(84, "Hot"), scored(81, "Hot"), {"notion": True},
         (True, "Rescored: lead score 81 (Hot), down from 84; Notion is up to date.")),
        (None, scored(40, "Cold"), {"notion": True, "write_failures": ["page-1: 503"]},
         (True, "Rescored: lead score 40 (Cold); the Notion write failed and is queued to retry (page-1: 503).")),
        (scored(40, "Cold"), scored(None, None, "Failed", error_type="invalid_input", error_message="not an object"),
         {}, (False, "Rescore failed (invalid_input): not an object.")),
        (scored(40, "Cold"), None, {"removed": True},
         (False, "Not rescored: this practice is no longer in Notion (trashed or deleted).")),
    ],
)
def test_a_rescore_is_one_clear_sentence(before, after, kwargs, expected) -> None:  # type: ignore[no-untyped-def]
    assert rescore_sentence(before=before, after=after, **{"removed": False, **kwargs}) == expected


def test_instants_read_as_people_read_them() -> None:
    assert when("2026-11-29T22:56:06.730920Z") == "2026-11-29 22:56 UTC"
    assert when(None) == "—" and when("not a time") == "—"


def test_a_practice_exports_its_inputs_score_and_breakdown_formula_safe() -> None:
    record = full_record("p1", google_maps_data__name='=HYPERLINK("http://evil.example","x")')
    out = score_record(record).model_dump(mode="json")
    score = {**out, "confidence_flags": orjson.dumps(out["confidence_flags"]).decode(), "config_version": "default"}
    practice = {"practice_id": "p1", "name": record["google_maps_data"]["name"], "address": "12 Main St",
                "source": "import", "url": None}
    doc = practice_export(practice, score, record)
    assert doc["lead_score"] == 112 and doc["score_breakdown"]["components"]["practice_size"]["score"] == 30
    assert doc["inputs"] == record
    orjson.loads(orjson.dumps(doc))  # the JSON download is valid JSON
    rows = list(csv.DictReader(io.StringIO(table_bytes(practice_export_frame(doc), "csv").decode())))
    fields = {(r["section"], r["field"]): r["value"] for r in rows}
    assert fields[("practice", "lead_score")] == "112"
    assert fields[("breakdown", "practice_size")] == "30 of 30 — 5 vets (sweet spot)"
    assert fields[("enrichment_data", "Online booking")] == "Yes"
    assert fields[("practice", "name")].startswith("'=HYPERLINK")  # no live formula in the CSV
