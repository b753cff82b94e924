"""A saved configuration that no longer validates (saved under looser bounds, issue 8): every page says
so in one sentence and offers the way out, never a traceback; the saved version is kept."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest

from data.demo import load_sample_book
from data.store import Store
from scoring.config import ScoringConfig

ROOT = Path(__file__).resolve().parents[2]
EVERY_PAGE = ["pages/leads.py", "pages/today.py", "pages/practice.py", "pages/whatif.py", "pages/evidence.py",
              "pages/operations.py", "pages/import_export.py"]


@pytest.fixture
def broken_active(db: Path) -> Path:
    store = Store.open(db)
    load_sample_book(store, n=40)
    store.save_config("spring", ScoringConfig().with_changes(hot_tier_min=90), activate=True)
    store.close()
    with sqlite3.connect(db) as conn:
        settings = json.loads(conn.execute("SELECT config_json FROM configs").fetchone()[0])
        settings["hot_tier_min"] = 500  # what an older leadscore let through
        conn.execute("UPDATE configs SET config_json = ?", (json.dumps(settings),))
    return db


def open_page(path: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=120)
    return at.switch_page(path).run()


@pytest.mark.parametrize("path", EVERY_PAGE)
def test_every_page_names_the_broken_version_and_the_way_out(broken_active: Path, path: str) -> None:
    at = open_page(path)
    assert not at.exception, [e.value for e in at.exception]
    [error] = [e.value.replace("\\", "") for e in at.error]
    assert "saved configuration spring-v1 no longer validates (hot_tier_min must be at most 150, got 500)" in error
    assert [b.label for b in at.button] == ["Use the SPEC defaults"]


def test_the_way_out_applies_the_defaults_and_keeps_the_version(broken_active: Path) -> None:
    at = open_page("pages/whatif.py")
    at.button(key="ui_invalid_config_defaults").click().run()
    assert not at.exception and not at.error, [e.value for e in at.error]
    store = Store.open(broken_active)
    assert store.active_config() is None  # the SPEC defaults are in force
    assert store.query("SELECT label FROM configs")[0][0] == "spring-v1"  # kept, untouched
