"""`leadscore import FILE [--dry-run]`: the Import page's preview and import, from the command line."""

from __future__ import annotations

from pathlib import Path

import click

from ..wording import count
from .app import fail, main, open_workbench

SHOWN_PROBLEMS = 20


@main.command("import")
@click.argument("input_path", metavar="FILE", type=click.Path(path_type=Path))
@click.option("--dry-run", is_flag=True, help="Check the file and print the report; store nothing.")
@click.option(
    "--all-rows", is_flag=True, help=f"List every problem row (default: the first {SHOWN_PROBLEMS})."
)
def import_(input_path: Path, dry_run: bool, all_rows: bool) -> None:
    """Import practices from FILE (.csv, .xlsx, .jsonl or .json) into the store and score them.

    FILE has SPEC §1's columns (practice_id, name, … decision_maker_linkedin), plus any of status,
    assigned_to (or owner), last_contact, initial_score, call_notes and tags; other columns are kept.
    Prints the row-by-row report's summary and its problem rows. Exit status 0 when imported, 2 when
    the file cannot be used (nothing is stored then). Your book replaces the sample book.
    """
    import pandas as pd

    from ..files import InputError
    from ..files.importer import import_preview, preview_import

    try:
        preview = preview_import(input_path)
    except InputError as exc:
        fail(str(exc))
    click.echo(f"{input_path}: {preview.summary()}")
    problems = preview.problems()
    shown = problems if all_rows else problems.head(SHOWN_PROBLEMS)
    where = "row" if preview.book.kind == "flat" else "line"
    for row in shown.itertuples(index=False):
        pid = "" if pd.isna(row.practice_id) else f" {row.practice_id}"
        click.echo(f"  {where} {row.row:,}{pid} — {row.outcome}: {row.problems}")
    if len(problems) > len(shown):
        click.echo(f"  … and {len(problems) - len(shown):,} more (--all-rows lists them all)")
    if not preview.importable:
        fail(f"{input_path}: no row can be imported (every row lacks a usable practice_id); nothing stored")
    if dry_run:
        click.echo(f"Dry run: nothing stored ({count(preview.importable, 'practice')} would be imported).")
        return
    store = open_workbench(fill=False).store  # an empty store never gets the sample book first
    try:
        report = import_preview(store, preview)
    except InputError as exc:
        fail(str(exc))
    click.echo(f"{report.headline()} → {store.path}")
    note = report.sample_note()
    if note:
        click.echo(note)
