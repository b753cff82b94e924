"""What a sync does for engagement once its scores are committed (issue 11): read the activities data
source (when mapped), take the day's engagement snapshot and run the automation rules. The Notion
property writes they queue are delivered with the score outbox (:meth:`Workbench._deliver`). Called by
one line in :meth:`data.notion.sync.Workbench.sync`.

Engagement never stops a sync that has already scored: a Notion or rules-file problem here becomes a
note in the sync's report (and the run's record), and the rest goes on.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from .automation import AutomationError, RuleSet, run_automation
from .engagement import book_engagement, now_utc
from .notion import pull_activities
from .snapshots import take_snapshot

if TYPE_CHECKING:
    from ..notion.sync import SyncReport, Workbench


def after_scoring(
    bench: Workbench, report: SyncReport, say: Callable[[str], None], *, full: bool = False
) -> None:
    """The engagement steps of a sync, after its scoring commit (see the module docstring)."""
    from ..notion import describe_error

    if bench.mapping.activities is not None:
        try:
            pulled = pull_activities(bench, full=full, say=say, notes=report.notes)
        except Exception as exc:  # Notion said no, or the mapping does not fit: keep the sync's work
            if not _is_notion_problem(exc):
                raise
            report.notes.append(f"activities not read: {describe_error(exc)}")
        else:
            if pulled is not None and (pulled.imported or pulled.unreadable):
                report.notes.append(pulled.summary())
                report.notes.extend(pulled.notes())
                report.notes.extend(pulled.problem_lines(5))
    config, store, now = bench.config, bench.store, now_utc()
    leads = store.leads_frame()
    book = book_engagement(store, config.engagement, now, leads=leads)  # one computation for both steps
    snapshot = take_snapshot(store, config, now, book=book)
    if snapshot.recorded:
        report.notes.append(snapshot.summary())
    try:
        rules = RuleSet.load(mapping=bench.mapping)
    except AutomationError as exc:
        report.notes.append(f"automation rules not run: {exc}")
    else:
        automation = run_automation(store, config, rules, as_of=now, book=book, leads=leads)
        if automation.fired or automation.delivered or automation.failed:
            report.notes.append(automation.summary())


def _is_notion_problem(exc: BaseException) -> bool:
    from ..notion import NotionError

    return isinstance(exc, NotionError) or type(exc).__module__.startswith(("notion_client", "httpx"))
