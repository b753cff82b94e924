"""`leadscore evidence` and `explain` in plain words (issue 9 "CLI"): what the Initial Score AUC left out
is said plainly, and counts take the right noun form (1 practice, 2 practices; 2 scorings)."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from data.cli import main
from data.evidence.book import outcome_dates
from data.store import DEFAULT_DB, Store
from scoring.config import ScoringConfig
from tests.data.conftest import practice_row


@pytest.fixture
def run() -> Callable[..., Result]:
    runner = CliRunner()
    return lambda *args: runner.invoke(main, list(args), catch_exceptions=False)


def auc_line(result: Result) -> str:
    return next(line for line in result.stdout.splitlines() if line.startswith("AUC:"))


@pytest.mark.parametrize("missing", [1, 2])
def test_the_initial_score_auc_says_what_it_left_out(run, missing: int) -> None:  # type: ignore[no-untyped-def]
    assert "left out" not in auc_line(run("evidence"))  # the sample book: every labelled practice has one
    store = Store.open(DEFAULT_DB)
    labelled = outcome_dates(store, ScoringConfig().outcomes)["practice_id"].tolist()[:missing]
    with store.write() as w:
        w.executemany("UPDATE practices SET initial_score = NULL WHERE practice_id = ?", [(p,) for p in labelled])
    line = auc_line(run("evidence"))
    words = "1 practice" if missing == 1 else "2 practices"
    assert f"({words} without an initial score left out)" in line, line
    assert "without one" not in line


def test_counts_in_evidence_and_explain_take_the_right_noun_form(run) -> None:  # type: ignore[no-untyped-def]
    store = Store.open(DEFAULT_DB)
    store.upsert_practices([practice_row("p", reviews_count=10) | {"status": "Won"}])
    run("rescore", "--practice-id", "p")
    assert "over 1 scored practice: " in run("evidence").stdout  # not "1 scored practices"
    store.upsert_practices([practice_row("p", reviews_count=200) | {"status": "Won"}])
    run("rescore", "--practice-id", "p")
    result = run("explain", "p", "--from", "3")
    assert result.exit_code == 2
    assert "this practice has 2 scorings;" in result.stderr and "scoring(s)" not in result.stderr
