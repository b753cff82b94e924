"""Plotly figure builders (pure: data in, figure out). Every bar carries a text label, so no chart
relies on colour alone."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd
import plotly.graph_objects as go

from .wording import count

COMPONENT_LABELS = {
    "practice_size": "Practice size",
    "call_volume": "Call volume",
    "technology": "Technology",
    "baseline": "Baseline (Google Maps)",
    "decision_maker": "Decision maker",
}
INK, MUTED, ACCENT = "#0F172A", "#CBD5E1", "#0F766E"
_LAYOUT = dict(
    font=dict(family="Inter, system-ui, sans-serif", color=INK, size=13),
    margin=dict(l=10, r=20, t=60, b=10),
    plot_bgcolor="white",
    paper_bgcolor="white",
)


# A time axis spanning less than this is widened to it, centred on its points, with one tick a day:
# Plotly would otherwise stretch one point (or a few on the same day) over milliseconds.
MIN_TIME_SPAN = pd.Timedelta(days=6)
DAY_MS = 86_400_000


def time_axis(fig: go.Figure, times: Iterable[Any]) -> None:
    """Give ``fig`` a sensible time axis for ``times`` (datetimes, ISO text or pandas timestamps): date
    ticks always; a span under MIN_TIME_SPAN (one point, or several on the same day) is shown as
    MIN_TIME_SPAN centred on it, one tick per day. Nothing changes for no times."""
    when = pd.to_datetime(pd.Series(list(times), dtype=object), utc=True, format="ISO8601").dropna()
    if when.empty:
        return
    first, last = when.min(), when.max()
    if last - first < MIN_TIME_SPAN:
        middle = first + (last - first) / 2
        fig.update_xaxes(range=[middle - MIN_TIME_SPAN / 2, middle + MIN_TIME_SPAN / 2], dtick=DAY_MS,
                         tickformat="%b %d\n%Y")
    else:
        fig.update_xaxes(tickformat="%b %d\n%Y")


def components_figure(breakdown: dict[str, Any]) -> go.Figure:
    """Each component's score against its maximum (a bullet chart, labelled 'score / max')."""
    parts = breakdown.get("components", {})
    names = [COMPONENT_LABELS.get(k, k) for k in parts]
    scores = [p["score"] for p in parts.values()]
    maxima = [p["max"] for p in parts.values()]
    fig = go.Figure()
    fig.add_bar(y=names, x=maxima, orientation="h", name="Maximum", marker_color=MUTED,
                hovertemplate="%{y}: max %{x}<extra></extra>")
    fig.add_bar(y=names, x=scores, orientation="h", name="Score", marker_color=ACCENT, width=0.45,
                text=[f"{s} / {m}" for s, m in zip(scores, maxima, strict=True)], textposition="outside",
                hovertext=[p["detail"] for p in parts.values()],
                hovertemplate="%{y}: %{x} points<br>%{hovertext}<extra></extra>")
    fig.update_layout(barmode="overlay", title="Components against their maxima", showlegend=True,
                      legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"), height=340, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, max([*maxima, 1]) * 1.25], gridcolor="#E2E8F0")
    return fig


def score_steps_figure(breakdown: dict[str, Any]) -> go.Figure:
    """From components to the lead score: each component adds, the confidence penalty subtracts."""
    parts = breakdown.get("components", {})
    labels = [COMPONENT_LABELS.get(k, k) for k in parts] + ["Total"]
    values = [p["score"] for p in parts.values()] + [breakdown["original_score"]]
    measures = ["relative"] * len(parts) + ["total"]
    penalty = breakdown["total_score"] - breakdown["original_score"]
    if penalty:
        labels += [f"Confidence penalty ({breakdown['confidence_penalty']})", "Lead score"]
        values += [penalty, breakdown["total_score"]]
        measures += ["relative", "total"]
    fig = go.Figure(
        go.Waterfall(
            x=labels, y=values, measure=measures, text=[f"{v:+d}" if m == "relative" else str(v)
                                                        for v, m in zip(values, measures, strict=True)],
            textposition="outside", connector=dict(line=dict(color=MUTED)),
            increasing=dict(marker=dict(color=ACCENT)), decreasing=dict(marker=dict(color="#B91C1C")),
            totals=dict(marker=dict(color=INK)),
        )
    )
    fig.update_layout(title="How the lead score adds up", showlegend=False, height=340, **_LAYOUT)
    fig.update_yaxes(gridcolor="#E2E8F0", title="points", rangemode="tozero")
    return fig


def history_figure(history: pd.DataFrame, max_score: int = 120) -> go.Figure:
    """Lead score over time, one marker per scoring, labelled with its config version. The score axis
    runs 0 to ``max_score``; the time axis is :func:`time_axis`'s (a short history gets a week-wide
    axis with date ticks, not millisecond ones)."""
    fig = go.Figure()
    if history.empty:
        fig.update_layout(title="No scorings yet", **_LAYOUT)
        return fig
    frame = history.assign(when=pd.to_datetime(history["scored_at"], utc=True, format="ISO8601"))
    for version, part in frame.groupby("config_version", sort=False, dropna=False):
        label = "—" if pd.isna(version) else str(version)
        fig.add_scatter(
            x=part["when"], y=part["lead_score"], mode="lines+markers", name=f"config {label}",
            text=[f"{t or s}" for t, s in zip(part["priority_tier"], part["scoring_status"], strict=True)],
            hovertemplate="%{x|%Y-%m-%d %H:%M}<br>score %{y}<br>%{text}<extra>config " + label + "</extra>",
        )
    time_axis(fig, frame["when"])
    top = max(max_score, int(pd.to_numeric(frame["lead_score"], errors="coerce").max(skipna=True) or 0))
    fig.update_layout(title="Score history", height=300, legend=dict(orientation="h", y=-0.3), **_LAYOUT)
    fig.update_yaxes(gridcolor="#E2E8F0", title="lead score", range=[0, top * 1.05])
    return fig


def tier_counts_figure(counts: pd.DataFrame) -> go.Figure:
    """Practices per tier before and after a configuration change: horizontal bars, one row per tier,
    so each count label ("5,432") has room beside its bar at any book size."""
    fig = go.Figure()
    tiers = counts.index.tolist()
    for column, name, colour in (("before", "Now", MUTED), ("after", "With these settings", ACCENT)):
        values = [int(v) for v in counts[column].tolist()]
        fig.add_bar(y=tiers, x=values, name=name, orientation="h", marker_color=colour,
                    text=[f"{v:,}" for v in values], textposition="outside", cliponaxis=False,
                    hovertext=[count(v, "practice") for v in values],
                    hovertemplate="%{y}: %{hovertext}<extra>" + name + "</extra>")
    top = max([int(counts[["before", "after"]].to_numpy().max()) if len(counts) else 0, 1])
    fig.update_layout(barmode="group", title="Practices per tier", height=340, bargap=0.25,
                      legend=dict(orientation="h", y=-0.15), **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(gridcolor="#E2E8F0", range=[0, top * 1.2])
    return fig


def movement_figure(matrix: pd.DataFrame) -> go.Figure:
    """From-tier (rows: now) × to-tier (columns: with the new settings) counts as an annotated heatmap."""
    values = matrix.to_numpy()
    short = {"Pending Enrichment": "Pending"}
    fig = go.Figure(
        go.Heatmap(
            z=values, x=[short.get(str(c), str(c)) for c in matrix.columns],
            y=[short.get(str(r), str(r)) for r in matrix.index],
            text=[[f"{v:,}" for v in row] for row in values], texttemplate="%{text}",
            colorscale=[[0, "#F8FAFC"], [1, ACCENT]], showscale=False, xgap=2, ygap=2,
            customdata=[[count(int(v), "practice") for v in row] for row in values],
            hovertemplate="now %{y}, then %{x}: %{customdata}<extra></extra>",
        )
    )
    fig.update_layout(title="Movement between tiers", height=340, **_LAYOUT)
    fig.update_yaxes(autorange="reversed", title="now")
    fig.update_xaxes(side="bottom", tickangle=0, title="with these settings")
    return fig
