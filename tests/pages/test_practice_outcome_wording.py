"""The Practice page's outcome line in plain words (issue 9): "first seen 2026-11-30", not "first seen so
on 2026-11-30" — for a won practice and for a lost one."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from test_app import no_exception, page, plain

from data.evidence.book import outcome_dates
from data.store import Store
from scoring.config import ScoringConfig


@pytest.mark.parametrize("outcome", ["won", "lost"])
def test_the_outcome_says_when_it_was_first_seen(db: Path, outcome: str) -> None:
    no_exception(page("pages/evidence.py"))  # the sample book
    dates = outcome_dates(Store.open(db), ScoringConfig().outcomes)
    row = dates[dates["outcome"] == outcome].iloc[0]
    at = page("pages/practice.py", id=row["practice_id"])
    no_exception(at)
    line = next(plain(m.value) for m in at.markdown if m.value.startswith("**Outcome:**"))
    assert f"**Outcome:** {outcome} (Status {row['status']}, first seen {row['since'][:10]})." in line, line
    assert not re.search(r"\bso on\b", line)
