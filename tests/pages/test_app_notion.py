"""The dashboard with Notion connected (the local fake): Sync now, Rescore writing back, Operations."""

from __future__ import annotations

from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.notion import GATEWAY_DEFAULTS
from data.store import Store
from data.views import LeadFilters, filter_leads, prepare_leads
from tests.notion_fake.seed import seed_practices

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def connected(notion_fake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    seed_practices(notion_fake, 40, seed=3)
    for option, value in (("rate", 1000.0), ("burst", 1000.0), ("backoff", 0.001), ("max_backoff", 0.01)):
        monkeypatch.setitem(GATEWAY_DEFAULTS, option, value)
    monkeypatch.setenv("NOTION_API_KEY", notion_fake.token)
    monkeypatch.setenv("NOTION_DATABASE_ID", notion_fake.database_id)
    monkeypatch.setenv("NOTION_BASE_URL", notion_fake.base_url)
    monkeypatch.setenv("LEADSCORE_DB", str(tmp_path / "store.db"))
    monkeypatch.chdir(ROOT)
    return notion_fake


def run(path: str | None = None, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    at.query_params.update(query)
    return (at.switch_page(path) if path else at).run()


def test_sync_now_pulls_scores_and_writes_back(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = run()
    assert not at.exception
    assert any("no practices" in i.value.lower() for i in at.info)  # no sample book when Notion is set
    at.button(key="sync_now").click().run()
    assert not at.exception
    assert not at.error, [e.value for e in at.error]
    table = next(d.value for d in at.dataframe if "lead_score" in d.value.columns)
    assert len(table) == 40
    assert "url" in table.columns  # the Notion link column appears once there are pages
    # The grid carries no ids (Notion's are 36 characters a row): the first row is the view's first.
    page_id = filter_leads(prepare_leads(Store.open(tmp_path / "store.db").leads_frame()), LeadFilters()).iloc[0]
    assert connected.plain(page_id["practice_id"])["Lead Score"] == table["lead_score"].iloc[0]


def test_rescore_on_the_practice_page_writes_back(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = run()
    at.button(key="sync_now").click().run()
    store = Store.open(tmp_path / "store.db")
    page_id = store.leads_frame()["practice_id"].iloc[0]
    connected.edit_upstream(page_id, {"Enrichment Status": "Completed", "Enrichment Confidence": "high",
                                      "Vet Count": 6, "Decision Maker": "Dr. Fresh Upstream"})
    connected.reset_log()
    at = run("pages/practice.py", id=page_id)
    at.button(key="rescore").click().run()
    assert not at.exception and any("Rescored" in s.value for s in at.success)
    score = store.score(page_id)
    assert "Dr. Fresh Upstream" in score["score_breakdown"]  # the page was read again before scoring
    assert connected.plain(page_id)["Lead Score"] == score["lead_score"]
    assert connected.count(method="PATCH") == 1


def test_operations_shows_the_connection_and_pushes_the_outbox(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = run()
    connected.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])  # every write fails for now
    at.button(key="sync_now").click().run()
    assert not at.exception
    store = Store.open(tmp_path / "store.db")
    assert store.outbox_summary()["size"] == 40  # nothing lost: every write waits in the outbox
    assert connected.faults.count() == 3 * 5  # three writes, five attempts each, then the push gave up
    at = run("pages/operations.py")
    assert not at.exception
    text = " ".join(str(m.value) for m in [*at.markdown, *at.warning, *at.metric])
    assert "Connected to Notion database" in text and connected.token not in text
    assert any(w.value.startswith("Oldest error") for w in at.warning)
    connected.faults.clear()
    at.button(key="push_now").click().run()
    assert not at.exception
    assert store.outbox_summary()["size"] == 0
    assert any("40 written" in s.value for s in at.success)


def test_rescoring_a_page_trashed_in_notion_says_so(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    at = run()
    at.button(key="sync_now").click().run()
    store = Store.open(tmp_path / "store.db")
    page_id = store.leads_frame()["practice_id"].iloc[0]
    connected.trash_page(page_id)
    at = run("pages/practice.py", id=page_id)
    at.button(key="rescore").click().run()
    assert not at.exception
    assert any("no longer in Notion" in e.value for e in at.error)
    assert store.practice(page_id)["in_trash"] == 1


@pytest.mark.parametrize(
    "page", [None, "pages/practice.py", "pages/whatif.py", "pages/operations.py", "pages/import_export.py"]
)
def test_a_store_that_cannot_be_made_is_one_sentence_on_every_page(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, page: str | None
) -> None:
    """LEADSCORE_DB=/etc/hostname/x.db: a sentence naming the path, not a FileExistsError traceback."""
    (tmp_path / "hostname").write_text("box\n", encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_DB", str(tmp_path / "hostname" / "x.db"))
    monkeypatch.chdir(ROOT)
    at = run(page)
    assert not at.exception
    [error] = at.error
    assert error.value.startswith("leadscore cannot start: cannot create the store at")
    assert str(tmp_path / "hostname" / "x.db") in error.value.replace("\\", "")  # Markdown-escaped: shown as it is
    assert "x\\.db" in error.value


def test_operations_names_the_data_source_and_what_cannot_be_read(connected, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    archive = connected.add_data_source("Archive 2023")
    archive.add_page({"Name": "Old practice"})
    spec = {name: prop["type"] for name, prop in connected.data_source()["properties"].items()}
    connected.set_schema({**spec, "Vet Count": "relation"})
    at = run()
    at.button(key="sync_now").click().run()
    assert not at.exception
    at = run("pages/operations.py")
    assert not at.exception
    shown = " ".join(w.value for w in at.warning).replace("\\", "")  # user text is shown Markdown-escaped
    assert "has 2 data sources and NOTION_DATA_SOURCE names none: using the first, 'Vet Practices'" in shown
    assert "the others: 'Archive 2023'" in shown
    assert "cannot read 'Vet Count' (relation): a relation holds only the ids of the linked pages" in shown
    at.button(key="check_notion").click().run()
    fields = next(d.value for d in at.dataframe if "note" in d.value.columns)
    vet = fields[fields["field"] == "vet_count"].iloc[0]
    assert (vet["property"], vet["type"], vet["status"]) == ("Vet Count", "relation", "no")


def test_a_non_ascii_token_is_a_sentence_in_the_app(connected, monkeypatch: pytest.MonkeyPatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("NOTION_API_KEY", connected.token + "\u2019")
    at = run()
    at.button(key="sync_now").click().run()
    assert not at.exception
    said = [e.value.replace("\\", "") for e in at.error]  # shown Markdown-escaped
    assert any("NOTION_API_KEY has a character that cannot be in a Notion token" in s for s in said)
    at = run("pages/operations.py")
    assert not at.exception
    assert any("NOTION\\_API\\_KEY has a character" in e.value for e in at.error)
    assert all(connected.token not in e.value for e in at.error)
