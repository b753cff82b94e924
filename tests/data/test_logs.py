"""Structured logs on the command line."""

from __future__ import annotations

import json
from pathlib import Path

from click.testing import CliRunner

from data.cli import main


def test_rescore_logs_every_scoring_as_json(tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("LEADSCORE_DB", str(tmp_path / "s.db"))
    for var in ("NOTION_API_KEY", "NOTION_DATABASE_ID"):
        monkeypatch.delenv(var, raising=False)
    runner = CliRunner()
    assert runner.invoke(main, ["demo", "--size", "5"]).exit_code == 0
    result = runner.invoke(main, ["--log-level", "info", "--log-json", "rescore", "--all"])
    assert result.exit_code == 0, result.output
    events = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    scored = [e for e in events if e.get("event") == "scored"]
    assert len(scored) == 5
    for event in scored:
        assert {"practice_id", "lead_score", "priority_tier", "duration_ms", "time", "level"} <= set(event)
        assert event["practice_id"].startswith("demo-") and event["level"] == "info"
