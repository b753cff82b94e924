"""Daily engagement snapshots (restart-safe, once per day), the sample book's history, and the CLI:
`leadscore events import`, `leadscore engagement [--as-of] [--json]`, `leadscore snapshot`."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import data.events.snapshots as snapshots
from data.cli import main
from data.demo import load_sample_book
from data.events.snapshots import backfill_snapshots, take_snapshot
from data.scoring_runs import run_scoring
from data.store import DEFAULT_DB, Store
from scoring.config import ScoringConfig
from scoring.engagement import US_PER_DAY, to_us
from tests.scoring.records import full_record

CFG = ScoringConfig()
DAY1 = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)


@pytest.fixture
def scored(store: Store) -> Store:
    store.upsert_practices([
        {"practice_id": "hot", "source": "import", "name": "Hot Paws", "record": full_record("hot")},
        {"practice_id": "pend", "source": "import", "name": "Pending Paws",
         "record": full_record("pend", enrichment_data=None)},
    ])
    run_scoring(store, None, kind="test", trigger="manual")
    store.add_events([("e1", "hot", "meeting", to_us(DAY1) - US_PER_DAY, "t", None)])
    return store


# ---- snapshots --------------------------------------------------------------------------------------------


def test_a_snapshot_is_taken_once_per_day(scored: Store) -> None:
    first = take_snapshot(scored, CFG, DAY1)
    again = take_snapshot(scored, CFG, DAY1 + timedelta(hours=5))
    next_day = take_snapshot(scored, CFG, DAY1 + timedelta(days=1))
    assert (first.recorded, again.recorded, next_day.recorded) == (2, 0, 2)
    history = scored.engagement_history("hot")
    assert history["day"].tolist() == ["2026-03-02", "2026-03-03"]
    assert history["engagement_score"].tolist() == [22, 20]  # 25 × 0.5^(1/7) = 22.6, then 0.5^(2/7) = 20.5
    assert history["grid_cell"].tolist() == ["A3", "A3"]
    assert first.summary() == "engagement snapshot 2026-03-02: 2 of 2 practices recorded"
    assert again.summary().endswith("0 of 2 practices recorded; 2 already had one")


def test_the_first_snapshot_of_the_day_stays(scored: Store) -> None:
    take_snapshot(scored, CFG, DAY1)
    scored.add_events([("e2", "hot", "demo_request", to_us(DAY1), "t", None)])
    take_snapshot(scored, CFG, DAY1 + timedelta(hours=1))
    assert scored.engagement_history("hot")["engagement_score"].tolist() == [22]
    with pytest.raises(sqlite3.IntegrityError, match="append-only"), scored.write() as w:
        w.execute("UPDATE engagement_snapshots SET engagement_score = 99")


def test_a_snapshot_killed_halfway_leaves_nothing_and_the_rerun_takes_it(
    scored: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = snapshots.snapshot_rows

    def half_then_crash(*args: object, **kwargs: object) -> list:
        rows = real(*args, **kwargs)
        return [rows[0], rows[1][:5]]  # the second row is cut short: the process dies mid-transaction

    monkeypatch.setattr(snapshots, "snapshot_rows", half_then_crash)
    with pytest.raises(sqlite3.Error):
        take_snapshot(scored, CFG, DAY1)
    assert scored.snapshot_days() == []
    monkeypatch.setattr(snapshots, "snapshot_rows", real)
    assert take_snapshot(scored, CFG, DAY1).recorded == 2


def test_backfill_computes_each_past_day_as_of_its_end(scored: Store) -> None:
    recorded = backfill_snapshots(scored, CFG, 3, today=date(2026, 3, 3))
    assert recorded == 6
    history = scored.engagement_history("hot").set_index("day")
    assert list(history.index) == ["2026-02-28", "2026-03-01", "2026-03-02"]
    assert history.loc["2026-02-28", "engagement_score"] == 0  # the meeting happened on 1 March
    assert history.loc["2026-03-01", "engagement_score"] == 23  # 12 h old at the day's end: 25 × 0.5^(0.5/7)
    assert set(history["source"]) == {"backfill"}


def test_the_sample_book_has_a_believable_history(store: Store) -> None:
    load_sample_book(store, n=120, seed=7)
    assert store.event_count() > 120
    types = set(store.events_frame()["type"].astype(str))
    assert {"page_view", "email_open", "meeting", "demo_request"} <= types
    assert len(store.snapshot_days()) == 61  # 60 days back and today
    frame = store.frame("SELECT grid_cell, COUNT(*) AS n FROM engagement_snapshots WHERE day = ? GROUP BY 1",
                        (store.snapshot_days()[-1],))
    assert len(frame) >= 6  # the book spreads over the grid
    assert not store.automation_log().empty
    before = store.event_count()
    load_sample_book(store, n=120, seed=7)  # loading again adds no event twice
    assert store.event_count() == before


# ---- CLI ----------------------------------------------------------------------------------------------------


@pytest.fixture
def run() -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def cli_book() -> Store:
    store = Store.open(DEFAULT_DB)
    store.upsert_practices([{"practice_id": "hot", "source": "import", "name": "Hot Paws",
                             "record": full_record("hot")}])
    run_scoring(store, None, kind="test", trigger="manual")
    return store


def one_line_error(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("leadscore: error: ")
    return lines[0]


def test_cli_events_import_prints_the_report(run, cli_book: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "events.csv"
    path.write_text("event_id,practice_id,type,occurred_at\ne1,hot,meeting,2026-03-01T09:00:00Z\n"
                    "e2,hot,webinar,2026-03-01T09:00:00Z\ne3,ghost,meeting,2026-03-01\ne4,hot,meeting,soon\n",
                    encoding="utf-8")
    result = run("events", "import", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[0] == (
        f"{path}: 4 rows — imported 3, duplicates 0, unknown type 1, unknown practice 1, unreadable 1")
    assert "row 5: occurred_at 'soon' is not an ISO 8601 time" in result.stderr
    again = run("events", "import", str(path), "--no-automation")
    assert "imported 0, duplicates 3" in again.stdout
    assert cli_book.event_count() == 3


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        ("events.csv", "practice_id,type\nhot,meeting\n", "no occurred_at column in the header row"),
        ("events.parquet", "x", "unsupported events file type .parquet"),
        ("missing.csv", None, "file not found"),
    ],
)
def test_cli_events_import_of_an_unusable_file_exits_2_storing_nothing(  # type: ignore[no-untyped-def]
    run, cli_book: Store, tmp_path: Path, name: str, content: str | None, message: str
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    result = run("events", "import", str(path))
    assert result.exit_code == 2
    assert message in one_line_error(result)
    assert cli_book.event_count() == 0


def test_cli_engagement_json_is_one_object_per_practice(run, cli_book: Store) -> None:  # type: ignore[no-untyped-def]
    cli_book.add_events([("e1", "hot", "meeting", to_us(DAY1), "t", None),
                         ("e2", "hot", "demo_request", to_us(DAY1) - 3600 * 10**6, "t", None)])
    result = run("engagement", "--as-of", "2026-03-02T12:00:00Z", "--json")
    assert result.exit_code == 0, result.output
    [row] = [json.loads(line) for line in result.stdout.splitlines()]
    assert row == {"practice_id": "hot", "engagement_score": 54, "engagement_level": 2, "velocity_24h": 2,
                   "recency_risk": "low", "grid_cell": "A2", "next_action": "Call this week"}
    week_later = json.loads(run("engagement", "--as-of", "2026-03-09T12:00:00", "--json").stdout)
    assert (week_later["engagement_score"], week_later["recency_risk"], week_later["velocity_24h"]) == (27, "medium", 0)


def test_cli_engagement_table_and_bad_as_of(run, cli_book: Store) -> None:  # type: ignore[no-untyped-def]
    table = run("engagement")
    assert table.stdout.splitlines()[0].split()[:3] == ["practice_id", "cell", "score"]
    assert "hot" in table.stdout and "A3" in table.stdout
    bad = run("engagement", "--as-of", "next tuesday")
    assert bad.exit_code == 2
    assert "--as-of 'next tuesday' is not an ISO 8601 time" in one_line_error(bad)


def test_cli_snapshot_once_a_day_and_automation(run, cli_book: Store, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    now = to_us(datetime.now(UTC))
    cli_book.add_events([(f"e{i}", "hot", t, now - 10**6, "t", None)
                         for i, t in enumerate(["meeting", "demo_request", "signup", "download"])])
    first = run("snapshot")
    assert first.exit_code == 0, first.output
    assert "1 of 1 practices recorded" in first.stdout
    assert "automation" in first.stdout and "enters-a1 1" in first.stdout
    second = run("snapshot")
    assert "0 of 1 practices recorded; 1 already had one" in second.stdout
    assert "nothing fired" in second.stdout
    bad_rules = tmp_path / "rules.toml"
    bad_rules.write_text('[[rules]]\nid = "x"\n', encoding="utf-8")
    bad = run("snapshot", env={"LEADSCORE_AUTOMATION": str(bad_rules)})
    assert bad.exit_code == 2 and "needs a condition" in one_line_error(bad)
