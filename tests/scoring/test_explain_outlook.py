"""'What would change the tier' says what raises the score, whether one change moves the tier, and the
closest change that does (issue 9)."""

from __future__ import annotations

from scoring.config import ScoringConfig
from scoring.explain import Combination, Suggestion, tier_outlook
from scoring.features import PracticeFeatures
from scoring.models import parse_input

from .records import full_record

CFG = ScoringConfig()
WEAK = dict(  # 1 vet (5) + no phones (0) + other EMR (5) + website only (4) + no decision maker: 14, Cold
    enrichment_data__vet_count=1, enrichment_data__phone_numbers=[], enrichment_data__emr_system="Other",
    enrichment_data__has_online_booking=False, enrichment_data__has_telemedicine=False,
    enrichment_data__decision_maker=None, google_maps_data__reviews_count=0, google_maps_data__rating=None,
)


def features(**changes) -> PracticeFeatures:  # type: ignore[no-untyped-def]
    return PracticeFeatures.from_parsed(parse_input(full_record(**changes)))


def test_hot_99_with_a_small_practice_says_size_could_raise_it() -> None:
    outlook = tier_outlook(features(enrichment_data__vet_count=3, google_maps_data__reviews_count=65), CFG)
    assert outlook is not None and (outlook.score, outlook.tier) == (99, "Hot")
    assert [s.sentence() for s in outlook.suggestions] == [
        "vet count 5–7 (sweet spot, now 3) → +15 (score 114)",  # the baseline's facts after it, as the SPEC caps them
        "135 more reviews (200 in all) → +6 (score 105)",
        "multiple locations → +6 (score 105)",
        "rating 5 or more (now 4.5) → +2 (score 101)",
    ]
    assert outlook.next_tier is None and outlook.closest is None
    assert outlook.headline().startswith("Hot is the top tier, so nothing moves it up")


def test_a_larger_practice_too_is_told_what_the_sweet_spot_gives() -> None:
    outlook = tier_outlook(features(enrichment_data__vet_count=9), CFG)  # 20 of 30 for 8–10 vets
    assert outlook is not None
    assert outlook.suggestions[0].change == "vet count 5–7 (sweet spot, now 9)" and outlook.suggestions[0].gain == 10


def test_cold_where_no_single_change_moves_it_names_the_closest_combination() -> None:
    outlook = tier_outlook(features(**WEAK), CFG)
    assert outlook is not None and (outlook.score, outlook.tier) == (14, "Cold")
    assert outlook.suggestions and not outlook.single_moves
    assert isinstance(outlook.closest, Combination)
    # Pairs that reach 50: phones + size (69), phones + decision maker (54), phones + booking (54); the
    # closest is the lowest that still moves (ties: the order suggestions are listed in).
    assert outlook.closest.changes == ("decision maker found", "3 more distinct phone numbers")
    assert (outlook.closest.new_score, outlook.closest.new_tier) == (54, "Warm")
    headline = outlook.headline()
    assert headline.startswith("None of these single changes moves it to Warm (Warm needs 50, 36 more)")
    assert "The closest that does: " in headline and "together (score 54)" in headline


def test_cold_where_nothing_moves_it_says_so() -> None:
    cfg = CFG.with_changes(warm_tier_min=119, hot_tier_min=120)
    outlook = tier_outlook(features(**WEAK), cfg)
    assert outlook is not None and outlook.closest is None and outlook.suggestions
    assert "not even all of them together" in outlook.headline()


def test_warm_where_single_changes_move_it_names_the_least_one() -> None:
    f = features(enrichment_confidence="low", enrichment_data__decision_maker=None,
                 enrichment_data__has_online_booking=False)
    outlook = tier_outlook(f, CFG)
    assert outlook is not None and outlook.single_moves
    assert isinstance(outlook.closest, Suggestion) and outlook.closest.new_score == 81
    assert outlook.headline().startswith("5 single changes each would move it to Hot (Hot needs 80, 7 more); the "
                                         "closest: decision maker found (score 81)")
    # Data enrichment could find comes before facts about the practice (more reviews, more locations).
    assert [s.fact for s in outlook.suggestions] == [False, False, False, True, True, True]


def test_an_invalid_vet_count_is_suggested_as_corrected() -> None:
    outlook = tier_outlook(features(enrichment_data__vet_count="five"), CFG)
    assert outlook is not None
    assert outlook.suggestions[0].change == "vet count 5–7 (sweet spot, invalid)" and outlook.suggestions[0].gain == 30


def test_every_number_is_the_practice_rescored() -> None:
    f = features(**WEAK)
    outlook = tier_outlook(f, CFG)
    assert outlook is not None
    for s in outlook.suggestions:
        assert s.new_score == outlook.score + s.gain


def test_pending_enrichment_has_no_outlook() -> None:
    assert tier_outlook(features(enrichment_data=None), CFG) is None
