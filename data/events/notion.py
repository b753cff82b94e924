"""Activity events from a Notion data source whose pages relate to practices (issue 11), read on sync.

Each activity page is one event per related practice: its ``event_id`` is the page id (``page:practice``
when a page relates to several practices), its type comes from the mapped property (``Email Open`` →
``email_open``), its time from the mapped date (the page's created time when the date is empty), its
detail from the title. Pages are read incrementally (edited since the last read, with the same overlap
as practices), through the practices' gateway — the same client, throttle, retries and pagination
(:meth:`NotionGateway.pages`), and the same data-source choice. The event log is
append-only: an activity read once is not changed by later edits of its page.

A practice's ``Last Contact`` is not an event: it records our outreach, not the practice's engagement.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..notion.properties import plain_value
from ..notion.settings import NotionError
from .importer import EventImportReport, EventRow, PreparedEvents, store_events
from .records import normalise_type
from .timestamps import TimestampError, parse_timestamp

if TYPE_CHECKING:
    from ..notion.gateway import NotionGateway
    from ..notion.sync import Workbench
    from .mapping import ActivityMapping

HIGH_WATER_KEY = "notion_activities_high_water"
TYPE_KINDS = ("select", "status", "rich_text", "title", "multi_select")
DATE_KINDS = ("date", "created_time")


def activity_data_source(gateway: NotionGateway, mapping: ActivityMapping) -> tuple[dict[str, Any], str | None]:
    """The activities data source's schema — the one ``[activities] data_source`` names, else the
    database's first (the same choice as the practices') — and a note when the database has several."""
    choice = gateway.data_source_of(mapping.database_id, mapping.data_source, setting="[activities] data_source",
                                    holds="the activities")
    schema = gateway.call("data_sources.retrieve", gateway.client.data_sources.retrieve, data_source_id=choice.id)
    return schema, choice.note()


def schema_problems(schema: dict[str, Any], mapping: ActivityMapping) -> list[str]:
    """What the activities mapping needs but the data source lacks (as sentences)."""
    props = schema.get("properties") or {}
    problems = []
    for role, name, kinds in (("practice", mapping.practice, ("relation",)), ("type", mapping.type, TYPE_KINDS),
                              ("date", mapping.date, DATE_KINDS)):
        if name not in props:
            problems.append(f"no {name!r} property (the {role}; set [activities] {role} in the mapping file)")
        elif props[name].get("type") not in kinds:
            problems.append(f"{name!r} is a {props[name].get('type')}, the {role} needs {' or '.join(kinds)}")
    return problems


def read_activity(page: dict[str, Any], mapping: ActivityMapping) -> tuple[list[EventRow], tuple[str, str] | None]:
    """One page → its events (one per related practice), or (property, problem) when it holds none."""
    props = page.get("properties") or {}
    relation = props.get(mapping.practice) or {}
    practices = [r.get("id") for r in relation.get("relation") or [] if r.get("id")]
    if not practices:
        return [], (mapping.practice, "relates to no practice")
    kind = plain_value(props.get(mapping.type))
    if isinstance(kind, list):
        kind = kind[0] if kind else None
    kind = normalise_type(kind) if isinstance(kind, str) and kind.strip() else None
    if not kind:
        return [], (mapping.type, "is empty")
    try:
        when = _instant(props.get(mapping.date), page.get("created_time"))
    except TimestampError as exc:
        return [], (mapping.date, str(exc))
    detail_prop = props.get(mapping.detail) if mapping.detail else next(
        (p for p in props.values() if p.get("type") == "title"), None)
    detail = plain_value(detail_prop)
    detail = detail if isinstance(detail, str) else None
    many = len(practices) > 1
    return [(f"{page['id']}:{p}" if many else page["id"], p, kind, when, "notion", detail) for p in practices], None


def _instant(prop: dict[str, Any] | None, created: str | None) -> int:
    value = (prop or {}).get((prop or {}).get("type") or "date")
    if isinstance(value, dict) and value.get("start"):
        start, zone = value["start"], value.get("time_zone")
        if zone and "T" in start:  # a naive start with a named zone: the time as written in that zone
            try:
                moment = datetime.fromisoformat(start)
                if moment.tzinfo is None:
                    return parse_timestamp(moment.replace(tzinfo=ZoneInfo(zone)))
            except (ValueError, ZoneInfoNotFoundError):
                pass
        return parse_timestamp(start)
    if isinstance(value, str) and value:  # created_time property
        return parse_timestamp(value)
    return parse_timestamp(created)


def pull_activities(
    bench: Workbench, *, full: bool = False, say: Callable[[str], None] | None = None,
    notes: list[str] | None = None,
) -> EventImportReport | None:
    """Read the activities data source (when the mapping has one) into the event log. Returns the
    report, or None when no activities are mapped; ``notes`` gets a sentence when the activities
    database has several data sources. Notion errors propagate (the caller decides)."""
    mapping = bench.mapping.activities
    if mapping is None:
        return None
    from ..notion.sync import OVERLAP, _minus  # the practices' incremental-read rules

    schema, note = activity_data_source(bench.gateway, mapping)
    problems = schema_problems(schema, mapping)
    if problems:
        raise NotionError("the activities data source " + "; ".join(problems))
    store = bench.store
    mark = store.get_state(HIGH_WATER_KEY)
    since = None if full or not mark else _minus(mark, OVERLAP)
    (say or (lambda _m: None))("reading activities from Notion" + (f" edited since {since}" if since else ""))
    report = EventImportReport(name="Notion activities", row_word="page")
    if note and notes is not None:
        notes.append(note)
    rows: list[EventRow] = []
    seen: set[str] = set()
    newest = mark
    for page in bench.gateway.pages(edited_since=since, data_source_id=schema["id"]):
        report.rows += 1
        events, problem = read_activity(page, mapping)
        if problem:
            report.unreadable.append((page.get("url") or page["id"], *problem))  # type: ignore[arg-type]
        for event in events:
            if event[0] in seen:
                report.duplicates += 1
                continue
            seen.add(event[0])
            rows.append(event)
        edited = page.get("last_edited_time")
        if edited and (newest is None or edited > newest):
            newest = edited
    result = store_events(store, PreparedEvents(report, rows), bench.config.engagement, source="notion")
    if newest:
        store.set_state(HIGH_WATER_KEY, newest)
    return result
