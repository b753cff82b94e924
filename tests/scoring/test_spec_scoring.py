"""SPEC §1 (lenient input), §2 (modes), §4 (exact penalty), §5 (tiers), §6 (flags), §7 (degrading)."""

from __future__ import annotations

import itertools
import math
from fractions import Fraction
from functools import cache
from typing import Any

import pandas as pd
import pytest

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, score_book, score_record
from scoring.features import FeatureTable

from .records import DELETE, full_record
from .test_spec_components import COMPONENTS, DEFAULT, NOW, VALIDATION, practice, score_both

LOW = "Low Confidence Vet Count"
MEDIUM = "Medium Confidence Data"
PARTIAL = "Partial Enrichment"
MISSING_DM = "Missing Decision Maker"
LIMITED_TECH = "Limited Technology Data"


# ---- building a record with a chosen total ---------------------------------------------------------

# Field values that score each possible number of points under the default rules (SPEC §3).
_SIZE = {0: None, 5: 1, 15: 3, 30: 5, 20: 8, 10: 11}
_CALLS = {0: [], 10: ["555-0100"], 20: ["555-0100", "555-0101"], 30: ["555-0100", "555-0101", "555-0102"]}
_TECH = {
    0: (None, False, False),
    5: ("ezyVet", False, False),
    10: ("AVImark", False, False),
    15: ("IDEXX", False, False),
    20: ("IDEXX", False, True),
    25: ("IDEXX", True, False),
    30: ("IDEXX", True, True),
}
_DM = {0: None, 10: {"name": "Dr. Vet"}}


@cache
def _split(total: int) -> tuple[int, int, int, int, int]:
    """Points per component (size, calls, technology, baseline, dm) adding up to ``total``."""
    for size, calls, tech, dm in itertools.product(_SIZE, _CALLS, _TECH, _DM):
        rest = total - size - calls - tech - dm
        if 0 <= rest <= 20:
            return size, calls, tech, rest, dm
    raise ValueError(total)


def with_total(total: int, *, confidence: str | None = "high", pid: str = "p-1", **extra: Any) -> dict:
    """A full-mode record whose pre-penalty total is ``total`` (0–120) under the default rules."""
    size, calls, tech, base, dm = _split(total)
    emr, booking, tele = _TECH[tech]
    return practice(
        pid=pid,
        vets=_SIZE[size],
        phones=_CALLS[calls],
        emr=emr,
        booking=booking,
        tele=tele,
        reviews=base * 10,  # reviews only: floor(n / 10) points
        dm=_DM[dm],
        confidence=confidence,
        **extra,
    )


def test_with_total_builds_what_it_says() -> None:
    for total in range(121):
        r = score_both(with_total(total))
        assert r.doc["original_score"] == total == sum(r.parts.values())


# ---- §1 lenient parsing --------------------------------------------------------------------------

# A clean full record: 30 + 30 + 30 + (5 reviews + 6 rating + 4 website = 15) + 10 = 115, no flags.
BASE_CHANGES = {"google_maps_data__reviews_count": 50, "google_maps_data__rating": 5.0}
BASE = full_record(**BASE_CHANGES)
BASE_PARTS = {"practice_size": 30, "call_volume": 30, "technology": 30, "baseline": 15, "decision_maker": 10}
NO_TECH = {"enrichment_data__emr_system": None, "enrichment_data__has_online_booking": False}
NO_TECH_AT_ALL = {**NO_TECH, "enrichment_data__has_telemedicine": False}


def test_base_record_is_clean() -> None:
    r = score_both(BASE)
    assert r.parts == BASE_PARTS
    assert (r.lead, r.flags, r.warnings) == (115, [], [])


LAX = [
    pytest.param({"enrichment_data__vet_count": "5"}, "practice_size", 30, id="vet_count-'5'"),
    pytest.param({"enrichment_data__vet_count": 5.0}, "practice_size", 30, id="vet_count-5.0"),
    pytest.param({"enrichment_data__vet_count": "3"}, "practice_size", 15, id="vet_count-'3'"),
    pytest.param({"enrichment_data__vet_count": 11.0}, "practice_size", 10, id="vet_count-11.0"),
    pytest.param({"google_maps_data__rating": "4.5"}, "baseline", 13, id="rating-'4.5'"),
    pytest.param({"google_maps_data__rating": "5"}, "baseline", 15, id="rating-'5'"),
    pytest.param({"google_maps_data__rating": 4}, "baseline", 11, id="rating-4"),
    pytest.param({"google_maps_data__reviews_count": "30"}, "baseline", 13, id="reviews-'30'"),
    pytest.param({"google_maps_data__reviews_count": 30.0}, "baseline", 13, id="reviews-30.0"),
    *(
        pytest.param(
            {**NO_TECH_AT_ALL, "enrichment_data__has_online_booking": v}, "technology", pts, id=f"bk-{v!r}"
        )
        for v, pts in (("true", 10), ("yes", 10), (1, 10), ("True", 10), ("false", 0), ("no", 0), (0, 0))
    ),
    *(
        pytest.param(
            {**NO_TECH_AT_ALL, "enrichment_data__has_telemedicine": v}, "technology", pts, id=f"tm-{v!r}"
        )
        for v, pts in (("true", 5), ("yes", 5), (1, 5), ("no", 0))
    ),
    *(
        pytest.param(
            {"google_maps_data__reviews_count": 0, "google_maps_data__has_multiple_locations": v},
            "baseline",
            pts,
            id=f"multi-{v!r}",
        )
        for v, pts in (("true", 20), ("yes", 20), (1, 20), ("false", 10), ("no", 10), (0, 10))
    ),
]


@pytest.mark.parametrize(("changes", "component", "points"), LAX)
def test_lax_values_are_accepted(changes: dict, component: str, points: int) -> None:
    r = score_both(full_record(**{**BASE_CHANGES, **changes}))
    assert r.parts[component] == points
    assert VALIDATION not in r.flags
    assert r.warnings == []


OPTIONAL_FIELDS = [
    "google_maps_data__name",
    "google_maps_data__address",
    "google_maps_data__phone",
    "google_maps_data__website",
    "google_maps_data__rating",
    "google_maps_data__reviews_count",
    "google_maps_data__place_id",
    "google_maps_data__has_multiple_locations",
    "enrichment_data",
    "enrichment_data__vet_count",
    "enrichment_data__vet_count_confidence",
    "enrichment_data__phone_numbers",
    "enrichment_data__email_addresses",
    "enrichment_data__emr_system",
    "enrichment_data__has_online_booking",
    "enrichment_data__has_telemedicine",
    "enrichment_data__technologies",
    "enrichment_data__decision_maker",
    "enrichment_data__decision_maker__name",
    "enrichment_data__decision_maker__title",
    "enrichment_data__decision_maker__linkedin",
    "enrichment_data__extraction_timestamp",
    "enrichment_data__extraction_method",
    "enrichment_status",
    "enrichment_confidence",
    "triggered_by",
    "trigger_timestamp",
]


@pytest.mark.parametrize("how", ["absent", "null"])
@pytest.mark.parametrize("path", OPTIONAL_FIELDS)
def test_absent_or_null_optional_field_is_missing_not_invalid(path: str, how: str) -> None:
    r = score_both(full_record(**{path: DELETE if how == "absent" else None}))
    assert r.out.scoring_status == "Scored"
    assert VALIDATION not in r.flags
    assert not any(path.split("__")[-1] in w for w in r.warnings)
    assert all("not valid" not in w for w in r.warnings)


@pytest.mark.parametrize(
    ("path", "component", "points"),
    [
        ("enrichment_data__vet_count", "practice_size", 0),
        ("enrichment_data__phone_numbers", "call_volume", 0),
        ("enrichment_data__decision_maker", "decision_maker", 0),
        ("enrichment_data__decision_maker__name", "decision_maker", 0),
        ("google_maps_data__rating", "baseline", 9),  # 5 reviews + 4 website
        ("google_maps_data__reviews_count", "baseline", 10),  # 6 rating + 4 website
        ("google_maps_data__website", "baseline", 11),
    ],
)
def test_null_field_scores_like_missing(path: str, component: str, points: int) -> None:
    for value in (None, DELETE):
        r = score_both(full_record(**{**BASE_CHANGES, path: value}))
        assert r.parts == {**BASE_PARTS, component: points}


# ---- §1 flat files -------------------------------------------------------------------------------

FLAT = [
    {  # enrichment columns all blank → no enrichment data
        "practice_id": "flat-1",
        "name": "A",
        "website": "a.example",
        "rating": "4.5",
        "reviews_count": "120",
        "has_multiple_locations": "false",
        "enrichment_status": "Completed",
        "enrichment_confidence": "low",
        "vet_count": "",
        "phone_numbers": "  ",
        "emr_system": "",
        "decision_maker_name": "",
        "Notes": "unknown column",
    },
    {  # enrichment present; lists separated by ';'
        "practice_id": "flat-2",
        "name": "B",
        "website": "",
        "rating": "5",
        "reviews_count": "10",
        "has_multiple_locations": "yes",
        "enrichment_status": "Partial",
        "enrichment_confidence": "medium",
        "vet_count": "6",
        "phone_numbers": "(555) 010-0000; 555-010-0000;555 010 0001; ext.",
        "emr_system": "idexx neo",
        "has_online_booking": "true",
        "has_telemedicine": "",
        "technologies": "texting;  ;portal",
        "decision_maker_name": "",
        "decision_maker_title": "Owner",
        "Notes": "kept",
    },
]


def test_flat_rows_score_like_their_nested_records() -> None:
    frame = pd.DataFrame(FLAT, dtype=object)
    book = score_book(frame)
    outputs = list(book_outputs(FeatureTable.from_frame(frame), now=NOW))
    assert [o["practice_id"] for o in outputs] == ["flat-1", "flat-2"]
    assert list(book.lead_score) == [o["lead_score"] for o in outputs]
    # Row 1: baseline-only. 12 reviews pts + 4 (4.5) + 4 website = 20 (cap 40), Pending, no penalty.
    assert outputs[0]["priority_tier"] == "Pending Enrichment"
    assert outputs[0]["lead_score"] == 20
    assert outputs[0]["confidence_flags"] == []
    # Row 2: full. 30 (6 vets) + 20 (two distinct numbers) + 25 (IDEXX + booking)
    #   + min(1 + 6 + 0 + 10, 20) = 17 + 0 (no name) = 92; medium → floor(92 × 0.9) = 82 → Hot.
    assert {c: int(book.components[c][1]) for c in COMPONENTS} == {
        "practice_size": 30,
        "call_volume": 20,
        "technology": 25,
        "baseline": 17,
        "decision_maker": 0,
    }
    assert (outputs[1]["lead_score"], outputs[1]["priority_tier"]) == (82, "Hot")
    assert outputs[1]["confidence_flags"] == [MEDIUM, PARTIAL, MISSING_DM]
    nested = score_record(
        practice(
            pid="flat-2",
            vets=6,
            phones=["(555) 010-0000", "555-010-0000", "555 010 0001", "ext."],
            emr="idexx neo",
            booking=True,
            technologies=["texting", "portal"],
            dm={"title": "Owner"},
            reviews=10,
            rating=5,
            multi=True,
            confidence="medium",
            status="Partial",
        ),
        now=NOW,
    )
    assert (nested.lead_score, nested.priority_tier, nested.confidence_flags) == (
        outputs[1]["lead_score"],
        outputs[1]["priority_tier"],
        outputs[1]["confidence_flags"],
    )


# ---- §2 modes ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "mode"),
    [
        ({"enrichment_status": "Completed"}, "full"),
        ({"enrichment_status": "Partial"}, "full"),
        ({"enrichment_status": "Failed"}, "full"),  # enrichment present, whatever the status says
        ({"enrichment_status": "Not Started"}, "full"),
        ({"enrichment_status": None}, "full"),
        ({"enrichment_data": {}}, "full"),
        ({"enrichment_status": "Completed", "enrichment_data": None}, "baseline_only"),
        ({"enrichment_status": "Partial", "enrichment_data": DELETE}, "baseline_only"),
        ({"enrichment_status": "Not Started", "enrichment_data": None}, "baseline_only"),
    ],
)
def test_mode_follows_presence_of_enrichment_data(changes: dict, mode: str) -> None:
    r = score_both(full_record(**changes))
    assert r.doc["mode"] == mode
    assert (r.tier == "Pending Enrichment") is (mode == "baseline_only")


def test_enrichment_failed_but_present_is_scored_in_full() -> None:
    r = score_both(full_record(enrichment_status="Failed"))
    assert r.parts == {
        "practice_size": 30,
        "call_volume": 30,
        "technology": 30,
        "baseline": 12,
        "decision_maker": 10,
    }
    assert (r.lead, r.tier) == (112, "Hot")


@pytest.mark.parametrize("confidence", ["high", "medium", "low", None])
def test_baseline_only_has_no_penalty(confidence: str | None) -> None:
    r = score_both(practice(enriched=False, reviews=200, rating=5.0, website="x", confidence=confidence))
    assert r.doc["original_score"] == 30
    assert r.lead == 30
    assert r.doc["confidence_multiplier"] == 1.0


# ---- §4 exact penalty ----------------------------------------------------------------------------


def multipliers(**levels: float) -> ScoringConfig:
    return DEFAULT.with_changes(confidence_multipliers={"high": 1.0, "medium": 0.9, "low": 0.8, **levels})


@pytest.mark.parametrize(
    ("cfg", "confidence", "total", "lead"),
    [
        pytest.param(multipliers(low=0.7), "low", 90, 63, id="90x0.7=63-not-62"),
        pytest.param(DEFAULT, "low", 95, 76, id="95x0.8=76"),
        pytest.param(DEFAULT, "medium", 103, 92, id="103x0.9=92.7->92"),
        pytest.param(DEFAULT, "low", 99, 79, id="99x0.8=79.2->79"),
        pytest.param(DEFAULT, "low", 112, 89, id="112x0.8=89.6->89"),
        pytest.param(DEFAULT, "medium", 120, 108, id="120x0.9=108"),
        pytest.param(DEFAULT, "high", 112, 112, id="high-1.0"),
        pytest.param(DEFAULT, None, 112, 112, id="null-1.0"),
        pytest.param(multipliers(low=0.57), "low", 100, 57, id="100x0.57=57"),
        pytest.param(multipliers(medium=0.29), "medium", 100, 29, id="100x0.29=29"),
        pytest.param(multipliers(high=0.7), "high", 90, 63, id="high-0.7"),
        pytest.param(multipliers(low=0.75), "low", 101, 75, id="101x0.75=75.75->75"),
        pytest.param(multipliers(low=0.7), "low", 0, 0, id="zero"),
    ],
)
def test_penalty_is_exact_floor(cfg: ScoringConfig, confidence: str | None, total: int, lead: int) -> None:
    r = score_both(with_total(total, confidence=confidence), cfg)
    assert r.doc["original_score"] == total
    assert r.lead == lead
    assert r.doc["total_score"] == lead


@pytest.mark.parametrize(
    "m", ["0.7", "0.57", "0.29", "0.9", "0.8", "0.33", "0.15", "0.1", "0.01", "0.999999"]
)
def test_penalty_exact_for_every_total(m: str) -> None:
    """floor(total × m) with m read as the decimal it is written as, for every total 0–120, both paths."""
    cfg = multipliers(low=float(m), medium=float(m))
    exact = Fraction(m)
    for confidence in ("low", "medium"):
        raws = [with_total(t, confidence=confidence, pid=f"p{t}") for t in range(121)]
        book = score_book(raws, cfg)
        expected = [math.floor(t * exact) for t in range(121)]
        assert list(book.original_score) == list(range(121))
        assert [int(x) for x in book.lead_score] == expected
        assert [score_record(raw, cfg, now=NOW).lead_score for raw in raws] == expected


# ---- §5 tiers ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("total", "tier"),
    [(0, "Cold"), (49, "Cold"), (50, "Warm"), (79, "Warm"), (80, "Hot"), (120, "Hot")],
)
def test_default_tiers(total: int, tier: str) -> None:
    r = score_both(with_total(total))
    assert (r.lead, r.tier, r.doc["tier"]) == (total, tier, tier)


@pytest.mark.parametrize(
    ("total", "tier"),
    [(0, "Cold"), (39, "Cold"), (40, "Warm"), (69, "Warm"), (70, "Hot"), (80, "Hot")],
)
def test_custom_thresholds(total: int, tier: str) -> None:
    cfg = DEFAULT.with_changes(hot_tier_min=70, warm_tier_min=40)
    assert score_both(with_total(total), cfg).tier == tier


@pytest.mark.parametrize(
    ("total", "confidence", "lead", "tier"),
    [
        (100, "low", 80, "Hot"),
        (99, "low", 79, "Warm"),
        (89, "medium", 80, "Hot"),  # 80.1
        (88, "medium", 79, "Warm"),  # 79.2
        (63, "low", 50, "Warm"),  # 50.4
        (62, "low", 49, "Cold"),  # 49.6
        (56, "medium", 50, "Warm"),  # 50.4
        (55, "medium", 49, "Cold"),  # 49.5
    ],
)
def test_tier_uses_the_penalised_score(total: int, confidence: str, lead: int, tier: str) -> None:
    r = score_both(with_total(total, confidence=confidence))
    assert (r.doc["original_score"], r.lead, r.tier) == (total, lead, tier)


@pytest.mark.parametrize("cfg", [DEFAULT, DEFAULT.with_changes(hot_tier_min=10, warm_tier_min=0)])
@pytest.mark.parametrize("reviews", [None, 0, 150, 1000])
def test_baseline_only_is_always_pending_enrichment(cfg: ScoringConfig, reviews: int | None) -> None:
    r = score_both(practice(enriched=False, reviews=reviews, rating=5.0, website="x", multi=True), cfg)
    assert r.tier == "Pending Enrichment"
    assert r.doc["tier"] == "Pending Enrichment"


# ---- §6 flags ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({}, []),
        ({"enrichment_confidence": "low"}, [LOW]),
        ({"enrichment_confidence": "medium"}, [MEDIUM]),
        ({"enrichment_confidence": "high"}, []),
        ({"enrichment_confidence": None}, []),
        # the flag follows enrichment_confidence, not vet_count_confidence
        ({"enrichment_data__vet_count_confidence": "low"}, []),
        ({"enrichment_status": "Partial"}, [PARTIAL]),
        ({"enrichment_status": "Failed"}, []),
        ({"enrichment_status": "Not Started"}, []),
        ({"enrichment_status": None}, []),
        ({"enrichment_data__decision_maker": None}, [MISSING_DM]),
        ({"enrichment_data__decision_maker__name": "  "}, [MISSING_DM]),
        ({"enrichment_data__decision_maker__name": DELETE}, [MISSING_DM]),
        ({"enrichment_data__emr_system": None, "enrichment_data__technologies": []}, [LIMITED_TECH]),
        ({"enrichment_data__emr_system": " ", "enrichment_data__technologies": DELETE}, [LIMITED_TECH]),
        ({"enrichment_data__emr_system": DELETE, "enrichment_data__technologies": None}, [LIMITED_TECH]),
        ({"enrichment_data__emr_system": None, "enrichment_data__technologies": ["Portal"]}, []),
        ({"enrichment_data__emr_system": "ezyVet", "enrichment_data__technologies": []}, []),
        ({"enrichment_data__vet_count": -1}, [VALIDATION]),
        ({"google_maps_data__rating": 7.3}, [VALIDATION]),
    ],
)
def test_each_flag_condition(changes: dict, flags: list[str]) -> None:
    assert score_both(full_record(**changes)).flags == flags


ALL_FLAG_CHANGES = {
    "enrichment_status": "Partial",
    "enrichment_data__decision_maker": None,
    "enrichment_data__emr_system": "",
    "enrichment_data__technologies": [],
    "enrichment_data__vet_count": "five",
    "google_maps_data__rating": 7.3,
    "google_maps_data__reviews_count": -5,
}


@pytest.mark.parametrize(("confidence", "first"), [("low", LOW), ("medium", MEDIUM)])
def test_flags_in_spec_order_without_duplicates(confidence: str, first: str) -> None:
    r = score_both(full_record(enrichment_confidence=confidence, **ALL_FLAG_CHANGES))
    assert r.flags == [first, PARTIAL, MISSING_DM, LIMITED_TECH, VALIDATION]


@pytest.mark.parametrize(
    ("changes", "flags"),
    [
        ({}, []),
        ({"google_maps_data__rating": 7.3}, [VALIDATION]),
        ({"google_maps_data__rating": 7.3, "google_maps_data__reviews_count": -5}, [VALIDATION]),
        ({"triggered_by": "cron"}, [VALIDATION]),
    ],
)
def test_baseline_only_carries_only_validation_flag(changes: dict, flags: list[str]) -> None:
    raw = full_record(
        enrichment_data=None,
        enrichment_confidence="low",
        enrichment_status="Partial",
        **changes,
    )
    r = score_both(raw)
    assert r.doc["mode"] == "baseline_only"
    assert r.flags == flags


# ---- §7 invalid values degrade -------------------------------------------------------------------

# (changes to BASE, component it feeds, that component's score now, field named, value named)
INVALID = [
    ("enrichment_data__vet_count", -1, "practice_size", 0, "-1"),
    ("enrichment_data__vet_count", "five", "practice_size", 0, "five"),
    ("enrichment_data__vet_count", "-", "practice_size", 0, "-"),
    ("enrichment_data__vet_count", 5.5, "practice_size", 0, "5.5"),
    ("enrichment_data__vet_count", math.nan, "practice_size", 0, "nan"),
    ("enrichment_data__vet_count", math.inf, "practice_size", 0, "inf"),
    ("enrichment_data__vet_count", [5], "practice_size", 0, "5"),
    # baseline sub-rules: base baseline is 5 (reviews) + 6 (rating) + 4 (website) = 15
    ("google_maps_data__rating", 7.3, "baseline", 9, "7.3"),
    ("google_maps_data__rating", -1, "baseline", 9, "-1"),
    ("google_maps_data__rating", 5.01, "baseline", 9, "5.01"),
    ("google_maps_data__rating", math.nan, "baseline", 9, "nan"),
    ("google_maps_data__rating", math.inf, "baseline", 9, "inf"),
    ("google_maps_data__rating", -math.inf, "baseline", 9, "inf"),
    ("google_maps_data__rating", "NaN", "baseline", 9, "NaN"),
    ("google_maps_data__rating", "excellent", "baseline", 9, "excellent"),
    ("google_maps_data__reviews_count", -5, "baseline", 10, "-5"),
    ("google_maps_data__reviews_count", 12.5, "baseline", 10, "12.5"),
    ("google_maps_data__reviews_count", math.inf, "baseline", 10, "inf"),
    ("google_maps_data__reviews_count", math.nan, "baseline", 10, "nan"),
    ("google_maps_data__reviews_count", "lots", "baseline", 10, "lots"),
    ("google_maps_data__website", 5, "baseline", 11, "5"),
    ("google_maps_data__website", ["a.example"], "baseline", 11, "a.example"),
    # a truthy-looking but invalid value must not earn the +10 (15 + 10 would cap at 20)
    ("google_maps_data__has_multiple_locations", "maybe", "baseline", 15, "maybe"),
    ("google_maps_data__has_multiple_locations", 2, "baseline", 15, "2"),
    # technology: the whole component
    ("enrichment_data__emr_system", 5, "technology", 0, "5"),
    ("enrichment_data__emr_system", {"name": "Cornerstone"}, "technology", 0, "Cornerstone"),
    ("enrichment_data__has_online_booking", "maybe", "technology", 0, "maybe"),
    ("enrichment_data__has_online_booking", 2, "technology", 0, "2"),
    ("enrichment_data__has_telemedicine", "sometimes", "technology", 0, "sometimes"),
    ("enrichment_data__has_telemedicine", math.nan, "technology", 0, "nan"),
    # call volume
    ("enrichment_data__phone_numbers", "555-0100", "call_volume", 0, "555-0100"),
    ("enrichment_data__phone_numbers", {"main": "555-0100"}, "call_volume", 0, "555-0100"),
    ("enrichment_data__phone_numbers", 5550100, "call_volume", 0, "5550100"),
    ("enrichment_data__phone_numbers", ["555-0100", 5550101], "call_volume", 0, "5550101"),
    ("enrichment_data__phone_numbers", math.nan, "call_volume", 0, "nan"),
    # decision maker
    ("enrichment_data__decision_maker", "Dr. Ana Ruiz", "decision_maker", 0, "Dr. Ana Ruiz"),
    ("enrichment_data__decision_maker", ["Dr. Ana Ruiz"], "decision_maker", 0, "Dr. Ana Ruiz"),
    ("enrichment_data__decision_maker__name", 42, "decision_maker", 0, "42"),
]


@pytest.mark.parametrize(("path", "value", "component", "points", "shown"), INVALID)
def test_invalid_value_zeroes_only_the_part_it_feeds(
    path: str, value: Any, component: str, points: int, shown: str
) -> None:
    r = score_both(full_record(**{**BASE_CHANGES, path: value}))
    assert r.out.scoring_status == "Scored"
    assert r.parts == {**BASE_PARTS, component: points}
    assert r.doc["original_score"] == 115 - BASE_PARTS[component] + points
    assert VALIDATION in r.flags
    field = path.split("__")[-1]
    assert any(field in w and shown in w for w in r.warnings), r.warnings


@pytest.mark.parametrize(
    ("path", "value", "shown"),
    [
        ("enrichment_status", "Done", "Done"),
        ("enrichment_confidence", "certain", "certain"),
        ("triggered_by", "cron", "cron"),
        ("trigger_timestamp", "soon", "soon"),
        ("google_maps_data__name", 5, "5"),
        ("google_maps_data__address", ["12 Main St"], "12 Main St"),
        ("google_maps_data__place_id", 99, "99"),
        ("enrichment_data__vet_count_confidence", "sure", "sure"),
        ("enrichment_data__email_addresses", "a@b.example", "a@b.example"),
        ("enrichment_data__technologies", "Portal", "Portal"),
        ("enrichment_data__extraction_timestamp", "yesterday", "yesterday"),
        ("enrichment_data__decision_maker__title", 7, "7"),
    ],
)
def test_invalid_unscored_field_only_flags_and_warns(path: str, value: Any, shown: str) -> None:
    r = score_both(full_record(**{**BASE_CHANGES, path: value}))
    assert r.parts == BASE_PARTS
    assert VALIDATION in r.flags
    field = path.split("__")[-1]
    assert any(field in w and shown in w for w in r.warnings), r.warnings


def test_several_invalid_fields_each_degrade_once() -> None:
    r = score_both(
        full_record(
            **{
                **BASE_CHANGES,
                "enrichment_data__vet_count": -1,
                "google_maps_data__rating": 7.3,
                "enrichment_data__phone_numbers": "555-0100",
            }
        )
    )
    assert r.parts == {
        "practice_size": 0,
        "call_volume": 0,
        "technology": 30,
        "baseline": 9,
        "decision_maker": 10,
    }
    assert r.lead == 49
    assert r.tier == "Cold"
    assert r.flags.count(VALIDATION) == 1
    for field, shown in (("vet_count", "-1"), ("rating", "7.3"), ("phone_numbers", "555-0100")):
        assert any(field in w and shown in w for w in r.warnings), (field, r.warnings)


UNREADABLE = [
    pytest.param([1, 2], id="list"),
    pytest.param("text", id="string"),
    pytest.param(7, id="int"),
    pytest.param(None, id="None"),
    pytest.param(full_record(practice_id=DELETE), id="no-practice_id"),
    pytest.param(full_record(practice_id=None), id="null-practice_id"),
    pytest.param(full_record(practice_id=""), id="empty-practice_id"),
    pytest.param(full_record(practice_id="   "), id="blank-practice_id"),
    pytest.param(full_record(practice_id=["p-1"]), id="list-practice_id"),
    pytest.param(full_record(google_maps_data=DELETE), id="no-google_maps_data"),
    pytest.param(full_record(google_maps_data=None), id="null-google_maps_data"),
    pytest.param(full_record(google_maps_data="Riverside"), id="string-google_maps_data"),
    pytest.param(full_record(google_maps_data=3), id="int-google_maps_data"),
    pytest.param(full_record(google_maps_data=[{"name": "x"}]), id="list-google_maps_data"),
]


@pytest.mark.parametrize("raw", UNREADABLE)
def test_unreadable_record_fails_without_raising(raw: Any) -> None:
    r = score_both(raw)
    assert r.out.scoring_status == "Failed"
    assert r.out.error_type == "invalid_input"
    assert r.lead is None
    assert r.tier is None
    assert isinstance(r.out.error_message, str) and r.out.error_message


@pytest.mark.parametrize("raw", UNREADABLE)
def test_batch_continues_past_an_unreadable_record(raw: Any) -> None:
    good = [full_record("a"), with_total(63, pid="b", confidence="low")]
    batch = [good[0], raw, good[1]]
    book = score_book(batch)
    outputs = list(book_outputs(FeatureTable.from_records(batch), now=NOW))
    assert [o["scoring_status"] for o in outputs] == ["Scored", "Failed", "Scored"]
    assert [o["lead_score"] for o in outputs] == [112, None, 50]
    assert [int(x) for x in book.lead_score] == [112, -1, 50]
    assert list(book.tier_names()) == ["Hot", None, "Warm"]
    assert outputs[1]["error_type"] == "invalid_input"
