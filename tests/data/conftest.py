"""Fixtures for the store and Notion sync tests: a temp-dir Store and a Workbench wired to the fake.

Every test here runs in its own temporary working directory with the leadscore/Notion environment
variables removed, so nothing reads the developer's `.streamlit/secrets.toml`, `notion-mapping.toml`
or `.leadscore/` store by accident.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from data.notion import DEFAULT_SCORES, NotionGateway, NotionSettings, PropertyMapping
from data.notion.sync import Workbench
from data.store import Store
from scoring.config import ScoringConfig
from scoring.engine import score_record
from tests.notion_fake import FakeNotion

ENV_VARS = (
    "NOTION_API_KEY",
    "NOTION_DATABASE_ID",
    "NOTION_BASE_URL",
    "NOTION_DATA_SOURCE",
    "NOTION_RATE_LIMIT",
    "LEADSCORE_DB",
    "LEADSCORE_DATE_ORDER",
    "LEADSCORE_NOTION_MAPPING",
    "AUTO_TRIGGER_SCORING",
    "SCORING_TIMEOUT_SECONDS",
    "CIRCUIT_BREAKER_FAIL_MAX",
)
SCORE_NAMES = tuple(DEFAULT_SCORES.values())


@pytest.fixture(autouse=True)
def isolated(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    for var in ENV_VARS:
        monkeypatch.delenv(var, raising=False)
    monkeypatch.chdir(tmp_path)
    return tmp_path


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    s = Store.open(tmp_path / "x.db")
    yield s
    s.close()


def settings_for(srv: FakeNotion) -> NotionSettings:
    return NotionSettings(api_key=srv.token, database_id=srv.database_id, base_url=srv.base_url)


def fast_gateway(srv: FakeNotion, **options: Any) -> NotionGateway:
    """A gateway with the real throttle/retry code but no real waiting."""
    kwargs: dict[str, Any] = {"rate": 1000, "burst": 1000, "backoff": 0.001, "max_backoff": 0.01}
    kwargs.update(options)
    return NotionGateway(settings_for(srv), **kwargs)


def make_bench(
    store: Store,
    srv: FakeNotion,
    *,
    config: ScoringConfig | None = None,
    mapping: PropertyMapping | None = None,
    **gateway_options: Any,
) -> Workbench:
    return Workbench(
        store,
        settings_for(srv),
        mapping or PropertyMapping(),
        gateway=fast_gateway(srv, **gateway_options),
        config=config or ScoringConfig(),
    )


@pytest.fixture
def bench_factory(store: Store) -> Callable[..., Workbench]:
    """``bench_factory(srv, config=..., mapping=..., store=..., **gateway_options)``."""

    def make(srv: FakeNotion, *, store_: Store | None = None, **kwargs: Any) -> Workbench:
        return make_bench(store_ or store, srv, **kwargs)

    return make


@pytest.fixture
def workbench(store: Store, notion_fake: FakeNotion) -> Workbench:
    return make_bench(store, notion_fake)


# ---- helpers shared by the test modules -------------------------------------------------------------


def output_for(record: dict[str, Any], config: ScoringConfig | None = None) -> dict[str, Any]:
    """A ScoringOutput as the store receives it (plain JSON values)."""
    return score_record(record, config or ScoringConfig()).model_dump(mode="json")


def practice_row(practice_id: str, *, source: str = "import", **record_changes: Any) -> dict[str, Any]:
    """A store row for ``upsert_practices`` with a small baseline-only record."""
    gm = {"name": f"Practice {practice_id}", "rating": 4.5, "reviews_count": 40, "website": "https://x.example"}
    gm.update(record_changes)
    record = {"practice_id": practice_id, "google_maps_data": gm}
    return {"practice_id": practice_id, "source": source, "name": gm["name"], "record": record}


def other_properties(srv: FakeNotion, page_id: str) -> str:
    """Every non-score property of a page, as canonical JSON (for byte-identical comparisons)."""
    props = srv.page(page_id)["properties"]
    return json.dumps({k: v for k, v in props.items() if k not in SCORE_NAMES}, sort_keys=True)


def notion_scores(srv: FakeNotion, page_id: str) -> dict[str, Any]:
    plain = srv.plain(page_id)
    return {name: plain[name] for name in SCORE_NAMES}


def expected_scores(store: Store, page_id: str) -> dict[str, Any]:
    """The five score properties as the page should hold them, from the store's current score."""
    row = store.score(page_id)
    assert row is not None, f"{page_id} has no current score"
    return {
        "Lead Score": row["lead_score"],
        "Priority Tier": row["priority_tier"],
        "Score Breakdown": row["score_breakdown"],
        "Confidence Flags": json.loads(row["confidence_flags"]),
        "Scoring Status": row["scoring_status"],
    }


def schema_spec(srv: FakeNotion, changes: dict[str, Any] | None = None, drop: tuple[str, ...] = ()) -> dict[str, Any]:
    """The fake's current schema as a ``set_schema`` spec (existing properties keep their options),
    with ``changes`` applied and ``drop`` removed."""
    spec: dict[str, Any] = {
        name: prop["type"] for name, prop in srv.data_source()["properties"].items() if name not in drop
    }
    spec.update(changes or {})
    return spec
