"""The engagement axis in the app (issue 11): the pieces the Leads, Practice, What-if, Operations and
Import pages call with one line each, and the shared, cached engagement of the book.

Engagement is computed as of now whenever a page runs (SPEC §12); the event log is read once per store
revision and the book's engagement at most once a minute per revision and configuration.
"""

from __future__ import annotations

import time
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import pandas as pd
import streamlit as st

from data.engagement_controls import (
    ACTION_COLUMNS,
    FIELD_LABELS,
    TYPE_COLUMNS,
    field_range,
    max_length,
    problems_in_words,
)
from data.engagement_figures import (
    breakdown_figure,
    engagement_history_figure,
    grid_change_figure,
    grid_figure,
    timeline_figure,
)
from data.engagement_views import (
    NO_CELL,
    ago,
    breakdown_frame,
    cell_movers,
    grid_cell_at,
    grid_comparison,
    grid_counts,
    grid_table,
    history_with_now,
    timeline_frame,
    toggle_cell,
    with_engagement,
)
from data.events.engagement import book_engagement
from data.notion.sync import Workbench
from data.wording import MISSING, automation_sentence, capitalised, count
from pages import ui
from pages.tables import time_column, with_times
from scoring.config import ConfigError, ScoringConfig
from scoring.engagement import GRID_CELLS, RISKS, EngagementBook, compute_engagement, practice_engagement, to_us
from scoring.engagement.config import EventType, NextAction

# ---- the book's engagement, shared --------------------------------------------------------------------------


@st.cache_resource(max_entries=2, show_spinner="Reading the activity log…")
def _events(db_path: str, revision: int, _bench: Workbench) -> pd.DataFrame:
    return _bench.store.events_frame()


def events(bench: Workbench) -> pd.DataFrame:
    """Every event (practice, type, time) as the engine reads it (shared, read-only)."""
    return _events(str(bench.store.path), bench.store.revision(), bench)


@st.cache_resource(max_entries=4, show_spinner=False)
def _book(db_path: str, revision: int, fingerprint: str, minute: int, _bench: Workbench) -> EngagementBook:
    return book_engagement(_bench.store, _bench.config.engagement, datetime.now(UTC), events=events(_bench),
                           leads=ui.leads(_bench))


def book(bench: Workbench) -> EngagementBook:
    """The book's engagement as of now (recomputed when the store changes, and every minute)."""
    return _book(str(bench.store.path), bench.store.revision(), bench.config.fingerprint, int(time.time() // 60),
                 bench)


@st.cache_resource(max_entries=4, show_spinner=False)
def _leads_with_engagement(db_path: str, revision: int, fingerprint: str, minute: int,
                           _bench: Workbench) -> pd.DataFrame:
    leads = ui.leads(_bench)
    if leads.empty:
        return leads
    return with_engagement(leads, _book(db_path, revision, fingerprint, minute, _bench))


def leads_with_engagement(bench: Workbench) -> pd.DataFrame:
    """The Leads view of the book with engagement, grid cell and next action columns — computed once per
    store revision, configuration and minute however often a page asks (shared: never change it in
    place, like :func:`pages.ui.leads`)."""
    return _leads_with_engagement(str(bench.store.path), bench.store.revision(), bench.config.fingerprint,
                                  int(time.time() // 60), bench)


# ---- Leads: columns, filters, the grid -------------------------------------------------------------------------

LEAD_COLUMNS = ["grid_cell", "engagement_score", "next_action", "velocity_24h"]
LEAD_COLUMN_CONFIG: dict[str, Any] = {
    "grid_cell": st.column_config.TextColumn("Grid", help="Fit letter (A Hot, B Warm, C Cold, P Pending) + "
                                             "engagement level (1 high … 3 low)"),
    "engagement_score": st.column_config.ProgressColumn("Engagement", min_value=0, max_value=100, format="%d"),
    "next_action": st.column_config.TextColumn("Next action", width="medium"),
    "velocity_24h": st.column_config.NumberColumn("24 h", help="Events in the last 24 hours", format="%d"),
}


def lead_filters(leads: pd.DataFrame) -> None:
    """The engagement filters in the Leads sidebar (part of the page address, like the other filters)."""
    st.multiselect("Grid cell", [*GRID_CELLS, NO_CELL], key="cell", bind="query-params", placeholder="All cells")
    st.slider("Minimum engagement", 0, 100, 0, step=5, key="min_eng", bind="query-params")
    actions = sorted(a for a in leads["next_action"].dropna().unique()) if "next_action" in leads else []
    st.multiselect("Next action", actions, key="action", bind="query-params", placeholder="Any")
    st.multiselect("Recency risk", list(RISKS), key="risk", bind="query-params", placeholder="Any")


GRID_ROUND = "_grid_round"  # clicks on the Leads grid so far: its key's generation


def _grid_key() -> str:
    return f"grid_cells_{st.session_state.get(GRID_ROUND, 0)}"


def _grid_clicked() -> None:
    # A callback runs before the page: the "cell" filter widget has not been drawn yet, so it may change.
    event = st.session_state.get(_grid_key()) or {}
    cells = (event.get("selection") or {}).get("cells") or []
    cell = grid_cell_at(int(cells[0][0]), str(cells[0][1])) if cells else None
    if cell:  # a cell was clicked: show it (or, if it was the one shown, every cell again)
        st.session_state["cell"] = toggle_cell(list(st.session_state.get("cell") or []), cell)
    # The grid keeps a clicked cell selected: a new key draws it afresh, so its marking shows the filter.
    st.session_state[GRID_ROUND] = st.session_state.get(GRID_ROUND, 0) + 1
    st.session_state["_grid_rerun"] = True


def grid_heatmap(leads: pd.DataFrame) -> None:
    """The 4 × 3 fit × engagement grid of the whole book as a shaded table (no chart library: the Leads
    table shows sooner, issue 9); clicking a cell filters the table to it."""
    if st.session_state.pop("_grid_rerun", False):
        st.rerun()  # the sidebar's filter widget shows the new cell too
    selected = list(st.session_state.get("cell") or [])
    st.dataframe(grid_table(grid_counts(leads), selected), key=_grid_key(), on_select=_grid_clicked,
                 selection_mode="single-cell", width="stretch",
                 column_config={"_index": st.column_config.TextColumn("Fit ↓ · engagement →")})
    if selected:
        st.caption("Click the marked cell again (or clear “Grid cell” in the sidebar) to show every cell.")
    else:
        st.caption("Click a cell to show only its practices. A = Hot, B = Warm, C = Cold, P = Pending Enrichment; "
                   "1 = highly engaged, 3 = little or none.")


# ---- Practice: engagement of one practice ------------------------------------------------------------------


@dataclass(frozen=True)
class PracticeActivity:
    """One practice's events (read once per page run) and its engagement now, from
    :func:`practice_engagement_row` for :func:`practice_activity`."""

    events: pd.DataFrame
    book: EngagementBook


def practice_engagement_row(bench: Workbench, practice_id: str, score: dict[str, Any] | None) -> PracticeActivity:
    """The grid cell beside the fit score, engagement now and the next action. Computed by the same engine
    as the whole book, on a table of this practice's events; returned for :func:`practice_activity`."""
    tier = score["priority_tier"] if score and score.get("scoring_status") == "Scored" else None
    own = bench.store.practice_events(practice_id)
    one = practice_engagement(own, practice_id, tier, bench.config.engagement, datetime.now(UTC))
    row = one.frame().iloc[0]
    cols = st.columns(5)
    cols[0].metric("Grid cell", row["grid_cell"] or "—",
                   help="Fit letter (A Hot, B Warm, C Cold, P Pending Enrichment) + engagement level 1–3")
    cols[1].metric("Engagement", f"{row['engagement_score']} / 100", help=f"Level {row['engagement_level']}")
    cols[2].metric("Events in 24 h", int(row["velocity_24h"]))
    cols[3].metric("Recency risk", str(row["recency_risk"]), help="Days since the last activity: < 3 low, "
                   "3–7 medium, > 7 or none high")
    cols[4].metric("Last activity", ago(row["days_since_last_event"]))
    if row["next_action"]:
        st.info(f"**Next action: {ui.md_escape(row['next_action'])}** — {ui.md_escape(row['next_action_why'])}")
    else:
        st.warning("No grid cell: the fit scoring failed or has not run. Rescore the practice to get a next action.")
    return PracticeActivity(own, one)


def practice_activity(bench: Workbench, practice_id: str, activity: PracticeActivity) -> None:
    """Engagement over time (daily snapshots and now), its breakdown by type, and the activity timeline."""
    cfg = bench.config.engagement
    own, one = activity.events, activity.book
    st.subheader("Engagement")
    row = one.frame().iloc[0]
    notes = []
    if row["unknown_type_events"]:
        n = int(row["unknown_type_events"])
        notes.append(f"{n} {'event' if n == 1 else 'events'} of a type the configuration does not know "
                     f"{'counts' if n == 1 else 'count'} nowhere")
    if row["future_events"]:
        n = int(row["future_events"])
        notes.append(f"{n} {'event' if n == 1 else 'events'} dated after now {'is' if n == 1 else 'are'} not "
                     "counted yet")
    if notes:
        st.caption("; ".join(notes) + ".")
    history = history_with_now(bench.store.engagement_history(practice_id), one, practice_id)
    breakdown = breakdown_frame(one, practice_id, cfg)
    left, right = st.columns(2)
    left.plotly_chart(engagement_history_figure(history, cfg), width="stretch", key="engagement_history_chart")
    right.plotly_chart(breakdown_figure(breakdown), width="stretch", key="engagement_breakdown_chart")
    with st.expander("Engagement breakdown by activity type"):
        st.dataframe(breakdown, hide_index=True, width="stretch", key="engagement_breakdown", placeholder=MISSING,
                     column_config={"type": "Type", "label": "Activity", "events": "Events", "raw_points": "Points",
                                    "decayed_points": "After decay", "cap": "Cap",
                                    "counted_points": "Counted (capped)"})
    st.subheader("Activity timeline")
    timeline = timeline_frame(own, cfg, one.as_of_us)
    if timeline.empty:
        st.info("No activity recorded for this practice yet. Events arrive from `leadscore events import`, the "
                "Import page, or a Notion activities data source.")
        return
    st.plotly_chart(timeline_figure(timeline), width="stretch", key="timeline_chart")
    st.dataframe(timeline, hide_index=True, width="stretch", key="timeline_table", placeholder=MISSING,
                 column_config={"occurred_at": st.column_config.DatetimeColumn("When", format="YYYY-MM-DD HH:mm"),
                                "type": "Type", "points": "Points",
                                "points_now": st.column_config.NumberColumn("Points now", format="%.2f"),
                                "status": "Counts?", "source": "Source",
                                "detail": st.column_config.TextColumn("Detail", width="large"),
                                "event_id": "Event id"})


# ---- What-if: move the engagement numbers, see the grid before and after ----------------------------------


def whatif_controls(base: ScoringConfig, candidate: ScoringConfig, *, generation: int = 0) -> ScoringConfig | None:
    """Engagement controls (points, caps, half-life, level edges, risk days, next actions); returns
    ``candidate`` with them applied, or None (with the reasons shown) when the combination is not valid.

    ``generation`` counts the lab's loads of a configuration (Reset, a version, a draft): each load draws
    new widgets, so every control shows the loaded value, never a stale one."""
    eng = base.engagement
    g = f"_{generation}"

    def number(where: Any, name: str, step: float | int, key: str) -> float | int:
        # Range from the field's constraints (data.engagement_controls): any valid saved value shows.
        low, high = field_range(name)
        value = getattr(eng, name)
        whole = isinstance(value, int)
        return where.number_input(FIELD_LABELS[name], low, high, value if whole else float(value), step,
                                  format=None if whole else "%g", key=key + g)

    def whole_column(name: str, **kw: Any) -> Any:
        low, high = field_range(name, EventType)
        return st.column_config.NumberColumn(TYPE_COLUMNS[name], min_value=low, max_value=high, step=1, **kw)

    def text_column(name: str, model: Any, headers: dict[str, str], **kw: Any) -> Any:
        return st.column_config.TextColumn(headers[name], max_chars=max_length(name, model), **kw)

    with st.expander("Engagement: points, caps, half-life, levels, recency risk, next actions", expanded=False):
        types = st.data_editor(
            pd.DataFrame([t.model_dump() for t in eng.types]), key="w_eng_types" + g, num_rows="dynamic",
            hide_index=True, width="stretch",
            column_config={"name": text_column("name", EventType, TYPE_COLUMNS), "points": whole_column("points"),
                           "cap": whole_column("cap"), "label": text_column("label", EventType, TYPE_COLUMNS)},
        )
        c1, c2, c3 = st.columns(3)
        half_life = number(c1, "half_life_days", 0.5, "w_eng_half")
        velocity = number(c1, "velocity_hours", 1.0, "w_eng_velocity")
        level_1 = number(c2, "level_1_min", 1, "w_eng_l1")
        level_2 = number(c2, "level_2_min", 1, "w_eng_l2")
        medium = number(c3, "risk_medium_days", 0.5, "w_eng_medium")
        high = number(c3, "risk_high_days", 0.5, "w_eng_high")
        st.caption("Next action per grid cell and recency risk (the table reps see):")
        actions = st.data_editor(pd.DataFrame([a.model_dump() for a in eng.next_actions]), key="w_eng_actions" + g,
                                 hide_index=True, width="stretch", disabled=["cell", "risk"],
                                 column_config={"action": text_column("action", NextAction, ACTION_COLUMNS),
                                                "why": text_column("why", NextAction, ACTION_COLUMNS)})
    rows = [{k: (None if pd.isna(v) else v) for k, v in r.items()} for r in types.to_dict("records")]
    try:
        return candidate.with_changes(engagement={
            "types": [r | {"label": r.get("label") or ""} for r in rows if r.get("name")],
            "half_life_days": half_life, "velocity_hours": velocity, "level_1_min": level_1, "level_2_min": level_2,
            "risk_medium_days": medium, "risk_high_days": high, "next_actions": actions.to_dict("records"),
        }, version=None)
    except ConfigError as exc:
        st.error("These engagement settings cannot be used, so the results below are hidden until they are fixed:\n"
                 + "\n".join(f"- {ui.md_escape(sentence)}" for sentence in problems_in_words(exc)))
        return None


def whatif_grid(bench: Workbench, base: ScoringConfig, candidate: ScoringConfig, before: Any, after: Any) -> None:
    """The fit × engagement grid with the active configuration and with the candidate (fit tiers from the
    what-if lab's ``before``/``after`` whole-book scores), the change per cell and who moves."""
    now = to_us(datetime.now(UTC))
    log = events(bench)
    tiers = {name: pd.DataFrame({"practice_id": scores.practice_id, "priority_tier": scores.tier_names()})
             for name, scores in (("before", before), ("after", after))}
    grid_before = compute_engagement(log, tiers["before"], base.engagement, now)
    grid_after = compute_engagement(log, tiers["after"], candidate.engagement, now)
    st.subheader("The fit × engagement grid, before and after")
    comparison = grid_comparison(grid_before, grid_after)
    left, right = st.columns(2)
    left.plotly_chart(grid_figure(grid_counts(grid_before.frame()), title="Active configuration"), width="stretch",
                      key="whatif_grid_before")
    right.plotly_chart(grid_figure(grid_counts(grid_after.frame()), title="These settings"), width="stretch",
                       key="whatif_grid_after")
    st.plotly_chart(grid_change_figure(comparison), width="stretch", key="whatif_grid_change")
    leads = ui.leads(bench)
    names = dict(zip(leads["practice_id"], leads["name"], strict=True))
    moved = cell_movers(grid_before, grid_after, names)
    st.markdown(f"**{count(len(moved), 'practice')} {'changes' if len(moved) == 1 else 'change'} grid cell or "
                "next action**")
    if not moved.empty:
        st.dataframe(moved, hide_index=True, width="stretch", key="grid_movers", placeholder=MISSING,
                     column_config={"practice": "Practice", "old_cell": "Cell now",
                                    "new_cell": "Cell with these settings", "old_engagement": "Engagement now",
                                    "new_engagement": "Engagement with these settings",
                                    "new_next_action": "Next action with these settings"})


# ---- Operations: automation, snapshots, the event log -----------------------------------------------------


def operations_panel(bench: Workbench) -> None:
    """Engagement operations: the event log, daily snapshots, automation rules and their log, queued writes."""
    from data.events.automation import AutomationError, RuleSet, run_automation
    from data.events.snapshots import take_snapshot

    store = bench.store
    st.subheader("Engagement and automation")
    days = store.snapshot_days()
    writes = store.property_writes()
    c1, c2, c3, c4 = st.columns(4)
    c1.metric("Events in the log", f"{store.event_count():,}")
    c2.metric("Latest snapshot", days[-1] if days else "none", help=f"{count(len(days), 'day')} of engagement history")
    c3.metric("Notion property writes waiting", len(writes))
    c4.metric("Webhooks waiting", len(store.pending_webhooks()))
    try:
        rules = RuleSet.load(mapping=bench.mapping)
    except AutomationError as exc:
        st.error(f"Automation rules cannot be used: {ui.md_escape(exc)}")
        rules = None
    if rules is not None:
        st.markdown(f"**Automation rules** · {ui.md_escape(rules.source)} · each fires once per practice and day "
                    "when its condition starts to hold.")
        st.dataframe(pd.DataFrame([{"rule": r.id, "when": r.condition(), "then": r.effect(),
                                    "description": r.description} for r in rules.rules]),
                     hide_index=True, width="stretch", key="automation_rules", placeholder=MISSING,
                     column_config={"rule": "Rule", "when": "When", "then": "Then", "description": "Description"})
        if st.button("Take today's snapshot and run the rules now", key="run_automation"):
            snap = take_snapshot(store, bench.config)
            report = run_automation(store, bench.config, rules)
            ui.remember("ops", f"{capitalised(snap.summary())}. {automation_sentence(report)}")
            st.rerun()
    log = store.automation_log(200)
    if log.empty:
        st.caption("Nothing has fired yet.")
    else:
        names = dict(store.query("SELECT practice_id, name FROM practices"))
        shown = with_times(log.assign(practice=log["practice_id"].map(names).fillna(log["practice_id"])), "fired_at")
        st.dataframe(shown, hide_index=True, width="stretch", key="automation_log", placeholder=MISSING,
                     column_order=["fired_at", "rule_id", "practice", "day", "action", "target", "status", "attempts",
                                   "last_error"],
                     column_config={"fired_at": time_column("Fired (UTC)"), "rule_id": "Rule", "practice": "Practice",
                                    "day": "Day", "action": "Action", "target": "Target", "status": "Status",
                                    "attempts": st.column_config.NumberColumn("Attempts", format="%d"),
                                    "last_error": st.column_config.TextColumn("Last error", width="large")})
    if writes:
        st.warning(f"{count(len(writes), 'Notion property write')} {'waits' if len(writes) == 1 else 'wait'}" + (
            f"; the oldest error: {ui.md_escape(writes[0]['last_error'])}" if writes[0]["last_error"] else ""))
    latest = _latest_events(str(store.path), store.revision(), store)
    if not latest.empty:  # the event log itself: what arrived last, as data (names and details are user text)
        st.markdown(f"**The event log: the latest {len(latest):,} of {count(store.event_count(), 'event')}** "
                    "(newest first)")
        latest = latest.assign(type=latest["type"].map(bench.config.engagement.label_of))  # as the timeline names them
        st.dataframe(latest, hide_index=True, width="stretch", key="latest_events", placeholder=MISSING,
                     column_config={"occurred_at": time_column("When (UTC)"), "practice": "Practice", "type": "Type",
                                    "source": "Source", "detail": st.column_config.TextColumn("Detail", width="large"),
                                    "event_id": "Event id"})
    imports = store.event_imports(10)
    if not imports.empty:
        st.markdown("**Recent event imports**")
        st.dataframe(with_times(imports, "imported_at"), hide_index=True, width="stretch", key="event_imports",
                     placeholder=MISSING,
                     column_order=["imported_at", "source", "name", "rows", "imported", "duplicates", "unknown_type",
                                   "unknown_practice", "unreadable"],
                     column_config={"imported_at": time_column("Imported (UTC)"), "source": "Source",
                                    "name": "File or source", "rows": _count_column("Rows"),
                                    "imported": _count_column("Imported"),
                                    "duplicates": _count_column("Duplicates"),
                                    "unknown_type": _count_column("Unknown type"),
                                    "unknown_practice": _count_column("Unknown practice"),
                                    "unreadable": _count_column("Unreadable")})


def _count_column(label: str) -> Any:
    """A count as the metrics beside it show it: with thousands separators."""
    return st.column_config.NumberColumn(label, format="localized")


@st.cache_resource(max_entries=2, show_spinner=False)
def _latest_events(db_path: str, revision: int, _store: Any) -> pd.DataFrame:
    from data.events.recent import latest_events

    return latest_events(_store, LATEST_EVENTS)


# ---- Import: an events file, with its row report -------------------------------------------------------------


LATEST_EVENTS = 20  # events listed on Operations
EVENTS_PREVIEW = "_events_preview"  # ((file_id, store revision), (report, preview) or the InputError) of the upload
EVENTS_ROUND = "events_upload_round"  # imports so far this session: the uploader's key generation


def events_import_section(bench: Workbench) -> None:
    """Upload events (CSV, XLSX, JSON Lines): checked row by row first, stored only on request."""
    from data.events.automation import AutomationError, RuleSet, run_automation
    from data.events.importer import prepare_upload, store_events
    from data.files import InputError
    from data.files.limits import MAX_UPLOAD_BYTES

    st.subheader("Import activity events")
    st.caption("Columns: event_id (optional), practice_id, type, occurred_at (ISO 8601; no zone = UTC), and "
               "optionally source and detail. An event already in the log is a duplicate and changes nothing. "
               f"Files up to {MAX_UPLOAD_BYTES // 2**20:,} MiB; `leadscore events import` takes bigger ones.")
    flash = ui.recall("events_import")
    for line in flash or []:  # names the file, its types and practice ids: user text
        st.success(ui.md_escape(line))
    # A new key after each import: the uploader (and with it the Import button) comes back empty, so
    # the imported file is not checked again as "all duplicates" (as the practices uploader does).
    round_ = st.session_state.get(EVENTS_ROUND, 0)
    upload = st.file_uploader("CSV, XLSX or JSON Lines file of events", type=["csv", "xlsx", "jsonl"],
                              key="events_upload" if round_ == 0 else f"events_upload_{round_}",
                              max_upload_size=MAX_UPLOAD_BYTES // 2**20,
                              help=f"Up to {MAX_UPLOAD_BYTES // 2**20:,} MiB, like practice uploads.")
    if upload is None:
        st.session_state.pop(EVENTS_PREVIEW, None)
        return
    # Read and checked once per uploaded file and store state (a new upload, or a write to the store that
    # may change what is a duplicate, reads it again); every other rerun reuses the preview. Only the
    # report and its counts stay in the session — not the rows (hundreds of MiB for a big file): Import
    # reads the file again.
    key = (upload.file_id, bench.store.revision())
    cached = st.session_state.get(EVENTS_PREVIEW)
    if cached is None or cached[0] != key:
        outcome: Any
        try:
            prepared = prepare_upload(upload.name, upload.getvalue())
            outcome = (prepared.report, prepared.preview(bench.store.stored_event_ids(r[0] for r in prepared.rows),
                                                         set(bench.config.engagement.type_names),
                                                         bench.store.known_practice_ids()))
            del prepared
        except InputError as exc:
            outcome = exc
        st.session_state[EVENTS_PREVIEW] = cached = (key, outcome)
    if isinstance(cached[1], InputError):
        st.error(f"This file cannot be imported: {ui.md_escape(cached[1])}. Fix it and upload it again.")
        return
    report, preview = cached[1]
    c1, c2, c3, c4, c5 = st.columns(5)
    c1.metric("New events", f"{preview.imported:,}")
    c2.metric("Duplicates", f"{preview.duplicates:,}")
    c3.metric("Unknown type", f"{preview.unknown_type:,}", help="Kept; counts nowhere until configured")
    c4.metric("Unknown practice", f"{preview.unknown_practice:,}", help="Kept; counts once the practice arrives")
    c5.metric(f"Unreadable {report.row_word}s", f"{len(report.unreadable):,}",
              help="Not imported; see the report below")
    for note in preview.notes():  # the types and practice ids by name, as `leadscore events import` prints
        st.caption(ui.md_escape(capitalised(note) + "."))
    if report.unreadable:
        st.markdown(f"**Unreadable {report.row_word}s** ({report.row_word} numbers as in the file)")
        st.dataframe(report.problems_frame(), hide_index=True, width="stretch", key="events_report",
                     placeholder=MISSING,
                     column_config={report.row_word: st.column_config.NumberColumn(report.row_word.capitalize(),
                                                                                   format="%d"),
                                    "field": "Field", "problem": "Problem"})
    fresh = preview.imported
    if fresh and st.button(f"Import {count(fresh, 'event')}", key="do_events_import", type="primary"):
        with st.spinner("Importing events…"):
            try:  # read again: the rows are not kept between reruns
                done = store_events(bench.store, prepare_upload(upload.name, upload.getvalue()),
                                    bench.config.engagement, source="file")
            except InputError as exc:  # cannot happen for a file read fine a moment ago; said if it does
                st.error(f"This file cannot be imported: {ui.md_escape(exc)}.")
                return
        lines = done.sentences()
        try:  # new activity may move practices into a rule's condition, as after `leadscore events import`
            lines.append(automation_sentence(run_automation(bench.store, bench.config,
                                                            RuleSet.load(mapping=bench.mapping))))
        except AutomationError as exc:
            lines.append(f"Automation rules not run: {exc}.")
        ui.remember("events_import", lines)
        st.session_state[EVENTS_ROUND] = round_ + 1
        st.session_state.pop(EVENTS_PREVIEW, None)
        st.rerun()
    elif not fresh:
        st.info("Nothing new to import: every readable event is already in the log.")

