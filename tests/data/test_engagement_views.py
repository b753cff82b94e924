"""The engagement axis as tables and figures for the pages (pure): Leads columns and filters, the Today
list, the 4 × 3 grid, a practice's timeline, breakdown and history, the what-if comparison."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.engagement_figures import (
    breakdown_figure,
    engagement_history_figure,
    grid_change_figure,
    grid_figure,
    timeline_figure,
)
from data.engagement_views import (
    ago,
    breakdown_frame,
    cell_movers,
    grid_cell_at,
    grid_comparison,
    grid_counts,
    grid_table,
    history_with_now,
    rank_by_cell,
    timeline_frame,
    today_frame,
    today_summary,
    toggle_cell,
    with_engagement,
)
from data.views import LeadFilters, filter_leads
from scoring.engagement import GRID_CELLS, EngagementConfig, compute_engagement
from tests.scoring.engagement_helpers import AS_OF_US, DAY, HOUR

CFG = EngagementConfig()


def book_of(rows: list[tuple[str, str, int]], tiers: dict[str, str | None], config: EngagementConfig = CFG):
    events = pd.DataFrame([(p, t, AS_OF_US - a) for p, t, a in rows], columns=["practice_id", "type", "occurred_us"])
    practices = pd.DataFrame({"practice_id": list(tiers), "priority_tier": list(tiers.values())})
    return compute_engagement(events.astype({"occurred_us": "int64"}), practices, config, AS_OF_US)


@pytest.fixture
def leads() -> pd.DataFrame:
    """A small Leads view (as prepare_leads shapes it) with engagement joined on."""
    tiers = {"a": "Hot", "b": "Hot", "c": "Warm", "d": "Pending Enrichment", "e": None}
    rows = [("a", "meeting", HOUR), ("a", "demo_request", HOUR), ("a", "signup", HOUR),
            ("b", "meeting", 10 * DAY), ("c", "email_click", 2 * DAY), ("d", "demo_request", 0),
            ("d", "meeting", 0), ("d", "signup", 0), ("e", "meeting", 0)]
    base = pd.DataFrame({
        "practice_id": list(tiers), "name": ["Alpha", "Bravo", "Charlie", "Delta", None],
        "owner": ["Dana", "Dana", "Dana", "Marcus", "Dana"], "lead_score": [100, 90, 60, None, None],
        "tier": ["Hot", "Hot", "Warm", "Pending Enrichment", "Failed"],
        "engagement_score": [99] * 5,  # stale values are replaced by the join
    })
    return with_engagement(base, book_of(rows, tiers))


def test_with_engagement_joins_the_books_columns(leads: pd.DataFrame) -> None:
    by_id = leads.set_index("practice_id")
    assert by_id["grid_cell"].iloc[:4].to_dict() == {"a": "A1", "b": "A3", "c": "B3", "d": "P1"}
    assert pd.isna(by_id.loc["e", "grid_cell"])  # a failed fit scoring: no cell
    assert by_id.loc["a", "engagement_score"] == 74  # 75 points an hour old
    assert by_id.loc["e", "grid_label"] == "No cell"
    assert list(leads["practice_id"]) == ["a", "b", "c", "d", "e"]  # the leads keep their order


def test_rank_by_cell_puts_a1_first_and_no_cell_last(leads: pd.DataFrame) -> None:
    assert list(rank_by_cell(leads)["practice_id"]) == ["a", "b", "c", "d", "e"]
    shuffled = leads.iloc[::-1]
    assert list(rank_by_cell(shuffled)["practice_id"]) == ["a", "b", "c", "d", "e"]


def test_rank_by_cell_then_engagement_then_velocity() -> None:
    frame = pd.DataFrame({"practice_id": ["x", "y", "z"], "grid_cell": ["B2", "B2", "A3"],
                          "engagement_score": [30, 40, 1], "velocity_24h": [0, 0, 0]})
    assert list(rank_by_cell(frame)["practice_id"]) == ["z", "y", "x"]


def test_today_is_one_reps_practices_ranked_with_their_next_action(leads: pd.DataFrame) -> None:
    today = today_frame(leads, "Dana")
    assert list(today["practice_id"]) == ["a", "b", "c", "e"]
    first = today.iloc[0]
    assert (first["grid_cell"], first["next_action"], first["velocity_24h"], first["last_activity"]) == (
        "A1", "Call today", 3, "1 h ago")
    assert today.iloc[-1]["next_action"] == "Rescore (no fit tier)"
    assert today_summary(today) == {"practices": 4, "call_today": 1, "a1": 1, "active_24h": 2, "hot_going_quiet": 1}
    assert today_frame(leads, "Nobody").empty


@pytest.mark.parametrize(
    ("days", "text"),
    [(None, "never"), (float("nan"), "never"), (0.0001, "1 min ago"), (0.5, "12 h ago"), (3.2, "3 d ago"),
     (90.0, "3 mo ago")],
)
def test_ago(days: float | None, text: str) -> None:
    assert ago(days) == text


def _filtered(leads: pd.DataFrame, **filters: object) -> list[str]:
    frame = leads.assign(flags=[[] for _ in range(len(leads))], search_text="", last_contact=pd.NaT)
    return sorted(filter_leads(frame, LeadFilters(**filters))["practice_id"])


def test_the_leads_filters_cover_the_engagement_axis(leads: pd.DataFrame) -> None:
    assert _filtered(leads, cells=["A1", "P1"]) == ["a", "d"]
    assert _filtered(leads, cells=["No cell"]) == ["e"]
    assert _filtered(leads, min_engagement=70) == ["a", "d"]
    assert _filtered(leads, actions=["Enrich now"]) == ["d"]
    assert _filtered(leads, risks=["high"]) == ["b"]
    state = {"cell": ["A1"], "min_eng": "50", "action": [], "risk": None}
    filters = LeadFilters.from_state(state)
    assert filters.describe() == "cell A1, engagement ≥ 50" and filters.active
    assert LeadFilters().describe() == "all practices" and not LeadFilters().active


def test_engagement_filters_survive_the_way_back_from_a_practice() -> None:
    """The Practice page carries the Leads view in ?from=…; the engagement filters travel with the rest."""
    chosen = LeadFilters(tiers=["Hot"], cells=["A1", "No cell"], min_engagement=40, actions=["Call today"],
                         risks=["high"])
    assert LeadFilters.from_query(chosen.query()) == chosen
    assert LeadFilters.from_query("cell=Z9&min_eng=900&risk=extreme") == LeadFilters(min_engagement=100)


def test_grid_counts_are_4_by_3_and_skip_practices_without_a_cell(leads: pd.DataFrame) -> None:
    counts = grid_counts(leads)
    assert counts.shape == (4, 3)
    assert counts.to_numpy().sum() == 4
    assert counts.iloc[0, 0] == 1 and counts.iloc[0, 2] == 1 and counts.iloc[3, 0] == 1


def test_grid_figure_has_a_clickable_marker_per_cell_in_grid_order(leads: pd.DataFrame) -> None:
    fig = grid_figure(grid_counts(leads), selected=["A1"])
    heat, markers = fig.data
    assert heat.type == "heatmap" and np.array_equal(heat.z, grid_counts(leads).to_numpy())
    assert list(markers.customdata) == list(GRID_CELLS)  # point index i is GRID_CELLS[i] (the click handler)
    assert "<b>A1</b><br>1" in heat.text[0][0]
    assert len(fig.layout.shapes) == 1  # the selected cell is outlined
    assert fig.layout.clickmode == "event+select"


def test_grid_table_names_and_counts_each_cell_shaded_by_count_and_marks_the_selected() -> None:
    counts = pd.DataFrame([[16, 0, 4], [8, 2, 1], [0, 0, 3], [1_200, 0, 0]])  # P1 the fullest cell
    styled = grid_table(counts, selected=["B2"])
    labels = styled.data
    assert labels.iloc[0].tolist() == ["A1 · 16", "A2 · 0", "A3 · 4"]
    assert labels.iloc[3, 0] == "P1 · 1,200" and labels.iloc[1, 1] == "▶ B2 · 2"
    styles = {(r, c): dict(p) for (r, c), p in styled._compute().ctx.items()}
    assert styles[(3, 0)]["background-color"] == "#5EEAD4"  # the fullest cell: the palette's top
    assert styles[(0, 1)]["background-color"] == "#F8FAFC"  # an empty cell: the palette's bottom
    assert styles[(0, 0)]["background-color"] not in ("#F8FAFC", "#5EEAD4")  # 16 of 1,200: in between
    assert styles[(1, 1)]["background-color"] == "#0F766E"  # selected: dark, whatever its count
    assert grid_table(counts * 0).data.iloc[0, 0] == "A1 · 0"  # an empty book: no division by zero


def test_grid_cell_at_reads_a_cell_selection_and_toggle_cell_filters() -> None:
    assert grid_cell_at(0, "1 · highly engaged") == "A1"
    assert grid_cell_at(3, "3 · little or none") == "P3"
    assert grid_cell_at(4, "1 · highly engaged") is None and grid_cell_at(0, "fit") is None
    assert toggle_cell([], "B2") == ["B2"]
    assert toggle_cell(["A1"], "B2") == ["B2"]  # another cell: only it
    assert toggle_cell(["B2"], "B2") == []  # the shown cell again: every cell
    assert toggle_cell(["A1", "B2"], "B2") == ["A1"]


def test_timeline_says_what_counts_and_what_does_not() -> None:
    events = pd.DataFrame({
        "event_id": ["e1", "e2", "e3"], "practice_id": ["p"] * 3, "type": ["meeting", "webinar", "signup"],
        "occurred_us": [AS_OF_US - 7 * DAY, AS_OF_US - DAY, AS_OF_US + HOUR], "source": ["crm", "web", "web"],
        "detail": ["Call", None, "Future"],
    })
    timeline = timeline_frame(events, CFG, AS_OF_US)
    assert timeline["points"].tolist() == [25, 0, 20]
    assert timeline["points_now"].tolist() == [12.5, 0.0, 0.0]
    assert timeline["status"].tolist() == ["counted", "type not configured: counts nowhere",
                                           "after now: not counted yet"]
    assert timeline["type"].tolist() == ["Meeting", "webinar", "Signup"]
    fig = timeline_figure(timeline)
    assert {t.name for t in fig.data} == set(timeline["status"])
    assert timeline_figure(timeline.iloc[0:0]).layout.title.text == "No activity recorded yet"


def test_breakdown_and_history_of_one_practice() -> None:
    book = book_of([("p", "meeting", 7 * DAY), ("p", "meeting", 7 * DAY)], {"p": "Warm"})
    breakdown = breakdown_frame(book, "p", CFG)
    meeting = breakdown.set_index("type").loc["meeting"]
    assert (meeting["events"], meeting["raw_points"], meeting["decayed_points"], meeting["counted_points"]) == (
        2, 50.0, 25.0, 25.0)
    fig = breakdown_figure(breakdown)
    assert fig.data[1].text == ("25.0 / 40",)
    history = pd.DataFrame({"day": ["2026-02-27", "2026-02-28"], "engagement_score": [40, 30],
                            "grid_cell": ["B2", "B2"]})
    frame = history_with_now(history, book, "p")
    assert frame["kind"].tolist() == ["daily snapshot", "daily snapshot", "now"]
    assert frame["engagement_score"].tolist() == [40, 30, 25]
    figure = engagement_history_figure(frame, CFG)
    assert [t.name for t in figure.data] == ["daily snapshot", "now"]
    assert len(figure.layout.shapes) == 2  # the level edges
    only_now = history_with_now(history.iloc[0:0], book, "p")
    assert only_now["kind"].tolist() == ["now"]


def test_grid_comparison_and_movers() -> None:
    rows = [("a", "meeting", 0), ("a", "demo_request", 0), ("b", "page_view", 0)]
    tiers = {"a": "Hot", "b": "Cold"}
    before = book_of(rows, tiers)
    stricter = EngagementConfig.model_validate(CFG.model_dump() | {"level_1_min": 70, "level_2_min": 60})
    after = book_of(rows, tiers, stricter)
    comparison = grid_comparison(before, after)
    assert (comparison.loc["A2", "before"], comparison.loc["A2", "after"], comparison.loc["A2", "change"]) == (1, 0, -1)
    assert comparison.loc["A3", "after"] == 1 and comparison["before"].sum() == comparison["after"].sum() == 2
    moved = cell_movers(before, after, {"a": "Alpha"})
    assert moved.to_dict("records") == [{"practice": "Alpha", "old_cell": "A2", "new_cell": "A3", "old_engagement": 55,
                                         "new_engagement": 55, "new_next_action": "Start outreach"}]
    assert grid_change_figure(comparison).data[0].name == "Before"
