"""The score breakdown (SPEC §8): a JSON string of at most 2,000 characters that is always valid.

Too-long content is shortened field by field (details, then warnings); the JSON itself is never
cut, because Notion and our readers parse it.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

import orjson

from .config import ScoringConfig
from .depth import bounded_repr
from .features import PracticeFeatures
from .rules import ScoreResult, penalty_text

MAX_BREAKDOWN_CHARS = 2000
BASELINE_ONLY_NOTE = "Awaiting enrichment for the full score"

# Progressively harsher limits: (detail chars, warning chars, number of warnings kept).
_SHORTENINGS = ((None, None, None), (160, 200, 12), (80, 120, 6), (40, 80, 3), (20, 60, 1), (8, 40, 0))


def short_repr(value: Any, limit: int = 60) -> str:
    """``repr(value)`` in at most ``limit`` characters, for a warning; any nesting, any size."""
    return bounded_repr(value, limit)


def warnings_for(f: PracticeFeatures, result: ScoreResult) -> list[str]:
    out = [
        f"{issue.field}: {short_repr(issue.value)} is not valid ({issue.problem}); ignored"
        for issue in f.issues
    ]
    return out + mode_warnings(result.full, f.confidence, f.status, result.multiplier)


def mode_warnings(full: bool, confidence: str | None, status: str | None, multiplier: Decimal) -> list[str]:
    """The warnings every practice with these facts gets (those about invalid fields come first)."""
    out = []
    if full and confidence in ("low", "medium"):
        penalty = penalty_text(multiplier)
        out.append(f"{confidence.capitalize()} enrichment confidence: score reduced by {penalty}")
    if full and status == "Partial":
        out.append("Partial enrichment: some inputs may be missing")
    return out


def breakdown_doc(f: PracticeFeatures, result: ScoreResult, cfg: ScoringConfig) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "total_score": result.lead_score,
        "original_score": result.original_score,
        "mode": "full" if result.full else "baseline_only",
        "confidence": f.confidence,
        "confidence_multiplier": float(result.multiplier),
        "confidence_penalty": penalty_text(result.multiplier),
        "tier": result.tier,
        "components": {
            name: {"score": c.score, "max": c.max, "detail": c.detail}
            for name, c in result.components.items()
        },
        "warnings": warnings_for(f, result),
        "config_version": cfg.config_version,
    }
    if not result.full:
        doc["note"] = BASELINE_ONLY_NOTE
    return doc


def notion_length(text: str) -> int:
    """Length as Notion counts it (UTF-16 code units, like JavaScript): never less than len(text),
    so a breakdown within this limit is within 2,000 characters by either count."""
    return len(text) if text.isascii() else len(text.encode("utf-16-le")) // 2


def _cut(text: str, limit: int | None) -> str:
    if limit is None or len(text) <= limit:
        return text
    return text[: max(limit - 1, 0)] + "…"


def to_json(doc: dict[str, Any]) -> str:
    return orjson.dumps(doc).decode()


def fit(doc: dict[str, Any]) -> str:
    """Serialise ``doc``, shortening its texts until it fits in MAX_BREAKDOWN_CHARS."""
    text = to_json(doc)
    if notion_length(text) <= MAX_BREAKDOWN_CHARS:
        return text
    for detail_limit, warning_limit, keep in _SHORTENINGS[1:]:
        short = dict(doc)
        if "components" in doc:
            short["components"] = {
                k: {**v, "detail": _cut(v["detail"], detail_limit)} for k, v in doc["components"].items()
            }
        if "detail" in doc:
            short["detail"] = _cut(doc["detail"], detail_limit and detail_limit * 8)
        if "warnings" in doc:
            warnings = [_cut(w, warning_limit) for w in doc["warnings"]]
            dropped = len(warnings) - keep
            if dropped > 0:
                warnings = [*warnings[:keep], f"(+{dropped} more warnings)"]
            short["warnings"] = warnings
        text = to_json(short)
        if notion_length(text) <= MAX_BREAKDOWN_CHARS:
            return text
    # Unreachable with validated configs (labels are bounded); kept so the promise always holds.
    minimal = {k: doc[k] for k in ("total_score", "tier", "mode", "error") if k in doc}
    minimal["truncated"] = True
    return to_json(minimal)


def breakdown_json(f: PracticeFeatures, result: ScoreResult, cfg: ScoringConfig) -> str:
    """The breakdown of one scored practice as JSON (≤ MAX_BREAKDOWN_CHARS).

    Assembled from the result's cached component fragments; the text is byte-for-byte what
    serialising :func:`breakdown_doc` gives (a test holds it to that), just without rebuilding
    and re-encoding the same pieces for every practice.
    """
    if not result.fragments:
        return fit(breakdown_doc(f, result, cfg))
    head = head_json(
        result.lead_score, result.original_score, result.full, f.confidence, result.multiplier, result.tier
    )
    if f.issues:
        warnings = to_json(warnings_for(f, result))
    else:
        warnings = plain_warnings_json(result.full, f.confidence, f.status, result.multiplier)
    text = f'{head}{",".join(result.fragments)}}},"warnings":{warnings}{tail_json(cfg.config_version, result.full)}'
    if notion_length(text) <= MAX_BREAKDOWN_CHARS:
        return text
    return fit(breakdown_doc(f, result, cfg))


def head_json(
    lead_score: int, original: int, full: bool, confidence: str | None, multiplier: Decimal, tier: str
) -> str:
    """The breakdown's text up to and including ``"components":{`` (cached per distinct head)."""
    head_key = (lead_score, original, full, confidence, multiplier, tier)
    head = _HEADS.get(head_key)
    if head is None:
        if len(_HEADS) > 100_000:
            _HEADS.clear()
        head = _HEADS[head_key] = (
            to_json(
                {
                    "total_score": lead_score,
                    "original_score": original,
                    "mode": "full" if full else "baseline_only",
                    "confidence": confidence,
                    "confidence_multiplier": float(multiplier),
                    "confidence_penalty": penalty_text(multiplier),
                    "tier": tier,
                }
            )[:-1]
            + ',"components":{'
        )
    return head


def plain_warnings_json(full: bool, confidence: str | None, status: str | None, multiplier: Decimal) -> str:
    """The warnings array of a practice without invalid fields, as JSON (cached)."""
    warn_key = (full, confidence, status, multiplier)
    warnings = _WARNINGS.get(warn_key)
    if warnings is None:
        warnings = _WARNINGS[warn_key] = to_json(mode_warnings(full, confidence, status, multiplier))
    return warnings


def tail_json(config_version: str, full: bool) -> str:
    """The breakdown's text after the warnings: config version, the baseline-only note, the last brace."""
    tail = _TAILS.get((config_version, full))
    if tail is None:
        note = f',"note":{to_json(BASELINE_ONLY_NOTE)}' if not full else ""
        tail = _TAILS[(config_version, full)] = f',"config_version":{to_json(config_version)}{note}}}'
    return tail


_HEADS: dict[tuple[object, ...], str] = {}
_WARNINGS: dict[tuple[object, ...], str] = {}
_TAILS: dict[tuple[str, bool], str] = {}


ERROR_TITLES = {
    "invalid_input": "Invalid input",
    "timeout": "Scoring timeout",
    "circuit_breaker": "Circuit breaker open",
    "unexpected_error": "Calculation error",
}


def error_json(error_type: str, detail: str, timestamp: str) -> str:
    """A Failed breakdown: exactly ``{"error", "detail", "timestamp"}`` (SPEC §8)."""
    return fit({"error": ERROR_TITLES.get(error_type, error_type), "detail": detail, "timestamp": timestamp})
