"""A structured ``detail`` nested deeper than can be written (review: a traceback from
`leadscore events import`): stored clipped (scoring.depth.clip_depth), the same however the line
was read — orjson (up to 1,024 levels), the deep reader (deeper), Arrow (declines structure)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import orjson
import pytest

from data.events.importer import DETAIL_DEPTH, import_events, prepare_events
from data.store import Store
from scoring.depth import CLIPPED, WRITABLE_DEPTH, exceeds_depth
from scoring.engagement import EngagementConfig

CFG = EngagementConfig()


def nested_list(depth: int) -> str:
    return "[" * depth + "]" * depth


def nested_object(depth: int) -> str:
    return '{"a":' * depth + "1" + "}" * depth


def line(detail_json: str, event_id: str = "e1") -> bytes:
    return (b'{"event_id":"' + event_id.encode() + b'","practice_id":"p1","type":"meeting",'
            b'"occurred_at":"2026-03-01T09:00:00Z","detail":' + detail_json.encode() + b"}\n")


def expected_list_detail() -> str:
    # DETAIL_DEPTH lists, the innermost holding the clip mark: what the deep reader keeps of any deeper list.
    return "[" * DETAIL_DEPTH + orjson.dumps(CLIPPED).decode() + "]" * DETAIL_DEPTH


@pytest.mark.parametrize("depth", [300, 1_000, 2_000])  # past orjson's writer (254); past its reader (1,024)
def test_a_deep_list_detail_is_stored_clipped_whatever_reads_it(store: Store, depth: int) -> None:
    report = import_events(store, "deep.jsonl", line(nested_list(depth)), CFG)
    assert (report.imported, report.unreadable) == (1, [])
    (detail,) = store.query("SELECT detail FROM events")[0]
    assert detail == expected_list_detail()
    assert not exceeds_depth(orjson.loads(detail), WRITABLE_DEPTH)


def test_a_deep_object_detail_is_clipped_too_and_shallow_ones_are_kept_exactly(store: Store) -> None:
    data = line(nested_object(600), "deep") + line('{"note":[1,{"b":null}]}', "shallow")
    report = prepare_events("deep.jsonl", data)
    details = {row[0]: row[5] for row in report.rows}
    assert details["shallow"] == '{"note":[1,{"b":null}]}'
    deep = orjson.loads(details["deep"])
    for _ in range(DETAIL_DEPTH - 1):
        deep = deep["a"]
    assert deep == {"a": CLIPPED}


def test_a_detail_at_the_kept_depth_is_not_clipped(store: Store) -> None:
    prepared = prepare_events("d.jsonl", line(nested_list(DETAIL_DEPTH)))
    assert prepared.rows[0][5] == nested_list(DETAIL_DEPTH)


def test_cli_imports_a_deep_detail_without_a_traceback(tmp_path: Path) -> None:
    path = tmp_path / "deep_events.jsonl"
    path.write_bytes(line(nested_list(300)) + line(nested_object(400), "e2"))
    env = {**os.environ, "LEADSCORE_DB": str(tmp_path / "cli.db")}
    done = subprocess.run([sys.executable, "-m", "data.cli", "events", "import", str(path), "--no-automation"],
                          capture_output=True, text=True, env=env, check=False)
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    assert done.stdout.startswith(f"{path}: 2 lines — imported 2,")
    store = Store.open(tmp_path / "cli.db")
    assert dict(store.query("SELECT event_id, detail FROM events"))["e1"] == expected_list_detail()
