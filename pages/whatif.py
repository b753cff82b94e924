"""What-if lab: try thresholds, multipliers, size bands and points on the whole book; save; apply.

Every control always shows the value the results on screen were computed with: controls are loaded
into session state from one configuration (the active one, a saved version, or a draft another page
sends) before they are drawn, never reset by deleting keys (the browser would keep its old value).

Draft protocol (for other pages): put ``{"config": ScoringConfig, "source": str}`` in
``st.session_state["whatif_draft"]`` and switch here; the lab loads every control from it, not applied.
"""

from __future__ import annotations

import time
from typing import Any

import pandas as pd
import streamlit as st

from data.figures import movement_figure, tier_counts_figure
from data.files import table_bytes
from data.notion.sync import Workbench
from data.practice_view import when
from data.versions import Version, activate, same_settings, versions
from data.whatif_controls import (
    CONTROL_FIELDS,
    FIELD_LABELS,
    TIER_FIELDS,
    bands_frame,
    build_config,
    control_values,
    emr_key,
    emr_label,
    highest_score,
    problems_in_words,
)
from data.whatif_view import MOVERS_SHOWN, change_text, counts_table, matrix_table, movers_table
from pages import engagement_panels, ui
from pages.evidence_panels import whatif_evidence
from scoring.config import ConfigError, ScoringConfig
from scoring.vector import BookScores, retier, score_table
from scoring.whatif import TIER_ORDER, movement_matrix, movers, tier_counts

DRAFT_KEY = "whatif_draft"  # {"config": ScoringConfig, "source": str}, popped on arrival
LOADED, GEN, RELOAD = "w_loaded", "w_gen", "w_reload"
BANDS, SNAPSHOT = "w_bands_data", "w_snapshot"  # the band editor's data; the controls as last drawn
CONFIRM = "w_confirm"  # the version whose Apply awaits confirmation
TOP = "w_top"  # where the threshold sliders end now
PICKED, PICKER_ACTIVE = "w_version", "w_version_active"  # the version picker; the active version it last saw
SAVED = "whatif_saved"  # the outcome of a Save press, shown by the Save button after the rerun it causes
ACTIVE_SOURCE = "the active configuration"
# The points controls: (column, session key, lowest value, usual highest value) — the highest grows to
# hold a loaded value beyond it.
POINT_CONTROLS = [
    (1, "w_emr_other", 0, 100), (2, "w_booking", 0, 100), (2, "w_tele", 0, 100), (2, "w_tech_cap", 0, 200),
    (0, "w_per_point", 1, 1000), (0, "w_reviews_max", 0, 100), (1, "w_website", 0, 100), (1, "w_locations", 0, 100),
    (2, "w_cap_full", 0, 200), (1, "w_dm", 0, 100),
]
md = ui.md_escape


# ---- loading the controls --------------------------------------------------------------------------


def load_controls(cfg: ScoringConfig, source: str, active_fp: str, *, draft: bool = False) -> None:
    """Every control shows ``cfg`` from this run on. Call before the controls are drawn in a run."""
    st.session_state.update(control_values(cfg))
    st.session_state[BANDS] = bands_frame(cfg)
    st.session_state[LOADED] = {"config": cfg, "source": source, "draft": draft, "active_fp": active_fp}
    st.session_state[GEN] = st.session_state.get(GEN, 0) + 1  # a fresh band editor (its edits are its state)
    st.session_state.pop(SNAPSHOT, None)


def keep_controls_current(bench: Workbench) -> None:
    """Load the controls when they must change: on the first visit, for a draft another page sent, for
    a version chosen under Versions, and when the active configuration changed (an Apply here or in
    another session) while they still showed the old one unedited. Coming back from another page
    (Streamlit dropped the widgets' state), they show what they showed before."""
    active = bench.config
    draft = st.session_state.pop(DRAFT_KEY, None)
    reload = st.session_state.pop(RELOAD, None)
    loaded = st.session_state.get(LOADED)
    if draft is not None:
        load_controls(draft["config"], str(draft["source"]), active.fingerprint, draft=True)
    elif reload is not None:
        load_controls(reload["config"], reload["source"], active.fingerprint)
    elif loaded is None:
        load_controls(active, ACTIVE_SOURCE, active.fingerprint)
    elif any(k not in st.session_state for k in control_values(loaded["config"])):
        snapshot = st.session_state.get(SNAPSHOT)
        if snapshot is None:
            load_controls(loaded["config"], loaded["source"], loaded["active_fp"], draft=loaded["draft"])
        else:
            st.session_state.update(snapshot["values"])
            st.session_state[BANDS] = snapshot["bands"]
            st.session_state[GEN] += 1
    if (loaded is not None and draft is None and reload is None and loaded["source"] == ACTIVE_SOURCE
            and loaded["active_fp"] != active.fingerprint and not edited()):
        load_controls(active, ACTIVE_SOURCE, active.fingerprint)


def control_state() -> dict[str, Any]:
    cfg = st.session_state[LOADED]["config"]
    return {k: st.session_state[k] for k in control_values(cfg)}


def edited() -> bool:
    """Whether the controls differ from the configuration they were loaded from."""
    cfg = st.session_state[LOADED]["config"]
    snapshot = st.session_state.get(SNAPSHOT)
    bands_changed = snapshot is not None and not snapshot["bands"].equals(bands_frame(cfg))
    return control_state() != control_values(cfg) or bands_changed


# ---- the controls ------------------------------------------------------------------------------------


def upto(key: str, limit: int) -> int:
    """A points control's upper end: ``limit``, or the loaded value when a draft or file went beyond it."""
    return max(limit, int(st.session_state.get(key) or 0))


def controls(base: ScoringConfig) -> pd.DataFrame:
    """Draw every control (values from session state); returns the size bands as edited."""
    tiers_tab, size_tab, points_tab = st.tabs(["Tiers and confidence", "Practice size bands", "Component points"])
    with points_tab:  # drawn first: the tier sliders end at the highest score these points allow
        columns = st.columns(3)
        columns[0].text_input("Call volume points for 0, 1, 2, 3+ distinct numbers", key="w_calls")
        for i in range(len(base.emr_tiers)):
            columns[1].number_input(md(emr_label(base, i)), 0, upto(emr_key(i), 100), step=1, key=emr_key(i))
        for column, key, lowest, limit in POINT_CONTROLS:
            columns[column].number_input(FIELD_LABELS[CONTROL_FIELDS[key]], lowest, upto(key, limit), step=1, key=key)
    with size_tab:
        st.caption("Vet counts from *min* to *max* score *points*; leave the last band's max empty for “and more”.")
        bands = st.data_editor(
            st.session_state[BANDS], key=f"w_bands_{st.session_state[GEN]}", num_rows="dynamic", hide_index=True,
            width="stretch",
            column_config={"min": st.column_config.NumberColumn("min vets", step=1, min_value=1),
                           "max": st.column_config.NumberColumn("max vets", step=1, min_value=1),
                           "points": st.column_config.NumberColumn("points", step=1, min_value=0),
                           "label": st.column_config.TextColumn("label", max_chars=40)},
        )
    st.session_state[SNAPSHOT] = {"values": control_state(), "bands": bands}  # kept across page visits
    top = highest_score(base, control_state(), bands)
    if st.session_state.get(TOP) != top:  # a slider whose end moved is a new widget: give it its value again
        for key in ("w_hot", "w_warm"):  # (only then: re-sending it while keys are pressed would undo them)
            st.session_state[key] = min(max(int(st.session_state[key]), 0), top)
        st.session_state[TOP] = top
    with tiers_tab:
        c1, c2 = st.columns(2)
        c1.slider("Hot from (lead score ≥)", 0, top, key="w_hot", help=f"0 to {top}, the highest possible score")
        c2.slider("Warm from (lead score ≥)", 0, top, key="w_warm", help="Must be below “Hot from”")
        c1, c2, c3 = st.columns(3)
        for column, level in zip((c1, c2, c3), ("high", "medium", "low"), strict=True):
            lowest = min(0.01, float(st.session_state[f"w_{level}"]))  # a draft may hold a valid 0.005
            column.number_input(FIELD_LABELS[f"confidence_multipliers.{level}"], lowest, 1.0, step=0.05, format="%.2f",
                                key=f"w_{level}", help="Greater than 0 and at most 1: lead score = total × this")
    st.session_state[SNAPSHOT]["values"] = control_state()
    return bands


# ---- results -----------------------------------------------------------------------------------------


def recompute(bench: Workbench, candidate: ScoringConfig) -> tuple[BookScores, BookScores, float, bool]:
    before = ui.book_scores(bench)
    started = time.perf_counter()
    base = bench.config
    # Thresholds and the engagement axis leave every fit component as it is: re-tiering is enough.
    unchanged = {*TIER_FIELDS, "engagement"}
    same_components = {k: v for k, v in candidate.scoring_dict().items() if k not in unchanged} == {
        k: v for k, v in base.scoring_dict().items() if k not in unchanged}
    after = retier(before, candidate) if same_components else score_table(ui.book(bench), candidate)
    return before, after, (time.perf_counter() - started) * 1000, same_components


def thousands(frame: pd.DataFrame) -> dict[str, Any]:
    """Counts with thousands separators ("1,284") in a table's numeric columns."""
    return {c: st.column_config.NumberColumn(format="localized") for c in frame.columns
            if pd.api.types.is_numeric_dtype(frame[c])}


def results(bench: Workbench, candidate: ScoringConfig) -> None:
    before, after, elapsed_ms, retiered = recompute(bench, candidate)
    active = bench.config.config_version
    counts = tier_counts(before, after)
    st.subheader("On the whole book", anchor=False)
    st.caption(f"{ui.count(len(after), 'practice')} recomputed in {elapsed_ms:.1f} ms"
               + (" (re-tiered: components unchanged)" if retiered else "")
               + f", compared with the active configuration {md(active)}.")
    for column, tier in zip(st.columns(len(TIER_ORDER)), TIER_ORDER, strict=True):
        change = int(counts.loc[tier, "change"])
        # The arrow is the metric's own icon, so the number is unsigned: "↓ 61", never "↓ -61".
        column.metric(ui.tier_label(tier), f"{counts.loc[tier, 'after']:,}",
                      delta=f"{abs(change):,}" if change else None,
                      delta_arrow="up" if change > 0 else "down", delta_color="off")
    matrix = movement_matrix(before, after)
    left, right = st.columns(2)
    left.plotly_chart(tier_counts_figure(counts), width="stretch", key="whatif_counts")
    right.plotly_chart(movement_figure(matrix), width="stretch", key="whatif_movement")
    st.markdown("**Who moves where** — rows: the tier now; columns: the tier with these settings")
    shown = matrix_table(matrix, "Now", "with these settings")
    st.dataframe(shown, hide_index=True, width="stretch", key="movement_matrix", column_config=thousands(shown))
    whatif_evidence(bench, before, after)  # evidence before vs after (pages/evidence_panels.py)
    engagement_panels.whatif_grid(bench, bench.config, candidate, before, after)  # the grid before/after
    moved = movers(before, after)
    st.markdown(f"**{change_tier(len(moved))}**")
    if not moved.empty:
        names = ui.leads(bench).set_index("practice_id")["name"]
        shown = movers_table(moved, names)
        event = st.dataframe(shown, hide_index=True, width="stretch", key="movers", placeholder="—",
                             column_order=[c for c in shown.columns if c != "practice_id"],
                             on_select="rerun", selection_mode="single-row")
        rows = event.selection.rows if event else []
        if rows:  # the practice opens; Back or “← What-if lab” returns to these controls (kept in the session)
            ui.open_practice(shown["practice_id"].iloc[rows[0]], "whatif")
        st.caption("Select a row to open that practice." if len(moved) <= MOVERS_SHOWN else
                   f"The {MOVERS_SHOWN} biggest score changes of {len(moved):,}; the download has them all. "
                   "Select a row to open that practice.")
        ui.download(st, "Download every practice that changes tier (CSV)",
                    lambda: table_bytes(movers_table(moved, names, limit=None), "csv"),
                    "tier-changes.csv", "text/csv", key="movers_csv")


def change_tier(n: int) -> str:
    """"1 practice changes tier", "61 practices change tier"."""
    return f"{ui.count(n, 'practice')} {'changes' if n == 1 else 'change'} tier"


def save_form(bench: Workbench, candidate: ScoringConfig) -> None:
    """The Save form; what a press did is said right under its button, whatever it was (a new version
    survives the rerun that lists it under Versions, so it is kept for that run)."""
    st.subheader("Save these settings as a version", anchor=False)
    with st.form("save_version", clear_on_submit=False):
        c1, c2 = st.columns([1, 2])
        name = c1.text_input("Name", placeholder="e.g. spring-push", key="w_save_name")
        note = c2.text_input("Note (why)", placeholder="e.g. more Hot leads for the conference follow-up",
                             key="w_save_note")
        pressed = st.form_submit_button("Save version")
    said = st.container()  # right under the button, for every outcome
    flash = ui.recall(SAVED)
    if flash:
        said.success(md(flash))
    if not pressed:
        return
    same = same_settings(versions(bench.store), candidate)
    if same is not None:
        said.info(f"These settings are already saved as {md(same.title())}: nothing new to save. "
                  "Choose it under Versions to compare or apply it.")
        return
    try:
        saved = bench.store.save_config(name, candidate, note)
    except ConfigError as exc:
        said.error(" ".join(md(p) for p in problems_in_words(exc)))
        return
    ui.remember(SAVED, f"Saved as {saved.label}. Apply it under Versions to rescore the book with it.")
    st.rerun()  # the new version is listed under Versions (outside this fragment)


@st.fragment
def lab(bench: Workbench) -> None:
    """Controls, results and saving: a control change reruns only this part of the page."""
    loaded = st.session_state[LOADED]
    top_left, top_right = st.columns([3, 1], vertical_alignment="center")
    if loaded["draft"]:
        top_left.info(f"Draft from {md(loaded['source'])} — not applied; save and apply it to use it.")
    else:
        top_left.caption(f"The controls started from {md(loaded['source'])} "
                         f"({md(loaded['config'].config_version)}). Nothing changes for anyone until you save a "
                         "version and apply it.")
    if top_right.button("Reset to the active configuration", key="reset_controls", width="stretch"):
        load_controls(bench.config, ACTIVE_SOURCE, bench.config.fingerprint)
        loaded = st.session_state[LOADED]
    bands = controls(loaded["config"])
    try:
        candidate = build_config(loaded["config"], control_state(), bands)
    except ConfigError as exc:
        st.error("These settings cannot be used, so the results below are hidden until they are fixed:\n"
                 + "\n".join(f"- {md(p)}" for p in problems_in_words(exc)))
        return
    # The engagement axis's numbers (SPEC §12), drawn fresh from the loaded configuration at every load.
    candidate = engagement_panels.whatif_controls(loaded["config"], candidate, generation=st.session_state[GEN])
    if candidate is None:
        return
    results(bench, candidate)
    st.divider()
    save_form(bench, candidate)


# ---- versions ----------------------------------------------------------------------------------------


def versions_section(bench: Workbench) -> None:
    st.divider()
    st.subheader("Versions", anchor=False)
    listed = versions(bench.store)
    st.dataframe(
        pd.DataFrame([{"Version": v.label, "Active": "✓ active" if v.active else "",
                       "Saved": when(v.saved_at) if v.saved_at else "—",
                       "Note": v.note} for v in listed]),
        hide_index=True, width="stretch", key="versions_table",
    )
    by_label = {v.label: v for v in listed}
    active = next(v for v in listed if v.active)
    if st.session_state.get(PICKER_ACTIVE) != active.label or st.session_state.get(PICKED) not in by_label:
        # The picker starts on the version in force, and follows it when it changes (an Apply here or in
        # another session): a picker left on the old one would offer to apply it back (issue 9).
        st.session_state[PICKED] = active.label
        st.session_state[PICKER_ACTIVE] = active.label
    pick = st.selectbox("Version", list(by_label), format_func=lambda label: by_label[label].title(), key=PICKED)
    chosen = by_label[pick]
    c1, c2, c3 = st.columns(3)
    if c1.button("Load into the controls", key="load_version", width="stretch",
                 help="Show this version's settings in the controls above (nothing is applied)"):
        st.session_state[RELOAD] = {"config": chosen.config, "source": f"version {chosen.label}"}
        st.rerun()
    compare = c2.button("Compare with the active configuration", key="compare", width="stretch",
                        disabled=chosen.active)
    if chosen.active:
        c3.caption(f"{md(chosen.label)} is the active configuration: applying it again would change nothing.")
    elif c3.button(f"Apply {md(chosen.label)}…", key="apply", type="primary", width="stretch",
                   help="Make this version active and rescore every practice (asks first)"):
        st.session_state[CONFIRM] = chosen.label
    pending = by_label.get(st.session_state.get(CONFIRM, ""))
    if pending is not None and not pending.active:
        confirm_apply(bench, pending, active)  # open until confirmed, cancelled or dismissed
    if compare and not chosen.active:
        before = ui.book_scores(bench)
        other = score_table(ui.book(bench), chosen.config)
        now, then = f"{active.label} (active)", chosen.label
        counts = counts_table(tier_counts(before, other), now, then)
        st.dataframe(counts, hide_index=True, width="stretch", key="compare_counts", column_config=thousands(counts))
        compared = matrix_table(movement_matrix(before, other), now, then)
        st.dataframe(compared, hide_index=True, width="stretch", key="compare_matrix",
                     column_config=thousands(compared))


def _dismiss() -> None:
    st.session_state.pop(CONFIRM, None)


@st.dialog("Apply this version?", width="medium", on_dismiss=_dismiss)
def confirm_apply(bench: Workbench, chosen: Version, active: Version) -> None:
    before = ui.book_scores(bench)
    after = score_table(ui.book(bench), chosen.config)
    moved = movers(before, after)
    counts = tier_counts(before, after)
    shifts = ", ".join(f"{t} {change_text(int(c))}" for t, c in counts["change"].items() if c)
    st.markdown(f"**{md(chosen.label)}** replaces **{md(active.label)}** as the active configuration, and "
                + ("the one practice is" if len(after) == 1 else f"all {len(after):,} practices are")
                + " rescored with it.")
    st.markdown(f"**{change_tier(len(moved))}**" + (f" ({shifts})." if shifts else "."))
    leads = ui.leads(bench)
    pages = int((leads["source"] == "notion").sum())
    if bench.notion_configured and pages:
        minutes = pages / 3 / 60
        st.markdown(f"**Notion will be written:** the score properties of {ui.count(pages, 'page')} are updated "
                    "(at Notion's "
                    f"3 requests a second, about {max(minutes, 1):.0f} min; writes that fail are retried later).")
    else:
        st.markdown("**Notion will not be written:** "
                    + ("no practice here comes from Notion." if bench.notion_configured else
                       "Notion is not connected, so only this workbench's scores change."))
    c1, c2 = st.columns(2)
    if c2.button("Cancel", key="cancel_apply", width="stretch"):
        _dismiss()
        st.rerun()
    if c1.button(f"Apply {md(chosen.label)}", key="confirm_apply", type="primary", width="stretch"):
        _dismiss()
        apply_version(bench, chosen)


def apply_version(bench: Workbench, chosen: Version) -> None:
    activate(bench.store, chosen)
    bar = st.progress(0.0, text="Rescoring the book…")
    try:
        report = bench.rescore(
            trigger="apply", config=bench.config,
            progress=lambda done, total: bar.progress(done / max(total, 1), text=f"Rescored {done:,} of {total:,}"),
            write_progress=lambda done, total: bar.progress(
                done / max(total, 1), text=f"Written to Notion: {done:,} of {total:,}"),
        )
    except Exception as exc:
        ui.show_error(f"{md(chosen.label)} is active, but rescoring stopped; run it again from Operations", exc)
        return
    st.session_state[RELOAD] = {"config": bench.config, "source": ACTIVE_SOURCE}
    ui.remember("whatif", f"{chosen.label} is active: {report.summary()}.")
    st.rerun()


# ---- the page ----------------------------------------------------------------------------------------

bench = ui.workbench()
st.title("What-if lab", anchor=False)
if ui.leads(bench).empty:
    ui.empty_book(bench)
    st.stop()
flash = ui.recall("whatif")
if flash:
    st.success(md(flash))
ui.return_to_view("whatif")  # back from a practice opened from the movers: the controls are in the session
keep_controls_current(bench)
lab(bench)
versions_section(bench)
