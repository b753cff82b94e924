"""Sentences the app and the CLI print: counts with the right noun form, names listed with their counts,
missing values as "—", an events import and an automation run as whole sentences (issues 9, 11)."""

from __future__ import annotations

from collections import Counter

from data.events.automation import AutomationReport
from data.events.importer import EventImportReport
from data.wording import automation_sentence, count, listed, shown


def test_counts_take_the_right_noun_form_and_separators() -> None:
    assert count(1, "practice") == "1 practice"
    assert count(0, "event") == "0 events"
    assert count(12_345, "event") == "12,345 events"
    assert count(1, "entry", "entries") == "1 entry" and count(2, "entry", "entries") == "2 entries"


def test_names_are_listed_with_counts_and_a_missing_one_is_a_dash() -> None:
    assert listed(Counter({"smoke_signal": 3, "nope": 1})) == "smoke_signal (3), nope (1)"
    assert listed(Counter({None: 2, "": 1})) == "— (2), — (1)"  # type: ignore[dict-item]
    many = Counter({f"p{i}": 1 for i in range(13)})
    assert listed(many).endswith(" and 3 more")
    assert shown(None) == shown(float("nan")) == shown("  ") == "—" and shown("P1") == "P1"


def test_an_events_import_reads_as_sentences_without_zero_counts() -> None:
    report = EventImportReport(name="a.csv", rows=3, imported=2, unreadable=[(4, "occurred_at", "is blank")],
                               unknown_types=Counter({"smoke_signal": 1}), unknown_practices=Counter({"nope": 1}))
    assert report.sentences() == [
        "a.csv: 3 rows read, 2 events imported; 1 unreadable row not imported.",
        "Types not in the configuration, kept but counted nowhere until configured: smoke_signal (1).",
        "Practice ids the store does not know, kept: nope (1).",
    ]
    lines = EventImportReport(name="b.jsonl", rows=1, imported=0, duplicates=1, row_word="line").sentences()
    assert lines == ["b.jsonl: 1 line read, 0 events imported; 1 duplicate skipped."]


def test_an_automation_run_is_one_sentence() -> None:
    assert automation_sentence(AutomationReport(day="2026-11-30")) == "Automation rules on 2026-11-30: nothing fired."
    report = AutomationReport(day="2026-11-30", fired=Counter({"enters-a1": 1, "hot-goes-quiet": 3}), delivered=2)
    assert automation_sentence(report) == ("Automation rules on 2026-11-30: enters-a1 fired for 1 practice; "
                                           "hot-goes-quiet fired for 3 practices; 2 webhooks delivered.")


def test_chart_hover_counts_take_the_right_noun_form() -> None:
    import pandas as pd

    from data.engagement_figures import grid_figure
    from data.figures import movement_figure, tier_counts_figure

    counts = pd.DataFrame([[1, 0, 2]] + [[0, 0, 0]] * 3)
    markers = grid_figure(counts).data[1]
    assert list(markers.text[:3]) == ["1 practice", "0 practices", "2 practices"]
    assert "practices" not in markers.hovertemplate  # the noun comes with each count
    bars = tier_counts_figure(pd.DataFrame({"before": [1, 1_284], "after": [2, 0]}, index=["Hot", "Warm"])).data
    assert list(bars[0].hovertext) == ["1 practice", "1,284 practices"]
    matrix = pd.DataFrame([[1, 2], [0, 1]], index=["Hot", "Warm"], columns=["Hot", "Warm"])
    assert [list(r) for r in movement_figure(matrix).data[0].customdata] == [["1 practice", "2 practices"],
                                                                              ["0 practices", "1 practice"]]
