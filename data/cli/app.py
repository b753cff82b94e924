"""The `leadscore` command group and what its commands share: one-line errors, the config and
mapping options, opening the workbench, Notion error handling and the write progress bar."""

from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import click
from tqdm import tqdm

from scoring.config import ConfigError, ScoringConfig, load_config


def fail(message: str, code: int = 2) -> None:
    """A one-line error on stderr and a non-zero exit: never a traceback for bad input."""
    click.echo(f"leadscore: error: {message}", err=True)
    sys.exit(code)


def config_option(func):  # type: ignore[no-untyped-def]
    return click.option(
        "--config",
        "config_path",
        type=click.Path(path_type=Path),  # scoring.config names every unusable file in one line
        help="Scoring configuration file (.toml or .json); defaults to SPEC's numbers.",
    )(func)


STORE_CONFIG_HELP = (
    "Scoring configuration file (.toml or .json) for this run. Default: the version applied in the What-if "
    "lab (the store's active configuration), else SPEC's numbers; the environment's overrides "
    "(AUTO_TRIGGER_SCORING, SCORING_TIMEOUT_SECONDS, …) apply on top either way."
)


def store_config_option(func):  # type: ignore[no-untyped-def]
    """--config for commands that score the store's book (rescore, sync): what they really default to."""
    return click.option(
        "--config", "config_path", type=click.Path(dir_okay=False, path_type=Path), help=STORE_CONFIG_HELP
    )(func)


def resolve_config(config_path: Path | None) -> ScoringConfig:
    try:
        return load_config(config_path)
    except ConfigError as exc:
        fail(str(exc))
        raise  # unreachable; keeps type checkers content


class _Commands(click.Group):
    """Every command's known failures — a saved configuration that no longer validates, a store that
    cannot be opened — end as one line (exit status 2), whichever command met them."""

    def invoke(self, ctx: click.Context) -> Any:
        from ..store import StoreError

        try:
            return super().invoke(ctx)
        except (ConfigError, StoreError) as exc:
            fail(str(exc))


@click.group(cls=_Commands, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="leadscore")
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="warning",
    show_default=True,
    help="What to log on stderr (info: every scoring, retry and write).",
)
@click.option("--log-json", is_flag=True, help="Log one JSON object per event, with all structured fields.")
def main(log_level: str, log_json: bool) -> None:
    """Lead scoring for veterinary practices: score files, sync with Notion, run the benchmark."""
    from ..logs import configure

    configure(log_level, log_json)


def open_workbench(config_path: Path | None = None, mapping_path: Path | None = None, *, fill: bool = True) -> Any:
    """The store (created on first use) and Notion settings; bad settings are one-line errors."""
    from ..demo import ensure_sample_book
    from ..notion import NotionError, NotionSettings, PropertyMapping
    from ..notion.sync import Workbench
    from ..store import Store, StoreError

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
    from ..notion import NotionError, describe_error

    try:
        return action()
    except NotionError as exc:
        fail(str(exc), code=1)
    except LookupError as exc:
        fail(str(exc).strip("'\""))
    except ConfigError as exc:  # the store's active configuration no longer validates
        fail(str(exc))
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
    if bench.settings.problem:
        fail(bench.settings.problem)


def _print_report(report: Any) -> None:
    click.echo(report.summary())
    for note in report.notes:
        click.echo(f"  {note}")
    for line in report.failures[:20]:
        click.echo(f"  {line}", err=True)
    if len(report.failures) > 20:
        click.echo(f"  … and {len(report.failures) - 20} more", err=True)

