"""What the file tests share: the CLI, the three ways into the one reader, small workbooks."""

from __future__ import annotations

import io
from pathlib import Path
from typing import Any

import openpyxl
import orjson
from click.testing import CliRunner, Result

from data.cli import main
from data.files.importer import import_preview, preview_upload
from data.store import Store


def run(*args: str) -> Result:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def xlsx_bytes(rows: list[list[Any]]) -> bytes:
    """A workbook whose first sheet holds ``rows`` (numbers stay number cells)."""
    book = openpyxl.Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def scored_by_score(path: Path) -> dict[str, tuple[int | None, str | None]]:
    """`leadscore score FILE`: practice id → (lead score, tier)."""
    result = run("score", str(path))
    assert result.exit_code == 0, result.output
    outs = [orjson.loads(line) for line in result.stdout_bytes.splitlines()]
    return {o["practice_id"]: (o["lead_score"], o["priority_tier"]) for o in outs}


def scored_by_import(path: Path, db: Path) -> dict[str, tuple[int | None, str | None]]:
    """`leadscore import FILE` into a fresh store: practice id → (lead score, tier) as stored."""
    import os

    os.environ["LEADSCORE_DB"] = str(db)
    try:
        result = run("import", str(path))
    finally:
        del os.environ["LEADSCORE_DB"]
    assert result.exit_code == 0, result.output
    store = Store.open(db)
    rows = store.query("SELECT practice_id, lead_score, priority_tier FROM scores")
    return {r[0]: (r[1], r[2]) for r in rows}


def scored_by_app(path: Path, db: Path) -> dict[str, tuple[int | None, str | None]]:
    """The Import page's preview and import (the upload's bytes): practice id → (lead score, tier)."""
    preview = preview_upload(path.name, path.read_bytes())
    store = Store.open(db)
    import_preview(store, preview)
    rows = store.query("SELECT practice_id, lead_score, priority_tier FROM scores")
    return {r[0]: (r[1], r[2]) for r in rows}


def all_three(path: Path, tmp: Path) -> list[dict[str, tuple[int | None, str | None]]]:
    """The same file through `leadscore score`, `leadscore import` and the Import page."""
    return [
        scored_by_score(path),
        scored_by_import(path, tmp / f"cli-{path.stem}.db"),
        scored_by_app(path, tmp / f"app-{path.stem}.db"),
    ]


def refusals(path: Path) -> list[str]:
    """The one-line error each way into the reader gives for an unusable file."""
    from data.files import InputError

    messages = []
    for args in (("score", str(path)), ("import", str(path), "--dry-run")):
        result = run(*args)
        assert result.exit_code == 2, result.output
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("leadscore: error: "), result.stderr
        assert "Traceback" not in result.output
        messages.append(lines[0])
    try:
        preview_upload(path.name, path.read_bytes())
    except InputError as exc:
        messages.append(str(exc))
    else:
        raise AssertionError("the Import page accepted an unusable file")
    return messages
