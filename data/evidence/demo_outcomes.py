"""How the sample book's closed deals went: a documented story in which fit matters but does not decide.

The story (README, "The Evidence page"): of the practices the team has closed, whether one bought
depended partly on fit —

* size: 5–10 vets buy most (enough phones to feel the pain, small enough to decide quickly),
  3–4 or 11–15 somewhat; solo practices and big hospitals rarely;
* a named decision maker (reps reached the owner);
* two or more phone lines (call volume is the pain the product solves);
* a Cornerstone or IDEXX EMR (the product integrates), AVImark or eVetPractice less so;
* online booking (already buying software);

— and as much on what no data shows: budget timing, a competitor's contract, the rep. So each
closed practice wins with probability sigmoid(logit of the facts above), drawn once from a seeded
generator: evidence that looks like a real team's (AUC clearly above 0.5, far from 1). Reviews and
ratings play no part, so the evidence can show the baseline component earning little.

Only the Status of practices the sample book already has as closed (Won or Lost) is decided here;
nothing else changes, and records (the score's inputs) are never read for anything but the story.
"""

from __future__ import annotations

import math
import random
from collections.abc import Iterable
from typing import Any

from scoring.features import distinct_phone_count

CLOSED = ("Won", "Lost")
WON_WORDS = ("Won",) * 8 + ("Closed Won", "Customer")  # mostly "Won", as a team's pipeline reads
LOST_WORDS = ("Lost",) * 8 + ("Closed Lost", "Disqualified")
INTERCEPT = -1.3
SALT = 0x0E7D  # a different stream from the book's own generator


def _int(value: Any) -> int | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    return None


def fit_logit(record: Any) -> float:
    """The story's log-odds that a closed practice bought, from the facts of its record."""
    enrichment = record.get("enrichment_data") if isinstance(record, dict) else None
    if not isinstance(enrichment, dict):
        return INTERCEPT + 0.3  # never enriched: their fit is unknown to the team, about average
    logit = INTERCEPT
    vets = _int(enrichment.get("vet_count"))
    if vets is not None:
        logit += 1.1 if 5 <= vets <= 10 else 0.5 if 3 <= vets <= 15 else 0.0
    dm = enrichment.get("decision_maker")
    if isinstance(dm, dict) and isinstance(dm.get("name"), str) and dm["name"].strip():
        logit += 0.8
    phones = enrichment.get("phone_numbers")
    if isinstance(phones, list) and distinct_phone_count(str(p) for p in phones) >= 2:
        logit += 0.5
    emr = enrichment.get("emr_system")
    if isinstance(emr, str):
        upper = emr.upper()
        logit += 0.5 if ("CORNERSTONE" in upper or "IDEXX" in upper) else 0.25 if (
            "AVIMARK" in upper or "EVETPRACTICE" in upper) else 0.0
    if enrichment.get("has_online_booking") is True:
        logit += 0.3
    return logit


def apply_outcome_story(rows: Iterable[dict[str, Any]], seed: int) -> None:
    """Decide, in place, whether each closed practice (Status Won or Lost) was won or lost."""
    rng = random.Random(seed ^ SALT)
    for row in rows:
        if row.get("status") not in CLOSED:
            continue
        chance = 1.0 / (1.0 + math.exp(-fit_logit(row.get("record"))))
        won = rng.random() < chance
        row["status"] = rng.choice(WON_WORDS if won else LOST_WORDS)
