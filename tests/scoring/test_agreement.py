"""The one-practice path and the whole-book paths agree exactly (SPEC §§1–8, DESIGN)."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import numpy as np
import pandas as pd
from hypothesis import given
from hypothesis import strategies as st

from scoring.config import ScoringConfig
from scoring.engine import book_outputs, score_book, score_record
from scoring.features import FeatureTable, record_from_flat_row
from scoring.rules import COMPONENTS

from .strategies import CONFIGS, flat_rows, records

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


def assert_agree(raws: list, table: FeatureTable, cfg: ScoringConfig) -> None:
    book = score_book(table, cfg)
    outputs = list(book_outputs(table, cfg, now=NOW))
    assert len(book) == len(outputs) == len(raws)
    tiers = book.tier_names()
    flags = book.flag_tuples()
    for i, raw in enumerate(raws):
        single = score_record(raw, cfg, now=NOW).model_dump(mode="json")
        single["scoring_duration_ms"] = 0
        assert outputs[i] == single, f"row {i}: {raw!r}"
        lead = int(book.lead_score[i])
        assert (None if lead < 0 else lead) == single["lead_score"], raw
        assert tiers[i] == single["priority_tier"], raw
        assert list(flags[i]) == single["confidence_flags"], raw
        if single["scoring_status"] == "Scored":
            parts = json.loads(single["score_breakdown"])["components"]
            assert {c: int(book.components[c][i]) for c in COMPONENTS} == {
                c: parts[c]["score"] for c in COMPONENTS
            }
            assert int(book.original_score[i]) == json.loads(single["score_breakdown"])["original_score"]


@given(st.lists(records, min_size=1, max_size=8), CONFIGS)
def test_records_book_agrees_with_single_practice_path(raws: list, cfg: ScoringConfig) -> None:
    assert_agree(raws, FeatureTable.from_records(raws), cfg)


@given(st.lists(flat_rows, min_size=1, max_size=8), CONFIGS)
def test_flat_frame_agrees_with_single_practice_path(rows: list, cfg: ScoringConfig) -> None:
    frame = pd.DataFrame(rows, dtype=object)
    assert_agree([record_from_flat_row(r) for r in rows], FeatureTable.from_frame(frame), cfg)


@given(
    st.lists(
        st.fixed_dictionaries(
            {
                "practice_id": st.text(min_size=1, max_size=5).filter(str.strip),
                "vet_count": st.one_of(st.integers(-2, 15), st.just(np.nan)),
                "rating": st.one_of(st.floats(-1, 6, allow_nan=False), st.just(np.nan), st.just(np.inf)),
                "reviews_count": st.one_of(st.integers(-5, 500).map(float), st.just(np.nan), st.just(2.5)),
                "has_online_booking": st.sampled_from([0.0, 1.0, 2.0, np.nan]),
                "emr_system": st.sampled_from(["Cornerstone", "ezyVet", "", None]),
            }
        ),
        min_size=1,
        max_size=6,
    ),
    CONFIGS,
)
def test_typed_numeric_columns_agree(rows: list, cfg: ScoringConfig) -> None:
    """Native numeric dtypes take the vectorised conversion; it must match pydantic's lax rules."""
    frame = pd.DataFrame(rows)
    frame["emr_system"] = frame["emr_system"].astype("str")  # pandas string dtype: the vectorised text path
    assert_agree(
        [record_from_flat_row(r) for r in frame.to_dict("records")], FeatureTable.from_frame(frame), cfg
    )


@given(st.lists(flat_rows, min_size=1, max_size=8), st.sampled_from([object, "str"]))
def test_column_wise_records_equal_row_by_row_records(rows: list, dtype: object) -> None:
    """The importer builds records column by column; they are exactly record_from_flat_row's."""
    from scoring.features import records_from_flat_frame

    frame = pd.DataFrame(rows, dtype=dtype)
    assert records_from_flat_frame(frame) == [record_from_flat_row(r) for r in frame.to_dict("records")]


@given(st.lists(records, min_size=1, max_size=8), st.data(), CONFIGS)
def test_a_taken_table_scores_like_the_taken_records(raws: list, data: st.DataObject, cfg: ScoringConfig) -> None:
    rows = data.draw(st.lists(st.integers(0, len(raws) - 1), min_size=1, unique=True).map(sorted))
    taken = FeatureTable.from_records(raws).take(rows)
    assert len(taken) == len(rows)
    assert_agree([raws[i] for i in rows], taken, cfg)
