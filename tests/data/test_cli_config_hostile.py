"""Hostile `--config` files and saved configurations in the CLI (issue 8): `leadscore: error: …` naming
the file or version, exit status 2, nothing written — never a traceback."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import orjson
import pytest
from click.testing import CliRunner, Result

from data.cli import main
from data.store import Store
from scoring.config import ConfigError, ScoringConfig
from tests.scoring.records import full_record

INT64_MAX = 2**63 - 1


def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
    # catch_exceptions=True: a traceback would show up as result.exception, not as a test crash
    return CliRunner().invoke(main, list(args), env=env)


def one_line_error(result: Result, *expected: str) -> None:
    assert result.exit_code == 2, result.output
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.strip().splitlines()
    assert len(lines) == 1, result.output
    assert lines[0].startswith("leadscore: error: ")
    for text in expected:
        assert text in lines[0]


@pytest.mark.parametrize(
    ("name", "content", "problem"),
    [
        ("binary.toml", b"\xff\xfe\x00\x81garbage", "not UTF-8 text"),
        ("big.toml", b"decision_maker_points = 18446744073709551616\n", "decision_maker_points must be at most 100"),
        ("max.toml", f"decision_maker_points = {INT64_MAX}\n".encode(), "decision_maker_points must be at most 100"),
        ("deep.toml", b"x = " + b"[" * 1000 + b"]" * 1000, "nested more than 10 levels"),
        ("deep.json", b'{"x": ' + b'{"a": ' * 1000 + b"1" + b"}" * 1001, "nested more than 10 levels"),
        ("empty.json", b"", "is empty"),
        ("list.json", b"[1, 2]", "not a list"),
        ("date.toml", b"hot_tier_min = 2025-01-01\n", "hot_tier_min: Input should be a valid integer"),
        ("nan.json", b'{"scoring_timeout_seconds": NaN}', "NaN is not a number"),
        ("huge.toml", b"#" * (300 * 1024), "larger than 256 KiB"),
        ("settings.yaml", b"hot_tier_min: 80\n", "must end in .toml or .json"),
    ],
)
def test_score_with_a_hostile_config_is_one_line_and_writes_nothing(
    tmp_path: Path, name: str, content: bytes, problem: str
) -> None:
    Path("book.jsonl").write_bytes(orjson.dumps(full_record("a")) + b"\n")
    config = tmp_path / name
    config.write_bytes(content)
    result = invoke("score", "book.jsonl", "-o", "out.jsonl", "--config", str(config))
    one_line_error(result, str(config), problem)
    assert not Path("out.jsonl").exists()


def test_a_config_directory_is_one_line(tmp_path: Path) -> None:
    Path("book.jsonl").write_bytes(orjson.dumps(full_record("a")) + b"\n")
    (tmp_path / "configs.toml").mkdir()
    result = invoke("score", "book.jsonl", "--config", str(tmp_path / "configs.toml"))
    one_line_error(result, "configs.toml is a directory, not a file")


def broken_active_version(tmp_path: Path) -> tuple[Path, dict[str, str], str]:
    """A sample store whose active saved version (``spring``) no longer validates: decision maker points
    of 2⁶³ − 1, what the old validation let through. Returns (store path, CLI env, version label)."""
    db = tmp_path / "book.db"
    env = {"LEADSCORE_DB": str(db)}
    assert invoke("demo", "--size", "12", env=env).exit_code == 0
    store = Store.open(db)
    label = store.save_config("spring", ScoringConfig().with_changes(decision_maker_points=20), activate=True).label
    store.close()
    with sqlite3.connect(db) as conn:
        settings = json.loads(conn.execute("SELECT config_json FROM configs").fetchone()[0])
        settings["decision_maker_points"] = INT64_MAX
        conn.execute("UPDATE configs SET config_json = ?", (json.dumps(settings),))
    return db, env, label


@pytest.mark.parametrize("command", [["rescore", "--all"], ["evidence"], ["engagement"], ["snapshot"],
                                     ["events", "import", "events.jsonl"]])
def test_a_saved_configuration_that_no_longer_validates_stops_every_command(
    tmp_path: Path, command: list[str]
) -> None:
    """A version saved before the bounds existed (or edited in the file) stops the run with its name —
    whichever command meets it first, one line, never a traceback."""
    db, env, label = broken_active_version(tmp_path)
    before = _scores(db)
    (tmp_path / "events.jsonl").write_text('{"practice_id": "demo-0001", "type": "meeting", '
                                           '"occurred_at": "2026-11-01T10:00:00Z"}\n')
    result = invoke(*[str(tmp_path / a) if a.endswith(".jsonl") else a for a in command], env=env)
    one_line_error(result, f"saved configuration {label}", "decision_maker_points must be at most 100")
    assert _scores(db) == before  # nothing was rescored with it
    store = Store.open(db)
    with pytest.raises(ConfigError, match=label):
        store.active_config()
    assert [c.label for c in store.configs()] == []  # the list shows what can still be applied
    store.close()


def _scores(db: Path) -> list[tuple[object, ...]]:
    with sqlite3.connect(db) as conn:
        return conn.execute("SELECT practice_id, lead_score, scoring_timestamp FROM scores ORDER BY 1").fetchall()


def test_the_way_out_from_the_shell_is_config_use(tmp_path: Path) -> None:
    """A headless store leaves a version that no longer validates with `leadscore config use`: the
    message names the command, `config list` marks the broken one, and `use defaults` rescores."""
    db, env, label = broken_active_version(tmp_path)
    one_line_error(invoke("engagement", env=env), "leadscore config use")
    listed = invoke("config", "list", env=env)
    assert listed.exit_code == 0 and f"! {label}" in listed.output and "* " not in listed.output
    assert invoke("config", "use", "nope", env=env).exit_code == 2
    used = invoke("config", "use", "defaults", env=env)
    assert used.exit_code == 0, used.output
    assert "SPEC defaults is in force" in used.output and "scored 12" in used.output
    assert invoke("engagement", env=env).exit_code == 0
    store = Store.open(db)
    assert store.active_config() is None
    assert store.query("SELECT label FROM configs")[0][0] == label  # kept, untouched
    store.close()


def test_config_use_puts_a_saved_version_in_force_and_rescores(tmp_path: Path) -> None:
    db = tmp_path / "book.db"
    env = {"LEADSCORE_DB": str(db)}
    assert invoke("demo", "--size", "12", env=env).exit_code == 0
    store = Store.open(db)
    label = store.save_config("strict", ScoringConfig().with_changes(hot_tier_min=119, warm_tier_min=118)).label
    store.close()
    used = invoke("config", "use", label, env=env)
    assert used.exit_code == 0, used.output
    store = Store.open(db)
    active = store.active_config()
    assert active is not None and active.label == label
    tiers = {r[0] for r in store.query("SELECT priority_tier FROM scores WHERE scoring_status = 'Scored'")}
    assert "Hot" not in tiers and "Warm" not in tiers  # every practice rescored with the strict thresholds
    listed = invoke("config", "list", env=env)
    assert f"* {label}" in listed.output
    store.close()
