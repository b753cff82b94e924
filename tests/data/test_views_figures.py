"""The Leads view (filters, sorting, export), data quality, figure builders and the import preview."""

from __future__ import annotations

import csv
import io

import openpyxl
import orjson
import pandas as pd
import pytest

from data.figures import components_figure, history_figure, movement_figure, score_steps_figure, tier_counts_figure
from data.files import InputError, neutralise_formula, table_bytes
from data.files.importer import import_preview, preview_upload
from data.store import Store
from data.views import (
    SORTS,
    LeadFilters,
    data_quality,
    display_frame,
    export_frame,
    filter_leads,
    grid_height,
    picker_labels,
    prepare_leads,
    sort_leads,
)
from scoring.engine import score_record
from scoring.features import FeatureTable
from tests.scoring.records import full_record


def raw_leads() -> pd.DataFrame:
    rows = [
        ("a", "Alpha Vets", "1 Oak St, Austin", 95, "Hot", "Scored", ["Missing Decision Maker"], "Dana", "2026-09-01"),
        ("b", "Beta Clinic", "2 Elm St, Denver", 95, "Hot", "Scored", [], None, None),
        ("c", "Gamma Pets", "3 Main St, Austin", 60, "Warm", "Scored", ["Partial Enrichment"], "Marcus", "2026-10-01"),
        ("d", "Delta Animal", "4 Lake Rd, Tampa", None, None, "Failed", [], "Dana", "2026-08-01"),
        ("e", "Echo Vet", "5 Park Blvd, Boise", 20, "Pending Enrichment", "Scored", [], "", None),
    ]
    return pd.DataFrame(
        [
            {
                "practice_id": p,
                "name": n,
                "address": a,
                "url": None,
                "source": "demo",
                "enrichment_status": None,
                "initial_score": 50,
                "status": "New",
                "assigned_to": owner,
                "last_contact": contact,
                "tags": "[]",
                "problems": "[]",
                "lead_score": score,
                "priority_tier": tier,
                "confidence_flags": orjson.dumps(flags).decode(),
                "scoring_status": status,
                "error_type": None,
                "error_message": None,
            }
            for p, n, a, score, tier, status, flags, owner, contact in rows
        ]
    )


def test_prepare_leads_derives_tier_owner_and_lists() -> None:
    leads = prepare_leads(raw_leads())
    assert leads["tier"].tolist() == ["Hot", "Hot", "Warm", "Failed", "Pending Enrichment"]
    assert leads["owner"].tolist() == ["Dana", "Unassigned", "Marcus", "Dana", "Unassigned"]
    assert leads.loc[0, "flags"] == ["Missing Decision Maker"]


def test_default_sort_is_score_then_oldest_contact_never_contacted_first() -> None:
    ordered = sort_leads(prepare_leads(raw_leads()))
    assert ordered["practice_id"].tolist() == ["b", "a", "c", "e", "d"]  # b never contacted, a contacted


@pytest.mark.parametrize(
    ("filters", "expected"),
    [
        (LeadFilters(tiers=["Hot"]), ["b", "a"]),
        (LeadFilters(owners=["Dana"]), ["a", "d"]),
        (LeadFilters(min_score=60), ["b", "a", "c"]),
        (LeadFilters(flags=["Partial Enrichment"]), ["c"]),
        (LeadFilters(text="austin"), ["a", "c"]),
        (LeadFilters(text="GAMMA"), ["c"]),
        (LeadFilters(tiers=["Failed"]), ["d"]),
        (LeadFilters(sort="Practice name"), ["a", "b", "d", "e", "c"]),
    ],
)
def test_filters(filters: LeadFilters, expected: list[str]) -> None:
    assert filter_leads(prepare_leads(raw_leads()), filters)["practice_id"].tolist() == expected


def test_filters_describe_themselves() -> None:
    assert LeadFilters().describe() == "all practices"
    assert LeadFilters(tiers=["Hot"], min_score=80).describe() == "tier Hot, score ≥ 80"


def test_export_is_formula_safe_in_csv_and_xlsx() -> None:
    leads = prepare_leads(raw_leads())
    leads.loc[0, "name"] = '=HYPERLINK("http://x","y")'
    view = export_frame(filter_leads(leads, LeadFilters()))
    text = table_bytes(view, "csv").decode()
    assert "'=HYPERLINK" in text
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(view, "xlsx"))).active
    assert all(c.data_type != "f" for row in sheet.iter_rows() for c in row)
    assert neutralise_formula("-5") == "-5" and neutralise_formula("@SUM(A1)") == "'@SUM(A1)"
    assert neutralise_formula(-5) == -5


def test_data_quality_counts_missing_inputs() -> None:
    table = FeatureTable.from_records(
        [
            full_record("a"),
            full_record("b", enrichment_data__decision_maker=None, enrichment_data__vet_count="x"),
            full_record("c", enrichment_data=None),
            [1],
        ]
    )
    quality, invalid = data_quality(table)
    lacking = dict(zip(quality["input"], quality["lacking"], strict=True))
    assert lacking["Decision maker"] == 1 and lacking["Vet count"] == 1
    assert lacking["No enrichment yet (Pending Enrichment)"] == 1 and lacking["Unreadable record"] == 1
    assert invalid.to_dict("records") == [{"field": "enrichment_data.vet_count", "practices": 1}]


def breakdown(**changes) -> dict:  # type: ignore[no-untyped-def]
    return orjson.loads(score_record(full_record(**changes)).score_breakdown)


def test_components_figure_labels_every_bar() -> None:
    fig = components_figure(breakdown())
    score = next(t for t in fig.data if t.name == "Score")
    assert list(score.text) == ["30 / 30", "30 / 30", "30 / 30", "12 / 20", "10 / 10"]
    assert [t.name for t in fig.data] == ["Maximum", "Score"]


def test_score_steps_show_the_penalty_as_its_own_step() -> None:
    doc = breakdown(enrichment_confidence="low")
    fig = score_steps_figure(doc)
    steps = fig.data[0]
    assert list(steps.x)[-2:] == ["Confidence penalty (20%)", "Lead score"]
    assert list(steps.y)[-3:] == [112, 89 - 112, 89] and list(steps.measure)[-3:] == ["total", "relative", "total"]
    assert len(score_steps_figure(breakdown()).data[0].x) == 6  # no penalty, no penalty step


def test_history_tier_and_movement_figures() -> None:
    history = pd.DataFrame(
        {
            "scored_at": ["2026-11-01T10:00:00Z", "2026-11-02T10:00:00Z"],
            "lead_score": [70, 85],
            "priority_tier": ["Warm", "Hot"],
            "scoring_status": ["Scored", "Scored"],
            "config_version": ["default", "v2"],
        }
    )
    assert [t.name for t in history_figure(history).data] == ["config default", "config v2"]
    assert history_figure(history.iloc[0:0]).layout.title.text == "No scorings yet"
    counts = pd.DataFrame({"before": [1, 2], "after": [2, 1]}, index=["Hot", "Warm"])
    assert [list(t.text) for t in tier_counts_figure(counts).data] == [["1", "2"], ["2", "1"]]
    matrix = pd.DataFrame([[1, 0], [1, 1]], index=["Hot", "Warm"], columns=["Hot", "Warm"])
    assert movement_figure(matrix).data[0].texttemplate == "%{text}"


def test_import_preview_reports_each_row_and_imports(tmp_path) -> None:  # type: ignore[no-untyped-def]
    csv = (
        b"practice_id,name,rating,vet_count,enrichment_status,status,tags\n"
        b"i1,One,4.5,6,Completed,Qualified,Referral; Priority\n"
        b"i2,Two,9,x,Completed,,\n"
        b" ,Three,4,,,,\n"
        b"i1,One again,4.6,7,Completed,,\n"
    )
    preview = preview_upload("book.csv", csv)
    assert preview.report["outcome"].tolist() == ["not imported", "scored with warnings", "not imported", "ok"]
    assert "appears again" in preview.report["problems"].iloc[0]
    assert "practice_id is missing" in preview.report["problems"].iloc[2]
    store = Store.open(tmp_path / "s.db")
    report = import_preview(store, preview)
    assert report.total == 2
    assert store.practice("i1")["name"] == "One again"
    with pytest.raises(InputError, match="unsupported file type"):
        preview_upload("book.txt", b"x")
    with pytest.raises(InputError, match="no rows"):
        preview_upload("book.csv", b"practice_id,name\n")


# ---- exports after an import with extra columns (issue 9's blocker) -------------------------------


def leads_with_extras(extras: list[dict | None]) -> pd.DataFrame:
    """The store's leads frame as an import leaves it: `extra` is JSON text, or None without extras."""
    raw = raw_leads().head(len(extras)).copy()
    raw["extra"] = [orjson.dumps(e).decode() if e else None for e in extras]
    raw["initial_score"] = [64.0, None, 50.0, 50.0, 50.0]
    return prepare_leads(raw)


@pytest.mark.parametrize(
    ("extras", "territory"),
    [
        ([{"territory": "North"}, None, {"territory": "South", "region": 3}, None, None],
         ["North", None, "South", None, None]),  # some rows only
        ([None] * 5, None),  # none
        ([{"territory": t} for t in "ABCDE"], list("ABCDE")),  # all
        ([{"territory": "North"}, {}, None, {"territory": None}, None], ["North", None, None, None, None]),
    ],
    ids=["some-rows", "no-rows", "all-rows", "empty-and-null"],
)
def test_export_after_an_import_with_extra_columns(extras: list, territory: list | None) -> None:
    view = filter_leads(leads_with_extras(extras), LeadFilters(sort="Practice name"))
    frame = export_frame(view)
    if territory is None:
        assert "territory" not in frame.columns
    else:
        by_id = dict(zip(frame["practice_id"], frame["territory"], strict=True))
        assert [by_id[p] for p in "abcde"] == territory
    # Both downloads build; missing values are empty cells, never "nan".
    text = table_bytes(frame, "csv").decode()
    assert "nan" not in text.lower() and "<NA>" not in text
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, "xlsx"))).active
    assert sheet.max_row == len(frame) + 1


def test_export_scores_are_integers_not_floats() -> None:
    frame = export_frame(filter_leads(leads_with_extras([None] * 5), LeadFilters(sort="Practice name")))
    assert str(frame["initial_score"].dtype) == "Int64" and str(frame["lead_score"].dtype) == "Int64"
    alpha, beta = list(csv.DictReader(io.StringIO(table_bytes(frame, "csv").decode())))[:2]
    assert alpha["initial_score"] == "64" and alpha["lead_score"] == "95"
    assert beta["initial_score"] == ""  # missing stays empty, not "nan" or "<NA>"


def test_a_fractional_initial_score_is_kept() -> None:
    raw = raw_leads()
    raw["initial_score"] = [72.5, 50.0, None, 50.0, 50.0]
    assert export_frame(prepare_leads(raw))["initial_score"].tolist()[0] == 72.5


# ---- the Leads view: the way back, the grid's data, the picker -------------------------------------


def test_filters_travel_as_a_query_string_and_back() -> None:
    filters = LeadFilters(tiers=["Hot", "Warm"], owners=["Marcus Lee"], min_score=50, flags=["Partial Enrichment"],
                          text="Pine & Co", sort="Practice name")
    query = filters.query()
    assert query.startswith("tier=Hot&tier=Warm&owner=Marcus+Lee&min=50")
    assert LeadFilters.from_query(query, owners=["Marcus Lee"]) == LeadFilters(
        tiers=["Hot", "Warm"], owners=["Marcus Lee"], min_score=50, flags=["Partial Enrichment"], text="Pine & Co",
        sort="Practice name")
    assert LeadFilters().query() == "" and not LeadFilters().active


@pytest.mark.parametrize(
    "query",
    ["tier=Lukewarm&owner=Nobody&min=abc&flags=Bogus&sort=Sideways", "min=-5", "min=900", "![x](http://host/qp.png)"],
)
def test_a_query_string_no_widget_could_hold_is_dropped_not_an_error(query: str) -> None:
    filters = LeadFilters.from_query(query, owners=["Dana"], max_score=120)
    assert filters.tiers == () and filters.owners == () and filters.flags == ()
    assert 0 <= filters.min_score <= 120 and filters.sort in SORTS


def test_the_grid_carries_only_what_it_shows_in_compact_types() -> None:
    shown = display_frame(filter_leads(prepare_leads(raw_leads()), LeadFilters()))
    assert list(shown.columns) == ["name", "lead_score", "tier", "owner", "status", "last_contact", "flags",
                                   "initial_score"]  # no ids, no url column without Notion pages
    assert str(shown["lead_score"].dtype) == "Int16" and str(shown["tier"].dtype) == "category"
    assert shown["flags"].tolist()[1] == "No decision maker"  # a short label, read in full
    assert shown["lead_score"].isna().tolist() == [False, False, False, False, True]
    assert shown["last_contact"].tolist()[1] is not None and str(shown["last_contact"].tolist()[1]) == "2026-09-01"


def test_picker_labels_are_names_made_unique_only_where_needed() -> None:
    frame = pd.DataFrame({"practice_id": ["a", "b", "c", "d"], "name": ["Alpha", "Beta", "Beta", None],
                          "address": ["1 Oak St", "2 Elm St", "2 Elm St", None]})
    assert picker_labels(frame) == {"a": "Alpha", "b": "Beta · 2 Elm St (#b)", "c": "Beta · 2 Elm St (#c)",
                                    "d": "(no name)"}


def test_one_point_of_history_gets_a_week_wide_date_axis_and_the_score_range() -> None:
    history = pd.DataFrame({"scored_at": ["2026-11-01T10:00:00Z"], "lead_score": [70], "priority_tier": ["Warm"],
                            "scoring_status": ["Scored"], "config_version": ["default"]})
    fig = history_figure(history, max_score=120)
    low, high = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    assert high - low == pd.Timedelta(days=6) and low < pd.Timestamp("2026-11-01T10:00:00Z") < high
    assert list(fig.layout.yaxis.range) == [0, 126.0]
    longer = pd.concat([history, history.assign(scored_at="2026-11-09T10:00:00Z", lead_score=[90])])
    assert history_figure(longer).layout.xaxis.range is None  # a real span keeps its own range


def test_tier_bars_are_horizontal_with_room_for_big_labels() -> None:
    counts = pd.DataFrame({"before": [1284, 4112], "after": [2001, 3395]}, index=["Hot", "Warm"])
    fig = tier_counts_figure(counts)
    assert all(trace.orientation == "h" for trace in fig.data)
    assert [list(t.text) for t in fig.data] == [["1,284", "4,112"], ["2,001", "3,395"]]
    assert fig.layout.xaxis.range[1] > 4112 * 1.1  # labels outside the longest bar stay on the chart


def test_the_grid_height_follows_its_rows_up_to_a_screenful() -> None:
    assert [grid_height(n) for n in (1, 3, 15, 16, 10_000)] == [73, 143, 563, 598, 600]


def test_the_export_carries_the_engagement_columns_the_table_shows() -> None:
    """A download of the Leads view holds what the rep sees: grid cell, engagement, risk, next action and
    24-hour velocity beside the fit columns (a fresh user found them missing)."""
    leads = prepare_leads(raw_leads())
    n = len(leads)
    leads = leads.assign(grid_cell=["A1"] + [None] * (n - 1), engagement_score=[64] + [0] * (n - 1),
                         recency_risk=["low"] + ["high"] * (n - 1), next_action=["Call today"] + [None] * (n - 1),
                         velocity_24h=[3] + [0] * (n - 1))
    frame = export_frame(filter_leads(leads, LeadFilters()))
    first = frame[frame["practice_id"] == leads["practice_id"].iloc[0]].iloc[0]
    assert (first["grid_cell"], first["engagement_score"], first["recency_risk"], first["next_action"],
            first["velocity_24h"]) == ("A1", 64, "low", "Call today", 3)
    text = table_bytes(frame, "csv").decode().splitlines()
    assert "grid_cell,engagement_score,recency_risk,next_action,velocity_24h" in text[0]
    assert "engagement_score" not in export_frame(filter_leads(prepare_leads(raw_leads()), LeadFilters())).columns
