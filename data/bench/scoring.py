"""Benchmarks of the scoring core: the whole book in memory, re-tiering, and `leadscore score` against the
seed-design baseline."""

from __future__ import annotations

import gc
import resource
import tempfile
import tracemalloc
from pathlib import Path
from typing import Any

import orjson

from scoring.config import ScoringConfig
from scoring.features import FeatureTable, record_from_flat_row
from scoring.vector import retier, score_table

from ..synthetic import synthetic_frame
from .core import Echo, Result, best_of, median_of


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
    from ..files.batch import score_file
    from . import baseline

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


