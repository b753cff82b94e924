"""What every benchmark shares: a result line (number, target, ratio, verdict) and timing helpers.

Timings are wall-clock on this machine; each figure is the best (or median) of a few runs so a
busy neighbour does not decide the result. Nothing here is asserted in tests.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

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
