"""The evidence of a scoring configuration (SPEC §13): how the practices it ranks high actually closed.

Everything is computed column-wise over a whole book at once (numpy); one practice is a book of
one. Inputs are parallel arrays in book order; ``outcome`` is the int8 column of
:func:`scoring.evidence.outcomes.outcome_codes` (1 won, 0 lost, -1 open). Only practices whose fit
scoring is Scored count; open ones count in a tier's ``practices`` but in nothing else.

Definitions (SPEC §13): conversion = won / (won + lost), null when nothing is labelled, with its
Wilson 95 % interval; base rate = all won / all labelled; lift = conversion / base rate; AUC = the
probability that a random won practice has a higher score than a random lost one, ties counting
one half (Mann–Whitney), null unless both classes are present; share of wins in Hot + Warm.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from ..rules import COMPONENTS, TIER_NAMES_BY_CODE
from ..vector import BookScores
from .config import MIN_LABELS_PER_CLASS
from .outcomes import LOST, WON

TIERS: tuple[str, ...] = tuple(t for t in TIER_NAMES_BY_CODE if t)  # Hot, Warm, Cold, Pending Enrichment
Z95 = 1.959963984540054  # the standard normal's 97.5th percentile: a two-sided 95 % interval
BAND_WIDTH = 10  # lead-score points per band in "conversion by score band"
SCORE_TOP = 120  # SPEC §3: the highest lead score with the default points
CALIBRATION_COLUMNS = ["mean_value", "labelled", "won", "conversion", "conversion_low", "conversion_high"]
CONVERSION_COLUMNS = ["practices", "labelled", "won", "lost", "conversion", "conversion_low", "conversion_high", "lift"]


def wilson_interval(won: np.ndarray | int, labelled: np.ndarray | int, z: float = Z95) -> tuple[np.ndarray, np.ndarray]:
    """Wilson score interval of won / labelled (arrays or scalars); NaN where nothing is labelled.

    Source: E. B. Wilson (1927), the interval SPEC §13 names. Stays inside [0, 1] even at 0 or all won.
    """
    w = np.asarray(won, dtype=float)
    n = np.asarray(labelled, dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        p = w / n
        denominator = 1 + z * z / n
        centre = (p + z * z / (2 * n)) / denominator
        half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / denominator
    low = np.where(n > 0, np.clip(centre - half, 0.0, 1.0), np.nan)
    high = np.where(n > 0, np.clip(centre + half, 0.0, 1.0), np.nan)
    return low, high


def _average_ranks(values: np.ndarray) -> np.ndarray:
    """1-based ranks with ties sharing their average rank (what Mann–Whitney needs)."""
    n = len(values)
    order = np.argsort(values, kind="mergesort")
    ordered = values[order]
    starts = np.flatnonzero(np.r_[True, ordered[1:] != ordered[:-1]]) if n else np.empty(0, dtype=np.int64)
    ends = np.r_[starts[1:], n]
    ranks = np.empty(n, dtype=float)
    ranks[order] = np.repeat((starts + ends + 1) / 2.0, ends - starts)
    return ranks


def auc(scores: np.ndarray | Sequence[float], outcome: np.ndarray | Sequence[int]) -> float | None:
    """Mann–Whitney AUC of ``scores`` for won (1) against lost (0); other outcomes and NaN scores are
    ignored. Ties count one half. None unless at least one won and one lost practice remain."""
    s = np.asarray(scores, dtype=float)
    y = np.asarray(outcome)
    keep = ((y == WON) | (y == LOST)) & np.isfinite(s)
    s, won = s[keep], y[keep] == WON
    n_won = int(won.sum())
    n_lost = len(s) - n_won
    if n_won == 0 or n_lost == 0:
        return None
    ranks = _average_ranks(s)
    return float((ranks[won].sum() - n_won * (n_won + 1) / 2) / (n_won * n_lost))


def _ratio(numerator: float, denominator: float) -> float | None:
    return numerator / denominator if denominator else None


def conversion_table(
    keys: np.ndarray, outcome: np.ndarray, labels: Sequence[Any], base_rate: float | None
) -> pd.DataFrame:
    """Per group (``keys`` index into ``labels``; -1 = in no group): practices, labelled, won, lost,
    conversion (NaN when none labelled) with its Wilson interval, and lift over ``base_rate``."""
    k = len(labels)
    keys = np.asarray(keys, dtype=np.int64)
    inside = keys >= 0
    practices = np.bincount(keys[inside], minlength=k)[:k]
    won = np.bincount(keys[inside & (outcome == WON)], minlength=k)[:k]
    lost = np.bincount(keys[inside & (outcome == LOST)], minlength=k)[:k]
    labelled = won + lost
    with np.errstate(divide="ignore", invalid="ignore"):
        conversion = np.where(labelled > 0, won / labelled, np.nan)
    low, high = wilson_interval(won, labelled)
    lift = conversion / base_rate if base_rate else np.full(k, np.nan)
    return pd.DataFrame(
        {
            "practices": practices,
            "labelled": labelled,
            "won": won,
            "lost": lost,
            "conversion": conversion,
            "conversion_low": low,
            "conversion_high": high,
            "lift": lift,
        },
        index=pd.Index(list(labels), name="group"),
    )


def _none_if_nan(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, float | np.floating) and math.isnan(value):
        return None
    return value.item() if isinstance(value, np.generic) else value


@dataclass(frozen=True)
class Evidence:
    """The evidence of one configuration over one book (SPEC §13)."""

    config_version: str
    labelled: int
    won: int
    lost: int
    base_rate: float | None
    auc: float | None
    share_won_hot_warm: float | None
    tiers: pd.DataFrame  # index TIERS; CONVERSION_COLUMNS
    initial_auc: float | None = None  # Initial Score (FEAT-001) on the same labelled practices
    initial_missing: int = 0  # labelled practices without an Initial Score (left out of initial_auc)
    scored: int = 0
    open: int = 0
    notes: tuple[str, ...] = field(default=())

    @property
    def too_few(self) -> bool:
        """SPEC §13: fewer than 10 won or 10 lost practices are too few to judge by."""
        return self.won < MIN_LABELS_PER_CLASS or self.lost < MIN_LABELS_PER_CLASS

    @property
    def warning(self) -> str | None:
        if not self.too_few:
            return None
        return (
            f"Only {self.won} won and {self.lost} lost practices are labelled: too few to judge by "
            f"(at least {MIN_LABELS_PER_CLASS} of each are needed). The numbers are shown, but read them as anecdotes."
        )

    def tier(self, name: str) -> dict[str, Any]:
        row = self.tiers.loc[name]
        counts = {c: int(row[c]) for c in ("practices", "labelled", "won", "lost")}
        return counts | {c: _none_if_nan(float(row[c])) for c in CONVERSION_COLUMNS if c not in counts}

    def to_json(self) -> dict[str, Any]:
        """The `leadscore evidence --json` object (nulls where SPEC §13 says null)."""
        return {
            "labelled": self.labelled,
            "won": self.won,
            "lost": self.lost,
            "open": self.open,
            "base_rate": self.base_rate,
            "auc": self.auc,
            "initial_score_auc": self.initial_auc,
            "share_won_hot_warm": self.share_won_hot_warm,
            "config_version": self.config_version,
            "too_few_labels": self.too_few,
            "tiers": {
                name: {k: v for k, v in self.tier(name).items() if k in ("practices", "labelled", "won", "lost",
                                                                        "conversion", "lift")}
                for name in TIERS
            },
        }


def evidence(
    *,
    lead_score: np.ndarray,
    tier: np.ndarray,
    scored: np.ndarray,
    outcome: np.ndarray,
    initial_score: np.ndarray | None = None,
    config_version: str = "",
) -> Evidence:
    """The evidence over a book given as arrays: ``tier`` is the code of
    :data:`scoring.rules.TIER_NAMES_BY_CODE` (1 Hot … 4 Pending Enrichment), ``scored`` marks Scored
    fit scorings, ``initial_score`` is float with NaN for missing. Raises ValueError on unequal lengths."""
    n = len(outcome)
    lengths = {len(lead_score), len(tier), len(scored), n}
    if initial_score is not None:
        lengths.add(len(initial_score))
    if len(lengths) != 1:
        raise ValueError("evidence: every column must have one value per practice")
    scored = np.asarray(scored, dtype=bool)
    outcome = np.asarray(outcome)
    labelled_mask = scored & ((outcome == WON) | (outcome == LOST))
    won = int((labelled_mask & (outcome == WON)).sum())
    labelled = int(labelled_mask.sum())
    base_rate = _ratio(won, labelled)
    keys = np.where(scored, np.asarray(tier, dtype=np.int64) - 1, -1)
    tiers = conversion_table(keys, np.where(scored, outcome, -1), TIERS, base_rate)
    in_hot_warm = labelled_mask & (outcome == WON) & ((keys == 0) | (keys == 1))
    masked_outcome = np.where(labelled_mask, outcome, -1)
    initial_auc, missing = None, 0
    if initial_score is not None:
        initial = np.asarray(initial_score, dtype=float)
        missing = int((labelled_mask & ~np.isfinite(initial)).sum())
        initial_auc = auc(initial, masked_outcome)
    return Evidence(
        config_version=config_version,
        labelled=labelled,
        won=won,
        lost=labelled - won,
        base_rate=base_rate,
        auc=auc(np.asarray(lead_score, dtype=float), masked_outcome),
        share_won_hot_warm=_ratio(int(in_hot_warm.sum()), won),
        tiers=tiers,
        initial_auc=initial_auc,
        initial_missing=missing,
        scored=int(scored.sum()),
        open=int(scored.sum()) - labelled,
    )


def book_evidence(scores: BookScores, outcome: np.ndarray, initial_score: np.ndarray | None = None) -> Evidence:
    """:func:`evidence` of a scored book (:class:`scoring.vector.BookScores`), outcomes in book order."""
    return evidence(
        lead_score=scores.lead_score,
        tier=scores.tier,
        scored=scores.readable,
        outcome=outcome,
        initial_score=initial_score,
        config_version=scores.config_version,
    )


def conversion_by_band(
    lead_score: np.ndarray, scored: np.ndarray, outcome: np.ndarray, *, width: int = BAND_WIDTH, top: int = SCORE_TOP
) -> pd.DataFrame:
    """Conversion per lead-score band of ``width`` points (0–9, 10–19, …; the last band also holds
    scores up to ``top`` and above). Columns: band, low, high, then :data:`CONVERSION_COLUMNS`."""
    bands = max(1, math.ceil(top / width))
    score = np.asarray(lead_score, dtype=np.int64)
    keys = np.where(np.asarray(scored, dtype=bool) & (score >= 0), np.minimum(score // width, bands - 1), -1)
    lows = np.arange(bands) * width
    highs = np.r_[lows[1:] - 1, top]
    labels = [f"{lo}–{hi}" for lo, hi in zip(lows, highs, strict=True)]
    base = _ratio(int(((keys >= 0) & (outcome == WON)).sum()), int(((keys >= 0) & (outcome >= 0)).sum()))
    table = conversion_table(keys, np.asarray(outcome), labels, base)
    table.insert(0, "high", highs)
    table.insert(0, "low", lows)
    return table.rename_axis("band").reset_index()


def calibration(
    values: np.ndarray,
    outcome: np.ndarray,
    *,
    bins: int = 10,
    strategy: str = "uniform",
    value_range: tuple[float, float] = (0.0, 1.0),
) -> pd.DataFrame:
    """Observed conversion against a score or probability, over labelled practices with a value.

    ``strategy`` "uniform": ``bins`` equal-width bins over ``value_range`` (a model's probabilities:
    a calibrated model lies on the diagonal); "quantile": up to ``bins`` equal-count bins (a lead
    score: does conversion rise steadily with it?). Columns: mean_value, labelled, won, conversion,
    conversion_low, conversion_high; empty bins are left out.
    """
    v = np.asarray(values, dtype=float)
    y = np.asarray(outcome)
    keep = ((y == WON) | (y == LOST)) & np.isfinite(v)
    v, won = v[keep], (y[keep] == WON)
    if not len(v):
        return pd.DataFrame(columns=CALIBRATION_COLUMNS)
    if strategy == "quantile":
        edges = np.unique(np.quantile(v, np.linspace(0, 1, bins + 1)))
        keys = np.clip(np.searchsorted(edges, v, side="right") - 1, 0, max(len(edges) - 2, 0))
    elif strategy == "uniform":
        lo, hi = value_range
        keys = np.clip(((v - lo) / (hi - lo) * bins).astype(np.int64), 0, bins - 1)
    else:
        raise ValueError(f"calibration: strategy must be 'uniform' or 'quantile', got {strategy!r}")
    k = int(keys.max()) + 1
    labelled = np.bincount(keys, minlength=k)
    wins = np.bincount(keys, weights=won, minlength=k).astype(np.int64)
    sums = np.bincount(keys, weights=v, minlength=k)
    used = labelled > 0
    low, high = wilson_interval(wins[used], labelled[used])
    return pd.DataFrame(
        {
            "mean_value": sums[used] / labelled[used],
            "labelled": labelled[used],
            "won": wins[used],
            "conversion": wins[used] / labelled[used],
            "conversion_low": low,
            "conversion_high": high,
        }
    )


def component_win_rates(
    components: Mapping[str, np.ndarray], full: np.ndarray, scored: np.ndarray, outcome: np.ndarray
) -> pd.DataFrame:
    """Per component and each of its point values: conversion among full-mode Scored practices
    (baseline-only practices score 0 in four components by construction, so they would blur the
    0-point rows). Columns: component, points, then :data:`CONVERSION_COLUMNS`; lift is over the
    base rate of the same practices. Does the EMR rule earn its 15 points?"""
    mask = np.asarray(full, dtype=bool) & np.asarray(scored, dtype=bool)
    y = np.where(mask, np.asarray(outcome), -1)
    base = _ratio(int((y == WON).sum()), int((y >= 0).sum()))
    frames = []
    for name in (c for c in COMPONENTS if c in components):
        points = np.asarray(components[name], dtype=np.int64)
        values, inverse = np.unique(points[mask], return_inverse=True)
        keys = np.full(len(points), -1, dtype=np.int64)
        keys[mask] = inverse
        table = conversion_table(keys, y, values.tolist(), base).rename_axis("points").reset_index()
        table.insert(0, "component", name)
        frames.append(table)
    if not frames:
        return pd.DataFrame(columns=["component", "points", *CONVERSION_COLUMNS])
    return pd.concat(frames, ignore_index=True)
