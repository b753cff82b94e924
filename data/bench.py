"""`leadscore bench`: the performance targets, measured and printed as numbers and ratios.

Timings are wall-clock on this machine; each figure is the best (or median) of a few runs so a
busy neighbour does not decide the result. Nothing here is asserted in tests.
"""

from __future__ import annotations

import gc
import resource
import statistics
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import orjson

from scoring.config import ScoringConfig
from scoring.features import FeatureTable, record_from_flat_row
from scoring.vector import retier, score_table

from .synthetic import synthetic_frame

Echo = Callable[[str], None]


@dataclass
class Result:
    name: str
    measured: float
    unit: str
    target: float | None = None
    higher_is_better: bool = False
    note: str = ""

    def line(self) -> str:
        value = _fmt(self.measured, self.unit)
        if self.target is None:
            return f"  {self.name:<58} {value:>12}   {self.note}"
        ok = self.measured >= self.target if self.higher_is_better else self.measured <= self.target
        sign = "≥" if self.higher_is_better else "≤"
        ratio = (
            (self.measured / self.target)
            if self.higher_is_better
            else (self.target / max(self.measured, 1e-9))
        )
        verdict = "meets target" if ok else "MISSES target"
        return (
            f"  {self.name:<58} {value:>12}   target {sign} {_fmt(self.target, self.unit)}"
            f" · {ratio:.1f}× · {verdict}{'  ' + self.note if self.note else ''}"
        )


def _fmt(value: float, unit: str) -> str:
    if unit == "s":
        return f"{value * 1000:.1f} ms" if value < 1 else f"{value:.2f} s"
    if unit == "x":
        return f"{value:.1f}×"
    if unit == "MiB":
        return f"{value:,.0f} MiB"
    if unit == "%":
        return f"{value:.0f} %"
    return f"{value:,.2f} {unit}"


def best_of(runs: int, func: Callable[[], Any]) -> tuple[float, Any]:
    best, result = float("inf"), None
    for _ in range(runs):
        gc.collect()
        started = time.perf_counter()
        result = func()
        best = min(best, time.perf_counter() - started)
    return best, result


def median_of(runs: int, func: Callable[[], Any]) -> float:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        func()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


# ---- the benchmarks -------------------------------------------------------------------------------


def bench_book(n: int, echo: Echo) -> list[Result]:
    frame = synthetic_frame(n, seed=1)
    parse_s, table = best_of(1, lambda: FeatureTable.from_frame(frame))
    frame = None  # free the text columns before measuring memory
    cfg = ScoringConfig()
    score_s, scores = best_of(3, lambda: score_table(table, cfg))
    gc.collect()
    tracemalloc.start()
    score_table(table, cfg)
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    counts = ", ".join(f"{k} {v:,}" for k, v in scores.tier_counts().items())
    return [
        Result(f"whole-book scoring of {n:,} practices (in memory)", score_s, "s", 1.0),
        Result(f"  peak memory allocated while scoring {n:,}", peak / 2**20, "MiB", note=f"tiers: {counts}"),
        Result(
            f"  parsing {n:,} flat rows into features (ingest, once)",
            parse_s,
            "s",
            note=f"{n / parse_s:,.0f} rows/s",
        ),
        Result("  process peak RSS so far", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MiB"),
    ]


def bench_retier(n: int, echo: Echo) -> list[Result]:
    table = FeatureTable.from_frame(synthetic_frame(n, seed=2))
    cfg = ScoringConfig()
    scores = score_table(table, cfg)
    changed = cfg.with_changes(
        hot_tier_min=72, warm_tier_min=45, confidence_multipliers={"high": 1, "medium": 0.85, "low": 0.7}
    )
    seconds = median_of(25, lambda: retier(scores, changed))
    moved = int((retier(scores, changed).tier != scores.tier).sum())
    return [
        Result(
            f"re-tiering {n:,} scored practices under new thresholds",
            seconds,
            "s",
            0.050,
            note=f"{moved:,} change tier",
        )
    ]


def bench_cli(n: int, echo: Echo) -> list[Result]:
    from . import baseline
    from .batch import score_file

    cfg = ScoringConfig()
    frame = synthetic_frame(n, seed=3)
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-") as tmp:
        source = Path(tmp) / "book.jsonl"
        with open(source, "wb") as handle:
            for row in frame.to_dict("records"):
                handle.write(orjson.dumps(record_from_flat_row(row)) + b"\n")
        ours_out, base_out = Path(tmp) / "ours.jsonl", Path(tmp) / "baseline.jsonl"
        ours_s, _ = best_of(3, lambda: score_file(source, ours_out, cfg, show_progress=False))
        base_s, _ = best_of(1, lambda: baseline.score_jsonl_file(source, base_out, cfg))
        agree = _same_scores(ours_out, base_out)
    note = (
        "same lead scores, tiers and flags as the baseline" if agree else "OUTPUTS DIFFER from the baseline"
    )
    return [
        Result(
            f"`leadscore score` on a {n:,}-line JSONL file, end to end",
            ours_s,
            "s",
            note=f"{n / ours_s:,.0f} practices/s",
        ),
        Result(
            "  seed-design per-practice baseline, same file",
            base_s,
            "s",
            note=f"{n / base_s:,.0f} practices/s",
        ),
        Result("  speed-up over the baseline", base_s / ours_s, "x", 10.0, higher_is_better=True, note=note),
    ]


def _same_scores(a: Path, b: Path) -> bool:
    def key(path: Path) -> list[tuple[Any, ...]]:
        with open(path, "rb") as handle:
            rows = [orjson.loads(line) for line in handle]
        return [
            (r["lead_score"], r["priority_tier"], r["confidence_flags"], r["scoring_status"]) for r in rows
        ]

    return key(a) == key(b)


def _app(name: str) -> Callable[[int, Echo], list[Result]]:
    def run(n: int, echo: Echo) -> list[Result]:
        from . import bench_app

        return getattr(bench_app, name)(n, echo)

    return run


BENCHMARKS: dict[str, tuple[Callable[[int, Echo], list[Result]], int, int]] = {
    # name: (function, full size, quick size)
    "book": (bench_book, 1_000_000, 100_000),
    "retier": (bench_retier, 100_000, 100_000),
    "cli": (bench_cli, 100_000, 10_000),
    "store": (_app("bench_store"), 10_000, 2_000),
    "writeback": (_app("bench_writeback"), 60, 15),
    "dashboard": (_app("bench_dashboard"), 10_000, 2_000),
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
