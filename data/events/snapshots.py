"""Daily engagement snapshots: what every practice's engagement was on a day (SPEC §12: snapshots kept
in the history say what it was then, while the live numbers are always computed as of now).

One snapshot per practice and UTC day. Taking it again the same day — a second sync, a retried
`leadscore snapshot`, a restart halfway — changes nothing: the first one of the day stays, and a run
that was killed before its single transaction committed left nothing behind, so the next run simply
takes it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import pandas as pd

from scoring.config import ScoringConfig
from scoring.engagement import EngagementBook

from ..store import Store, utc_now_iso
from .engagement import book_engagement, now_utc


@dataclass
class SnapshotReport:
    day: str
    practices: int
    recorded: int  # new snapshots (the rest already had one for the day)

    def summary(self) -> str:
        already = self.practices - self.recorded
        tail = f"; {already:,} already had one" if already else ""
        return f"engagement snapshot {self.day}: {self.recorded:,} of {self.practices:,} practices recorded{tail}"


def snapshot_rows(book: EngagementBook, config: ScoringConfig, day: str, taken_at: str, source: str) -> list[tuple]:
    """Store rows for :meth:`Store.save_engagement_snapshot` from an engagement book."""
    return list(
        zip(
            book.practice_id.tolist(),
            [day] * len(book),
            book.engagement_score.tolist(),
            book.engagement_level.tolist(),
            book.velocity_24h.tolist(),
            book.recency_risk.tolist(),
            book.grid_cell.tolist(),
            book.next_action.tolist(),
            [config.config_version] * len(book),
            [taken_at] * len(book),
            [source] * len(book),
            strict=True,
        )
    )


def take_snapshot(
    store: Store,
    config: ScoringConfig,
    as_of: datetime | None = None,
    *,
    source: str = "daily",
    events: pd.DataFrame | None = None,
    leads: pd.DataFrame | None = None,
    book: EngagementBook | None = None,
) -> SnapshotReport:
    """Record the engagement of every active practice as of ``as_of`` (default now) for that UTC day
    (``book``: that engagement, when the caller has already computed it as of ``as_of``)."""
    as_of = as_of or now_utc()
    day = as_of.astimezone(UTC).date().isoformat()
    book = book or book_engagement(store, config.engagement, as_of, events=events, leads=leads)
    recorded = store.save_engagement_snapshot(snapshot_rows(book, config, day, utc_now_iso(), source))
    return SnapshotReport(day, len(book), recorded)


def backfill_snapshots(store: Store, config: ScoringConfig, days: int, today: date | None = None) -> int:
    """Snapshots for the ``days`` days before ``today``, each as of the end of its day, computed from the
    event log (for a book whose events arrive with their history, such as the sample book).
    Days that already have a snapshot keep it. Returns how many snapshots were recorded."""
    today = today or now_utc().date()
    events, leads = store.events_frame(), store.leads_frame()
    recorded = 0
    taken_at = utc_now_iso()
    rows: list[tuple] = []
    for back in range(days, 0, -1):
        day = today - timedelta(days=back)
        end = datetime.combine(day, time.max, tzinfo=UTC)
        book = book_engagement(store, config.engagement, end, events=events, leads=leads)
        rows.extend(snapshot_rows(book, config, day.isoformat(), taken_at, "backfill"))
    if rows:
        recorded = store.save_engagement_snapshot(rows)
    return recorded

