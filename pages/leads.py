"""Leads: counts per tier and the prioritized, filterable table (the home page, for sales reps)."""

from typing import NoReturn

import pandas as pd
import streamlit as st
from streamlit.delta_generator import DeltaGenerator

from data.files import table_bytes
from data.notion.sync import Workbench
from data.views import (
    FLAG_LABELS,
    SORTS,
    TIERS,
    LeadFilters,
    display_frame,
    export_frame,
    filter_leads,
    grid_height,
    owners_of,
    tier_counts,
)
from pages import engagement_panels, ui
from scoring.rules import FLAGS


def sync_sidebar(bench: Workbench) -> None:
    with st.sidebar:
        if st.button("Sync now", key="sync_now", type="primary", help="Pull from Notion, score changes, write back"):
            with st.status("Syncing with Notion…", expanded=True) as status:
                try:
                    report = bench.sync(progress=st.text)
                except Exception as exc:  # shown as a sentence, never a traceback
                    status.update(label="Sync failed", state="error")
                    ui.show_error("Sync failed — check the Notion settings on Operations, then try again", exc)
                else:
                    status.update(label="Sync finished", state="complete")
                    st.text(report.summary())
                    for note in report.notes:  # unreadable fields, the data source used, the sample set aside
                        st.text(note)
        st.divider()


def return_to_view(owners: list[str], max_score: int) -> None:
    """Coming back from a practice (the browser's Back lands on ``/?id=…&from=…``): the filters it was
    opened from, values no widget could hold dropped."""
    ui.return_to_view("leads", lambda query: LeadFilters.from_query(query, owners=owners,
                                                                    max_score=max_score).query_pairs())


def filter_sidebar(owners: list[str], max_score: int, leads: pd.DataFrame) -> None:
    with st.sidebar:
        st.subheader("Filters")
        st.multiselect("Tier", TIERS, key="tier", bind="query-params", placeholder="All tiers")
        st.multiselect("Owner", owners, key="owner", bind="query-params", placeholder="Everyone")
        st.slider("Minimum lead score", 0, max_score, 0, step=5, key="min", bind="query-params")
        st.multiselect("Confidence flags (all of)", list(FLAGS), format_func=FLAG_LABELS.get, key="flags",
                       bind="query-params", placeholder="Any")
        st.text_input("Search name or address", key="q", bind="query-params", placeholder="e.g. Riverside, Austin")
        engagement_panels.lead_filters(leads)  # grid cell, engagement, next action, recency risk
        st.selectbox("Sort by", list(SORTS), key="sort", bind="query-params")
        st.caption("Filters are part of the page address: copy the URL to share this exact view. "
                   "A practice opened from here returns to it with the browser's Back or “← Leads”.")


def open_practice(practice_id: str, filters: LeadFilters) -> NoReturn:
    ui.open_practice(practice_id, "leads", filters.query())


def tier_metrics(all_leads: pd.DataFrame, view: pd.DataFrame, filters: LeadFilters) -> None:
    """Practices per tier in this view; with filters on, the whole book's count beside each."""
    shown, book = tier_counts(view), tier_counts(all_leads)
    for column, tier in zip(st.columns(len(TIERS)), TIERS, strict=True):
        column.metric(ui.tier_label(tier), f"{shown[tier]:,}",
                      delta=f"of {book[tier]:,} in the book" if filters.active else None,
                      delta_arrow="off", delta_color="off")


def downloads(view: pd.DataFrame, left: DeltaGenerator,
              right: DeltaGenerator) -> None:
    # Files are built only when someone clicks (deferred download), not on every rerun; the grid's own
    # toolbar download is off (.streamlit/config.toml) because it would write formulas raw.
    ui.download(left, "Download CSV", lambda: table_bytes(export_frame(view), "csv"), "leads.csv", "text/csv",
                key="dl_csv", width="stretch", help="Formula-safe: cells a spreadsheet would run are text")
    ui.download(right, "Download XLSX", lambda: table_bytes(export_frame(view), "xlsx"), "leads.xlsx",
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                key="dl_xlsx", width="stretch", help="Formula-safe: cells a spreadsheet would run are text")


@st.fragment(run_every="60s")
def leads_table(bench: Workbench) -> None:
    all_leads = engagement_panels.leads_with_engagement(bench)  # re-read every minute: other sessions, syncs
    filters = LeadFilters.from_state(st.session_state)
    view = filter_leads(all_leads, filters)
    tier_metrics(all_leads, view, filters)
    engagement_panels.grid_heatmap(all_leads)  # the fit × engagement grid; a click filters to a cell
    st.caption(f"{len(view):,} of {ui.count(len(all_leads), 'practice')} · {ui.md_escape(filters.describe())} · "
               f"sorted by {ui.md_escape(filters.sort)}")
    if view.empty:
        st.info("No practice matches these filters. Clear a filter in the sidebar to see more.")
        return
    shown = display_frame(view)
    event = st.dataframe(
        shown,  # only what is shown travels to the browser
        key="leads_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        height=grid_height(len(shown)),
        placeholder="—",
        column_config={
            "name": st.column_config.TextColumn("Practice", width=210),
            "lead_score": st.column_config.ProgressColumn("Lead Score", min_value=0, max_value=bench.config.max_total,
                                                          format="%d"),
            "tier": st.column_config.TextColumn("Tier"),
            "flags": st.column_config.TextColumn(
                "Confidence Flags", width=260,  # two flags in full ("Medium confidence · No decision maker")
                help="; ".join(f"{short} = {full}" for full, short in FLAG_LABELS.items())),
            "initial_score": st.column_config.NumberColumn("Initial Score", format="%d"),
            "owner": st.column_config.TextColumn("Owner"),
            "status": st.column_config.TextColumn("Status"),
            "last_contact": st.column_config.DateColumn("Last Contact", format="YYYY-MM-DD"),
            "url": st.column_config.LinkColumn("Notion", display_text="Open in Notion"),
            **engagement_panels.LEAD_COLUMN_CONFIG,
        },
    )
    rows = event.selection.rows if event else []
    if rows:  # a click, or Space on a row with the keyboard
        open_practice(view["practice_id"].iloc[rows[0]], filters)
    left, middle, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    ui.practice_picker(view, key="open_practice", button=f"Open a practice by name… ({len(view):,} in this view)",
                       on_pick=lambda pid: open_practice(pid, filters), where=left)
    downloads(view, middle, right)


bench = ui.workbench()
st.title("Leads", anchor=False)
if bench.notion_configured:
    sync_sidebar(bench)
everything = engagement_panels.leads_with_engagement(bench)
if everything.empty:
    ui.empty_book(bench)
    st.stop()
owners = owners_of(everything)
return_to_view(owners, bench.config.max_total)
filter_sidebar(owners, bench.config.max_total, everything)
leads_table(bench)
