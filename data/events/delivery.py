"""Delivering queued Notion property writes (automation's ``notion_property`` action).

They wait in the store's ``property_outbox`` (:meth:`Store.queue_property_write`: one row per page and
property, the latest value winning) and are delivered with the score outbox — by every sync, `leadscore
push`, the app's Push and a rescore (:meth:`Workbench._deliver`), and by `leadscore snapshot` — through
the practices' gateway (throttle, retries with back-off) and with the score outbox's promises:

* one PATCH per page carries every property due for it;
* a write Notion cannot take as it is set up now (no such property, a type leadscore cannot write, a
  status option the API cannot create, a value Notion refuses with a 400 validation error) is never
  sent as it is: it is marked with the reason (its firing logged ``failed``), shown on Operations and
  in the run's notes, and tried again only when that property's schema changes or a newer value
  replaces it;
* a transient failure stays queued with Notion's message for the next delivery, and after
  ``GIVE_UP_AFTER`` in a row the rest wait untried (Notion is down);
* a write is dropped only when its page is gone.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Collection, Mapping
from typing import TYPE_CHECKING, Any

import httpx
import orjson
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from ..notion.gateway import describe_error, is_transient
from ..notion.gone import GONE_PHRASE, mark_if_gone
from ..notion.writers import PAYLOAD_WRITERS, missing_status_option
from .automation import protected_reason

if TYPE_CHECKING:
    from ..notion.sync import Workbench
    from ..scoring_runs import RunReport

OPTION_NAME_LIMIT = 100  # characters of a select option name (Notion's limit)


def _option(text: str) -> str:
    return text.replace(",", ";")[:OPTION_NAME_LIMIT]  # option names may not contain commas


# How an automation's text value is written to each type: the score writers (PAYLOAD_WRITERS) where
# leadscore already writes that type, the plain value shapes of Notion's API for the rest.
_VALUE_FOR: dict[str, Callable[[str], Any]] = {
    "select": lambda t: _option(t) or None,
    "status": lambda t: t or None,
    "multi_select": lambda t: [_option(t)] if t else [],
    "rich_text": lambda t: t,
    "number": lambda t: float(t) if t.strip() else None,
}
_OTHER_WRITERS: dict[str, Callable[[str], dict[str, Any]]] = {
    "title": lambda t: {"title": PAYLOAD_WRITERS["rich_text"](t)["rich_text"]},
    "url": lambda t: {"url": t or None},
    "email": lambda t: {"email": t or None},
    "phone_number": lambda t: {"phone_number": t or None},
    "checkbox": lambda t: {"checkbox": t.strip().lower() in ("true", "yes", "1", "on")},
    "date": lambda t: {"date": {"start": t} if t else None},
}
WRITABLE_TYPES = (*_VALUE_FOR, *_OTHER_WRITERS)


def property_payload(kind: str, value: Any) -> dict[str, Any] | None:
    """A Notion property value of type ``kind`` holding ``value`` (text); None when leadscore cannot
    write that type, or ``value`` as that type (a number property and a value that is no number)."""
    text = "" if value is None else str(value)
    if kind in _VALUE_FOR:
        try:
            return PAYLOAD_WRITERS[kind](_VALUE_FOR[kind](text))
        except ValueError:
            return None
    writer = _OTHER_WRITERS.get(kind)
    return writer(text) if writer else None


def unwritable_property(name: str, value: Any, schema_prop: Mapping[str, Any] | None, bench: Workbench) -> str | None:
    """Why this automation write cannot be made to the data source as it is set up now, or None."""
    protected = protected_reason(name, bench.mapping)
    if protected:
        return f"{protected}; automation may not write it — change the rule"
    if schema_prop is None:
        return f"the database has no {name!r} property (add it in Notion, or change the automation rule)"
    kind = schema_prop.get("type", "")
    if kind not in WRITABLE_TYPES:
        return f"{name!r} is a {kind} property, which leadscore cannot write (change the rule's property)"
    if missing_status_option(schema_prop, value):
        return (f"{name!r} is a status property without the option {value!r} (Notion's API cannot create status "
                "options): add it to the property in Notion")
    if property_payload(kind, value) is None:
        return f"{name!r} is a {kind} property and {value!r} is not a {kind}"
    return None


def schema_signature(schema_prop: Mapping[str, Any] | None) -> str:
    """What a blocked write waits on: the property's type and settings (JSON; "null" when absent). When
    it changes — the property added, retyped, given the option — the write is tried again."""
    if schema_prop is None:
        return "null"
    kind = schema_prop.get("type", "")
    return orjson.dumps({"type": kind, kind: schema_prop.get(kind)}, option=orjson.OPT_SORT_KEYS).decode()


def deliver_property_writes(
    bench: Workbench,
    report: RunReport,
    *,
    only: Collection[str] | None = None,
    schema: Mapping[str, Any] | None = None,
    streak: int = 0,
) -> None:
    """Send the queued property writes (of the pages ``only`` names, or all), one PATCH per page; see
    the module docstring for what happens to each. ``schema``: the practices' data source as just read
    (read here when not given); ``streak``: writes that just failed in a row (the score outbox's, in the
    same run). Raises NotionError when the integration lost the whole database."""
    from ..notion.sync import GIVE_UP_AFTER  # the score outbox's rule (imported late: sync imports us)

    store = bench.store
    pending = store.property_writes(only)
    if not pending:
        return
    props = (schema if schema is not None else bench.gateway.schema()).get("properties") or {}
    pages: dict[str, list[dict[str, Any]]] = {}
    for item in pending:  # oldest first, so the page waiting longest goes first
        pages.setdefault(item["practice_id"], []).append(item)
    waiting: Counter[str] = Counter()
    for position, (pid, items) in enumerate(pages.items()):
        if streak >= GIVE_UP_AFTER:
            left = sum(len(v) for v in list(pages.values())[position:])
            report.notes.append(f"Notion kept failing; {left} automation property writes stay queued")
            report.write_failures += left
            break
        due: list[dict[str, Any]] = []
        for item in items:
            name, prop = item["property"], props.get(item["property"])
            if item["blocked"] and item["blocked_on"] == schema_signature(prop):
                waiting[item["blocked"]] += 1  # nothing changed since Notion could not take it: not resent
                continue
            why = unwritable_property(name, item["value"], prop, bench)
            if why:
                if store.property_write_blocked(pid, item, why, schema_signature(prop)):
                    waiting[why] += 1  # (a value queued meanwhile is judged by the next delivery)
                continue
            due.append(item)
        if not due:
            continue
        outcome = _send(bench, report, pid, due, props, waiting)
        if outcome == "transient":
            streak += 1
        elif outcome == "ok":
            streak = 0
    report.write_failures += sum(waiting.values())
    for why, writes in waiting.items():
        report.notes.append(f"{writes} automation property writes wait until Notion is changed: {why}")


def _send(
    bench: Workbench,
    report: RunReport,
    pid: str,
    due: list[dict[str, Any]],
    props: Mapping[str, Any],
    waiting: Counter[str],
) -> str:
    """One PATCH for ``due`` (one page's writes). Returns "ok", "transient", "failed" or "gone".

    Every outcome is recorded against the value sent: one queued meanwhile is left for the next
    delivery (Store.property_writes_done / _failed / _blocked)."""
    store = bench.store
    body = {i["property"]: property_payload(props[i["property"]]["type"], i["value"]) for i in due}
    try:
        bench.gateway.update_page(pid, body)
    except Exception as exc:
        if not isinstance(exc, APIResponseError | HTTPResponseError | RequestTimeoutError | httpx.HTTPError):
            raise  # a bug, not Notion
        gone = mark_if_gone(store, bench.gateway, pid, exc)  # flagged just as a score write would
        if gone:
            _drop(bench, report, pid, due, gone)
            return "gone"
        if _refused(exc):
            if len(due) > 1:
                return _send_each(bench, report, pid, due, props, waiting)
            why = f"Notion refused it: {describe_error(exc)}"
            if store.property_write_blocked(pid, due[0], why, schema_signature(props.get(due[0]["property"]))):
                waiting[why] += 1
            return "failed"
        error = describe_error(exc)
        for item in due:
            store.property_write_failed(pid, item, error)
        report.write_failures += len(due)
        report.failures.append(f"{pid}: {error}")
        return "transient" if is_transient(exc) else "failed"
    store.property_writes_done(pid, due)
    report.written += len(due)  # counted like the outbox: per write waiting
    return "ok"


def _send_each(
    bench: Workbench,
    report: RunReport,
    pid: str,
    due: list[dict[str, Any]],
    props: Mapping[str, Any],
    waiting: Counter[str],
) -> str:
    """Notion refused a page's PATCH of several properties: which one? Each is sent alone, once. A
    transient failure among them (Notion went down meanwhile) stops the rest — they stay queued untried —
    and is the page's outcome, so it counts toward GIVE_UP_AFTER like any other; else "ok" when one
    landed, "gone" when the page went, otherwise "failed"."""
    outcomes: list[str] = []
    for position, item in enumerate(due):
        outcome = _send(bench, report, pid, [item], props, waiting)
        outcomes.append(outcome)
        if outcome == "transient":
            untried = len(due) - position - 1
            report.write_failures += untried
            if untried:
                report.failures.append(f"{pid}: {untried} more automation property writes stay queued untried")
            return "transient"
        if outcome == "gone":  # the rest were for the same page: dropped unsent
            trashed = (bench.store.practice(pid) or {}).get("in_trash")
            _drop(bench, report, pid, due[position + 1:], GONE_PHRASE["trashed" if trashed else "deleted"])
            return "gone"
    return "ok" if "ok" in outcomes else "failed"


def _drop(bench: Workbench, report: RunReport, pid: str, items: list[dict[str, Any]], gone: str) -> None:
    """The page is gone (``gone``: how a report says it): its writes are dropped, their firings failed."""
    if not items:
        return
    for item in items:
        bench.store.property_write_failed(pid, item, f"the page {gone}; dropped the write", drop=True)
    report.failures.append(f"{pid}: the page {gone}; dropped its automation property writes")


def _refused(exc: BaseException) -> bool:
    """Notion answered that this request can never succeed as it is (400: a validation error, an invalid
    request) — unlike 401/403 (access, fixed elsewhere), 404 (gone) or transient errors."""
    return isinstance(exc, APIResponseError) and exc.status == 400
