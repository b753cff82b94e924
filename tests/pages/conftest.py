"""What every page test shares: a fresh store with no Notion."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store path, no Notion: the app fills it with the sample book on first run."""
    for var in ("NOTION_API_KEY", "NOTION_DATABASE_ID", "NOTION_BASE_URL", "LEADSCORE_NOTION_MAPPING"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "store.db"
    monkeypatch.setenv("LEADSCORE_DB", str(path))
    monkeypatch.chdir(ROOT)
    return path
