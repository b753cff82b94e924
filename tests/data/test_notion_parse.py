"""Reading Notion (data/notion.py): recorded API bodies, the property mapping, page → record,
score payloads, settings, the throttle and which errors are worth retrying."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError, UnknownHTTPResponseError

from data.notion import (
    DEFAULT_FIELDS,
    DEFAULT_SALES,
    DEFAULT_SCORES,
    NotionError,
    NotionGateway,
    NotionSettings,
    PropertyMapping,
    Throttle,
    changed_values,
    describe_error,
    is_transient,
    plain_value,
    read_page,
    schema_report,
    score_properties,
    score_values,
)
from tests.data.conftest import fast_gateway, output_for, schema_spec, settings_for
from tests.notion_fake import LEADSCORE_SCHEMA, FakeNotion
from tests.scoring.records import full_record

RECORDINGS = Path(__file__).resolve().parents[1] / "fixtures" / "notion-recordings"
CUSTOM_MAPPING = """
[fields]
vet_count = "Vet Count (Total)"
decision_maker_name = "Decision Maker Name"
has_telemedicine = "Telemedicine / Virtual Care"

[sales]
assigned_to = "Owner"
"""


def _recorded_bodies() -> list[tuple[str, str, dict[str, Any]]]:
    """(cassette, "METHOD uri", JSON body) of every recorded response."""
    found = []
    for path in sorted(RECORDINGS.glob("*.yaml")):
        for exchange in yaml.safe_load(path.read_text(encoding="utf-8"))["interactions"]:
            request, response = exchange["request"], exchange["response"]
            found.append((path.name, f"{request['method']} {request['uri']}", json.loads(response["body"]["string"])))
    return found


RECORDED = _recorded_bodies()


def _recorded_pages() -> list[dict[str, Any]]:
    pages = [body for _, _, body in RECORDED if body.get("object") == "page"]
    for _, _, body in RECORDED:
        if body.get("object") == "list":
            pages += [r for r in body["results"] if r.get("object") == "page"]
    return pages


# ---- recorded Notion responses ----------------------------------------------------------------------


def test_recordings_are_there() -> None:
    kinds = {body.get("object") for _, _, body in RECORDED}
    assert {"page", "data_source", "database", "list", "error"} <= kinds


@pytest.mark.parametrize("page", _recorded_pages(), ids=lambda p: p["id"][-8:])
def test_recorded_pages_read_without_crashing(page: dict[str, Any]) -> None:
    title = "".join(part["plain_text"] for part in page["properties"]["title"]["title"]) or None
    parsed = read_page(page, PropertyMapping())
    assert parsed.practice_id == page["id"]
    assert parsed.record == {"practice_id": page["id"], "google_maps_data": {}}  # nothing mapped is there
    assert parsed.edited == page["last_edited_time"]
    assert parsed.url == page["url"]
    assert parsed.in_trash is bool(page["in_trash"])
    assert parsed.scores == dict.fromkeys(DEFAULT_SCORES)
    assert parsed.sales == dict.fromkeys(DEFAULT_SALES)
    # Mapped onto the property these pages really have, the title comes through.
    mapping = PropertyMapping(fields={**DEFAULT_FIELDS, "name": "title"})
    named = read_page(page, mapping)
    assert named.name == title == named.record["google_maps_data"].get("name")
    assert named.store_row()["name"] == title
    assert plain_value(page["properties"]["title"]) == title


def test_recorded_trashed_page_and_block_read_as_trashed() -> None:
    trashed = [body for _, _, body in RECORDED if body.get("in_trash") and body.get("object") in ("page", "block")]
    assert trashed
    for body in trashed:
        assert read_page(body, PropertyMapping()).in_trash


@pytest.mark.parametrize(
    "body",
    [body for _, _, body in RECORDED if body.get("object") == "data_source"],
    ids=lambda b: b["request_id"][:8],
)
def test_recorded_data_sources_through_schema_report(body: dict[str, Any]) -> None:
    report = schema_report(body, PropertyMapping())
    assert report["found"] == ["name → 'Name' (title)"]
    assert len(report["missing"]) == len(DEFAULT_FIELDS) + len(DEFAULT_SALES) - 1
    assert "vet_count → 'Vet Count'" in report["missing"]
    assert report["missing_scores"] == list(DEFAULT_SCORES.values())
    assert report["wrong_type"] == []


def test_recorded_database_names_its_data_source() -> None:
    databases = [body for _, _, body in RECORDED if body.get("object") == "database"]
    assert databases
    for db in databases:
        assert db["data_sources"][0]["id"]  # what NotionGateway.data_source_id() reads


def test_recorded_errors_are_described_with_notions_message() -> None:
    errors = [body for _, _, body in RECORDED if body.get("object") == "error"]
    for body in errors:
        exc = APIResponseError(
            code=body["code"],
            status=body["status"],
            message=body["message"],
            headers=httpx.Headers(),
            raw_body_text=json.dumps(body),
        )
        text = describe_error(exc)
        assert str(body["status"]) in text and body["code"] in text and body["message"] in text
        assert not is_transient(exc)  # 400 invalid_request_url and 401 unauthorized: retrying will not help


# ---- plain values -----------------------------------------------------------------------------------


def _rt(text: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "text",
            "text": {"content": text, "link": None},
            "annotations": {"bold": False, "color": "default"},
            "plain_text": text,
            "href": None,
        }
    ]


PLAIN_CASES: list[tuple[dict[str, Any], Any]] = [
    ({"type": "title", "title": _rt("Happy ") + _rt("Paws")}, "Happy Paws"),
    ({"type": "title", "title": []}, None),
    ({"type": "rich_text", "rich_text": _rt("  ")}, None),
    ({"type": "rich_text", "rich_text": [{"type": "text", "text": {"content": "no plain_text"}}]}, "no plain_text"),
    ({"type": "number", "number": 6}, 6),
    ({"type": "number", "number": 4.5}, 4.5),
    ({"type": "number", "number": None}, None),
    ({"type": "checkbox", "checkbox": True}, True),
    ({"type": "checkbox", "checkbox": False}, False),
    ({"type": "url", "url": "https://vet.example"}, "https://vet.example"),
    ({"type": "email", "email": "dr@vet.example"}, "dr@vet.example"),
    ({"type": "phone_number", "phone_number": "(512) 555-0100"}, "(512) 555-0100"),
    ({"type": "select", "select": {"id": "x", "name": "Completed", "color": "green"}}, "Completed"),
    ({"type": "select", "select": None}, None),
    ({"type": "status", "status": {"id": "s", "name": "Qualified", "color": "blue"}}, "Qualified"),
    ({"type": "multi_select", "multi_select": [{"name": "A"}, {"name": "B"}]}, ["A", "B"]),
    ({"type": "multi_select", "multi_select": []}, []),
    ({"type": "date", "date": {"start": "2026-01-05", "end": None, "time_zone": None}}, "2026-01-05"),
    ({"type": "date", "date": None}, None),
    (
        {"type": "people", "people": [{"object": "user", "id": "u1", "name": "Dana Reyes"}, {"id": "u2"}]},
        "Dana Reyes, unknown user",  # a user the integration cannot read is never shown by its id
    ),
    ({"type": "people", "people": []}, None),
    ({"type": "created_time", "created_time": "2026-01-05T10:00:00.000Z"}, "2026-01-05T10:00:00.000Z"),
    ({"type": "last_edited_time", "last_edited_time": "2026-01-05T10:01:00.000Z"}, "2026-01-05T10:01:00.000Z"),
    ({"type": "formula", "formula": {"type": "number", "number": 42}}, 42),
    ({"type": "formula", "formula": {"type": "string", "string": "Hot"}}, "Hot"),
    ({"type": "unique_id", "unique_id": {"prefix": "VET-", "number": 7}}, "VET-7"),
    ({"type": "unique_id", "unique_id": {"prefix": None, "number": 7}}, "7"),
    ({"type": "relation", "relation": [{"id": "abc"}]}, None),
    ({"type": "files", "files": []}, None),
    ({}, None),
    (None, None),
]


@pytest.mark.parametrize(("prop", "expected"), PLAIN_CASES, ids=[str(i) for i in range(len(PLAIN_CASES))])
def test_plain_value_for_every_property_type(prop: dict[str, Any] | None, expected: Any) -> None:
    assert plain_value(prop) == expected


def test_plain_values_of_a_page_rendered_by_the_fake(notion_fake: FakeNotion) -> None:
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Email": "email", "Created": "created_time", "Edited": "last_edited_time"})
    )
    pid = notion_fake.add_page(
        {
            "Name": "Happy Paws",
            "Address": "1 Main St",
            "Phone": "(512) 555-0100",
            "Website": "https://happypaws.example",
            "Rating": 4.5,
            "Reviews": 120,
            "Multiple Locations": True,
            "Enrichment Status": "Completed",
            "Technologies": ["Telemedicine", "Patient Portal"],
            "Status": "Qualified",
            "Assigned To": ["Dana Reyes", "Tom Becker"],
            "Last Contact": "2026-03-01",
            "Email": "front@happypaws.example",
            "Call Notes": "x" * 2500,  # stored as two text objects
        }
    )
    page = notion_fake.page(pid)
    plain = notion_fake.plain(pid)
    for name, prop in page["properties"].items():
        value = plain_value(prop)
        want = plain[name]
        if prop["type"] in ("title", "rich_text") and want == "":
            want = None
        if prop["type"] == "people":
            want = ", ".join(want) or None
        assert value == want, name
    assert plain_value(page["properties"]["Call Notes"]) == "x" * 2500


# ---- pages → records --------------------------------------------------------------------------------


def _page(properties: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "object": "page",
        "id": "11111111-2222-3333-4444-555555555555",
        "last_edited_time": "2026-01-05T10:00:00.000Z",
        "url": "https://app.notion.com/p/x",
        "in_trash": False,
        "properties": properties,
        **extra,
    }


def _text(value: str) -> dict[str, Any]:
    return {"type": "rich_text", "rich_text": _rt(value)}


def _select(value: str | None) -> dict[str, Any]:
    return {"type": "select", "select": {"name": value} if value else None}


ENRICHED_PROPS: dict[str, Any] = {
    "Name": {"type": "title", "title": _rt("Happy Paws")},
    "Rating": {"type": "number", "number": 4.6},
    "Reviews": {"type": "number", "number": 88},
    "Vet Count": {"type": "number", "number": 6},
    "Enrichment Confidence": _select("high"),
    "Phone Numbers": _text("(512) 555-0100; (512) 555-0101\n(512) 555-0102\r\n;(512) 555-0103;;"),
    "Emails": _text("a@x.example\nb@x.example"),
    "EMR System": _select("Cornerstone"),
    "Online Booking": {"type": "checkbox", "checkbox": True},
    "Telemedicine": {"type": "checkbox", "checkbox": False},
    "Technologies": {"type": "multi_select", "multi_select": [{"name": "Patient Portal"}]},
    "Decision Maker": _text("Dr. Ana Ruiz"),
    "Decision Maker Title": _text("Owner"),
    "Decision Maker LinkedIn": {"type": "url", "url": None},
}


def test_list_fields_split_on_semicolons_and_new_lines() -> None:
    parsed = read_page(_page({**ENRICHED_PROPS, "Enrichment Status": _select("Completed")}), PropertyMapping())
    enrichment = parsed.record["enrichment_data"]
    assert enrichment["phone_numbers"] == ["(512) 555-0100", "(512) 555-0101", "(512) 555-0102", "(512) 555-0103"]
    assert enrichment["email_addresses"] == ["a@x.example", "b@x.example"]
    assert enrichment["technologies"] == ["Patient Portal"]
    assert enrichment["vet_count"] == 6
    assert enrichment["emr_system"] == "Cornerstone"
    assert enrichment["has_online_booking"] is True and enrichment["has_telemedicine"] is False
    assert enrichment["decision_maker"] == {"name": "Dr. Ana Ruiz", "title": "Owner"}
    assert parsed.record["enrichment_confidence"] == "high"
    assert parsed.record["google_maps_data"] == {"name": "Happy Paws", "rating": 4.6, "reviews_count": 88}


@pytest.mark.parametrize(
    ("status", "enriched"),
    [
        ("Completed", True),
        ("Partial", True),
        ("completed", True),
        (" Partial ", True),
        ("Failed", False),
        ("Not Started", False),
        (None, False),
    ],
)
def test_enrichment_data_only_when_completed_or_partial(status: str | None, enriched: bool) -> None:
    parsed = read_page(_page({**ENRICHED_PROPS, "Enrichment Status": _select(status)}), PropertyMapping())
    assert ("enrichment_data" in parsed.record) is enriched
    if status is not None:
        assert parsed.record["enrichment_status"] == status
    else:
        assert "enrichment_status" not in parsed.record


def test_read_page_sales_and_score_fields(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page(
        {
            "Name": "Oak Valley Vet",
            "Initial Score": 42,
            "Status": "Contacted",
            "Assigned To": ["Priya Shah"],
            "Call Notes": "Call back Tuesday",
            "Last Contact": "2026-02-03",
            "Tags": ["Priority", "Referral"],
            "Lead Score": 88,
            "Priority Tier": "Hot",
            "Confidence Flags": ["Missing Decision Maker"],
            "Scoring Status": "Scored",
            "Score Breakdown": '{"total_score": 88}',
        }
    )
    parsed = read_page(notion_fake.page(pid), PropertyMapping())
    assert parsed.sales == {
        "initial_score": 42,
        "status": "Contacted",
        "assigned_to": "Priya Shah",
        "call_notes": "Call back Tuesday",
        "last_contact": "2026-02-03",
        "tags": ["Priority", "Referral"],
    }
    assert parsed.scores == {
        "lead_score": 88,
        "priority_tier": "Hot",
        "score_breakdown": '{"total_score": 88}',
        "confidence_flags": ["Missing Decision Maker"],
        "scoring_status": "Scored",
    }
    row = parsed.store_row()
    assert row["source"] == "notion" and row["tags"] == ["Priority", "Referral"]
    assert row["notion_scores"] == parsed.scores


def test_read_page_of_a_page_missing_mapped_properties() -> None:
    parsed = read_page(_page({"Name": {"type": "title", "title": _rt("Bare")}}), PropertyMapping())
    assert parsed.record == {"practice_id": _page({})["id"], "google_maps_data": {"name": "Bare"}}
    assert parsed.name == "Bare"


# ---- the property mapping file ----------------------------------------------------------------------


def test_mapping_file_with_real_feat002_names(tmp_path: Path) -> None:
    path = tmp_path / "mapping.toml"
    path.write_text(CUSTOM_MAPPING, encoding="utf-8")
    mapping = PropertyMapping.load(path)
    assert mapping.fields["vet_count"] == "Vet Count (Total)"
    assert mapping.fields["decision_maker_name"] == "Decision Maker Name"
    assert mapping.fields["has_telemedicine"] == "Telemedicine / Virtual Care"
    assert mapping.fields["name"] == "Name"  # the rest keep their defaults
    assert mapping.sales["assigned_to"] == "Owner"
    assert mapping.scores == DEFAULT_SCORES
    assert mapping.source == str(path)


def test_mapping_file_from_env_and_default_location(tmp_path: Path) -> None:
    path = tmp_path / "elsewhere.toml"
    path.write_text(CUSTOM_MAPPING, encoding="utf-8")
    assert PropertyMapping.load(env={"LEADSCORE_NOTION_MAPPING": str(path)}).fields["vet_count"] == "Vet Count (Total)"
    assert PropertyMapping.load(env={}).source == "built-in defaults"  # cwd is an empty temp dir
    Path("notion-mapping.toml").write_text('[scores]\nlead_score = "ICP Score"\n', encoding="utf-8")
    loaded = PropertyMapping.load(env={})
    assert loaded.scores["lead_score"] == "ICP Score"
    assert loaded.source == "notion-mapping.toml"


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ('[fields]\nvet_cnt = "Vets"\n', "vet_cnt"),
        ('[feilds]\nvet_count = "Vets"\n', "[feilds]"),
        ("[fields]\nvet_count = 3\n", "vet_count"),
        ('[fields]\nvet_count = "  "\n', "vet_count"),
        ('fields = "Vets"\n', "[fields]"),
        ("[fields\nvet_count = 1", "TOML"),
    ],
)
def test_bad_mapping_files_name_the_file_and_the_problem(tmp_path: Path, text: str, needle: str) -> None:
    path = tmp_path / "bad-mapping.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(NotionError) as info:
        PropertyMapping.load(path)
    assert str(path) in str(info.value)
    assert needle in str(info.value)


def test_missing_mapping_file_is_a_notion_error(tmp_path: Path) -> None:
    with pytest.raises(NotionError, match=r"nope\.toml"):
        PropertyMapping.load(tmp_path / "nope.toml")


def test_custom_mapping_reads_a_database_with_other_names(notion_fake: FakeNotion, tmp_path: Path) -> None:
    renamed = {
        "Vet Count": "Vet Count (Total)",
        "Decision Maker": "Decision Maker Name",
        "Telemedicine": "Telemedicine / Virtual Care",
        "Assigned To": "Owner",
    }
    notion_fake.set_schema(
        schema_spec(notion_fake, {new: LEADSCORE_SCHEMA[old] for old, new in renamed.items()}, drop=tuple(renamed))
    )
    pid = notion_fake.add_page(
        {
            "Name": "Custom Vet",
            "Enrichment Status": "Completed",
            "Vet Count (Total)": 6,
            "Decision Maker Name": "Dr. Kim",
            "Telemedicine / Virtual Care": True,
            "Owner": ["Tom Becker"],
        }
    )
    path = tmp_path / "mapping.toml"
    path.write_text(CUSTOM_MAPPING, encoding="utf-8")
    mapping = PropertyMapping.load(path)
    parsed = read_page(notion_fake.page(pid), mapping)
    enrichment = parsed.record["enrichment_data"]
    assert enrichment["vet_count"] == 6
    assert enrichment["has_telemedicine"] is True
    assert enrichment["decision_maker"] == {"name": "Dr. Kim"}
    assert parsed.sales["assigned_to"] == "Tom Becker"
    report = schema_report(notion_fake.data_source(), mapping)
    assert report["missing"] == [] and report["missing_scores"] == [] and report["wrong_type"] == []
    assert "vet_count → 'Vet Count (Total)' (number)" in report["found"]


def test_schema_report_flags_wrong_score_types(notion_fake: FakeNotion) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Lead Score": "rich_text"}))
    report = schema_report(notion_fake.data_source(), PropertyMapping())
    assert report["wrong_type"] == ["'Lead Score' is rich_text, expected number"]


# ---- comparing and writing score values -------------------------------------------------------------


def test_changed_values_reports_only_differing_fields() -> None:
    new = {
        "lead_score": 88,
        "priority_tier": "Hot",
        "score_breakdown": "{}",
        "confidence_flags": [],
        "scoring_status": "Scored",
    }
    same = {**new, "lead_score": 88.0, "confidence_flags": None}
    assert changed_values(new, same) == {}
    assert changed_values(new, {**same, "priority_tier": "Warm"}) == {"priority_tier": "Hot"}
    assert changed_values({**new, "confidence_flags": ["Partial Enrichment"]}, same) == {
        "confidence_flags": ["Partial Enrichment"]
    }
    assert changed_values(new, {**same, "lead_score": 88.5}) == {"lead_score": 88}
    assert changed_values(new, None) == {k: v for k, v in new.items() if k != "confidence_flags"}
    assert changed_values({**new, "lead_score": None}, {**same, "lead_score": None}) == {}


def test_score_values_of_an_output() -> None:
    out = output_for(full_record("p"))
    values = score_values(out)
    assert set(values) == set(DEFAULT_SCORES)
    assert values["lead_score"] == out["lead_score"] and values["confidence_flags"] == out["confidence_flags"]


def test_score_properties_payload_shapes() -> None:
    payload = score_properties(
        {
            "lead_score": 88,
            "priority_tier": "Hot",
            "score_breakdown": '{"total_score": 88}',
            "confidence_flags": ["Missing Decision Maker", "Partial Enrichment"],
            "scoring_status": "Scored",
        },
        PropertyMapping(),
    )
    assert payload == {
        "Lead Score": {"number": 88},
        "Priority Tier": {"select": {"name": "Hot"}},
        "Score Breakdown": {"rich_text": [{"type": "text", "text": {"content": '{"total_score": 88}'}}]},
        "Confidence Flags": {"multi_select": [{"name": "Missing Decision Maker"}, {"name": "Partial Enrichment"}]},
        "Scoring Status": {"select": {"name": "Scored"}},
    }
    failed = score_properties(
        {"lead_score": None, "priority_tier": None, "confidence_flags": [], "scoring_status": "Failed"},
        PropertyMapping(),
    )
    assert failed == {
        "Lead Score": {"number": None},
        "Priority Tier": {"select": None},
        "Confidence Flags": {"multi_select": []},
        "Scoring Status": {"select": {"name": "Failed"}},
    }
    assert score_properties({"score_breakdown": None}, PropertyMapping()) == {"Score Breakdown": {"rich_text": []}}
    custom = PropertyMapping(scores={**DEFAULT_SCORES, "lead_score": "ICP Score"})
    assert score_properties({"lead_score": 5}, custom) == {"ICP Score": {"number": 5}}


def test_score_payloads_are_accepted_by_notion(notion_fake: FakeNotion) -> None:
    """Every payload shape (scored and failed) goes through the fake's validation."""
    pid = notion_fake.add_page({"Name": "Shapes"})
    gateway = fast_gateway(notion_fake)
    scored = score_values(output_for(full_record(pid, enrichment_confidence="low")))
    gateway.update_page(pid, score_properties(scored, PropertyMapping()))
    plain = notion_fake.plain(pid)
    assert plain["Lead Score"] == scored["lead_score"]
    assert plain["Confidence Flags"] == scored["confidence_flags"] != []
    assert plain["Score Breakdown"] == scored["score_breakdown"]
    failed = score_values(output_for({"practice_id": pid}))
    gateway.update_page(pid, score_properties(failed, PropertyMapping()))
    plain = notion_fake.plain(pid)
    assert (plain["Lead Score"], plain["Priority Tier"], plain["Confidence Flags"]) == (None, None, [])
    assert plain["Scoring Status"] == "Failed"


# ---- settings ---------------------------------------------------------------------------------------

TOKEN = "ntn_4178329876fakeTOKENvalue0123456789abcdefABCDEF"


DB_1 = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
DB_2, DB_3, DB_4 = (f"{n}f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0" for n in (2, 3, 4))


def test_settings_from_env(tmp_path: Path) -> None:
    settings = NotionSettings.load(
        env={"NOTION_API_KEY": f" {TOKEN} ", "NOTION_DATABASE_ID": DB_1, "NOTION_BASE_URL": "http://127.0.0.1:9/"},
        secrets_path=tmp_path / "none.toml",
    )
    assert settings == NotionSettings(TOKEN, DB_1, "http://127.0.0.1:9")
    assert settings.configured and settings.problem is None


def test_settings_default_base_url_and_not_configured(tmp_path: Path) -> None:
    settings = NotionSettings.load(env={"NOTION_API_KEY": TOKEN}, secrets_path=tmp_path / "none.toml")
    assert settings.base_url == "https://api.notion.com"
    assert not settings.configured
    text = settings.describe()
    assert "NOTION_DATABASE_ID" in text and "NOTION_API_KEY" not in text and TOKEN not in text
    assert "NOTION_API_KEY" in NotionSettings.load(env={}, secrets_path=tmp_path / "none.toml").describe()


def test_settings_from_secrets_top_level_keys(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(f'NOTION_API_KEY = "{TOKEN}"\nNOTION_DATABASE_ID = "{DB_2}"\n', encoding="utf-8")
    settings = NotionSettings.load(env={}, secrets_path=path)
    assert (settings.api_key, settings.database_id, settings.base_url) == (TOKEN, DB_2, "https://api.notion.com")


def test_settings_from_secrets_notion_table(tmp_path: Path) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text(
        f'[notion]\napi_key = "{TOKEN}"\ndatabase_id = "{DB_3}"\nbase_url = "http://localhost:1234"\n', encoding="utf-8"
    )
    settings = NotionSettings.load(env={}, secrets_path=path)
    assert (settings.api_key, settings.database_id, settings.base_url) == (TOKEN, DB_3, "http://localhost:1234")
    # The environment wins over the file.
    assert NotionSettings.load(env={"NOTION_DATABASE_ID": DB_1}, secrets_path=path).database_id == DB_1


def test_settings_default_secrets_file_is_read_from_the_working_directory() -> None:
    Path(".streamlit").mkdir()
    Path(".streamlit/secrets.toml").write_text(f'[notion]\napi_key = "{TOKEN}"\ndatabase_id = "{DB_4}"\n')
    assert NotionSettings.load(env={}).database_id == DB_4


def test_unreadable_secrets_file_is_ignored(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "secrets.toml"
    path.write_text("[notion\napi_key = ", encoding="utf-8")
    with caplog.at_level(logging.WARNING, logger="leadscore.notion"):
        settings = NotionSettings.load(env={}, secrets_path=path)
    assert not settings.configured
    assert str(path) in caplog.text


def test_describe_never_contains_the_token() -> None:
    settings = NotionSettings(TOKEN, "db-5", "http://127.0.0.1:1")
    text = settings.describe()
    assert TOKEN not in text
    assert TOKEN[:-4] not in text
    assert "db-5" in text and "http://127.0.0.1:1" in text
    assert TOKEN not in repr(NotionSettings.load(env={}, secrets_path=Path("none.toml")))


def test_gateway_refuses_unconfigured_settings() -> None:
    with pytest.raises(NotionError, match="NOTION_API_KEY"):
        NotionGateway(NotionSettings(None, "db", "http://127.0.0.1:1"))


# ---- throttle ---------------------------------------------------------------------------------------


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0
        self.stamps: list[float] = []

    def clock(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        assert seconds >= 0
        self.now += seconds


@pytest.mark.parametrize(("rate", "burst"), [(3.0, 1.0), (2.9, 1.0), (3.0, 3.0), (10.0, 2.0)])
def test_throttle_keeps_the_rate(rate: float, burst: float) -> None:
    t = FakeTime()
    throttle = Throttle(rate, burst, clock=t.clock, sleep=t.sleep)
    n = 60
    for _ in range(n):
        throttle.wait()
        t.stamps.append(t.now)
    elapsed = t.stamps[-1] - t.stamps[0]
    assert elapsed == pytest.approx((n - burst) / rate, rel=1e-6)
    # In any one-second window there are never more than rate + burst requests.
    for i, start in enumerate(t.stamps):
        assert sum(1 for s in t.stamps[i:] if s < start + 1.0) <= rate + burst


def test_throttle_refills_while_idle_but_only_up_to_the_burst() -> None:
    t = FakeTime()
    throttle = Throttle(3.0, 3.0, clock=t.clock, sleep=t.sleep)
    for _ in range(3):
        throttle.wait()
    assert t.now == 100.0  # the burst goes at once
    t.now += 60  # a long pause refills at most `burst` tokens
    start = t.now
    for _ in range(6):
        throttle.wait()
    assert t.now - start == pytest.approx(3 / 3.0)


# ---- transient errors, provoked against the fake ----------------------------------------------------


def _provoke(srv: FakeNotion, fault: str | None = None, **client_options: Any) -> BaseException:
    pid = srv.add_page({"Name": "Target"})
    client = srv.client(retry=False, timeout_ms=300, **client_options)
    if fault:
        srv.faults.queue(fault)
    try:
        client.pages.update(page_id=pid, properties={"Lead Score": {"number": 1}})
    except Exception as exc:
        return exc
    finally:
        client.close()
    raise AssertionError(f"{fault} did not raise")


@pytest.mark.parametrize(
    ("fault", "kind", "status"),
    [
        ("500", APIResponseError, 500),
        ("502", UnknownHTTPResponseError, 502),
        ("503", APIResponseError, 503),
        ("504", APIResponseError, 504),
        ("409", APIResponseError, 409),
        ("429", APIResponseError, 429),
        ("slow", RequestTimeoutError, None),
        ("drop", httpx.TransportError, None),
    ],
)
def test_is_transient_for_every_fault(
    notion_fake_factory: Any, fault: str, kind: type[BaseException], status: int | None
) -> None:
    srv = notion_fake_factory(slow_seconds=1.0)
    exc = _provoke(srv, fault)
    assert isinstance(exc, kind)
    if status is not None:
        assert isinstance(exc, HTTPResponseError) and exc.status == status
    assert is_transient(exc)
    text = describe_error(exc)
    assert text and "Traceback" not in text
    if isinstance(exc, APIResponseError):
        assert str(status) in text


def test_is_transient_false_for_requests_notion_refuses(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Target"})
    client = notion_fake.client(retry=False)
    refused = []
    for props in ({"Nope": {"number": 1}}, {"Lead Score": {"rich_text": []}}):
        with pytest.raises(APIResponseError) as info:
            client.pages.update(page_id=pid, properties=props)
        refused.append(info.value)
    with pytest.raises(APIResponseError) as info:
        client.pages.retrieve(page_id="00000000-0000-4000-8000-000000000000")
    refused.append(info.value)
    bad_token = notion_fake.client(retry=False, auth="secret_wrong")
    with pytest.raises(APIResponseError) as info:
        bad_token.pages.retrieve(page_id=pid)
    refused.append(info.value)
    assert [e.status for e in refused] == [400, 400, 404, 401]
    assert not any(is_transient(e) for e in refused)
    assert "Lead Score is expected to be number" in describe_error(refused[1])
    client.close()
    bad_token.close()


def test_is_transient_for_a_refused_connection(notion_fake_factory: Any) -> None:
    srv = notion_fake_factory()
    base_url = srv.base_url
    srv.stop()
    client = Client(
        auth="secret_test", base_url=base_url, retry=False, timeout_ms=1000, logger=logging.getLogger("quiet")
    )
    with pytest.raises(httpx.TransportError) as info:
        client.users.me()
    assert is_transient(info.value)
    assert "unreachable" in describe_error(info.value)


def test_non_json_client_errors_are_not_retried() -> None:
    """An HTML 404/400 (a wrong NOTION_BASE_URL, a proxy page) will not get better by retrying."""
    for status in (400, 401, 404):
        exc = UnknownHTTPResponseError(status=status, raw_body_text="<html>Not Found</html>")
        assert not is_transient(exc), status
    assert is_transient(UnknownHTTPResponseError(status=502, raw_body_text="<html>Bad Gateway</html>"))


# ---- the gateway's retries --------------------------------------------------------------------------


def test_gateway_retries_every_transient_fault_and_applies_once(notion_fake_factory: Any) -> None:
    srv = notion_fake_factory(slow_seconds=1.0)
    pid = srv.add_page({"Name": "Retry Me", "Call Notes": "keep"})
    gateway = fast_gateway(srv, timeout_s=0.3, max_attempts=10)
    faults = ("500", "502", "503", "504", "409", "429", "drop", "slow", "drop_after_apply")
    srv.faults.queue(*faults, methods=["PATCH"])
    gateway.update_page(pid, {"Lead Score": {"number": 77}})
    assert gateway.retries == len(faults) - 1  # a 429 is waited out, not counted as a failed attempt
    assert gateway.rate_limited == 1
    assert srv.plain(pid)["Lead Score"] == 77
    assert srv.plain(pid)["Call Notes"] == "keep"
    assert srv.count("PATCH") == len(faults) + 1


def test_gateway_gives_up_after_max_attempts(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Never"})
    gateway = fast_gateway(notion_fake, max_attempts=3)
    notion_fake.faults.queue("503", "503", "503", "503")
    with pytest.raises(APIResponseError) as info:
        gateway.update_page(pid, {"Lead Score": {"number": 1}})
    assert info.value.status == 503
    assert notion_fake.count("PATCH") == 3


def test_gateway_does_not_retry_what_notion_refuses(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Refused"})
    gateway = fast_gateway(notion_fake)
    with pytest.raises(APIResponseError):
        gateway.update_page(pid, {"Nope": {"number": 1}})
    assert notion_fake.count("PATCH") == 1 and gateway.retries == 0


def test_gateway_pages_paginates_and_filters_by_edit_time(notion_fake: FakeNotion) -> None:
    from datetime import timedelta

    now = notion_fake.clock()
    old = [notion_fake.add_page({"Name": f"Old {i}"}, last_edited_time=now - timedelta(days=3)) for i in range(150)]
    new = [notion_fake.add_page({"Name": f"New {i}"}, last_edited_time=now) for i in range(5)]
    gateway = fast_gateway(notion_fake)
    everything = [p["id"] for p in gateway.pages()]
    assert sorted(everything) == sorted(old + new) and len(everything) == 155
    assert notion_fake.count("POST", "/v1/data_sources") == 2  # two result pages of ≤ 100
    since = (now - timedelta(days=1)).isoformat().replace("+00:00", "Z")
    assert sorted(p["id"] for p in gateway.pages(edited_since=since)) == sorted(new)
    query_bodies = [r.body for r in notion_fake.requests if r.method == "POST"]
    assert all("filter" not in b for b in query_bodies[:2])  # never "filter": null
    assert query_bodies[-1]["filter"]["timestamp"] == "last_edited_time"
    assert gateway.page("00000000-0000-4000-8000-000000000000") is None
    assert settings_for(notion_fake).configured
