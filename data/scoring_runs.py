"""Scoring practices into the store: a run, its outputs, history, and queued Notion write-backs.

Every scoring goes through the orchestrator (timeout, circuit breaker, never raises), so a sync,
a rescore button and the CLI behave the same way when something breaks.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from collections import Counter
from collections.abc import Callable, Coroutine, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any, TypeVar

from scoring.config import ScoringConfig, load_config, with_env
from scoring.engine import score_record
from scoring.models import TIERS, ScoringOutput
from scoring.orchestrator import ScoringOrchestrator

from .notion import changed_values, describe_error, score_values
from .store import Store, percentiles

T = TypeVar("T")
SAVE_BATCH = 500  # practices per transaction: a killed run keeps what it finished
# How many times a practice whose inputs changed while it was scored is scored again at once from its new
# inputs before it is left (with its older score) for the next scoring to pick up.
STALE_RESCORES = 3


@dataclass
class RunReport:
    kind: str
    run_id: int | None = None
    total: int = 0
    tiers: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)
    queued: int = 0
    written: int = 0
    write_failures: int = 0  # pages whose write did not (fully) land in this run: they stay queued
    partly_written: int = 0  # pages where some score properties landed and others cannot be written yet
    cancelled: int = 0  # queued writes found unneeded at delivery (the page already holds the score)
    pushed: bool = False  # whether this run tried to deliver the outbox
    left_queued: int | None = None  # the outbox's size when the run ended (None: not looked at)
    seconds: float = 0.0
    notes: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)  # "practice: reason" for failed writes
    durations_ms: list[float] = field(default_factory=list, repr=False)

    @property
    def failed(self) -> int:
        return sum(self.errors.values())

    @property
    def scored(self) -> int:
        return self.total - self.failed

    def summary(self) -> str:
        # Hot → Warm → Cold → Pending Enrichment, as every page lists them (not by size)
        tiers = ", ".join(f"{t} {self.tiers[t]:,}" for t in TIERS if self.tiers.get(t))
        errors = ", ".join(f"{e} {n}" for e, n in sorted(self.errors.items()))
        parts = [f"scored {self.scored:,}" + (f" ({tiers})" if tiers else "")]
        if self.failed:
            parts.append(f"failed {self.failed} ({errors})")
        if self.pushed and (self.queued or self.written or self.write_failures or self.cancelled):
            text = f"Notion: {self.written} written"
            if self.partly_written:
                text += f", {self.partly_written} partly written"
            if self.cancelled:
                text += f", {self.cancelled} no longer needed"
            parts.append(text + f", {self.write_failures} still pending")
        elif not self.pushed and self.left_queued:
            parts.append(f"Notion: {self.left_queued} writes left queued (deliver them with `leadscore push`)")
        return "; ".join(parts) + f" in {self.seconds:.2f} s"


def active_config(store: Store, fallback: ScoringConfig | None = None) -> ScoringConfig:
    """The store's active saved configuration, else the file configuration — with the environment's
    operational overrides (AUTO_TRIGGER_SCORING, …) on top either way."""
    saved = store.active_config()
    if saved is not None:
        return with_env(saved.config)
    return fallback or load_config()


def _timed_scorer(durations: dict[str, float]) -> Callable[[Any, ScoringConfig], ScoringOutput]:
    def scorer(raw: Any, cfg: ScoringConfig) -> ScoringOutput:
        started = time.perf_counter()
        out = score_record(raw, cfg)
        if out.practice_id is not None:
            durations[out.practice_id] = (time.perf_counter() - started) * 1000
        return out

    return scorer


def score_practices(
    store: Store,
    records: Sequence[tuple[str, Any, str]],
    *,
    config: ScoringConfig,
    trigger: str,
    run_id: int | None,
    report: RunReport,
    notion: bool = False,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Score ``records`` — (practice id, stored record, its inputs_hash) triples, as ``Store.scoring_inputs``
    reads them — and save them (current score, history, outbox) in batches. Outputs carry the store's id
    even when a record is too broken to name itself.

    A practice whose inputs changed while it was scored (a sync or an import landed meanwhile) is not
    saved with that stale score (``Store.save_scores``' ``scored_from``, issue 8): it is scored again at once
    from its new inputs, up to ``STALE_RESCORES`` times; one still changing after that keeps its older
    score, which ``Store.unscored_ids`` picks up, and the report's notes say so.

    ``notion`` turns on write-back: a practice is queued only when it has a page and its new values
    differ from the page's, as the store knows them when the batch is saved (``Store.save_scores``).
    """
    durations: dict[str, float] = {}
    orch = ScoringOrchestrator(config, scorer=_timed_scorer(durations))
    all_durations: list[float] = []
    left_stale = 0
    for start in range(0, len(records), SAVE_BATCH):
        pending = list(records[start : start + SAVE_BATCH])
        for attempt in range(STALE_RESCORES + 1):
            stale = _score_and_save(store, orch, durations, pending, config, trigger, run_id, report, notion,
                                    all_durations)
            if not stale:
                break
            if attempt == STALE_RESCORES:
                left_stale += len(stale)
                break
            pending = store.scoring_inputs(stale)  # their inputs now (a practice removed meanwhile: gone)
        if progress is not None:
            progress(min(start + SAVE_BATCH, len(records)), len(records))
    if left_stale:
        report.notes.append(
            f"{left_stale} practices changed every time they were scored; they keep their older score "
            "and are scored again by the next sync or rescore"
        )
    report.notes.append(_percentile_note(all_durations))
    report.durations_ms.extend(all_durations)


def _score_and_save(
    store: Store,
    orch: ScoringOrchestrator,
    durations: dict[str, float],
    triples: Sequence[tuple[str, Any, str]],
    config: ScoringConfig,
    trigger: str,
    run_id: int | None,
    report: RunReport,
    notion: bool,
    all_durations: list[float],
) -> list[str]:
    """Score one batch and save it; count the saved outputs into ``report``. Returns the practices whose
    outputs were stale (not saved, not counted)."""
    batch = [{**r, "triggered_by": _trigger_field(trigger)} if isinstance(r, dict) else r for _, r, _ in triples]
    outputs = [o.model_dump(mode="json") for o in run_coroutine(orch.score_many(batch))]
    for (pid, _, _), out in zip(triples, outputs, strict=True):
        out["practice_id"] = pid
    batch_durations = [durations.get(o["practice_id"] or "", float(o["scoring_duration_ms"])) for o in outputs]
    # Every Notion practice scored gets its outbox state set from the new score: queued when its
    # page holds something else, a pending write cancelled when the page already holds it (a rescore
    # back to Notion's values must not leave an older write to deliver — issue 8). Decided inside the
    # save's transaction, against what the page holds then: a sync or a write landing while this
    # batch was scored must not make the decision stale. Likewise whether each output still belongs
    # to its practice's inputs (``scored_from``).
    saved = store.save_scores(
        outputs,
        trigger=trigger,
        run_id=run_id,
        config_version=config.config_version,
        durations_ms=batch_durations,
        scored_from=[digest for _, _, digest in triples],
        write_back=page_diff if notion else None,
    )
    report.queued += saved.queued
    for out, history_id, ms in zip(outputs, saved, batch_durations, strict=True):
        if history_id is None:  # stale: scored again from the new inputs, or left for the next scoring
            continue
        if out["scoring_status"] == "Failed":
            report.errors[out["error_type"]] += 1
        else:
            report.tiers[out["priority_tier"]] += 1
        report.total += 1
        all_durations.append(ms)
    return saved.stale


def run_coroutine(coro: Coroutine[Any, Any, T]) -> T:
    """Run async work from synchronous code, even when this thread already runs an event loop
    (a notebook, an async host): then it runs on a helper thread with its own loop."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def _trigger_field(trigger: str) -> str:
    # ScoringInput.triggered_by is auto | manual | rescore; runs name their trigger more precisely.
    return trigger if trigger in ("auto", "manual", "rescore") else "manual"


def _percentile_note(durations: list[float]) -> str:
    p = percentiles(durations)
    if p["p50_ms"] is None:
        return "no practices scored"
    return f"per-practice time p50 {p['p50_ms']} ms, p95 {p['p95_ms']} ms, p99 {p['p99_ms']} ms"


def score_stored(
    store: Store,
    practice_ids: Sequence[str] | None,
    *,
    config: ScoringConfig,
    trigger: str,
    report: RunReport,
    notion: bool,
    progress: Callable[[int, int], None] | None = None,
) -> None:
    """Score stored practices (all active ones when ``practice_ids`` is None) into ``report``'s run;
    with ``notion``, queue write-backs for the pages whose score values change."""
    score_practices(
        store,
        store.scoring_inputs(practice_ids),
        config=config,
        trigger=trigger,
        run_id=report.run_id,
        report=report,
        notion=notion,
        progress=progress,
    )


def run_scoring(
    store: Store,
    practice_ids: Sequence[str] | None,
    *,
    kind: str,
    trigger: str,
    config: ScoringConfig | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> RunReport:
    """Score stored practices as one recorded run, without Notion (demo, import, benchmarks)."""
    cfg = config or active_config(store)
    with recorded_run(store, RunReport(kind), trigger, cfg.config_version) as report:
        score_stored(store, practice_ids, config=cfg, trigger=trigger, report=report, notion=False, progress=progress)
    return report


R = TypeVar("R", bound=RunReport)


@contextlib.contextmanager
def recorded_run(store: Store, report: R, trigger: str, config_version: str | None = None) -> Iterator[R]:
    """A run in the runs table: started now, then completed — or failed, with its reason — when the
    block ends."""
    started = time.perf_counter()
    report.run_id = store.start_run(report.kind, trigger, config_version)
    try:
        yield report
    except BaseException as exc:
        report.seconds = time.perf_counter() - started
        reason = describe_error(exc)
        report.notes.append(f"stopped: {reason}")
        finish(store, report, status="failed", error=reason)
        raise
    report.seconds = time.perf_counter() - started
    finish(store, report)


def finish(store: Store, report: RunReport, status: str = "completed", error: str | None = None) -> None:
    assert report.run_id is not None
    store.finish_run(
        report.run_id,
        status=status,
        total=report.total,
        scored=report.scored,
        failed=report.failed,
        written=report.written,
        write_failures=report.write_failures,
        error=error,
        **percentiles(report.durations_ms),
        tiers=dict(report.tiers),
        errors=dict(report.errors),
        notes=report.notes,
        seconds=round(report.seconds, 3),
    )


def page_diff(output: dict[str, Any], held: dict[str, Any] | None) -> dict[str, Any]:
    """The score values of a scoring ``output`` (SPEC §10's five fields) that differ from what its Notion
    page holds (``held``; None when nothing is known): what a write must still send, {} when nothing."""
    return changed_values(score_values(output), held)
