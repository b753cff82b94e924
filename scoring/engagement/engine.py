"""Engagement for a whole book at once (SPEC §12): one vectorised implementation over a table of events.

Given every event (practice, type, time) and every practice's fit tier, :func:`compute_engagement`
returns, as of an instant ``as_of``: the engagement score, level, 24-hour velocity, recency risk, grid
cell, next action, and a per-type breakdown (raw points, decayed points, cap). The one-practice view
calls the same function with a table of one (:func:`practice_engagement`), so the two cannot drift.

Times are integer microseconds since the Unix epoch (UTC): window edges compare exactly, and a day is
exactly 86,400,000,000 µs. Sums are float64; within a practice and type they add up in the order the
events are given, so the same events in the same order give the same score whatever else is in the
table.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import numpy as np
import pandas as pd

from .config import GRID_CELLS, GRID_LETTERS, RISKS, SCORE_MAX, EngagementConfig

US_PER_SECOND = 1_000_000
US_PER_HOUR = 3600 * US_PER_SECOND
US_PER_DAY = 24 * US_PER_HOUR
NO_EVENT = np.iinfo(np.int64).min  # "no event" in last_event_us
FLOOR_GUARD = 1e-9  # SPEC §12: floor(x + 1e-9), so 24.999999999 from float noise is still 25
_LETTER_INDEX = {tier: i for i, tier in enumerate(GRID_LETTERS)}
_CELLS = np.asarray(GRID_CELLS, dtype=object)
_RISKS = np.asarray(RISKS, dtype=object)
EVENT_COLUMNS = ("practice_id", "type", "occurred_us")
_ONE_US = timedelta(microseconds=1)
_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def to_us(moment: datetime) -> int:
    """An instant as integer microseconds since the epoch; a naive datetime is UTC (SPEC §12)."""
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return (moment - _EPOCH) // _ONE_US


def from_us(us: int) -> datetime:
    """Microseconds since the epoch as an aware UTC datetime."""
    return _EPOCH + us * _ONE_US


def decay(points: np.ndarray, age_us: np.ndarray, half_life_days: float) -> np.ndarray:
    """SPEC §12's decay, the one implementation: ``points × 0.5^(age_days / half_life_days)`` per event,
    ``age_us`` in microseconds (≥ 0: events after ``as_of`` are not counted, so never decayed). Arrays
    of one shape in, float64 of that shape out."""
    # A half-life near zero (any value > 0 is valid) makes the exponent overflow to infinity, and
    # 0.5^∞ = 0 is exactly the limit wanted: no warning for it.
    with np.errstate(over="ignore"):
        return points * np.power(0.5, (np.asarray(age_us) / US_PER_DAY) / half_life_days)


@dataclass(frozen=True)
class EngagementBook:
    """Engagement of every practice given, in the order given (all arrays have one entry per practice;
    the breakdown matrices one row per practice and one column per configured event type)."""

    practice_id: np.ndarray  # object
    priority_tier: np.ndarray  # object: Hot | Warm | Cold | Pending Enrichment | None (Failed / not scored)
    engagement_score: np.ndarray  # int64, 0–100
    engagement_level: np.ndarray  # int64, 1–3
    velocity_24h: np.ndarray  # int64: events with as_of − window < t ≤ as_of
    last_event_us: np.ndarray  # int64, NO_EVENT when none
    recency_risk: np.ndarray  # object: low | medium | high
    grid_cell: np.ndarray  # object: A1 … P3, or None without a fit tier
    next_action: np.ndarray  # object, None without a cell
    next_action_why: np.ndarray  # object, None without a cell
    type_names: tuple[str, ...]
    events_counted: np.ndarray  # int64 (n, types): events counted per type
    raw_points: np.ndarray  # float64 (n, types): points before decay
    decayed_points: np.ndarray  # float64 (n, types): points after decay, before the cap
    caps: np.ndarray  # float64 (types,)
    unknown_type_events: np.ndarray  # int64: kept, counted nowhere
    future_events: np.ndarray  # int64: after as_of, not counted yet
    unknown_practice_events: int  # events whose practice is not in the table
    as_of_us: int

    def __len__(self) -> int:
        return len(self.practice_id)

    @property
    def counted_points(self) -> np.ndarray:
        """float64 (n, types): each type's decayed sum after its cap."""
        return np.minimum(self.decayed_points, self.caps)

    @property
    def days_since_last_event(self) -> np.ndarray:
        """float64 days since the last counted event (NaN when there is none)."""
        has = self.last_event_us != NO_EVENT
        out = np.full(len(self), np.nan)
        out[has] = (self.as_of_us - self.last_event_us[has]) / US_PER_DAY
        return out

    def index_of(self, practice_id: str) -> int:
        hits = np.flatnonzero(self.practice_id == practice_id)
        if not len(hits):
            raise KeyError(practice_id)
        return int(hits[0])

    def frame(self) -> pd.DataFrame:
        """One row per practice: the fields of ``leadscore engagement --json`` and a few more."""
        has = self.last_event_us != NO_EVENT
        last = pd.to_datetime(np.where(has, self.last_event_us, 0), unit="us", utc=True)
        return pd.DataFrame(
            {
                "practice_id": self.practice_id,
                "engagement_score": self.engagement_score,
                "engagement_level": self.engagement_level,
                "velocity_24h": self.velocity_24h,
                "recency_risk": self.recency_risk,
                "grid_cell": self.grid_cell,
                "next_action": self.next_action,
                "next_action_why": self.next_action_why,
                "last_event_at": last.where(has),
                "days_since_last_event": self.days_since_last_event,
                "unknown_type_events": self.unknown_type_events,
                "future_events": self.future_events,
            }
        )

    def breakdown(self, practice_id: str) -> pd.DataFrame:
        """Per configured type for one practice: events, raw points, decayed points, cap, counted."""
        i = self.index_of(practice_id)
        return pd.DataFrame(
            {
                "type": list(self.type_names),
                "events": self.events_counted[i],
                "raw_points": self.raw_points[i],
                "decayed_points": self.decayed_points[i],
                "cap": self.caps,
                "counted_points": self.counted_points[i],
            }
        )


def compute_engagement(
    events: pd.DataFrame,
    practices: pd.DataFrame,
    config: EngagementConfig,
    as_of: datetime | int,
) -> EngagementBook:
    """Engagement of every practice in ``practices`` as of ``as_of`` (SPEC §12).

    Args:
        events: columns ``practice_id``, ``type`` (str or categorical) and ``occurred_us`` (int64 µs
            since the epoch, UTC). Any order; other columns are ignored. Events of a type the config
            does not know count nowhere (reported per practice); events after ``as_of`` are not counted
            yet (reported); events of a practice not in ``practices`` are ignored (their number is
            reported).
        practices: columns ``practice_id`` (unique) and ``priority_tier`` (the fit tier; None/NaN for a
            Failed or missing fit scoring, which gets no grid cell).
        config: the engagement configuration.
        as_of: the scoring instant (aware datetime, naive = UTC, or µs since the epoch).

    Raises:
        ValueError: duplicate practice ids, or an events table without the required columns.
    """
    as_of_us = as_of if isinstance(as_of, int | np.integer) else to_us(as_of)
    as_of_us = int(as_of_us)
    missing = [c for c in EVENT_COLUMNS if c not in events.columns]
    if missing:
        raise ValueError(f"the events table lacks column(s) {', '.join(missing)}")
    ids = pd.Index(practices["practice_id"])
    if not ids.is_unique:
        raise ValueError("practice ids must be unique")
    n, n_types = len(ids), len(config.types)

    practice = _codes(events["practice_id"], ids)
    kind = _codes(events["type"], pd.Index(config.type_names))
    when = events["occurred_us"].to_numpy(dtype=np.int64, copy=False)
    known_practice = practice >= 0
    known = known_practice & (kind >= 0)
    future = known & (when > as_of_us)
    counted = known & ~future

    p, k, t = practice[counted], kind[counted], when[counted]
    points = config.points_array[k]
    decayed = decay(points, as_of_us - t, config.half_life_days)
    key = p * n_types + k
    size = n * n_types
    events_counted = np.bincount(key, minlength=size).reshape(n, n_types)
    raw_points = np.bincount(key, weights=points, minlength=size).reshape(n, n_types)
    decayed_points = np.bincount(key, weights=decayed, minlength=size).reshape(n, n_types)

    capped = np.minimum(decayed_points, config.caps_array)
    total = np.zeros(n)
    for j in range(n_types):  # a fixed order of addition, whatever the number of practices
        total += capped[:, j]
    score = np.floor(np.minimum(float(SCORE_MAX), total) + FLOOR_GUARD).astype(np.int64)
    level = np.where(score >= config.level_1_min, 1, np.where(score >= config.level_2_min, 2, 3)).astype(np.int64)

    window_us = round(config.velocity_hours * US_PER_HOUR)
    velocity = np.bincount(p[t > as_of_us - window_us], minlength=n).astype(np.int64)

    last = np.full(n, NO_EVENT, dtype=np.int64)
    np.maximum.at(last, p, t)
    has = last != NO_EVENT
    days = np.where(has, (as_of_us - np.where(has, last, as_of_us)) / US_PER_DAY, np.inf)
    risk = np.where(days < config.risk_medium_days, 0, np.where(days <= config.risk_high_days, 1, 2))

    tiers = practices["priority_tier"].to_numpy(dtype=object)
    letter = np.fromiter((_LETTER_INDEX.get(x, -1) if isinstance(x, str) else -1 for x in tiers), np.int64, n)
    has_cell = letter >= 0
    cell_index = np.where(has_cell, letter * 3 + level - 1, 0)
    actions, reasons = config.action_table
    action_index = cell_index * len(RISKS) + risk

    unknown_type = known_practice & (kind < 0)
    return EngagementBook(
        practice_id=ids.to_numpy(dtype=object),
        priority_tier=np.where(has_cell, tiers, None),
        engagement_score=score,
        engagement_level=level,
        velocity_24h=velocity,
        last_event_us=last,
        recency_risk=_RISKS[risk],
        grid_cell=np.where(has_cell, _CELLS[cell_index], None),
        next_action=np.where(has_cell, actions[action_index], None),
        next_action_why=np.where(has_cell, reasons[action_index], None),
        type_names=config.type_names,
        events_counted=events_counted.astype(np.int64),
        raw_points=raw_points,
        decayed_points=decayed_points,
        caps=config.caps_array,
        unknown_type_events=np.bincount(practice[unknown_type], minlength=n).astype(np.int64),
        future_events=np.bincount(practice[future], minlength=n).astype(np.int64),
        unknown_practice_events=int((~known_practice).sum()),
        as_of_us=as_of_us,
    )


def practice_engagement(
    events: pd.DataFrame,
    practice_id: str,
    priority_tier: str | None,
    config: EngagementConfig,
    as_of: datetime | int,
) -> EngagementBook:
    """One practice's engagement: :func:`compute_engagement` with a table of one (events of other
    practices in ``events`` are ignored)."""
    return compute_engagement(
        events, pd.DataFrame({"practice_id": [practice_id], "priority_tier": [priority_tier]}), config, as_of
    )


def unknown_types(types: Iterable[str], config: EngagementConfig) -> Counter[str]:
    """The event types the configuration does not know, with how many events carry each."""
    known = set(config.type_names)
    return Counter(t for t in types if t not in known)


def _codes(values: pd.Series, vocabulary: pd.Index) -> np.ndarray:
    """Each value's position in ``vocabulary`` (int64), -1 when absent. Categorical columns are looked
    up once per category (fast for a million events of a few thousand practices)."""
    if isinstance(values.dtype, pd.CategoricalDtype):
        lookup = np.append(vocabulary.get_indexer(values.cat.categories), -1).astype(np.int64)
        return lookup[values.cat.codes.to_numpy(dtype=np.int64)]  # code -1 (NaN) → the appended -1
    return vocabulary.get_indexer(pd.Index(values, dtype=object)).astype(np.int64)
