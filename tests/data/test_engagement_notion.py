"""Engagement in a Notion sync (issue 11): activities read from a related data source, the daily
snapshot, automation writing a Notion property through its queue — once, whatever is retried."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from data.events.mapping import ActivityMapping
from data.notion import NotionError, PropertyMapping
from data.notion.sync import Workbench
from data.store import Store
from scoring.engagement import to_us
from tests.data.conftest import make_bench, schema_spec
from tests.notion_fake import FakeNotion
from tests.notion_fake.workspace import FakeWorkspace

HOT_PAGE = {
    "Name": "Busy Paws", "Rating": 4.5, "Reviews": 45, "Website": "https://busy.example", "Vet Count": 6,
    "Phone Numbers": "555-0100; 555-0101; 555-0102", "EMR System": "Cornerstone", "Online Booking": True,
    "Telemedicine": True, "Decision Maker": "Dr. Ana Ruiz", "Enrichment Status": "Completed",
    "Enrichment Confidence": "high", "Assigned To": "Dana Reyes", "Last Contact": "2026-01-01",
}
ACTIVITIES_ID = "1f2e3d4c-5b6a-4798-8a7b-6c5d4e3f2a1b"
ACTIVITY_TYPES = ["Email Open", "Meeting", "Demo Request", "Signup", "Download", "Webinar"]


@pytest.fixture
def notion() -> Iterator[tuple[FakeWorkspace, FakeNotion, FakeNotion]]:
    practices = FakeNotion(seed=11)
    practices.set_schema(schema_spec(practices, {"Next Action": ("select", ["Call today"])}))
    activities = FakeNotion(seed=12, title="Activities", schema={
        "Name": "title",
        "Practice": ("relation", {"data_source_id": practices.data_source_id}),
        "Type": ("select", ACTIVITY_TYPES),
        "Date": "date",
    })
    with FakeWorkspace(practices, activities) as ws:
        yield ws, practices, activities
    assert not ws.internal_errors


def bench_for(
    store: Store, ws: FakeWorkspace, practices: FakeNotion, activities: FakeNotion, **mapping: Any
) -> Workbench:
    srv = _AsServer(ws, practices)
    act = ActivityMapping(database_id=activities.database_id, **mapping)
    return make_bench(store, srv, mapping=PropertyMapping(activities=act))  # type: ignore[arg-type]


class _AsServer:
    """What make_bench needs of a FakeNotion, pointed at the workspace's URL."""

    def __init__(self, ws: FakeWorkspace, practices: FakeNotion) -> None:
        self.token, self.database_id, self.base_url = ws.token, practices.database_id, ws.base_url


def event_ids(store: Store) -> set[str]:
    return {r[0] for r in store.query("SELECT event_id FROM events")}


def iso(moment: datetime) -> str:
    return moment.astimezone(UTC).isoformat().replace("+00:00", "Z")


def busy_day(activities: FakeNotion, practice: str, when: datetime) -> list[str]:
    """Activities worth 85 points at ``when``: Hot + busy = A1."""
    return [
        activities.add_page({"Name": name, "Practice": [practice], "Type": kind, "Date": iso(when)})
        for name, kind in (("Discovery call", "Meeting"), ("Asked for a demo", "Demo Request"),
                           ("Newsletter", "Signup"), ("Guide", "Download"))
    ]


def test_sync_reads_activities_that_relate_to_practices(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    pid = practices.add_page(HOT_PAGE)
    now = datetime.now(UTC)
    ids = busy_day(activities, pid, now - timedelta(hours=1))
    date_only = activities.add_page({"Name": "Webinar", "Practice": [pid], "Type": "Webinar", "Date": "2026-01-05"})
    orphan = activities.add_page({"Name": "Nobody's", "Type": "Meeting", "Date": iso(now)})
    bench = bench_for(store, ws, practices, activities)

    report = bench.sync()

    events = store.practice_events(pid).set_index("event_id")
    assert set(events.index) == {*ids, date_only}
    assert events.loc[ids[0], "type"] == "meeting" and events.loc[ids[1], "type"] == "demo_request"
    assert events.loc[ids[0], "source"] == "notion" and events.loc[ids[0], "detail"] == "Discovery call"
    assert events.loc[date_only, "occurred_us"] == to_us(datetime(2026, 1, 5, tzinfo=UTC))  # a date: midnight UTC
    assert orphan not in event_ids(store)
    notes = " ".join(report.notes)
    assert "unreadable 1" in notes and "relates to no practice" in notes
    assert "webinar (1)" in notes  # kept, reported, counted nowhere
    # Last Contact stays a displayed field, never an event.
    assert store.practice(pid)["last_contact"] == "2026-01-01"
    assert len(events) == 5


def test_a_second_sync_reads_only_new_activities_and_adds_no_duplicates(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    pid = practices.add_page(HOT_PAGE)
    busy_day(activities, pid, datetime.now(UTC) - timedelta(hours=1))
    bench = bench_for(store, ws, practices, activities)
    bench.sync()
    activities.reset_log()
    newer = activities.add_page({"Name": "Clicked", "Practice": [pid], "Type": "Email Open",
                                 "Date": iso(datetime.now(UTC))})
    bench.sync()
    query = next(r for r in activities.requests if r.path.endswith("/query"))
    assert query.body["filter"]["timestamp"] == "last_edited_time"  # incremental
    assert store.event_count() == 5 and newer in event_ids(store)


def test_an_activity_of_several_practices_is_one_event_each(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    a, b = practices.add_page(HOT_PAGE), practices.add_page({**HOT_PAGE, "Name": "Other"})
    page = activities.add_page({"Name": "Conference", "Practice": [a, b], "Type": "Meeting",
                                "Date": {"start": "2026-03-01T10:00:00", "time_zone": "America/New_York"}})
    bench_for(store, ws, practices, activities).sync()
    rows = dict(store.query("SELECT practice_id, event_id FROM events"))
    assert rows == {a: f"{page}:{a}", b: f"{page}:{b}"}
    assert store.practice_events(a)["occurred_us"][0] == to_us(datetime(2026, 3, 1, 15, 0, tzinfo=UTC))


def test_a_mapping_that_does_not_fit_is_a_note_not_a_failed_sync(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    practices.add_page(HOT_PAGE)
    report = bench_for(store, ws, practices, activities, type="Kind").sync()
    assert report.total == 1  # the practices were still scored and written
    assert any("activities not read" in n and "'Kind'" in n for n in report.notes)


def test_automation_writes_a_notion_property_once_through_its_queue(notion, store: Store, tmp_path: Path,
                                                                   monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    rules = tmp_path / "automation.toml"
    rules.write_text('[[rules]]\nid = "a1-next"\ncells = ["A1"]\naction = "notion_property"\n'
                     'property = "Next Action"\n', encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_AUTOMATION", str(rules))
    pid = practices.add_page(HOT_PAGE)
    busy_day(activities, pid, datetime.now(UTC) - timedelta(hours=1))
    bench = bench_for(store, ws, practices, activities)

    first = bench.sync()
    assert practices.plain(pid)["Next Action"] == "Call today"
    assert practices.plain(pid)["Lead Score"] == store.score(pid)["lead_score"]  # score write-back as ever
    assert store.property_writes() == []
    row = store.automation_log().iloc[0]
    assert (row["practice_id"], row["rule_id"], row["status"]) == (pid, "a1-next", "done")
    assert any("a1-next 1" in n for n in first.notes)

    practices.reset_log()
    second = bench.sync()  # a second sync the same day: nothing fires, nothing is written
    assert not any("a1-next" in n for n in second.notes)
    assert practices.count("PATCH") == 0
    assert len(store.automation_log()) == 1


def test_a_write_to_a_missing_property_waits_unsent_until_the_property_exists(notion, store: Store, tmp_path: Path,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    rules = tmp_path / "automation.toml"
    rules.write_text('[[rules]]\nid = "a1-next"\ncells = ["A1"]\naction = "notion_property"\nproperty = "Next Step"\n',
                     encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_AUTOMATION", str(rules))
    pid = practices.add_page(HOT_PAGE)
    busy_day(activities, pid, datetime.now(UTC) - timedelta(hours=1))
    bench = bench_for(store, ws, practices, activities)

    report = bench.sync()  # the database has no "Next Step" property yet
    why = "the database has no 'Next Step' property (add it in Notion, or change the automation rule)"
    [waiting] = store.property_writes()
    assert (waiting["blocked"], waiting["last_error"]) == (why, why)
    assert f"1 automation property writes wait until Notion is changed: {why}" in report.notes
    assert report.write_failures == 1
    assert (store.automation_log().iloc[0]["status"], store.automation_log().iloc[0]["last_error"]) == ("failed", why)
    assert store.outbox_summary()["blocked_reasons"] == {why: 1}

    practices.reset_log()
    bench.sync()  # nothing changed in Notion: not sent again
    assert not [r for r in practices.requests
                if r.method == "PATCH" and "Next Step" in (r.body or {}).get("properties", {})]

    practices.set_schema(schema_spec(practices, {"Next Step": "rich_text"}))
    bench.sync()  # the property exists now: delivered
    assert practices.plain(pid)["Next Step"] == "Call today"
    assert store.property_writes() == [] and store.automation_log().iloc[0]["status"] == "done"
    assert len(store.automation_log()) == 1


def test_sync_takes_the_days_snapshot_once(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    pid = practices.add_page(HOT_PAGE)
    bench = bench_for(store, ws, practices, activities)
    first = bench.sync()
    second = bench.sync()
    assert any("1 of 1 practices recorded" in n for n in first.notes)
    assert not any("engagement snapshot" in n for n in second.notes)  # nothing new to say
    assert len(store.engagement_history(pid)) == 1


def test_activities_database_the_integration_cannot_see(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, _ = notion
    practices.add_page(HOT_PAGE)
    srv = _AsServer(ws, practices)
    mapping = PropertyMapping(activities=ActivityMapping(database_id="0" * 32))
    report = make_bench(store, srv, mapping=mapping).sync()  # type: ignore[arg-type]
    assert any("activities not read" in n and "404" in n for n in report.notes)


def test_mapping_file_accepts_an_activities_section(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text('[fields]\nvet_count = "Vet Count (Total)"\n\n[activities]\n'
                    f'database_id = "{ACTIVITIES_ID.replace("-", "")}"\npractice = "Clinic"\n', encoding="utf-8")
    mapping = PropertyMapping.load(path)
    assert mapping.activities == ActivityMapping(database_id=ACTIVITIES_ID, practice="Clinic")
    assert mapping.fields["vet_count"] == "Vet Count (Total)"
    assert PropertyMapping.load(env={}).activities is None


@pytest.mark.parametrize(
    ("section", "message"),
    [
        ('[activities]\npractice = "Clinic"\n', "[activities] needs database_id"),
        ('[activities]\ndatabase_id = "abc"\nwhen = "Date"\n', "[activities] when is not a known setting"),
        ('[activities]\ndatabase_id = ""\n', "[activities] database_id must be a name or id"),
        ('[activities]\ndatabase_id = "abc"\n',
         "[activities] database_id 'abc' is neither a Notion database id (32 hexadecimal characters, dashes "
         "optional) nor a database link"),
        ('activities = "abc"\n', "[activities] must be a table"),
    ],
)
def test_bad_activities_sections_are_named(tmp_path: Path, section: str, message: str) -> None:
    path = tmp_path / "notion-mapping.toml"
    path.write_text(section, encoding="utf-8")
    with pytest.raises(NotionError) as caught:
        PropertyMapping.load(path)
    assert message in str(caught.value)


def test_a_sync_retried_after_notion_failed_fires_once_and_writes_once(notion, store: Store, tmp_path: Path,
                                                                       monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    rules = tmp_path / "automation.toml"
    rules.write_text('[[rules]]\nid = "a1-next"\ncells = ["A1"]\naction = "notion_property"\n'
                     'property = "Next Action"\n', encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_AUTOMATION", str(rules))
    pid = practices.add_page(HOT_PAGE)
    busy_day(activities, pid, datetime.now(UTC) - timedelta(hours=1))
    bench = bench_for(store, ws, practices, activities)
    practices.faults.queue(*["503"] * 12, methods=["PATCH"])  # Notion is down for every write of this sync

    first = bench.sync()
    assert first.write_failures >= 1
    assert practices.plain(pid)["Next Action"] is None
    assert [w["practice_id"] for w in store.property_writes()] == [pid]  # kept, with Notion's message
    assert store.automation_log().iloc[0]["status"] == "queued"

    retried = bench.sync()  # the retry: the rule does not fire again; the queued write is delivered
    assert not any("a1-next" in n for n in retried.notes)
    assert practices.plain(pid)["Next Action"] == "Call today"
    assert len(store.automation_log()) == 1 and store.automation_log().iloc[0]["status"] == "done"
    written = [r for r in practices.requests if r.method == "PATCH" and r.status == 200
               and "Next Action" in (r.body or {}).get("properties", {})]
    assert len(written) == 1


@pytest.mark.parametrize(
    "written",
    [
        ACTIVITIES_ID,  # dashed
        ACTIVITIES_ID.replace("-", "").upper(),
        f"https://www.notion.so/acme/Activities-{ACTIVITIES_ID.replace('-', '')}?v=0123456789abcdef0123456789abcdef",
    ],
)
def test_the_activities_database_is_read_like_notion_database_id(tmp_path: Path, written: str) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(f'[activities]\ndatabase_id = "{written}"\n', encoding="utf-8")
    assert PropertyMapping.load(path).activities == ActivityMapping(database_id=ACTIVITIES_ID)


def test_activities_mapped_by_link_are_read_through_the_gateways_pagination(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    pid = practices.add_page(HOT_PAGE)
    for n in range(130):  # more than one page of query results (100)
        activities.add_page({"Name": f"Open {n}", "Practice": [pid], "Type": "Email Open",
                             "Date": iso(datetime.now(UTC) - timedelta(days=1, minutes=n))})
    link = f"https://www.notion.so/Activities-{activities.database_id.replace('-', '')}"
    mapping = PropertyMapping.load(_mapping_file(Path.cwd(), link))  # the link, as a person pastes it
    bench = make_bench(store, _AsServer(ws, practices), mapping=mapping)  # type: ignore[arg-type]
    bench.sync()
    assert store.event_count() == 130
    queries = [r for r in activities.requests if r.method == "POST" and r.path.endswith("/query")]
    assert len(queries) == 2


def test_the_activities_data_source_is_the_one_the_mapping_names(notion, store: Store) -> None:  # type: ignore[no-untyped-def]
    ws, practices, activities = notion
    pid = practices.add_page(HOT_PAGE)
    archive = activities.add_data_source("Archive", schema={
        "Name": "title", "Practice": ("relation", {"data_source_id": practices.data_source_id}),
        "Type": ("select", ACTIVITY_TYPES), "Date": "date"}, first=True)
    ws.fakes = (*ws.fakes, archive)  # the workspace routes requests for the new data source's id to it
    archive.add_page({"Name": "Old", "Practice": [pid], "Type": "Meeting", "Date": iso(datetime.now(UTC))})
    current = activities.add_page({"Name": "New", "Practice": [pid], "Type": "Email Open",
                                   "Date": iso(datetime.now(UTC))})

    first_one = bench_for(store, ws, practices, activities).sync()  # no choice: the first (the archive)
    assert event_ids(store) != {current}
    assert any("data sources and [activities] data_source names none" in n and "the activities" in n
               for n in first_one.notes)

    store.clear_book()
    named = bench_for(store, ws, practices, activities, data_source="activities").sync()  # by name, any case
    assert event_ids(store) == {current}
    assert any("as [activities] data_source says" in n for n in named.notes)

    wrong = bench_for(store, ws, practices, activities, data_source="Calls").sync()
    assert any("[activities] data_source='Calls' is not a data source of database" in n for n in wrong.notes)


def _mapping_file(folder: Path, database: str) -> Path:
    path = folder / "activities-mapping.toml"
    path.write_text(f'[activities]\ndatabase_id = "{database}"\n', encoding="utf-8")
    return path
