"""`leadscore sync`, `push` and `notion check|setup`: the Notion side of the store."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from .app import (
    _needs_notion,
    _print_report,
    config_option,
    main,
    mapping_option,
    open_workbench,
    run_notion,
    write_bar,
)


@main.command()
@click.option("--full", is_flag=True, help="Read every page (also finds trashed and deleted pages).")
@click.option("--no-push", is_flag=True, help="Score but keep the writes in the outbox (deliver later with push).")
@config_option
@mapping_option
def sync(full: bool, no_push: bool, config_path: Path | None, mapping_path: Path | None) -> None:
    """Pull pages from Notion, score what changed, write scores back."""
    bench = open_workbench(config_path, mapping_path, fill=False)
    _needs_notion(bench)
    with write_bar() as bar:
        report = run_notion(
            lambda: bench.sync(
                full=full, push=not no_push, progress=lambda m: click.echo(f"… {m}", err=True), write_progress=bar
            )
        )
    _print_report(report)



@main.command()
@mapping_option
def push(mapping_path: Path | None) -> None:
    """Retry the score write-backs still waiting in the outbox."""
    bench = open_workbench(None, mapping_path, fill=False)
    _needs_notion(bench)
    pending = bench.store.outbox_summary()["size"]
    with write_bar() as bar:
        report = run_notion(lambda: bench.push(progress=bar))
    click.echo(f"{pending} pending → {report.written} written, {report.write_failures} still pending")
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
    """Report what the property mapping finds and lacks in the database."""
    bench = open_workbench(None, mapping_path, fill=False)
    _needs_notion(bench)
    report = run_notion(bench.check)
    click.echo(f"Connected: {report['connection'][0]} (data source {report['data_source'][0]})")
    click.echo(f"Mapping: {bench.mapping.source}")
    for line in report["found"]:
        click.echo(f"  found    {line}")
    for line in report["missing"]:
        click.echo(f"  MISSING  {line} — treated as missing data")
    for line in report["wrong_type"]:
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
