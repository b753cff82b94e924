"""`leadscore events import`, `leadscore engagement` and `leadscore snapshot`: the engagement axis
(issue 11, SPEC §12) from the command line."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import click
import orjson

from .app import config_option, fail, main, open_workbench, resolve_config

JSON_FIELDS = ("practice_id", "engagement_score", "engagement_level", "velocity_24h", "recency_risk", "grid_cell",
               "next_action")


def _config(bench: Any, config_path: Path | None) -> Any:
    from ..scoring_runs import active_config

    return resolve_config(config_path) if config_path else active_config(bench.store)


def _as_of(text: str | None) -> Any:
    from scoring.engagement import from_us

    from ..events.timestamps import TimestampError, parse_timestamp

    if text is None:
        return None
    try:
        return from_us(parse_timestamp(text))
    except TimestampError as exc:
        fail(f"--as-of {exc}")


@main.group()
def events() -> None:
    """Activity events: the engagement axis's input (SPEC §12)."""


@events.command("import")
@click.argument("file", type=click.Path(path_type=Path))
@click.option("--source", help="Source recorded for rows without a source column (default: the file's name).")
@click.option("--no-automation", is_flag=True, help="Do not run the automation rules after importing.")
@config_option
def import_(file: Path, source: str | None, no_automation: bool, config_path: Path | None) -> None:
    """Import events from FILE (.csv, .xlsx or .jsonl) into the store.

    Columns: event_id (optional), practice_id, type, occurred_at (ISO 8601; no zone = UTC), and
    optionally source and detail. Prints imported / duplicates / unknown type / unknown practice /
    unreadable rows (naming row and field). Exit status 2 for a file that cannot be used (nothing is
    stored then).
    """
    from ..events.automation import AutomationError, RuleSet, run_automation
    from ..events.importer import import_events
    from ..files.readers import InputError

    try:
        data = file.read_bytes()
    except FileNotFoundError:
        fail(f"{file}: file not found")
    except IsADirectoryError:
        fail(f"{file}: is a directory, not a file")
    except OSError as exc:
        fail(f"{file}: cannot read ({exc.strerror or exc})")
    bench = open_workbench(fill=False)
    config = _config(bench, config_path)
    try:
        report = import_events(bench.store, str(file), data, config.engagement, default_source=source)
    except InputError as exc:
        fail(str(exc))
    click.echo(report.summary())
    for note in report.notes():
        click.echo(f"  {note}")
    for line in report.problem_lines():
        click.echo(f"  {line}", err=True)
    if report.imported and not no_automation:
        try:
            rules = RuleSet.load(mapping=bench.mapping)
        except AutomationError as exc:
            click.echo(f"  automation rules not run: {exc}", err=True)
        else:
            click.echo(f"  {run_automation(bench.store, config, rules).summary()}")


@main.command()
@click.option("--as-of", "as_of", metavar="TIMESTAMP", help="Compute as of this instant (ISO 8601; default now).")
@click.option("--json", "as_json", is_flag=True, help="One JSON object per line per practice.")
@config_option
def engagement(as_of: str | None, as_json: bool, config_path: Path | None) -> None:
    """Engagement of every practice: score, level, 24-hour velocity, recency risk, grid cell, next action."""
    from ..events.engagement import book_engagement

    moment = _as_of(as_of)
    bench = open_workbench(fill=False)
    config = _config(bench, config_path)
    frame = book_engagement(bench.store, config.engagement, moment).frame()
    if as_json:
        out = sys.stdout.buffer
        for row in frame[list(JSON_FIELDS)].to_dict("records"):
            out.write(orjson.dumps(row, option=orjson.OPT_SERIALIZE_NUMPY) + b"\n")
        out.flush()
        return
    if frame.empty:
        click.echo("No practices in the store yet (load the sample book with `leadscore demo`, or sync).")
        return
    from ..engagement_views import rank_by_cell

    ranked = rank_by_cell(frame)
    header = f"{'practice_id':<40} {'cell':<4} {'score':>5} {'lvl':>3} {'24h':>4} {'risk':<6} next action"
    click.echo(header)
    for r in ranked.itertuples():
        click.echo(f"{r.practice_id!s:<40} {r.grid_cell or '–':<4} {r.engagement_score:>5} {r.engagement_level:>3} "
                   f"{r.velocity_24h:>4} {r.recency_risk:<6} {r.next_action or '– (no fit tier: rescore it)'}")


@main.command()
@click.option("--no-automation", is_flag=True, help="Only record the snapshot.")
@config_option
def snapshot(no_automation: bool, config_path: Path | None) -> None:
    """Record today's engagement snapshot (once per day; a rerun changes nothing), then run the automation
    rules and deliver what they queued (webhooks; Notion properties when Notion is configured)."""
    from ..events.automation import AutomationError, RuleSet, run_automation
    from ..events.delivery import deliver_property_writes
    from ..events.snapshots import take_snapshot
    from ..scoring_runs import RunReport
    from .app import _print_report, run_notion

    bench = open_workbench(fill=False)
    config = _config(bench, config_path)
    click.echo(take_snapshot(bench.store, config).summary())
    if no_automation:
        return
    try:
        rules = RuleSet.load(mapping=bench.mapping)
    except AutomationError as exc:
        fail(str(exc))
    click.echo(run_automation(bench.store, config, rules).summary())
    pending = len(bench.store.property_writes())
    if pending and bench.notion_configured:
        report = RunReport("automation writes")
        run_notion(lambda: deliver_property_writes(bench, report))
        _print_report(report)
    elif pending:
        click.echo(f"  {pending} Notion property writes wait: Notion is not configured", err=True)
