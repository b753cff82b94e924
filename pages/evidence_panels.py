"""Evidence pieces shown on other pages: the What-if lab's before/after evidence, the Practice page's
model probability, outcome and "why did this score change", and opening a draft in the lab.

Each is one function the host page calls with one line; they read state, call data/scoring, draw.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pandas as pd
import streamlit as st

from data.events.engagement import engagement_changes
from data.evidence.book import initial_scores_for, outcome_dates, outcomes_for, sales_frame
from data.evidence.figures import evidence_compare_figure
from data.evidence.training import StoredModel, current_model
from data.notion.sync import Workbench
from pages import ui
from scoring.config import ConfigError, ScoringConfig
from scoring.evidence.metrics import TIERS, Evidence, book_evidence
from scoring.evidence.model import Factor
from scoring.explain_change import explain_change
from scoring.vector import BookScores

DRAFT_KEY = "whatif_draft"  # the draft protocol: {"config": ScoringConfig, "source": "<human description>"}
WHATIF_PAGE = "pages/whatif.py"


# ---- shared, cached reads ----------------------------------------------------------------------------


@st.cache_resource(max_entries=4, show_spinner=False)
def _book_outcomes(db_path: str, revision: int, outcome_json: str, _bench: Workbench) -> tuple[np.ndarray, np.ndarray]:
    bench = _bench  # not part of the cache key: the path and revision say which book this is
    table = ui.book(bench)
    frame = sales_frame(bench.store)
    config = ScoringConfig.model_validate({"outcomes": orjson.loads(outcome_json)}).outcomes
    return outcomes_for(frame, table.practice_id, config), initial_scores_for(frame, table.practice_id)


def book_outcomes(bench: Workbench) -> tuple[np.ndarray, np.ndarray]:
    """(outcome, Initial Score) per practice of :func:`pages.ui.book`, shared and read-only."""
    outcomes = bench.config.outcomes.model_dump_json()
    return _book_outcomes(str(bench.store.path), bench.store.revision(), outcomes, bench)


def stored_model(bench: Workbench) -> StoredModel | None:
    """The current learned model, or None; an unreadable one is said in a sentence and ignored."""
    try:
        return current_model(bench.store)
    except ValueError as exc:
        st.warning(f"The stored model cannot be used: {ui.md_escape(exc)}. Train it again on the Evidence page.")
        return None


def _pct(value: float | None) -> str:
    return "—" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value * 100:.0f} %"


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


# ---- the draft protocol -----------------------------------------------------------------------------


def open_in_lab(config: ScoringConfig, source: str) -> None:
    """Open ``config`` in the What-if lab as a draft (nothing is saved or applied)."""
    st.session_state[DRAFT_KEY] = {"config": config, "source": source}
    st.switch_page(WHATIF_PAGE)


# ---- What-if lab: evidence before vs after -----------------------------------------------------------


def evidence_table(before: Evidence, after: Evidence) -> pd.DataFrame:
    """Rows: each tier's conversion, then AUC, share of wins in Hot + Warm and base rate; columns
    now / with these settings (text, as shown)."""
    rows = []
    for tier in TIERS:
        b, a = before.tier(tier), after.tier(tier)
        rows.append({"measure": f"{tier}: conversion (won/labelled)",
                     "now": f"{_pct(b['conversion'])} ({b['won']}/{b['labelled']})",
                     "with these settings": f"{_pct(a['conversion'])} ({a['won']}/{a['labelled']})"})
    rows.append({"measure": "AUC of the lead score", "now": _auc(before.auc), "with these settings": _auc(after.auc)})
    rows.append({"measure": "share of wins in Hot + Warm", "now": _pct(before.share_won_hot_warm),
                 "with these settings": _pct(after.share_won_hot_warm)})
    rows.append({"measure": "base rate (all won ÷ all labelled)", "now": _pct(before.base_rate),
                 "with these settings": _pct(after.base_rate)})
    return pd.DataFrame(rows)


def whatif_evidence(bench: Workbench, before: BookScores, after: BookScores) -> None:
    """The lab's evidence panel: the candidate's evidence before vs after, beside counts and matrix."""
    outcome, initial = book_outcomes(bench)
    if len(outcome) != len(before):
        return
    ev_before = book_evidence(before, outcome, initial)
    ev_after = book_evidence(after, outcome, initial)
    st.subheader("Evidence: would these tiers have caught the practices that bought?")
    if not ev_before.labelled:
        st.caption("No practice is labelled won or lost yet (Status: "
                   + ui.md_escape(", ".join(bench.config.outcomes.won + bench.config.outcomes.lost))
                   + "), so there is no evidence to show.")
        return
    if ev_after.warning:
        st.warning(ev_after.warning)
    c1, c2, c3 = st.columns(3)
    c1.metric("AUC of the lead score", _auc(ev_after.auc),
              delta=None if ev_before.auc is None or ev_after.auc is None or ev_after.auc == ev_before.auc
              else f"{ev_after.auc - ev_before.auc:+.3f}")
    share_b, share_a = ev_before.share_won_hot_warm, ev_after.share_won_hot_warm
    c2.metric("Wins in Hot + Warm", _pct(share_a),
              delta=None if share_a is None or share_b is None or share_a == share_b
              else f"{(share_a - share_b) * 100:+.0f} points")
    c3.metric("Labelled practices", f"{ev_after.labelled:,}", help=f"{ev_after.won} won, {ev_after.lost} lost")
    left, right = st.columns(2)
    left.dataframe(evidence_table(ev_before, ev_after), hide_index=True, width="stretch", key="whatif_evidence")
    right.plotly_chart(evidence_compare_figure(ev_before, ev_after), width="stretch", key="whatif_evidence_chart")


# ---- Practice page ----------------------------------------------------------------------------------


def _factor_lines(factors: list[Factor]) -> str:
    return "\n".join(f"- {ui.md_escape(f.label)} (odds ×{np.exp(f.log_odds):.2f})" for f in factors) or "- none"


def practice_evidence(bench: Workbench, practice_id: str) -> None:
    """Outcome (and since when), and the learned model's probability with its top factors."""
    st.subheader("Outcome and the learned model")
    mine = outcome_dates(bench.store, bench.config.outcomes, practice_id)
    if mine.empty:
        st.markdown("**Outcome:** open (no won or lost Status yet).")
    else:
        row = mine.iloc[0]
        since = str(row["since"])[:10] if isinstance(row["since"], str) else "on an unknown date"
        st.markdown(f"**Outcome:** {row['outcome']} (Status {ui.md_escape(row['status'])}, first seen {since}). "
                    "Outcomes are never an input to the score.")
    stored = stored_model(bench)
    if stored is None:
        st.caption("No learned model yet: train one on the **Evidence** page.")
        return
    table = ui.book(bench)
    rows = np.flatnonzero(table.practice_id == practice_id)
    if not len(rows) or not table.readable[rows[0]]:
        st.caption("The learned model cannot read this practice's record.")
        return
    try:
        probability = float(stored.model.probability(table)[rows[0]])
        positive, negative = stored.model.factors(table, int(rows[0]))
    except ValueError as exc:
        st.warning(f"The learned model cannot score this practice: {ui.md_escape(exc)}.")
        return
    st.metric(f"Chance of winning (model v{stored.version}, {stored.row['method'].replace('_', ' ')})",
              f"{probability * 100:.0f} %",
              help="Learned from the book's won and lost practices; compared with the average practice.")
    left, right = st.columns(2)
    left.markdown("**Raises the odds**\n" + _factor_lines(positive))
    right.markdown("**Lowers the odds**\n" + _factor_lines(negative))


def _entry_label(history: pd.DataFrame, i: int) -> str:
    row = history.iloc[i]
    tier = "Failed" if row["scoring_status"] == "Failed" else row["priority_tier"]
    score = "—" if pd.isna(row["lead_score"]) else int(row["lead_score"])
    return f"#{i + 1} · {str(row['scored_at'])[:16].replace('T', ' ')} · {tier} {score} · {row['config_version']}"


def score_change(bench: Workbench, practice_id: str, history: pd.DataFrame) -> None:
    """Why did this score change: between two history entries (default the last two)."""
    st.subheader("Why did this score change")
    if len(history) < 2:
        st.caption("Only one scoring so far: nothing to compare yet.")
        return
    options = list(range(len(history)))
    c1, c2 = st.columns(2)
    # Keyed by the history's length: a new scoring (Rescore on this page, a sync) starts the pickers again
    # on the last two, instead of keeping an older pair as "the last two".
    first = c1.selectbox("From", options, index=len(history) - 2, format_func=lambda i: _entry_label(history, i),
                         key=f"change_from_{practice_id}_{len(history)}")
    second = c2.selectbox("To", options, index=len(history) - 1, format_func=lambda i: _entry_label(history, i),
                          key=f"change_to_{practice_id}_{len(history)}")
    b, a = history.iloc[first].to_dict(), history.iloc[second].to_dict()
    recorded = bench.store.recorded_input
    change = explain_change(b, a, recorded(b.get("inputs_hash")), recorded(a.get("inputs_hash")),
                            extra=engagement_changes(bench.store, practice_id, b, a, bench.config.engagement))
    st.markdown(f"**{ui.md_escape(change.sentence)}**")
    if not change.inputs_known:
        st.caption("The inputs of one of these scorings were not kept (scored before this version), so only "
                   "components and configuration are compared.")
    if change.changes:
        st.dataframe(pd.DataFrame([{"what": c.kind, "field": c.field, "before": _cell(c.before),
                                    "after": _cell(c.after), "change": _cell(c.delta), "in words": c.text}
                                   for c in change.changes]),
                     hide_index=True, width="stretch", key="change_detail")


def _cell(value: Any) -> str:
    if value is None:
        return "—"
    if isinstance(value, dict | list):
        return orjson.dumps(value).decode()
    return str(value)


def capacity_draft(base: ScoringConfig, hot_tier_min: int, warm_tier_min: int) -> ScoringConfig | None:
    """``base`` with the capacity thresholds, or None (with a sentence) when they are not a valid pair."""
    try:
        return base.with_changes(hot_tier_min=hot_tier_min, warm_tier_min=warm_tier_min)
    except ConfigError as exc:
        st.warning(f"These thresholds cannot be used as a configuration: {ui.md_escape(exc)}")
        return None

