"""The fake Notion server, driven over HTTP by the real notion-client 3.1.

These tests pin what the fake promises (see ``server.py``) and check it against the real Notion
recordings in ``tests/fixtures/notion-recordings`` so it stays faithful.
"""

from __future__ import annotations

import json
import logging
import re
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable
from contextlib import suppress
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from notion_client import APIResponseError, Client
from notion_client.client import RetryOptions
from notion_client.errors import HTTPResponseError, RequestTimeoutError, UnknownHTTPResponseError
from notion_client.helpers import collect_paginated_api

from .model import NotionError
from .seed import EMR_SYSTEMS, ENRICHMENT_STATUSES, seed_practices
from .server import ARCHIVED_MESSAGE, FakeNotion

REPO = Path(__file__).resolve().parents[2]
RECORDINGS = REPO / "tests" / "fixtures" / "notion-recordings"
FAST_RETRY = RetryOptions(max_retries=2, initial_retry_delay_ms=10, max_retry_delay_ms=5000)
MINUTE_STAMP = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:00\.000Z$")
T0 = datetime(2026, 7, 4, 9, 0, 30, tzinfo=UTC)
QUIET = logging.getLogger("tests.notion_fake.client")

Factory = Callable[..., FakeNotion]


def api_error(call: Callable[..., Any], *args: Any, **kwargs: Any) -> APIResponseError:
    with pytest.raises(APIResponseError) as info:
        call(*args, **kwargs)
    return info.value


def query_ids(client: Client, srv: FakeNotion, **body: Any) -> list[str]:
    return [
        p["id"]
        for p in collect_paginated_api(client.data_sources.query, data_source_id=srv.data_source_id, **body)
    ]


def raw_get(srv: FakeNotion, path: str, **headers: str) -> httpx.Response:
    base = {"Authorization": f"Bearer {srv.token}", "Notion-Version": "2025-09-03"}
    return httpx.get(f"{srv.base_url}{path}", headers={**base, **headers})


@pytest.fixture
def frozen(notion_fake: FakeNotion) -> FakeNotion:
    notion_fake.clock.freeze(T0)
    return notion_fake


# ------------------------------------------------------------------------------ objects and schema


def test_database_lists_its_data_source(notion_fake: FakeNotion, notion_client: Client) -> None:
    db = notion_client.databases.retrieve(database_id=notion_fake.database_id)
    assert db["object"] == "database"
    assert db["data_sources"] == [{"id": notion_fake.data_source_id, "name": "Vet Practices"}]
    undashed = notion_client.databases.retrieve(database_id=notion_fake.database_id.replace("-", ""))
    assert undashed["id"] == notion_fake.database_id


def test_data_source_schema_has_typed_properties(notion_fake: FakeNotion, notion_client: Client) -> None:
    ds = notion_client.data_sources.retrieve(data_source_id=notion_fake.data_source_id)
    props = ds["properties"]
    assert props["Name"] == {"id": "title", "name": "Name", "description": None, "type": "title", "title": {}}
    for name, prop in props.items():
        assert set(prop) == {"id", "name", "description", "type", prop["type"]}
        assert prop["name"] == name
    assert [o["name"] for o in props["Enrichment Status"]["select"]["options"]] == list(ENRICHMENT_STATUSES)
    assert set(props["Enrichment Status"]["select"]["options"][0]) == {"id", "name", "color", "description"}
    assert props["Vet Count"]["number"] == {"format": "number"}
    assert [g["name"] for g in props["Status"]["status"]["groups"]] == ["To-do", "In progress", "Complete"]
    assert props["Assigned To"]["type"] == "people"


def test_users_me_is_the_bot(notion_fake: FakeNotion, notion_client: Client) -> None:
    me = notion_client.users.me()
    assert me["type"] == "bot" and me["id"] == notion_fake.bot_id
    people = [u for u in notion_client.users.list()["results"] if u["type"] == "person"]
    assert len(people) == 4


# ------------------------------------------------------------------------------ query


def test_pagination_over_250_pages(notion_fake: FakeNotion, notion_client: Client) -> None:
    ids = [notion_fake.add_page({"Name": f"Practice {i:03d}"}) for i in range(250)]
    pages, sizes, more, cursor = [], [], [], None
    while True:
        kwargs = {"start_cursor": cursor} if cursor else {}
        answer = notion_client.data_sources.query(
            data_source_id=notion_fake.data_source_id, page_size=100, **kwargs
        )
        pages += answer["results"]
        sizes.append(len(answer["results"]))
        more.append(answer["has_more"])
        cursor = answer["next_cursor"]
        if not answer["has_more"]:
            break
    assert sizes == [100, 100, 50] and more == [True, True, False] and cursor is None
    assert [p["id"] for p in pages] == ids  # creation order without sorts
    assert query_ids(notion_client, notion_fake) == ids  # default page_size is 100
    assert notion_fake.count("POST", "/v1/data_sources/") == 6


def test_page_size_and_cursor_are_validated(notion_fake: FakeNotion, notion_client: Client) -> None:
    query = notion_client.data_sources.query
    for size, text in ((101, "≤ `100`, instead was `101`"), (0, "≥ `1`")):
        error = api_error(query, data_source_id=notion_fake.data_source_id, page_size=size)
        assert error.code == "validation_error" and text in str(error)
    error = api_error(query, data_source_id=notion_fake.data_source_id, start_cursor="nonsense")
    assert error.code == "validation_error" and "start_cursor" in str(error)


def test_pagination_survives_edits_between_pages(notion_fake: FakeNotion, notion_client: Client) -> None:
    ids = [notion_fake.add_page({"Name": f"P{i}"}) for i in range(250)]
    first = notion_client.data_sources.query(data_source_id=notion_fake.data_source_id)
    notion_fake.trash_page(ids[150])  # an unseen page disappears
    notion_fake.trash_page(ids[100])  # the cursor's own page disappears
    notion_fake.edit_upstream(ids[200], {"Vet Count": 3})
    rest = query_ids(notion_client, notion_fake, start_cursor=first["next_cursor"])
    seen = [p["id"] for p in first["results"]] + rest
    assert len(seen) == len(set(seen)) == 248


def test_last_edited_time_filters(frozen: FakeNotion, notion_client: Client) -> None:
    ids = [frozen.add_page({"Name": f"P{i}", "Enrichment Status": "Completed"}) for i in range(5)]
    frozen.clock.advance(minutes=10)
    frozen.edit_upstream(ids[1], {"Vet Count": 2})
    frozen.edit_upstream(ids[3], {"Vet Count": 4})

    def since(cond: dict[str, str]) -> set[str]:
        flt = {"timestamp": "last_edited_time", "last_edited_time": cond}
        return set(query_ids(notion_client, frozen, filter=flt))

    edited, untouched = {ids[1], ids[3]}, {ids[0], ids[2], ids[4]}
    assert since({"on_or_after": "2026-07-04T09:10:00.000Z"}) == edited
    assert since({"after": "2026-07-04T09:00:00.000Z"}) == edited  # 09:00:30 shows (and compares) as 09:00
    assert since({"before": "2026-07-04T09:10:00Z"}) == untouched
    assert since({"on_or_before": "2026-07-04T09:00:00+00:00"}) == untouched
    assert since({"on_or_after": "2026-07-04"}) == set(ids)  # a date means the whole UTC day
    assert since({"after": "2026-07-04"}) == set()
    assert since({"equals": "2026-07-04T09:10:00.000Z"}) == edited


def test_compound_filters_and_sorts(frozen: FakeNotion, notion_client: Client) -> None:
    ids = [frozen.add_page({"Name": f"P{i}", "Vet Count": i}) for i in range(5)]
    frozen.clock.advance(minutes=3)
    frozen.edit_upstream(ids[0], {"Enrichment Status": "Partial"})
    frozen.clock.advance(minutes=3)
    frozen.edit_upstream(ids[4], {"Enrichment Status": "Completed"})
    recent = {"timestamp": "last_edited_time", "last_edited_time": {"on_or_after": "2026-07-04T09:03:00Z"}}
    both = {"and": [recent, {"property": "Enrichment Status", "select": {"equals": "Completed"}}]}
    assert query_ids(notion_client, frozen, filter=both) == [ids[4]]
    either = {
        "or": [
            {"property": "Vet Count", "number": {"greater_than_or_equal_to": 3}},
            {"property": "Name", "title": {"equals": "P1"}},
        ]
    }
    assert query_ids(notion_client, frozen, filter=either) == [ids[1], ids[3], ids[4]]
    newest = [{"timestamp": "last_edited_time", "direction": "descending"}]
    assert query_ids(notion_client, frozen, sorts=newest)[:2] == [ids[4], ids[0]]
    by_count = [{"property": "Vet Count", "direction": "descending"}]
    assert query_ids(notion_client, frozen, sorts=by_count) == ids[::-1]
    empty = {"property": "Enrichment Status", "select": {"is_empty": True}}
    assert query_ids(notion_client, frozen, filter=empty) == ids[1:4]


@pytest.mark.parametrize(
    ("body", "needle"),
    [
        ({"filter": None}, "body.filter should be an object or `undefined`, instead was `null`"),
        ({"sorts": None}, "body.sorts"),
        (
            {"filter": {"property": "Nope", "number": {"equals": 1}}},
            "Could not find property with name or id: Nope",
        ),
        ({"filter": {"property": "Vet Count", "number": {"fuzzy": 1}}}, "fuzzy"),
        ({"filter": {"property": "Vet Count", "select": {"equals": "x"}}}, "Vet Count"),
        ({"filter": {"timestamp": "last_edited_time", "last_edited_time": {"past_week": {}}}}, "past_week"),
        (
            {"filter": {"timestamp": "last_edited_time", "last_edited_time": {"after": "yesterday"}}},
            "ISO 8601",
        ),
        ({"filter": {"nor": []}}, "body.filter"),
        ({"sorts": [{"property": "Nope"}]}, "Nope"),
        ({"filter_x": 1}, "body.filter_x should be not present"),
    ],
)
def test_unsupported_queries_answer_400(
    notion_fake: FakeNotion, notion_client: Client, body: dict, needle: str
) -> None:
    if "filter_x" in body:  # data_sources.query() drops unknown keywords: send the body as it is
        path = f"data_sources/{notion_fake.data_source_id}/query"
        error = api_error(notion_client.request, path=path, method="POST", body=body)
    else:
        error = api_error(notion_client.data_sources.query, data_source_id=notion_fake.data_source_id, **body)
    assert error.status == 400 and error.code == "validation_error" and needle in str(error)


def test_filter_properties_limits_returned_properties(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A", "Vet Count": 2})
    vet_id = notion_fake.page(pid)["properties"]["Vet Count"]["id"]
    page = notion_client.pages.retrieve(page_id=pid, filter_properties=["title", vet_id])
    assert set(page["properties"]) == {"Name", "Vet Count"}
    rows = notion_client.data_sources.query(
        data_source_id=notion_fake.data_source_id, filter_properties=[vet_id]
    )
    assert set(rows["results"][0]["properties"]) == {"Vet Count"}


# ------------------------------------------------------------------------------ page updates

WRITE_BACK = {
    "Lead Score": {"number": 88},
    "Priority Tier": {"select": {"name": "Hot"}},
    "Score Breakdown": {
        "rich_text": [{"type": "text", "text": {"content": json.dumps({"total_score": 88})}}]
    },
    "Confidence Flags": {"multi_select": [{"name": "Missing Decision Maker"}]},
    "Scoring Status": {"select": {"name": "Scored"}},
}


def test_update_changes_only_the_named_properties(frozen: FakeNotion, notion_client: Client) -> None:
    pid = seed_practices(frozen, 3, seed=1)[0]
    before = notion_client.pages.retrieve(page_id=pid)
    frozen.clock.advance(minutes=2)
    after = notion_client.pages.update(page_id=pid, properties=WRITE_BACK)
    assert after == {**notion_client.pages.retrieve(page_id=pid), "request_id": after["request_id"]}
    for name, value in before["properties"].items():
        if name not in WRITE_BACK:
            assert json.dumps(after["properties"][name]) == json.dumps(value), name
    assert frozen.plain(pid)["Lead Score"] == 88 and frozen.plain(pid)["Priority Tier"] == "Hot"
    assert frozen.plain(pid)["Confidence Flags"] == ["Missing Decision Maker"]
    assert after["created_time"] == before["created_time"]
    assert after["last_edited_time"] == "2026-07-04T09:02:00.000Z" != before["last_edited_time"]
    assert after["last_edited_by"]["id"] == frozen.bot_id


INVALID_WRITES = [
    ("unknown property", {"Lead Scroe": {"number": 1}}, "Lead Scroe is not a property that exists."),
    ("type mismatch", {"Lead Score": {"rich_text": []}}, "Lead Score is expected to be number."),
    ("wrong value", {"Lead Score": {"number": "88"}}, "body.properties.Lead Score.number should be a number"),
    (
        "text > 2000",
        {"Score Breakdown": {"rich_text": [{"text": {"content": "x" * 2001}}]}},
        "body failed validation: body.properties.Score Breakdown.rich_text[0].text.content.length "
        "should be ≤ `2000`, instead was `2001`.",
    ),
    (
        "emoji count twice",
        {"Score Breakdown": {"rich_text": [{"text": {"content": "🐾" * 1001}}]}},
        "Score Breakdown.rich_text[0].text.content.length should be ≤ `2000`, instead was `2002`.",
    ),
    (
        "> 100 items",
        {"Score Breakdown": {"rich_text": [{"text": {"content": "a"}}] * 101}},
        "body.properties.Score Breakdown.rich_text.length should be ≤ `100`, instead was `101`.",
    ),
    ("select comma", {"Priority Tier": {"select": {"name": "Hot, really"}}}, "Priority Tier"),
    ("multi_select comma", {"Confidence Flags": {"multi_select": [{"name": "a,b"}]}}, "Confidence Flags"),
    ("unknown status", {"Status": {"status": {"name": "Nope"}}}, "Status"),
    ("checkbox", {"Online Booking": {"checkbox": "yes"}}, "Online Booking"),
    ("not an object", {"Lead Score": 5}, "body.properties.Lead Score should be an object"),
]


@pytest.mark.parametrize(
    ("case", "properties", "message"), INVALID_WRITES, ids=[c[0] for c in INVALID_WRITES]
)
def test_invalid_writes_answer_400_and_change_nothing(
    notion_fake: FakeNotion, notion_client: Client, case: str, properties: dict, message: str
) -> None:
    pid = notion_fake.add_page({"Name": "Happy Paws", "Lead Score": 10})
    before, tiers = notion_fake.page(pid), notion_fake.options("Priority Tier")
    valid_part = {"Priority Tier": {"select": {"name": "Brand New Tier"}}} if case != "select comma" else {}
    error = api_error(notion_client.pages.update, page_id=pid, properties={**valid_part, **properties})
    assert (error.status, error.code) == (400, "validation_error")
    assert message in str(error)
    assert notion_fake.page(pid) == before and notion_fake.options("Priority Tier") == tiers


def test_rich_text_of_exactly_2000_units_is_accepted(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A"})
    items = [{"text": {"content": "x" * 2000}}] * 100
    notion_client.pages.update(page_id=pid, properties={"Score Breakdown": {"rich_text": items}})
    assert len(notion_fake.plain(pid)["Score Breakdown"]) == 200_000


def test_select_and_clearing_semantics(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page(
        {
            "Name": "A",
            "Lead Score": 50,
            "Priority Tier": "Warm",
            "Tags": ["Priority"],
            "Score Breakdown": "{}",
        }
    )
    notion_client.pages.update(
        page_id=pid,
        properties={
            "Priority Tier": {"select": {"name": "Lukewarm"}},
            "Confidence Flags": {"multi_select": [{"name": "New Flag"}]},
        },
    )
    assert "Lukewarm" in notion_fake.options("Priority Tier") and "New Flag" in notion_fake.options(
        "Confidence Flags"
    )
    assert notion_fake.plain(pid)["Priority Tier"] == "Lukewarm"
    cleared = {
        "Lead Score": {"number": None},
        "Priority Tier": {"select": None},
        "Tags": {"multi_select": []},
        "Score Breakdown": {"rich_text": []},
    }
    notion_client.pages.update(page_id=pid, properties=cleared)
    plain = notion_fake.plain(pid)
    assert (plain["Lead Score"], plain["Priority Tier"], plain["Tags"], plain["Score Breakdown"]) == (
        None,
        None,
        [],
        "",
    )


def test_nan_never_reaches_the_server(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A"})
    with pytest.raises(ValueError, match="JSON compliant"):  # httpx encodes with allow_nan=False
        notion_client.pages.update(page_id=pid, properties={"Lead Score": {"number": float("nan")}})
    assert notion_fake.count("PATCH") == 0
    response = httpx.patch(
        f"{notion_fake.base_url}/v1/pages/{pid}",
        content=b'{"properties": NaN}',
        headers={"Authorization": f"Bearer {notion_fake.token}", "Notion-Version": "2025-09-03"},
    )
    assert response.status_code == 400 and response.json()["code"] == "invalid_json"


def test_concurrent_updates_are_all_applied(notion_fake: FakeNotion) -> None:
    ids = [notion_fake.add_page({"Name": f"P{i}"}) for i in range(8)]

    def work(pid: str) -> None:
        client = notion_fake.client()
        for score in range(5):
            client.pages.update(page_id=pid, properties={"Lead Score": {"number": score}})

    threads = [threading.Thread(target=work, args=(pid,)) for pid in ids]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=20)
    assert [notion_fake.plain(pid)["Lead Score"] for pid in ids] == [4] * 8
    assert notion_fake.count("PATCH", status=200) == 40


# ------------------------------------------------------------------------------ data source updates


def test_data_source_update_replaces_select_options(notion_fake: FakeNotion, notion_client: Client) -> None:
    keep = notion_fake.add_page(
        {"Name": "A", "Tags": ["Priority", "Referral"], "Enrichment Status": "Failed"}
    )
    other = notion_fake.add_page({"Name": "B", "Tags": ["Referral"], "Enrichment Status": "Completed"})
    priority_id = notion_fake.data_source()["properties"]["Tags"]["multi_select"]["options"][0]["id"]
    changes = {
        "Tags": {"multi_select": {"options": [{"name": "Priority"}, {"name": "VIP", "color": "red"}]}},
        "Enrichment Status": {
            "select": {"options": [{"name": n} for n in ("Completed", "Partial", "Not Started")]}
        },
    }
    ds = notion_client.data_sources.update(data_source_id=notion_fake.data_source_id, properties=changes)
    tags = ds["properties"]["Tags"]["multi_select"]["options"]
    assert [(o["name"], o["color"]) for o in tags][1] == ("VIP", "red") and tags[0]["id"] == priority_id
    assert notion_fake.plain(keep)["Tags"] == ["Priority"] and notion_fake.plain(other)["Tags"] == []
    assert notion_fake.plain(keep)["Enrichment Status"] is None
    assert notion_fake.plain(other)["Enrichment Status"] == "Completed"
    error = api_error(
        notion_client.data_sources.update,
        data_source_id=notion_fake.data_source_id,
        properties={"Tags": {"multi_select": {"options": [{"name": "a,b"}]}}},
    )
    assert error.code == "validation_error" and "commas" in str(error)


def test_data_source_update_adds_renames_and_removes(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A", "Call Notes": "call back", "Tags": ["Priority"]})
    changes = {"Follow-up": {"date": {}}, "Call Notes": {"name": "Notes"}, "Tags": None}
    ds = notion_client.data_sources.update(data_source_id=notion_fake.data_source_id, properties=changes)
    assert "Follow-up" in ds["properties"] and "Notes" in ds["properties"]
    assert "Tags" not in ds["properties"] and "Call Notes" not in ds["properties"]
    plain = notion_fake.plain(pid)
    assert plain["Notes"] == "call back" and plain["Follow-up"] is None and "Tags" not in plain
    error = api_error(notion_client.pages.update, page_id=pid, properties={"Tags": {"multi_select": []}})
    assert str(error) == "Tags is not a property that exists."
    notion_client.pages.update(page_id=pid, properties={"Follow-up": {"date": {"start": "2026-08-01"}}})
    assert notion_fake.plain(pid)["Follow-up"] == "2026-08-01"


def test_data_source_update_converts_changed_types(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A", "Vet Count": 4, "Tags": ["Priority", "Referral"]})
    changes = {"Vet Count": {"rich_text": {}}, "Tags": {"rich_text": {}}}
    ds = notion_client.data_sources.update(data_source_id=notion_fake.data_source_id, properties=changes)
    assert ds["properties"]["Vet Count"]["type"] == "rich_text"
    assert (notion_fake.plain(pid)["Vet Count"], notion_fake.plain(pid)["Tags"]) == (
        "4",
        "Priority, Referral",
    )
    error = api_error(
        notion_client.data_sources.update,
        data_source_id=notion_fake.data_source_id,
        properties={"Name": {"rich_text": {}}},
    )
    assert error.code == "validation_error" and "title" in str(error)


# ------------------------------------------------------------------------------ timestamps


def test_times_are_minute_rounded_and_bumped_by_writes(
    notion_fake: FakeNotion, notion_client: Client
) -> None:
    notion_fake.clock.freeze(datetime(2026, 7, 4, 9, 8, 37, 500000, tzinfo=UTC))
    pid = notion_fake.add_page({"Name": "A"})
    page = notion_client.pages.retrieve(page_id=pid)
    assert page["created_time"] == page["last_edited_time"] == "2026-07-04T09:08:00.000Z"
    notion_fake.clock.advance(15)  # 09:08:52: same minute, so the bump is invisible
    page = notion_client.pages.update(page_id=pid, properties={"Lead Score": {"number": 1}})
    assert (
        page["last_edited_time"] == "2026-07-04T09:08:00.000Z"
        and page["last_edited_by"]["id"] == notion_fake.bot_id
    )
    notion_fake.clock.advance(minutes=2)
    page = notion_client.pages.update(page_id=pid, properties={})
    assert page["last_edited_time"] == "2026-07-04T09:10:00.000Z"
    notion_fake.clock.advance(minutes=5)
    notion_fake.edit_upstream(pid, {"Enrichment Status": "Completed"})
    page = notion_fake.page(pid)
    assert (
        page["last_edited_time"] == "2026-07-04T09:15:00.000Z"
        and page["last_edited_by"]["id"] == notion_fake.person_id
    )
    assert page["created_time"] == "2026-07-04T09:08:00.000Z"
    assert MINUTE_STAMP.match(notion_fake.data_source()["last_edited_time"])


# ------------------------------------------------------------------------------ auth, version, URLs


def test_wrong_or_missing_token_is_401(notion_fake: FakeNotion) -> None:
    client = Client(auth="secret_wrong", base_url=notion_fake.base_url, logger=QUIET)
    error = api_error(client.databases.retrieve, database_id=notion_fake.database_id)
    assert (error.status, error.code, str(error)) == (401, "unauthorized", "API token is invalid.")
    anonymous = Client(base_url=notion_fake.base_url, logger=QUIET)
    assert api_error(anonymous.users.me).code == "unauthorized"


def test_missing_version_and_unknown_urls(notion_fake: FakeNotion, notion_client: Client) -> None:
    response = httpx.get(
        f"{notion_fake.base_url}/v1/users/me", headers={"Authorization": f"Bearer {notion_fake.token}"}
    )
    assert response.status_code == 400 and response.json()["code"] == "missing_version"
    error = api_error(notion_client.request, path="invalid", method="GET")
    assert (error.status, error.code, str(error)) == (400, "invalid_request_url", "Invalid request URL.")
    assert (
        api_error(notion_client.request, path=f"pages/{notion_fake.database_id}", method="DELETE").code
        == "invalid_request_url"
    )
    error = api_error(notion_client.pages.retrieve, page_id="not-a-uuid")
    assert error.code == "validation_error" and "path.page_id should be a valid uuid" in str(error)


# ------------------------------------------------------------------------------ rate limit


def test_rate_limit_answers_429_with_retry_after_and_client_retries(notion_fake_factory: Factory) -> None:
    # One token every 2 s: wide enough that a busy machine does not refill the bucket between two calls.
    srv = notion_fake_factory(rate_limit=0.5, burst=1)
    pid = srv.add_page({"Name": "A"})
    bare, client = srv.client(retry=False), srv.client()  # made before the bucket is drained
    assert raw_get(srv, "/v1/users/me").status_code == 200
    limited = raw_get(srv, "/v1/users/me")
    assert limited.status_code == 429 and limited.json()["code"] == "rate_limited"
    assert int(limited.headers["Retry-After"]) >= 1 and set(limited.json()) == {
        "object",
        "status",
        "code",
        "message",
        "request_id",
    }
    error = api_error(bare.users.me)  # the bucket has not refilled yet
    assert error.code == "rate_limited" and int(error.headers["retry-after"]) >= 1
    srv.reset_log()
    started = time.monotonic()
    # default retries: 429 is retried for every method, honouring Retry-After
    client.pages.update(page_id=pid, properties={"Lead Score": {"number": 7}})
    assert srv.plain(pid)["Lead Score"] == 7
    assert time.monotonic() - started >= 1.0  # waited for the bucket, as Retry-After said, not hammered it
    statuses = [r.status for r in srv.requests]
    assert statuses[0] == 429 and statuses[-1] == 200 and set(statuses[1:-1]) <= {429}


# ------------------------------------------------------------------------------ faults


@pytest.fixture
def fault_srv(notion_fake_factory: Factory) -> FakeNotion:
    return notion_fake_factory(slow_seconds=0.6)


def _write(client: Client, pid: str, score: int = 99) -> Any:
    return client.pages.update(page_id=pid, properties={"Lead Score": {"number": score}})


@pytest.mark.parametrize(
    ("kind", "status", "code"),
    [
        ("500", 500, "internal_server_error"),
        ("503", 503, "service_unavailable"),
        ("504", 504, "gateway_timeout"),
        ("409", 409, "conflict_error"),
    ],
)
def test_json_faults_on_writes_raise_and_are_not_applied(
    fault_srv: FakeNotion, kind: str, status: int, code: str
) -> None:
    pid = fault_srv.add_page({"Name": "A", "Lead Score": 1})
    fault_srv.faults.queue(kind)
    error = api_error(_write, fault_srv.client(retry=FAST_RETRY), pid)
    assert (error.status, error.code) == (status, code) and error.request_id
    assert fault_srv.plain(pid)["Lead Score"] == 1
    assert fault_srv.count("PATCH") == 1  # notion-client never retries a PATCH on 5xx / 409


def test_500_and_503_on_get_are_retried_by_the_client(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A"})
    fault_srv.faults.queue("500", "503", methods=["GET"])
    assert fault_srv.client(retry=FAST_RETRY).pages.retrieve(page_id=pid)["id"] == pid
    assert [r.status for r in fault_srv.requests] == [500, 503, 200]


def test_504_on_get_and_500_on_query_are_not_retried(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A"})
    client = fault_srv.client(retry=FAST_RETRY)
    fault_srv.faults.queue("504")
    assert api_error(client.pages.retrieve, page_id=pid).code == "gateway_timeout"
    fault_srv.faults.queue("500")
    assert (
        api_error(client.data_sources.query, data_source_id=fault_srv.data_source_id).code
        == "internal_server_error"
    )
    assert len(fault_srv.requests) == 2


def test_502_is_an_html_page_and_an_unknown_http_response_error(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A", "Lead Score": 1})
    fault_srv.faults.queue("502", "502")
    client = fault_srv.client(retry=FAST_RETRY)
    for call in (lambda: client.pages.retrieve(page_id=pid), lambda: _write(client, pid)):
        with pytest.raises(UnknownHTTPResponseError) as info:
            call()
        assert isinstance(info.value, HTTPResponseError) and not isinstance(info.value, APIResponseError)
        assert info.value.status == 502 and info.value.code == "notionhq_client_response_error"
        assert info.value.body.startswith("<html>") and info.value.headers["content-type"] == "text/html"
    assert fault_srv.plain(pid)["Lead Score"] == 1 and len(fault_srv.requests) == 2


def test_drop_closes_the_connection_and_is_not_applied(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A", "Lead Score": 1})
    client = fault_srv.client(retry=FAST_RETRY)
    fault_srv.faults.queue("drop")
    with pytest.raises(httpx.RemoteProtocolError):  # raw httpx error: notion-client does not wrap it
        _write(client, pid)
    assert fault_srv.plain(pid)["Lead Score"] == 1
    assert _write(client, pid, 5)["properties"]["Lead Score"]["number"] == 5  # the next call is fine
    assert [r.status for r in fault_srv.requests] == [0, 200]


def test_drop_after_apply_loses_the_answer_of_an_applied_write(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A", "Lead Score": 1})
    fault_srv.faults.queue("drop_after_apply")
    with pytest.raises(httpx.TransportError):
        _write(fault_srv.client(retry=FAST_RETRY), pid)
    assert fault_srv.plain(pid)["Lead Score"] == 99


def test_slow_answers_time_out_but_the_write_was_applied(fault_srv: FakeNotion) -> None:
    pid = fault_srv.add_page({"Name": "A", "Lead Score": 1})
    fault_srv.faults.queue("slow")
    with pytest.raises(RequestTimeoutError):
        _write(fault_srv.client(retry=FAST_RETRY, timeout_ms=200), pid)
    assert fault_srv.plain(pid)["Lead Score"] == 99  # applied before the late answer
    deadline = time.monotonic() + 3
    while fault_srv.count(status=200) == 0 and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fault_srv.count("PATCH", status=200) == 1


def test_fault_429_is_retried_after_retry_after(fault_srv: FakeNotion) -> None:
    fault_srv.faults.queue("429")
    assert fault_srv.client(retry=FAST_RETRY).users.me()["type"] == "bot"
    assert [r.status for r in fault_srv.requests] == [429, 200]


def test_random_faults_are_deterministic_and_filtered(notion_fake_factory: Factory) -> None:
    def statuses(seed: int) -> list[int]:
        srv = notion_fake_factory()
        srv.faults.set(rate=0.5, kinds=["500", "409", "504"], seed=seed)
        client = srv.client(retry=False)
        for _ in range(20):
            with suppress(APIResponseError):
                client.users.me()
        return [r.status for r in srv.requests]

    first, second = statuses(7), statuses(7)
    assert first == second and {200, 500, 409, 504} >= set(first) and 200 in first and len(set(first)) > 1
    srv = notion_fake_factory()
    pid = srv.add_page({"Name": "A"})
    srv.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])
    client = srv.client(retry=False)
    assert client.pages.retrieve(page_id=pid)["id"] == pid
    assert api_error(_write, client, pid).code == "service_unavailable"
    srv.faults.clear()
    assert _write(client, pid)["id"] == pid
    assert srv.faults.count("503") == 1
    with pytest.raises(ValueError, match="unknown fault kinds"):
        srv.faults.set(rate=0.1, kinds=["418"])


# ------------------------------------------------------------------------------ trash and delete


def test_trashed_pages(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid, other = notion_fake.add_page({"Name": "A"}), notion_fake.add_page({"Name": "B"})
    notion_fake.trash_page(pid)
    page = notion_client.pages.retrieve(page_id=pid)
    assert page["in_trash"] is True and page["archived"] is True and page["is_archived"] is False
    assert query_ids(notion_client, notion_fake) == [other]
    error = api_error(_write, notion_client, pid)
    assert (error.status, error.code, str(error)) == (400, "validation_error", ARCHIVED_MESSAGE)
    restored = notion_client.pages.update(
        page_id=pid, in_trash=False, properties={"Lead Score": {"number": 3}}
    )
    assert restored["in_trash"] is False and notion_fake.plain(pid)["Lead Score"] == 3
    assert query_ids(notion_client, notion_fake) == [pid, other]
    notion_client.pages.update(page_id=other, in_trash=True)
    assert query_ids(notion_client, notion_fake) == [pid]
    notion_client.pages.update(page_id=other, archived=False)
    assert len(query_ids(notion_client, notion_fake)) == 2


def test_deleted_pages_are_not_found_everywhere(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "A"})
    notion_fake.delete_page(pid)
    for call in (lambda: notion_client.pages.retrieve(page_id=pid), lambda: _write(notion_client, pid)):
        error = api_error(call)
        assert (error.status, error.code) == (404, "object_not_found") and pid in str(error)
    assert query_ids(notion_client, notion_fake) == []
    with pytest.raises(KeyError):
        notion_fake.page(pid)
    error = api_error(notion_client.data_sources.query, data_source_id=notion_fake.database_id)
    assert error.code == "object_not_found"


# ------------------------------------------------------------------------------ Python API

ALL_TYPES = {
    "Name": "title",
    "Text": "rich_text",
    "Count": "number",
    "Choice": ("select", ["A", "B"]),
    "Many": ("multi_select", ["X", "Y"]),
    "Stage": ("status", ["New", "Doing", "Done"]),
    "Flag": "checkbox",
    "Link": "url",
    "Tel": "phone_number",
    "Mail": "email",
    "When": "date",
    "Who": "people",
    "Created": "created_time",
    "Edited": "last_edited_time",
}


def test_plain_values_round_trip_for_every_type(frozen: FakeNotion) -> None:
    frozen.set_schema(ALL_TYPES)
    values = {
        "Name": "Happy Paws",
        "Text": ["first ", "second"],
        "Count": 6.0,
        "Choice": "C",
        "Many": ["X", "Z"],
        "Stage": "Doing",
        "Flag": True,
        "Link": "https://a.example",
        "Tel": "555-0100",
        "Mail": "a@b.c",
        "When": date(2026, 7, 1),
        "Who": ["Dana Reyes"],
    }
    pid = frozen.add_page(values)
    plain = frozen.plain(pid)
    assert plain["Text"] == "first second" and plain["Count"] == 6 and isinstance(plain["Count"], int)
    assert plain["Choice"] == "C" and frozen.options("Choice") == ["A", "B", "C"]
    assert (plain["Many"], plain["Stage"], plain["Flag"], plain["When"]) == (
        ["X", "Z"],
        "Doing",
        True,
        "2026-07-01",
    )
    assert (
        plain["Who"] == ["Dana Reyes"] and plain["Created"] == plain["Edited"] == "2026-07-04T09:00:00.000Z"
    )
    page = frozen.page(pid)
    assert len(page["properties"]["Text"]["rich_text"]) == 2
    assert page["properties"]["Who"]["people"][0]["person"]["email"] == "dana.reyes@example.com"
    assert page["url"].startswith("https://app.notion.com/p/Happy-Paws-")
    raw = {
        "Name": {"title": [{"text": {"content": "Raw"}}]},
        "Choice": {"select": {"name": "A"}},
        "When": {"start": "2026-07-01", "end": "2026-07-03"},
    }
    assert frozen.plain(frozen.add_page(raw))["When"] == {"start": "2026-07-01", "end": "2026-07-03"}


def test_long_text_is_split_into_2000_unit_items(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "A", "Call Notes": "n" * 4500})
    items = notion_fake.page(pid)["properties"]["Call Notes"]["rich_text"]
    assert [len(i["plain_text"]) for i in items] == [2000, 2000, 500]


def test_python_api_rejects_bad_values(notion_fake: FakeNotion) -> None:
    with pytest.raises(NotionError, match="Nope is not a property that exists"):
        notion_fake.add_page({"Nope": 1})
    with pytest.raises(NotionError, match="commas"):
        notion_fake.add_page({"Tags": ["a,b"]})
    with pytest.raises(NotionError, match="title"):
        notion_fake.set_schema({"Count": "number"})


def test_set_schema_keeps_values_of_unchanged_properties(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "A", "Vet Count": 4, "Tags": ["Priority"]})
    notion_fake.set_schema(
        {"Name": "title", "Vet Count": "number", "Tags": ("multi_select", ["Priority", "New"])}
    )
    assert notion_fake.plain(pid) == {"Name": "A", "Vet Count": 4, "Tags": ["Priority"]}


def test_seed_practices_is_realistic_and_deterministic(notion_fake_factory: Factory) -> None:
    first, second = notion_fake_factory(seed=3), notion_fake_factory(seed=3)
    ids = seed_practices(first, 300, seed=3)
    assert seed_practices(second, 300, seed=3) == ids
    rows = [first.plain(pid) for pid in ids]
    assert rows == [second.plain(pid) for pid in ids]
    statuses = Counter(r["Enrichment Status"] for r in rows)
    assert set(statuses) == set(ENRICHMENT_STATUSES) and statuses["Completed"] > statuses["Failed"]
    enriched = [r for r in rows if r["Enrichment Status"] in ("Completed", "Partial")]
    assert {r["EMR System"] for r in enriched} == {*EMR_SYSTEMS, None}
    assert {r["Enrichment Confidence"] for r in enriched} >= {"high", "medium", "low"}
    assert any(";" in r["Phone Numbers"] for r in enriched) and any(
        "\n" in r["Phone Numbers"] for r in enriched
    )
    assert sum(bool(r["Decision Maker"]) for r in enriched) > len(enriched) / 2
    assert len({r["Vet Count"] for r in enriched}) >= 8
    unenriched = [r for r in rows if r not in enriched]
    assert all(r["Vet Count"] is None and r["Phone Numbers"] == "" for r in unenriched)
    assert len({r["Name"] for r in rows}) == 300 and first.internal_errors == []


# ------------------------------------------------------------------------------ faithfulness


def _recorded_bodies() -> list[dict[str, Any]]:
    import yaml  # PyYAML is a dev dependency: a missing one should fail, not skip
    assert RECORDINGS.is_dir(), f"the Notion recordings are missing from {RECORDINGS}"
    bodies = []
    for cassette in sorted(RECORDINGS.glob("*.yaml")):
        for interaction in yaml.safe_load(cassette.read_text())["interactions"]:
            response = interaction["response"]
            body = json.loads(response["body"]["string"])
            body["__content_type__"] = response["headers"]["Content-Type"][0]
            body["__uri__"] = interaction["request"]["uri"]
            bodies.append(body)
    return bodies


def _fake_objects(srv: FakeNotion, client: Client) -> dict[str, dict[str, Any]]:
    pid = srv.add_page({"Name": "Test page"})
    error = api_error(client.request, path="invalid", method="GET")
    return {
        "page": client.pages.retrieve(page_id=pid),
        "data_source": client.data_sources.retrieve(data_source_id=srv.data_source_id),
        "database": client.databases.retrieve(database_id=srv.database_id),
        "list": client.data_sources.query(data_source_id=srv.data_source_id),
        "user_list": client.users.list(),
        "error": json.loads(error.body),
    }


def test_responses_have_the_recorded_shapes(notion_fake: FakeNotion, notion_client: Client) -> None:
    bodies = _recorded_bodies()
    fake = _fake_objects(notion_fake, notion_client)
    compared: Counter[str] = Counter()
    for body in bodies:
        kind = "user_list" if body.get("type") == "user" else body["object"]
        if kind not in fake:
            continue  # blocks: the fake does not serve /v1/blocks
        assert body.pop("__content_type__") == "application/json; charset=utf-8"
        uri = body.pop("__uri__")
        assert set(body) == set(fake[kind]), (kind, uri)
        compared[kind] += 1
        _compare_nested(kind, body, fake[kind])
    assert set(compared) == set(fake), compared


def _compare_nested(kind: str, real: dict[str, Any], fake: dict[str, Any]) -> None:
    if kind in ("page", "data_source"):
        assert MINUTE_STAMP.match(real["created_time"]) and MINUTE_STAMP.match(fake["created_time"])
        assert set(real["created_by"]) == set(fake["created_by"]) == {"object", "id"}
    if kind == "page":
        real_title, fake_title = real["properties"]["title"], fake["properties"]["Name"]
        assert set(real_title) == set(fake_title) == {"id", "type", "title"}
        if real_title["title"]:
            assert set(real_title["title"][0]) == set(fake_title["title"][0])
            assert set(real_title["title"][0]["text"]) == set(fake_title["title"][0]["text"])
            assert real_title["title"][0]["annotations"] == fake_title["title"][0]["annotations"]
    if kind == "data_source":
        assert real["properties"]["Name"] == fake["properties"]["Name"]
        assert set(real["parent"]) == set(fake["parent"]) and set(real["database_parent"]) == set(
            fake["database_parent"]
        )
    if kind == "database":
        stamp = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}\+00:00$")
        assert stamp.match(real["created_time"]) and stamp.match(fake["created_time"])
        assert set(real["data_sources"][0]) == set(fake["data_sources"][0])
    if kind == "user_list":
        real_bot = next(u for u in real["results"] if u["type"] == "bot")
        fake_bot = next(u for u in fake["results"] if u["type"] == "bot")
        assert set(real_bot) == set(fake_bot) and set(real_bot["bot"]) == set(fake_bot["bot"])


def test_error_bodies_match_the_recorded_ones(notion_fake: FakeNotion) -> None:
    bodies = [b for b in _recorded_bodies() if b["object"] == "error"]
    recorded = {(b["status"], b["code"], b["message"]) for b in bodies}
    wrong = raw_get(notion_fake, "/v1/users", Authorization="Bearer ntn_wrong").json()
    invalid = raw_get(notion_fake, "/v1/invalid").json()
    assert {(e["status"], e["code"], e["message"]) for e in (wrong, invalid)} == recorded
    assert all(re.fullmatch(r"[0-9a-f-]{36}", e["request_id"]) for e in (wrong, invalid))


# ------------------------------------------------------------------------------ standalone


def test_module_runs_standalone() -> None:
    command = [sys.executable, "-m", "tests.notion_fake", "--pages", "5", "--port", "0", "--duration", "30"]
    with subprocess.Popen(
        command, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    ) as proc:
        try:
            assert proc.stdout is not None
            env = dict(proc.stdout.readline().strip().split("=", 1) for _ in range(4))
            client = Client(auth=env["NOTION_API_KEY"], base_url=env["NOTION_BASE_URL"], logger=QUIET)
            db = client.databases.retrieve(database_id=env["NOTION_DATABASE_ID"])
            rows = client.data_sources.query(data_source_id=db["data_sources"][0]["id"])["results"]
            assert len(rows) == 5 and db["data_sources"][0]["id"] == env["NOTION_DATA_SOURCE_ID"]
        finally:
            proc.terminate()
            proc.wait(timeout=10)


# ---- computed and linked values, partial users, status options, several data sources ----------------


def test_formula_rollup_and_relation_values_have_notions_shapes(notion_fake: FakeNotion, notion_client: Client) -> None:
    notion_fake.set_schema(
        {
            "Name": "title",
            "Vets": ("formula", {"expression": 'prop("Count")'}),
            "Total": ("rollup", {"function": "sum", "relation_property_name": "Sites", "rollup_property_name": "V"}),
            "Shown": ("rollup", {"function": "show_original"}),
            "Sites": "relation",
        }
    )
    site = "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"
    pid = notion_fake.add_page(
        {
            "Name": "Shapes",
            "Vets": 6,
            "Total": 9,
            "Shown": [3, "a; b", {"type": "date", "date": {"start": "2026-01-05"}}],
            "Sites": [site],
        }
    )
    props = notion_client.pages.retrieve(page_id=pid)["properties"]
    assert props["Vets"]["formula"] == {"type": "number", "number": 6}
    assert props["Total"]["rollup"] == {"type": "number", "number": 9, "function": "sum"}
    shown = props["Shown"]["rollup"]
    assert shown["type"] == "array" and shown["function"] == "show_original"
    assert [item["type"] for item in shown["array"]] == ["number", "rich_text", "date"]
    assert shown["array"][1]["rich_text"][0]["plain_text"] == "a; b"
    assert props["Sites"]["relation"] == [{"id": site}] and props["Sites"]["has_more"] is False
    schema = notion_client.data_sources.retrieve(data_source_id=notion_fake.data_source_id)["properties"]
    assert schema["Total"]["rollup"]["function"] == "sum" and schema["Vets"]["formula"]["expression"]
    assert schema["Sites"]["relation"]["type"] == "single_property"
    # Notion computes these: the API cannot write them.
    error = api_error(notion_client.pages.update, page_id=pid, properties={"Vets": {"formula": {"number": 1}}})
    assert error.status == 400 and "cannot be updated" in str(error)
    notion_fake.edit_upstream(pid, {"Total": {"type": "incomplete", "incomplete": {}}})
    assert notion_client.pages.retrieve(page_id=pid)["properties"]["Total"]["rollup"] == {
        "type": "incomplete", "incomplete": {}, "function": "sum"
    }


def test_users_without_read_user_capability_are_partial(notion_fake: FakeNotion, notion_client: Client) -> None:
    pid = notion_fake.add_page({"Name": "People", "Assigned To": ["Dana Reyes"]})
    [dana] = notion_client.pages.retrieve(page_id=pid)["properties"]["Assigned To"]["people"]
    assert dana["name"] == "Dana Reyes"
    notion_fake.users_readable = False
    [partial] = notion_client.pages.retrieve(page_id=pid)["properties"]["Assigned To"]["people"]
    assert partial == {"object": "user", "id": dana["id"]}
    assert notion_fake.plain(pid)["Assigned To"] == ["Dana Reyes"]  # the test's view still has names


def test_status_options_cannot_be_changed_through_the_api(notion_fake: FakeNotion, notion_client: Client) -> None:
    before = notion_fake.options("Status")
    error = api_error(
        notion_client.data_sources.update,
        data_source_id=notion_fake.data_source_id,
        properties={"Status": {"status": {"options": [{"name": "Brand new"}]}}},
    )
    assert error.status == 400 and "status" in str(error)
    assert notion_fake.options("Status") == before
    pid = notion_fake.add_page({"Name": "S"})
    error = api_error(notion_client.pages.update, page_id=pid, properties={"Status": {"status": {"name": "Brand new"}}})
    assert 'Status option "Brand new" does not exist' in str(error)


def test_a_database_with_several_data_sources(notion_fake: FakeNotion, notion_client: Client) -> None:
    live = notion_fake.add_page({"Name": "Live practice"})
    archive = notion_fake.add_data_source("Archive 2023", first=True)
    old = archive.add_page({"Name": "Archived practice"})
    db = notion_client.databases.retrieve(database_id=notion_fake.database_id)
    assert [s["name"] for s in db["data_sources"]] == ["Archive 2023", "Vet Practices"]
    assert [s["id"] for s in db["data_sources"]] == [archive.data_source_id, notion_fake.data_source_id]
    assert query_ids(notion_client, archive) == [old]
    assert query_ids(notion_client, notion_fake) == [live]
    ds = notion_client.data_sources.retrieve(data_source_id=archive.data_source_id)
    assert ds["parent"] == {"type": "database_id", "database_id": notion_fake.database_id}
    notion_client.pages.update(page_id=old, properties={"Lead Score": {"number": 5}})
    assert archive.plain(old)["Lead Score"] == 5
    assert notion_fake.count("PATCH") == 1  # one server, one log
    # A data source's id is not a database's.
    assert api_error(notion_client.databases.retrieve, database_id=archive.data_source_id).status == 404
