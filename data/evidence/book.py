"""The store's practices as evidence inputs: outcomes and Initial Scores aligned to a scored book."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import orjson
import pandas as pd

from scoring.config import ScoringConfig
from scoring.evidence.config import OutcomeConfig
from scoring.evidence.metrics import Evidence, book_evidence
from scoring.evidence.outcomes import OPEN, OUTCOME_NAMES, outcome_codes
from scoring.features import FeatureTable
from scoring.vector import BookScores, score_table

from ..store import Store

SALES_SQL = """SELECT practice_id, status, initial_score FROM practices
               WHERE in_trash = 0 AND deleted = 0 ORDER BY rowid"""


def sales_frame(store: Store) -> pd.DataFrame:
    """practice_id, status, initial_score of every active practice, in store order (the order of
    :meth:`Store.records`, so row i belongs to row i of a book read from it)."""
    return store.frame(SALES_SQL)


def aligned(frame: pd.DataFrame, practice_ids: np.ndarray) -> pd.DataFrame:
    """``frame`` (with a practice_id column) in the order of ``practice_ids``: positionally when it
    is already that book's frame, else by id (a practice the frame lacks gets empty values)."""
    ids = frame["practice_id"].to_numpy(dtype=object)
    if len(ids) == len(practice_ids) and all(a == b or b is None for a, b in zip(ids, practice_ids, strict=True)):
        return frame.reset_index(drop=True)
    return frame.drop_duplicates("practice_id", keep="last").set_index("practice_id").reindex(
        pd.Index(practice_ids, dtype=object)).rename_axis("practice_id").reset_index()


def outcomes_for(frame: pd.DataFrame, practice_ids: np.ndarray, config: OutcomeConfig) -> np.ndarray:
    """int8 outcome (1 won, 0 lost, -1 open) per practice of the book, from the frame's status."""
    if not len(practice_ids):
        return np.empty(0, dtype=np.int8)
    return outcome_codes(aligned(frame, practice_ids)["status"], config)


def initial_scores_for(frame: pd.DataFrame, practice_ids: np.ndarray) -> np.ndarray:
    """Initial Score (FEAT-001) per practice of the book, float, NaN where missing."""
    values = aligned(frame, practice_ids)["initial_score"] if len(practice_ids) else pd.Series(dtype=float)
    return pd.to_numeric(values, errors="coerce").to_numpy(dtype=float, na_value=np.nan)


@dataclass(frozen=True)
class EvidenceBook:
    """A store's book, scored under one configuration, with its outcomes and Initial Scores."""

    table: FeatureTable
    scores: BookScores
    outcome: np.ndarray
    initial_score: np.ndarray

    def evidence(self) -> Evidence:
        return book_evidence(self.scores, self.outcome, self.initial_score)


def load_evidence_book(store: Store, config: ScoringConfig) -> EvidenceBook:
    """Read every active practice once and score it under ``config`` (the CLI's path; pages reuse
    their cached book and scores instead)."""
    frame = store.frame(
        "SELECT practice_id, record_json, status, initial_score FROM practices "
        "WHERE in_trash = 0 AND deleted = 0 ORDER BY rowid"
    )
    table = FeatureTable.from_records([orjson.loads(r) for r in frame["record_json"]])
    scores = score_table(table, config)
    return EvidenceBook(
        table=table,
        scores=scores,
        outcome=outcomes_for(frame, table.practice_id, config.outcomes),
        initial_score=initial_scores_for(frame, table.practice_id),
    )


def outcome_dates(store: Store, config: OutcomeConfig, practice_id: str | None = None) -> pd.DataFrame:
    """Per practice whose current Status is won or lost (only ``practice_id``, when given): the outcome
    and the date that outcome was first seen (the earliest observation of any Status meaning it).
    Columns practice_id, status, outcome, since."""
    current = sales_frame(store)
    if practice_id is not None:
        current = current[current["practice_id"] == practice_id].reset_index(drop=True)
    if current.empty:
        return pd.DataFrame(columns=["practice_id", "status", "outcome", "since"])
    current["code"] = outcome_codes(current["status"], config)
    current = current[current["code"] != OPEN]
    seen = store.statuses_seen()
    seen["code"] = outcome_codes(seen["status"], config)
    merged = current.merge(seen[["practice_id", "code", "first_seen"]], on=["practice_id", "code"], how="left")
    since = merged.groupby("practice_id", sort=False)["first_seen"].min()
    out = current.drop_duplicates("practice_id").set_index("practice_id").assign(since=since).reset_index()
    out["outcome"] = out["code"].map(OUTCOME_NAMES)
    return out[["practice_id", "status", "outcome", "since"]].reset_index(drop=True)
