"""Delivering queued Notion property writes (automation's ``notion_property`` action).

They wait in the store's ``property_outbox`` (:meth:`Store.queue_property_write`), apart from the score
outbox, and are sent through the practices' gateway (throttle, retries) with the same promises as
score write-backs: only the named property is sent, a write that fails stays queued with Notion's
message and is retried on the next sync, and it is dropped only when its page no longer exists.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import httpx
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from ..notion.gateway import describe_error, is_transient
from ..notion.properties import text_pieces
from ..notion.settings import NotionError

if TYPE_CHECKING:
    from ..notion.sync import Workbench
    from ..scoring_runs import RunReport

GIVE_UP_AFTER = 3  # consecutive transient failures (each already retried) before the rest wait


def property_payload(kind: str, value: Any) -> dict[str, Any] | None:
    """A Notion property value of type ``kind`` holding ``value``; None when leadscore cannot write it."""
    text = "" if value is None else str(value)
    if kind in ("select", "status"):
        # Select option names may not contain commas (Notion rejects them).
        return {kind: {"name": text.replace(",", ";")[:100]} if text else None}
    if kind == "multi_select":
        return {kind: [{"name": text.replace(",", ";")[:100]}] if text else []}
    if kind in ("rich_text", "title"):
        return {kind: [{"type": "text", "text": {"content": piece}} for piece in text_pieces(text)]}
    if kind in ("url", "email", "phone_number"):
        return {kind: text or None}
    if kind == "number":
        try:
            return {kind: float(text) if text else None}
        except ValueError:
            return None
    if kind == "checkbox":
        return {kind: text.strip().lower() in ("true", "yes", "1", "on")}
    if kind == "date":
        return {kind: {"start": text} if text else None}
    return None


def deliver_property_writes(bench: Workbench, report: RunReport) -> None:
    """Send every queued property write; failures stay queued (with the reason) and the rest continue."""
    store = bench.store
    pending = store.property_writes()
    if not pending:
        return
    props = bench.gateway.schema().get("properties") or {}
    streak = 0
    for position, item in enumerate(pending):
        if streak >= GIVE_UP_AFTER:
            left = len(pending) - position
            report.notes.append(f"Notion kept failing; {left} automation property writes stay queued")
            report.write_failures += left
            return
        pid, name = item["practice_id"], item["property"]
        schema = props.get(name)
        payload = property_payload(schema.get("type", ""), item["value"]) if schema else None
        if payload is None:
            why = (f"the database has no {name!r} property (add it in Notion, or change the automation rule)"
                   if schema is None else f"{name!r} is a {schema.get('type')} property, which leadscore cannot write")
            store.property_write_failed(pid, name, why)
            report.write_failures += 1
            report.failures.append(f"{pid}: {why}")
            continue
        try:
            bench.gateway.update_page(pid, {name: payload})
        except Exception as exc:
            if not isinstance(exc, APIResponseError | HTTPResponseError | RequestTimeoutError | httpx.HTTPError):
                raise
            gone = _page_gone(bench, exc)
            error = describe_error(exc) if not gone else f"the page {gone}; dropped the write"
            store.property_write_failed(pid, name, error, drop=bool(gone))
            report.failures.append(f"{pid}: {error}")
            if not gone:
                report.write_failures += 1
                streak = streak + 1 if is_transient(exc) else 0
            continue
        streak = 0
        store.property_write_done(pid, name, item["queued_at"])
        report.written += 1


def _page_gone(bench: Workbench, exc: BaseException) -> str | None:
    if not isinstance(exc, APIResponseError):
        return None
    if exc.status == 400 and "archived" in str(exc).lower():
        return "is in the trash"
    if exc.status == 404:
        if not bench.gateway.database_reachable():  # lost access to the whole database: keep everything
            raise NotionError(
                f"the integration can no longer see database {bench.settings.database_id} (Notion answers 404); "
                "share it with the integration again — nothing was dropped"
            )
        return "no longer exists"
    return None
