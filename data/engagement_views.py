"""The engagement axis as tables for the pages (pure pandas): the Leads columns and filters, the rep's
Today list, the 4 × 3 grid counts, a practice's timeline and breakdown, the what-if grid comparison.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd
from pandas.io.formats.style import Styler

from scoring.engagement import (
    GRID_CELLS,
    GRID_LETTERS,
    LEVELS,
    EngagementBook,
    EngagementConfig,
    decay,
    from_us,
)

from .views import NO_CELL

CELL_RANK = {cell: i for i, cell in enumerate(GRID_CELLS)}  # A1 first … P3 last; no cell after all
ENGAGEMENT_COLUMNS = ("engagement_score", "engagement_level", "velocity_24h", "recency_risk", "grid_cell",
                      "next_action", "next_action_why", "last_event_at", "days_since_last_event")
LEVEL_LABELS = {1: "1 · highly engaged", 2: "2 · engaged", 3: "3 · little or none"}
ROW_LABELS = {letter: f"{letter} · {tier}" for tier, letter in GRID_LETTERS.items()}
GRID_PALETTE = ("#F8FAFC", "#5EEAD4")  # the grid's heat scale, empty → fullest cell (table and figure alike)
GRID_SELECTED = ("#0F766E", "#FFFFFF")  # background, text of the cell(s) the Leads table is filtered to
SELECTED_MARK = "▶ "


def rank_by_cell(frame: pd.DataFrame) -> pd.DataFrame:
    """Rows ordered by grid cell (A1 … P3, then none), then engagement (high first), then velocity, then id:
    the order reps work their book in."""
    rank = frame["grid_cell"].map(CELL_RANK).fillna(len(CELL_RANK)).astype(int)
    keyed = frame.assign(_rank=rank, _score=-frame["engagement_score"], _velocity=-frame["velocity_24h"])
    return keyed.sort_values(["_rank", "_score", "_velocity", "practice_id"], kind="stable").drop(
        columns=["_rank", "_score", "_velocity"]
    )


def with_engagement(leads: pd.DataFrame, book: EngagementBook) -> pd.DataFrame:
    """The Leads view with the engagement columns joined on (leads keep their order)."""
    frame = book.frame().set_index("practice_id")[list(ENGAGEMENT_COLUMNS)]
    out = leads.drop(columns=[c for c in ENGAGEMENT_COLUMNS if c in leads.columns]).join(frame, on="practice_id")
    out["engagement_score"] = out["engagement_score"].fillna(0).astype(int)
    out["velocity_24h"] = out["velocity_24h"].fillna(0).astype(int)
    out["grid_label"] = out["grid_cell"].fillna(NO_CELL)
    return out


def ago(days: float | None) -> str:
    """``days`` before now as people say it: "just now", "5 h ago", "3 d ago", "never"."""
    if days is None or (isinstance(days, float) and np.isnan(days)):
        return "never"
    if days < 1 / 24:
        return f"{max(1, round(days * 24 * 60))} min ago"
    if days < 1:
        return f"{round(days * 24)} h ago"
    return f"{days:.0f} d ago" if days < 60 else f"{days / 30.4:.0f} mo ago"


def grid_counts(frame: pd.DataFrame) -> pd.DataFrame:
    """Practices per grid cell as a 4 × 3 table: rows A, B, C, P (labelled with their tier), columns the
    engagement levels 1–3. Practices without a cell are not counted."""
    counts = frame["grid_cell"].value_counts()
    table = pd.DataFrame(
        [[int(counts.get(f"{letter}{level}", 0)) for level in LEVELS] for letter in GRID_LETTERS.values()],
        index=[ROW_LABELS[letter] for letter in GRID_LETTERS.values()],
        columns=[LEVEL_LABELS[level] for level in LEVELS],
    )
    table.index.name, table.columns.name = "fit", "engagement"
    return table


def grid_table(counts: pd.DataFrame, selected: Collection[str] = ()) -> Styler:
    """The 4 × 3 grid as a table shaded like a heat map: ``counts`` from :func:`grid_counts` (rows A, B, C, P,
    columns levels 1–3), each cell's text its name and count ("A1 · 16"), its background the count on the
    :data:`GRID_PALETTE` scale (0 → first colour, the fullest cell → second). ``selected`` cells (names such as
    "A1") are marked "▶ " and drawn dark (:data:`GRID_SELECTED`), so the marking does not rely on colour alone."""
    letters = list(GRID_LETTERS.values())
    values = counts.to_numpy().astype(int)
    top = max(int(values.max()), 1)
    low, high = (np.array([int(c[i:i + 2], 16) for i in (1, 3, 5)]) for c in GRID_PALETTE)

    def name(r: int, c: int) -> str:
        return f"{letters[r]}{LEVELS[c]}"

    def text(r: int, c: int) -> str:
        return f"{SELECTED_MARK if name(r, c) in selected else ''}{name(r, c)} · {values[r][c]:,}"

    def style(r: int, c: int) -> str:
        if name(r, c) in selected:
            return f"background-color: {GRID_SELECTED[0]}; color: {GRID_SELECTED[1]}"
        rgb = np.rint(low + (high - low) * values[r][c] / top).astype(int)
        return "background-color: #{:02X}{:02X}{:02X}; color: #0F172A".format(*rgb)

    shape = range(len(letters)), range(len(LEVELS))
    labels = pd.DataFrame([[text(r, c) for c in shape[1]] for r in shape[0]], index=counts.index,
                          columns=counts.columns)
    styles = pd.DataFrame([[style(r, c) for c in shape[1]] for r in shape[0]], index=counts.index,
                          columns=counts.columns)
    return labels.style.apply(lambda _: styles, axis=None)


def grid_cell_at(row: int, column: str) -> str | None:
    """The cell name ("B2") at a position of :func:`grid_table`: ``row`` the row position (0 = A … 3 = P),
    ``column`` the column's name (a :data:`LEVEL_LABELS` value) — the shape of a dataframe's cell selection.
    None for a position outside the grid."""
    letters = list(GRID_LETTERS.values())
    levels = {label: level for level, label in LEVEL_LABELS.items()}
    if not 0 <= row < len(letters) or column not in levels:
        return None
    return f"{letters[row]}{levels[column]}"


def toggle_cell(shown: Collection[str], cell: str) -> list[str]:
    """The grid-cell filter after a click on ``cell``: that cell alone, or — when it was among the cells
    shown — the others (so a click on the one cell shown shows every cell again)."""
    return [c for c in shown if c != cell] if cell in shown else [cell]


def today_frame(leads: pd.DataFrame, owner: str) -> pd.DataFrame:
    """One rep's practices (``owner`` as in the Leads owner column), ranked by grid cell then engagement,
    with what a rep needs to act: cell, next action and why, last activity, 24-hour velocity."""
    mine = leads[leads["owner"] == owner]
    ranked = rank_by_cell(mine)
    out = pd.DataFrame(
        {
            "practice_id": ranked["practice_id"],
            "name": ranked["name"].fillna("(no name)"),
            "grid_cell": ranked["grid_cell"],
            "engagement_score": ranked["engagement_score"],
            "next_action": ranked["next_action"].fillna("Rescore (no fit tier)"),
            "why": ranked["next_action_why"].fillna("The fit scoring failed or has not run, so there is no cell."),
            "last_activity": ranked["days_since_last_event"].map(ago),
            "velocity_24h": ranked["velocity_24h"],
            "recency_risk": ranked["recency_risk"],
            "lead_score": ranked["lead_score"],
            "tier": ranked["tier"],
        }
    )
    return out.reset_index(drop=True)


def today_summary(today: pd.DataFrame) -> dict[str, int]:
    """Headline numbers of a rep's list."""
    return {
        "practices": len(today),
        "call_today": int(today["next_action"].eq("Call today").sum()),
        "a1": int(today["grid_cell"].eq("A1").sum()),
        "active_24h": int((today["velocity_24h"] > 0).sum()),
        "hot_going_quiet": int((today["tier"].eq("Hot") & today["recency_risk"].eq("high")).sum()),
    }


def timeline_frame(events: pd.DataFrame, config: EngagementConfig, as_of_us: int) -> pd.DataFrame:
    """A practice's events (from :meth:`Store.practice_events`), newest first, with each one's points now:
    raw, decayed as of ``as_of_us``, and why it does not count (unknown type, not yet happened)."""
    points = {t.name: t.points for t in config.types}
    when = events["occurred_us"].astype("int64")
    raw = events["type"].map(points)
    counts = (raw.notna() & (when <= as_of_us)).to_numpy()
    age_us = (as_of_us - when).clip(lower=0).to_numpy(dtype=np.float64)
    # The engine's own decay (scoring.engagement.decay): the timeline shows what the score counts.
    decayed = np.where(counts, decay(raw.fillna(0).to_numpy(dtype=np.float64), age_us,
                                              config.half_life_days), 0.0)
    status = np.where(raw.isna(), "type not configured: counts nowhere",
                      np.where(when > as_of_us, "after now: not counted yet", "counted"))
    return pd.DataFrame(
        {
            "occurred_at": pd.to_datetime(when, unit="us", utc=True),
            "type": events["type"].map(config.label_of),
            "points": raw.fillna(0).astype(int),
            "points_now": np.round(decayed, 2),
            "status": status,
            "source": events["source"],
            "detail": events["detail"],
            "event_id": events["event_id"],
        }
    )


def breakdown_frame(book: EngagementBook, practice_id: str, config: EngagementConfig) -> pd.DataFrame:
    """A practice's engagement per configured type: events, raw points, decayed points, cap, counted."""
    frame = book.breakdown(practice_id)
    frame.insert(1, "label", frame["type"].map(config.label_of))
    for column in ("raw_points", "decayed_points", "counted_points"):
        frame[column] = frame[column].round(2)
    return frame


def history_with_now(history: pd.DataFrame, book: EngagementBook, practice_id: str) -> pd.DataFrame:
    """Daily snapshots (``day``, ``engagement_score``, ``grid_cell``) plus the live value as of now."""
    i = book.index_of(practice_id)
    past = pd.DataFrame(
        {
            "when": pd.to_datetime(history["day"]).dt.tz_localize("UTC") + pd.Timedelta(hours=23, minutes=59)
            if not history.empty else pd.Series(dtype="datetime64[ns, UTC]"),
            "engagement_score": history["engagement_score"].astype(int) if not history.empty else [],
            "grid_cell": history["grid_cell"] if not history.empty else [],
            "kind": "daily snapshot",
        }
    )
    now = pd.DataFrame(
        {
            "when": [pd.Timestamp(from_us(book.as_of_us))],
            "engagement_score": [int(book.engagement_score[i])],
            "grid_cell": [book.grid_cell[i]],
            "kind": "now",
        }
    )
    return pd.concat([past, now], ignore_index=True) if not past.empty else now


def grid_comparison(before: EngagementBook, after: EngagementBook) -> pd.DataFrame:
    """Practices per cell before and after a configuration change (rows: cells, then "No cell")."""
    labels = [*GRID_CELLS, NO_CELL]
    b = pd.Series(before.grid_cell).fillna(NO_CELL).value_counts().reindex(labels, fill_value=0)
    a = pd.Series(after.grid_cell).fillna(NO_CELL).value_counts().reindex(labels, fill_value=0)
    return pd.DataFrame({"before": b, "after": a, "change": a - b}).rename_axis("cell")


def cell_movers(before: EngagementBook, after: EngagementBook, names: Mapping[str, str]) -> pd.DataFrame:
    """Practices whose cell or next action changes, with their engagement before and after."""
    moved = (before.grid_cell != after.grid_cell) | (before.next_action != after.next_action)
    idx = np.flatnonzero(moved)
    return pd.DataFrame(
        {
            "practice": [names.get(p, p) for p in before.practice_id[idx]],
            "old_cell": before.grid_cell[idx],
            "new_cell": after.grid_cell[idx],
            "old_engagement": before.engagement_score[idx],
            "new_engagement": after.engagement_score[idx],
            "new_next_action": after.next_action[idx],
        }
    )
