"""Hypothesis strategies for practice records: valid, lax-valid, invalid and missing values."""

from __future__ import annotations

import math
from typing import Any

from hypothesis import strategies as st

from scoring.config import ScoringConfig
from scoring.depth import MAX_RECORD_DEPTH
from scoring.fields import FLAT_COLUMNS

MISSING = object()


def nested(depth: int, shape: str) -> Any:
    """A value ``depth`` levels deep: lists, or objects holding one list, one inside the other."""
    value: Any = "x"
    for level in range(depth):
        value = [value] if shape == "list" or level % 2 == 0 else {"k": value, "n": 1}
    return value


# Values about as deep as a record may nest: where one sits decides whether its record is past
# MAX_RECORD_DEPTH (Failed invalid_input) or not (the value degrades, or is ignored, SPEC §7).
near_limit = st.builds(
    nested, st.integers(MAX_RECORD_DEPTH - 5, MAX_RECORD_DEPTH + 1), st.sampled_from(["list", "mixed"])
)

ints = st.one_of(
    st.integers(-3, 40),
    st.integers(0, 400).map(str),  # "5"
    st.integers(0, 30).map(float),  # 5.0
    st.sampled_from(["five", "", " 7 ", "5.5", "1_0", True, False, 7.5, -1.0, math.nan, math.inf, 10**20]),
)
floats = st.one_of(
    st.floats(-1, 6, allow_nan=False),
    st.sampled_from(
        [4.0, 4.5, 5.0, 3.99, 4.49, "4.5", "5", "nan", "inf", math.nan, math.inf, "x", 7.3, True]
    ),
)
bools = st.one_of(
    st.booleans(), st.sampled_from([0, 1, 2, "yes", "no", "true", "False", "maybe", 1.0, 0.5, "", "on"])
)
texts = st.one_of(
    st.text(max_size=12),
    st.sampled_from(["", "   ", "Cornerstone", "IDEXX Neo", "avimark", "eVetPractice", "ezyVet", "Dr. Vet"]),
    st.sampled_from([5, 4.5, True, ["x"], {"a": 1}]),
    near_limit,
)
phones = st.one_of(
    st.lists(
        st.sampled_from(
            [
                *("(555) 123-4567", "555-123-4567", "555 000 1111", "ext.", "", "+1 555 222 3333", "١٢٣"),
                # spreadsheet numbers (SPEC §3): "…0.0" is the number; look-alikes are not
                *("5551234567.0", "5551234567", "5550001111.0", "555-123-4567.0", "5551234567.00", ".0", "0.0"),
            ]
        ),
        max_size=5,
    ),
    st.sampled_from(["555-1234", 5, None, ["ok", 7], ("555-1", "555-2"), {"a": "b"}]),
)
str_lists = st.one_of(
    st.lists(st.sampled_from(["a", "b", "", " "]), max_size=3),
    st.sampled_from(["x", 3, [1], ("a",), None]),
)
confidences = st.sampled_from(["high", "medium", "low", "LOW", " Medium ", "certain", 3, None])
statuses = st.sampled_from(["Completed", "Partial", "Failed", "Not Started", "partial", "Done", 1, None])


def _maybe(strategy: st.SearchStrategy[Any]) -> st.SearchStrategy[Any]:
    return st.one_of(st.just(MISSING), st.none(), strategy)


def _dict(fields: dict[str, st.SearchStrategy[Any]]) -> st.SearchStrategy[dict[str, Any]]:
    return st.fixed_dictionaries({k: _maybe(v) for k, v in fields.items()}).map(
        lambda d: {k: v for k, v in d.items() if v is not MISSING}
    )


google_maps = _dict(
    {
        "name": texts,
        "address": texts,
        "phone": texts,
        "website": texts,
        "rating": floats,
        "reviews_count": ints,
        "place_id": texts,
        "has_multiple_locations": bools,
    }
)
decision_makers = st.one_of(_dict({"name": texts, "title": texts, "linkedin": texts}), texts)
enrichment = st.one_of(
    _dict(
        {
            "vet_count": ints,
            "vet_count_confidence": confidences,
            "phone_numbers": phones,
            "email_addresses": str_lists,
            "emr_system": texts,
            "has_online_booking": bools,
            "has_telemedicine": bools,
            "technologies": str_lists,
            "decision_maker": decision_makers,
            "extraction_timestamp": st.sampled_from(["2025-11-04T10:00:00Z", "yesterday", 5]),
            "extraction_method": st.sampled_from(["llm", "structured", 3]),
        }
    ),
    st.sampled_from(["garbage", 5, ["x"]]),
)
practice_ids = st.one_of(
    st.text(min_size=1, max_size=8), st.integers(0, 10**6), st.sampled_from(["", "  ", True, 4.5, None]), near_limit
)
records = st.one_of(
    _dict(
        {
            "practice_id": practice_ids,
            "google_maps_data": st.one_of(google_maps, st.sampled_from(["x", 3])),
            "enrichment_data": enrichment,
            "enrichment_status": statuses,
            "enrichment_confidence": confidences,
            "triggered_by": st.sampled_from(["auto", "manual", "rescore", "cron"]),
            "trigger_timestamp": st.sampled_from(["2025-11-04T10:00:00Z", "soon"]),
            "meta": near_limit,  # a field SPEC §1 does not know
        }
    ),
    st.sampled_from([[1, 2], "text", 7]),
)

flat_cell = st.one_of(
    st.just(""),
    st.just("  "),
    st.integers(-2, 300).map(str),
    st.sampled_from(["4.5", "5", "yes", "no", "nan", "x"]),
    st.text(max_size=10),
)
flat_phone_cell = st.one_of(
    st.just(""),
    st.sampled_from(["555-1234;555 1234", "(555) 000-1111; ;ext", "a;b;c"]),
    # spreadsheet numbers (SPEC §3) beside the same number written plainly, and look-alikes
    st.sampled_from(["5552010001.0; 5552010001", "5552010001.0;5552010002.0", " 5552010001.0 ", "555.0;5550"]),
)
flat_rows = st.fixed_dictionaries(
    {
        column: (
            st.one_of(st.text(min_size=0, max_size=6), st.just(""))
            if column == "practice_id"
            else flat_phone_cell
            if column in ("phone_numbers", "technologies", "email_addresses")
            else st.sampled_from(["Completed", "Partial", "Failed", "Not Started", "", "done"])
            if column == "enrichment_status"
            else st.sampled_from(["high", "medium", "low", "", "?"])
            if column in ("enrichment_confidence", "vet_count_confidence")
            else flat_cell
        )
        for column in FLAT_COLUMNS
    }
)

# The default config and two that move thresholds, multipliers, bands, caps and points.
CONFIGS = st.sampled_from(
    [
        ScoringConfig(),
        ScoringConfig().with_changes(
            hot_tier_min=70, warm_tier_min=40, confidence_multipliers={"high": 1, "medium": 0.7, "low": 0.55}
        ),
        ScoringConfig().with_changes(
            size_bands=[{"min": 2, "max": 3, "points": 12}, {"min": 6, "points": 25}],
            call_volume_points=[0, 15],
            technology_cap=20,
            baseline_cap_full=30,
        ),
    ]
)
