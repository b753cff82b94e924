"""The Practice page's engagement tables read like the Operations ones (issue 9: human headings, "—" for
a missing value): the activity timeline and the engagement breakdown."""

from __future__ import annotations

from pathlib import Path

from test_app import no_exception, page
from test_operations_tables import shown_columns

from data.store import Store


def test_the_timeline_and_breakdown_have_human_headings_and_dashes(db: Path) -> None:
    no_exception(page("pages/operations.py"))  # the sample book, with its event history
    store = Store.open(db)
    practice = store.query("SELECT practice_id FROM events GROUP BY practice_id ORDER BY COUNT(*) DESC LIMIT 1")[0][0]
    at = page("pages/practice.py", id=practice)
    no_exception(at)
    tables = {key: next(e for e in at.dataframe if column in e.value.columns)
              for key, column in (("timeline", "event_id"), ("breakdown", "counted_points"))}
    for element in tables.values():
        headings = shown_columns(element)
        assert all("_" not in h for h in headings.values()), headings
        assert element.proto.placeholder == "—"
    assert shown_columns(tables["timeline"])["event_id"] == "Event id"
    assert shown_columns(tables["breakdown"])["decayed_points"] == "After decay"
