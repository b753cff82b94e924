"""SPEC §8: the ScoringOutput fields, the score_breakdown JSON string, Failed outputs, and batch order."""

from __future__ import annotations

import asyncio
import json
from datetime import datetime
from typing import Any

import pandas as pd
import pytest

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, score_book, score_record
from scoring.features import FeatureTable
from scoring.orchestrator import ScoringOrchestrator, new_breaker

from .records import full_record
from .test_spec_components import COMPONENTS, DEFAULT, NOW, VALIDATION, practice, score_both

OUTPUT_FIELDS = {
    "practice_id",
    "lead_score",
    "priority_tier",
    "score_breakdown",
    "confidence_flags",
    "scoring_status",
    "scoring_timestamp",
    "scoring_duration_ms",
    "error_type",
    "error_message",
}
BREAKDOWN_KEYS = {
    "total_score",
    "original_score",
    "mode",
    "confidence",
    "confidence_multiplier",
    "confidence_penalty",
    "tier",
    "components",
    "warnings",
    "config_version",
}
ERROR_TYPES = {"invalid_input", "timeout", "circuit_breaker", "unexpected_error"}
MAXIMA = {"practice_size": 30, "call_volume": 30, "technology": 30, "baseline": 20, "decision_maker": 10}


def is_iso8601(text: str) -> bool:
    try:
        datetime.fromisoformat(text)
    except ValueError:
        return False
    return True


def assert_breakdown_shape(text: str) -> dict[str, Any]:
    """The §8 promises every breakdown keeps: a JSON object string ≤ 2,000 chars with the listed keys."""
    assert isinstance(text, str)
    assert len(text) <= 2000, len(text)
    doc = json.loads(text)
    assert isinstance(doc, dict)
    assert set(doc) >= BREAKDOWN_KEYS, BREAKDOWN_KEYS - set(doc)
    assert set(doc["components"]) >= set(COMPONENTS)
    for name in COMPONENTS:
        part = doc["components"][name]
        assert {"score", "max", "detail"} <= set(part)
        assert type(part["score"]) is int and type(part["max"]) is int
        assert isinstance(part["detail"], str)
    assert isinstance(doc["warnings"], list) and all(isinstance(w, str) for w in doc["warnings"])
    return doc


# ---- output fields -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "raw",
    [full_record(), full_record(enrichment_data=None), full_record(google_maps_data__rating=9)],
    ids=["full", "baseline_only", "invalid-field"],
)
def test_scored_output_fields_and_types(raw: dict) -> None:
    r = score_both(raw)
    dumped = r.out.model_dump(mode="json")
    assert set(dumped) == OUTPUT_FIELDS
    assert dumped["practice_id"] == raw["practice_id"]
    assert type(dumped["lead_score"]) is int
    assert isinstance(dumped["priority_tier"], str)
    assert isinstance(dumped["score_breakdown"], str)
    assert isinstance(dumped["confidence_flags"], list)
    assert all(isinstance(f, str) for f in dumped["confidence_flags"])
    assert dumped["scoring_status"] == "Scored"
    assert is_iso8601(dumped["scoring_timestamp"])
    assert type(dumped["scoring_duration_ms"]) is int and dumped["scoring_duration_ms"] >= 0
    assert dumped["error_type"] is None
    assert dumped["error_message"] is None
    doc = assert_breakdown_shape(dumped["score_breakdown"])
    assert doc["total_score"] == dumped["lead_score"]
    assert doc["tier"] == dumped["priority_tier"]
    assert doc["original_score"] == sum(doc["components"][c]["score"] for c in COMPONENTS)
    [row] = list(book_outputs(FeatureTable.from_records([raw]), now=NOW))
    assert set(row) == OUTPUT_FIELDS


def test_breakdown_matches_the_spec_example() -> None:
    # 30 (6 vets) + 30 (3 numbers) + 30 (Cornerstone + booking + telemedicine) + 5 (50 reviews) + 0 = 95
    raw = practice(
        vets=6,
        phones=["555-0100", "555-0101", "555-0102"],
        emr="Cornerstone",
        booking=True,
        tele=True,
        reviews=50,
        confidence="low",
    )
    doc = score_both(raw).doc
    assert {k: doc[k] for k in BREAKDOWN_KEYS - {"components", "warnings"}} == {
        "total_score": 76,
        "original_score": 95,
        "mode": "full",
        "confidence": "low",
        "confidence_multiplier": 0.8,
        "confidence_penalty": "20%",
        "tier": "Warm",
        "config_version": "default",
    }
    assert doc["components"]["practice_size"] == {"score": 30, "max": 30, "detail": "6 vets (sweet spot)"}
    assert {c: (doc["components"][c]["score"], doc["components"][c]["max"]) for c in COMPONENTS} == {
        "practice_size": (30, 30),
        "call_volume": (30, 30),
        "technology": (30, 30),
        "baseline": (5, 20),
        "decision_maker": (0, 10),
    }


def multipliers(**levels: float) -> ScoringConfig:
    return DEFAULT.with_changes(confidence_multipliers={"high": 1.0, "medium": 0.9, "low": 0.8, **levels})


@pytest.mark.parametrize(
    ("cfg", "confidence", "multiplier", "penalty"),
    [
        (DEFAULT, "high", 1.0, "0%"),
        (DEFAULT, "medium", 0.9, "10%"),
        (DEFAULT, "low", 0.8, "20%"),
        (DEFAULT, None, 1.0, "0%"),
        (multipliers(low=0.75), "low", 0.75, "25%"),
        (multipliers(low=0.7), "low", 0.7, "30%"),
        (multipliers(medium=0.85), "medium", 0.85, "15%"),
        (multipliers(low=0.555), "low", 0.555, "44.5%"),
        (multipliers(high=0.95), "high", 0.95, "5%"),
    ],
)
def test_confidence_multiplier_and_penalty_text(
    cfg: ScoringConfig, confidence: str | None, multiplier: float, penalty: str
) -> None:
    doc = score_both(full_record(enrichment_confidence=confidence), cfg).doc
    assert doc["confidence"] == confidence
    assert doc["confidence_multiplier"] == multiplier
    assert doc["confidence_penalty"] == penalty


def test_baseline_only_breakdown() -> None:
    r = score_both(full_record(enrichment_data=None, enrichment_confidence="low"))
    doc = assert_breakdown_shape(r.out.score_breakdown)
    assert doc["mode"] == "baseline_only"
    assert doc["tier"] == "Pending Enrichment"
    assert doc["confidence_multiplier"] == 1.0
    assert doc["confidence_penalty"] == "0%"
    assert doc["total_score"] == doc["original_score"] == doc["components"]["baseline"]["score"] == 12
    assert doc["components"]["baseline"]["max"] == 40


def test_full_mode_component_maxima() -> None:
    doc = score_both(full_record()).doc
    assert {c: doc["components"][c]["max"] for c in COMPONENTS} == MAXIMA


@pytest.mark.parametrize(
    ("cfg", "version"),
    [
        (DEFAULT, "default"),
        (DEFAULT.with_changes(version="2026-q1 pilot"), "2026-q1 pilot"),
    ],
)
def test_config_version_is_recorded(cfg: ScoringConfig, version: str) -> None:
    for raw in (full_record(), full_record(enrichment_data=None), full_record(google_maps_data__rating=9)):
        assert score_both(raw, cfg).doc["config_version"] == version


def test_custom_config_version_is_recorded() -> None:
    cfg = DEFAULT.with_changes(hot_tier_min=70)
    doc = score_both(full_record(), cfg).doc
    assert doc["config_version"] == cfg.config_version
    assert doc["config_version"] not in ("default", "", None)


# ---- ≤ 2,000 characters, always valid JSON -------------------------------------------------------

HUGE = 10_000


def _all_invalid(long: int = 5000) -> dict[str, Any]:
    """Every known field invalid, with long values, plus 50 unknown keys at each level."""
    text = "x" * long
    junk = {f"extra_field_{i}": "j" * 300 for i in range(50)}
    return {
        "practice_id": "p-" + "9" * 200,
        "google_maps_data": {
            "name": [text],
            "address": [text],
            "phone": {"n": text},
            "website": [text],
            "rating": text,
            "reviews_count": text,
            "place_id": [text],
            "has_multiple_locations": text,
            **junk,
        },
        "enrichment_data": {
            "vet_count": text,
            "vet_count_confidence": text,
            "phone_numbers": text,
            "email_addresses": text,
            "emr_system": [text],
            "has_online_booking": text,
            "has_telemedicine": text,
            "technologies": text,
            "decision_maker": {"name": [text], "title": [text], "linkedin": [text], **junk},
            "extraction_timestamp": text,
            "extraction_method": [text],
            **junk,
        },
        "enrichment_status": text,
        "enrichment_confidence": text,
        "triggered_by": text,
        "trigger_timestamp": text,
        **junk,
    }


LONG_LABEL_CONFIG = DEFAULT.with_changes(
    version="v" * 64,
    size_bands=[
        {"min": 1, "max": 4, "points": 10, "label": "L" * 40},
        {"min": 5, "max": 7, "points": 30, "label": "S" * 40},
        {"min": 8, "points": 15, "label": "B" * 40},
    ],
    emr_tiers=[{"label": "T" * 40, "names": ["C" * 40, "CORNERSTONE"], "points": 15}],
)

PATHOLOGICAL = [
    pytest.param(full_record(enrichment_data__emr_system="x" * HUGE + " Cornerstone"), id="10k-emr"),
    pytest.param(
        full_record(
            enrichment_data__decision_maker={"name": "N" * HUGE, "title": "T" * HUGE, "linkedin": "L" * HUGE}
        ),
        id="huge-decision-maker",
    ),
    pytest.param(_all_invalid(), id="every-field-invalid"),
    pytest.param({**_all_invalid(), "enrichment_data": None}, id="every-field-invalid-baseline-only"),
    pytest.param(
        full_record(
            enrichment_confidence="low",
            enrichment_status="Partial",
            enrichment_data__emr_system="E" * HUGE,
            enrichment_data__decision_maker={"name": "N" * HUGE, "title": "T" * HUGE},
            google_maps_data__rating="r" * HUGE,
            google_maps_data__reviews_count="c" * HUGE,
            enrichment_data__phone_numbers="p" * HUGE,
            enrichment_data__technologies={"t": "t" * HUGE},
            triggered_by="q" * HUGE,
        ),
        id="many-long-warnings-and-details",
    ),
]


@pytest.mark.parametrize("cfg", [DEFAULT, LONG_LABEL_CONFIG], ids=["default", "long-labels"])
@pytest.mark.parametrize("raw", PATHOLOGICAL)
def test_breakdown_never_exceeds_2000_chars_and_stays_valid_json(raw: dict, cfg: ScoringConfig) -> None:
    r = score_both(raw, cfg)
    assert r.out.scoring_status == "Scored"
    doc = assert_breakdown_shape(r.out.score_breakdown)
    # Shortening must not touch the numbers or the labels the SPEC lists.
    assert doc["total_score"] == r.lead
    assert doc["tier"] == r.tier
    assert doc["config_version"] == cfg.config_version
    assert doc["original_score"] == sum(doc["components"][c]["score"] for c in COMPONENTS)


def test_long_emr_still_matches_and_fits() -> None:
    r = score_both(full_record(enrichment_data__emr_system="x" * HUGE + " Cornerstone"))
    assert r.parts["technology"] == 30  # 15 + 10 + 5
    assert len(r.out.score_breakdown) <= 2000


def test_every_field_invalid_still_scores_and_flags() -> None:
    r = score_both(_all_invalid())
    assert r.out.scoring_status == "Scored"
    assert r.parts == dict.fromkeys(COMPONENTS, 0)
    assert r.flags[-1] == VALIDATION
    assert r.warnings  # shortened, but not dropped altogether


# ---- Failed outputs ------------------------------------------------------------------------------

FAILED = [
    pytest.param("not a record", id="not-an-object"),
    pytest.param({"google_maps_data": {}}, id="no-practice_id"),
    pytest.param({"practice_id": "  ", "google_maps_data": {}}, id="blank-practice_id"),
    pytest.param({"practice_id": "p-9"}, id="no-google_maps_data"),
    pytest.param({"practice_id": "p" * HUGE, "google_maps_data": "x" * HUGE}, id="huge"),
]


@pytest.mark.parametrize("raw", FAILED)
def test_failed_output(raw: Any) -> None:
    r = score_both(raw)
    dumped = r.out.model_dump(mode="json")
    assert set(dumped) == OUTPUT_FIELDS
    assert dumped["scoring_status"] == "Failed"
    assert dumped["lead_score"] is None
    assert dumped["priority_tier"] is None
    assert dumped["error_type"] in ERROR_TYPES
    assert dumped["error_type"] == "invalid_input"
    assert isinstance(dumped["error_message"], str) and dumped["error_message"]
    assert is_iso8601(dumped["scoring_timestamp"])
    text = dumped["score_breakdown"]
    assert len(text) <= 2000
    doc = json.loads(text)
    assert set(doc) == {"error", "detail", "timestamp"}
    assert is_iso8601(doc["timestamp"])


def _orchestrated_failures() -> dict[str, Any]:
    cfg = ScoringConfig(
        scoring_timeout_seconds=0.05, circuit_breaker_fail_max=1, circuit_breaker_reset_timeout=30
    )

    async def slow(practice_id: str) -> Any:
        await asyncio.sleep(5)

    def broken(raw: Any, cfg: ScoringConfig) -> Any:
        raise RuntimeError("boom")

    async def scenario() -> dict[str, Any]:
        timeout = await ScoringOrchestrator(cfg, breaker=new_breaker(cfg), loader=slow).score(practice_id="t")
        orch = ScoringOrchestrator(cfg, breaker=new_breaker(cfg), scorer=broken)
        unexpected = await orch.score(full_record("u"))
        refused = await orch.score(full_record("c"))
        return {"timeout": timeout, "unexpected_error": unexpected, "circuit_breaker": refused}

    return asyncio.run(scenario())


def test_failed_outputs_of_every_error_type() -> None:
    outputs = _orchestrated_failures()
    for error_type, out in outputs.items():
        assert out.scoring_status == "Failed"
        assert out.error_type == error_type
        assert out.lead_score is None and out.priority_tier is None
        assert isinstance(out.error_message, str) and out.error_message
        assert len(out.score_breakdown) <= 2000
        doc = json.loads(out.score_breakdown)
        assert set(doc) == {"error", "detail", "timestamp"}  # exactly these (SPEC §8)
        assert doc["detail"] == out.error_message
        assert is_iso8601(doc["timestamp"])


# ---- one output per input, in input order --------------------------------------------------------


def test_one_output_per_input_in_input_order() -> None:
    batch = [
        full_record("a"),  # 112 Hot
        [1, 2],
        full_record("b", enrichment_data=None),  # 12 Pending Enrichment
        {"practice_id": "", "google_maps_data": {}},
        full_record("c", enrichment_confidence="low"),  # floor(112 × 0.8) = 89 Hot
        {"practice_id": "d"},
        "text",
        full_record("e", google_maps_data=None),
        full_record("f", enrichment_data__vet_count=-1),  # 82 Hot
        full_record("a"),  # duplicates are scored again, not merged
    ]
    statuses = [
        "Scored",
        "Failed",
        "Scored",
        "Failed",
        "Scored",
        "Failed",
        "Failed",
        "Failed",
        "Scored",
        "Scored",
    ]
    leads = [112, None, 12, None, 89, None, None, None, 82, 112]
    tiers = ["Hot", None, "Pending Enrichment", None, "Hot", None, None, None, "Hot", "Hot"]

    book = score_book(batch)
    assert len(book) == len(batch)
    assert [None if x < 0 else int(x) for x in book.lead_score] == leads
    assert list(book.tier_names()) == tiers

    outputs = list(book_outputs(FeatureTable.from_records(batch), now=NOW))
    assert len(outputs) == len(batch)
    assert [o["scoring_status"] for o in outputs] == statuses
    assert [o["lead_score"] for o in outputs] == leads
    assert [o["priority_tier"] for o in outputs] == tiers
    for raw, out in zip(batch, outputs, strict=True):
        if out["scoring_status"] == "Scored":
            assert out["practice_id"] == raw["practice_id"]
            single = score_record(raw, now=NOW).model_dump(mode="json")
            assert {**single, "scoring_duration_ms": 0} == {**out, "scoring_duration_ms": 0}
        else:
            assert out["error_type"] == "invalid_input"
    # Failed rows whose id is readable keep it, so the failure can be traced to its practice.
    assert outputs[5]["practice_id"] == "d"
    assert outputs[7]["practice_id"] == "e"


def test_flat_book_keeps_one_output_per_row_in_order() -> None:
    frame = pd.DataFrame(
        [
            {"practice_id": "r1", "reviews_count": "100", "vet_count": "6"},
            {"practice_id": "", "reviews_count": "100", "vet_count": "6"},
            {"practice_id": "r3", "reviews_count": "30", "vet_count": ""},
        ],
        dtype=object,
    )
    outputs = list(book_outputs(FeatureTable.from_frame(frame), now=NOW))
    assert [o["scoring_status"] for o in outputs] == ["Scored", "Failed", "Scored"]
    # r1: 30 (6 vets) + 10 (100 reviews); r3: baseline-only 3
    assert [o["lead_score"] for o in outputs] == [40, None, 3]
    assert [o["priority_tier"] for o in outputs] == ["Cold", None, "Pending Enrichment"]
    assert [int(x) for x in score_book(frame).lead_score] == [40, -1, 3]
