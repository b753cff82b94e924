"""The ICP rules for one practice (SPEC §§2–6): components with their reasons, penalty, tier, flags.

This is the reference implementation; :mod:`scoring.vector` computes the same numbers for a whole
book at once and a property test keeps the two in agreement.

A :class:`RuleBook` is a config compiled for speed: a component depends on a handful of facts, so
its result (and its JSON fragment for the breakdown) is memoised per distinct input. Books of
real practices repeat the same vet counts, EMR systems and review counts over and over.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import ROUND_FLOOR, Decimal

import orjson

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

VET_COUNT_FIELD = "enrichment_data.vet_count"
PHONES_FIELD = "enrichment_data.phone_numbers"


@dataclass(frozen=True, slots=True)
class Component:
    score: int
    max: int
    detail: str


@dataclass(frozen=True, slots=True)
class ScoreResult:
    full: bool
    parts: tuple[Component, ...]  # in COMPONENTS order
    original_score: int
    multiplier: Decimal
    lead_score: int
    tier: str
    flags: tuple[str, ...]
    # The components as breakdown JSON fragments ('"name":{...}'), in COMPONENTS order.
    fragments: tuple[str, ...] = field(default=(), compare=False, repr=False)

    @property
    def components(self) -> dict[str, Component]:
        return dict(zip(COMPONENTS, self.parts, strict=True))


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def apply_multiplier(total: int, multiplier: Decimal) -> int:
    """floor(total × multiplier), exactly (90 × 0.7 is 63)."""
    return int((Decimal(total) * multiplier).to_integral_value(rounding=ROUND_FLOOR))


def penalty_text(multiplier: Decimal) -> str:
    """1 - multiplier as a percentage: Decimal('0.8') → '20%'."""
    text = f"{(Decimal(1) - multiplier) * 100:f}"
    if "." in text:
        text = text.rstrip("0").rstrip(".")
    return f"{text}%"


def fragment(name: str, c: Component) -> str:
    """``"name":{"score":..,"max":..,"detail":..}`` exactly as orjson writes it inside an object."""
    return orjson.dumps({name: {"score": c.score, "max": c.max, "detail": c.detail}}).decode()[1:-1]


class RuleBook:
    """The rules of one config, with memoised components."""

    def __init__(self, cfg: ScoringConfig) -> None:
        self.cfg = cfg
        self.maxima = cfg.component_maxima
        self.awaiting = {
            name: (c := Component(0, self.maxima[name], AWAITING), fragment(name, c)) for name in COMPONENTS
        }
        self._cache: dict[tuple[object, ...], tuple[Component, str]] = {}
        self._emr: dict[str | None, tuple[int, str]] = {}
        missing = Component(0, cfg.decision_maker_points, "Not found")
        self._not_found = (missing, fragment("decision_maker", missing))

    def _memo(self, key: tuple[object, ...], make: Callable[..., Component]) -> tuple[Component, str]:
        """The (component, fragment) for ``key`` = (name, *args), computing ``make(*args)`` once."""
        hit = self._cache.get(key)
        if hit is None:
            if len(self._cache) > 200_000:
                self._cache.clear()
            comp = make(*key[1:])
            hit = self._cache[key] = (comp, fragment(str(key[0]), comp))
        return hit

    # -- components -------------------------------------------------------------------------------

    def practice_size(self, vets: int | None, invalid: bool) -> tuple[Component, str]:
        return self._memo(("practice_size", vets, invalid), self._practice_size)

    def _practice_size(self, vets: int | None, invalid: bool) -> Component:
        top = self.maxima["practice_size"]
        if invalid:
            return Component(0, top, "Vet count invalid (see warnings)")
        if vets is None:
            return Component(0, top, "Vet count not available")
        if vets <= 0:
            return Component(0, top, "No vets reported")
        for band in self.cfg.size_bands:
            if band.min <= vets and (band.max is None or vets <= band.max):
                label = f" ({band.label})" if band.label else ""
                return Component(band.points, top, f"{_plural(vets, 'vet')}{label}")
        return Component(0, top, f"{_plural(vets, 'vet')} (outside every size band)")

    def call_volume(self, count: int, invalid: bool) -> tuple[Component, str]:
        return self._memo(("call_volume", count, invalid), self._call_volume)

    def _call_volume(self, count: int, invalid: bool) -> Component:
        points = self.cfg.call_volume_points
        top = self.maxima["call_volume"]
        if invalid:
            return Component(0, top, "Phone numbers invalid (see warnings)")
        score = points[min(count, len(points) - 1)]
        if count == 0:
            return Component(score, top, "No phone numbers found")
        if count == 1:
            return Component(score, top, "1 phone number")
        return Component(score, top, f"{count} distinct phone numbers")

    def emr_points(self, emr: str | None) -> tuple[int, str]:
        """Points and a description for an EMR system name (case-insensitive substring match)."""
        hit = self._emr.get(emr)
        if hit is None:
            hit = self._emr[emr] = emr_points(emr, self.cfg)
        return hit

    def technology(self, emr: str | None, booking: bool, tele: bool, invalid: bool) -> tuple[Component, str]:
        return self._memo(("technology", emr, booking, tele, invalid), self._technology)

    def _technology(self, emr: str | None, booking: bool, tele: bool, invalid: bool) -> Component:
        cfg = self.cfg
        top = self.maxima["technology"]
        if invalid:
            return Component(0, top, "Technology data invalid (see warnings)")
        score, emr_text = self.emr_points(emr)
        parts = [emr_text] if emr_text else []
        if booking:
            score += cfg.online_booking_points
            parts.append(f"online booking (+{cfg.online_booking_points})")
        if tele:
            score += cfg.telemedicine_points
            parts.append(f"telemedicine (+{cfg.telemedicine_points})")
        if not parts:
            return Component(0, top, "No technology data")
        detail = ", ".join(parts)
        if score > cfg.technology_cap:
            score = cfg.technology_cap
            detail += f" (capped at {cfg.technology_cap})"
        return Component(score, top, detail)

    def baseline(
        self, reviews: int | None, rating: float | None, website: bool, multi: bool, full: bool
    ) -> tuple[Component, str]:
        if rating == 0:
            rating = 0.0  # -0.0 would format as "-0" and share a cache slot with 0.0
        return self._memo(("baseline", reviews, rating, website, multi, full), self._baseline)

    def _baseline(
        self, reviews: int | None, rating: float | None, website: bool, multi: bool, full: bool
    ) -> Component:
        cap = self.baseline_cap(full)
        parts = [self.reviews_part(reviews), self.rating_part(rating), *self.presence_parts(website, multi)]
        score = sum(pts for _, pts in parts)
        detail = ", ".join(text for text, _ in parts)
        if score > cap:
            score = cap
            detail += self.capped_suffix(cap)
        return Component(score, cap, detail)

    # The baseline's sub-rules, each with its text; the whole-book renderer joins the same pieces.

    def baseline_cap(self, full: bool) -> int:
        return self.cfg.baseline_cap_full if full else self.cfg.baseline_cap_baseline_only

    def reviews_part(self, reviews: int | None) -> tuple[str, int]:
        if reviews is None:
            return "no review count", 0
        pts = min(reviews // self.cfg.reviews_per_point, self.cfg.reviews_points_max)
        return f"{_plural(reviews, 'review')} ({pts} pts)", pts

    def rating_part(self, rating: float | None) -> tuple[str, int]:
        if rating is None:
            return "no rating", 0
        if rating == 0:
            rating = 0.0  # not "-0"
        pts = rating_points(rating, self.cfg)
        return f"{rating:g}★ ({pts} pts)", pts

    def presence_parts(self, website: bool, multi: bool) -> list[tuple[str, int]]:
        cfg = self.cfg
        parts = []
        if website:
            parts.append((f"website (+{cfg.website_points})", cfg.website_points))
        if multi:
            parts.append(
                (f"multiple locations (+{cfg.multiple_locations_points})", cfg.multiple_locations_points)
            )
        return parts

    @staticmethod
    def capped_suffix(cap: int) -> str:
        return f" (capped at {cap})"

    def decision_maker(self, name: str | None, title: str | None) -> tuple[Component, str]:
        top = self.cfg.decision_maker_points
        if name is None:
            return self._not_found
        comp = Component(top, top, f"{name} ({title})" if title else name)
        return comp, fragment("decision_maker", comp)

    # -- the whole practice -----------------------------------------------------------------------

    def tier_for(self, lead_score: int, full: bool) -> str:
        if not full:
            return PENDING
        if lead_score >= self.cfg.hot_tier_min:
            return HOT
        if lead_score >= self.cfg.warm_tier_min:
            return WARM
        return COLD

    def evaluate(self, f: PracticeFeatures) -> ScoreResult:
        if f.full:
            bad = {i.field for i in f.issues} if f.issues else ()
            parts = (
                self.practice_size(f.vet_count, VET_COUNT_FIELD in bad),
                self.call_volume(f.phone_count, PHONES_FIELD in bad),
                self.technology(f.emr, f.online_booking, f.telemedicine, f.technology_invalid),
                self.baseline(f.reviews, f.rating, f.website, f.multiple_locations, True),
                self.decision_maker(f.dm_name, f.dm_title),
            )
            multiplier = self.cfg.multiplier(f.confidence)
        else:
            a = self.awaiting
            parts = (
                a["practice_size"],
                a["call_volume"],
                a["technology"],
                self.baseline(f.reviews, f.rating, f.website, f.multiple_locations, False),
                a["decision_maker"],
            )
            multiplier = _ONE
        (c1, j1), (c2, j2), (c3, j3), (c4, j4), (c5, j5) = parts
        total = c1.score + c2.score + c3.score + c4.score + c5.score
        lead = total if multiplier == _ONE else apply_multiplier(total, multiplier)
        return ScoreResult(
            f.full,
            (c1, c2, c3, c4, c5),
            total,
            multiplier,
            lead,
            self.tier_for(lead, f.full),
            flags_for(f),
            (j1, j2, j3, j4, j5),
        )


_ONE = Decimal(1)


def emr_points(emr: str | None, cfg: ScoringConfig) -> tuple[int, str]:
    if emr is None:
        return 0, ""
    upper = emr.upper()
    for tier in cfg.emr_tiers:
        if any(name.upper() in upper for name in tier.names):
            return tier.points, f"{emr} EMR ({tier.label})"
    return cfg.emr_other_points, f"{emr} EMR"


def rating_points(rating: float | None, cfg: ScoringConfig) -> int:
    if rating is None:
        return 0
    for step in cfg.rating_steps:
        if rating >= step.min:
            return step.points
    return 0


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
    if f.issues:
        flags.append(FLAG_VALIDATION)
    return tuple(flags)


def rulebook(cfg: ScoringConfig) -> RuleBook:
    """The compiled rules of ``cfg`` (built once per config object)."""
    return cfg.rulebook


def evaluate(f: PracticeFeatures, cfg: ScoringConfig) -> ScoreResult:
    return cfg.rulebook.evaluate(f)
