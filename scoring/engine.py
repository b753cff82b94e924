"""Scoring entry points: one practice, or a whole book.

* :func:`score_record` — one raw record → :class:`ScoringOutput` (never raises for bad data).
* :func:`score_book` — a list of records, a flat DataFrame or a FeatureTable → :class:`BookScores`.
* :func:`book_outputs` — the ``ScoringOutput`` of every row of a book, as JSON-ready dicts, fast.
"""

from __future__ import annotations

import time
from collections.abc import Iterator, Sequence
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from pydantic import TypeAdapter

from .breakdown import breakdown_json, error_json
from .config import ScoringConfig
from .features import FeatureTable, PracticeFeatures
from .models import ParsedInput, ScoringOutput, UnreadableRecord, parse_input
from .rules import ScoreResult, evaluate

if TYPE_CHECKING:  # pandas and the whole-book scorer load when used: the JSON Lines path needs neither
    import pandas as pd

    from .vector import BookScores

DEFAULT_CONFIG = ScoringConfig()
_TIMESTAMP = TypeAdapter(datetime)


def iso_timestamp(moment: datetime) -> str:
    """The ISO 8601 text ScoringOutput serialises a timestamp to."""
    return _TIMESTAMP.dump_python(moment, mode="json")


def utc_now() -> datetime:
    return datetime.now(UTC)


def scored_dict(
    f: PracticeFeatures, result: ScoreResult, cfg: ScoringConfig, timestamp: str, duration_ms: int
) -> dict[str, Any]:
    return scored_output(
        f.practice_id,
        result.lead_score,
        result.tier,
        breakdown_json(f, result, cfg),
        list(result.flags),
        timestamp,
        duration_ms,
    )


def scored_output(
    practice_id: str,
    lead_score: int,
    tier: str,
    breakdown: str,
    flags: list[str],
    timestamp: str,
    duration_ms: int,
) -> dict[str, Any]:
    """The ScoringOutput of a scored practice as a JSON-ready dict (key order is the output's)."""
    return {
        "practice_id": practice_id,
        "lead_score": lead_score,
        "priority_tier": tier,
        "score_breakdown": breakdown,
        "confidence_flags": flags,
        "scoring_status": "Scored",
        "scoring_timestamp": timestamp,
        "scoring_duration_ms": duration_ms,
        "error_type": None,
        "error_message": None,
    }


def failed_dict(
    practice_id: str | None,
    error_type: str,
    message: str,
    timestamp: str,
    duration_ms: int,
) -> dict[str, Any]:
    return {
        "practice_id": practice_id,
        "lead_score": None,
        "priority_tier": None,
        "score_breakdown": error_json(error_type, message, timestamp),
        "confidence_flags": [],
        "scoring_status": "Failed",
        "scoring_timestamp": timestamp,
        "scoring_duration_ms": duration_ms,
        "error_type": error_type,
        "error_message": message,
    }


def failed_output(
    practice_id: str | None, error_type: str, message: str, *, now: datetime | None = None, duration_ms: int = 0
) -> ScoringOutput:
    stamp = iso_timestamp(now or utc_now())
    return ScoringOutput.model_validate(failed_dict(practice_id, error_type, message, stamp, duration_ms))


def score_parsed(
    parsed: ParsedInput | UnreadableRecord, cfg: ScoringConfig, timestamp: str, duration_ms: int = 0
) -> dict[str, Any]:
    if isinstance(parsed, UnreadableRecord):
        return failed_dict(parsed.practice_id, "invalid_input", parsed.reason, timestamp, duration_ms)
    features = PracticeFeatures.from_parsed(parsed)
    return scored_dict(features, evaluate(features, cfg), cfg, timestamp, duration_ms)


def score_record(
    raw: Any, config: ScoringConfig | None = None, *, now: datetime | None = None
) -> ScoringOutput:
    """Score one practice record (a ``ScoringInput``-shaped dict). Bad data never raises."""
    started = time.perf_counter()
    cfg = config or DEFAULT_CONFIG
    parsed = parse_input(raw)
    out = score_parsed(parsed, cfg, iso_timestamp(now or utc_now()))
    out["scoring_duration_ms"] = int((time.perf_counter() - started) * 1000)
    return ScoringOutput.model_validate(out)


def features_of(source: FeatureTable | pd.DataFrame | Sequence[Any]) -> FeatureTable:
    if isinstance(source, FeatureTable):
        return source
    import pandas as pd

    if isinstance(source, pd.DataFrame):
        return FeatureTable.from_frame(source)
    return FeatureTable.from_records(source)


def score_book(
    source: FeatureTable | pd.DataFrame | Sequence[Any], config: ScoringConfig | None = None
) -> BookScores:
    """Score a whole book: a list of records, a flat DataFrame (SPEC §1 columns) or a FeatureTable."""
    from .vector import score_table

    return score_table(features_of(source), config or DEFAULT_CONFIG)


def book_outputs(
    table: FeatureTable,
    config: ScoringConfig | None = None,
    *,
    now: datetime | None = None,
    duration_ms: int = 0,
) -> Iterator[dict[str, Any]]:
    """The ScoringOutput of every row, in order, as JSON-ready dicts (what the CLI writes)."""
    cfg = config or DEFAULT_CONFIG
    rules = cfg.rulebook
    stamp = iso_timestamp(now or utc_now())
    for i, features in enumerate(table.iter_rows()):
        if features is None:
            yield failed_dict(table.practice_id[i], "invalid_input", table.unreadable[i], stamp, duration_ms)
        else:
            yield scored_dict(features, rules.evaluate(features), cfg, stamp, duration_ms)
