"""The careful Notion gateway (API 2025-09-03).

It wraps the real ``notion_client.Client``: a client-side throttle keeps under Notion's
3 requests/s, and one retry policy covers what notion-client leaves alone (it retries 429 for every
method but 5xx only for GET/DELETE, and never 502-with-HTML, 504, 409, timeouts or dropped
connections — DESIGN). notion-client's own retries are switched off so attempts never multiply.
"""

from __future__ import annotations

import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from typing import Any, TypeVar

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from .settings import NotionError, NotionSettings

log = logging.getLogger("leadscore.notion")




T = TypeVar("T")


class Throttle:
    """A token bucket: at most ``rate`` requests per second on average, ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self.clock, self.sleep = clock, sleep
        self.tokens = burst
        self.stamp = clock()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                delay = (1 - self.tokens) / self.rate
                self.sleep(delay)
                self.stamp = self.clock()
                self.tokens = 0.0
            else:
                self.tokens -= 1


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, conflicts, server errors, gateways, timeouts, dropped connections."""
    if isinstance(exc, (RequestTimeoutError, httpx.TransportError)):
        return True
    if isinstance(exc, HTTPResponseError):
        # By status, not code: a non-JSON 400/401/404 (e.g. a wrong NOTION_BASE_URL) is not transient.
        return exc.status in (409, 429) or exc.status >= 500
    return False


def describe_error(exc: BaseException) -> str:
    """One line for people: Notion's own message where there is one."""
    if isinstance(exc, APIResponseError):
        code = exc.code.value if hasattr(exc.code, "value") else exc.code
        return f"Notion {exc.status} {code}: {exc}"
    if isinstance(exc, HTTPResponseError):
        return f"Notion answered HTTP {exc.status} with a non-JSON body"
    if isinstance(exc, RequestTimeoutError):
        return "Notion did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "Notion is unreachable (connection refused or DNS failure)"
    if isinstance(exc, httpx.TransportError):
        return f"the connection to Notion broke ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


# Request pacing and retries. 2.9 req/s stays under Notion's 3 req/s average; five attempts with
# back-off from 0.5 s ride out a short outage (about 7.5 s) without stalling a sync for minutes.
GATEWAY_DEFAULTS: dict[str, float] = {
    "rate": 2.9,
    "burst": 1.0,
    "max_attempts": 5,
    "backoff": 0.5,
    "max_backoff": 20.0,
    "timeout_s": 30.0,
}


class NotionGateway:
    def __init__(
        self,
        settings: NotionSettings,
        *,
        rate: float | None = None,
        burst: float | None = None,
        max_attempts: int | None = None,
        backoff: float | None = None,
        max_backoff: float | None = None,
        timeout_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.configured:
            raise NotionError(settings.describe())
        d = GATEWAY_DEFAULTS
        rate = d["rate"] if rate is None else rate
        burst = d["burst"] if burst is None else burst
        max_attempts = int(d["max_attempts"]) if max_attempts is None else max_attempts
        backoff = d["backoff"] if backoff is None else backoff
        max_backoff = d["max_backoff"] if max_backoff is None else max_backoff
        timeout_s = d["timeout_s"] if timeout_s is None else timeout_s
        self.settings = settings
        self.client = Client(
            auth=settings.api_key,
            base_url=settings.base_url,
            timeout_ms=int(timeout_s * 1000),
            logger=logging.getLogger("leadscore.notion.client"),
            log_level=logging.ERROR,
            retry=False,
        )
        self.throttle = Throttle(rate, burst, sleep=sleep)
        self.max_attempts = max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self._data_source_id: str | None = None

    def call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        """One API call with throttle and retries; raises the last error when it keeps failing."""
        for attempt in range(1, self.max_attempts + 1):
            self.throttle.wait()
            self.requests += 1
            try:
                return fn(**kwargs)
            except Exception as exc:
                if not is_transient(exc) or attempt == self.max_attempts:
                    raise
                delay = self._delay(exc, attempt)
                self.retries += 1
                log.info(
                    "retrying %s after %s (attempt %d, %.2fs)",
                    what,
                    describe_error(exc),
                    attempt,
                    delay,
                    extra={"event": "notion_retry", "attempt": attempt, "delay_s": delay},
                )
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, exc: BaseException, attempt: int) -> float:
        if isinstance(exc, HTTPResponseError) and exc.status == 429:
            self.rate_limited += 1
            retry_after = exc.headers.get("retry-after") if exc.headers else None
            try:
                return min(float(retry_after), self.max_backoff) if retry_after else self.backoff
            except ValueError:
                return self.backoff
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * (0.75 + random.random() / 2)

    # ---- endpoints ------------------------------------------------------------------------------

    def data_source_id(self) -> str:
        if self._data_source_id is None:
            db = self.call(
                "databases.retrieve", self.client.databases.retrieve, database_id=self.settings.database_id
            )
            sources = db.get("data_sources") or []
            if not sources:
                raise NotionError(f"database {self.settings.database_id} has no data source")
            self._data_source_id = sources[0]["id"]
        return self._data_source_id

    def database_reachable(self) -> bool:
        """Whether the integration can still see the database (Notion answers 404 when it lost access)."""
        try:
            self.call("databases.retrieve", self.client.databases.retrieve, database_id=self.settings.database_id)
        except APIResponseError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def schema(self) -> dict[str, Any]:
        return self.call(
            "data_sources.retrieve", self.client.data_sources.retrieve, data_source_id=self.data_source_id()
        )

    def update_schema(self, properties: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "data_sources.update",
            self.client.data_sources.update,
            data_source_id=self.data_source_id(),
            properties=properties,
        )

    def pages(self, edited_since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every (non-trashed) page, oldest edit first; ``edited_since`` narrows to recent edits."""
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {
                "page_size": 100,
                "sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}],
            }
            if edited_since:
                body["filter"] = {
                    "timestamp": "last_edited_time",
                    "last_edited_time": {"on_or_after": edited_since},
                }
            if cursor:
                body["start_cursor"] = cursor
            answer = self.call(
                "data_sources.query",
                self.client.data_sources.query,
                data_source_id=self.data_source_id(),
                **body,
            )
            yield from answer.get("results", [])
            if not answer.get("has_more"):
                return
            cursor = answer.get("next_cursor")

    def page(self, page_id: str) -> dict[str, Any] | None:
        """A page, or None when it no longer exists (404)."""
        try:
            return self.call("pages.retrieve", self.client.pages.retrieve, page_id=page_id)
        except APIResponseError as exc:
            if exc.status == 404:
                return None
            raise

    def update_page(self, page_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        return self.call("pages.update", self.client.pages.update, page_id=page_id, properties=properties)
