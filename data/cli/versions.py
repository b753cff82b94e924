"""`leadscore config list` and `leadscore config use`: the saved scoring versions from the shell (the
What-if lab's Versions), so a headless store can leave a version that no longer validates."""

from __future__ import annotations

from pathlib import Path

import click

from .app import _print_report, fail, main, mapping_option, open_workbench, run_notion, write_bar

# How the SPEC defaults may be named on the command line (the lists call them "SPEC defaults").
DEFAULTS_ALIASES = {"default", "defaults", "spec", "spec defaults"}


@main.group()
def config() -> None:
    """The saved scoring configurations (versions) and which one is in force."""


@config.command("list")
def list_versions() -> None:
    """Every version, the active one marked with `*` (the SPEC defaults first)."""
    from ..store import InvalidActiveConfig
    from ..versions import versions

    store = open_workbench(fill=False).store
    broken = None
    try:
        store.active_config()
    except InvalidActiveConfig as exc:
        broken = exc
    listed = versions(store)
    for v in listed:
        active = v.active and broken is None
        click.echo(f"{'*' if active else ' '} {v.label:<24} {v.saved_at or '—':<26} {v.note}")
    if broken is not None:
        click.echo(f"! {broken.label:<24} active, but no longer validates: choose another with "
                   "`leadscore config use LABEL`")


@config.command("use")
@click.argument("label")
@mapping_option
def use(label: str, mapping_path: Path | None) -> None:
    """Put version LABEL in force (`defaults` for the SPEC defaults) and rescore the book with it, as
    the What-if lab's Apply does (writing back when Notion is configured)."""
    from ..versions import activate, versions

    bench = open_workbench(None, mapping_path, fill=False)
    listed = versions(bench.store)
    wanted = label.strip().lower()
    chosen = next((v for v in listed if v.label.lower() == wanted
                   or (v.is_defaults and wanted in DEFAULTS_ALIASES)), None)
    if chosen is None:
        fail(f"no version {label!r}; choose one of: {', '.join(v.label for v in listed)}")
    assert chosen is not None
    activate(bench.store, chosen)
    with write_bar() as bar:
        report = run_notion(lambda: bench.rescore(trigger="apply", write_progress=bar))
    click.echo(f"{chosen.label} is in force.")
    _print_report(report)
