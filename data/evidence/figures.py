"""Plotly figure builders for the Evidence page and the lab's evidence panel (pure: data in, figure out).

Every bar and point carries a text label, so no chart relies on colour alone; intervals are Wilson
95 % intervals drawn as error bars.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go
from plotly.subplots import make_subplots

from scoring.evidence.metrics import TIERS, Evidence

from ..figures import _LAYOUT, ACCENT, COMPONENT_LABELS, INK, MUTED


def _pct(value: float) -> str:
    return "–" if value is None or (isinstance(value, float) and np.isnan(value)) else f"{value * 100:.0f} %"


def _errors(frame: pd.DataFrame) -> dict[str, object]:
    conv = frame["conversion"].to_numpy(dtype=float)
    return dict(type="data", symmetric=False, color=INK, thickness=1,
                array=np.nan_to_num(frame["conversion_high"].to_numpy(dtype=float) - conv),
                arrayminus=np.nan_to_num(conv - frame["conversion_low"].to_numpy(dtype=float)))


def _labels(frame: pd.DataFrame) -> list[str]:
    return [f"{_pct(c)} ({int(w)}/{int(n)})" if n else "no labels"
            for c, w, n in zip(frame["conversion"], frame["won"], frame["labelled"], strict=True)]


def _base_line(fig: go.Figure, base_rate: float | None, **where: object) -> None:
    if base_rate is not None:
        fig.add_hline(y=base_rate, line_dash="dot", line_color=INK, annotation_text=f"base rate {_pct(base_rate)}",
                      annotation_position="top left", **where)


def tier_conversion_figure(ev: Evidence) -> go.Figure:
    """Conversion per tier with its interval, labelled "62 % (13/21)", against the base rate."""
    frame = ev.tiers.reindex(list(TIERS))
    fig = go.Figure()
    fig.add_bar(x=list(TIERS), y=frame["conversion"].fillna(0).tolist(), marker_color=ACCENT,
                error_y=_errors(frame), text=_labels(frame), textposition="outside",
                hovertemplate="%{x}: %{text}<extra></extra>")
    _base_line(fig, ev.base_rate)
    fig.update_layout(title="Conversion per tier (95 % interval)", height=340, showlegend=False,
                      **_LAYOUT)
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", gridcolor="#E2E8F0", title="conversion")
    return fig


def band_conversion_figure(bands: pd.DataFrame, base_rate: float | None = None) -> go.Figure:
    """Conversion per lead-score band (the rows of :func:`scoring.evidence.metrics.conversion_by_band`)."""
    fig = go.Figure()
    shares = [_pct(c) if n else "" for c, n in zip(bands["conversion"], bands["labelled"], strict=True)]
    fig.add_bar(x=bands["band"].tolist(), y=bands["conversion"].fillna(0).tolist(), marker_color=ACCENT,
                error_y=_errors(bands), text=shares, textposition="outside",
                customdata=bands["practices"].tolist(),
                hovertemplate="score %{x}: %{text}, %{customdata} practices<extra></extra>")
    _base_line(fig, base_rate)
    fig.update_layout(title="Conversion by lead-score band", height=340, showlegend=False, **_LAYOUT)
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", gridcolor="#E2E8F0", title="conversion")
    fig.update_xaxes(title="lead score")
    return fig


def calibration_figure(frame: pd.DataFrame, *, title: str, x_title: str, diagonal: bool,
                       x_range: tuple[float, float] | None = None) -> go.Figure:
    """Observed conversion (with interval) against the mean score or probability of each bin; with
    ``diagonal`` a perfectly calibrated probability would lie on the dotted line."""
    fig = go.Figure()
    if diagonal:
        fig.add_scatter(x=[0, 1], y=[0, 1], mode="lines", line=dict(dash="dot", color=MUTED), name="calibrated",
                        hoverinfo="skip")
    fig.add_scatter(x=frame["mean_value"].tolist(), y=frame["conversion"].tolist(), mode="markers+lines+text",
                    marker=dict(color=ACCENT, size=9), line=dict(color=ACCENT), error_y=_errors(frame),
                    text=[f"n={int(n)}" for n in frame["labelled"]], textposition="top center", name="observed",
                    hovertemplate="%{x:.2f}: %{y:.0%} of %{text} labelled<extra></extra>")
    fig.update_layout(title=title, height=340, showlegend=diagonal, legend=dict(orientation="h", y=-0.25), **_LAYOUT)
    fig.update_yaxes(range=[0, 1.05], tickformat=".0%", gridcolor="#E2E8F0", title="observed conversion")
    fig.update_xaxes(title=x_title, gridcolor="#E2E8F0", **({"range": list(x_range)} if x_range else {}))
    return fig


def component_rates_figure(rates: pd.DataFrame, base_rate: float | None = None) -> go.Figure:
    """Per component, conversion at each of its point values (one small panel per component)."""
    names = list(dict.fromkeys(rates["component"]))
    fig = make_subplots(rows=1, cols=max(len(names), 1), subplot_titles=[COMPONENT_LABELS.get(n, n) for n in names],
                        shared_yaxes=True, horizontal_spacing=0.03)
    for i, name in enumerate(names, start=1):
        part = rates[rates["component"] == name]
        fig.add_bar(x=[str(p) for p in part["points"]], y=part["conversion"].fillna(0).tolist(), marker_color=ACCENT,
                    error_y=_errors(part), text=_labels(part), textposition="outside", row=1, col=i,
                    hovertemplate=f"{COMPONENT_LABELS.get(name, name)} %{{x}} points: %{{text}}<extra></extra>")
        fig.update_xaxes(title="points", type="category", row=1, col=i)
        if base_rate is not None:
            fig.add_hline(y=base_rate, line_dash="dot", line_color=INK, row=1, col=i)
    fig.update_layout(title="Win rate by component points (enriched practices; dotted: base rate)", height=380,
                      showlegend=False, **_LAYOUT)
    fig.update_yaxes(range=[0, 1.2], tickformat=".0%", gridcolor="#E2E8F0")
    return fig


def evidence_compare_figure(before: Evidence, after: Evidence) -> go.Figure:
    """Conversion per tier now and with the candidate settings (grouped, labelled bars)."""
    fig = go.Figure()
    for name, ev, colour in (("Now", before, MUTED), ("With these settings", after, ACCENT)):
        frame = ev.tiers.reindex(list(TIERS))
        fig.add_bar(x=list(TIERS), y=frame["conversion"].fillna(0).tolist(), name=name, marker_color=colour,
                    text=_labels(frame), textposition="outside")
    fig.update_layout(barmode="group", title="Conversion per tier, now and with these settings", height=320,
                      legend=dict(orientation="h", y=-0.2), **_LAYOUT)
    fig.update_yaxes(range=[0, 1.15], tickformat=".0%", gridcolor="#E2E8F0", title="conversion")
    return fig
