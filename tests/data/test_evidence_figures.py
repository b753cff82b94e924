"""The Evidence charts: what each figure shows, labelled so no chart relies on colour alone."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from data.evidence.figures import (
    band_conversion_figure,
    calibration_figure,
    component_rates_figure,
    evidence_compare_figure,
    tier_conversion_figure,
)
from scoring.evidence.metrics import calibration, component_win_rates, conversion_by_band, evidence
from scoring.evidence.outcomes import LOST, OPEN, WON


@pytest.fixture
def ev():
    return evidence(lead_score=np.array([90, 85, 60, 20, 10]), tier=np.array([1, 1, 2, 3, 4]),
                    scored=np.ones(5, bool), outcome=np.array([WON, LOST, WON, LOST, OPEN], dtype=np.int8))


def test_tier_conversion_bars_carry_counts_intervals_and_the_base_rate(ev) -> None:
    fig = tier_conversion_figure(ev)
    bar = fig.data[0]
    assert list(bar.x) == ["Hot", "Warm", "Cold", "Pending Enrichment"]
    assert list(bar.y) == [0.5, 1.0, 0.0, 0.0]
    assert list(bar.text) == ["50 % (1/2)", "100 % (1/1)", "0 % (0/1)", "no labels"]
    # Wilson interval of 1/2 as error bars around 0.5
    assert bar.error_y.array[0] == pytest.approx(ev.tier("Hot")["conversion_high"] - 0.5)
    assert any("base rate 50 %" in (a.text or "") for a in fig.layout.annotations)


def test_band_chart_and_calibration_chart() -> None:
    bands = conversion_by_band(np.array([5, 15, 115]), np.ones(3, bool), np.array([WON, LOST, WON], dtype=np.int8))
    fig = band_conversion_figure(bands, 2 / 3)
    assert fig.data[0].x[0] == "0–9" and fig.data[0].text[0] == "100 %" and fig.data[0].text[1] == "0 %"
    assert list(fig.data[0].customdata) == bands["practices"].tolist()
    frame = calibration(np.array([0.1, 0.1, 0.9]), np.array([LOST, WON, WON], dtype=np.int8))
    fig = calibration_figure(frame, title="t", x_title="p", diagonal=True, x_range=(0, 1))
    assert fig.data[0].name == "calibrated" and list(fig.data[1].y) == [0.5, 1.0]
    assert list(fig.data[1].text) == ["n=2", "n=1"]
    assert len(calibration_figure(frame, title="t", x_title="s", diagonal=False).data) == 1


def test_component_panels_and_the_before_after_comparison(ev) -> None:
    rates = component_win_rates({"decision_maker": np.array([10, 0]), "technology": np.array([30, 30])},
                                np.ones(2, bool), np.ones(2, bool), np.array([WON, LOST], dtype=np.int8))
    fig = component_rates_figure(rates, 0.5)
    assert len(fig.data) == 2 and [a.text for a in fig.layout.annotations][:2] == ["Technology", "Decision maker"]
    assert list(fig.data[1].x) == ["0", "10"] and list(fig.data[1].y) == [0.0, 1.0]
    empty = component_rates_figure(pd.DataFrame(columns=rates.columns))
    assert len(empty.data) == 0
    compare = evidence_compare_figure(ev, ev)
    assert [t.name for t in compare.data] == ["Now", "With these settings"]
