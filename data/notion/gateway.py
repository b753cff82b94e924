"""The careful Notion gateway (API 2025-09-03).

It wraps the real ``notion_client.Client``: requests are paced under Notion's 3 requests/s — with a
store, one schedule per integration shared by every process using that store, since the limit is the
integration's (issue 8) — and one retry policy covers what notion-client leaves alone (it retries 429
for every method but 5xx only for GET/DELETE, and never 502-with-HTML, 504, 409, timeouts or dropped
connections — DESIGN). notion-client's own retries are switched off so attempts never multiply. A 429
is waited out (its Retry-After honoured, every process holding back), never fatal.

It also finds the data source: a database (API 2025-09-03) may have several; the one named in
``NOTION_DATA_SOURCE`` (id or name) is used, else the first, and the others are reported.
"""

from __future__ import annotations

import contextlib
import hashlib
import logging
import random
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol, TypeVar

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from .settings import NotionError, NotionSettings

if TYPE_CHECKING:
    from ..store import Store

log = logging.getLogger("leadscore.notion")

T = TypeVar("T")


class Pacer(Protocol):
    def wait(self) -> None: ...

    def hold(self, seconds: float) -> None: ...


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

    def hold(self, seconds: float) -> None:
        """Notion asked to wait: the next request goes no sooner than ``seconds`` from now."""
        with self.lock:
            self.tokens = min(self.tokens, 1 - seconds * self.rate)
            self.stamp = self.clock()


class SharedThrottle:
    """The integration's request schedule kept in the store, so every process that shares the store and
    the token paces together: each request reserves the next slot in a ``BEGIN IMMEDIATE`` transaction
    (``Store.take_request_slot``), then sleeps until it."""

    def __init__(
        self, store: Store, key: str, rate: float, burst: float = 1.0, sleep: Callable[[float], None] = time.sleep
    ) -> None:
        self.store, self.key = store, key
        self.interval, self.burst = 1.0 / rate, max(1, int(burst))
        self.sleep = sleep

    def wait(self) -> None:
        delay = self.store.take_request_slot(self.key, self.interval, self.burst)
        if delay > 0:
            self.sleep(delay)

    def hold(self, seconds: float) -> None:
        self.store.hold_requests(self.key, time.time() + seconds)


def pace_key(settings: NotionSettings) -> str:
    """Names the integration's schedule: a digest of the API address and token (never the token)."""
    digest = hashlib.sha256(f"{settings.base_url}\n{settings.api_key}".encode()).hexdigest()
    return f"notion:{digest[:16]}"


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, conflicts, server errors, gateways, timeouts, dropped connections."""
    if isinstance(exc, (RequestTimeoutError, httpx.TransportError)):
        return True
    if isinstance(exc, HTTPResponseError):
        # By status, not code: a non-JSON 400/401/404 (e.g. a wrong NOTION_BASE_URL) is not transient.
        return exc.status in (409, 429) or exc.status >= 500
    return False


def may_have_been_applied(exc: BaseException) -> bool:
    """A failure that does not tell whether Notion applied the request: no answer came (a timeout, a
    connection dropped after sending) or a gateway answered for Notion (502, 504). Notion's own errors
    (4xx, 500, 503) and a refused connection mean it was not applied."""
    if isinstance(exc, RequestTimeoutError):
        return True
    if isinstance(exc, httpx.TransportError):
        return not isinstance(exc, httpx.ConnectError | httpx.ConnectTimeout)
    return isinstance(exc, HTTPResponseError) and exc.status in (502, 504)


MAYBE_APPLIED_ATTR = "leadscore_maybe_applied"


def _mark(exc: BaseException, unsure: bool) -> None:
    with contextlib.suppress(AttributeError):  # an exception type with __slots__: judged by its kind
        setattr(exc, MAYBE_APPLIED_ATTR, unsure)


def maybe_applied(exc: BaseException) -> bool:
    """Whether the call that raised ``exc`` may have changed Notion after all: any of its attempts (not
    only the last) timed out, lost its answer or got a gateway error. Set by :meth:`NotionGateway.call`
    on the exception it raises; for other errors, judged from ``exc`` alone."""
    marked = getattr(exc, MAYBE_APPLIED_ATTR, None)
    return may_have_been_applied(exc) if marked is None else bool(marked)


def describe_error(exc: BaseException) -> str:
    """One line for people: Notion's own message where there is one."""
    if isinstance(exc, NotionError):
        return str(exc)  # already a sentence for people
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
# 429s do not count as attempts: they are waited out, up to ``rate_limit_patience_s`` per request.
GATEWAY_DEFAULTS: dict[str, float] = {
    "rate": 2.9,
    "burst": 1.0,
    "max_attempts": 5,
    "backoff": 0.5,
    "max_backoff": 20.0,
    "timeout_s": 30.0,
    "rate_limit_patience_s": 600.0,
}


@dataclass
class DataSourceChoice:
    """Which data source of the database holds the practices, and why (for check, sync, Operations)."""

    database_id: str
    database_title: str
    id: str
    name: str
    others: list[dict[str, str]] = field(default_factory=list)  # [{"id", "name"}] not used
    named: bool = False  # chosen by the setting below
    setting: str = "NOTION_DATA_SOURCE"  # where the choice is made (the activities': [activities] data_source)
    holds: str = "the practices"

    def note(self) -> str | None:
        """A sentence when the database has several data sources (None when it has one)."""
        if not self.others:
            return None
        others = ", ".join(f"{o['name']!r} ({o['id']})" for o in self.others)
        if self.named:
            return (
                f"database {self.database_title!r} has {len(self.others) + 1} data sources; using {self.name!r} "
                f"({self.id}) as {self.setting} says (the others: {others})"
            )
        return (
            f"database {self.database_title!r} has {len(self.others) + 1} data sources and {self.setting} names "
            f"none: using the first, {self.name!r} ({self.id}); the others: {others} — set {self.setting} to "
            f"the id or name of the one that holds {self.holds}"
        )


def choose_data_source(
    db: dict[str, Any], database_ref: str, wanted: str | None, *, setting: str, holds: str = "the practices"
) -> DataSourceChoice:
    """Pick a database's data source (API 2025-09-03): the one ``wanted`` names (id or name, case and
    spaces ignored), else the first. ``db`` is a database object; ``setting`` names where ``wanted``
    comes from. NotionError when the database has no data source or ``wanted`` names none of them."""
    sources = [{"id": s.get("id", ""), "name": s.get("name") or "(untitled)"} for s in db.get("data_sources") or []]
    title = "".join(t.get("plain_text", "") for t in db.get("title") or []) or "(untitled)"
    if not sources:
        raise NotionError(f"database {title!r} ({database_ref}) has no data source")
    if wanted:
        chosen = next(
            (s for s in sources
             if _bare(s["id"]) == _bare(wanted) or s["name"].strip().casefold() == wanted.strip().casefold()),
            None,
        )
        if chosen is None:
            listed = ", ".join(f"{s['name']!r} ({s['id']})" for s in sources)
            raise NotionError(
                f"{setting}={wanted!r} is not a data source of database {title!r}; it has {listed} "
                f"— set {setting} to one of these ids or names"
            )
    else:
        chosen = sources[0]
    return DataSourceChoice(
        database_id=str(db.get("id", database_ref)),
        database_title=title,
        id=chosen["id"],
        name=chosen["name"],
        others=[s for s in sources if s is not chosen],
        named=bool(wanted),
        setting=setting,
        holds=holds,
    )


def _bare(some_id: str) -> str:
    return some_id.replace("-", "").strip().lower()


class NotionGateway:
    def __init__(
        self,
        settings: NotionSettings,
        *,
        store: Store | None = None,
        rate: float | None = None,
        burst: float | None = None,
        max_attempts: int | None = None,
        backoff: float | None = None,
        max_backoff: float | None = None,
        timeout_s: float | None = None,
        rate_limit_patience_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        """A gateway for ``settings`` (NotionError when they are incomplete or unusable). With ``store``,
        requests are paced on the schedule the store keeps for this integration (shared by processes)."""
        if not settings.configured:
            raise NotionError(settings.describe())
        if settings.problem:
            raise NotionError(settings.problem)
        d = GATEWAY_DEFAULTS
        rate = (settings.rate_limit or d["rate"]) if rate is None else rate
        burst = d["burst"] if burst is None else burst
        max_attempts = int(d["max_attempts"]) if max_attempts is None else max_attempts
        backoff = d["backoff"] if backoff is None else backoff
        max_backoff = d["max_backoff"] if max_backoff is None else max_backoff
        timeout_s = d["timeout_s"] if timeout_s is None else timeout_s
        patience = d["rate_limit_patience_s"] if rate_limit_patience_s is None else rate_limit_patience_s
        self.settings = settings
        self.client = Client(
            auth=settings.api_key,
            base_url=settings.base_url,
            timeout_ms=int(timeout_s * 1000),
            logger=logging.getLogger("leadscore.notion.client"),
            log_level=logging.ERROR,
            retry=False,
        )
        self.throttle: Pacer = (
            SharedThrottle(store, pace_key(settings), rate, burst, sleep=sleep)
            if store is not None
            else Throttle(rate, burst, sleep=sleep)
        )
        self.rate = rate
        self.max_attempts = max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.rate_limit_patience_s = patience
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self.waited_for_rate_limit_s = 0.0
        self._choice: DataSourceChoice | None = None

    def call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        """One API call, paced and retried; raises the last error when it keeps failing.

        Transient failures get ``max_attempts`` tries with back-off. A 429 is not a failure of the
        request: every process is held back for its Retry-After and the request is sent again, for up
        to ``rate_limit_patience_s`` of waiting.

        The error raised carries ``maybe_applied`` (read it with :func:`maybe_applied`): whether any
        attempt of this call may have changed Notion after all. It travels on the exception, not on the
        gateway, because one gateway serves several threads and sessions at once."""
        attempt, waited = 1, 0.0
        unsure = False
        while True:
            self.throttle.wait()
            self.requests += 1
            try:
                return fn(**kwargs)
            except Exception as exc:
                unsure = unsure or may_have_been_applied(exc)
                if isinstance(exc, HTTPResponseError) and exc.status == 429:
                    delay = self._retry_after(exc)
                    if waited + delay > self.rate_limit_patience_s:
                        _mark(exc, unsure)
                        raise
                    waited += delay
                    self.rate_limited += 1
                    self.waited_for_rate_limit_s += delay
                    self.throttle.hold(delay)  # every process sharing the integration waits, not only this one
                    log.info(
                        "Notion rate-limited %s; waiting %.1fs as Retry-After says",
                        what,
                        delay,
                        extra={"event": "notion_rate_limited", "delay_s": delay},
                    )
                    continue
                if not is_transient(exc) or attempt >= self.max_attempts:
                    _mark(exc, unsure)
                    raise
                delay = self._delay(attempt)
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
                attempt += 1

    def _retry_after(self, exc: HTTPResponseError) -> float:
        retry_after = exc.headers.get("retry-after") if exc.headers else None
        try:
            return max(0.0, float(retry_after)) if retry_after else max(self.backoff, 1.0 / self.rate)
        except ValueError:
            return max(self.backoff, 1.0 / self.rate)

    def _delay(self, attempt: int) -> float:
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * (0.75 + random.random() / 2)

    # ---- endpoints ------------------------------------------------------------------------------

    def data_source(self) -> DataSourceChoice:
        """The data source that holds the practices (looked up once): the one NOTION_DATA_SOURCE names (id
        or name), else the database's first.

        Raises:
            NotionError: NOTION_DATABASE_ID holds a data source's id (pasted by mistake), the database
                has no data source, or NOTION_DATA_SOURCE names none of its data sources.
            APIResponseError: Notion refused (401, or 404 when the database is not shared).
        """
        if self._choice is None:
            self._choice = choose_data_source(self._database(), self.settings.database_id or "",
                                              self.settings.data_source, setting="NOTION_DATA_SOURCE")
        return self._choice

    def data_source_of(
        self, database_id: str, wanted: str | None = None, *, setting: str, holds: str
    ) -> DataSourceChoice:
        """The data source of another database (e.g. the activities'): the one ``wanted`` names (id or name),
        else its first. ``setting`` names where ``wanted`` comes from, for the error sentence.

        Raises NotionError (no data source; ``wanted`` names none) or APIResponseError (404: not shared)."""
        db = self.call("databases.retrieve", self.client.databases.retrieve, database_id=database_id)
        return choose_data_source(db, database_id, wanted, setting=setting, holds=holds)

    def data_source_id(self) -> str:
        return self.data_source().id

    def _database(self) -> dict[str, Any]:
        try:
            return self.call(
                "databases.retrieve", self.client.databases.retrieve, database_id=self.settings.database_id
            )
        except APIResponseError as exc:
            if exc.status != 404:
                raise
            mistaken = self._as_data_source(self.settings.database_id or "")
            if mistaken is None:
                raise
            parent = (mistaken.get("parent") or {}).get("database_id")
            name = "".join(t.get("plain_text", "") for t in mistaken.get("title") or []) or "(untitled)"
            raise NotionError(
                f"NOTION_DATABASE_ID holds the id of a data source ({name!r}), not of a database: set "
                f"NOTION_DATABASE_ID to the database's id {parent} (or its link), and NOTION_DATA_SOURCE="
                f"{self.settings.database_id} to use this data source"
            ) from None

    def _as_data_source(self, some_id: str) -> dict[str, Any] | None:
        """The data source with this id, if it is one the integration can see (else None)."""
        try:
            return self.call("data_sources.retrieve", self.client.data_sources.retrieve, data_source_id=some_id)
        except APIResponseError:
            return None

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

    def pages(self, edited_since: str | None = None, data_source_id: str | None = None) -> Iterator[dict[str, Any]]:
        """Every (non-trashed) page of the practices' data source (or of ``data_source_id``), oldest edit
        first; ``edited_since`` narrows to recent edits."""
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
                data_source_id=data_source_id or self.data_source_id(),
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
