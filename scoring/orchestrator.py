"""The error boundary around scoring (SPEC §9, seed §§2–4, 7).

:meth:`ScoringOrchestrator.score` never raises: a timeout, an open circuit breaker, an unreadable
record or any unexpected exception becomes a Failed :class:`ScoringOutput`. I/O reaches it only
through the small :class:`PracticeLoader` protocol, so the module stays pure.

The timeout interrupts whatever waits (loading a practice); the scoring step is synchronous CPU
work, so a practice whose scoring overran the limit is reported as a timeout when it returns.

pybreaker notes (DESIGN): ``call_async`` needs tornado and decorating a coroutine never trips, so
the guarded work runs inside ``with breaker.calling():``. Timeouts and cancellations are excluded:
they are the timeout's business, not evidence that scoring is broken.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime
from typing import Any, Protocol

import pybreaker

from .config import ScoringConfig
from .engine import DEFAULT_CONFIG, failed_output, score_record, utc_now
from .models import ScoringOutput, guess_practice_id

log = logging.getLogger("leadscore.scoring")


class PracticeLoader(Protocol):
    """Fetches the current record of a practice (e.g. from Notion or the local store)."""

    async def __call__(self, practice_id: str) -> Any: ...


Scorer = Callable[[Any, ScoringConfig], ScoringOutput]


def _default_scorer(raw: Any, cfg: ScoringConfig) -> ScoringOutput:
    return score_record(raw, cfg)


def new_breaker(cfg: ScoringConfig, name: str = "scoring") -> pybreaker.CircuitBreaker:
    # throw_new_error_on_trip=False: the call that trips the breaker reports its own error; only
    # the calls refused while it is open are "circuit_breaker" failures.
    return pybreaker.CircuitBreaker(
        fail_max=cfg.circuit_breaker_fail_max,
        reset_timeout=cfg.circuit_breaker_reset_timeout,
        exclude=[asyncio.CancelledError, asyncio.TimeoutError, TimeoutError],
        throw_new_error_on_trip=False,
        name=name,
    )


_BREAKERS: dict[tuple[str, int, float], pybreaker.CircuitBreaker] = {}


def shared_breaker(cfg: ScoringConfig, name: str = "scoring") -> pybreaker.CircuitBreaker:
    """One breaker per process and settings, so a Streamlit rerun or a new orchestrator keeps its state."""
    key = (name, cfg.circuit_breaker_fail_max, cfg.circuit_breaker_reset_timeout)
    breaker = _BREAKERS.get(key)
    if breaker is None:
        breaker = _BREAKERS.setdefault(key, new_breaker(cfg, name))
    return breaker


class ScoringOrchestrator:
    def __init__(
        self,
        config: ScoringConfig | None = None,
        *,
        breaker: pybreaker.CircuitBreaker | None = None,
        loader: PracticeLoader | None = None,
        scorer: Scorer = _default_scorer,
        clock: Callable[[], datetime] = utc_now,
    ) -> None:
        self.config = config or DEFAULT_CONFIG
        self.breaker = breaker or shared_breaker(self.config)
        self.loader = loader
        self.scorer = scorer
        self.clock = clock

    @property
    def breaker_state(self) -> str:
        return self.breaker.current_state

    async def score(self, raw: Any = None, *, practice_id: str | None = None) -> ScoringOutput:
        """Score one practice given its record, or its id (fetched with the loader). Never raises."""
        started = time.perf_counter()
        pid = practice_id or guess_practice_id(raw)
        timeout = self.config.scoring_timeout_seconds
        try:
            output = await asyncio.wait_for(self._guarded(raw, practice_id), timeout=timeout)
            if time.perf_counter() - started > timeout:
                # Scoring itself is synchronous CPU work that nothing can pre-empt (a thread would
                # only keep burning CPU): a practice that overran the limit is still a timeout.
                raise TimeoutError
        except TimeoutError:
            return self._failed(pid, started, "timeout", f"Scoring exceeded the {timeout * 1000:g} ms limit")
        except pybreaker.CircuitBreakerError:
            reset = self.config.circuit_breaker_reset_timeout
            return self._failed(
                pid,
                started,
                "circuit_breaker",
                f"Too many recent scoring failures; scoring is paused and resumes within {reset:g}s",
            )
        except Exception as exc:  # the error boundary: nothing escapes to the caller
            return self._failed(pid, started, "unexpected_error", f"{type(exc).__name__}: {exc}")
        duration = int((time.perf_counter() - started) * 1000)
        output = output.model_copy(update={"scoring_duration_ms": duration})
        log.info(
            "scored %s",
            output.practice_id,
            extra={
                "event": "scored",
                "practice_id": output.practice_id,
                "lead_score": output.lead_score,
                "priority_tier": output.priority_tier,
                "scoring_status": output.scoring_status,
                "error_type": output.error_type,
                "duration_ms": duration,
            },
        )
        return output

    async def _guarded(self, raw: Any, practice_id: str | None) -> ScoringOutput:
        with self.breaker.calling():
            if raw is None and practice_id is not None and self.loader is not None:
                raw = await self.loader(practice_id)
            return self.scorer(raw, self.config)

    def _failed(
        self, practice_id: str | None, started: float, error_type: str, message: str
    ) -> ScoringOutput:
        duration = int((time.perf_counter() - started) * 1000)
        log.warning(
            "scoring failed for %s: %s",
            practice_id,
            message,
            extra={
                "event": "scoring_failed",
                "practice_id": practice_id,
                "error_type": error_type,
                "error_message": message,
                "duration_ms": duration,
                "breaker_state": self.breaker.current_state,
            },
        )
        return failed_output(practice_id, error_type, message, now=self.clock(), duration_ms=duration)

    async def score_many(
        self,
        raws: Sequence[Any] | None = None,
        *,
        practice_ids: Iterable[str] | None = None,
        on_done: Callable[[int, ScoringOutput], None] | None = None,
    ) -> list[ScoringOutput]:
        """Score several practices, at most ``max_concurrency`` at once; outputs keep input order."""
        items: list[tuple[Any, str | None]] = (
            [(raw, None) for raw in raws] if raws is not None else [(None, pid) for pid in practice_ids or ()]
        )
        gate = asyncio.Semaphore(self.config.max_concurrency)
        results: list[ScoringOutput | None] = [None] * len(items)

        async def one(index: int, raw: Any, pid: str | None) -> None:
            async with gate:
                results[index] = out = await self.score(raw, practice_id=pid)
            if on_done is not None:
                on_done(index, out)

        await asyncio.gather(*(one(i, raw, pid) for i, (raw, pid) in enumerate(items)))
        return [r for r in results if r is not None]
