"""Every time-axis chart shows a sensible range (issue 9 "one-point history has sane axis ticks"): one
point, or several on the same day, get days around them with date ticks — never an axis of
milliseconds (seen: "Engagement over time" 02:23:23.626 … 02:23:23.6275, "Activity timeline"
09:59:59.999 … 10:00:00.0005). A longer history keeps its own span, with date ticks."""

from __future__ import annotations

import re
from collections.abc import Callable

import numpy as np
import pandas as pd
import plotly.graph_objects as go
import pytest

from data.engagement_figures import engagement_history_figure, timeline_figure
from data.figures import MIN_TIME_SPAN, history_figure, time_axis
from scoring.engagement import EngagementConfig

CFG = EngagementConfig()
SUB_DAY = re.compile(r"%[HIMSLfpX]|%\d*f")  # any time-of-day directive in a tick format


def score_history(times: list[str]) -> go.Figure:
    return history_figure(pd.DataFrame({"scored_at": times, "lead_score": range(60, 60 + len(times)),
                                        "priority_tier": "Warm", "scoring_status": "Scored",
                                        "config_version": "default"}))


def engagement_over_time(times: list[str]) -> go.Figure:
    kinds = ["daily snapshot"] * (len(times) - 1) + ["now"]
    return engagement_history_figure(pd.DataFrame({"when": pd.to_datetime(times, utc=True),
                                                   "engagement_score": [30] * len(times),
                                                   "grid_cell": ["B2"] * len(times), "kind": kinds}), CFG)


def activity_timeline(times: list[str]) -> go.Figure:
    n = len(times)
    return timeline_figure(pd.DataFrame({"occurred_at": pd.to_datetime(times, utc=True), "type": ["Meeting"] * n,
                                         "points": [25] * n, "points_now": np.full(n, 12.5),
                                         "status": ["counted"] * n, "source": ["crm"] * n, "detail": [None] * n,
                                         "event_id": [f"e{i}" for i in range(n)]}))


FIGURES: dict[str, Callable[[list[str]], go.Figure]] = {
    "score history": score_history, "engagement over time": engagement_over_time,
    "activity timeline": activity_timeline,
}


def axis(fig: go.Figure) -> tuple[pd.Timedelta, pd.Timestamp, pd.Timestamp, str]:
    low, high = (pd.Timestamp(x) for x in fig.layout.xaxis.range)
    return high - low, low, high, fig.layout.xaxis.tickformat


@pytest.mark.parametrize("name", FIGURES)
@pytest.mark.parametrize("times", [
    ["2026-11-30T02:23:23.626Z"],  # one point (the Practice page's "Engagement over time")
    ["2026-11-30T09:59:59.999Z", "2026-11-30T10:00:00.000Z"],  # two on the same day, a millisecond apart
    ["2026-11-29T23:59:00Z", "2026-11-30T02:23:23Z"],  # a snapshot and now, hours apart
])
def test_a_short_span_gets_days_around_it_with_date_ticks(name: str, times: list[str]) -> None:
    span, low, high, ticks = axis(FIGURES[name](times))
    assert span == MIN_TIME_SPAN
    points = pd.to_datetime(times, utc=True)
    assert low + pd.Timedelta(days=2) < points.min() and points.max() < high - pd.Timedelta(days=2)  # centred
    assert "%d" in ticks and not SUB_DAY.search(ticks)


@pytest.mark.parametrize("name", FIGURES)
def test_a_longer_span_keeps_its_range_with_date_ticks(name: str) -> None:
    fig = FIGURES[name](["2026-10-01T10:00:00Z", "2026-11-30T10:00:00Z"])
    assert fig.layout.xaxis.range is None
    assert "%d" in fig.layout.xaxis.tickformat and not SUB_DAY.search(fig.layout.xaxis.tickformat)


def test_no_times_leave_the_axis_alone() -> None:
    fig = go.Figure()
    time_axis(fig, [])
    time_axis(fig, [None])
    assert fig.layout.xaxis.range is None and fig.layout.xaxis.tickformat is None
