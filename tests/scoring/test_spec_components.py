"""SPEC §3: every component table at every band edge, through the one-practice and the whole-book paths.

The helpers here (``practice``, ``score_both``) are shared by the other ``test_spec_*`` modules.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pytest

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, score_book, score_record
from scoring.features import FeatureTable
from scoring.models import ScoringOutput

from .records import DELETE, full_record

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
DEFAULT = ScoringConfig()
# SPEC §3 component keys, in the SPEC's order.
COMPONENTS = ("practice_size", "call_volume", "technology", "baseline", "decision_maker")
VALIDATION = "Data Validation Error"
AWAITING = "Awaiting enrichment"

_UNSET: Any = object()


def practice(
    *,
    pid: str = "p-1",
    enriched: bool = True,
    vets: Any = _UNSET,
    phones: Any = _UNSET,
    emr: Any = _UNSET,
    booking: Any = _UNSET,
    tele: Any = _UNSET,
    technologies: Any = _UNSET,
    dm: Any = _UNSET,
    reviews: Any = _UNSET,
    rating: Any = _UNSET,
    website: Any = _UNSET,
    multi: Any = _UNSET,
    confidence: Any = "high",
    status: Any = "Completed",
) -> dict[str, Any]:
    """A record where every scored fact is explicit; anything not given scores nothing.

    A value left unset is *absent* from the record (missing data, SPEC §1), never invalid.
    """
    gm: dict[str, Any] = {"name": "Test Practice"}
    for key, value in (
        ("reviews_count", reviews),
        ("rating", rating),
        ("website", website),
        ("has_multiple_locations", multi),
    ):
        if value is not _UNSET:
            gm[key] = value
    record: dict[str, Any] = {
        "practice_id": pid,
        "google_maps_data": gm,
        "enrichment_status": status,
        "enrichment_confidence": confidence,
    }
    if enriched:
        en: dict[str, Any] = {}
        for key, value in (
            ("vet_count", vets),
            ("phone_numbers", phones),
            ("emr_system", emr),
            ("has_online_booking", booking),
            ("has_telemedicine", tele),
            ("technologies", technologies),
            ("decision_maker", dm),
        ):
            if value is not _UNSET:
                en[key] = value
        record["enrichment_data"] = en
    return record


@dataclass
class Scored:
    """One practice's output, its decoded breakdown, and convenient views of both."""

    out: ScoringOutput
    doc: dict[str, Any]

    @property
    def lead(self) -> int | None:
        return self.out.lead_score

    @property
    def tier(self) -> str | None:
        return self.out.priority_tier

    @property
    def flags(self) -> list[str]:
        return self.out.confidence_flags

    @property
    def parts(self) -> dict[str, int]:
        return {name: self.doc["components"][name]["score"] for name in COMPONENTS}

    def part(self, name: str) -> dict[str, Any]:
        return self.doc["components"][name]

    @property
    def warnings(self) -> list[str]:
        return self.doc["warnings"]


def score_both(raw: Any, cfg: ScoringConfig | None = None) -> Scored:
    """Score ``raw`` alone and as a one-row book; assert both paths agree and return the single output."""
    cfg = cfg or DEFAULT
    single = score_record(raw, cfg, now=NOW)
    book = score_book([raw], cfg)
    [row] = list(book_outputs(FeatureTable.from_records([raw]), cfg, now=NOW))
    expected = single.model_dump(mode="json")
    expected["scoring_duration_ms"] = row["scoring_duration_ms"]
    assert row == expected
    assert len(book) == 1
    lead = int(book.lead_score[0])
    assert (None if lead < 0 else lead) == single.lead_score
    assert book.tier_names()[0] == single.priority_tier
    assert list(book.flag_tuples()[0]) == single.confidence_flags
    doc = json.loads(single.score_breakdown)
    if single.scoring_status == "Scored":
        assert {c: int(book.components[c][0]) for c in COMPONENTS} == {
            c: doc["components"][c]["score"] for c in COMPONENTS
        }
        assert int(book.original_score[0]) == doc["original_score"]
    return Scored(single, doc)


# ---- Practice size ---------------------------------------------------------------------------------

# SPEC §3: null or ≤ 0 → 0 · 1–2 → 5 · 3–4 → 15 · 5–7 → 30 · 8–10 → 20 · 11+ → 10
PRACTICE_SIZE = [
    (_UNSET, 0, False),
    (None, 0, False),
    (-1, 0, True),  # negative: invalid (§7), still 0
    ("-", 0, True),  # not a number: invalid (§7)
    (0, 0, False),
    (1, 5, False),
    (2, 5, False),
    (3, 15, False),
    (4, 15, False),
    (5, 30, False),
    (6, 30, False),
    (7, 30, False),
    (8, 20, False),
    (9, 20, False),
    (10, 20, False),
    (11, 10, False),
    (40, 10, False),
]


@pytest.mark.parametrize(("vets", "points", "invalid"), PRACTICE_SIZE)
def test_practice_size_table(vets: Any, points: int, invalid: bool) -> None:
    r = score_both(practice(vets=vets))
    assert r.part("practice_size")["score"] == points
    assert r.part("practice_size")["max"] == 30
    assert (VALIDATION in r.flags) is invalid


# ---- Call volume -----------------------------------------------------------------------------------

# SPEC §3: distinct phone numbers (digits only; entries without digits ignored):
# 0 → 0 · 1 → 10 · 2 → 20 · 3+ → 30
CALL_VOLUME = [
    pytest.param(_UNSET, 0, id="absent"),
    pytest.param(None, 0, id="null"),
    pytest.param([], 0, id="empty"),
    pytest.param(["(512) 555-0100"], 10, id="one"),
    pytest.param(
        ["(512) 555-0100", "512-555-0100", "512.555.0100", "5125550100", " 512 555 0100 "],
        10,
        id="one-number-in-five-formats",
    ),
    pytest.param(["ext.", "", "   ", "call us", "-()-"], 0, id="no-digits-only"),
    pytest.param(["ext.", "(512) 555-0100", "n/a"], 10, id="one-plus-digitless"),
    pytest.param(["555-0100", "555-0101"], 20, id="two"),
    pytest.param(["555-0100", "(555) 0100", "555-0101", "555 0101"], 20, id="two-with-duplicates"),
    # Digits only: a country code makes a different digit string, so a different number.
    pytest.param(["+1 512 555 0100", "512 555 0100"], 20, id="country-code-is-different-digits"),
    pytest.param(["555-0100", "555-0101", "555-0102"], 30, id="three"),
    pytest.param(["555-0100", "555-0101", "555-0102", "555-0103"], 30, id="four"),
    pytest.param([f"555-01{i:02d}" for i in range(9)], 30, id="nine"),
    pytest.param(["555-0100", "5550100", "555-0101", "555.0101", "ext"], 20, id="mixed"),
]


@pytest.mark.parametrize(("phones", "points"), CALL_VOLUME)
def test_call_volume_counts_distinct_digit_strings(phones: Any, points: int) -> None:
    r = score_both(practice(phones=phones))
    assert r.part("call_volume")["score"] == points
    assert r.part("call_volume")["max"] == 30
    assert VALIDATION not in r.flags


# ---- Technology ------------------------------------------------------------------------------------

# SPEC §3: EMR (case-insensitive substring): CORNERSTONE/IDEXX → 15 · AVIMARK/EVETPRACTICE → 10 ·
# other non-blank → 5 · none/blank → 0
EMR = [
    ("CORNERSTONE", 15),
    ("Cornerstone", 15),
    ("cornerstone", 15),
    ("IDEXX Cornerstone 9.3", 15),
    ("IDEXX", 15),
    ("idexx neo", 15),
    ("Neo by Idexx", 15),
    ("AVIMARK", 10),
    ("AviMark", 10),
    ("Covetrus avimark", 10),
    ("EVETPRACTICE", 10),
    ("eVetPractice", 10),
    ("evetpractice cloud", 10),
    ("ezyVet", 5),
    ("Vetspire", 5),
    ("x", 5),
    ("Avi Mark", 5),  # not a substring match for AVIMARK
    ("e-Vet Practice", 5),
    ("", 0),
    ("   ", 0),
    ("\t\n", 0),
    (None, 0),
    (_UNSET, 0),
]


@pytest.mark.parametrize(("emr", "points"), EMR)
def test_emr_points(emr: Any, points: int) -> None:
    r = score_both(practice(emr=emr))
    assert r.part("technology")["score"] == points
    assert r.part("technology")["max"] == 30
    assert VALIDATION not in r.flags


def test_emr_matching_both_tiers_scores_the_first_rule() -> None:
    """The SPEC's rules read top-down: a name containing CORNERSTONE scores 15 even if it mentions AVIMARK."""
    assert score_both(practice(emr="AVImark → Cornerstone migration")).part("technology")["score"] == 15


# emr, online booking, telemedicine → technology points (booking +10, telemedicine +5, capped at 30)
TECHNOLOGY = [
    (None, False, False, 0),
    (None, True, False, 10),
    (None, False, True, 5),
    (None, True, True, 15),
    ("ezyVet", True, False, 15),
    ("ezyVet", False, True, 10),
    ("ezyVet", True, True, 20),
    ("AVImark", True, False, 20),
    ("eVetPractice", True, True, 25),
    ("Cornerstone", False, True, 20),
    ("Cornerstone", True, False, 25),
    ("IDEXX", True, True, 30),
    ("   ", True, True, 15),
]


@pytest.mark.parametrize(("emr", "booking", "tele", "points"), TECHNOLOGY)
def test_technology_adds_booking_and_telemedicine(emr: Any, booking: bool, tele: bool, points: int) -> None:
    r = score_both(practice(emr=emr, booking=booking, tele=tele))
    assert r.part("technology")["score"] == points


@pytest.mark.parametrize(
    ("changes", "emr", "booking", "tele", "points"),
    [
        ({"online_booking_points": 20}, "Cornerstone", True, True, 30),  # 15 + 20 + 5 = 40 → cap 30
        ({"online_booking_points": 20}, "AVImark", True, False, 30),  # 10 + 20 = 30, at the cap
        ({"online_booking_points": 20}, "ezyVet", True, False, 25),  # under the cap
        ({"telemedicine_points": 16}, "IDEXX", False, True, 30),  # 15 + 16 = 31 → 30
        ({"technology_cap": 25}, "IDEXX", True, True, 25),
    ],
)
def test_technology_is_capped(changes: dict, emr: str, booking: bool, tele: bool, points: int) -> None:
    cfg = DEFAULT.with_changes(**changes)
    r = score_both(practice(emr=emr, booking=booking, tele=tele), cfg)
    assert r.part("technology")["score"] == points


def test_default_technology_cap_is_30() -> None:
    """The cap is 30 even when the parts could add up to more (SPEC §3)."""
    cfg = DEFAULT.with_changes(emr_other_points=28)
    assert cfg.technology_cap == 30
    r = score_both(practice(emr="ezyVet", booking=True, tele=True), cfg)
    assert r.part("technology")["score"] == 30


# ---- Baseline --------------------------------------------------------------------------------------

# SPEC §3: reviews floor(n / 10), at most 20
REVIEWS = [
    (_UNSET, 0),
    (None, 0),
    (0, 0),
    (9, 0),
    (10, 1),
    (19, 1),
    (45, 4),
    (199, 19),
    (200, 20),
    (1000, 20),
]


@pytest.mark.parametrize("enriched", [True, False], ids=["full", "baseline_only"])
@pytest.mark.parametrize(("reviews", "points"), REVIEWS)
def test_baseline_review_points(reviews: Any, points: int, enriched: bool) -> None:
    r = score_both(practice(reviews=reviews, enriched=enriched))
    assert r.part("baseline")["score"] == points


# SPEC §3: rating ≥ 5.0 → 6, ≥ 4.5 → 4, ≥ 4.0 → 2, else 0
RATINGS = [
    (_UNSET, 0),
    (None, 0),
    (0.0, 0),
    (1, 0),
    (3.99, 0),
    (4.0, 2),
    (4, 2),
    (4.49, 2),
    (4.5, 4),
    (4.99, 4),
    (5.0, 6),
    (5, 6),
]


@pytest.mark.parametrize("enriched", [True, False], ids=["full", "baseline_only"])
@pytest.mark.parametrize(("rating", "points"), RATINGS)
def test_baseline_rating_points(rating: Any, points: int, enriched: bool) -> None:
    r = score_both(practice(rating=rating, enriched=enriched))
    assert r.part("baseline")["score"] == points
    assert VALIDATION not in r.flags


@pytest.mark.parametrize(
    ("website", "points"),
    [
        (_UNSET, 0),
        (None, 0),
        ("", 0),
        ("   ", 0),
        ("\n\t", 0),
        ("https://riverside.example.com", 4),
        ("riverside.example.com", 4),
        (" x ", 4),
    ],
)
def test_baseline_website_points(website: Any, points: int) -> None:
    assert score_both(practice(website=website)).part("baseline")["score"] == points


@pytest.mark.parametrize(("multi", "points"), [(_UNSET, 0), (None, 0), (False, 0), (True, 10)])
def test_baseline_multiple_locations_points(multi: Any, points: int) -> None:
    assert score_both(practice(multi=multi)).part("baseline")["score"] == points


# reviews, rating, website, multiple locations → (full-mode baseline, baseline-only baseline)
BASELINE_SUMS = [
    (50, 4.5, "w.com", False, 13, 13),  # 5 + 4 + 4
    (100, 5.0, "w.com", False, 20, 20),  # 10 + 6 + 4: exactly the full-mode cap
    (110, 5.0, "w.com", False, 20, 21),  # 11 + 6 + 4
    (100, 5.0, "w.com", True, 20, 30),  # 10 + 6 + 4 + 10
    (0, 4.0, None, True, 12, 12),
    # The seed's flow D: 200+ reviews + 5.0 + website + multiple locations = 40 (baseline-only cap).
    (200, 5.0, "w.com", True, 20, 40),
    (1000, 5.0, "w.com", True, 20, 40),
]


@pytest.mark.parametrize(("reviews", "rating", "website", "multi", "full_pts", "baseline_pts"), BASELINE_SUMS)
def test_baseline_caps_20_in_full_mode_and_40_in_baseline_only(
    reviews: int, rating: float, website: str | None, multi: bool, full_pts: int, baseline_pts: int
) -> None:
    full = score_both(practice(reviews=reviews, rating=rating, website=website, multi=multi))
    assert full.part("baseline")["score"] == full_pts
    assert full.part("baseline")["max"] == 20
    only = score_both(practice(reviews=reviews, rating=rating, website=website, multi=multi, enriched=False))
    assert only.part("baseline")["score"] == baseline_pts
    assert only.part("baseline")["max"] == 40
    # baseline-only: total = baseline
    assert only.doc["original_score"] == baseline_pts
    assert only.lead == baseline_pts


def test_flow_d_baseline_only_scores_40_pending_enrichment() -> None:
    r = score_both(practice(reviews=250, rating=5.0, website="https://x.example", multi=True, enriched=False))
    assert (r.lead, r.tier, r.doc["mode"]) == (40, "Pending Enrichment", "baseline_only")


def test_baseline_only_other_components_await_enrichment() -> None:
    r = score_both(full_record(enrichment_data=None))
    assert r.doc["mode"] == "baseline_only"
    for name in ("practice_size", "call_volume", "technology", "decision_maker"):
        assert r.part(name)["score"] == 0
        assert r.part(name)["detail"] == AWAITING
    # 45 reviews → 4, 4.5 → 4, website → 4
    assert r.part("baseline")["score"] == 12
    assert r.doc["original_score"] == r.lead == 12


# ---- Decision maker --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("dm", "points"),
    [
        (_UNSET, 0),
        (None, 0),
        ({}, 0),
        ({"name": None, "title": "Owner"}, 0),
        ({"name": "", "title": "Owner"}, 0),
        ({"name": "   ", "title": "Owner"}, 0),
        ({"title": "Practice Manager", "linkedin": "https://linkedin.com/in/x"}, 0),
        ({"name": "Dr. Ana Ruiz"}, 10),
        ({"name": "Dr. Ana Ruiz", "title": None, "linkedin": None}, 10),
        ({"name": " Sam ", "title": ""}, 10),
    ],
)
def test_decision_maker_needs_a_non_blank_name(dm: Any, points: int) -> None:
    r = score_both(practice(dm=dm))
    assert r.part("decision_maker")["score"] == points
    assert r.part("decision_maker")["max"] == 10
    assert ("Missing Decision Maker" in r.flags) is (points == 0)


# ---- Totals ----------------------------------------------------------------------------------------


def test_total_is_the_sum_of_the_five_components() -> None:
    # Flow A with SPEC's numbers: 30 + 30 + 30 + (4 + 4 + 4) + 10 = 112
    r = score_both(full_record())
    assert r.parts == {
        "practice_size": 30,
        "call_volume": 30,
        "technology": 30,
        "baseline": 12,
        "decision_maker": 10,
    }
    assert r.doc["original_score"] == 112
    assert r.lead == 112


def test_maximum_total_is_120() -> None:
    r = score_both(
        full_record(
            google_maps_data__reviews_count=500,
            google_maps_data__rating=5.0,
            google_maps_data__has_multiple_locations=True,
        )
    )
    assert sum(r.part(c)["max"] for c in COMPONENTS) == 120
    assert r.doc["original_score"] == r.lead == 120


def test_missing_enrichment_fields_score_nothing() -> None:
    """An enrichment object with no facts in it is full mode with only the baseline scoring."""
    r = score_both(full_record(enrichment_data={}, google_maps_data__website=DELETE))
    assert r.doc["mode"] == "full"
    assert r.parts == {
        "practice_size": 0,
        "call_volume": 0,
        "technology": 0,
        "baseline": 8,  # 45 reviews → 4, 4.5 → 4
        "decision_maker": 0,
    }
