"""Issue 7 §2–3: Notion databases as teams build them — inputs in rollups, formulas, status, selects,
people and relations; score properties of type status; a database given by URL; several data sources.

Everything runs the real notion-client against the local fake (tests/notion_fake), whose response
shapes follow Notion's page property values (rollup number/date/array/incomplete/unsupported, formula
results, partial users)."""

from __future__ import annotations

import json
from typing import Any

import pytest

from data.notion import (
    UNKNOWN_USER,
    NotionError,
    NotionGateway,
    NotionSettings,
    PropertyMapping,
    field_rows,
    read_field,
)
from data.notion.sync import Workbench
from data.store import Store
from scoring.config import ScoringConfig
from tests.data.conftest import make_bench, schema_spec, settings_for
from tests.notion_fake import FakeNotion, seed_practices

ENRICHED = {"Enrichment Status": "Completed", "Enrichment Confidence": "high"}


def synced(bench: Workbench, srv: FakeNotion, values: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """Add one page, sync, and return its id and the record the store holds for it."""
    pid = srv.add_page({"Name": "Typed Vet", **values})
    bench.sync()
    return pid, json.loads(bench.store.practice(pid)["record_json"])


def bench_for(store: Store, settings: NotionSettings) -> Workbench:
    """A workbench for these settings with a gateway that does not wait (as conftest's fast_gateway)."""
    gateway = NotionGateway(settings, rate=1000, burst=1000, backoff=0.001, max_backoff=0.01)
    return Workbench(store, settings, PropertyMapping(), gateway=gateway, config=ScoringConfig())


def score(store: Store, pid: str) -> dict[str, Any]:
    row = store.score(pid)
    assert row is not None
    return row


# ---- rollups ----------------------------------------------------------------------------------------


@pytest.mark.parametrize(("vets", "points"), [(6, 30), (3, 15)])
def test_a_number_rollup_is_the_vet_count(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, vets: int, points: int
) -> None:
    """`{"type":"rollup","rollup":{"type":"number","number":6,"function":"sum"}}` → 6 vets → 30 points."""
    notion_fake.set_schema(schema_spec(notion_fake, {"Vet Count": ("rollup", {"function": "sum"})}))
    pid, record = synced(workbench, notion_fake, {**ENRICHED, "Vet Count": vets})
    assert notion_fake.page(pid)["properties"]["Vet Count"]["rollup"] == {
        "type": "number", "number": vets, "function": "sum"
    }
    assert record["enrichment_data"]["vet_count"] == vets
    assert score(store, pid)["practice_size"] == points


def test_array_rollups_of_any_item_type(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    """Show original rollups: numbers, rich_text, phone_number and people items."""
    show = ("rollup", {"function": "show_original"})
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Vet Count": show, "Phone Numbers": show, "Decision Maker": show, "Emails": show})
    )
    phones = [
        {"type": "phone_number", "phone_number": "(512) 555-0100"},
        {"type": "rich_text", "rich_text": [{"type": "text", "text": {"content": "(512) 555-0101; (512) 555-0102"},
                                             "plain_text": "(512) 555-0101; (512) 555-0102"}]},
        {"type": "number", "number": 5125550103},
    ]
    dana = next(u for u in notion_fake.users.values() if u.get("name") == "Dana Reyes")
    pid, record = synced(
        workbench,
        notion_fake,
        {
            **ENRICHED,
            "Vet Count": [6],
            "Phone Numbers": phones,
            "Decision Maker": [{"type": "people", "people": [dana]}],
            "Emails": ["front@vet.example", "dr@vet.example"],
        },
    )
    enrichment = record["enrichment_data"]
    assert enrichment["vet_count"] == 6
    assert enrichment["phone_numbers"] == ["(512) 555-0100", "(512) 555-0101", "(512) 555-0102", "5125550103"]
    assert enrichment["email_addresses"] == ["front@vet.example", "dr@vet.example"]
    assert enrichment["decision_maker"] == {"name": "Dana Reyes"}
    row = score(store, pid)
    assert (row["practice_size"], row["call_volume"], row["decision_maker"]) == (30, 30, 10)


def test_rollups_that_cannot_be_read_are_reported_once_per_run(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {"Vet Count": ("rollup", {"function": "show_original"}), "Rating": ("rollup", {"function": "average"})},
        )
    )
    several = notion_fake.add_page({"Name": "Two sites", **ENRICHED, "Vet Count": [3, 4]})
    computing = [
        notion_fake.add_page({"Name": f"Busy {i}", **ENRICHED, "Vet Count": {"type": "incomplete", "incomplete": {}}})
        for i in range(3)
    ]
    odd = notion_fake.add_page({"Name": "Odd", "Rating": {"type": "unsupported", "unsupported": {}}})

    report = workbench.sync()

    assert report.total == 5
    assert report.unreadable == {
        "'Vet Count' (rollup): holds 2 values where one number is needed; use a rollup that calculates one "
        "(Sum, Max, …) or a formula instead of Show original": 1,
        "'Vet Count' (rollup): Notion had not finished computing this rollup (incomplete); it is read again next "
        "sync": 3,
        "'Rating' (rollup): Notion's API does not return this rollup's value (unsupported, function average); use "
        "Show original, Sum, Min, Max or a date function instead": 1,
    }
    notes = [n for n in report.notes if n.startswith("cannot read")]
    assert len(notes) == 3 and any("on 3 pages" in n for n in notes)  # once per field and reason, not per page
    for pid in (several, *computing):
        assert "vet_count" not in json.loads(store.practice(pid)["record_json"])["enrichment_data"]
        assert any("cannot read 'Vet Count'" in p for p in json.loads(store.practice(pid)["problems"]))
    assert "rating" not in json.loads(store.practice(odd)["record_json"])["google_maps_data"]


def test_a_date_rollup_and_a_date_formula_are_the_last_contact(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Last Contact": ("rollup", {"function": "latest_date"})}))
    rolled = notion_fake.add_page(
        {"Name": "Rolled", "Last Contact": {"type": "date", "date": {"start": "2026-02-03T15:30:00.000-05:00"}}}
    )
    workbench.sync()
    assert store.practice(rolled)["last_contact"] == "2026-02-03"
    notion_fake.set_schema(schema_spec(notion_fake, {"Last Contact": ("formula", {"expression": "now()"})}))
    notion_fake.clock.advance(minutes=5)
    notion_fake.edit_upstream(rolled, {"Last Contact": {"type": "date", "date": {"start": "2025-12-24"}}})
    workbench.sync()
    assert store.practice(rolled)["last_contact"] == "2025-12-24"


# ---- formulas, status, select yes/no, rich text lists --------------------------------------------------


def test_formula_results_of_every_type(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {
                "Vet Count": ("formula", {"expression": 'prop("Vets A") + prop("Vets B")'}),
                "EMR System": ("formula", {"expression": 'if(prop("Has EMR"), "Cornerstone", "")'}),
                "Telemedicine": ("formula", {"expression": 'contains(prop("Services"), "tele")'}),
                "Online Booking": ("formula", {"expression": "true"}),
            },
        )
    )
    pid, record = synced(
        workbench,
        notion_fake,
        {**ENRICHED, "Vet Count": 5, "EMR System": "Cornerstone", "Telemedicine": True, "Online Booking": False},
    )
    enrichment = record["enrichment_data"]
    assert (enrichment["vet_count"], enrichment["emr_system"]) == (5, "Cornerstone")
    assert (enrichment["has_telemedicine"], enrichment["has_online_booking"]) == (True, False)
    assert score(store, pid)["technology"] == 15 + 5  # Cornerstone + telemedicine


def test_status_where_a_select_is_expected(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {
                "Enrichment Status": ("status", {"To-do": ["Not Started"], "In progress": ["Partial"],
                                                 "Complete": ["Completed", "Failed"]}),
                "Enrichment Confidence": ("status", ["low", "medium", "high"]),
            },
        )
    )
    pid, record = synced(workbench, notion_fake, {**ENRICHED, "Vet Count": 6, "Decision Maker": "Dr. Ana Ruiz"})
    assert notion_fake.page(pid)["properties"]["Enrichment Status"]["type"] == "status"
    assert record["enrichment_status"] == "Completed" and "enrichment_data" in record
    assert score(store, pid)["priority_tier"] != "Pending Enrichment"
    partial = notion_fake.add_page({"Name": "Half done", "Enrichment Status": "Partial", "Vet Count": 6})
    workbench.sync()
    assert "Partial Enrichment" in json.loads(score(store, partial)["confidence_flags"])


@pytest.mark.parametrize(("answer", "expected"), [("Yes", True), ("No", False)])
def test_a_yes_no_select_where_a_checkbox_is_expected(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, answer: str, expected: bool
) -> None:
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Online Booking": ("select", ["Yes", "No"]), "Multiple Locations": ("select", [])})
    )
    pid, record = synced(
        workbench, notion_fake, {**ENRICHED, "Online Booking": answer, "Multiple Locations": answer}
    )
    assert record["enrichment_data"]["has_online_booking"] == answer
    assert record["google_maps_data"]["has_multiple_locations"] == answer
    row = score(store, pid)
    assert row["technology"] == (10 if expected else 0)
    assert "Data Validation Error" not in json.loads(row["confidence_flags"])


def test_rich_text_where_a_list_is_expected(notion_fake: FakeNotion, workbench: Workbench) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Technologies": "rich_text"}))
    _pid, record = synced(
        workbench, notion_fake, {**ENRICHED, "Technologies": "Patient Portal; Telemedicine\nDigital Radiography"}
    )
    assert record["enrichment_data"]["technologies"] == ["Patient Portal", "Telemedicine", "Digital Radiography"]


# ---- people -----------------------------------------------------------------------------------------


def test_people_show_names_and_unknown_users_never_their_ids(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Decision Maker": "people"}))
    named = notion_fake.add_page(
        {"Name": "Named", **ENRICHED, "Assigned To": ["Dana Reyes", "Tom Becker"], "Decision Maker": ["Priya Shah"]}
    )
    workbench.sync()
    assert store.practice(named)["assigned_to"] == "Dana Reyes, Tom Becker"
    assert json.loads(store.practice(named)["record_json"])["enrichment_data"]["decision_maker"] == {
        "name": "Priya Shah"
    }
    assert score(store, named)["decision_maker"] == 10

    # Without the "Read user information" capability Notion sends users with an id only.
    notion_fake.users_readable = False
    hidden = notion_fake.add_page(
        {"Name": "Hidden", **ENRICHED, "Assigned To": ["Marcus Lee"], "Decision Maker": ["Marcus Lee"]}
    )
    report = workbench.sync()
    row = store.practice(hidden)
    assert row["assigned_to"] == UNKNOWN_USER
    marcus = next(uid for uid, u in notion_fake.users.items() if u.get("name") == "Marcus Lee")
    assert marcus not in json.dumps(dict(row)) and marcus not in json.dumps(store.score(hidden))
    # An id is never counted as a decision maker's name: no points, the flag, and a reason.
    assert "decision_maker" not in json.loads(row["record_json"])["enrichment_data"]
    assert score(store, hidden)["decision_maker"] == 0
    assert "Missing Decision Maker" in json.loads(score(store, hidden)["confidence_flags"])
    assert any("'Decision Maker' (people): the integration cannot read user names" in n for n in report.notes)


# ---- relations, and what `notion check` says ------------------------------------------------------


def test_a_relation_is_unreadable_and_check_says_what_to_do(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Vet Count": "relation", "Technologies": "relation"}))
    other = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
    ids = [
        notion_fake.add_page({"Name": f"Linked {i}", **ENRICHED, "Vet Count": [other], "Technologies": []})
        for i in range(4)
    ]
    report = workbench.check()
    rows = {r["field"]: r for r in report["fields"]}
    assert rows["vet_count"]["type"] == "relation" and rows["vet_count"]["status"] == "no"
    assert "add a rollup of the linked pages' property" in rows["vet_count"]["note"]
    assert any(line.startswith("vet_count → 'Vet Count' (relation): a relation holds only the ids")
               for line in report["unreadable"])
    assert rows["vet_count"] != rows["technologies"] and rows["technologies"]["status"] == "no"

    synced_report = workbench.sync()
    vet_notes = [n for n in synced_report.notes if "'Vet Count' (relation)" in n]
    assert len(vet_notes) == 1 and "on 4 pages" in vet_notes[0]
    assert other not in json.dumps([dict(store.practice(pid)) for pid in ids])


def test_check_lists_every_field_with_its_type_and_readability(notion_fake: FakeNotion, workbench: Workbench) -> None:
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {"Vet Count": ("rollup", {"function": "sum"}), "Decision Maker": "people", "Assigned To": "people"},
            drop=("Emails",),
        )
    )
    report = workbench.check()
    rows = {(r["section"], r["field"]): r for r in report["fields"]}
    mapping = PropertyMapping()
    assert len(rows) == len(mapping.fields) + len(mapping.sales) + len(mapping.scores)
    assert rows[("input", "vet_count")] | {} == {
        "section": "input", "field": "vet_count", "property": "Vet Count", "type": "rollup", "status": "yes",
        "note": "the rollup's result (sum), read on every page",
    }
    assert rows[("input", "email_addresses")]["status"] == "missing"
    assert rows[("input", "decision_maker_name")]["note"].startswith("people's names (users the integration")
    assert UNKNOWN_USER in rows[("sales", "assigned_to")]["note"]
    assert rows[("sales", "last_contact")]["type"] == "date" and rows[("sales", "last_contact")]["status"] == "yes"
    assert rows[("score", "lead_score")] == {
        "section": "score", "field": "lead_score", "property": "Lead Score", "type": "number", "status": "yes",
        "note": "written as number",
    }


# ---- Last Contact: one date reader ---------------------------------------------------------------------


def test_last_contact_with_and_without_time_side_by_side(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """A Notion date with a time beside a date-only one: both read, never blank."""
    with_time = notion_fake.add_page({"Name": "Timed", "Last Contact": "2026-03-12T16:45:00.000-05:00"})
    date_only = notion_fake.add_page({"Name": "Dated", "Last Contact": "2026-01-05"})
    utc_time = notion_fake.add_page({"Name": "Zulu", "Last Contact": "2025-11-30T23:15:00Z"})
    workbench.sync()
    assert store.practice(with_time)["last_contact"] == "2026-03-12"  # the calendar date it was written with
    assert store.practice(date_only)["last_contact"] == "2026-01-05"
    assert store.practice(utc_time)["last_contact"] == "2025-11-30"
    leads = store.leads_frame().set_index("practice_id")
    assert leads.loc[[with_time, date_only, utc_time], "last_contact"].notna().all()


def test_last_contact_as_text_follows_the_date_setting_and_reports_what_is_not_a_date(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Last Contact": "rich_text"}))
    ambiguous = notion_fake.add_page({"Name": "US date", "Last Contact": "03/12/2024"})
    iso = notion_fake.add_page({"Name": "ISO", "Last Contact": "2024-03-12"})
    garbled = notion_fake.add_page({"Name": "Garbled", "Last Contact": "next Tuesday-ish"})
    report = workbench.sync()
    assert store.practice(ambiguous)["last_contact"] == "2024-03-12"  # month-first, the default
    assert store.practice(iso)["last_contact"] == "2024-03-12"
    assert store.practice(garbled)["last_contact"] is None
    assert any("cannot read 'Last Contact' (rich_text): 'next Tuesday-ish' is not a date" in n for n in report.notes)
    monkeypatch.setenv("LEADSCORE_DATE_ORDER", "day-first")
    workbench.sync(full=True)
    assert store.practice(ambiguous)["last_contact"] == "2024-12-03"


# ---- score properties of type status -------------------------------------------------------------------

TIERS = ["Hot", "Warm", "Cold", "Pending Enrichment"]
STATUSES = ["Not Scored", "Scored", "Failed"]


def test_tier_and_status_written_to_status_properties(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Priority Tier": ("status", TIERS), "Scoring Status": ("status", STATUSES)})
    )
    ids = seed_practices(notion_fake, 20, seed=41)
    report = workbench.sync()
    assert report.written == 20 and report.write_failures == 0
    bodies = [r.body["properties"] for r in notion_fake.requests if r.method == "PATCH"]
    assert {"status": {"name": "Scored"}} in [b.get("Scoring Status") for b in bodies]
    assert all("select" not in (b.get("Priority Tier") or {}) for b in bodies)
    for pid in ids:
        assert notion_fake.plain(pid)["Priority Tier"] == score(store, pid)["priority_tier"]
        assert notion_fake.plain(pid)["Scoring Status"] == "Scored"
    assert workbench.check()["status_options"] == []


def test_a_missing_status_option_is_never_sent_and_the_rest_lands(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """The API cannot create status options: pages whose tier is Warm keep every other score property,
    the tier waits in the outbox saying why, check and setup name the missing option."""
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {
                "Priority Tier": ("status", ["Hot", "Cold", "Pending Enrichment"]),
                "Scoring Status": ("status", STATUSES),
            },
        )
    )
    ids = seed_practices(notion_fake, 30, seed=42)
    report = workbench.sync()
    warm = [pid for pid in ids if score(store, pid)["priority_tier"] == "Warm"]
    assert warm and len(warm) < 30
    assert notion_fake.count(status=400) == 0
    assert report.written == 30 - len(warm) and report.partly_written == report.write_failures == len(warm)
    for pid in warm:
        assert notion_fake.plain(pid)["Lead Score"] == score(store, pid)["lead_score"]
        assert notion_fake.plain(pid)["Scoring Status"] == "Scored"
        assert notion_fake.plain(pid)["Priority Tier"] is None
    reason = (
        "'Priority Tier' is a status property without the option 'Warm' (Notion's API cannot create status "
        "options): add it to the property in Notion"
    )
    assert f"{len(warm)} pages wait in the outbox: {reason}" in report.notes
    assert store.outbox_summary()["blocked_reasons"] == {reason: len(warm)}
    assert workbench.check()["status_options"] == [
        "'Priority Tier' is a status property without 'Warm': add them in Notion (Notion's API cannot create "
        "status options)"
    ]
    assert any("add the options Warm to it in Notion" in line for line in workbench.setup())
    notion_fake.reset_log()
    assert workbench.push().written == 0 and notion_fake.count("PATCH") == 0  # still cannot succeed: not sent
    # Someone adds the option in Notion: the waiting tiers are delivered, and only them.
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Priority Tier": ("status", TIERS), "Scoring Status": ("status", STATUSES)})
    )
    pushed = workbench.push()
    assert pushed.written == len(warm) and store.outbox() == []
    assert all(set(r.body["properties"]) == {"Priority Tier"} for r in notion_fake.requests if r.method == "PATCH")
    assert all(notion_fake.plain(pid)["Priority Tier"] == "Warm" for pid in warm)


# ---- finding the database ---------------------------------------------------------------------------


def _dashless(uid: str) -> str:
    return uid.replace("-", "")


@pytest.mark.parametrize(
    "form",
    [
        "https://www.notion.so/acme/Vet-Practices-{c}?v=0f1e2d3c4b5a49788796a5b4c3d2e1f0&pvs=4",
        "https://www.notion.so/{c}?v=0f1e2d3c4b5a49788796a5b4c3d2e1f0",
        "https://app.notion.com/p/{c}",
        "{c}",
        "{d}",
        "  {d}  ",
    ],
)
def test_the_database_may_be_given_as_a_url_or_an_id(notion_fake: FakeNotion, store: Store, form: str) -> None:
    raw = form.format(c=_dashless(notion_fake.database_id), d=notion_fake.database_id.upper())
    settings = NotionSettings.load(
        env={"NOTION_API_KEY": notion_fake.token, "NOTION_DATABASE_ID": raw, "NOTION_BASE_URL": notion_fake.base_url},
        secrets_path=None,
    )
    assert settings.problem is None and settings.database_id == notion_fake.database_id
    ids = seed_practices(notion_fake, 3, seed=43)
    assert bench_for(store, settings).sync().pulled == 3 and all(store.score(pid) for pid in ids)


def test_a_data_source_id_pasted_by_mistake_says_so(notion_fake: FakeNotion, store: Store) -> None:
    settings = settings_for(notion_fake)
    wrong = NotionSettings(settings.api_key, notion_fake.data_source_id, settings.base_url)
    bench = Workbench(store, wrong, PropertyMapping())
    with pytest.raises(NotionError) as info:
        bench.sync()
    text = str(info.value)
    assert "NOTION_DATABASE_ID holds the id of a data source ('Vet Practices'), not of a database" in text
    assert f"set NOTION_DATABASE_ID to the database's id {notion_fake.database_id}" in text
    assert f"NOTION_DATA_SOURCE={notion_fake.data_source_id}" in text
    assert "share" not in text  # not Notion's "share it with your integration" 404


def test_an_unknown_id_is_still_notions_404(notion_fake: FakeNotion, store: Store) -> None:
    from notion_client import APIResponseError

    settings = settings_for(notion_fake)
    unknown = NotionSettings(settings.api_key, "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0", settings.base_url)
    with pytest.raises(APIResponseError) as info:
        Workbench(store, unknown, PropertyMapping()).check()
    assert info.value.status == 404


def test_several_data_sources_none_named_uses_the_first_and_lists_the_others(
    notion_fake: FakeNotion, store: Store
) -> None:
    archive = notion_fake.add_data_source("Archive 2023", first=True)
    archive.add_page({"Name": "Old practice"})
    seed_practices(notion_fake, 5, seed=44)
    bench = make_bench(store, notion_fake)
    report = bench.sync()
    assert report.pulled == 1  # the archive, listed first, is what was used — and it is said so
    note = report.data_source_note
    assert note is not None
    assert "has 2 data sources and NOTION_DATA_SOURCE names none: using the first, 'Archive 2023'" in note
    assert f"the others: 'Vet Practices' ({notion_fake.data_source_id})" in note
    assert note in report.notes
    assert bench.check()["data_source_note"] == [note]
    assert store.get_state("notion_data_source")["note"] == note


@pytest.mark.parametrize("how", ["name", "id"])
def test_naming_the_data_source_by_name_or_id(notion_fake: FakeNotion, store: Store, how: str) -> None:
    archive = notion_fake.add_data_source("Archive 2023", first=True)
    archive.add_page({"Name": "Old practice"})
    ids = seed_practices(notion_fake, 5, seed=45)
    named = "vet practices" if how == "name" else _dashless(notion_fake.data_source_id)
    settings = NotionSettings.load(
        env={
            "NOTION_API_KEY": notion_fake.token,
            "NOTION_DATABASE_ID": notion_fake.database_id,
            "NOTION_BASE_URL": notion_fake.base_url,
            "NOTION_DATA_SOURCE": named,
        },
        secrets_path=None,
    )
    report = bench_for(store, settings).sync()
    assert report.pulled == 5 and report.written == 5
    assert "as NOTION_DATA_SOURCE says" in (report.data_source_note or "")
    assert all(notion_fake.plain(pid)["Lead Score"] == store.score(pid)["lead_score"] for pid in ids)


def test_naming_a_data_source_the_database_lacks(notion_fake: FakeNotion, store: Store) -> None:
    settings = settings_for(notion_fake)
    wrong = NotionSettings(settings.api_key, settings.database_id, settings.base_url, data_source="Practices 2025")
    with pytest.raises(NotionError, match=r"NOTION_DATA_SOURCE='Practices 2025' is not a data source of database "
                                          r"'Vet Practices'; it has 'Vet Practices' \("):
        Workbench(store, wrong, PropertyMapping()).sync()


# ---- the readers, one value at a time -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("prop", "field", "value"),
    [
        ({"type": "rollup", "rollup": {"type": "number", "number": 6, "function": "sum"}}, "vet_count", 6),
        ({"type": "rollup", "rollup": {"type": "array", "array": [], "function": "show_original"}}, "vet_count", None),
        ({"type": "formula", "formula": {"type": "string", "string": "IDEXX Neo"}}, "emr_system", "IDEXX Neo"),
        ({"type": "formula", "formula": {"type": "boolean", "boolean": False}}, "has_telemedicine", False),
        ({"type": "formula", "formula": {"type": "number", "number": 4.5}}, "rating", 4.5),
        ({"type": "status", "status": {"name": "Partial"}}, "enrichment_status", "Partial"),
        ({"type": "select", "select": {"name": "Yes"}}, "has_online_booking", "Yes"),
        ({"type": "number", "number": 5125550100.0}, "phone_numbers", ["5125550100"]),
        ({"type": "number", "number": 1001.0}, "place_id", "1001"),
        ({"type": "people", "people": [{"object": "user", "id": "u-1"}]}, "assigned_to", UNKNOWN_USER),
        ({"type": "multi_select", "multi_select": [{"name": "Cornerstone"}]}, "emr_system", "Cornerstone"),
        ({"type": "checkbox", "checkbox": True}, "name", "Yes"),
    ],
)
def test_read_field(prop: dict[str, Any], field: str, value: Any) -> None:
    reading = read_field(prop, field)
    assert reading.problem is None and reading.value == value


def test_field_rows_of_a_database_without_mapped_properties() -> None:
    rows = field_rows({"properties": {}}, PropertyMapping())
    assert {r["status"] for r in rows} == {"missing"}


@pytest.mark.parametrize(
    ("prop", "field", "problem"),
    [
        ({"type": "checkbox", "checkbox": True}, "vet_count", "a checkbox property cannot hold a number"),
        ({"type": "date", "date": {"start": "2026-01-05"}}, "has_telemedicine", "a date property cannot hold a yes/no"),
        ({"type": "relation", "relation": [], "has_more": False}, "technologies", "a relation holds only the ids"),
        ({"type": "files", "files": []}, "website", "a files property cannot hold text"),
        ({"type": "button", "button": {}}, "name", "a button property holds no value leadscore can read"),
        ({"type": "rollup", "rollup": {"type": "array", "function": "show_original",
                                       "array": [{"type": "number", "number": 2}, {"type": "number", "number": 9}]}},
         "rating", "holds 2 values where one number is needed"),
    ],
)
def test_a_type_that_cannot_hold_the_field_is_reported_not_read(prop: dict[str, Any], field: str, problem: str) -> None:
    reading = read_field(prop, field)
    assert reading.value is None and reading.problem is not None and reading.problem.startswith(problem)
