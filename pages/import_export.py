"""Import / export: upload practices (validated row by row first), download the Leads view."""

from pathlib import Path

import streamlit as st

from data.files import InputError, table_bytes
from data.files.importer import import_preview, preview_upload
from data.files.limits import MAX_UPLOAD_BYTES
from data.views import LeadFilters, export_frame, filter_leads
from pages import engagement_panels, ui

TEMPLATE = Path(__file__).resolve().parents[1] / "docs" / "template.csv"

bench = ui.workbench()
st.title("Import / export")
flash = ui.recall("import")
if flash:
    for line in flash:
        st.success(line)

st.subheader("Import practices")
st.caption("A CSV (separated by , ; tab or |), XLSX or JSON Lines file with the columns of SPEC §1 (practice_id, "
           "name, address, … decision_maker_linkedin; lists separated by “;”). Optional: status, assigned_to, "
           "last_contact, initial_score, call_notes, tags. Other columns are kept and come back in exports. "
           "Nothing is stored until you press Import; your book then replaces the sample book.")
ui.download(st, "Download the template CSV", TEMPLATE.read_bytes(), "leadscore-template.csv", "text/csv",
            key="template_csv", help="Every column leadscore reads, with two example practices.")
# A new key after each import: the uploader (and with it the Import button) comes back empty.
round_ = st.session_state.get("upload_round", 0)
upload = st.file_uploader("CSV, XLSX or JSON Lines file", type=["csv", "xlsx", "jsonl", "json"],
                          key="upload" if round_ == 0 else f"upload_{round_}",
                          max_upload_size=MAX_UPLOAD_BYTES // 2**20)
if upload is not None:
    cached = st.session_state.get("_import_preview")
    try:
        if cached is not None and cached[0] == upload.file_id:
            preview = cached[1]
        else:
            preview = preview_upload(upload.name, upload.getvalue())
            st.session_state["_import_preview"] = (upload.file_id, preview)
    except InputError as exc:
        st.error(f"This file cannot be imported: {ui.md_escape(exc)}. Fix it and upload it again.")
    else:
        c1, c2, c3 = st.columns(3)
        c1.metric("Rows ready", f"{preview.ready:,}")
        c2.metric("Rows with warnings", f"{preview.with_warnings:,}",
                  help="Imported; bad values are scored as missing")
        c3.metric("Rows not imported", f"{preview.skipped:,}")
        st.markdown("**Validation report, row by row** (row numbers as in the spreadsheet)")
        only_problems = st.toggle("Problems only", key="problems_only",
                                  help="Show only the rows with warnings or that will not be imported")
        shown = preview.problems() if only_problems else preview.report
        st.dataframe(shown, hide_index=True, width="stretch", key="upload_report",
                     column_config={"row": st.column_config.NumberColumn("Row", format="%d"),
                                    "practice_id": "Practice id", "outcome": "Outcome",
                                    "problems": st.column_config.TextColumn("Problems", width="large")})
        label = f"Import and score {ui.count(preview.importable, 'practice')}"
        if preview.importable and st.button(label, key="do_import", type="primary"):
            with st.spinner("Importing and scoring…"):
                report = import_preview(bench.store, preview)
            lines = [f"{report.headline(ui.md_escape(upload.name))}."]
            if report.sample_set_aside:
                lines.append(f"Your book replaces the sample: the {report.sample_set_aside:,} sample practices "
                             "were set aside (`leadscore demo` brings them back).")
            ui.remember("import", lines)
            st.session_state["upload_round"] = round_ + 1
            st.session_state.pop("_import_preview", None)
            st.rerun()
        elif not preview.importable:
            st.warning("No row can be imported: every row lacks a usable practice_id.")

engagement_panels.events_import_section(bench)

st.subheader("Export")
leads = ui.leads(bench)
filters = LeadFilters.from_state(st.session_state)
view = export_frame(filter_leads(leads, filters)) if not leads.empty else leads
st.caption(f"The Leads view with its current filters ({ui.md_escape(filters.describe())}): "
           f"{ui.count(len(view), 'practice')}. "
           "Cells that a spreadsheet would run as formulas are written as text.")
c1, c2 = st.columns(2)
ui.download(c1, "Download CSV", lambda: table_bytes(view, "csv"), "leads.csv", "text/csv", key="export_csv",
            disabled=view.empty)
ui.download(c2, "Download XLSX", lambda: table_bytes(view, "xlsx"), "leads.xlsx",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", key="export_xlsx",
            disabled=view.empty)
