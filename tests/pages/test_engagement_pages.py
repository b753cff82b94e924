"""The engagement axis in the app (issue 11), driven through AppTest on the sample book: Today, the Leads
grid and engagement columns/filters, the Practice page's engagement, What-if, Operations, Import."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import all_text, frame_with, no_exception, page, plain

from data.events.engagement import book_engagement
from data.store import Store
from scoring.config import ScoringConfig


def eng_key(at: AppTest, name: str) -> str:
    """The lab draws its engagement controls anew at every load (key suffixed with the load's number)."""
    return f"{name}_{at.session_state['w_gen']}"


def test_today_asks_who_you_are_first(db: Path) -> None:
    at = page("pages/today.py")
    no_exception(at)
    assert "Choose yourself above" in all_text(at)
    assert at.selectbox(key="rep").options[:2] == ["Dana Reyes", "Marcus Lee"]


def test_today_lists_a_reps_practices_ranked_with_next_actions(db: Path) -> None:
    at = page("pages/today.py", rep="Dana Reyes")
    no_exception(at)
    store = Store.open(db)
    leads = store.leads_frame()
    mine = set(leads.loc[leads["assigned_to"] == "Dana Reyes", "practice_id"])
    table = frame_with(at, "next_action", "last_activity")
    assert len(table) == len(mine) and set(table["practice_id"]) == mine
    order = {c: i for i, c in enumerate(["A1", "A2", "A3", "B1", "B2", "B3", "C1", "C2", "C3", "P1", "P2", "P3"])}
    ranks = [order.get(c, 99) for c in table["grid_cell"]]
    assert ranks == sorted(ranks)  # by grid cell …
    for _, group in table.groupby("grid_cell"):
        assert list(group["engagement_score"]) == sorted(group["engagement_score"], reverse=True)  # … then engagement
    links = at.get("page_link")
    assert len(links) == 12 and links[0].proto.page.endswith("practice")
    assert links[0].value.startswith(f"**{table.iloc[0]['grid_cell']}** · ")
    assert at.metric[0].value == str(len(mine))


def test_choosing_yourself_shows_your_list(db: Path) -> None:
    # (That the choice lands in the page address is checked in the browser: tests/e2e/test_today_journey.py.)
    at = page("pages/today.py")
    at.selectbox(key="rep").set_value("Marcus Lee").run()
    no_exception(at)
    leads = Store.open(db).leads_frame()
    assert at.metric[0].value == str(int((leads["assigned_to"] == "Marcus Lee").sum()))
    assert "Work these first" in all_text(at)


def test_leads_show_engagement_columns_and_filter_by_cell(db: Path) -> None:
    at = page("pages/leads.py")
    no_exception(at)
    table = frame_with(at, "lead_score", "grid_cell", "engagement_score", "next_action")
    assert table["engagement_score"].between(0, 100).all()
    store = Store.open(db)
    live = book_engagement(store, ScoringConfig().engagement).frame().set_index("practice_id")
    # The grid carries no ids (only what it shows): the cells it shows are the book's, cell for cell.
    shown = table["grid_cell"].astype(object).value_counts().to_dict()
    assert shown == live["grid_cell"].value_counts().to_dict()
    # The grid above the table: a shaded table (no chart), each cell its name and the book's count.
    assert not at.get("plotly_chart")
    grid = next(df for df in at.dataframe if df.key == "grid_cells_0")
    assert list(grid.value.index) == ["A · Hot", "B · Warm", "C · Cold", "P · Pending Enrichment"]
    counts = live["grid_cell"].value_counts()
    assert grid.value.to_numpy().tolist() == [[f"{c} · {counts.get(c, 0):,}" for c in row]
                                              for row in (["A1", "A2", "A3"], ["B1", "B2", "B3"],
                                                          ["C1", "C2", "C3"], ["P1", "P2", "P3"])]
    a1 = page("pages/leads.py", cell="A1")
    no_exception(a1)
    only = frame_with(a1, "lead_score", "grid_cell")
    assert len(only) == (live["grid_cell"] == "A1").sum() > 0
    assert set(only["grid_cell"]) == {"A1"}
    assert "cell A1" in all_text(a1)
    a1_grid = next(df for df in a1.dataframe if df.key == "grid_cells_0").value
    assert a1_grid.iloc[0, 0].startswith("▶ A1 · ") and not a1_grid.iloc[1, 1].startswith("▶")
    engaged = page("pages/leads.py", min_eng="50")
    assert (frame_with(engaged, "lead_score", "engagement_score")["engagement_score"] >= 50).all()


def click_grid_cell(at: AppTest, key: str, row: int, column: str) -> None:
    """A click on a cell of the dataframe ``key`` as the browser reports it (a JSON string): the selection sent
    with the next run, so its ``on_select`` callback runs (AppTest has no public way to select a cell)."""
    grid = next(df for df in at.dataframe if df.key == key)
    states = at._tree.get_widget_states()
    state = states.widgets.add()
    state.id = grid.proto.id
    state.string_value = json.dumps({"selection": {"rows": [], "columns": [], "cells": [[row, column]]}})
    at._run(states)


def test_clicking_a_leads_grid_cell_filters_to_it_and_clicking_it_again_shows_every_cell(db: Path) -> None:
    at = page("pages/leads.py")
    live = book_engagement(Store.open(db), ScoringConfig().engagement).frame()
    b2 = int((live["grid_cell"] == "B2").sum())
    assert b2 > 0
    click_grid_cell(at, "grid_cells_0", 1, "2 · engaged")  # B2: row 1, the level 2 column
    no_exception(at)
    assert at.session_state["cell"] == ["B2"] and at.multiselect(key="cell").value == ["B2"]
    only = frame_with(at, "lead_score", "grid_cell")
    assert len(only) == b2 and set(only["grid_cell"]) == {"B2"}
    grid = next(df for df in at.dataframe if df.key == "grid_cells_1")  # a fresh grid: nothing left selected
    assert grid.value.iloc[1, 1] == f"▶ B2 · {b2:,}"
    assert "Click the marked cell again" in all_text(at)
    click_grid_cell(at, "grid_cells_1", 1, "2 · engaged")  # the shown cell clicked again: every cell
    no_exception(at)
    assert at.session_state["cell"] == []
    assert len(frame_with(at, "lead_score", "grid_cell")) == len(live)
    assert not any(v.startswith("▶") for v in next(df for df in at.dataframe if df.key == "grid_cells_2")
                   .value.to_numpy().ravel())


def test_practice_page_shows_the_grid_cell_engagement_and_timeline(db: Path) -> None:
    store_probe = page("pages/leads.py")  # fills the store
    no_exception(store_probe)
    store = Store.open(db)
    live = book_engagement(store, ScoringConfig().engagement).frame()
    busy = live.sort_values("engagement_score", ascending=False).iloc[0]
    at = page("pages/practice.py", id=busy["practice_id"])
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    assert metrics["Grid cell"] == busy["grid_cell"]
    assert metrics["Engagement"] == f"{busy['engagement_score']} / 100"
    assert f"Next action: {busy['next_action']}" in all_text(at).replace("\\", "")
    timeline = frame_with(at, "points_now", "status")
    assert len(timeline) == len(store.practice_events(busy["practice_id"]))
    assert "Activity timeline" in all_text(at)


def test_what_if_moves_engagement_numbers_and_shows_the_grid_before_and_after(db: Path) -> None:
    at = page("pages/whatif.py")
    no_exception(at)
    assert "0 practices change grid cell or next action" in all_text(at)
    at.number_input(key=eng_key(at, "w_eng_l1")).set_value(30).run()
    no_exception(at)
    text = all_text(at)
    assert "practices change grid cell or next action" in text and "0 practices change grid" not in text
    assert {c.key for c in at.get("plotly_chart")} >= {"whatif_grid_before", "whatif_grid_after", "whatif_grid_change"}
    at.number_input(key=eng_key(at, "w_eng_l2")).set_value(40).run()  # level 2 from 40 ≥ level 1 from 30: not valid
    shown = all_text(at).replace("\\", "")  # the controls' labels, never config keys
    assert "“Level 2 from (engagement ≥)” (40) must be below “Level 1 from (engagement ≥)” (30)." in shown
    assert "level_2_min" not in shown


def test_a_saved_version_keeps_the_engagement_settings(db: Path) -> None:
    at = page("pages/whatif.py")
    at.number_input(key=eng_key(at, "w_eng_half")).set_value(14.0).run()
    at.text_input(key="w_save_name").set_value("slow-decay")
    at.text_input(key="w_save_note").set_value("engagement lasts longer")
    submit = next(b for b in at.button if b.label == "Save version")
    submit.click().run()
    no_exception(at)
    saved = Store.open(db).configs()
    assert [c.label for c in saved] == ["slow-decay-v1"]
    assert saved[0].config.engagement.half_life_days == 14.0


def test_operations_shows_automation_rules_and_their_log(db: Path) -> None:
    at = page("pages/operations.py")
    no_exception(at)
    text = all_text(at).replace("\\", "")  # user text is shown Markdown-escaped
    assert "Engagement and automation" in text and "built-in rules (log only)" in text
    rules = frame_with(at, "rule", "when", "then")
    assert list(rules["rule"]) == ["enters-a1", "hot-goes-quiet"]
    log = frame_with(at, "rule_id", "status")
    assert set(log["rule_id"]) <= {"enters-a1", "hot-goes-quiet"} and len(log) > 0
    at.button(key="run_automation").click().run()
    no_exception(at)
    said = " ".join(plain(m.value) for m in at.success)
    assert said.startswith("Engagement snapshot ") and "Automation rules on " in said  # sentences, not log lines
    assert "automation 20" not in said


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_import_page_previews_events_row_by_row_then_imports(db: Path, suffix: str) -> None:
    at = page("pages/import_export.py")
    no_exception(at)
    if suffix == ".csv":
        content = (b"event_id,practice_id,type,occurred_at\nx1,demo-0001,meeting,2026-03-01T09:00:00Z\n"
                   b"x2,demo-0002,webinar,2026-03-01\nx3,demo-0003,meeting,01/03/2026\nx4,ghost,signup,2026-03-02\n")
    else:
        content = (b'{"event_id":"x1","practice_id":"demo-0001","type":"meeting","occurred_at":"2026-03-01T09:00Z"}\n'
                   b'{"event_id":"x2","practice_id":"demo-0002","type":"webinar","occurred_at":"2026-03-01"}\n'
                   b'{"event_id":"x3","practice_id":"demo-0003","type":"meeting","occurred_at":"01/03/2026"}\n'
                   b'{"event_id":"x4","practice_id":"ghost","type":"signup","occurred_at":"2026-03-02"}\n')
    uploader = next(u for u in at.file_uploader if "events" in u.label)
    uploader.set_value((f"events{suffix}", content, "text/plain")).run()
    no_exception(at)
    metrics = {m.label: m.value for m in at.metric}
    word = "row" if suffix == ".csv" else "line"
    assert (metrics["New events"], metrics["Unknown type"], metrics["Unknown practice"],
            metrics[f"Unreadable {word}s"]) == ("3", "1", "1", "1")
    report = frame_with(at, word, "field", "problem")
    assert report.iloc[0][word] == (4 if suffix == ".csv" else 3) and report.iloc[0]["field"] == "occurred_at"
    store = Store.open(db)
    before = store.event_count()
    at.button(key="do_events_import").click().run()
    no_exception(at)
    assert store.event_count() == before + 3
    assert f"events{suffix}" in all_text(at).replace("\\", "")  # the file name, Markdown-escaped
