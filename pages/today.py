"""Today: a rep's practices ranked by grid cell then engagement, each with its next action, last activity
and 24-hour velocity; one click opens the practice (issue 11)."""

import streamlit as st

from data.engagement_views import today_frame, today_summary
from data.views import owners_of
from pages import engagement_panels, ui

TOP = 12  # practices shown as one-click cards; the full list follows as a table

bench = ui.workbench()
st.title("Today")
leads = engagement_panels.leads_with_engagement(bench)
if leads.empty:
    ui.empty_book(bench)
    st.stop()

owners = owners_of(leads)
# Back from a practice opened here: the rep chosen then (a name no longer in the book is dropped).
ui.return_to_view("today", lambda query: ui.today_view(query, owners))
rep = st.selectbox("I am", owners, index=None, key="rep", bind="query-params", placeholder="Choose yourself",
                   help="Remembered in the page address: bookmark it to come straight to your list.")
if rep is None:
    st.info("Choose yourself above to see your practices, best first: the grid cell (A1 is a Hot fit that is "
            "highly engaged now), then engagement.")
    st.stop()

view = ui.view_query("today", [("rep", rep)])  # carried to a practice, for Back and “← Today”
today = today_frame(leads, rep)
numbers = today_summary(today)
cols = st.columns(4)
cols[0].metric("My practices", f"{numbers['practices']:,}")
cols[1].metric("Call today", numbers["call_today"], help="Next action “Call today” (A1)")
cols[2].metric("Active in the last 24 h", numbers["active_24h"])
cols[3].metric("Hot going quiet", numbers["hot_going_quiet"], help="Hot fit, no activity for over a week")
if today.empty:
    st.info("No practice is assigned to you yet.")
    st.stop()

st.subheader("Work these first")
for row in today.head(TOP).itertuples():
    with st.container(border=True):
        left, middle, right = st.columns([3, 4, 2], vertical_alignment="center")
        ui.practice_link(left, row.practice_id, f"**{row.grid_cell or '–'}** · {ui.md_escape(row.name)}",
                         "today", view)
        middle.markdown(f"**{ui.md_escape(row.next_action)}** — {ui.md_escape(row.why)}")
        right.caption(f"engagement {row.engagement_score} · last activity {row.last_activity} · "
                      f"{row.velocity_24h} in 24 h")

st.subheader(("Your " if len(today) == 1 else "All ") + ui.count(len(today), "practice"))
event = st.dataframe(
    today, key="today_table", on_select="rerun", selection_mode="single-row", hide_index=True, height=420,
    column_order=["name", "grid_cell", "engagement_score", "next_action", "last_activity", "velocity_24h",
                  "recency_risk", "lead_score", "tier"],
    column_config={
        "name": st.column_config.TextColumn("Practice", width="medium"),
        "grid_cell": st.column_config.TextColumn("Grid"),
        "engagement_score": st.column_config.ProgressColumn("Engagement", min_value=0, max_value=100, format="%d"),
        "next_action": st.column_config.TextColumn("Next action", width="medium"),
        "last_activity": st.column_config.TextColumn("Last activity"),
        "velocity_24h": st.column_config.NumberColumn("24 h", format="%d"),
        "recency_risk": st.column_config.TextColumn("Risk"),
        "lead_score": st.column_config.NumberColumn("Lead score", format="%d"),
        "tier": st.column_config.TextColumn("Tier"),
    },
)
rows = event.selection.rows if event else []
if rows:
    ui.open_practice(today.iloc[rows[0]]["practice_id"], "today", view)
