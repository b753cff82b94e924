"""Time, rate limiting and fault injection for the fake Notion server."""

from __future__ import annotations

import math
import random
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

ERROR_FAULTS = ("500", "502", "503", "504", "409", "429")
DEFAULT_FAULT_KINDS = ("500", "502", "503", "504", "409", "slow", "drop")
ALL_FAULT_KINDS = (*DEFAULT_FAULT_KINDS, "429", "drop_after_apply")
"""Fault kinds:

* ``"500"``, ``"503"``, ``"504"``, ``"409"`` — Notion JSON error bodies (``internal_server_error``,
  ``service_unavailable``, ``gateway_timeout``, ``conflict_error``); the request is NOT applied.
* ``"502"`` — an HTML page with ``Content-Type: text/html`` (a gateway error); NOT applied.
* ``"429"`` — a ``rate_limited`` body with ``Retry-After: 1`` (``Faults.retry_after``) regardless of the token
  bucket; NOT applied.
* ``"slow"`` — the request IS applied, then the answer is held back ``slow_seconds`` (longer than the
  client's timeout): the client sees a timeout for a write that already happened.
* ``"drop"`` — the connection is closed without an answer; NOT applied.
* ``"drop_after_apply"`` — the request IS applied, then the connection is closed without an answer
  (the response is lost on the way back). Not in the default kinds.
"""


class FakeClock:
    """The server's "now": real UTC time (or a frozen instant) plus an offset tests can move.

    ``clock()`` / ``clock.now()`` give an aware UTC datetime. ``advance(minutes=5)`` moves time
    forward; ``freeze(at)`` pins it (then only ``advance`` moves it); ``unfreeze()`` goes back to
    real time (keeping the offset). A custom ``source`` callable may replace real time.
    """

    def __init__(self, source: Callable[[], datetime] | None = None) -> None:
        self._source = source or (lambda: datetime.now(UTC))
        self._frozen: datetime | None = None
        self._offset = timedelta(0)
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            base = self._frozen if self._frozen is not None else self._source()
            return (base + self._offset).astimezone(UTC)

    __call__ = now

    def advance(self, seconds: float = 0.0, *, minutes: float = 0.0, hours: float = 0.0) -> datetime:
        with self._lock:
            self._offset += timedelta(seconds=seconds, minutes=minutes, hours=hours)
        return self.now()

    def freeze(self, at: datetime | None = None) -> datetime:
        """Pin the clock at ``at`` (default: the current fake now)."""
        moment = at if at is not None else self.now()
        if moment.tzinfo is None:
            moment = moment.replace(tzinfo=UTC)
        with self._lock:
            self._frozen, self._offset = moment, timedelta(0)
        return moment

    set = freeze

    def unfreeze(self) -> None:
        with self._lock:
            self._frozen = None

    @property
    def offset(self) -> timedelta:
        return self._offset


class TokenBucket:
    """Average ``rate`` requests per second with bursts of up to ``burst`` (real, monotonic time)."""

    def __init__(self, rate: float, burst: int) -> None:
        if rate <= 0 or burst < 1:
            raise ValueError("rate must be > 0 and burst ≥ 1")
        self.rate = rate
        self.burst = burst
        self._tokens = float(burst)
        self._stamp = time.monotonic()
        self._lock = threading.Lock()

    def take(self) -> int:
        """0 if the request may go ahead, else the whole seconds to wait (≥ 1) for ``Retry-After``."""
        with self._lock:
            now = time.monotonic()
            self._tokens = min(self.burst, self._tokens + (now - self._stamp) * self.rate)
            self._stamp = now
            if self._tokens >= 1:
                self._tokens -= 1
                return 0
            return max(1, math.ceil((1 - self._tokens) / self.rate))


@dataclass(frozen=True)
class Injected:
    kind: str
    method: str
    path: str


@dataclass
class _Queued:
    kind: str
    methods: frozenset[str] | None
    path_prefix: str | None


class Faults:
    """Switchable, deterministic fault injection, chosen per request.

    ``set(rate=0.3, kinds=[...], seed=1, methods=["PATCH"], path_prefix="/v1/pages")`` makes each
    matching request fail with probability ``rate`` (kind drawn from ``kinds``, both from a
    ``random.Random(seed)``). ``queue("500", "drop")`` forces the next matching requests to get
    exactly those faults, in order, before any random ones. ``clear()`` stops everything.
    ``injected`` lists what was injected; ``count(kind)`` counts it.
    """

    def __init__(self, slow_seconds: float = 2.0) -> None:
        self.slow_seconds = slow_seconds
        self.retry_after = 1  # the Retry-After (whole seconds) an injected 429 carries
        self._lock = threading.Lock()
        self._queue: list[_Queued] = []
        self.injected: list[Injected] = []
        self.clear()

    def set(
        self,
        rate: float = 0.0,
        kinds: Iterable[str] = DEFAULT_FAULT_KINDS,
        seed: int | None = 0,
        methods: Iterable[str] | None = None,
        path_prefix: str | None = None,
        slow_seconds: float | None = None,
    ) -> None:
        kinds = tuple(kinds)
        _check_kinds(kinds)
        if not 0.0 <= rate <= 1.0:
            raise ValueError("rate must be within [0, 1]")
        with self._lock:
            self.rate = rate
            self.kinds = kinds
            self.methods = _methods(methods)
            self.path_prefix = path_prefix
            self._rng = random.Random(seed)
            if slow_seconds is not None:
                self.slow_seconds = slow_seconds

    def queue(
        self, *kinds: str, methods: Iterable[str] | None = None, path_prefix: str | None = None
    ) -> None:
        _check_kinds(kinds)
        with self._lock:
            self._queue.extend(_Queued(k, _methods(methods), path_prefix) for k in kinds)

    def clear(self) -> None:
        with self._lock:
            self.rate = 0.0
            self.kinds: tuple[str, ...] = DEFAULT_FAULT_KINDS
            self.methods: frozenset[str] | None = None
            self.path_prefix: str | None = None
            self._rng = random.Random(0)
            self._queue.clear()

    def forget(self) -> None:
        """Empty ``injected`` (the settings stay)."""
        with self._lock:
            self.injected.clear()

    def count(self, kind: str | None = None) -> int:
        with self._lock:
            return sum(1 for i in self.injected if kind is None or i.kind == kind)

    def pick(self, method: str, path: str) -> str | None:
        """The fault for this request, if any (called once per authenticated request)."""
        with self._lock:
            kind = self._from_queue(method, path) or self._from_rate(method, path)
            if kind:
                self.injected.append(Injected(kind, method, path))
            return kind

    def _from_queue(self, method: str, path: str) -> str | None:
        for i, item in enumerate(self._queue):
            if _matches(method, path, item.methods, item.path_prefix):
                return self._queue.pop(i).kind
        return None

    def _from_rate(self, method: str, path: str) -> str | None:
        if self.rate <= 0 or not _matches(method, path, self.methods, self.path_prefix):
            return None
        roll = self._rng.random()
        kind = self._rng.choice(self.kinds)
        return kind if roll < self.rate else None


def _methods(methods: Iterable[str] | None) -> frozenset[str] | None:
    return None if methods is None else frozenset(m.upper() for m in methods)


def _matches(method: str, path: str, methods: frozenset[str] | None, prefix: str | None) -> bool:
    return (methods is None or method in methods) and (prefix is None or path.startswith(prefix))


def _check_kinds(kinds: Iterable[str]) -> None:
    unknown = [k for k in kinds if k not in ALL_FAULT_KINDS]
    if unknown:
        raise ValueError(f"unknown fault kinds {unknown}; known: {', '.join(ALL_FAULT_KINDS)}")
