"""Small builders for engagement tests: events at ages before an instant, books of a few practices."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime

import pandas as pd

from scoring.engagement import EngagementBook, EngagementConfig, compute_engagement, to_us
from scoring.engagement.engine import US_PER_DAY, US_PER_HOUR

AS_OF = datetime(2026, 3, 1, 12, 0, tzinfo=UTC)
AS_OF_US = to_us(AS_OF)
DAY, HOUR = US_PER_DAY, US_PER_HOUR


def events(*rows: tuple[str, str, int]) -> pd.DataFrame:
    """Events from (practice id, type, age in µs before AS_OF) triples (negative age = in the future)."""
    return pd.DataFrame(
        [(p, t, AS_OF_US - age) for p, t, age in rows], columns=["practice_id", "type", "occurred_us"]
    ).astype({"occurred_us": "int64"})


def book(
    rows: Iterable[tuple[str, str, int]],
    tiers: dict[str, str | None] | None = None,
    config: EngagementConfig | None = None,
) -> EngagementBook:
    """The engagement of the practices in ``tiers`` (default: every practice named in ``rows``, Hot)."""
    rows = list(rows)
    tiers = tiers if tiers is not None else {p: "Hot" for p, _, _ in rows} or {"p": "Hot"}
    practices = pd.DataFrame({"practice_id": list(tiers), "priority_tier": list(tiers.values())})
    return compute_engagement(events(*rows), practices, config or EngagementConfig(), AS_OF)


def one(rows: Iterable[tuple[str, str, int]], tier: str | None = "Hot", config: EngagementConfig | None = None):
    """The engagement of practice "p" (every row is about it): a dict of its fields."""
    result = book([("p", t, age) for _, t, age in rows] if rows else [], {"p": tier}, config)
    return result.frame().iloc[0].to_dict() | {"breakdown": result.breakdown("p")}


def unit_config(**changes: object) -> EngagementConfig:
    """A config with one type ``x`` worth 1 point, cap 100: N events now score exactly N."""
    data = EngagementConfig().model_dump()
    data["types"] = [{"name": "x", "points": 1, "cap": 100}]
    data.update(changes)
    return EngagementConfig.model_validate(data)
