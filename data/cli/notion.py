"""`leadscore sync`, `push` and `notion check|setup`: the Notion side of the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import (
    _needs_notion,
    _print_report,
    main,
    mapping_option,
    open_workbench,
    run_notion,
    store_config_option,
    write_bar,
)


@main.command()
@click.option("--full", is_flag=True, help="Read every page (also finds trashed and deleted pages).")
@click.option("--no-push", is_flag=True,
              help="Score but keep the writes (scores, automation properties) in the outbox (deliver later with push).")
@store_config_option
@mapping_option
def sync(full: bool, no_push: bool, config_path: Path | None, mapping_path: Path | None) -> None:
    """Pull pages from Notion, score what changed, write scores back.

    Exits 1 when some writes did not land (they stay queued for `leadscore push`)."""
    bench = open_workbench(config_path, mapping_path, fill=False)
    _needs_notion(bench)
    with write_bar() as bar:
        report = run_notion(
            lambda: bench.sync(
                full=full, push=not no_push, progress=lambda m: click.echo(f"… {m}", err=True), write_progress=bar
            )
        )
    _print_report(report)
    if report.pushed and report.write_failures:
        sys.exit(1)  # writes that did not land stay queued: say so in the exit status too (as push does)


@main.command()
@mapping_option
def push(mapping_path: Path | None) -> None:
    """Deliver the writes waiting in the outbox: score write-backs and automation property writes."""
    bench = open_workbench(None, mapping_path, fill=False)
    _needs_notion(bench)
    pending = bench.store.outbox_summary()["size"]  # both kinds, as the report counts them
    with write_bar() as bar:
        report = run_notion(lambda: bench.push(progress=bar))
    click.echo(f"{pending} pending → {report.written} written, {report.write_failures} still pending")
    for note in report.notes:
        click.echo(f"  {note}")
    for line in report.failures[:20]:
        click.echo(f"  {line}", err=True)
    if report.write_failures:
        sys.exit(1)


@main.group()
def notion() -> None:
    """Check the Notion connection and prepare the database."""


@notion.command("check")
@mapping_option
def notion_check(mapping_path: Path | None) -> None:
    """List, per field, the property it is read from (or written to), its type and whether leadscore can
    read (or write) it."""
    bench = open_workbench(None, mapping_path, fill=False)
    _needs_notion(bench)
    report = run_notion(bench.check)
    click.echo(
        f"Connected: {report['connection'][0]} (data source {report['data_source_name'][0]!r}, "
        f"{report['data_source'][0]})"
    )
    for note in report["data_source_note"]:
        click.echo(f"  NOTE     {note}")
    click.echo(f"Mapping: {bench.mapping.source}")
    rows = report["fields"]
    width_f = max(len(r["field"]) for r in rows)
    width_p = max(len(repr(r["property"])) for r in rows)
    width_t = max(len(r["type"]) for r in rows)
    heads = {"input": "Read (scoring inputs)", "sales": "Read (shown, never written)", "score": "Written (scores)"}
    labels = {"yes": "ok", "no": "CANNOT", "missing": "MISSING"}
    for section, head in heads.items():
        click.echo(f"{head}:")
        for r in (r for r in rows if r["section"] == section):
            status = labels[r["status"]]
            line = f"  {status:<8} {r['field']:<{width_f}}  {r['property']!r:<{width_p}}  {r['type']:<{width_t}}"
            click.echo((line + (f"  {r['note']}" if r["note"] else "")).rstrip())
    for line in report["missing"]:
        click.echo(f"  MISSING  {line} — treated as missing data")
    for line in report["wrong_type"]:
        click.echo(f"  PROBLEM  {line}")
    for line in report["status_options"]:
        click.echo(f"  PROBLEM  {line}")
    if report["missing_scores"]:
        click.echo(
            "  score properties missing: " + ", ".join(report["missing_scores"]) + " — run `leadscore notion setup`"
        )
    else:
        click.echo("  all five score properties present")


@notion.command("setup")
@mapping_option
def notion_setup(mapping_path: Path | None) -> None:
    """Add the five score properties to the data source (existing properties stay as they are)."""
    bench = open_workbench(None, mapping_path, fill=False)
    _needs_notion(bench)
    for line in run_notion(bench.setup):
        click.echo(line)
