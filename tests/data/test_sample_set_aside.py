"""Issue 7, "Your book replaces the sample": the first batch of the user's own book into a store holding only
the sample sets the sample aside with itself (one rule, ``Store.upsert_own_practices``, for a Notion pull and
a file import), so an interrupted first sync or import never leaves the sample mixed with the book."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import orjson
import pytest

from data.demo import load_sample_book
from data.notion import NotionError
from data.notion.sync import Workbench
from data.store import Store
from tests.notion_fake import FakeNotion, seed_practices

SET_ASIDE = "the 15 sample practices were set aside"


def break_pull_at(workbench: Workbench, monkeypatch: pytest.MonkeyPatch, page: int) -> None:
    """The connection drops when the pull reaches page number ``page`` (0-based)."""
    real = workbench.gateway.pages

    def broken(edited_since: str | None = None) -> Iterator[dict[str, Any]]:
        for i, item in enumerate(real(edited_since=edited_since)):
            if i == page:
                raise NotionError("connection lost")
            yield item

    monkeypatch.setattr(workbench.gateway, "pages", broken)


def run_notes(store: Store) -> list[list[str]]:
    """Each recorded sync's notes, oldest first."""
    rows = store.query("SELECT details FROM runs WHERE kind = 'sync' ORDER BY id")
    return [orjson.loads(r[0] or "{}").get("notes", []) for r in rows]


def test_a_first_sync_interrupted_after_its_first_batch_still_replaces_the_sample(
    store: Store, workbench: Workbench, notion_fake: FakeNotion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The reviewer's run: the first pull fails at page 110 of 130; the retry must not keep the sample."""
    load_sample_book(store, n=15)
    seed_practices(notion_fake, 130, seed=3)
    said: list[str] = []
    break_pull_at(workbench, monkeypatch, 110)
    with pytest.raises(NotionError):
        workbench.sync(progress=said.append)
    assert store.sources() == {"notion": 100}  # the first batch arrived, and the sample went with it
    assert "setting the 15 sample practices aside (`leadscore demo` brings them back)" in said  # as it happened

    monkeypatch.undo()
    report = workbench.sync()

    assert store.sources() == {"notion": 130}
    assert store.query("SELECT COUNT(*) FROM practices WHERE practice_id LIKE 'demo-%'")[0][0] == 0
    failed, retried = run_notes(store)
    assert any(SET_ASIDE in n for n in failed)  # the interrupted run's record says so
    assert not any("sample" in n for n in retried + report.notes)  # and nothing is set aside twice


def test_a_first_sync_interrupted_before_any_page_is_stored_keeps_the_sample_until_the_retry(
    store: Store, workbench: Workbench, notion_fake: FakeNotion, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Nothing of the book arrived: the user keeps a working sample; the retry replaces it and says so."""
    load_sample_book(store, n=15)
    seed_practices(notion_fake, 130, seed=4)
    break_pull_at(workbench, monkeypatch, 40)
    with pytest.raises(NotionError):
        workbench.sync()
    assert store.sources() == {"demo": 15}

    monkeypatch.undo()
    report = workbench.sync()

    assert store.sources() == {"notion": 130}
    assert any(SET_ASIDE in n for n in report.notes)


def test_a_store_with_a_book_beside_the_sample_keeps_it(store: Store) -> None:
    """Only a store holding nothing but the sample gets it replaced (`leadscore demo` beside your book)."""
    load_sample_book(store, n=5)
    store.upsert_practices([{"practice_id": "I1", "source": "import", "record": {"practice_id": "I1"}}])
    changed, set_aside = store.upsert_own_practices(
        [{"practice_id": "N1", "source": "notion", "record": {"practice_id": "N1"}}]
    )
    assert (changed, set_aside) == (["N1"], 0)
    assert store.sources() == {"demo": 5, "import": 1, "notion": 1}
    assert store.upsert_own_practices([]) == ([], 0)
