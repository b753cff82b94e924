"""The learned model in the store: train on the book's won/lost and keep it as a new version."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from scoring.config import ScoringConfig
from scoring.evidence.model import LoadedModel, TrainedModel, train

from ..store import Store
from .book import EvidenceBook


@dataclass(frozen=True)
class StoredModel:
    """The current model as stored: its row (id, method, trained_at, metrics, …) and the model."""

    row: dict[str, Any]
    model: LoadedModel

    @property
    def version(self) -> int:
        return int(self.row["id"])

    def summary(self) -> dict[str, Any]:
        """`leadscore evidence --json`'s ``model`` object."""
        return {"id": self.version, "method": self.row["method"], "auc_cv": self.row["auc_cv"],
                "auc_rules_cv": self.row["auc_rules_cv"], "trained_at": self.row["trained_at"],
                "config_version": self.row["config_version"], "labelled": self.row["labelled"]}


def train_and_store(store: Store, book: EvidenceBook, config: ScoringConfig) -> tuple[int, TrainedModel]:
    """Train on ``book`` (scored under ``config``) and store the result as the current model.

    Raises :class:`scoring.evidence.model.TooFewLabels` (nothing trained, nothing stored)."""
    trained = train(book.table, book.outcome, book.scores.lead_score, config)
    model_id = store.save_model(method=trained.method, config_version=config.config_version,
                                metrics=trained.metrics(), params=trained.params())
    return model_id, trained


def current_model(store: Store) -> StoredModel | None:
    """The current stored model, or None. Raises ValueError (one sentence) when it cannot be read."""
    row = store.current_model()
    if row is None:
        return None
    return StoredModel(row=row, model=LoadedModel.from_params(row["params"]))
