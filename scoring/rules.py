"""The ICP rules for one practice (SPEC §§2–6): components with their reasons, penalty, tier, flags.

This is the reference implementation; :mod:`scoring.vector` computes the same numbers for a whole
book at once and a property test keeps the two in agreement.
"""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from .config import ScoringConfig
from .features import PracticeFeatures

COMPONENTS = ("practice_size", "call_volume", "technology", "baseline", "decision_maker")

FLAG_LOW_CONFIDENCE = "Low Confidence Vet Count"
FLAG_MEDIUM_CONFIDENCE = "Medium Confidence Data"
FLAG_PARTIAL = "Partial Enrichment"
FLAG_MISSING_DM = "Missing Decision Maker"
FLAG_LIMITED_TECH = "Limited Technology Data"
FLAG_VALIDATION = "Data Validation Error"
# SPEC §6 order. A flag's bit in the whole-book flag mask is its position here.
FLAGS = (
    FLAG_LOW_CONFIDENCE,
    FLAG_MEDIUM_CONFIDENCE,
    FLAG_PARTIAL,
    FLAG_MISSING_DM,
    FLAG_LIMITED_TECH,
    FLAG_VALIDATION,
)

HOT, WARM, COLD, PENDING = "Hot", "Warm", "Cold", "Pending Enrichment"
# Tier by integer code in whole-book results; code 0 is "no tier" (a Failed scoring).
TIER_NAMES_BY_CODE: tuple[str | None, ...] = (None, HOT, WARM, COLD, PENDING)
AWAITING = "Awaiting enrichment"


@dataclass(frozen=True, slots=True)
class Component:
    score: int
    max: int
    detail: str


@dataclass(frozen=True, slots=True)
class ScoreResult:
    full: bool
    components: dict[str, Component]
    original_score: int
    multiplier: Decimal
    lead_score: int
    tier: str
    flags: tuple[str, ...]


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def practice_size(f: PracticeFeatures, cfg: ScoringConfig) -> Component:
    top = max(b.points for b in cfg.size_bands)
    vets = f.vet_count
    if "enrichment_data.vet_count" in {i.field for i in f.issues}:
        return Component(0, top, "Vet count invalid (see warnings)")
    if vets is None:
        return Component(0, top, "Vet count not available")
    if vets <= 0:
        return Component(0, top, "No vets reported")
    for band in cfg.size_bands:
        if band.min <= vets and (band.max is None or vets <= band.max):
            label = f" ({band.label})" if band.label else ""
            return Component(band.points, top, f"{_plural(vets, 'vet')}{label}")
    return Component(0, top, f"{_plural(vets, 'vet')} (outside every size band)")


def call_volume(f: PracticeFeatures, cfg: ScoringConfig) -> Component:
    points = cfg.call_volume_points
    top = max(points)
    if "enrichment_data.phone_numbers" in {i.field for i in f.issues}:
        return Component(0, top, "Phone numbers invalid (see warnings)")
    n = f.phone_count
    score = points[min(n, len(points) - 1)]
    if n == 0:
        return Component(score, top, "No phone numbers found")
    if n == 1:
        return Component(score, top, "1 phone number")
    return Component(score, top, f"{n} distinct phone numbers")


def emr_points(emr: str | None, cfg: ScoringConfig) -> tuple[int, str]:
    """Points and a description for an EMR system name (case-insensitive substring match)."""
    if emr is None:
        return 0, ""
    upper = emr.upper()
    for tier in cfg.emr_tiers:
        if any(name.upper() in upper for name in tier.names):
            return tier.points, f"{emr} EMR ({tier.label})"
    return cfg.emr_other_points, f"{emr} EMR"


def technology(f: PracticeFeatures, cfg: ScoringConfig) -> Component:
    top = cfg.component_maxima["technology"]
    if f.technology_invalid:
        return Component(0, top, "Technology data invalid (see warnings)")
    score, emr_text = emr_points(f.emr, cfg)
    parts = [emr_text] if emr_text else []
    if f.online_booking:
        score += cfg.online_booking_points
        parts.append(f"online booking (+{cfg.online_booking_points})")
    if f.telemedicine:
        score += cfg.telemedicine_points
        parts.append(f"telemedicine (+{cfg.telemedicine_points})")
    if not parts:
        return Component(0, top, "No technology data")
    detail = ", ".join(parts)
    if score > cfg.technology_cap:
        score = cfg.technology_cap
        detail += f" (capped at {cfg.technology_cap})"
    return Component(score, top, detail)


def rating_points(rating: float | None, cfg: ScoringConfig) -> int:
    if rating is None:
        return 0
    for step in cfg.rating_steps:
        if rating >= step.min:
            return step.points
    return 0


def baseline(f: PracticeFeatures, cfg: ScoringConfig) -> Component:
    cap = cfg.baseline_cap_full if f.full else cfg.baseline_cap_baseline_only
    parts = []
    score = 0
    if f.reviews is None:
        parts.append("no review count")
    else:
        pts = min(f.reviews // cfg.reviews_per_point, cfg.reviews_points_max)
        score += pts
        parts.append(f"{_plural(f.reviews, 'review')} ({pts} pts)")
    if f.rating is None:
        parts.append("no rating")
    else:
        pts = rating_points(f.rating, cfg)
        score += pts
        parts.append(f"{f.rating:g}★ ({pts} pts)")
    if f.website:
        score += cfg.website_points
        parts.append(f"website (+{cfg.website_points})")
    if f.multiple_locations:
        score += cfg.multiple_locations_points
        parts.append(f"multiple locations (+{cfg.multiple_locations_points})")
    detail = ", ".join(parts)
    if score > cap:
        score = cap
        detail += f" (capped at {cap})"
    return Component(score, cap, detail)


def decision_maker(f: PracticeFeatures, cfg: ScoringConfig) -> Component:
    top = cfg.decision_maker_points
    if f.dm_name is None:
        return Component(0, top, "Not found")
    who = f"{f.dm_name} ({f.dm_title})" if f.dm_title else f.dm_name
    return Component(top, top, who)


def apply_multiplier(total: int, multiplier: Decimal) -> int:
    """floor(total × multiplier), exactly (90 × 0.7 is 63)."""
    scaled = Decimal(total) * multiplier  # Decimal multiplication of these sizes is exact
    return int(scaled.to_integral_value(rounding="ROUND_FLOOR"))


def tier_for(lead_score: int, full: bool, cfg: ScoringConfig) -> str:
    if not full:
        return PENDING
    if lead_score >= cfg.hot_tier_min:
        return HOT
    if lead_score >= cfg.warm_tier_min:
        return WARM
    return COLD


def flags_for(f: PracticeFeatures) -> tuple[str, ...]:
    flags = []
    if f.full:
        if f.confidence == "low":
            flags.append(FLAG_LOW_CONFIDENCE)
        if f.confidence == "medium":
            flags.append(FLAG_MEDIUM_CONFIDENCE)
        if f.status == "Partial":
            flags.append(FLAG_PARTIAL)
        if f.dm_name is None:
            flags.append(FLAG_MISSING_DM)
        if f.emr is None and f.technologies_count == 0:
            flags.append(FLAG_LIMITED_TECH)
    if f.invalid:
        flags.append(FLAG_VALIDATION)
    return tuple(flags)


def evaluate(f: PracticeFeatures, cfg: ScoringConfig) -> ScoreResult:
    if f.full:
        components = {
            "practice_size": practice_size(f, cfg),
            "call_volume": call_volume(f, cfg),
            "technology": technology(f, cfg),
            "baseline": baseline(f, cfg),
            "decision_maker": decision_maker(f, cfg),
        }
        multiplier = cfg.multiplier(f.confidence)
    else:
        maxima = cfg.component_maxima
        components = {
            name: (baseline(f, cfg) if name == "baseline" else Component(0, maxima[name], AWAITING))
            for name in COMPONENTS
        }
        multiplier = Decimal(1)
    total = sum(c.score for c in components.values())
    lead = apply_multiplier(total, multiplier)
    return ScoreResult(
        full=f.full,
        components=components,
        original_score=total,
        multiplier=multiplier,
        lead_score=lead,
        tier=tier_for(lead, f.full, cfg),
        flags=flags_for(f),
    )


def penalty_text(multiplier: Decimal) -> str:
    """1 - multiplier as a percentage: Decimal('0.8') → '20%'."""
    text = f"{(Decimal(1) - multiplier) * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"
