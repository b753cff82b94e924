"""Plotly figure builders for the engagement axis (pure: data in, figure out). Every mark carries a
text label, so no chart relies on colour alone."""

from __future__ import annotations

from collections.abc import Collection

import pandas as pd
import plotly.graph_objects as go

from scoring.engagement import GRID_LETTERS, LEVELS, EngagementConfig

from .engagement_views import GRID_PALETTE, LEVEL_LABELS, ROW_LABELS
from .figures import _LAYOUT, ACCENT, INK, MUTED, time_axis
from .wording import count

STATUS_COLOURS = {"counted": ACCENT, "type not configured: counts nowhere": "#B45309",
                  "after now: not counted yet": "#64748B"}


def grid_figure(
    counts: pd.DataFrame, selected: Collection[str] = (), title: str = "Fit × engagement grid (practices per cell)"
) -> go.Figure:
    """The 4 × 3 fit × engagement grid as a heat map of practice counts: rows A, B, C, P (best fit on top),
    columns engagement levels 1–3, each cell labelled with its name and count; selected cells are
    outlined. An invisible marker sits on each cell (``customdata`` = the cell, in GRID_CELLS order) so a
    click on the cell selects it."""
    letters = list(GRID_LETTERS.values())
    columns = [LEVEL_LABELS[level] for level in LEVELS]
    rows = [ROW_LABELS[letter] for letter in letters]
    values = counts.to_numpy().astype(int)
    names = [[f"{letter}{level}" for level in LEVELS] for letter in letters]
    labels = [[f"<b>{names[r][c]}</b><br>{values[r][c]:,}" for c in range(len(LEVELS))] for r in range(len(letters))]
    fig = go.Figure(
        go.Heatmap(z=values, x=columns, y=rows, text=labels, texttemplate="%{text}", textfont=dict(size=15, color=INK),
                   colorscale=[[0, GRID_PALETTE[0]], [1, GRID_PALETTE[1]]], zmin=0, zmax=max(int(values.max()), 1),
                   showscale=False, xgap=3, ygap=3, hoverinfo="skip")
    )
    fig.add_scatter(
        x=[columns[c] for r in range(len(letters)) for c in range(len(LEVELS))],
        y=[rows[r] for r in range(len(letters)) for c in range(len(LEVELS))],
        customdata=[names[r][c] for r in range(len(letters)) for c in range(len(LEVELS))],
        text=[count(int(values[r][c]), "practice") for r in range(len(letters)) for c in range(len(LEVELS))],
        mode="markers", marker=dict(size=70, symbol="square", opacity=0), showlegend=False,
        hovertemplate="%{customdata}: %{text}<br>%{y} · %{x}<extra>click to filter</extra>",
    )
    for r in range(len(letters)):
        for c in range(len(LEVELS)):
            if names[r][c] in selected:
                fig.add_shape(type="rect", x0=c - 0.5, x1=c + 0.5, y0=r - 0.5, y1=r + 0.5, xref="x", yref="y",
                              line=dict(color=INK, width=4))
    fig.update_layout(title=title, height=380, showlegend=False,
                      clickmode="event+select", dragmode=False, **{**_LAYOUT, "margin": dict(l=10, r=20, t=95, b=10)})
    short = [f"level {level}<br>{LEVEL_LABELS[level].split(' · ')[1]}" for level in LEVELS]  # fits narrow columns
    fig.update_xaxes(side="top", showgrid=False, fixedrange=True, tickangle=0, tickvals=columns, ticktext=short)
    fig.update_yaxes(autorange="reversed", showgrid=False, fixedrange=True)
    return fig


def engagement_history_figure(history: pd.DataFrame, config: EngagementConfig) -> go.Figure:
    """Engagement over time: daily snapshots and the live value now, with the level edges marked."""
    fig = go.Figure()
    past = history[history["kind"] != "now"]
    now = history[history["kind"] == "now"]
    if not past.empty:
        fig.add_scatter(x=past["when"], y=past["engagement_score"], mode="lines+markers", name="daily snapshot",
                        line=dict(color=ACCENT), marker=dict(size=5), text=past["grid_cell"].fillna("no cell"),
                        hovertemplate="%{x|%Y-%m-%d}: %{y} (%{text})<extra></extra>")
    fig.add_scatter(x=now["when"], y=now["engagement_score"], mode="markers+text", name="now",
                    marker=dict(size=12, color=INK, symbol="diamond"),
                    text=[f"now {v}" for v in now["engagement_score"]], textposition="top center",
                    hovertemplate="now: %{y}<extra></extra>")
    for edge, label in ((config.level_1_min, "level 1"), (config.level_2_min, "level 2")):
        fig.add_hline(y=edge, line=dict(color=MUTED, dash="dot"), annotation_text=f"{label} from {edge}",
                      annotation_position="top left")
    fig.update_layout(title="Engagement over time", height=300, legend=dict(orientation="h", y=-0.25), **_LAYOUT)
    fig.update_yaxes(range=[0, 105], gridcolor="#E2E8F0", title="engagement")
    time_axis(fig, history["when"])  # one snapshot, or only "now": days around it, not milliseconds
    return fig


def timeline_figure(timeline: pd.DataFrame) -> go.Figure:
    """A practice's activity over time: one marker per event on its type's row, sized by its points now."""
    fig = go.Figure()
    if timeline.empty:
        fig.update_layout(title="No activity recorded yet", height=200, **_LAYOUT)
        return fig
    for status, part in timeline.groupby("status", sort=False):
        fig.add_scatter(
            x=part["occurred_at"], y=part["type"], mode="markers", name=str(status),
            marker=dict(size=8 + part["points_now"].clip(upper=30), color=STATUS_COLOURS.get(str(status), INK),
                        opacity=0.85, line=dict(color="white", width=1)),
            text=part["detail"].fillna(""), customdata=part["points_now"],
            hovertemplate="%{x|%Y-%m-%d %H:%M} · %{y}<br>%{text}<br>%{customdata} points now<extra></extra>",
        )
    fig.update_layout(title="Activity timeline", height=max(220, 60 + 32 * timeline["type"].nunique()),
                      legend=dict(orientation="h", y=-0.3), **_LAYOUT)
    fig.update_xaxes(gridcolor="#E2E8F0")
    time_axis(fig, timeline["occurred_at"])  # one event, or a day's: days around them, not milliseconds
    return fig


def breakdown_figure(breakdown: pd.DataFrame) -> go.Figure:
    """Per event type: counted points against the type's cap, labelled "counted / cap"."""
    frame = breakdown[(breakdown["events"] > 0) | (breakdown["counted_points"] > 0)]
    fig = go.Figure()
    if frame.empty:
        fig.update_layout(title="No counted activity", height=200, **_LAYOUT)
        return fig
    labels = frame["label"].tolist()
    fig.add_bar(y=labels, x=frame["cap"], orientation="h", name="Cap", marker_color=MUTED,
                hovertemplate="%{y}: cap %{x}<extra></extra>")
    texts = [f"{c:.1f} / {m:g}" for c, m in zip(frame["counted_points"], frame["cap"], strict=True)]
    fig.add_bar(y=labels, x=frame["counted_points"], orientation="h", name="Counted now", marker_color=ACCENT,
                width=0.45, text=texts,
                textposition="outside", customdata=frame[["raw_points", "decayed_points"]].to_numpy(),
                hovertext=[count(int(n), "event") for n in frame["events"]],
                hovertemplate="%{y}: %{hovertext}, %{customdata[0]} points, "
                              "%{customdata[1]} after decay<extra></extra>")
    fig.update_layout(barmode="overlay", title="Engagement by activity type (after decay and caps)",
                      height=max(220, 80 + 34 * len(frame)), legend=dict(orientation="h", x=0, y=1.0, yanchor="bottom"),
                      **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    fig.update_xaxes(range=[0, max([*frame["cap"].tolist(), 1]) * 1.3], gridcolor="#E2E8F0")
    return fig


def grid_change_figure(comparison: pd.DataFrame) -> go.Figure:
    """Practices per grid cell before and after a configuration change (grouped, labelled bars)."""
    fig = go.Figure()
    for column, colour in (("before", MUTED), ("after", ACCENT)):
        fig.add_bar(x=comparison.index.tolist(), y=comparison[column].tolist(), name=column.capitalize(),
                    marker_color=colour, text=comparison[column].tolist(), textposition="outside")
    fig.update_layout(barmode="group", title="Practices per grid cell", height=320,
                      legend=dict(orientation="h", y=-0.2), **_LAYOUT)
    fig.update_yaxes(gridcolor="#E2E8F0", title="practices")
    return fig
