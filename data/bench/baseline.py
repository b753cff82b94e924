"""A straightforward per-practice implementation of the seed's class design — for the benchmark only.

It follows FEAT-003 §5 as written: per practice, a pydantic ``ScoringInput``, an async orchestrator
with ``asyncio.wait_for`` and a circuit breaker, then validator → calculator → confidence evaluator →
tier classifier → breakdown generator objects, and a ``json.dumps`` per output. It applies SPEC's
rules (not the seed's contradictory flow examples), so the benchmark can check both give the same
scores before it compares their speed. Nothing in the product uses it.
"""

from __future__ import annotations

import asyncio
import json
import logging
import math
import time
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

import pybreaker

from scoring.config import ScoringConfig
from scoring.models import ScoringInput, parse_input

log = logging.getLogger("leadscore.baseline")


@dataclass
class ComponentScores:
    practice_size: int
    call_volume: int
    technology: int
    baseline: int
    decision_maker: int
    details: dict[str, str]

    @property
    def total(self) -> int:
        return self.practice_size + self.call_volume + self.technology + self.baseline + self.decision_maker


@dataclass
class BaselineOutput:
    practice_id: str | None
    lead_score: int | None
    priority_tier: str | None
    score_breakdown: str
    confidence_flags: list[str]
    scoring_status: str
    scoring_timestamp: str
    scoring_duration_ms: int
    error_type: str | None = None
    error_message: str | None = None


class DataValidator:
    def validate(self, practice: ScoringInput, invalid: frozenset[str]) -> list[str]:
        return sorted(invalid)


class ScoreCalculator:
    def __init__(self, cfg: ScoringConfig) -> None:
        self.cfg = cfg

    def calculate(self, practice: ScoringInput, invalid: frozenset[str]) -> ComponentScores:
        cfg = self.cfg
        gm, en = practice.google_maps_data, practice.enrichment_data
        details: dict[str, str] = {}
        base = 0
        if gm.reviews_count is not None:
            base += min(gm.reviews_count // cfg.reviews_per_point, cfg.reviews_points_max)
        if gm.rating is not None:
            base += next((s.points for s in cfg.rating_steps if gm.rating >= s.min), 0)
        if gm.website and gm.website.strip():
            base += cfg.website_points
        if gm.has_multiple_locations:
            base += cfg.multiple_locations_points
        details["baseline"] = f"{gm.reviews_count} reviews, {gm.rating}"
        if en is None:
            for name in ("practice_size", "call_volume", "technology", "decision_maker"):
                details[name] = "Awaiting enrichment"
            return ComponentScores(0, 0, 0, min(base, cfg.baseline_cap_baseline_only), 0, details)
        size = 0
        if en.vet_count is not None and en.vet_count > 0:
            for band in cfg.size_bands:
                if band.min <= en.vet_count and (band.max is None or en.vet_count <= band.max):
                    size = band.points
                    break
        details["practice_size"] = f"{en.vet_count} vets"
        phones = {"".join(c for c in p if c in "0123456789") for p in en.phone_numbers} - {""}
        points = cfg.call_volume_points
        calls = points[min(len(phones), len(points) - 1)]
        details["call_volume"] = f"{len(phones)} phone numbers"
        tech = 0
        if not invalid & {
            "enrichment_data.emr_system",
            "enrichment_data.has_online_booking",
            "enrichment_data.has_telemedicine",
        }:
            emr = (en.emr_system or "").strip()
            if emr:
                tech = cfg.emr_other_points
                for tier in cfg.emr_tiers:
                    if any(n.upper() in emr.upper() for n in tier.names):
                        tech = tier.points
                        break
            tech += cfg.online_booking_points if en.has_online_booking else 0
            tech += cfg.telemedicine_points if en.has_telemedicine else 0
            tech = min(tech, cfg.technology_cap)
        details["technology"] = f"{en.emr_system} EMR"
        dm = en.decision_maker
        has_dm = dm is not None and bool(dm.name and dm.name.strip())
        details["decision_maker"] = dm.name if has_dm and dm else "Not found"
        return ComponentScores(
            size,
            calls,
            tech,
            min(base, cfg.baseline_cap_full),
            cfg.decision_maker_points if has_dm else 0,
            details,
        )


class ConfidenceEvaluator:
    def __init__(self, cfg: ScoringConfig) -> None:
        self.cfg = cfg

    def evaluate(self, practice: ScoringInput, scores: ComponentScores) -> tuple[int, Decimal]:
        if practice.enrichment_data is None:
            return scores.total, Decimal(1)
        multiplier = self.cfg.multiplier(practice.enrichment_confidence)
        return math.floor(Decimal(scores.total) * multiplier), multiplier


class TierClassifier:
    def __init__(self, cfg: ScoringConfig) -> None:
        self.cfg = cfg

    def classify(self, practice: ScoringInput, score: int, invalid: frozenset[str]) -> tuple[str, list[str]]:
        en = practice.enrichment_data
        flags = []
        if en is not None:
            conf = practice.enrichment_confidence
            if conf == "low":
                flags.append("Low Confidence Vet Count")
            if conf == "medium":
                flags.append("Medium Confidence Data")
            if practice.enrichment_status == "Partial":
                flags.append("Partial Enrichment")
            if not (en.decision_maker and en.decision_maker.name and en.decision_maker.name.strip()):
                flags.append("Missing Decision Maker")
            if not (en.emr_system and en.emr_system.strip()) and not en.technologies:
                flags.append("Limited Technology Data")
        if invalid:
            flags.append("Data Validation Error")
        if en is None:
            return "Pending Enrichment", flags
        if score >= self.cfg.hot_tier_min:
            return "Hot", flags
        return ("Warm" if score >= self.cfg.warm_tier_min else "Cold"), flags


class BreakdownGenerator:
    def generate(self, scores: ComponentScores, final: int, tier: str, multiplier: Decimal) -> str:
        return json.dumps(
            {
                "total_score": final,
                "original_score": scores.total,
                "confidence_multiplier": float(multiplier),
                "tier": tier,
                "components": {
                    name: {"score": getattr(scores, name), "detail": scores.details[name]}
                    for name in ("practice_size", "call_volume", "technology", "baseline", "decision_maker")
                },
            }
        )[:2000]


class SeedOrchestrator:
    def __init__(self, cfg: ScoringConfig) -> None:
        self.cfg = cfg
        self.validator = DataValidator()
        self.calculator = ScoreCalculator(cfg)
        self.confidence = ConfidenceEvaluator(cfg)
        self.classifier = TierClassifier(cfg)
        self.breakdown = BreakdownGenerator()
        self.breaker = pybreaker.CircuitBreaker(fail_max=5, reset_timeout=60, exclude=[asyncio.TimeoutError])

    async def calculate_icp_score(self, raw: object) -> BaselineOutput:
        started = time.perf_counter()
        log.info(
            "Starting scoring", extra={"practice": raw.get("practice_id") if isinstance(raw, dict) else None}
        )
        try:
            out = await asyncio.wait_for(self._score(raw), timeout=self.cfg.scoring_timeout_seconds)
        except Exception as exc:
            out = BaselineOutput(
                None,
                None,
                None,
                json.dumps({"error": str(exc)}),
                [],
                "Failed",
                datetime.now(UTC).isoformat(),
                0,
                "unexpected_error",
                str(exc),
            )
        out.scoring_duration_ms = int((time.perf_counter() - started) * 1000)
        log.info("Scoring completed", extra={"practice": out.practice_id, "score": out.lead_score})
        return out

    async def _score(self, raw: object) -> BaselineOutput:
        with self.breaker.calling():
            parsed = parse_input(raw)
            if not hasattr(parsed, "record"):
                return BaselineOutput(
                    getattr(parsed, "practice_id", None),
                    None,
                    None,
                    json.dumps({"error": "Invalid input"}),
                    [],
                    "Failed",
                    datetime.now(UTC).isoformat(),
                    0,
                    "invalid_input",
                    parsed.reason,
                )
            practice, invalid = parsed.record, parsed.invalid_fields
            self.validator.validate(practice, invalid)
            scores = self.calculator.calculate(practice, invalid)
            final, multiplier = self.confidence.evaluate(practice, scores)
            tier, flags = self.classifier.classify(practice, final, invalid)
            return BaselineOutput(
                practice.practice_id,
                final,
                tier,
                self.breakdown.generate(scores, final, tier, multiplier),
                flags,
                "Scored",
                datetime.now(UTC).isoformat(),
                0,
            )


async def _score_all(records: list[object], cfg: ScoringConfig) -> list[BaselineOutput]:
    orchestrator = SeedOrchestrator(cfg)
    gate = asyncio.Semaphore(10)

    async def one(raw: object) -> BaselineOutput:
        async with gate:
            return await orchestrator.calculate_icp_score(raw)

    return await asyncio.gather(*(one(r) for r in records))


def score_jsonl_file(input_path: Path, output_path: Path, cfg: ScoringConfig) -> list[BaselineOutput]:
    """Read JSON Lines, score each practice through the seed-style orchestrator, write JSON Lines."""
    with open(input_path, encoding="utf-8") as handle:
        records = [json.loads(line) for line in handle if line.strip()]
    outputs = asyncio.run(_score_all(records, cfg))
    with open(output_path, "w", encoding="utf-8") as handle:
        for out in outputs:
            handle.write(json.dumps(asdict(out)) + "\n")
    return outputs
