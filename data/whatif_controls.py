"""The What-if lab's controls as data: a configuration → the values its controls show, the controls'
values → a validated configuration, and validation problems in the words of the controls (“Warm from”
must be below “Hot from”), never config keys. Pure (no Streamlit), so every rule here is tested."""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any

import pandas as pd

from scoring.config import MAX_TIER_MIN, ConfigError, ScoringConfig

# Config field → the control's label, exactly as the page shows it.
FIELD_LABELS: dict[str, str] = {
    "hot_tier_min": "Hot from",
    "warm_tier_min": "Warm from",
    "confidence_multipliers.high": "Multiplier, high confidence",
    "confidence_multipliers.medium": "Multiplier, medium confidence",
    "confidence_multipliers.low": "Multiplier, low confidence",
    "size_bands": "Practice size bands",
    "call_volume_points": "Call volume points",
    "emr_tiers": "EMR points",
    "emr_other_points": "Any other EMR",
    "online_booking_points": "Online booking",
    "telemedicine_points": "Telemedicine",
    "technology_cap": "Technology cap",
    "reviews_per_point": "Reviews per point",
    "reviews_points_max": "Review points cap",
    "website_points": "Website",
    "multiple_locations_points": "Multiple locations",
    "baseline_cap_full": "Baseline cap (enriched)",
    "decision_maker_points": "Decision maker found",
}
# Session keys of the plain controls → config field (the EMR tiers and size bands are handled apart).
CONTROL_FIELDS: dict[str, str] = {
    "w_hot": "hot_tier_min",
    "w_warm": "warm_tier_min",
    "w_high": "confidence_multipliers.high",
    "w_medium": "confidence_multipliers.medium",
    "w_low": "confidence_multipliers.low",
    "w_calls": "call_volume_points",
    "w_emr_other": "emr_other_points",
    "w_booking": "online_booking_points",
    "w_tele": "telemedicine_points",
    "w_tech_cap": "technology_cap",
    "w_per_point": "reviews_per_point",
    "w_reviews_max": "reviews_points_max",
    "w_website": "website_points",
    "w_locations": "multiple_locations_points",
    "w_cap_full": "baseline_cap_full",
    "w_dm": "decision_maker_points",
}
TIER_FIELDS = frozenset({"hot_tier_min", "warm_tier_min", "confidence_multipliers"})
MULTIPLIER_PLACES = 6  # the config keeps at most 6 decimal places; a widget's 0.8500000000000001 is 0.85
BAND_COLUMNS = ["min", "max", "points", "label"]


def emr_key(index: int) -> str:
    return f"w_emr_{index}"


def emr_label(cfg: ScoringConfig, index: int) -> str:
    tier = cfg.emr_tiers[index]
    return f"EMR {tier.label} ({', '.join(tier.names)})"


def control_values(cfg: ScoringConfig) -> dict[str, Any]:
    """What every plain control shows for ``cfg`` (session key → value)."""
    m = cfg.confidence_multipliers
    values: dict[str, Any] = {
        "w_hot": cfg.hot_tier_min,
        "w_warm": cfg.warm_tier_min,
        "w_high": float(m.high),
        "w_medium": float(m.medium),
        "w_low": float(m.low),
        "w_calls": ", ".join(str(p) for p in cfg.call_volume_points),
    }
    for key, field in CONTROL_FIELDS.items():
        if key not in values:
            values[key] = getattr(cfg, field)
    for i, tier in enumerate(cfg.emr_tiers):
        values[emr_key(i)] = tier.points
    return values


def bands_frame(cfg: ScoringConfig) -> pd.DataFrame:
    """The size bands as the band editor shows them (max empty for “and more”)."""
    frame = pd.DataFrame([b.model_dump() for b in cfg.size_bands], columns=BAND_COLUMNS)
    for column in ("min", "max", "points"):
        frame[column] = frame[column].astype("Int64")
    return frame


def _bands(frame: pd.DataFrame) -> list[dict[str, Any]]:
    rows = []
    for row in frame.to_dict("records"):
        clean = {k: (None if v is None or (not isinstance(v, str) and pd.isna(v)) else v) for k, v in row.items()}
        if clean.get("min") is None and clean.get("points") is None and clean.get("max") is None:
            continue  # an empty row the editor added
        clean["label"] = clean.get("label") or ""
        rows.append(clean)
    return rows


def _call_points(text: str) -> list[int]:
    try:
        return [int(p) for p in str(text).replace(";", ",").split(",") if p.strip()]
    except ValueError:
        raise ConfigError("call volume points must be whole numbers",
                          [("call_volume_points", "must be whole numbers separated by commas, e.g. 0, 10, 20, 30")]
                          ) from None


def changes_from(base: ScoringConfig, values: Mapping[str, Any], bands: pd.DataFrame) -> dict[str, Any]:
    """The config fields the controls set (raises ConfigError for call points that are not numbers)."""
    changes: dict[str, Any] = {
        "hot_tier_min": int(values["w_hot"]),
        "warm_tier_min": int(values["w_warm"]),
        "confidence_multipliers": {level: round(float(values[f"w_{level}"]), MULTIPLIER_PLACES)
                                   for level in ("high", "medium", "low")},
        "call_volume_points": _call_points(values["w_calls"]),
        "size_bands": _bands(bands),
        "emr_tiers": [t.model_copy(update={"points": int(values[emr_key(i)])}).model_dump()
                      for i, t in enumerate(base.emr_tiers)],
    }
    for key, field in CONTROL_FIELDS.items():
        if field not in changes and "." not in field:
            changes[field] = int(values[key])
    return changes


def build_config(base: ScoringConfig, values: Mapping[str, Any], bands: pd.DataFrame) -> ScoringConfig:
    """The configuration the controls describe, validated (ConfigError: see :func:`problems_in_words`)."""
    return base.with_changes(**changes_from(base, values, bands))


def highest_score(base: ScoringConfig, values: Mapping[str, Any], bands: pd.DataFrame) -> int:
    """The highest lead score the point controls allow (where the threshold sliders must end): the
    config's own max_total, computed with the thresholds set aside; the base config's when the points
    themselves are invalid; never above the thresholds' own bound."""
    try:
        changes = {**(changes_from(base, values, bands) if values else {}), "hot_tier_min": 1, "warm_tier_min": 0}
        top = base.with_changes(**changes).max_total
    except ConfigError:
        top = base.max_total
    return min(top, MAX_TIER_MIN)  # a threshold is valid only up to both (scoring.config)


_PYDANTIC = [
    (re.compile(r"^Input should be greater than or equal to (\S+)"), r"must be at least \1"),
    (re.compile(r"^Input should be greater than (\S+)"), r"must be above \1"),
    (re.compile(r"^Input should be less than or equal to (\S+)"), r"must be at most \1"),
    (re.compile(r"^Input should be a valid integer.*"), "must be a whole number"),
    (re.compile(r"^Field required"), "is needed"),
]
_FIELD_NAMES = re.compile("|".join(sorted((re.escape(f) for f in FIELD_LABELS if "." not in f), key=len, reverse=True)))


def _label_of(field: str) -> str:
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    parts = field.split(".")
    if parts[0] == "size_bands" and len(parts) >= 2 and parts[1].isdigit():
        column = {"min": "min vets", "max": "max vets"}.get(parts[2], parts[2]) if len(parts) > 2 else ""
        return f"Size band {int(parts[1]) + 1}" + (f", {column}" if column else "")
    if parts[0] == "emr_tiers":
        return FIELD_LABELS["emr_tiers"]
    return FIELD_LABELS.get(parts[0], field.replace("_", " "))


def problems_in_words(exc: ConfigError) -> list[str]:
    """Each validation problem as one sentence naming the control as the user sees it:
    ``warm_tier_min (90) must be lower than hot_tier_min (80)`` → “Warm from” (90) must be below “Hot from” (80)."""
    sentences = []
    for field, message in exc.problems or [("", str(exc))]:
        for pattern, replacement in _PYDANTIC:
            message = pattern.sub(replacement, message)
        message = message.replace("must be lower than", "must be below")
        message = _FIELD_NAMES.sub(lambda m: f"“{FIELD_LABELS[m.group(0)]}”", message)
        joint = " " if message.startswith(("must", "(", "is ")) else ": "
        sentences.append((f"“{_label_of(field)}”{joint}" if field else "") + message.rstrip(".") + ".")
    return sentences
