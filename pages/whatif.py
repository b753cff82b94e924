"""What-if lab: try thresholds, multipliers, size bands and points on the whole book; save; apply."""

import time

import pandas as pd
import streamlit as st

from data.figures import movement_figure, tier_counts_figure
from pages import engagement_panels, ui
from scoring.config import ConfigError, ScoringConfig
from scoring.vector import retier, score_table
from scoring.whatif import TIER_ORDER, movement_matrix, movers, tier_counts

bench = ui.workbench()
store = bench.store
st.title("What-if lab")
if ui.leads(bench).empty:
    ui.empty_book(bench)
    st.stop()

flash = ui.recall("whatif")
if flash:
    st.success(flash)

base: ScoringConfig = bench.config
active = store.active_config()
st.caption(f"Starting from the active configuration **{base.config_version}**"
           + ("" if active else " (SPEC defaults — nothing saved yet)")
           + ". Nothing changes for anyone until you save a version and apply it.")
if st.button("Reset the controls to the active configuration", key="reset_controls"):
    for key in [k for k in st.session_state if str(k).startswith("w_")]:
        del st.session_state[key]
    st.rerun()

tiers_tab, size_tab, points_tab = st.tabs(["Tiers and confidence", "Practice size bands", "Component points"])
with tiers_tab:
    c1, c2 = st.columns(2)
    hot = c1.slider("Hot from (lead score ≥)", 0, 150, base.hot_tier_min, key="w_hot")
    warm = c2.slider("Warm from (lead score ≥)", 0, 150, base.warm_tier_min, key="w_warm")
    m = base.confidence_multipliers
    c1, c2, c3 = st.columns(3)
    high = c1.number_input("Multiplier, high confidence", 0.0, 1.0, float(m.high), 0.05, format="%.2f", key="w_high")
    medium = c2.number_input("Multiplier, medium confidence", 0.0, 1.0, float(m.medium), 0.05, format="%.2f",
                             key="w_medium")
    low = c3.number_input("Multiplier, low confidence", 0.0, 1.0, float(m.low), 0.05, format="%.2f", key="w_low")
with size_tab:
    st.caption("Vet counts from *min* to *max* score *points*; leave the last band's max empty for “and more”.")
    bands = st.data_editor(
        pd.DataFrame([b.model_dump() for b in base.size_bands]), key="w_bands", num_rows="dynamic",
        hide_index=True, width="stretch",
        column_config={"min": st.column_config.NumberColumn("min vets", step=1),
                       "max": st.column_config.NumberColumn("max vets", step=1),
                       "points": st.column_config.NumberColumn("points", step=1),
                       "label": st.column_config.TextColumn("label")},
    )
with points_tab:
    c1, c2, c3 = st.columns(3)
    calls = c1.text_input("Call volume points for 0, 1, 2, 3+ distinct numbers",
                          ", ".join(str(p) for p in base.call_volume_points), key="w_calls")
    emr = {t.label: c2.number_input(f"EMR {t.label} ({', '.join(t.names)})", 0, 100, t.points, key=f"w_emr_{i}")
           for i, t in enumerate(base.emr_tiers)}
    emr_other = c2.number_input("Any other EMR", 0, 100, base.emr_other_points, key="w_emr_other")
    booking = c3.number_input("Online booking", 0, 100, base.online_booking_points, key="w_booking")
    tele = c3.number_input("Telemedicine", 0, 100, base.telemedicine_points, key="w_tele")
    tech_cap = c3.number_input("Technology cap", 0, 200, base.technology_cap, key="w_tech_cap")
    c1, c2, c3 = st.columns(3)
    per_point = c1.number_input("Reviews per point", 1, 1000, base.reviews_per_point, key="w_per_point")
    reviews_max = c1.number_input("Review points cap", 0, 100, base.reviews_points_max, key="w_reviews_max")
    website = c2.number_input("Website", 0, 100, base.website_points, key="w_website")
    locations = c2.number_input("Multiple locations", 0, 100, base.multiple_locations_points, key="w_locations")
    cap_full = c3.number_input("Baseline cap (enriched)", 0, 200, base.baseline_cap_full, key="w_cap_full")
    dm = c3.number_input("Decision maker found", 0, 100, base.decision_maker_points, key="w_dm")


def candidate_config() -> ScoringConfig:
    try:
        call_points = [int(p) for p in calls.replace(";", ",").split(",") if p.strip()]
    except ValueError:
        raise ConfigError("call_volume_points must be whole numbers separated by commas",
                          [("call_volume_points", "must be whole numbers separated by commas")]) from None
    size = [{k: (None if pd.isna(v) else v) for k, v in row.items()} for row in bands.to_dict("records")]
    return base.with_changes(
        hot_tier_min=hot, warm_tier_min=warm,
        confidence_multipliers={"high": high, "medium": medium, "low": low},
        size_bands=[b for b in size if b.get("min") is not None or b.get("points") is not None],
        call_volume_points=call_points,
        emr_tiers=[t.model_copy(update={"points": emr[t.label]}).model_dump() for t in base.emr_tiers],
        emr_other_points=emr_other, online_booking_points=booking, telemedicine_points=tele,
        technology_cap=tech_cap, reviews_per_point=per_point, reviews_points_max=reviews_max,
        website_points=website, multiple_locations_points=locations, baseline_cap_full=cap_full,
        decision_maker_points=dm,
    )


try:
    candidate = candidate_config()
except ConfigError as exc:
    st.error("These settings cannot be used:\n" + "\n".join(f"- **{f}** {msg}" for f, msg in exc.problems)
             if exc.problems else str(exc))
    st.stop()
candidate = engagement_panels.whatif_controls(base, candidate)

table = ui.book(bench)
before = ui.book_scores(bench)
started = time.perf_counter()
tier_only = {"hot_tier_min", "warm_tier_min", "confidence_multipliers"}
same_components = {k: v for k, v in candidate.scoring_dict().items() if k not in tier_only} == {
    k: v for k, v in base.scoring_dict().items() if k not in tier_only}
after = retier(before, candidate) if same_components else score_table(table, candidate)
elapsed_ms = (time.perf_counter() - started) * 1000

counts = tier_counts(before, after)
st.subheader("On the whole book")
st.caption(f"{len(table):,} practices recomputed in {elapsed_ms:.1f} ms"
           + (" (re-tiered: components unchanged)" if same_components else ""))
for column, tier in zip(st.columns(len(TIER_ORDER)), TIER_ORDER, strict=True):
    column.metric(ui.tier_label(tier), f"{counts.loc[tier, 'after']:,}",
                  delta=int(counts.loc[tier, "change"]) or None, delta_color="off")
left, right = st.columns(2)
left.plotly_chart(tier_counts_figure(counts), width="stretch", key="whatif_counts")
matrix = movement_matrix(before, after)
right.plotly_chart(movement_figure(matrix), width="stretch", key="whatif_movement")
st.markdown("**Movement matrix** (rows: tier now, columns: tier with these settings)")
st.dataframe(matrix, width="stretch", key="movement_matrix")
moved = movers(before, after)
book_leads = ui.leads(bench)
names = dict(zip(book_leads["practice_id"], book_leads["name"], strict=True))
st.markdown(f"**{len(moved):,} practices change tier**")
if not moved.empty:
    st.dataframe(moved.assign(practice=moved["practice_id"].map(names)), hide_index=True, width="stretch",
                 key="movers", column_order=["practice", "old_tier", "new_tier", "old_score", "new_score", "change"])

engagement_panels.whatif_grid(bench, base, candidate, before, after)

st.divider()
st.subheader("Save these settings as a version")
with st.form("save_version", clear_on_submit=False):
    c1, c2 = st.columns([1, 2])
    name = c1.text_input("Name", placeholder="e.g. spring-push", key="w_save_name")
    note = c2.text_input("Note (why)", placeholder="e.g. more Hot leads for the conference follow-up",
                         key="w_save_note")
    if st.form_submit_button("Save version"):
        try:
            saved = store.save_config(name, candidate, note)
        except ConfigError as exc:
            st.error(str(exc))
        else:
            ui.remember("whatif", f"Saved as {saved.label}. Apply it below to rescore the book with it.")
            st.rerun()

st.subheader("Versions")
versions = store.configs()
if not versions:
    st.caption("No saved versions yet: the SPEC defaults are active.")
    st.stop()
st.dataframe(
    pd.DataFrame([{"version": v.label, "active": "✓ active" if v.active else "", "saved": v.created_at,
                   "note": v.note} for v in versions]),
    hide_index=True, width="stretch", key="versions_table",
)
labels = {v.id: v.label + (" (active)" if v.active else "") for v in versions}
pick = st.selectbox("Version", list(labels), format_func=labels.get, key="w_version")
chosen = next(v for v in versions if v.id == pick)
c1, c2 = st.columns(2)
if c1.button("Compare with the active configuration", key="compare"):
    other = score_table(table, chosen.config)
    st.dataframe(tier_counts(before, other).rename(columns={"before": "active", "after": chosen.label}),
                 width="stretch", key="compare_counts")
    st.dataframe(movement_matrix(before, other), width="stretch", key="compare_matrix")
if c2.button(f"Apply {chosen.label}", key="apply", type="primary",
             help="Make this version active and rescore every practice (writing back to Notion when connected)"):
    store.activate_config(chosen.id)
    bar = st.progress(0.0, text="Rescoring the book…")
    try:
        report = bench.rescore(
            trigger="apply", config=chosen.config,
            progress=lambda done, total: bar.progress(done / max(total, 1), text=f"Rescored {done:,} of {total:,}"),
            write_progress=lambda done, total: bar.progress(
                done / max(total, 1), text=f"Written to Notion: {done:,} of {total:,}"),
        )
    except Exception as exc:
        ui.show_error(f"{chosen.label} is active, but rescoring stopped; run it again from Operations", exc)
    else:
        for key in [k for k in st.session_state if str(k).startswith("w_") and k != "w_version"]:
            del st.session_state[key]
        ui.remember("whatif", f"{chosen.label} is active. {report.summary()}")
        st.rerun()
