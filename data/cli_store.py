"""`leadscore` commands for the store and Notion: demo, sync, rescore, push, notion check|setup."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from .cli import config_option, fail, main, resolve_config


def open_workbench(config_path: Path | None = None, mapping_path: Path | None = None, *, fill: bool = True) -> Any:
    """The store (created on first use) and Notion settings; bad settings are one-line errors."""
    from .demo import ensure_sample_book
    from .notion import NotionError, NotionSettings, PropertyMapping
    from .store import Store, StoreError
    from .sync import Workbench

    try:
        store = Store.open()
        settings = NotionSettings.load()
        mapping = PropertyMapping.load(mapping_path)
    except (StoreError, NotionError) as exc:
        fail(str(exc))
    config = resolve_config(config_path) if config_path else None
    bench = Workbench(store, settings, mapping, config=config)
    if fill:
        report = ensure_sample_book(store, settings.configured)
        if report is not None:
            click.echo(f"No Notion configured: loaded the sample book into {store.path} ({report.summary()})", err=True)
    return bench


def run_notion(action: Any) -> Any:
    """Run a Notion action; connection and API problems become one clear line (exit status 1)."""
    from .notion import NotionError, describe_error

    try:
        return action()
    except NotionError as exc:
        fail(str(exc), code=1)
    except LookupError as exc:
        fail(str(exc).strip("'\""))
    except Exception as exc:
        if type(exc).__module__.startswith(("notion_client", "httpx")):
            fail(describe_error(exc), code=1)
        raise


mapping_option = click.option(
    "--mapping",
    "mapping_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Property mapping file (TOML); default notion-mapping.toml or $LEADSCORE_NOTION_MAPPING.",
)


@contextlib.contextmanager
def write_bar() -> Iterator[Callable[[int, int], None]]:
    """A progress bar on stderr for Notion writes (2.9 per second: long books take minutes)."""
    bar: tqdm | None = None

    def update(done: int, total: int) -> None:
        nonlocal bar
        if bar is None and total:
            bar = tqdm(total=total, unit="write", desc="Writing to Notion", file=sys.stderr, leave=False)
        if bar is not None:
            bar.update(done - bar.n)

    try:
        yield update
    finally:
        if bar is not None:
            bar.close()


def _needs_notion(bench: Any) -> None:
    if not bench.notion_configured:
        fail(bench.settings.describe() + ". Set NOTION_API_KEY and NOTION_DATABASE_ID (see README, Notion setup).")


def _print_report(report: Any) -> None:
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"  {note}")
    for line in report.failures[:20]:
        click.echo(f"  {line}", err=True)
    if len(report.failures) > 20:
        click.echo(f"  … and {len(report.failures) - 20} more", err=True)


@main.command()
@click.option("--reset", is_flag=True, help="Forget the current book and rebuild the sample book.")
@click.option("--size", default=500, show_default=True, help="Number of sample practices.")
@click.option("--force", is_flag=True, help="Allow --reset even when the store holds Notion practices.")
def demo(reset: bool, size: int, force: bool) -> None:
    """Load the built-in sample book (about 500 realistic practices) and score it."""
    from .demo import load_sample_book

    store = open_workbench(fill=False).store
    sources = store.sources()
    if sources and not reset:
        click.echo(f"{store.path} already holds {sum(sources.values())} practices; use --reset to rebuild.")
        return
    if reset and sources.get("notion") and not force:
        fail(
            f"{store.path} holds {sources['notion']} practices synced from Notion; "
            "--reset would forget them (add --force if that is what you want)"
        )
    if reset:
        store.clear_book()
    report = load_sample_book(store, n=size)
    click.echo(f"Sample book: {report.summary()} → {store.path}")


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
@click.option("--practice-id", "practice_ids", multiple=True, help="Rescore this practice (repeatable).")
@click.option("--batch", is_flag=True, help="Rescore a group chosen with --tier.")
@click.option("--tier", type=click.Choice(["Hot", "Warm", "Cold", "Pending Enrichment"]), help="With --batch.")
@click.option("--failed", "failed_only", is_flag=True, help="Rescore the practices whose last scoring failed.")
@click.option("--all", "all_", is_flag=True, help="Rescore every practice.")
@config_option
@mapping_option
def rescore(
    practice_ids: tuple[str, ...],
    batch: bool,
    tier: str | None,
    failed_only: bool,
    all_: bool,
    config_path: Path | None,
    mapping_path: Path | None,
) -> None:
    """Rescore practices on demand (and write back when Notion is configured)."""
    if sum([bool(practice_ids), batch, failed_only, all_]) != 1:
        fail("choose exactly one of --practice-id ID, --batch --tier TIER, --failed, --all")
    if batch and not tier:
        fail('--batch needs --tier (e.g. --batch --tier "Pending Enrichment")')
    if tier and not batch:
        fail("--tier goes with --batch (e.g. --batch --tier Hot)")
    bench = open_workbench(config_path, mapping_path)
    with write_bar() as bar:
        report = run_notion(
            lambda: bench.rescore(
                practice_ids=list(practice_ids) or None, tier=tier, failed_only=failed_only, write_progress=bar
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
