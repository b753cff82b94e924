"""Leads: counts per tier and the prioritized, filterable table (the home page, for sales reps)."""

import pandas as pd
import streamlit as st

from data.files import table_bytes
from data.views import SORTS, TIERS, LeadFilters, export_frame, filter_leads, owners_of, tier_counts
from pages import engagement_panels, ui
from scoring.rules import FLAGS

bench = ui.workbench()
st.title("Leads")

if bench.notion_configured:
    with st.sidebar:
        if st.button("Sync now", key="sync_now", type="primary", help="Pull from Notion, score changes, write back"):
            with st.status("Syncing with Notion…", expanded=True) as status:
                try:
                    report = bench.sync(progress=st.write)
                except Exception as exc:  # shown as a sentence, never a traceback
                    status.update(label="Sync failed", state="error")
                    ui.show_error("Sync failed — check the Notion settings on Operations, then try again", exc)
                else:
                    status.update(label="Sync finished", state="complete")
                    st.write(report.summary())
        st.divider()

everything = engagement_panels.leads_with_engagement(bench)
if everything.empty:
    ui.empty_book(bench)
    st.stop()

with st.sidebar:
    st.subheader("Filters")
    st.multiselect("Tier", TIERS, key="tier", bind="query-params", placeholder="All tiers")
    st.multiselect("Owner", owners_of(everything), key="owner", bind="query-params", placeholder="Everyone")
    st.slider("Minimum lead score", 0, 120, 0, step=5, key="min", bind="query-params")
    st.multiselect("Confidence flags (all of)", list(FLAGS), key="flags", bind="query-params", placeholder="Any")
    st.text_input("Search name or address", key="q", bind="query-params", placeholder="e.g. Riverside, Austin")
    engagement_panels.lead_filters(everything)
    st.selectbox("Sort by", list(SORTS), key="sort", bind="query-params")
    st.caption("Filters are part of the page address: copy the URL to share this exact view.")


@st.fragment(run_every="60s")
def leads_table() -> None:
    all_leads = engagement_panels.leads_with_engagement(bench)  # re-read every minute: other sessions and syncs
    counts = tier_counts(all_leads)
    for column, tier in zip(st.columns(len(TIERS)), TIERS, strict=True):
        column.metric(ui.tier_label(tier), f"{counts[tier]:,}")
    engagement_panels.grid_heatmap(all_leads)
    filters = LeadFilters.from_state(st.session_state)
    view = filter_leads(all_leads, filters)
    view = engagement_panels.filter_view(view)
    st.caption(f"{len(view):,} of {len(all_leads):,} practices · {filters.describe()} · sorted by {filters.sort}")
    if view.empty:
        st.info("No practice matches these filters. Clear a filter in the sidebar to see more.")
        return
    shown = ["name", "lead_score", "tier", "flags", "initial_score", "owner", "status", "last_contact"]
    shown[3:3] = engagement_panels.LEAD_COLUMNS
    if view["url"].notna().any():  # the Notion link only when there are pages
        shown.append("url")
    event = st.dataframe(
        view[[*shown, "practice_id"]],  # only what is shown travels to the browser
        key="leads_table",
        on_select="rerun",
        selection_mode="single-row",
        hide_index=True,
        height=560,
        column_order=shown,
        column_config={
            "name": st.column_config.TextColumn("Practice", width="medium"),
            "lead_score": st.column_config.ProgressColumn("Lead Score", min_value=0, max_value=120, format="%d"),
            "tier": st.column_config.TextColumn("Tier"),
            "flags": st.column_config.ListColumn("Confidence Flags"),
            "initial_score": st.column_config.NumberColumn("Initial Score", format="%d"),
            "owner": st.column_config.TextColumn("Owner"),
            "status": st.column_config.TextColumn("Status"),
            "last_contact": st.column_config.DateColumn("Last Contact", format="YYYY-MM-DD"),
            "url": st.column_config.LinkColumn("Notion", display_text="Open in Notion"),
            **engagement_panels.LEAD_COLUMN_CONFIG,
        },
    )
    rows = event.selection.rows if event else []
    if rows:
        chosen = view.iloc[rows[0]]
        st.caption(f"Selected lead: {chosen['practice_id']}")
        st.switch_page("pages/practice.py", query_params={"id": chosen["practice_id"]})
    left, middle, right = st.columns([3, 1, 1], vertical_alignment="bottom")
    top = view.head(500)
    summary = top["lead_score"].map(lambda s: "–" if pd.isna(s) else str(s)) + " " + top["tier"]
    labels = ui.practice_labels(top, summary)
    pick = left.selectbox("Open a practice", list(labels), format_func=labels.get, index=None,
                          key="open_practice", placeholder="Choose a practice to see why it scored what it did")
    if pick:
        st.switch_page("pages/practice.py", query_params={"id": pick})
    # Files are built only when someone clicks (deferred download), not on every rerun.
    middle.download_button("Download CSV", lambda: table_bytes(export_frame(view), "csv"), "leads.csv", "text/csv",
                           key="dl_csv", width="stretch")
    right.download_button("Download XLSX", lambda: table_bytes(export_frame(view), "xlsx"), "leads.xlsx",
                          "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                          key="dl_xlsx", width="stretch")


leads_table()
