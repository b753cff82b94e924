"""“What would change the tier”: the missing or weak inputs that would move a practice up.

Each suggestion is the practice re-scored with one input improved (same rules, same config), so
the numbers shown are exactly what scoring would give.
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from .config import ScoringConfig
from .features import PracticeFeatures
from .rules import PENDING, TIER_NAMES_BY_CODE


@dataclass(frozen=True)
class Suggestion:
    change: str  # what would have to become true, in words
    gain: int  # lead score points gained
    new_score: int
    new_tier: str
    tier_changes: bool

    def sentence(self) -> str:
        arrow = f" → {self.new_tier}" if self.tier_changes else ""
        return f"{self.change} → +{self.gain}{arrow} (score {self.new_score})"


_TIER_RANK = {name: rank for rank, name in enumerate(reversed([t for t in TIER_NAMES_BY_CODE if t]))}


def _candidates(f: PracticeFeatures, cfg: ScoringConfig) -> list[tuple[str, PracticeFeatures]]:
    out: list[tuple[str, PracticeFeatures]] = []
    if f.dm_name is None:
        out.append(("decision maker found", replace(f, dm_name="(found)")))
    if f.vet_count is None:  # a known vet count is a fact, not something to improve
        sweet = max(cfg.size_bands, key=lambda b: b.points)
        out.append((f"vet count confirmed in the {sweet.label or 'best'} band", replace(f, vet_count=sweet.min)))
    best_calls = max(range(len(cfg.call_volume_points)), key=lambda i: cfg.call_volume_points[i])
    if f.phone_count < best_calls:
        more = best_calls - f.phone_count
        out.append((f"{more} more distinct phone number{'s' if more > 1 else ''}", replace(f, phone_count=best_calls)))
    if not f.technology_invalid:
        if f.emr is None and cfg.emr_tiers:
            top = max(cfg.emr_tiers, key=lambda t: t.points)
            example = top.names[0].title()
            out.append((f"EMR system identified as {top.label} (e.g. {example})", replace(f, emr=example)))
        if not f.online_booking:
            out.append(("online booking found", replace(f, online_booking=True)))
        if not f.telemedicine:
            out.append(("telemedicine found", replace(f, telemedicine=True)))
    if f.confidence in ("medium", "low"):
        out.append(("enrichment confidence raised to high", replace(f, confidence="high")))
    if not f.website:
        out.append(("website found", replace(f, website=True)))
    return out


def what_would_change(f: PracticeFeatures, cfg: ScoringConfig) -> list[Suggestion]:
    """Single changes that raise the lead score, tier-changing ones first, biggest gains next."""
    rules = cfg.rulebook
    now = rules.evaluate(f)
    if not f.full:
        return []  # Pending Enrichment: only enrichment moves it (see pending_note)
    suggestions = []
    for change, better in _candidates(f, cfg):
        result = rules.evaluate(better)
        gain = result.lead_score - now.lead_score
        if gain <= 0:
            continue
        moves = _TIER_RANK.get(result.tier, 0) > _TIER_RANK.get(now.tier, 0)
        suggestions.append(Suggestion(change, gain, result.lead_score, result.tier, moves))
    suggestions.sort(key=lambda s: (not s.tier_changes, -s.gain, s.change))
    return suggestions


def pending_note(f: PracticeFeatures) -> str | None:
    if f.full:
        return None
    return (
        f"{PENDING}: only Google Maps facts are known. Completed (or Partial) website enrichment "
        "moves this practice into Hot / Warm / Cold."
    )
