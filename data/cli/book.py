"""`leadscore demo` and `leadscore rescore`: the book in the local store."""

from __future__ import annotations

from pathlib import Path

import click

from ..wording import count
from .app import _print_report, fail, main, mapping_option, open_workbench, run_notion, store_config_option, write_bar


@main.command()
@click.option("--reset", is_flag=True, help="Forget the current book and rebuild the sample book.")
@click.option("--size", default=500, show_default=True, help="Number of sample practices.")
@click.option("--force", is_flag=True, help="Allow --reset even when the store holds Notion practices.")
def demo(reset: bool, size: int, force: bool) -> None:
    """Load the built-in sample book (about 500 realistic practices) and score it."""
    from ..demo import load_sample_book

    store = open_workbench(fill=False).store
    sources = store.sources()
    if sources and not reset and "demo" not in sources:
        # The sample was set aside by an import (your book replaces it): bring it back beside your book.
        report = load_sample_book(store, n=size)
        others = sum(sources.values())
        click.echo(f"Sample book back beside your {count(others, 'practice')}: {report.summary()} → {store.path}")
        return
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
@click.option("--practice-id", "practice_ids", multiple=True, help="Rescore this practice (repeatable).")
@click.option("--batch", is_flag=True, help="Rescore a group chosen with --tier.")
@click.option("--tier", type=click.Choice(["Hot", "Warm", "Cold", "Pending Enrichment"]), help="With --batch.")
@click.option("--failed", "failed_only", is_flag=True, help="Rescore the practices whose last scoring failed.")
@click.option("--all", "all_", is_flag=True, help="Rescore every practice.")
@store_config_option
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


