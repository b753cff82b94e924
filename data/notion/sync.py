"""Notion workflows: check, setup, sync (pull → auto-score → write back), push and rescore.

Nothing is lost: pulled pages are stored before scoring, scores (with history) before writing,
and a write that fails stays in the outbox until a later sync or ``leadscore push`` delivers it.
Nothing stale: the outbox says which pages need syncing; what is sent is computed when it is
delivered, from the current score and what the page is known to hold (issue 8).
Nothing else is touched: a write sends only the score properties whose value differs, and only
those Notion can take as the data source is set up (``writers.plan_write``).
No write loops: our own writes bump ``last_edited_time``, but a page whose inputs did not change
is never rescored, and unchanged score values are never sent.
Schema changes recover by themselves: a change to a mapped property (deleted, added again, retyped)
makes the next sync read every page again, and `notion setup` adding a score property queues every page.
"""

from __future__ import annotations

import logging
from collections import Counter
from collections.abc import Callable, Collection
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import httpx
import orjson
from notion_client import APIResponseError
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from scoring.config import ScoringConfig

from ..events.delivery import deliver_property_writes
from ..events.hooks import after_scoring
from ..scoring_runs import RunReport, active_config, recorded_run, score_stored
from ..store import Store
from .gateway import NotionGateway, describe_error, is_transient, maybe_applied
from .gone import mark_if_gone, require_database_access
from .mapping import SCORE_OPTIONS, SCORE_TYPES, SCORE_WRITABLE_TYPES, PropertyMapping
from .properties import changed_values, field_rows, read_page, schema_report, score_values
from .settings import NotionError, NotionSettings
from .writers import missing_status_options, plan_write

log = logging.getLogger("leadscore.sync")
OVERLAP = timedelta(minutes=3)  # last_edited_time is rounded to the minute; re-read a little
PULL_BATCH = 100
GIVE_UP_AFTER = 3  # consecutive failed writes (each already retried) before a push stops trying
SAME_ERROR_LIMIT = 20  # consecutive rejections with one identical message: a setup problem, not a page


@dataclass
class SyncReport(RunReport):
    pulled: int = 0
    changed: int = 0
    trashed: list[str] = field(default_factory=list)
    deleted: list[str] = field(default_factory=list)
    missing_properties: list[str] = field(default_factory=list)
    unreadable: dict[str, int] = field(default_factory=dict)  # "'Prop' (type): why" → pages it affects
    data_source_note: str | None = None  # which data source was used when the database has several
    full_read_because: str | None = None  # why an incremental sync read every page
    waiting: int = 0  # practices left for a manual rescore (auto-trigger off, or Partial when off)

    def summary(self) -> str:
        head = f"pulled {self.pulled} pages ({self.changed} with changed inputs)"
        extra = []
        if self.trashed:
            extra.append(f"{len(self.trashed)} trashed")
        if self.deleted:
            extra.append(f"{len(self.deleted)} deleted")
        if self.waiting:
            extra.append(f"{self.waiting} wait for a manual rescore")
        return "; ".join([head, *extra, super().summary()])


class Workbench:
    """The store plus, when configured, Notion: the things people do, as methods."""

    def __init__(
        self,
        store: Store,
        settings: NotionSettings | None = None,
        mapping: PropertyMapping | None = None,
        gateway: NotionGateway | None = None,
        config: ScoringConfig | None = None,
    ) -> None:
        self.store = store
        self.settings = settings if settings is not None else NotionSettings.load()
        self.mapping = mapping or PropertyMapping.load()
        self._gateway = gateway
        self._config = config

    @property
    def notion_configured(self) -> bool:
        return self._gateway is not None or self.settings.configured

    @property
    def gateway(self) -> NotionGateway:
        if self._gateway is None:
            # Paced through the store: every process using it shares the integration's rate limit.
            self._gateway = NotionGateway(self.settings, store=self.store)
        return self._gateway

    @property
    def config(self) -> ScoringConfig:
        return self._config or active_config(self.store)

    # ---- check and setup --------------------------------------------------------------------------

    def check(self) -> dict[str, Any]:
        """What the mapping finds in the data source: ``schema_report``'s lists plus ``fields`` (one row
        per field: property, type, whether leadscore can read — or write — it, and a note),
        ``status_options`` (options status score properties lack), ``data_source`` and its note."""
        choice = self.gateway.data_source()
        schema = self.gateway.schema()
        report: dict[str, Any] = dict(schema_report(schema, self.mapping))
        report["fields"] = field_rows(schema, self.mapping)
        report["status_options"] = [
            f"{name!r} is a status property without {', '.join(repr(o) for o in options)}: add them in Notion "
            "(Notion's API cannot create status options)"
            for name, options in missing_status_options(self.mapping, schema, _score_option_names()).items()
        ]
        report["data_source"] = [schema.get("id", "")]
        report["data_source_name"] = [choice.name]
        report["data_source_note"] = [note] if (note := choice.note()) else []
        report["connection"] = [self.settings.describe()]
        return report

    def setup(self) -> list[str]:
        """Add the five score properties when missing; every existing property and option stays.

        A status property cannot get options through Notion's API: the missing ones are reported."""
        schema = self.gateway.schema()
        props = schema.get("properties") or {}
        changes: dict[str, Any] = {}
        done: list[str] = []
        added: list[str] = []
        for f, name in self.mapping.scores.items():
            kind = SCORE_TYPES[f]
            wanted = SCORE_OPTIONS.get(f, [])
            if name not in props:
                body: dict[str, Any] = {}
                if kind in ("select", "multi_select"):
                    body = {"options": [{"name": n, "color": c} for n, c in wanted]}
                changes[name] = {kind: body}
                done.append(f"added {name!r} ({kind})")
                added.append(f)
                continue
            have_kind = props[name].get("type")
            if have_kind not in SCORE_WRITABLE_TYPES[f]:
                done.append(
                    f"left {name!r} alone: it is a {have_kind}, leadscore writes "
                    f"{' or '.join(SCORE_WRITABLE_TYPES[f])} (rename it or point the mapping elsewhere)"
                )
                continue
            if have_kind in ("select", "multi_select"):
                existing = props[name].get(have_kind, {}).get("options", [])
                have = {o.get("name") for o in existing}
                missing = [(n, c) for n, c in wanted if n not in have]
                if missing:
                    # Options replace the old list, so every existing option is sent back unchanged.
                    keep = [{k: o[k] for k in ("id", "name", "color", "description") if o.get(k)} for o in existing]
                    changes[name] = {have_kind: {"options": keep + [{"name": n, "color": c} for n, c in missing]}}
                    done.append(f"added options {', '.join(n for n, _ in missing)} to {name!r}")
        for name, options in missing_status_options(self.mapping, schema, _score_option_names()).items():
            done.append(
                f"{name!r} is a status property: add the options {', '.join(options)} to it in Notion (Notion's API "
                "cannot create status options); until then those values wait in the outbox"
            )
        if changes:
            self.gateway.update_schema(changes)
        if added:
            # A property added (again) is empty on every page: whatever the store remembered of it is gone.
            queued = self.store.forget_notion_values(added)
            if queued:
                done.append(f"queued {queued} pages to fill the added properties (`leadscore push` or the next sync)")
        return done or ["nothing to do: all five score properties exist"]

    # ---- sync -------------------------------------------------------------------------------------

    def sync(
        self,
        *,
        full: bool = False,
        push: bool = True,
        progress: Callable[[str], None] | None = None,
        write_progress: Callable[[int, int], None] | None = None,
    ) -> SyncReport:
        """Pull, score what changed, and (unless ``push`` is False) deliver the outbox."""
        say = progress or (lambda _msg: None)
        cfg = self.config
        with recorded_run(self.store, SyncReport("sync"), "sync", cfg.config_version) as report:
            self._pull(report, full=full, say=say)
            self._score_changed(report, cfg, say)
            after_scoring(self, report, say, full=full)  # engagement: activities, snapshot, automation
            if push:
                say(f"writing to Notion ({self.store.outbox_summary()['size']} writes pending)")
                self._deliver(report, progress=write_progress)
            else:
                report.left_queued = self.store.outbox_summary()["size"]  # said in the summary
        return report

    def _pull(self, report: SyncReport, *, full: bool, say: Callable[[str], None]) -> None:
        choice = self.gateway.data_source()
        report.data_source_note = choice.note()
        if report.data_source_note:
            report.notes.append(report.data_source_note)
        used = {"id": choice.id, "name": choice.name, "note": report.data_source_note}
        if self.store.get_state("notion_data_source") != used:
            self.store.set_state("notion_data_source", used)  # for the Operations page, without asking Notion
        schema = self.gateway.schema()
        missing = schema_report(schema, self.mapping)["missing"]
        report.missing_properties = missing
        if missing:
            report.notes.append("the data source lacks mapped properties (treated as missing): " + ", ".join(missing))
        shape = self._schema_shape(schema)
        known_shape = self.store.get_state("notion_schema")
        mark = self.store.get_state("notion_high_water")
        if not full and mark and known_shape is not None and known_shape != shape:
            # A property deleted, added again or retyped changes pages without touching their
            # last_edited_time: only reading every page again sees it (issue 8).
            report.full_read_because = _describe_shape_change(known_shape, shape)
            report.notes.append(f"{report.full_read_because}: read every page again")
            full = True
        since = None if full or not mark else _minus(mark, OVERLAP)
        say("pulling pages from Notion" + (f" edited since {since}" if since else " (full)"))
        seen: set[str] = set()
        newest = mark
        batch: list[dict[str, Any]] = []
        unreadable: Counter[str] = Counter()
        for page in self.gateway.pages(edited_since=since):
            parsed = read_page(page, self.mapping)
            row = parsed.store_row()
            row["problems"] = [f"missing property {m}" for m in missing] + row["problems"]
            unreadable.update(parsed.unreadable.values())
            batch.append(row)
            seen.add(parsed.practice_id)
            if parsed.edited and (newest is None or parsed.edited > newest):
                newest = parsed.edited
            if len(batch) >= PULL_BATCH:
                self._store_pulled(report, batch, say)
                batch = []
        if batch:
            self._store_pulled(report, batch, say)
        self._report_unreadable(report, unreadable)
        if full:
            self._find_gone(report, seen)
        # Only a completed pull moves the mark: an interrupted one is simply read again next time.
        if newest:
            self.store.set_state("notion_high_water", newest)
        if known_shape != shape:
            self.store.set_state("notion_schema", shape)

    def _store_pulled(self, report: SyncReport, batch: list[dict[str, Any]], say: Callable[[str], None]) -> None:
        """Store a batch of pulled pages. The team's own book replaces the sample (issue 7): the first batch
        into a sample-only store sets the sample aside with itself (``Store.upsert_own_practices``, the
        importer's rule too), so a pull interrupted later never leaves the two mixed."""
        changed, set_aside = self.store.upsert_own_practices(batch)
        report.changed += len(changed)
        report.pulled += len(batch)
        if set_aside:
            note = (
                f"Your Notion book replaces the sample: the {set_aside:,} sample practices were set aside "
                "(`leadscore demo` brings them back)."
            )
            report.notes.append(note)  # recorded with the run even when the pull fails after this batch
            # A step as it happens (the summary carries the note; a pull failing later still leaves this said)
            say(f"setting the {set_aside:,} sample practices aside (`leadscore demo` brings them back)")

    def _schema_shape(self, schema: dict[str, Any]) -> dict[str, Any]:
        """The data source and, for every mapped property it has, its id and type: what must stay the same
        for the pages read before to still be what the store holds."""
        props = schema.get("properties") or {}
        names = sorted({*self.mapping.fields.values(), *self.mapping.sales.values(), *self.mapping.scores.values()})
        return {
            "data_source": schema.get("id"),
            "properties": {n: [props[n].get("id"), props[n].get("type")] for n in names if n in props},
        }

    def _report_unreadable(self, report: SyncReport, unreadable: Counter[str]) -> None:
        """Fields whose property could not be read: once per run, with how many pages it affects."""
        report.unreadable = dict(unreadable)
        for why, pages in sorted(unreadable.items()):
            report.notes.append(f"cannot read {why} — on {pages} pages; the field is treated as missing there")
            log.warning("cannot read %s (%d pages)", why, pages, extra={"event": "notion_unreadable", "pages": pages})

    def _find_gone(self, report: SyncReport, seen: set[str]) -> None:
        known = [
            r[0]
            for r in self.store.query(
                "SELECT practice_id FROM practices WHERE source = 'notion' AND in_trash = 0 AND deleted = 0"
            )
        ]
        for pid in (p for p in known if p not in seen):
            state = page_state(self.gateway.page(pid))
            if state != "present":
                (report.deleted if state == "deleted" else report.trashed).append(pid)
        if report.trashed:
            self.store.mark_gone(report.trashed, trashed=True)
        if report.deleted:
            self.store.mark_gone(report.deleted, trashed=False)

    def _score_changed(self, report: SyncReport, cfg: ScoringConfig, say: Callable[[str], None]) -> None:
        pending = self.store.unscored_ids()
        if not cfg.auto_trigger_scoring:
            report.waiting = len(pending)
            if pending:
                report.notes.append(f"auto-trigger is off: {len(pending)} practices wait for `leadscore rescore`")
            pending = []
        elif not cfg.auto_trigger_on_partial and pending:
            sql = "SELECT practice_id FROM practices WHERE LOWER(TRIM(enrichment_status)) = 'partial'"
            partial = {r[0] for r in self.store.query(sql)}
            waiting = [p for p in pending if p in partial]
            report.waiting = len(waiting)
            pending = [p for p in pending if p not in partial]
        if pending:
            say(f"scoring {len(pending)} practices")
            score_stored(self.store, pending, config=cfg, trigger="auto", report=report, notion=True)
        self._reconcile(report)

    def _reconcile(self, report: SyncReport) -> None:
        """Queue a write for pages whose score properties no longer match the current score
        (edited by hand in Notion, or never written); matching pages are left alone."""
        rows = self.store.query(
            """SELECT p.practice_id, p.notion_scores_json, s.history_id, s.lead_score, s.priority_tier,
                      s.score_breakdown, s.confidence_flags, s.scoring_status
               FROM practices p JOIN scores s ON s.practice_id = p.practice_id
               LEFT JOIN outbox o ON o.practice_id = p.practice_id
               WHERE p.source = 'notion' AND p.in_trash = 0 AND p.deleted = 0 AND o.practice_id IS NULL"""
        )
        queued = {}
        for r in rows:
            current = score_values({**dict(r), "confidence_flags": orjson.loads(r["confidence_flags"] or "[]")})
            diff = changed_values(current, orjson.loads(r["notion_scores_json"]) if r["notion_scores_json"] else None)
            if diff:
                queued[r["practice_id"]] = (r["history_id"], diff)
        if queued:
            self.store.queue_writes(queued)
            report.queued += len(queued)
            report.notes.append(f"{len(queued)} pages held different score values; queued to restore them")

    # ---- write-back -------------------------------------------------------------------------------

    def push(self, progress: Callable[[int, int], None] | None = None) -> RunReport:
        """Deliver the outbox as its own recorded run."""
        with recorded_run(self.store, RunReport("push"), "manual") as report:
            self._deliver(report, progress=progress)
        return report

    def _deliver(
        self,
        report: RunReport,
        *,
        only: Collection[str] | None = None,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Bring the pages that need syncing (all, or those of ``only``) in line with the store.

        What each page gets is computed now, from its current score and what it is known to hold: an
        old score never overwrites a newer one, and a page that already holds its score is simply taken
        off the outbox. Properties Notion cannot take as set up now are left out (the rest still lands)
        and the row says why. Failures stay queued with Notion's message and the rest continue; nothing
        is dropped unless its page is really gone.

        Automation's property writes (``property_outbox``) are delivered in the same run, after the
        scores, by :func:`data.events.delivery.deliver_property_writes` (same schema, same rules)."""
        report.pushed = True
        pending = [i for i in self.store.outbox() if only is None or i["practice_id"] in only]
        properties_due = bool(self.store.property_writes(only))
        if not pending and not properties_due:
            report.left_queued = self.store.outbox_summary()["size"]
            return
        schema = self._check_score_properties() if pending else self.gateway.schema()
        streak = self._deliver_scores(report, pending, schema, progress) if pending else 0
        if properties_due:  # Notion failing for the scores' last writes counts toward giving up here too
            deliver_property_writes(self, report, only=only, schema=schema, streak=streak)
        report.left_queued = self.store.outbox_summary()["size"]

    def _deliver_scores(
        self,
        report: RunReport,
        pending: list[dict[str, Any]],
        schema: dict[str, Any],
        progress: Callable[[int, int], None] | None,
    ) -> int:
        """The score outbox's part of :meth:`_deliver`: one page at a time, oldest first. Returns how many
        writes in a row failed transiently at the end (``GIVE_UP_AFTER`` or more: Notion is down)."""
        streak = 0  # consecutive writes that failed even after their retries
        same, last_error = 0, ""  # consecutive rejections with the very same message
        blocked: Counter[str] = Counter()
        for position, item in enumerate(pending):
            if progress is not None:
                progress(position, len(pending))
            if streak >= GIVE_UP_AFTER or same >= SAME_ERROR_LIMIT:
                left = len(pending) - position
                why = (
                    f"Notion kept failing ({streak} writes in a row)"
                    if streak >= GIVE_UP_AFTER
                    else (f"Notion rejected {same} writes in a row with the same error ({last_error})")
                )
                report.notes.append(f"{why}; {left} more writes stay queued for the next sync or `leadscore push`")
                report.write_failures += left
                break
            pid = item["practice_id"]
            state = self.store.delivery(pid)
            needed = changed_values(state["scores"], state["notion_scores"]) if state else {}
            if state is None or not needed:  # the page already holds the current score (or has none to hold)
                if self.store.cancel_write(pid, state["history_id"] if state else None):
                    report.cancelled += 1
                continue
            plan = plan_write(needed, self.mapping, schema)
            reason = plan.blocked_reason()
            if not plan.values:  # nothing of it can succeed: never sent
                self.store.write_blocked(pid, reason or "")
                blocked[reason or ""] += 1
                report.write_failures += 1
                continue
            try:
                self.gateway.update_page(pid, plan.properties)
            except Exception as exc:
                if not isinstance(exc, APIResponseError | HTTPResponseError | RequestTimeoutError | httpx.HTTPError):
                    raise  # a bug, not Notion: let it surface
                gone = mark_if_gone(self.store, self.gateway, pid, exc)
                if gone is not None:  # nothing to write to any more: flagged, its write dropped and reported
                    report.failures.append(f"{pid}: the page {gone}; dropped its pending write")
                    continue
                error = describe_error(exc)
                streak = streak + 1 if is_transient(exc) else 0
                same = same + 1 if error == last_error else 1
                last_error = error
                report.write_failures += 1
                report.failures.append(f"{pid}: {error}")
                # A timeout or a gateway error may hide a write that landed: stop assuming the page's old values.
                unsure = list(plan.values) if maybe_applied(exc) else []
                self.store.write_failed(pid, state["history_id"], error, unsure=unsure)
                log.warning(
                    "write to %s failed: %s", pid, error, extra={"event": "notion_write_failed", "practice_id": pid}
                )
                continue
            streak = same = 0
            self.store.write_done(pid, state["history_id"], plan.values, blocked=reason)
            if reason:
                blocked[reason] += 1
                report.partly_written += 1
                report.write_failures += 1
            else:
                report.written += 1
            log.info(
                "wrote %s to %s",
                ", ".join(plan.values),
                pid,
                extra={"event": "notion_write", "practice_id": pid, "fields": list(plan.values)},
            )
        for reason, pages in blocked.items():
            report.notes.append(f"{pages} pages wait in the outbox: {reason}")
        if progress is not None:
            progress(len(pending), len(pending))
        return streak

    def _check_score_properties(self) -> dict[str, Any]:
        """Before writing anything: the score properties must exist (else every write would fail).
        Returns the data source's schema, which decides how each property is written."""
        schema = self.gateway.schema()
        missing = schema_report(schema, self.mapping)["missing_scores"]
        if missing:
            raise NotionError(
                f"the database has no {', '.join(repr(m) for m in missing)} property yet; run `leadscore notion "
                "setup` (or fix the mapping) — the writes stay queued"
            )
        return schema

    # ---- rescore ----------------------------------------------------------------------------------

    def rescore(
        self,
        *,
        practice_ids: list[str] | None = None,
        tier: str | None = None,
        failed_only: bool = False,
        trigger: str = "rescore",
        config: ScoringConfig | None = None,
        progress: Callable[[int, int], None] | None = None,
        write_progress: Callable[[int, int], None] | None = None,
    ) -> RunReport:
        """Rescore one practice, a tier, the failed ones or all, and write back when Notion is configured
        (only these practices' writes: others stay queued for the next sync or push)."""
        cfg = config or self.config
        ids = self._select(practice_ids, tier, failed_only)
        with recorded_run(self.store, RunReport("rescore"), trigger, cfg.config_version) as report:
            if practice_ids and self.notion_configured:
                self._refresh_from_notion(ids, report)
            score_stored(
                self.store,
                ids,
                config=cfg,
                trigger=trigger,
                report=report,
                notion=self.notion_configured,
                progress=progress,
            )
            if self.notion_configured:
                self._deliver(report, only=None if ids is None else set(ids), progress=write_progress)
        return report

    def _select(self, practice_ids: list[str] | None, tier: str | None, failed_only: bool) -> list[str] | None:
        if practice_ids:
            known = {
                r[0]
                for r in self.store.query(
                    f"SELECT practice_id FROM practices WHERE practice_id IN ({','.join('?' * len(practice_ids))})",
                    practice_ids,
                )
            }
            unknown = [p for p in practice_ids if p not in known]
            if unknown and not self.notion_configured:
                raise LookupError(f"no practice with id {', '.join(unknown)} in the store")
            return practice_ids
        if tier:
            return [
                r[0]
                for r in self.store.query(
                    "SELECT s.practice_id FROM scores s JOIN practices p USING (practice_id) "
                    "WHERE s.priority_tier = ? AND p.in_trash = 0 AND p.deleted = 0",
                    (tier,),
                )
            ]
        if failed_only:
            return [
                r[0]
                for r in self.store.query(
                    "SELECT s.practice_id FROM scores s JOIN practices p USING (practice_id) "
                    "WHERE s.scoring_status = 'Failed' AND p.in_trash = 0 AND p.deleted = 0"
                )
            ]
        return None

    def _refresh_from_notion(self, ids: list[str] | None, report: RunReport) -> None:
        """Seed §9's rescore loads the practice from Notion first, so it scores what the page says now."""
        rows, trashed, deleted = [], [], []
        from_notion = {r[0] for r in self.store.query("SELECT practice_id FROM practices WHERE source = 'notion'")}
        known = {r[0] for r in self.store.query("SELECT practice_id FROM practices")}
        for pid in ids or []:
            if pid in known and pid not in from_notion:
                continue  # demo or imported: there is no page to read
            page = self.gateway.page(pid)
            state = page_state(page)
            if state == "present" and page is not None:
                rows.append(read_page(page, self.mapping).store_row())
            else:
                (deleted if state == "deleted" else trashed).append(pid)
        if rows:
            self.store.upsert_practices(rows)
        if trashed:
            self.store.mark_gone(trashed, trashed=True)
            report.notes.append(f"in the Notion trash: {', '.join(trashed)}")
        if deleted:
            require_database_access(self.gateway)
            self.store.mark_gone(deleted, trashed=False)
            report.notes.append(f"not in Notion any more: {', '.join(deleted)}")


def _score_option_names() -> dict[str, list[str]]:
    """The option names leadscore writes to the tier and status properties (select or status)."""
    return {f: [n for n, _ in SCORE_OPTIONS[f]] for f in ("priority_tier", "scoring_status")}


def _describe_shape_change(old: dict[str, Any], new: dict[str, Any]) -> str:
    if old.get("data_source") != new.get("data_source"):
        return "the data source changed"
    before, after = old.get("properties") or {}, new.get("properties") or {}
    parts = []
    if gone := sorted(set(before) - set(after)):
        parts.append("removed " + ", ".join(repr(n) for n in gone))
    if added := sorted(set(after) - set(before)):
        parts.append("added " + ", ".join(repr(n) for n in added))
    if changed := sorted(n for n in set(before) & set(after) if before[n] != after[n]):
        parts.append("changed " + ", ".join(repr(n) for n in changed))
    return "the data source's mapped properties changed (" + "; ".join(parts or ["details unknown"]) + ")"


def page_state(page: dict[str, Any] | None) -> str:
    """'deleted' (no page), 'trashed' (in Notion's trash) or 'present'."""
    if page is None:
        return "deleted"
    return "trashed" if page.get("in_trash") or page.get("archived") else "present"


def _minus(iso: str, delta: timedelta) -> str:
    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) - delta
    return moment.isoformat().replace("+00:00", "Z")
