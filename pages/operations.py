"""Operations: runs and their timings, failures, breaker, outbox, Notion status, data quality."""

import orjson
import streamlit as st

from data.views import data_quality
from data.wording import MISSING
from pages import engagement_panels, ui
from pages.tables import SHARE_FORMAT, time_column, with_times
from scoring.orchestrator import shared_breaker

bench = ui.workbench()
store = bench.store
st.title("Operations")
flash = ui.recall("ops")
if flash:  # may name automation rules and Notion errors: text, never Markdown
    st.success(ui.md_escape(flash))

st.subheader("Scoring runs")
runs = store.runs(25)
if runs.empty:
    st.info("No runs yet. Runs appear here after a sync, a rescore, an import or loading the sample book.")
else:
    st.dataframe(
        with_times(runs, "started_at", "finished_at"), hide_index=True, width="stretch", key="runs_table",
        placeholder=MISSING,
        column_order=["id", "kind", "trigger", "status", "started_at", "finished_at", "total", "scored", "failed",
                      "written", "write_failures", "p50_ms", "p95_ms", "p99_ms", "config_version", "error"],
        column_config={
            "id": st.column_config.NumberColumn("Run", format="%d"), "kind": "Kind", "trigger": "Trigger",
            "status": "Status", "started_at": time_column("Started (UTC)"),
            "finished_at": time_column("Finished (UTC)"),
            "total": "Practices", "scored": "Scored", "failed": "Failed", "written": "Written to Notion",
            "write_failures": st.column_config.NumberColumn("Notion write failures", format="%d"),
            "p50_ms": st.column_config.NumberColumn("p50 (ms)", format="%.3f"),
            "p95_ms": st.column_config.NumberColumn("p95 (ms)", format="%.3f"),
            "p99_ms": st.column_config.NumberColumn("p99 (ms)", format="%.3f"),
            "config_version": "Configuration", "error": st.column_config.TextColumn("Error", width="large"),
        },
    )

st.subheader("Failures")
failed = store.frame(
    """SELECT s.practice_id, p.name, s.error_type, s.error_message, s.scoring_timestamp
       FROM scores s JOIN practices p USING (practice_id)
       WHERE s.scoring_status = 'Failed' AND p.in_trash = 0 AND p.deleted = 0 ORDER BY s.scoring_timestamp DESC"""
)
if failed.empty:
    st.success("No practice is in a failed state.")
else:
    st.dataframe(with_times(failed, "scoring_timestamp"), hide_index=True, width="stretch", key="failures_table",
                 placeholder=MISSING,
                 column_config={"practice_id": "Practice id", "name": "Practice", "error_type": "Error",
                                "error_message": st.column_config.TextColumn("What went wrong", width="large"),
                                "scoring_timestamp": time_column("When (UTC)")})
    if st.button(f"Retry the {len(failed)} failed", key="retry_failed", type="primary"):
        try:
            report = bench.rescore(failed_only=True, trigger="manual")
        except Exception as exc:
            ui.show_error("Retry stopped", exc)
        else:
            ui.remember("ops", f"Retried: {report.summary()}")
            st.rerun()

left, middle, right = st.columns(3)
with left:
    st.subheader("Circuit breaker")
    breaker = shared_breaker(bench.config)
    state = breaker.current_state
    st.metric("State (this app process)", state.upper(), help="Opens after repeated scoring failures")
    st.caption(f"{breaker.fail_counter} consecutive failures; opens at {breaker.fail_max}, "
               f"resets after {breaker.reset_timeout:g} s.")
with middle:
    st.subheader("Notion outbox")
    outbox = store.outbox_summary()
    st.metric("Writes waiting", outbox["size"], help="Score write-backs and automation property writes")
    if outbox["size"]:
        st.caption(f"{outbox['scores']} pages' scores and {outbox['properties']} automation property writes; "
                   f"oldest queued {outbox['oldest']}.")
    # Notion's messages and the reasons quote property and option names: text, never Markdown.
    for reason, pages in outbox["blocked_reasons"].items():
        st.warning(f"{pages} waiting until Notion is changed: {ui.md_escape(reason)}")
    if outbox["oldest_error"] and outbox["oldest_error"] not in outbox["blocked_reasons"]:
        st.warning(f"Oldest error: {ui.md_escape(outbox['oldest_error'])}")
    if bench.notion_configured and outbox["size"] and st.button("Push now", key="push_now"):
        try:
            report = bench.push()
        except Exception as exc:
            ui.show_error("Push stopped", exc)
        else:
            ui.remember("ops", f"Pushed: {report.written} written, {report.write_failures} still waiting.")
            st.rerun()
with right:
    st.subheader("Notion connection")
    st.write(ui.notion_status(bench))
    if bench.settings.problem:
        st.error(ui.md_escape(bench.settings.problem))
    used = store.get_state("notion_data_source")
    if bench.notion_configured and used:
        st.caption(f"Data source: {ui.md_escape(used['name'])} ({used['id']}).")
        if used.get("note"):
            st.warning(ui.md_escape(used["note"]))
    mark = store.get_state("notion_high_water")
    if mark:
        st.caption(f"Last synced edits up to {mark}.")
check_report = None
if bench.notion_configured and st.button("Check connection", key="check_notion"):
    try:
        check_report = bench.check()
    except Exception as exc:
        ui.show_error("Notion is unreachable or refused the request — check the token and sharing", exc)
if check_report is not None:
    st.success(f"Connected. {len(check_report['found'])} mapped properties found.")
    for note in check_report["data_source_note"]:
        st.warning(ui.md_escape(note))
    if check_report["missing"]:
        st.warning("Missing: " + ui.md_escape(", ".join(check_report["missing"])))
    if check_report["missing_scores"]:
        st.warning("Score properties missing (run `leadscore notion setup`): "
                   + ui.md_escape(", ".join(check_report["missing_scores"])))
    for line in [*check_report["wrong_type"], *check_report["status_options"]]:
        st.warning(ui.md_escape(line))
    # Per field: the property, its type and whether leadscore can read (or write) it — as data, not Markdown.
    st.dataframe(
        check_report["fields"], hide_index=True, width="stretch", key="notion_fields", placeholder=MISSING,
        column_order=["section", "field", "property", "type", "status", "note"],
        column_config={"section": "Section", "field": "Field", "property": "Notion property", "type": "Type",
                       "status": "Readable / writable", "note": "How, or what to do"},
    )

st.subheader("Data quality")
table = ui.book(bench)
if len(table) == 0:
    st.info("No practices yet.")
else:
    quality, invalid = data_quality(table)
    # Shares as percentages with one decimal each ("26.6%", "9.3%"), not "25%" beside "66.67%".
    st.dataframe(
        quality.assign(share=quality["share"] * 100), hide_index=True, width="stretch", key="quality_table",
        placeholder=MISSING,
        column_config={"input": "Input", "lacking": "Practices lacking it", "of": "Out of",
                       "share": st.column_config.ProgressColumn("Share", min_value=0, max_value=100,
                                                                format=SHARE_FORMAT)},
    )
    if not invalid.empty:
        st.caption("Invalid values by field (scored as missing, flagged Data Validation Error):")
        st.dataframe(invalid, hide_index=True, key="invalid_fields", placeholder=MISSING,
                     column_config={"field": "Field", "practices": "Practices"})
    problems = [p for row in store.query("SELECT problems FROM practices WHERE problems != '[]'")
                for p in orjson.loads(row[0] or "[]")]
    if problems:
        st.warning("Notion mapping: " + ui.md_escape("; ".join(sorted(set(problems)))))

engagement_panels.operations_panel(bench)  # automation rules and their log (SPEC §12)
