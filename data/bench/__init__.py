"""`leadscore bench`: the performance targets, measured and printed as numbers and ratios.

Timings are wall-clock on this machine; each figure is the best (or median) of a few runs so a
busy neighbour does not decide the result. Nothing here is asserted in tests. Each module holds the
benchmarks of one area; this registry runs them.
"""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

from .core import Echo, Result


def _lazy(module: str, name: str) -> Callable[[int, Echo], list[Result]]:
    """A benchmark imported only when it runs (the app benchmarks pull in Streamlit and a browser)."""

    def run(n: int, echo: Echo) -> list[Result]:
        return getattr(importlib.import_module(f"{__name__}.{module}"), name)(n, echo)

    return run


BENCHMARKS: dict[str, tuple[Callable[[int, Echo], list[Result]], int, int]] = {
    # name: (function, full size, quick size)
    "book": (_lazy("scoring", "bench_book"), 1_000_000, 100_000),
    "retier": (_lazy("scoring", "bench_retier"), 100_000, 100_000),
    "cli": (_lazy("scoring", "bench_cli"), 100_000, 10_000),
    "files": (_lazy("files", "bench_files"), 100_000, 10_000),
    "store": (_lazy("app", "bench_store"), 10_000, 2_000),
    "writeback": (_lazy("app", "bench_writeback"), 60, 15),
    "dashboard": (_lazy("app", "bench_dashboard"), 10_000, 2_000),
    "evidence": (_lazy("evidence", "bench_evidence"), 100_000, 100_000),
    "whatif_evidence": (_lazy("evidence", "bench_whatif_evidence"), 10_000, 10_000),
    "training": (_lazy("evidence", "bench_training"), 100_000, 20_000),
    "engagement": (_lazy("engagement", "bench_engagement"), 1_000_000, 100_000),  # events (10,000 practices)
}


def run_benchmarks(*, quick: bool = False, only: set[str] | None = None, echo: Echo = print) -> list[Result]:
    results: list[Result] = []
    unknown = (only or set()) - set(BENCHMARKS)
    if unknown:
        echo(f"unknown benchmark(s): {', '.join(sorted(unknown))}; choose from {', '.join(BENCHMARKS)}")
        return results
    echo(f"leadscore bench{' (quick)' if quick else ''} — best of several runs, wall clock, this machine")
    for name, (func, full, small) in BENCHMARKS.items():
        if only and name not in only:
            continue
        started = time.perf_counter()
        batch = func(small if quick else full, echo)
        for result in batch:
            echo(result.line())
        echo(f"  ({name}: {time.perf_counter() - started:.1f} s including setup)")
        results.extend(batch)
    return results
