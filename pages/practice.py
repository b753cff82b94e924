"""Practice: one practice's score, why it scored that, its history, and a Rescore button."""

import orjson
import streamlit as st

from data.figures import COMPONENT_LABELS, components_figure, history_figure, score_steps_figure
from pages import engagement_panels, ui
from scoring.explain import pending_note, what_would_change
from scoring.features import PracticeFeatures
from scoring.models import ParsedInput, parse_input

bench = ui.workbench()
store = bench.store
flash = ui.recall("rescore")  # the outcome of a Rescore press, shown whatever happens below
if flash:
    (st.error if flash["status"] == "Failed" else st.success)(flash["text"])
everything = ui.leads(bench)
if everything.empty:
    st.title("Practice")
    ui.empty_book(bench)
    st.stop()

names = ui.practice_labels(everything)
wanted = st.query_params.get("id")
ids = list(names)
chosen = st.sidebar.selectbox(
    "Practice", ids, index=ids.index(wanted) if wanted in names else None, format_func=lambda p: names[p],
    placeholder="Choose a practice", key="practice_pick",
)
if chosen is None:
    st.title("Practice")
    known = store.practice(wanted) if wanted else None
    if known and (known["in_trash"] or known["deleted"]):
        why = f"“{known['name'] or wanted}” was removed from Notion (trashed or deleted) and is no longer scored."
    else:
        why = f"No practice has id “{wanted}” in the store." if wanted else ""
    st.info(f"{why} Choose a practice in the sidebar, or open one from the **Leads** table.".strip())
    st.stop()
if chosen != wanted:
    st.query_params["id"] = chosen  # the address always names the practice shown

practice = store.practice(chosen)
score = store.score(chosen)
record = orjson.loads(practice["record_json"])
if not isinstance(record, dict):  # a damaged record: say so, keep the page usable
    st.warning("The stored record of this practice cannot be read; its inputs are not shown. "
               "Rescore reports why, and a sync or re-import replaces the record.")
    record = {}
st.title(practice["name"] or chosen)
st.caption(" · ".join(x for x in (practice["address"], f"id {chosen}", f"source {practice['source']}") if x))


tier = "Failed" if score and score["scoring_status"] == "Failed" else (score or {}).get("priority_tier")
cols = st.columns(4)
cols[0].metric("Lead score", "–" if not score or score["lead_score"] is None else score["lead_score"])
cols[1].metric("Tier", ui.tier_label(tier))
initial = practice["initial_score"]
cols[2].metric("Initial score (Google Maps)", f"{initial:.0f}" if isinstance(initial, int | float) else "–")
cols[3].metric("Scored with config", (score or {}).get("config_version") or "–")
engagement = engagement_panels.practice_engagement_row(bench, chosen, score)
flags = orjson.loads(score["confidence_flags"]) if score else []
st.markdown("**Confidence flags:** " + (", ".join(f"`{f}`" for f in flags) if flags else "none"))
if practice["url"]:
    st.link_button("Open in Notion", practice["url"])

left, right = st.columns([1, 3], vertical_alignment="center")
if left.button("Rescore", key="rescore", type="primary", help="Score again now (and write back to Notion)"):
    try:
        report = bench.rescore(practice_ids=[chosen], trigger="manual")
    except Exception as exc:
        ui.show_error("Rescore failed", exc)
    else:
        fresh = store.score(chosen)
        gone = store.practice(chosen)
        if gone and (gone["in_trash"] or gone["deleted"]):
            status, text = "Failed", "This practice is no longer in Notion (trashed or deleted); it was not rescored."
        elif fresh is None:
            status, text = "Failed", f"Not rescored. {' '.join(report.notes)}"
        elif fresh["scoring_status"] == "Failed":
            status, text = "Failed", f"Rescored: Failed ({fresh['error_type']}) — {fresh['error_message']}"
        else:
            status, text = "Scored", f"Rescored: {fresh['lead_score']} ({fresh['priority_tier']}). {report.summary()}"
        for line in report.failures:
            text += f" Notion write pending: {line}"
        ui.remember("rescore", {"status": status, "text": text})
        st.rerun()
right.caption("Rescoring reads the practice again (from Notion when connected) and records the result in its history.")

if not score:
    st.info("This practice has not been scored yet. Press **Rescore** to score it now.")
    st.stop()

breakdown = orjson.loads(score["score_breakdown"])
if score["scoring_status"] == "Failed":
    st.error(f"The last scoring failed ({score['error_type']}): {score['error_message']}. "
             "Press **Rescore** to try again; Operations lists every failure.")
else:
    charts = st.columns(2)
    charts[0].plotly_chart(components_figure(breakdown), width="stretch", key="components_chart")
    charts[1].plotly_chart(score_steps_figure(breakdown), width="stretch", key="steps_chart")
    st.subheader("Why this score")
    lines = [f"- **{COMPONENT_LABELS[name]}: {part['score']} of {part['max']}** — {part['detail']}"
             for name, part in breakdown["components"].items()]
    lines.append(f"- **Total {breakdown['original_score']}**, confidence {breakdown['confidence'] or 'not given'}: "
                 f"penalty {breakdown['confidence_penalty']} → **lead score {breakdown['total_score']}** "
                 f"({breakdown['tier']})")
    st.markdown("\n".join(lines))
    for warning in breakdown.get("warnings", []):
        st.warning(warning)
    if breakdown.get("note"):
        st.info(breakdown["note"])

    st.subheader("What would change the tier")
    parsed = parse_input(record)
    if isinstance(parsed, ParsedInput):
        features = PracticeFeatures.from_parsed(parsed)
        note = pending_note(features)
        ideas = what_would_change(features, bench.config)
        if note:
            st.info(note)
        elif ideas:
            st.markdown("\n".join(f"- {s.sentence()}" for s in ideas))
        else:
            st.markdown("Nothing missing or weak would raise this score further.")

st.subheader("Inputs")
gm_col, en_col = st.columns(2)
gm_col.markdown("**Google Maps (FEAT-001)**")
gm_col.dataframe(
    [{"field": k, "value": str(v)} for k, v in record.get("google_maps_data", {}).items()],
    hide_index=True, width="stretch", key="gm_inputs",
)
en_col.markdown(f"**Enrichment (FEAT-002)** — status {record.get('enrichment_status') or 'unknown'}, "
                f"confidence {record.get('enrichment_confidence') or 'not given'}")
enrichment = record.get("enrichment_data")
if isinstance(enrichment, dict):
    en_col.dataframe(
        [{"field": k, "value": str(v)} for k, v in enrichment.items()],
        hide_index=True, width="stretch", key="en_inputs",
    )
else:
    en_col.info("No enrichment data yet.")

st.subheader("Score history")
history = store.history(chosen)
st.plotly_chart(history_figure(history), width="stretch", key="history_chart")
st.dataframe(
    history[["scored_at", "trigger", "config_version", "scoring_status", "lead_score", "priority_tier", "error_type"]]
    .iloc[::-1],
    hide_index=True, width="stretch", key="history_table",
)
engagement_panels.practice_activity(bench, chosen, engagement)
