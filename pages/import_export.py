"""Import / export: upload practices (validated row by row first), download the Leads view."""

import streamlit as st

from data.files import InputError, table_bytes
from data.files.importer import import_upload, preview_upload
from data.views import LeadFilters, export_frame, filter_leads
from pages import engagement_panels, ui

bench = ui.workbench()
st.title("Import / export")
flash = ui.recall("import")
if flash:
    st.success(flash)

st.subheader("Import practices")
st.caption("A CSV or XLSX with the columns of SPEC §1 (practice_id, name, address, … decision_maker_linkedin; "
           "lists separated by “;”). Optional: status, assigned_to, last_contact, tags, initial_score. "
           "Other columns are kept and come back in exports. Nothing is stored until you press Import.")
upload = st.file_uploader("CSV or XLSX file", type=["csv", "xlsx"], key="upload")
if upload is not None:
    try:
        preview = preview_upload(upload.name, upload.getvalue())
    except InputError as exc:
        st.error(f"This file cannot be imported: {exc}. Fix it and upload it again.")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("Rows ready", preview.readable - preview.with_warnings)
        c2.metric("Rows with warnings", preview.with_warnings, help="Imported; bad values are scored as missing")
        c3.metric("Rows not imported", int((preview.report["outcome"] == "not imported").sum()))
        st.markdown("**Validation report, row by row** (row numbers as in the spreadsheet)")
        st.dataframe(preview.report, hide_index=True, width="stretch", key="upload_report")
        importable = int((preview.report["outcome"] != "not imported").sum())
        if importable and st.button(f"Import and score {importable} practices", key="do_import", type="primary"):
            with st.spinner("Importing and scoring…"):
                report = import_upload(bench.store, preview)
            ui.remember("import", f"Imported {importable} practices from {upload.name}: {report.summary()}")
            st.rerun()
        elif not importable:
            st.warning("No row can be imported: every row lacks a usable practice_id.")

engagement_panels.events_import_section(bench)

st.subheader("Export")
leads = ui.leads(bench)
filters = LeadFilters.from_state(st.session_state)
view = export_frame(filter_leads(leads, filters)) if not leads.empty else leads
st.caption(f"The Leads view with its current filters ({filters.describe()}): {len(view):,} practices. "
           "Cells that a spreadsheet would run as formulas are written as text.")
c1, c2 = st.columns(2)
c1.download_button("Download CSV", lambda: table_bytes(view, "csv"), "leads.csv", "text/csv", key="export_csv",
                   disabled=view.empty)
c2.download_button("Download XLSX", lambda: table_bytes(view, "xlsx"), "leads.xlsx",
                   "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="export_xlsx",
                   disabled=view.empty)
