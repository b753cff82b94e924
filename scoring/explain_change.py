"""Why did this score change: the difference between two scorings of one practice, in words.

Input: two score-history entries (the store's rows: ``scored_at``, ``config_version``,
``scoring_status``, ``lead_score``, ``priority_tier``, ``score_breakdown`` JSON, ``error_type``)
and, when known, the record each was scored from. Output: one sentence first ("Warm → Hot: decision
maker found (+10)"), then a list of :class:`Change` items — the tier and score, each component that
moved, each input that changed, the confidence penalty and the configuration version. The list is
open: other axes (engagement snapshots) add items of their own ``kind`` without changing this one.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from typing import Any

import orjson

from .features import distinct_phone_count
from .rules import COMPONENTS

COMPONENT_WORDS = {
    "practice_size": "practice size",
    "call_volume": "call volume",
    "technology": "technology",
    "baseline": "Google Maps baseline",
    "decision_maker": "decision maker",
}
# Which inputs feed which component (SPEC §3), for attributing a component's move to its causes.
COMPONENT_INPUTS = {
    "practice_size": ("enrichment_data.vet_count",),
    "call_volume": ("enrichment_data.phone_numbers",),
    "technology": ("enrichment_data.emr_system", "enrichment_data.has_online_booking",
                   "enrichment_data.has_telemedicine"),
    "baseline": ("google_maps_data.reviews_count", "google_maps_data.rating", "google_maps_data.website",
                 "google_maps_data.has_multiple_locations"),
    "decision_maker": ("enrichment_data.decision_maker",),
}
IGNORED_INPUTS = frozenset({"triggered_by", "trigger_timestamp", "practice_id"})
SHOWN_REASONS = 3


@dataclass(frozen=True)
class Change:
    """One difference between two scorings. ``kind``: tier, score, status, component, confidence,
    config, input (and, from other axes, their own kinds)."""

    kind: str
    field: str
    before: Any
    after: Any
    delta: int | None = None
    text: str = ""


@dataclass(frozen=True)
class ScoreChange:
    sentence: str
    changes: list[Change] = field(default_factory=list)
    inputs_known: bool = True  # False when a scoring's record was not kept (scored before records were kept)

    def to_json(self) -> dict[str, Any]:
        return {"sentence": self.sentence, "inputs_known": self.inputs_known,
                "changes": [asdict(c) for c in self.changes]}


def _breakdown(entry: Mapping[str, Any]) -> dict[str, Any]:
    try:
        doc = orjson.loads(entry.get("score_breakdown") or "{}")
    except orjson.JSONDecodeError:
        return {}
    return doc if isinstance(doc, dict) else {}


def _component_scores(doc: Mapping[str, Any]) -> dict[str, int]:
    parts = doc.get("components")
    if not isinstance(parts, dict):
        return {}
    return {k: int(v.get("score") or 0) for k, v in parts.items() if isinstance(v, dict)}


def flatten_record(record: Any) -> dict[str, Any]:
    """A record as ``section.field`` → value (top-level fields as themselves); {} when unreadable."""
    if not isinstance(record, dict):
        return {}
    out: dict[str, Any] = {}
    for key, value in record.items():
        if key in IGNORED_INPUTS:
            continue
        if key in ("google_maps_data", "enrichment_data") and isinstance(value, dict):
            for sub, v in value.items():
                out[f"{key}.{sub}"] = v
        else:
            out[key] = value
    return out


def _dm_name(value: Any) -> str | None:
    name = value.get("name") if isinstance(value, dict) else None
    return name.strip() or None if isinstance(name, str) else None


def _shown(value: Any) -> str:
    if value is None or value == "" or value == []:
        return "none"
    if isinstance(value, bool):
        return "yes" if value else "no"
    return str(value)


def _phones(value: Any) -> int:
    return distinct_phone_count(str(x) for x in value) if isinstance(value, list) else 0


def _input_phrase(path: str, before: Any, after: Any) -> str:
    """An input change in the words a rep would use."""
    name = path.rsplit(".", 1)[-1]
    if name == "decision_maker":
        b, a = _dm_name(before), _dm_name(after)
        if b is None and a is not None:
            return "decision maker found"
        if b is not None and a is None:
            return "decision maker no longer named"
        return "decision maker changed" if b != a else "decision maker details changed"
    if name == "phone_numbers":
        b, a = _phones(before), _phones(after)
        return f"distinct phone numbers {b} → {a}" if b != a else "phone numbers changed"
    if name in ("has_online_booking", "has_telemedicine", "has_multiple_locations"):
        words = {"has_online_booking": "online booking", "has_telemedicine": "telemedicine",
                 "has_multiple_locations": "multiple locations"}[name]
        return f"{words} found" if after is True else f"{words} no longer found"
    if name == "website":
        return "website found" if after and not before else ("website gone" if before and not after
                                                             else "website changed")
    words = {"vet_count": "vet count", "emr_system": "EMR", "reviews_count": "reviews", "rating": "rating",
             "enrichment_status": "enrichment", "enrichment_confidence": "confidence"}.get(name, name.replace("_", " "))
    return f"{words} {_shown(before)} → {_shown(after)}"


def explain_change(
    before: Mapping[str, Any],
    after: Mapping[str, Any],
    record_before: Any = None,
    record_after: Any = None,
    *,
    extra: Iterable[Change] = (),
) -> ScoreChange:
    """What changed from scoring ``before`` to scoring ``after`` (history rows; records when known).

    ``extra``: change items from other axes (e.g. engagement), appended to the detail. Never raises
    on a damaged breakdown or record: what cannot be read is simply not compared.
    """
    changes: list[Change] = []
    reasons: list[tuple[int, str]] = []  # (|effect|, phrase) for the sentence
    b_doc, a_doc = _breakdown(before), _breakdown(after)
    b_status, a_status = before.get("scoring_status"), after.get("scoring_status")
    b_tier = "Failed" if b_status == "Failed" else before.get("priority_tier")
    a_tier = "Failed" if a_status == "Failed" else after.get("priority_tier")
    b_score, a_score = before.get("lead_score"), after.get("lead_score")

    known = isinstance(record_before, dict) and isinstance(record_after, dict)
    b_in, a_in = flatten_record(record_before), flatten_record(record_after)
    changed_inputs: dict[str, tuple[Any, Any]] = {}
    if known:
        for path in sorted(set(b_in) | set(a_in)):
            if b_in.get(path) != a_in.get(path):
                changed_inputs[path] = (b_in.get(path), a_in.get(path))

    if b_status != a_status:
        why = f" ({after.get('error_type')})" if a_status == "Failed" and after.get("error_type") else ""
        changes.append(Change("status", "scoring_status", b_status, a_status, text=f"{b_status} → {a_status}{why}"))
    if b_tier != a_tier:
        changes.append(Change("tier", "priority_tier", b_tier, a_tier, text=f"{b_tier} → {a_tier}"))
    if b_score != a_score:
        delta = a_score - b_score if isinstance(a_score, int) and isinstance(b_score, int) else None
        changes.append(Change("score", "lead_score", b_score, a_score, delta, f"lead score {_shown(b_score)} → "
                                                                              f"{_shown(a_score)}"))

    config_changed = before.get("config_version") != after.get("config_version")
    b_parts, a_parts = _component_scores(b_doc), _component_scores(a_doc)
    b_mode, a_mode = b_doc.get("mode"), a_doc.get("mode")
    if b_mode and a_mode and b_mode != a_mode:
        status_change = changed_inputs.get("enrichment_status")
        phrase = ("enrichment arrived" if a_mode == "full" else "enrichment data gone") + (
            f" ({_shown(status_change[1])})" if status_change else "")
        effect = (a_doc.get("original_score") or 0) - (b_doc.get("original_score") or 0)
        reasons.append((abs(effect) + 1000, f"{phrase} ({effect:+d})"))
    for name in COMPONENTS:
        if name not in b_parts or name not in a_parts or b_parts[name] == a_parts[name]:
            continue
        delta = a_parts[name] - b_parts[name]
        causes = [p for p in COMPONENT_INPUTS[name] if p in changed_inputs]
        if causes:
            phrase = ", ".join(_input_phrase(p, *changed_inputs[p]) for p in causes)
        elif config_changed:
            phrase = f"{COMPONENT_WORDS[name]} points changed with the configuration"
        else:
            phrase = f"{COMPONENT_WORDS[name]} {b_parts[name]} → {a_parts[name]}"
        changes.append(Change("component", name, b_parts[name], a_parts[name], delta,
                              f"{COMPONENT_WORDS[name]} {b_parts[name]} → {a_parts[name]} ({delta:+d}): {phrase}"))
        if not (b_mode and a_mode and b_mode != a_mode):
            reasons.append((abs(delta), f"{phrase} ({delta:+d})"))

    b_conf, a_conf = b_doc.get("confidence"), a_doc.get("confidence")
    b_pen = _penalty(b_doc)
    a_pen = _penalty(a_doc)
    if b_doc and a_doc and (b_conf != a_conf or b_pen != a_pen) and b_pen is not None and a_pen is not None:
        effect = b_pen - a_pen  # a smaller penalty raises the score
        text = f"confidence {_shown(b_conf)} → {_shown(a_conf)}" if b_conf != a_conf else "confidence penalty changed"
        changes.append(Change("confidence", "confidence", b_conf, a_conf, effect,
                              f"{text}: penalty {b_pen} → {a_pen} points"))
        if effect:
            reasons.append((abs(effect), f"{text} ({effect:+d})"))

    if config_changed:
        text = f"configuration {before.get('config_version')} → {after.get('config_version')}"
        changes.append(Change("config", "config_version", before.get("config_version"), after.get("config_version"),
                              text=text))
        if b_tier != a_tier and not reasons:
            reasons.append((0, text))
    for path, (b, a) in changed_inputs.items():
        changes.append(Change("input", path, b, a, text=_input_phrase(path, b, a)))
    changes.extend(extra)

    return ScoreChange(_sentence(b_tier, a_tier, b_score, a_score, b_status, a_status, after, reasons), changes,
                       known)


def _penalty(doc: Mapping[str, Any]) -> int | None:
    original, total = doc.get("original_score"), doc.get("total_score")
    if isinstance(original, int) and isinstance(total, int):
        return original - total
    return None


def _sentence(
    b_tier: Any, a_tier: Any, b_score: Any, a_score: Any, b_status: Any, a_status: Any,
    after: Mapping[str, Any], reasons: list[tuple[int, str]],
) -> str:
    if a_status == "Failed" and b_status != "Failed":
        head = f"{b_tier or 'Not scored'} → Failed"
        why = after.get("error_type") or "scoring failed"
        return f"{head}: {why}" + (f" — {after.get('error_message')}" if after.get("error_message") else "")
    if b_tier != a_tier:
        head = f"{b_tier or 'Not scored'} → {a_tier}"
    elif b_score != a_score:
        head = f"{a_tier} {_shown(b_score)} → {_shown(a_score)}"
    else:
        head = f"No change ({a_tier}, {_shown(a_score)})"
    ordered = [text for _, text in sorted(reasons, key=lambda r: -r[0])]
    if not ordered:
        return head if head.startswith("No change") else f"{head}: the inputs behind it were not recorded"
    more = "; …" if len(ordered) > SHOWN_REASONS else ""
    return f"{head}: {'; '.join(ordered[:SHOWN_REASONS])}{more}"
