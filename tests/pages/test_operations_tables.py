"""The Operations page's tables as a RevOps person reads them (issue 9): human column headings (never
``started_at``, ``write_failures``, ``rule_id``, ``last_error``, ``unknown_practice``), missing values as
"—" (never "None"), shares with one decimal each, and the event log itself — its latest events, newest
first, shown as data."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pandas as pd
from streamlit.testing.v1 import AppTest
from test_app import no_exception, page

from data.events.importer import import_events
from data.events.recent import DETAIL_CHARS, latest_events
from data.store import Store
from scoring.config import ScoringConfig
from scoring.engine import failed_output

RAW = re.compile(r"^[a-z0-9]+(_[a-z0-9]+)+$")  # a snake_case column name, as the store spells it


def shown_columns(element) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """Column → heading as the reader sees it, for the columns the table shows."""
    config = json.loads(element.proto.columns or "{}")
    order = list(element.proto.column_order) or [c for c in element.value.columns]
    return {c: (config.get(c) or {}).get("label") or c for c in order if not (config.get(c) or {}).get("hidden")}


def assert_readable(at: AppTest) -> None:
    assert at.dataframe, "no table on the page"
    for element in at.dataframe:
        headings = shown_columns(element)
        raw = {c: h for c, h in headings.items() if RAW.match(h) or (h == c and "_" in c)}
        assert not raw, f"raw column names shown: {raw}"
        assert element.proto.placeholder == "—", headings  # a missing value is a dash, never "None"


def test_every_operations_table_has_human_headings_and_dashes(db: Path) -> None:
    at = page("pages/operations.py")  # the sample book: runs, data quality, rules, the automation log
    no_exception(at)
    assert_readable(at)
    headings = {h for element in at.dataframe for h in shown_columns(element).values()}
    assert {"Started (UTC)", "Notion write failures", "Rule", "Last error", "Unknown practice"} <= headings


def test_failures_and_an_event_import_are_shown_readably_too(db: Path) -> None:
    page("pages/operations.py")
    store = Store.open(db)
    out = failed_output("demo-0020", "timeout", "Scoring exceeded the 5000 ms limit").model_dump(mode="json")
    store.save_scores([out], trigger="auto", run_id=None, config_version="default")
    import_events(store, "ops.csv", b"event_id,practice_id,type,occurred_at\no1,,meeting,2026-03-01\n"
                  b"o2,demo-0001,meeting,2026-03-01\n", ScoringConfig().engagement)
    at = page("pages/operations.py")
    no_exception(at)
    assert_readable(at)
    failures = next(e for e in at.dataframe if "error_message" in e.value.columns)
    assert shown_columns(failures)["error_message"] == "What went wrong"


def test_data_quality_shares_have_one_decimal_each(db: Path) -> None:
    at = page("pages/operations.py")
    quality = next(e for e in at.dataframe if "lacking" in e.value.columns)
    share = json.loads(quality.proto.columns)["share"]
    assert share["type_config"]["format"] == "%.1f%%"  # "25.0%" and "66.7%", not "25%" beside "66.67%"
    assert (share["type_config"]["min_value"], share["type_config"]["max_value"]) == (0, 100)
    values = quality.value
    expected = values["lacking"] / values["of"].clip(lower=1) * 100
    assert ((values["share"] - expected.where(values["of"] > 0, 0.0)).abs() < 1e-9).all()


def test_operations_shows_the_latest_events_newest_first_as_data(db: Path) -> None:
    page("pages/operations.py")
    store = Store.open(db)
    hostile = "**URGENT** [call](http://e.vil) " + "x" * 300
    import_events(store, "late.jsonl", (
        b'{"event_id":"late1","practice_id":"demo-0001","type":"meeting","occurred_at":"2030-01-01T00:00:00Z",'
        b'"detail":"' + hostile.encode() + b'"}\n'
        b'{"event_id":"late2","practice_id":"stranger","type":"meeting","occurred_at":"2029-12-31T00:00:00Z"}\n'),
        ScoringConfig().engagement)
    at = page("pages/operations.py")
    no_exception(at)
    latest = next(e for e in at.dataframe if "event_id" in e.value.columns).value
    assert list(latest["event_id"][:2]) == ["late1", "late2"]  # newest first
    assert latest["occurred_at"].is_monotonic_decreasing
    assert latest["practice"].iloc[0] == store.practice("demo-0001")["name"]
    assert latest["practice"].iloc[1] == "stranger"  # not in the book: its id
    assert latest["type"].iloc[0] == "Meeting"  # named as the Practice timeline names it, not `meeting`
    assert latest["detail"].iloc[0] == hostile[: DETAIL_CHARS - 1] + "…"  # clipped, kept as text in a cell
    assert any("The event log" in m.value and "newest first" in m.value for m in at.markdown)
    assert all("http://e.vil" not in m.value for m in at.markdown)


def test_latest_events_of_an_empty_log_is_an_empty_table(tmp_path: Path) -> None:
    frame = latest_events(Store.open(tmp_path / "s.db"))
    assert frame.empty and list(frame.columns) == ["occurred_at", "practice", "type", "source", "detail", "event_id"]
    assert isinstance(frame, pd.DataFrame)
