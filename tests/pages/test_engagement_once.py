"""Work done once per page run (review: the Leads page computed the book's engagement columns twice, the
Practice page read the practice's events twice)."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import streamlit as st
from test_app import frame_with, no_exception, page

import pages.engagement_panels as panels
from data.store import Store

read_events = Store.practice_events  # the real reader, for the expected value


@pytest.fixture
def calls(monkeypatch: pytest.MonkeyPatch) -> Counter:
    """Counts of the engagement columns being joined and of a practice's events being read."""
    counted: Counter = Counter()
    join, read = panels.with_engagement, Store.practice_events

    def counting_join(*args, **kwargs):  # type: ignore[no-untyped-def]
        counted["with_engagement"] += 1
        return join(*args, **kwargs)

    def counting_read(self, practice_id, *args, **kwargs):  # type: ignore[no-untyped-def]
        counted[f"practice_events {practice_id}"] += 1
        return read(self, practice_id, *args, **kwargs)

    monkeypatch.setattr(panels, "with_engagement", counting_join)
    monkeypatch.setattr(Store, "practice_events", counting_read)
    st.cache_resource.clear()  # earlier tests' cached books must not hide the work
    return counted


@pytest.mark.parametrize("path", ["pages/leads.py", "pages/today.py"])
def test_the_book_gets_its_engagement_columns_once_per_run(db: Path, calls: Counter, path: str) -> None:
    no_exception(page("pages/leads.py"))  # the sample book is loaded
    st.cache_resource.clear()
    calls.clear()
    at = page(path, rep="Dana Reyes") if path.endswith("today.py") else page(path)
    no_exception(at)
    assert calls["with_engagement"] == 1


def test_the_practice_page_reads_the_practices_events_once(db: Path, calls: Counter) -> None:
    no_exception(page("pages/leads.py"))
    store = Store.open(db)
    busy = store.events_frame()["practice_id"].value_counts().index[0]  # a practice with a timeline
    calls.clear()
    at = page("pages/practice.py", id=busy)
    no_exception(at)
    timeline = frame_with(at, "points_now", "status")
    assert len(timeline) == len(read_events(store, busy)) > 0
    assert calls[f"practice_events {busy}"] == 1
