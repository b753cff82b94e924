"""`leadscore score` and `leadscore bench`: files in, scores out; the performance targets measured."""

from __future__ import annotations

import contextlib
import importlib.abc
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import click

from .app import config_option, fail, main, resolve_config


@main.command()
@click.argument("input_path", metavar="INPUT", type=click.Path(path_type=Path))
@click.option(
    "-o",
    "--output",
    "output_path",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Where to write the scores (.jsonl, .csv or .xlsx). Default: JSON Lines on stdout.",
)
@config_option
@click.option(
    "--progress/--no-progress", default=None, help="Progress bar on stderr (default: for big files)."
)
@click.option("-q", "--quiet", is_flag=True, help="No summary line.")
def score(
    input_path: Path, output_path: Path | None, config_path: Path | None, progress: bool | None, quiet: bool
) -> None:
    """Score every practice in INPUT (.jsonl, .json, .csv or .xlsx).

    One ScoringOutput per input record, in input order. Records with bad values are scored
    (degraded) or reported as Failed; only an unusable file is an error (exit status 2).
    """
    from ..files.batch import InputError, score_file

    cfg = resolve_config(config_path)
    try:
        with _pyarrow_without_pandas(input_path, output_path):
            summary = score_file(input_path, output_path, cfg, show_progress=progress)
    except InputError as exc:
        fail(str(exc))
    except BrokenPipeError:  # e.g. `leadscore score big.jsonl | head`: the reader has what it wanted
        _detach_stdout()
        sys.exit(0)
    except OSError as exc:  # stdout on a full disk, a device that refuses writes, …
        _detach_stdout()
        fail(f"cannot write the scores to standard output ({exc.strerror or exc})")
    if not quiet:
        target = f" → {output_path}" if output_path else ""
        click.echo(f"{input_path}{target}: {summary.line()}", err=True)


class _NoPandas(importlib.abc.MetaPathFinder):
    def find_spec(self, name: str, path: Any = None, target: Any = None) -> None:
        if name == "pandas" or name.startswith("pandas."):
            raise ModuleNotFoundError(f"No module named {name!r}", name=name)
        return None


@contextlib.contextmanager
def _pyarrow_without_pandas(input_path: Path, output_path: Path | None) -> Iterator[None]:
    """JSON Lines in, JSON Lines out never needs pandas, but pyarrow imports it on first use if it can — a
    third of a second of a whole run. For this command's process only (it ends after), pyarrow is told
    pandas is absent. A process that already imported pandas, or any other file type, is left alone."""
    jsonl = input_path.suffix.lower() == ".jsonl" and (output_path is None or output_path.suffix.lower() == ".jsonl")
    if not jsonl or "pandas" in sys.modules:
        yield
        return
    finder = _NoPandas()
    sys.meta_path.insert(0, finder)
    try:
        yield
    finally:
        sys.meta_path.remove(finder)


def _detach_stdout() -> None:
    """Point stdout at /dev/null, so the interpreter's last flush of unwritable output says nothing
    (the one line about it has been, or is about to be, printed)."""
    try:
        fd = sys.stdout.fileno()
    except (AttributeError, OSError, ValueError):  # not a real file (tests capture it)
        return
    devnull = os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, fd)
    os.close(devnull)


@main.command()
@click.option(
    "--quick", is_flag=True, help="Smaller sizes (for a smoke run); the targets assume the full run."
)
@click.option("--only", multiple=True, help="Run only the named benchmarks (repeatable).")
def bench(quick: bool, only: tuple[str, ...]) -> None:
    """Measure the performance targets and print numbers and ratios."""
    from ..bench import run_benchmarks

    run_benchmarks(quick=quick, only=set(only), echo=click.echo)

