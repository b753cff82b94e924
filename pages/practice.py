"""Practice: one practice's score, why it scored that, its history, a Rescore button and its export.

Every piece of user text (name, address, breakdown details, warnings, query parameters) reaches the
page through ``ui.md_escape`` or a non-Markdown element (dataframes, st.text)."""

from typing import Any

import orjson
import pandas as pd
import streamlit as st

from data.figures import COMPONENT_LABELS, components_figure, history_figure, score_steps_figure
from data.files import table_bytes
from data.notion.sync import Workbench
from data.practice_view import (
    ENRICHMENT_LABELS,
    GOOGLE_MAPS_LABELS,
    input_rows,
    practice_export,
    practice_export_frame,
    rescore_sentence,
    when,
)
from data.views import RETURN_PARAM, LeadFilters, owners_of
from pages import engagement_panels, ui
from pages.evidence_panels import practice_evidence, score_change
from scoring.explain import pending_note, tier_outlook
from scoring.features import PracticeFeatures
from scoring.models import ParsedInput, parse_input

md = ui.md_escape


def back_link(owners: list[str], max_score: int) -> None:
    """“← Leads”, “← Today”, “← What-if lab”: to the page and exact view this practice was opened from."""
    via, carried = ui.came_from(), st.query_params.get(RETURN_PARAM, "")
    if via == "leads":
        back = LeadFilters.from_query(carried, owners=owners, max_score=max_score)
        pairs, shown = back.query_pairs(), back.describe() if back.active else ""
    else:
        pairs = ui.today_view(carried, owners) if via == "today" else ui.view_pairs(via, carried)
        shown = ", ".join(v for _, v in pairs)  # Today: the rep
    page = ui.VIEW_PAGES[via]
    st.page_link(page.path, label=f"← {page.title}" + (f" ({md(shown)})" if shown else ""), query_params=pairs)


def show_practice(practice_id: str) -> None:
    st.query_params["id"] = practice_id  # the address always names the practice shown (its way back kept)
    st.rerun()


def choose_practice(bench: Workbench, everything: pd.DataFrame) -> str:
    """The practice the address names; a sidebar button opens a picker over every practice."""
    wanted = st.query_params.get("id")
    known = wanted is not None and bool((everything["practice_id"] == wanted).any())
    ui.practice_picker(everything, key="practice_pick", on_pick=show_practice, where=st.sidebar,
                       button="Choose another practice…" if known else "Choose a practice…")
    if not known:
        st.title("Practice", anchor=False)
        stored = bench.store.practice(wanted) if wanted else None
        if stored and (stored["in_trash"] or stored["deleted"]):
            why = (f"“{md(stored['name'] or wanted)}” was removed from Notion (trashed or deleted) and is no longer "
                   "scored.")
        else:
            why = f"No practice has id “{md(wanted)}” in the store." if wanted else ""
        st.info(f"{why} Choose a practice in the sidebar, or open one from the **Leads** table.".strip())
        st.stop()
    return str(wanted)


def header(practice: dict[str, Any], score: dict[str, Any] | None, chosen: str, max_score: int) -> None:
    st.title(md(practice["name"] or chosen), anchor=False)
    st.caption(" · ".join(md(x) for x in (practice["address"], f"id {chosen}", f"source {practice['source']}") if x))
    tier = "Failed" if score and score["scoring_status"] == "Failed" else (score or {}).get("priority_tier")
    cols = st.columns(3)
    lead = "—" if not score or score["lead_score"] is None else str(score["lead_score"])
    cols[0].metric(f"Lead score (0–{max_score})", lead)
    cols[1].metric("Tier", ui.tier_label(tier))
    initial = practice["initial_score"]
    cols[2].metric("Initial score (Google Maps)", f"{initial:g}" if isinstance(initial, int | float) else "—")
    if score:
        # The version in a line of its own: a metric would cut "conference-push-v12" to "conference-pu…".
        st.caption(f"Scored {md(when(score['scoring_timestamp']))} with configuration {md(score['config_version'])}.")
    flags = orjson.loads(score["confidence_flags"]) if score else []
    st.markdown("**Confidence flags:** " + (", ".join(md(f) for f in flags) if flags else "none"))
    if practice["url"]:
        st.link_button("Open in Notion", practice["url"])


def rescore_button(bench: Workbench, chosen: str) -> None:
    left, right = st.columns([1, 3], vertical_alignment="center")
    if left.button("Rescore", key="rescore", type="primary", help="Score again now (and write back to Notion)"):
        before = bench.store.score(chosen)
        try:
            report = bench.rescore(practice_ids=[chosen], trigger="manual")
        except Exception as exc:
            ui.show_error("Rescore failed", exc)
        else:
            gone = bench.store.practice(chosen)
            removed = bool(gone and (gone["in_trash"] or gone["deleted"]))
            ok, text = rescore_sentence(before=before, after=bench.store.score(chosen), removed=removed,
                                        notes=report.notes, write_failures=report.failures,
                                        notion=bench.notion_configured)
            ui.remember("rescore", {"ok": ok, "text": text})
            st.rerun()
    right.caption("Rescoring reads the practice again (from Notion when connected) and records the result in its "
                  "history.")


def why_this_score(breakdown: dict[str, Any], score: dict[str, Any]) -> None:
    if score["scoring_status"] == "Failed":
        st.error(f"The last scoring failed ({md(score['error_type'])}): {md(score['error_message'])}. "
                 "Press **Rescore** to try again; Operations lists every failure.")
        return
    charts = st.columns(2)
    charts[0].plotly_chart(components_figure(breakdown), width="stretch", key="components_chart")
    charts[1].plotly_chart(score_steps_figure(breakdown), width="stretch", key="steps_chart")
    st.subheader("Why this score", anchor=False)
    lines = [f"- **{COMPONENT_LABELS[name]}: {part['score']} of {part['max']}** — {md(part['detail'])}"
             for name, part in breakdown["components"].items()]
    confidence = md(breakdown["confidence"] or "not given")
    lines.append(f"- **Total {breakdown['original_score']}**, confidence {confidence}: "
                 f"penalty {md(breakdown['confidence_penalty'])} → **lead score {breakdown['total_score']}** "
                 f"({md(breakdown['tier'])})")
    st.markdown("\n".join(lines))
    for warning in breakdown.get("warnings", []):
        st.warning(md(warning))
    if breakdown.get("note"):
        st.info(md(breakdown["note"]))


def what_would_change_the_tier(bench: Workbench, record: dict[str, Any]) -> None:
    st.subheader("What would change the tier", anchor=False)
    parsed = parse_input(record)
    if not isinstance(parsed, ParsedInput):
        return
    features = PracticeFeatures.from_parsed(parsed)
    note = pending_note(features)
    outlook = tier_outlook(features, bench.config)
    if note or outlook is None:
        st.info(md(note))
        return
    st.markdown(md(outlook.headline()))
    if outlook.suggestions:
        st.markdown("\n".join(f"- {md(s.sentence())}" for s in outlook.suggestions))


def inputs(record: dict[str, Any]) -> None:
    # Grids, not st.table: st.table renders its cells as Markdown (an image in a name would load).
    st.subheader("Inputs", anchor=False)
    st.markdown("**Google Maps (FEAT-001)**")
    input_table(record.get("google_maps_data"), GOOGLE_MAPS_LABELS, "gm_inputs")
    st.markdown(f"**Enrichment (FEAT-002)** — status {md(record.get('enrichment_status') or 'unknown')}, "
                f"confidence {md(record.get('enrichment_confidence') or 'not given')}")
    if not input_table(record.get("enrichment_data"), ENRICHMENT_LABELS, "en_inputs"):
        st.info("No enrichment data yet.")


def input_table(section: Any, labels: dict[str, str], key: str) -> bool:
    rows = input_rows(section, labels)
    if rows:
        st.dataframe(pd.DataFrame(rows, columns=["input", "value"]), hide_index=True, width="stretch", key=key,
                     height="content", column_config={"input": st.column_config.TextColumn("Input", width=200),
                                                      "value": st.column_config.TextColumn("Value", width="large")})
    return bool(rows)


def history(bench: Workbench, chosen: str) -> None:
    st.subheader("Score history", anchor=False)
    frame = bench.store.history(chosen)
    st.plotly_chart(history_figure(frame, bench.config.max_total), width="stretch", key="history_chart")
    st.dataframe(
        frame[["scored_at", "trigger", "config_version", "scoring_status", "lead_score", "priority_tier", "error_type"]]
        .assign(scored_at=frame["scored_at"].map(when)).iloc[::-1],
        hide_index=True, width="stretch", key="history_table", placeholder="—",
        column_config={"scored_at": "Scored at", "trigger": "Trigger", "config_version": "Configuration",
                       "scoring_status": "Status", "lead_score": "Lead score", "priority_tier": "Tier",
                       "error_type": "Error"},
    )


def export(practice: dict[str, Any], score: dict[str, Any] | None, record: Any, chosen: str) -> None:
    st.subheader("Export this practice", anchor=False)
    doc = practice_export(practice, score, record)
    c1, c2, c3 = st.columns([1, 1, 3], vertical_alignment="center")
    ui.download(c1, "Download JSON", lambda: orjson.dumps(doc, option=orjson.OPT_INDENT_2), f"{chosen}.json",
                "application/json", key="practice_json", width="stretch")
    ui.download(c2, "Download CSV", lambda: table_bytes(practice_export_frame(doc), "csv"), f"{chosen}.csv",
                "text/csv", key="practice_csv", width="stretch")
    c3.caption("Its inputs, score and breakdown; the CSV is formula-safe (cells a spreadsheet would run are text).")


bench = ui.workbench()
store = bench.store
flash = ui.recall("rescore")  # the outcome of a Rescore press, shown whatever happens below
if flash:
    (st.success if flash["ok"] else st.error)(md(flash["text"]))
everything = ui.leads(bench)
if everything.empty:
    st.title("Practice", anchor=False)
    ui.empty_book(bench)
    st.stop()

back_link(owners_of(everything), bench.config.max_total)
chosen = choose_practice(bench, everything)
practice = store.practice(chosen)
score = store.score(chosen)
record = orjson.loads(practice["record_json"])
if not isinstance(record, dict):  # a damaged record: say so, keep the page usable
    st.warning("The stored record of this practice cannot be read; its inputs are not shown. "
               "Rescore reports why, and a sync or re-import replaces the record.")
    record = {}
header(practice, score, chosen, bench.config.max_total)
rescore_button(bench, chosen)
engagement = engagement_panels.practice_engagement_row(bench, chosen, score)  # grid cell beside fit
if not score:
    st.info("This practice has not been scored yet. Press **Rescore** to score it now.")
    st.stop()
breakdown = orjson.loads(score["score_breakdown"])
why_this_score(breakdown, score)
if score["scoring_status"] != "Failed":
    what_would_change_the_tier(bench, record)
inputs(record)
history(bench, chosen)
engagement_panels.practice_activity(bench, chosen, engagement)  # timeline, engagement over time
score_change(bench, chosen, store.history(chosen))  # why did this score change (pages/evidence_panels.py)
practice_evidence(bench, chosen)  # outcome, the learned model's probability and factors
export(practice, score, record, chosen)
