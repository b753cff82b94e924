"""Evidence (managers): does the score win deals? Conversion per tier, AUC, bands, calibration, the
components' win rates, the learned model beside the rules, and tiers set from the reps' capacity."""

import numpy as np
import pandas as pd
import streamlit as st

from data.evidence.book import EvidenceBook
from data.evidence.figures import (
    band_conversion_figure,
    calibration_figure,
    component_rates_figure,
    tier_conversion_figure,
)
from data.evidence.training import train_and_store
from pages import evidence_panels as panels
from pages import ui
from scoring.evidence.capacity import capacity_thresholds
from scoring.evidence.metrics import (
    TIERS,
    book_evidence,
    calibration,
    component_win_rates,
    conversion_by_band,
)
from scoring.evidence.model import TooFewLabels, suggest_points
from scoring.vector import retier

bench = ui.workbench()
store = bench.store
st.title("Evidence")
if ui.leads(bench).empty:
    ui.empty_book(bench)
    st.stop()
flash = ui.recall("evidence")
if flash:
    st.success(ui.md_escape(flash))

cfg = bench.config
table = ui.book(bench)
scores = ui.book_scores(bench)
outcome, initial = panels.book_outcomes(bench)
ev = book_evidence(scores, outcome, initial)
lists = cfg.outcomes
st.caption(f"Configuration **{ui.md_escape(cfg.config_version)}** over {ev.scored:,} scored practices. Won: "
           f"Status {ui.md_escape(', '.join(lists.won))}; lost: {ui.md_escape(', '.join(lists.lost))}; anything else "
           "is open. Outcomes are never an input to any score.")
if not ev.labelled:
    st.info("No practice is labelled won or lost yet. Evidence appears as soon as Status says so.")
    st.stop()
if ev.warning:
    st.warning(ev.warning)

c = st.columns(5)
c[0].metric("Labelled practices", f"{ev.labelled:,}", help=f"{ev.won} won, {ev.lost} lost, {ev.open} open")
c[1].metric("Base rate (won ÷ labelled)", panels._pct(ev.base_rate))
c[2].metric("AUC, lead score", panels._auc(ev.auc),
            help="The chance that a random won practice scores higher than a random lost one (0.5 = a coin).")
c[3].metric("AUC, Initial Score", panels._auc(ev.initial_auc),
            delta=None if ev.auc is None or ev.initial_auc is None else f"lead score {ev.auc - ev.initial_auc:+.3f}",
            help="FEAT-001's quick Google Maps score on the same practices"
            + (f" ({ev.initial_missing} without one are left out)" if ev.initial_missing else ""))
c[4].metric("Wins in Hot + Warm", panels._pct(ev.share_won_hot_warm))

tiers = ev.tiers.reindex(list(TIERS)).reset_index().rename(columns={"group": "tier"})
st.dataframe(tiers, hide_index=True, width="stretch", key="evidence_tiers",
             column_config={"conversion": st.column_config.NumberColumn(format="percent"),
                            "conversion_low": st.column_config.NumberColumn("95 % from", format="percent"),
                            "conversion_high": st.column_config.NumberColumn("95 % to", format="percent"),
                            "lift": st.column_config.NumberColumn(format="%.2f×")})
left, right = st.columns(2)
left.plotly_chart(tier_conversion_figure(ev), width="stretch", key="evidence_tier_chart")
bands = conversion_by_band(scores.lead_score, scores.readable, outcome)
right.plotly_chart(band_conversion_figure(bands, ev.base_rate), width="stretch", key="evidence_bands")
deciles = calibration(np.where(scores.readable, scores.lead_score, np.nan), np.where(scores.readable, outcome, -1),
                      strategy="quantile")
st.plotly_chart(calibration_figure(deciles, title="Calibration: conversion by tenth of the lead score (n per point)",
                                   x_title="mean lead score in the bin", diagonal=False),
                width="stretch", key="evidence_calibration")

rates = component_win_rates(scores.components, scores.full, scores.readable, outcome)
st.plotly_chart(component_rates_figure(rates), width="stretch", key="evidence_components")
with st.expander("Win rate by component points, as a table"):
    st.dataframe(rates, hide_index=True, width="stretch", key="evidence_component_table")

# ---- the learned model ------------------------------------------------------------------------------
st.divider()
st.subheader("A learned model beside the rules")
stored = panels.stored_model(bench)
if stored is None:
    st.caption("No model trained yet. Training learns from won and lost practices on the same inputs as the rules "
               "and compares both out of sample.")
else:
    m = stored.row
    st.markdown(f"**Current: model v{stored.version}** — {m['method'].replace('_', ' ')}, "
                f"trained {m['trained_at'][:16]} on {m['labelled']:,} labelled practices ({m['won']} won, "
                f"{m['lost']} lost) against configuration "
                f"{ui.md_escape(m['config_version'])}.")
    c = st.columns(3)
    c[0].metric("AUC out of sample, model", panels._auc(m["auc_cv"]))
    c[1].metric("AUC on the same folds, rules", panels._auc(m["auc_rules_cv"]))
    c[2].metric("Folds", stored.row["metrics"].get("folds", "—"))
    reliability = pd.DataFrame(stored.row["metrics"].get("calibration") or {})
    st.plotly_chart(calibration_figure(reliability, title="Calibration of the model (out of sample, at training)",
                                       x_title="predicted chance of winning", diagonal=True, x_range=(0, 1)),
                    width="stretch", key="evidence_model_calibration")
    with st.expander("Model versions"):
        versions = store.models()
        st.dataframe(versions.assign(current=np.where(versions["current"] == 1, "✓ current", "")),
                     hide_index=True, width="stretch", key="model_versions")
        pick = st.selectbox("Version", versions["id"].tolist(), format_func=lambda i: f"model v{i}",
                            key="model_pick")
        if pick != stored.version and st.button(f"Make model v{pick} current", key="model_current"):
            store.make_model_current(int(pick))
            ui.remember("evidence", f"Model v{pick} is now current.")
            st.rerun()
c1, c2 = st.columns(2)
if c1.button("Train a model now", key="train_model", type="primary" if stored is None else "secondary"):
    with st.spinner("Training with 5-fold cross-validation…"):
        try:
            model_id, trained = train_and_store(store, EvidenceBook(table, scores, outcome, initial), cfg)
        except TooFewLabels as exc:
            st.warning(ui.md_escape(exc))
        else:
            ui.remember("evidence", f"Model v{model_id} trained: AUC {trained.auc_cv:.3f} out of sample, rules "
                                    f"{trained.auc_rules_cv:.3f} on the same folds.")
            st.rerun()
if stored is not None and c2.button("Suggest points", key="suggest_points",
                                    help="Turn what the model learned into component points: a draft in the What-if "
                                         "lab, never applied without you"):
    try:
        draft, notes = suggest_points(stored.model, cfg, table)
    except ValueError as exc:
        st.warning(f"No suggestion: {ui.md_escape(exc)}.")
    else:
        panels.open_in_lab(draft, f"model v{stored.version}'s suggested points. " + " ".join(notes))

# ---- capacity ---------------------------------------------------------------------------------------
st.divider()
st.subheader("Tiers from capacity")
st.caption("How many practices can the reps actually work? The thresholds below put at most that many in Hot "
           "and in Hot + Warm (practices with the same score stay together, so a tier gets at most its capacity, "
           "unless Warm would start where Hot does; then Warm starts one point lower, as SPEC §13 says).")
full_scored = int((scores.full & scores.readable).sum())
c1, c2 = st.columns(2)
hot_cap = c1.number_input("Reps can work this many Hot practices", 0, max(full_scored, 0),
                          min(int(ev.tiers.loc["Hot", "practices"]), full_scored), key="cap_hot")
warm_cap = c2.number_input("… and this many Warm practices", 0, max(full_scored, 0),
                           min(int(ev.tiers.loc["Warm", "practices"]), full_scored), key="cap_warm")
cut = capacity_thresholds(scores.lead_score, scores.full, scores.readable, int(hot_cap), int(warm_cap))
st.markdown(f"**Hot from {cut.hot_tier_min}, Warm from {cut.warm_tier_min}** → "
            f"{cut.counts['Hot']:,} Hot, {cut.counts['Warm']:,} Warm, {cut.counts['Cold']:,} Cold "
            f"(now Hot from {cfg.hot_tier_min}, Warm from {cfg.warm_tier_min}).")
draft = panels.capacity_draft(cfg, cut.hot_tier_min, cut.warm_tier_min)
if draft is not None:
    draft_ev = book_evidence(retier(scores, draft), outcome, initial)
    st.dataframe(panels.evidence_table(ev, draft_ev).rename(columns={"with these settings": "with these thresholds"}),
                 hide_index=True, width="stretch", key="capacity_evidence")
    if st.button("Open this draft in the What-if lab", key="capacity_to_lab", type="primary"):
        panels.open_in_lab(draft, f"capacity: reps can work {int(hot_cap)} Hot and {int(warm_cap)} Warm practices "
                                  f"(Hot ≥ {cut.hot_tier_min}, Warm ≥ {cut.warm_tier_min})")
