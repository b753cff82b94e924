"""leadscore — the Streamlit entry point: page config and navigation, nothing else."""

import streamlit as st

st.set_page_config(page_title="leadscore", page_icon="🐾", layout="wide")

st.navigation(
    [
        st.Page("pages/leads.py", title="Leads", icon=":material/leaderboard:", default=True),
        st.Page("pages/today.py", title="Today", icon=":material/today:"),
        st.Page("pages/practice.py", title="Practice", icon=":material/pets:"),
        st.Page("pages/whatif.py", title="What-if lab", icon=":material/tune:"),
        st.Page("pages/evidence.py", title="Evidence", icon=":material/query_stats:"),
        st.Page("pages/operations.py", title="Operations", icon=":material/monitor_heart:"),
        st.Page("pages/import_export.py", title="Import / export", icon=":material/swap_vert:"),
    ]
).run()
