"""The Leads table as data: preparing, filtering and sorting the store's view (pure pandas)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl, urlencode

import numpy as np
import orjson
import pandas as pd

from scoring.engagement import GRID_CELLS, RISKS
from scoring.features import FeatureTable
from scoring.rules import FLAGS
from scoring.whatif import TIER_ORDER

TIERS = TIER_ORDER  # Hot … Pending Enrichment, then Failed
UNASSIGNED = "Unassigned"
NOT_SCORED = "Not scored"
# Columns people sort by, with the direction that puts the most useful rows first.
SORTS: dict[str, tuple[list[str], list[bool]]] = {
    "Lead score (high first), then oldest contact": (["lead_score", "last_contact"], [False, True]),
    "Lead score (low first)": (["lead_score"], [True]),
    "Practice name": (["name"], [True]),
    "Tier": (["tier_rank", "lead_score"], [True, False]),
    "Initial score (high first)": (["initial_score"], [False]),
    "Owner": (["owner"], [True]),
    "Status": (["status"], [True]),
    "Last contact (most recent first)": (["last_contact"], [False]),
    "Last contact (oldest first)": (["last_contact"], [True]),
}
DEFAULT_SORT = next(iter(SORTS))


def _json_list(text: Any) -> list[str]:
    if not text:
        return []
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return []
    return [str(v) for v in value] if isinstance(value, list) else []


def prepare_leads(frame: pd.DataFrame) -> pd.DataFrame:
    """The store's leads frame with display columns: tier (incl. Failed), flags/tags lists, owner, dates."""
    out = frame.copy()
    failed = out["scoring_status"].eq("Failed")
    out["tier"] = np.where(failed, "Failed", out["priority_tier"].fillna(NOT_SCORED))
    out["tier_rank"] = out["tier"].map({t: i for i, t in enumerate([*TIERS, NOT_SCORED])}).astype(int)
    out["flags"] = out["confidence_flags"].map(_json_list)
    out["flags_text"] = out["flags"].map(flags_text)  # once per store revision, not on every page run
    out["tags"] = out["tags"].map(_json_list)
    out["owner"] = out["assigned_to"].fillna(UNASSIGNED).replace("", UNASSIGNED)
    out["last_contact"] = pd.to_datetime(out["last_contact"], errors="coerce", utc=True).dt.tz_localize(None)
    out["lead_score"] = pd.to_numeric(out["lead_score"], errors="coerce").astype("Int64")
    out["initial_score"] = whole_numbers(out["initial_score"])
    out["search_text"] = (out["name"].fillna("") + " " + out["address"].fillna("")).str.casefold()
    return out


# The Leads page's filter widgets, by the key each is bound to in the page address (?tier=Hot&q=Pine).
FILTER_KEYS = ("tier", "owner", "min", "flags", "q", "cell", "min_eng", "action", "risk", "sort")
NO_CELL = "No cell"  # the grid-cell filter's choice for practices without a cell (Failed, not scored)
CELL_CHOICES = (*GRID_CELLS, NO_CELL)
# The Practice page carries the view it was opened from (Leads, Today, What-if: its query string) in this
# parameter, so the browser's Back and the "← …" link return to exactly that view.
RETURN_PARAM = "from"
# Confidence flags as the Leads grid and filter show them: short enough to read in a column.
FLAG_LABELS = {
    "Low Confidence Vet Count": "Low confidence",
    "Medium Confidence Data": "Medium confidence",
    "Partial Enrichment": "Partial",
    "Missing Decision Maker": "No decision maker",
    "Limited Technology Data": "Limited tech data",
    "Data Validation Error": "Invalid value",
}


@dataclass(frozen=True)
class LeadFilters:
    tiers: Sequence[str] = ()
    owners: Sequence[str] = ()
    min_score: int = 0
    flags: Sequence[str] = ()  # a lead must carry every selected flag
    text: str = ""
    # The engagement axis (SPEC §12): grid cells (or NO_CELL), minimum engagement, next actions, recency risks.
    cells: Sequence[str] = ()
    min_engagement: int = 0
    actions: Sequence[str] = ()
    risks: Sequence[str] = ()
    sort: str = DEFAULT_SORT

    def __post_init__(self) -> None:
        # Widgets hold lists, queries give lists, code passes tuples: one form, so equal filters compare equal.
        for name in ("tiers", "owners", "flags", "cells", "actions", "risks"):
            object.__setattr__(self, name, tuple(getattr(self, name)))

    @classmethod
    def from_state(cls, state: Mapping[str, Any]) -> LeadFilters:
        """The filters as the Leads page's widgets (keys :data:`FILTER_KEYS`) hold them."""
        return cls(
            tiers=state.get("tier") or (),
            owners=state.get("owner") or (),
            min_score=int(state.get("min") or 0),
            flags=state.get("flags") or (),
            text=state.get("q") or "",
            cells=state.get("cell") or (),
            min_engagement=int(state.get("min_eng") or 0),
            actions=state.get("action") or (),
            risks=state.get("risk") or (),
            sort=state.get("sort") or DEFAULT_SORT,
        )

    @classmethod
    def from_query(cls, query: str, *, owners: Iterable[str] | None = None, max_score: int = 120) -> LeadFilters:
        """The filters a query string names (``tier=Hot&tier=Warm&q=Pine``); values no widget could hold
        (an unknown tier, flag, sort or owner, a score out of range) are dropped, not errors."""
        values: dict[str, list[str]] = {}
        for key, value in parse_qsl(query or "", keep_blank_values=False):
            values.setdefault(key, []).append(value)
        known_owners = None if owners is None else set(owners)
        sort = values.get("sort", [DEFAULT_SORT])[-1]
        return cls(
            tiers=[t for t in dict.fromkeys(values.get("tier", [])) if t in TIERS],
            owners=[o for o in dict.fromkeys(values.get("owner", [])) if known_owners is None or o in known_owners],
            min_score=_whole(values.get("min"), max_score),
            flags=[f for f in dict.fromkeys(values.get("flags", [])) if f in FLAGS],
            text=values.get("q", [""])[-1],
            cells=[c for c in dict.fromkeys(values.get("cell", [])) if c in CELL_CHOICES],
            min_engagement=_whole(values.get("min_eng"), 100),
            actions=list(dict.fromkeys(values.get("action", []))),
            risks=[r for r in dict.fromkeys(values.get("risk", [])) if r in RISKS],
            sort=sort if sort in SORTS else DEFAULT_SORT,
        )

    def to_state(self) -> dict[str, Any]:
        """Widget values for the Leads page (key → value), every filter included."""
        return {"tier": list(self.tiers), "owner": list(self.owners), "min": self.min_score,
                "flags": list(self.flags), "q": self.text, "cell": list(self.cells),
                "min_eng": self.min_engagement, "action": list(self.actions), "risk": list(self.risks),
                "sort": self.sort}

    def query_pairs(self) -> list[tuple[str, str]]:
        """The non-default filters as (key, value) pairs, in widget order (a list repeats its key)."""
        pairs = [("tier", t) for t in self.tiers] + [("owner", o) for o in self.owners]
        if self.min_score:
            pairs.append(("min", str(self.min_score)))
        pairs += [("flags", f) for f in self.flags]
        if self.text:
            pairs.append(("q", self.text))
        pairs += [("cell", c) for c in self.cells]
        if self.min_engagement:
            pairs.append(("min_eng", str(self.min_engagement)))
        pairs += [("action", a) for a in self.actions] + [("risk", r) for r in self.risks]
        if self.sort != DEFAULT_SORT:
            pairs.append(("sort", self.sort))
        return pairs

    def query(self) -> str:
        """The filters as one query string (``tier=Hot&q=Pine``), for :data:`RETURN_PARAM`."""
        return urlencode(self.query_pairs())

    @property
    def active(self) -> bool:
        return bool(self.tiers or self.owners or self.min_score or self.flags or self.text.strip() or self.cells
                    or self.min_engagement or self.actions or self.risks)

    def describe(self) -> str:
        parts = []
        if self.tiers:
            parts.append("tier " + " or ".join(self.tiers))
        if self.owners:
            parts.append("owner " + " or ".join(self.owners))
        if self.min_score:
            parts.append(f"score ≥ {self.min_score}")
        if self.flags:
            parts.append("flags " + " and ".join(FLAG_LABELS.get(f, f) for f in self.flags))
        if self.text.strip():
            parts.append(f"matching “{self.text.strip()}”")
        if self.cells:
            parts.append("cell " + " or ".join(self.cells))
        if self.min_engagement:
            parts.append(f"engagement ≥ {self.min_engagement}")
        if self.actions:
            parts.append("next action " + " or ".join(self.actions))
        if self.risks:
            parts.append("risk " + " or ".join(self.risks))
        return ", ".join(parts) or "all practices"


def filter_leads(leads: pd.DataFrame, f: LeadFilters) -> pd.DataFrame:
    mask = pd.Series(True, index=leads.index)
    if f.tiers:
        mask &= leads["tier"].isin(list(f.tiers))
    if f.owners:
        mask &= leads["owner"].isin(list(f.owners))
    if f.min_score:
        mask &= leads["lead_score"].fillna(-1) >= f.min_score
    if f.flags:
        wanted = set(f.flags)
        mask &= leads["flags"].map(lambda flags: wanted.issubset(flags))
    text = f.text.strip().casefold()
    if text:
        mask &= leads["search_text"].str.contains(text, regex=False)
    if "grid_cell" in leads:  # the engagement columns (data.engagement_views.with_engagement)
        if f.cells:
            mask &= leads["grid_cell"].fillna(NO_CELL).isin(list(f.cells))
        if f.min_engagement:
            mask &= leads["engagement_score"] >= f.min_engagement
        if f.actions:
            mask &= leads["next_action"].isin(list(f.actions))
        if f.risks:
            mask &= leads["recency_risk"].isin(list(f.risks))
    return sort_leads(leads[mask], f.sort)


def _whole(values: list[str] | None, top: int) -> int:
    """The last of a query's values as a whole number within 0–``top`` (0 when absent or not a number)."""
    try:
        return min(max(int(float((values or ["0"])[-1])), 0), top)
    except ValueError:
        return 0


def sort_leads(leads: pd.DataFrame, sort: str = DEFAULT_SORT) -> pd.DataFrame:
    """Stable multi-column sort; missing values last (never-contacted leads first for 'oldest contact')."""
    columns, ascending = SORTS.get(sort, SORTS[DEFAULT_SORT])
    frame = leads.copy()
    keys: list[str] = []
    order: list[bool] = []
    for column, asc in zip(columns, ascending, strict=True):
        if column == "last_contact" and asc:
            # Oldest contact first, and "never contacted" before everyone.
            frame["__contacted"] = frame[column].notna()
            keys.append("__contacted")
            order.append(True)
        keys.append(column)
        order.append(asc)
    frame = frame.sort_values(keys, ascending=order, na_position="last", kind="stable")
    return frame.drop(columns=[k for k in keys if k.startswith("__")])


def flags_text(flags: Iterable[str]) -> str:
    """Confidence flags as the Leads grid shows them: "Medium confidence · No decision maker"."""
    return " · ".join(FLAG_LABELS.get(f, f) for f in flags)


def _compact_int(values: pd.Series) -> pd.Series:
    """Whole numbers in the smallest nullable type that holds them (scores fit in Int16: 2 bytes a row
    instead of 8 on the wire)."""
    numbers = pd.to_numeric(values, errors="coerce")
    present = numbers.dropna()
    if len(present) and not (present == present.round()).all():
        return numbers.astype("Float32")
    if len(present) and (present.abs() > 32_000).any():
        return numbers.astype("Int64")
    return numbers.astype("Int16")


def display_frame(view: pd.DataFrame) -> pd.DataFrame:
    """The Leads grid's data: only what is shown, in compact types (repeated text as categories, flags
    as one short text, small integers, dates without a time), so 10,000 rows stay a small payload.
    Row positions match ``view``'s."""
    names = view["name"].astype(object)
    shown = {  # in the order a rep reads a row: who, how good, whose, where it stands, then the details
        "name": names.astype("category") if names.nunique() <= len(names) // 2 else names,  # repeated names
        "lead_score": _compact_int(view["lead_score"]),
        "tier": view["tier"].astype("category"),
        "owner": view["owner"].astype("category"),
        "status": view["status"].astype("category"),
        "last_contact": view["last_contact"].dt.date,  # an Arrow date32: 4 bytes a row, not a 8-byte timestamp
        "flags": (view["flags_text"] if "flags_text" in view else view["flags"].map(flags_text)).astype("category"),
        "initial_score": _compact_int(view["initial_score"]),
    }
    if "grid_cell" in view:  # the engagement axis (SPEC §12), beside the fit columns
        shown["grid_cell"] = view["grid_cell"].astype("category")
        shown["engagement_score"] = _compact_int(view["engagement_score"])
        shown["next_action"] = view["next_action"].astype("category")
        shown["velocity_24h"] = _compact_int(view["velocity_24h"])
    if view["url"].notna().any():  # the Notion link only when there are pages
        shown["url"] = view["url"]
    return pd.DataFrame(shown).reset_index(drop=True)


GRID_ROW_PX, GRID_MAX_PX = 35, 600  # Streamlit's grid row (and header) height; taller than the cap, it scrolls


def grid_height(rows: int) -> int:
    """Pixels for a grid of ``rows`` rows: its height follows its rows (header included) up to a screenful,
    so three practices do not sit in a 560-pixel box."""
    return min(GRID_ROW_PX * (rows + 1) + 3, GRID_MAX_PX)


def picker_labels(frame: pd.DataFrame) -> dict[str, str]:
    """Unique labels for a practice picker (practice id → label): the name alone where it is unique in
    ``frame``; "name · address" where names repeat; the id added where even that repeats."""
    names = frame["name"].fillna("(no name)").astype(str)
    labels = names.where(~names.duplicated(keep=False),
                         names + " · " + frame["address"].fillna("no address").astype(str))
    labels = labels.where(~labels.duplicated(keep=False), labels + " (#" + frame["practice_id"].astype(str) + ")")
    return dict(zip(frame["practice_id"].tolist(), labels.tolist(), strict=True))


def owners_of(leads: pd.DataFrame) -> list[str]:
    names = sorted(n for n in leads["owner"].dropna().unique() if n != UNASSIGNED)
    return [*names, UNASSIGNED] if (leads["owner"] == UNASSIGNED).any() else names


def whole_numbers(values: pd.Series) -> pd.Series:
    """Numbers as nullable integers (Int64) when every present value is whole — an Initial Score of 64
    reads "64", not "64.0", in the grid and in exports — else as floats (a 72.5 is never rounded)."""
    numbers = pd.to_numeric(values, errors="coerce").astype("Float64")
    present = numbers.dropna()
    if (present == present.round()).all():
        return numbers.round().astype("Int64")
    return numbers


def _extras(text: Any) -> dict[str, Any]:
    """One practice's imported extra columns; practices without extras carry None or NaN (NaN is truthy)."""
    if not isinstance(text, str) or not text:
        return {}
    try:
        value = orjson.loads(text)
    except orjson.JSONDecodeError:
        return {}
    return value if isinstance(value, dict) else {}


def export_frame(view: pd.DataFrame) -> pd.DataFrame:
    """What a download contains: the visible columns, lists as text, the engagement columns when the
    view has them, then any extra columns an imported file carried (SPEC §1: unknown columns are kept
    through to exports).

    Types: ``lead_score`` and ``initial_score`` nullable integers (``initial_score`` stays a float only
    when some value has a fraction); text columns hold None where a value is missing, never NaN; an
    extra column is empty for the practices that did not carry it (some rows, none or all may)."""
    frame = pd.DataFrame(
        {
            "practice_id": view["practice_id"],
            "practice": view["name"],
            "address": view["address"],
            "lead_score": pd.to_numeric(view["lead_score"], errors="coerce").astype("Int64"),
            "tier": view["tier"],
            "confidence_flags": view["flags"].map("; ".join),
            "initial_score": whole_numbers(view["initial_score"]),
            "owner": view["owner"],
            "status": view["status"],
            "last_contact": view["last_contact"].dt.strftime("%Y-%m-%d"),
            "tags": view["tags"].map("; ".join),
            "notion_url": view["url"],
        }
    )
    if "grid_cell" in view.columns:  # the engagement axis the table shows (SPEC §12) travels with it
        frame["grid_cell"] = view["grid_cell"]
        frame["engagement_score"] = pd.to_numeric(view["engagement_score"], errors="coerce").astype("Int64")
        frame["recency_risk"] = view["recency_risk"]
        frame["next_action"] = view["next_action"]
        frame["velocity_24h"] = pd.to_numeric(view["velocity_24h"], errors="coerce").astype("Int64")
    if "extra" in view.columns:
        rows = [_extras(e) for e in view["extra"]]
        if any(rows):
            extras = pd.DataFrame(rows, index=view.index, dtype=object)
            extras = extras.astype(object).where(extras.notna(), None)
            taken = set(frame.columns)
            frame = frame.join(extras.rename(columns=lambda c: c if c not in taken else f"{c} (imported)"))
    text = [c for c in frame.columns if frame[c].dtype == object]
    frame[text] = frame[text].astype(object).where(frame[text].notna(), None)
    return frame


# ---- data quality ---------------------------------------------------------------------------------


def data_quality(table: FeatureTable) -> tuple[pd.DataFrame, pd.DataFrame]:
    """How many practices lack each input (enriched practices for enrichment inputs), and how many
    carry an invalid value, per field."""
    full = table.full & table.readable
    invalid_by_field: dict[str, int] = {}
    for issues in table.issues.values():
        for field_name in {i.field for i in issues}:
            invalid_by_field[field_name] = invalid_by_field.get(field_name, 0) + 1
    rows = [
        ("No enrichment yet (Pending Enrichment)", int((~table.full & table.readable).sum()), len(table)),
        ("Vet count", int((full & (table.vet_count < 0)).sum()), int(full.sum())),
        ("Phone numbers", int((full & (table.phone_count == 0)).sum()), int(full.sum())),
        ("EMR system", int((full & (table.emr_code < 0)).sum()), int(full.sum())),
        ("Decision maker", int((full & ~table.dm_found).sum()), int(full.sum())),
        ("Rating", int((table.readable & np.isnan(table.rating)).sum()), len(table)),
        ("Review count", int((table.readable & (table.reviews < 0)).sum()), len(table)),
        ("Website", int((table.readable & ~table.website).sum()), len(table)),
        ("Any invalid value (Data Validation Error)", int(table.invalid.sum()), len(table)),
        ("Unreadable record", int((~table.readable).sum()), len(table)),
    ]
    frame = pd.DataFrame(rows, columns=["input", "lacking", "of"])
    frame["share"] = np.where(frame["of"] > 0, frame["lacking"] / frame["of"].clip(lower=1), 0.0)
    invalid = pd.DataFrame(sorted(invalid_by_field.items(), key=lambda kv: -kv[1]), columns=["field", "practices"])
    return frame, invalid


def tier_counts(leads: pd.DataFrame, tiers: Iterable[str] = TIERS) -> dict[str, int]:
    counts = leads["tier"].value_counts()
    return {t: int(counts.get(t, 0)) for t in tiers}
