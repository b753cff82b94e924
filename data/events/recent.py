"""The newest events in the log, as the Operations page lists them (issue 11: "the log is on
Operations"; README: Operations shows the event log)."""

from __future__ import annotations

import pandas as pd

from ..store import Store

DETAIL_CHARS = 120  # a detail longer than this is clipped with "…" in the list (the Practice page has it whole)


def latest_events(store: Store, limit: int = 20) -> pd.DataFrame:
    """The ``limit`` events that happened last, newest first: ``occurred_at`` (UTC datetimes),
    ``practice`` (its name, or its id when the store does not know it), ``type``, ``source``, ``detail``
    (clipped to DETAIL_CHARS) and ``event_id``. Empty (with these columns) for an empty log."""
    frame = store.frame(
        "SELECT e.occurred_us, e.practice_id, p.name, e.type, e.source, e.detail, e.event_id FROM events e "
        "LEFT JOIN practices p USING (practice_id) ORDER BY e.occurred_us DESC, e.event_id LIMIT ?",
        (limit,),
    )
    detail = frame["detail"].astype("object")
    long = detail.str.len() > DETAIL_CHARS
    return pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(frame["occurred_us"].astype("int64"), unit="us", utc=True),
            "practice": frame["name"].where(frame["name"].notna(), frame["practice_id"]),
            "type": frame["type"],
            "source": frame["source"],
            "detail": detail.where(~long.fillna(False), detail.str.slice(0, DETAIL_CHARS - 1) + "…"),
            "event_id": frame["event_id"],
        }
    )
