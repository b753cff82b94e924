"""The fake's relation property (shape from Notion's docs: page-property-values#relation and the data
source property object of API 2025-09-03) and a workspace of two databases behind one server."""

from __future__ import annotations

import pytest
from notion_client import APIResponseError

from .server import FakeNotion
from .workspace import FakeWorkspace

ACTIVITY_SCHEMA_TYPES = {"Name": "title", "Type": ("select", ["Email Open", "Meeting"]), "Date": "date"}


def _pair() -> tuple[FakeNotion, FakeNotion]:
    practices = FakeNotion(seed=1)
    activities = FakeNotion(
        seed=2,
        title="Activities",
        schema={**ACTIVITY_SCHEMA_TYPES, "Practice": ("relation", {"data_source_id": practices.data_source_id})},
    )
    return practices, activities


def test_relation_schema_has_notions_shape() -> None:
    practices, activities = _pair()
    prop = activities.data_source()["properties"]["Practice"]
    assert prop["type"] == "relation"
    assert prop["relation"] == {
        "data_source_id": practices.data_source_id,
        "type": "single_property",
        "single_property": {},
    }


def test_relation_value_lists_page_references_with_has_more() -> None:
    practices, activities = _pair()
    pid = practices.add_page({"Name": "Happy Paws"})
    aid = activities.add_page({"Name": "Opened the newsletter", "Practice": [pid], "Type": "Email Open"})
    value = activities.page(aid)["properties"]["Practice"]
    assert value == {"id": value["id"], "type": "relation", "relation": [{"id": pid}], "has_more": False}
    assert activities.plain(aid)["Practice"] == [pid]


def test_more_than_25_relations_are_behind_has_more() -> None:
    practices, activities = _pair()
    ids = [practices.add_page({"Name": f"P{i}"}) for i in range(30)]
    aid = activities.add_page({"Name": "Conference", "Practice": ids})
    value = activities.page(aid)["properties"]["Practice"]
    assert len(value["relation"]) == 25 and value["has_more"] is True
    assert activities.plain(aid)["Practice"] == ids


def test_workspace_serves_both_databases_through_the_real_client() -> None:
    practices, activities = _pair()
    pid = practices.add_page({"Name": "Happy Paws"})
    aid = activities.add_page({"Name": "Demo", "Practice": [pid], "Type": "Meeting", "Date": "2026-03-01"})
    with FakeWorkspace(practices, activities) as ws:
        client = ws.client()
        try:
            db = client.databases.retrieve(database_id=activities.database_id)
            assert db["data_sources"][0]["id"] == activities.data_source_id
            rows = client.data_sources.query(data_source_id=activities.data_source_id)["results"]
            assert [r["id"] for r in rows] == [aid]
            assert rows[0]["properties"]["Practice"]["relation"] == [{"id": pid}]
            assert client.pages.retrieve(page_id=pid)["properties"]["Name"]["title"][0]["plain_text"] == "Happy Paws"
            other = practices.add_page({"Name": "Second"})
            client.pages.update(page_id=aid, properties={"Practice": {"relation": [{"id": pid}, {"id": other}]}})
            assert activities.plain(aid)["Practice"] == [pid, other]
            with pytest.raises(APIResponseError, match="valid uuid"):
                client.pages.update(page_id=aid, properties={"Practice": {"relation": [{"id": "nope"}]}})
        finally:
            client.close()
    assert not ws.internal_errors


def test_workspace_needs_one_token() -> None:
    with pytest.raises(ValueError, match="same token"):
        FakeWorkspace(FakeNotion(seed=1), FakeNotion(token="other", seed=2))
