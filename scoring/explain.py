"""“What would change the tier”: the missing or weak inputs that would raise a practice's score, whether
any one of them moves it up a tier, and the closest change that does.

Each suggestion is the practice re-scored with inputs improved (same rules, same config), so the
numbers shown are exactly what scoring would give — caps and the confidence multiplier included.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import combinations

from .config import ScoringConfig
from .features import TECHNOLOGY_FIELDS, PracticeFeatures
from .rules import HOT, PENDING, PHONES_FIELD, TIER_NAMES_BY_CODE, VET_COUNT_FIELD, ScoreResult

# The tiers from the bottom up (Cold < Warm < Hot); Pending Enrichment is outside this order.
_TIER_RANK = {name: rank for rank, name in enumerate(reversed([t for t in TIER_NAMES_BY_CODE if t and t != PENDING]))}
RATING_FIELD, REVIEWS_FIELD = "google_maps_data.rating", "google_maps_data.reviews_count"
_SEARCH_LIMIT = 12  # candidates searched for a combination (2¹² re-scorings at most; today there are ≤ 9)


@dataclass(frozen=True)
class Suggestion:
    change: str  # what would have to become true, in words
    gain: int  # lead score points gained
    new_score: int
    new_tier: str
    tier_changes: bool
    fact: bool = False  # a fact about the practice (its size, reviews, rating, locations), not data to find

    def sentence(self) -> str:
        arrow = f" → {self.new_tier}" if self.tier_changes else ""
        return f"{self.change} → +{self.gain}{arrow} (score {self.new_score})"


@dataclass(frozen=True)
class Combination:
    """Several changes together (the fewest that move the tier, when no single one does)."""

    changes: tuple[str, ...]
    new_score: int
    new_tier: str


@dataclass(frozen=True)
class TierOutlook:
    """What would raise one practice's score and what would move its tier (see :func:`tier_outlook`)."""

    score: int
    tier: str
    next_tier: str | None  # the tier above; None for the top tier (Hot)
    next_tier_min: int | None  # the lead score it needs
    suggestions: tuple[Suggestion, ...]  # single changes that raise the score, tier-moving first
    closest: Suggestion | Combination | None  # the least that moves the tier; None when nothing does

    @property
    def single_moves(self) -> bool:
        return any(s.tier_changes for s in self.suggestions)

    def headline(self) -> str:
        """One sentence: can it move up, and what is the closest change that does."""
        if self.next_tier is None:
            if self.suggestions:
                return f"{self.tier} is the top tier, so nothing moves it up; these would still raise its score."
            return f"{self.tier} is the top tier, and no missing or weak input would raise the score further."
        short = (self.next_tier_min or 0) - self.score
        need = f"{self.next_tier} needs {self.next_tier_min}, {short} more"
        if not self.suggestions:
            return f"No missing or weak input would raise the score: it stays {self.tier} ({need})."
        if isinstance(self.closest, Suggestion):
            moving = sum(s.tier_changes for s in self.suggestions)
            which = "One single change" if moving == 1 else f"{moving} single changes each"
            return (f"{which} would move it to {self.next_tier} ({need}); the closest: "
                    f"{self.closest.change} (score {self.closest.new_score}).")
        if isinstance(self.closest, Combination):
            return (f"None of these single changes moves it to {self.next_tier} ({need}). The closest that does: "
                    f"{' and '.join(self.closest.changes)} together (score {self.closest.new_score}).")
        best = max(s.new_score for s in self.suggestions)
        return (f"None of these changes moves it to {self.next_tier} ({need}), not even all of them together: "
                f"the most a single one reaches is {best}.")


@dataclass(frozen=True)
class _Change:
    label: str
    updates: dict  # PracticeFeatures fields → improved values
    fixes: frozenset[str] = frozenset()  # invalid fields this change corrects (their issues go)
    fact: bool = False  # see Suggestion.fact

    def apply(self, f: PracticeFeatures, *others: _Change) -> PracticeFeatures:
        changes = (self, *others)
        fixed = frozenset().union(*(c.fixes for c in changes))
        updates = {k: v for c in changes for k, v in c.updates.items()}
        return replace(f, **updates, issues=tuple(i for i in f.issues if i.field not in fixed))


def _candidates(f: PracticeFeatures, cfg: ScoringConfig) -> list[_Change]:
    """Every missing or weak input enrichment could improve, as a change to the practice's features."""
    out: list[_Change] = []
    invalid = {i.field for i in f.issues}
    if f.dm_name is None:
        out.append(_Change("decision maker found", {"dm_name": "(found)"}))
    sweet = max(cfg.size_bands, key=lambda b: b.points)
    band = f"{sweet.min}–{sweet.max}" if sweet.max is not None else f"{sweet.min}+"
    in_sweet = f.vet_count is not None and sweet.min <= f.vet_count and (sweet.max is None or f.vet_count <= sweet.max)
    if VET_COUNT_FIELD in invalid or not in_sweet:
        now = "invalid" if VET_COUNT_FIELD in invalid else ("unknown" if f.vet_count is None else f"now {f.vet_count}")
        label = f"{sweet.label}, " if sweet.label else ""
        out.append(_Change(f"vet count {band} ({label}{now})", {"vet_count": sweet.min}, frozenset({VET_COUNT_FIELD}),
                           fact=now.startswith("now")))
    best_calls = max(range(len(cfg.call_volume_points)), key=lambda i: cfg.call_volume_points[i])
    if PHONES_FIELD in invalid:
        out.append(_Change(f"{best_calls} valid distinct phone numbers", {"phone_count": best_calls},
                           frozenset({PHONES_FIELD})))
    elif f.phone_count < best_calls:
        more = best_calls - f.phone_count
        out.append(_Change(f"{more} more distinct phone number{'s' if more > 1 else ''}", {"phone_count": best_calls}))
    # Invalid technology fields zero the whole component: each technology change also corrects them.
    tech_fix = {"technology_invalid": False} if f.technology_invalid else {}
    tech_fields = TECHNOLOGY_FIELDS if f.technology_invalid else frozenset()
    if f.emr is None and cfg.emr_tiers:
        top = max(cfg.emr_tiers, key=lambda t: t.points)
        example = top.names[0].title()
        out.append(_Change(f"EMR system identified as {top.label} (e.g. {example})", {"emr": example, **tech_fix},
                           tech_fields))
    if not f.online_booking:
        out.append(_Change("online booking found", {"online_booking": True, **tech_fix}, tech_fields))
    if not f.telemedicine:
        out.append(_Change("telemedicine found", {"telemedicine": True, **tech_fix}, tech_fields))
    if f.confidence in ("medium", "low"):
        out.append(_Change("enrichment confidence raised to high", {"confidence": "high"}))
    if not f.website:
        out.append(_Change("website found", {"website": True}))
    # The baseline's Google Maps facts, so "what would raise the score" is the whole answer (a capped
    # baseline gains nothing from them, and scoring says so).
    if not f.multiple_locations:
        out.append(_Change("multiple locations", {"multiple_locations": True}, fact=True))
    best_rating = max(cfg.rating_steps, key=lambda step: step.points, default=None)
    if best_rating is not None and (f.rating is None or f.rating < best_rating.min):
        now = "no rating now" if f.rating is None else f"now {f.rating:g}"
        out.append(_Change(f"rating {best_rating.min:g} or more ({now})", {"rating": best_rating.min},
                           frozenset({RATING_FIELD}), fact=True))
    enough = cfg.reviews_points_max * cfg.reviews_per_point
    if f.reviews is None or f.reviews < enough:
        more = enough - (f.reviews or 0)
        out.append(_Change(f"{more:,} more reviews ({enough:,} in all)", {"reviews": enough},
                           frozenset({REVIEWS_FIELD}), fact=True))
    return out


def _moves(result: ScoreResult, now: ScoreResult) -> bool:
    return _TIER_RANK.get(result.tier, -1) > _TIER_RANK.get(now.tier, -1)


def tier_outlook(f: PracticeFeatures, cfg: ScoringConfig) -> TierOutlook | None:
    """For a fully enriched practice: the single changes that raise its lead score (tier-moving ones
    first, data enrichment could find before facts about the practice, then biggest gains), the tier
    above and the score it needs, and the closest change that moves it there — the tier-moving single
    change with the smallest gain (data before facts), else the fewest changes together (fewest facts,
    then the lowest score that still moves), else None. Pending Enrichment practices get None (see
    :func:`pending_note`)."""
    if not f.full:
        return None
    rules = cfg.rulebook
    now = rules.evaluate(f)
    ladder = {HOT: None, "Warm": (HOT, cfg.hot_tier_min), "Cold": ("Warm", cfg.warm_tier_min)}
    next_tier, next_min = ladder.get(now.tier) or (None, None)
    candidates = _candidates(f, cfg)
    suggestions, helpful = [], []
    for change in candidates:
        result = rules.evaluate(change.apply(f))
        gain = result.lead_score - now.lead_score
        if gain > 0:
            helpful.append(change)
            suggestions.append(Suggestion(change.label, gain, result.lead_score, result.tier, _moves(result, now),
                                          change.fact))
    # Tier-moving first; data enrichment could find before facts about the practice; biggest gains next.
    suggestions.sort(key=lambda s: (not s.tier_changes, s.fact, -s.gain, s.change))
    closest: Suggestion | Combination | None = None
    moving = [s for s in suggestions if s.tier_changes]
    if moving:
        closest = min(moving, key=lambda s: (s.fact, s.gain, s.change))
    elif next_tier is not None and helpful:
        closest = _fewest_together(f, cfg, now, helpful)
    return TierOutlook(now.lead_score, now.tier, next_tier, next_min, tuple(suggestions), closest)


def _fewest_together(f: PracticeFeatures, cfg: ScoringConfig, now: ScoreResult,
                     helpful: list[_Change]) -> Combination | None:
    rules = cfg.rulebook
    helpful = helpful[:_SEARCH_LIMIT]
    for size in range(2, len(helpful) + 1):
        best: tuple[tuple[int, int], Combination] | None = None
        for first, *rest in combinations(helpful, size):
            result = rules.evaluate(first.apply(f, *rest))
            rank = (sum(c.fact for c in (first, *rest)), result.lead_score)  # fewest facts, then the least score
            if _moves(result, now) and (best is None or rank < best[0]):
                best = (rank, Combination(tuple(c.label for c in (first, *rest)), result.lead_score, result.tier))
        if best is not None:
            return best[1]
    return None


def what_would_change(f: PracticeFeatures, cfg: ScoringConfig) -> list[Suggestion]:
    """Single changes that raise the lead score, tier-changing ones first, biggest gains next."""
    outlook = tier_outlook(f, cfg)
    return list(outlook.suggestions) if outlook else []


def pending_note(f: PracticeFeatures) -> str | None:
    if f.full:
        return None
    return (
        f"{PENDING}: only Google Maps facts are known. Completed (or Partial) website enrichment "
        "moves this practice into Hot / Warm / Cold."
    )
