"""SPEC §9: the orchestrator never raises; timeout, breaker and unexpected errors become Failed outputs."""

from __future__ import annotations

import asyncio
import json
import logging

import pytest

from scoring.config import ScoringConfig
from scoring.engine import score_record
from scoring.orchestrator import ScoringOrchestrator, new_breaker

from .records import full_record

FAST = ScoringConfig(scoring_timeout_seconds=0.05, circuit_breaker_reset_timeout=0.3)


def orchestrator(**kwargs) -> ScoringOrchestrator:
    cfg = kwargs.pop("config", FAST)
    return ScoringOrchestrator(cfg, breaker=new_breaker(cfg), **kwargs)


def run(coro):
    return asyncio.run(coro)


def test_scores_a_record_like_the_engine() -> None:
    out = run(orchestrator().score(full_record()))
    expected = score_record(full_record())
    assert out.scoring_status == "Scored"
    assert (out.lead_score, out.priority_tier, out.confidence_flags) == (
        expected.lead_score, expected.priority_tier, expected.confidence_flags,
    )


def test_timeout_gives_failed_timeout_output_and_does_not_trip_the_breaker() -> None:
    async def slow_loader(practice_id: str):
        await asyncio.sleep(5)

    orch = orchestrator(loader=slow_loader)

    async def many():
        return [await orch.score(practice_id=f"p{i}") for i in range(6)]

    outs = run(many())
    for out in outs:
        assert out.scoring_status == "Failed"
        assert out.error_type == "timeout"
        assert out.lead_score is None and out.priority_tier is None
        assert "50 ms" in out.error_message
        assert json.loads(out.score_breakdown)["error"] == "Scoring timeout"
    assert orch.breaker_state == "closed"
    assert orch.breaker.fail_counter == 0


def test_unexpected_exception_gives_failed_output_with_type_and_message() -> None:
    def broken(raw, cfg):
        raise ValueError("Invalid vet_count: -1")

    out = run(orchestrator(scorer=broken).score(full_record()))
    assert out.scoring_status == "Failed"
    assert out.error_type == "unexpected_error"
    assert out.error_message == "ValueError: Invalid vet_count: -1"
    assert out.practice_id == full_record()["practice_id"]
    breakdown = json.loads(out.score_breakdown)
    assert set(breakdown) == {"error", "detail", "timestamp"}
    assert breakdown["detail"] == "ValueError: Invalid vet_count: -1"


def test_breaker_opens_after_five_failures_then_resets() -> None:
    calls = {"n": 0, "fail": True}

    def flaky(raw, cfg):
        calls["n"] += 1
        if calls["fail"]:
            raise RuntimeError("store unavailable")
        return score_record(raw, cfg)

    orch = orchestrator(scorer=flaky)

    async def scenario():
        first = [await orch.score(full_record(f"p{i}")) for i in range(5)]
        assert orch.breaker_state == "open"
        refused = await orch.score(full_record("p5"))
        calls["fail"] = False
        still_open = await orch.score(full_record("p6"))
        await asyncio.sleep(0.35)
        recovered = await orch.score(full_record("p7"))
        return first, refused, still_open, recovered

    first, refused, still_open, recovered = run(scenario())
    assert [o.error_type for o in first] == ["unexpected_error"] * 5
    assert calls["n"] == 6  # the five failures and the trial call after the reset; refusals never ran
    for out in (refused, still_open):
        assert out.error_type == "circuit_breaker"
        assert set(json.loads(out.score_breakdown)) == {"error", "detail", "timestamp"}
        assert "resumes within 0.3s" in out.error_message
    assert recovered.scoring_status == "Scored"
    assert orch.breaker_state == "closed"


def test_unreadable_records_fail_as_invalid_input_without_tripping_the_breaker() -> None:
    orch = orchestrator()
    outs = run(orch.score_many([{"no": "id"}] * 8))
    assert {o.error_type for o in outs} == {"invalid_input"}
    assert orch.breaker_state == "closed"


def test_score_many_keeps_order_and_runs_at_most_ten_at_once() -> None:
    running = {"now": 0, "peak": 0}

    async def loader(practice_id: str):
        running["now"] += 1
        running["peak"] = max(running["peak"], running["now"])
        await asyncio.sleep(0.01)
        running["now"] -= 1
        return full_record(practice_id)

    cfg = ScoringConfig(scoring_timeout_seconds=2)
    orch = orchestrator(config=cfg, loader=loader)
    ids = [f"p{i}" for i in range(35)]
    outs = run(orch.score_many(practice_ids=ids))
    assert [o.practice_id for o in outs] == ids
    assert running["peak"] == 10


def test_logs_are_structured(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO, logger="leadscore.scoring")

    def broken(raw, cfg):
        raise KeyError("rating")

    run(orchestrator().score(full_record("ok-1")))
    run(orchestrator(scorer=broken).score(full_record("bad-1")))
    scored = next(r for r in caplog.records if getattr(r, "event", "") == "scored")
    assert scored.practice_id == "ok-1"
    assert scored.lead_score == score_record(full_record("ok-1")).lead_score
    assert scored.priority_tier == "Hot"
    assert isinstance(scored.duration_ms, int)
    failed = next(r for r in caplog.records if getattr(r, "event", "") == "scoring_failed")
    assert (failed.practice_id, failed.error_type) == ("bad-1", "unexpected_error")
    assert failed.error_message == "KeyError: 'rating'"


def test_a_scoring_that_overruns_the_limit_is_a_timeout_too() -> None:
    import time

    def slow(raw, cfg):
        time.sleep(0.12)  # synchronous work longer than the 50 ms limit
        return score_record(raw, cfg)

    orch = orchestrator(scorer=slow)
    out = run(orch.score(full_record()))
    assert (out.scoring_status, out.error_type, out.lead_score) == ("Failed", "timeout", None)
    assert out.scoring_duration_ms >= 120
    assert orch.breaker.fail_counter == 0  # timeouts are not breaker failures
