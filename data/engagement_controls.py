"""The What-if lab's engagement controls as data: each control's label and the range it may take, both
read from :class:`scoring.engagement.EngagementConfig` (its pydantic field constraints are the one
source of truth for what is valid), and validation problems in the words of the controls (“Level 2
from (engagement ≥)” must be below …), never config keys. Pure (no Streamlit), so every rule is tested.
"""

from __future__ import annotations

import math
import re

from pydantic import BaseModel

from scoring.config import ConfigError
from scoring.engagement import EngagementConfig

# EngagementConfig field → the control's label, exactly as the page shows it.
FIELD_LABELS: dict[str, str] = {
    "types": "Event types",
    "half_life_days": "Half-life (days)",
    "velocity_hours": "Velocity window (hours)",
    "level_1_min": "Level 1 from (engagement ≥)",
    "level_2_min": "Level 2 from (engagement ≥)",
    "risk_medium_days": "Medium risk from (days)",
    "risk_high_days": "High risk after (days)",
    "next_actions": "Next actions",
}
# Columns of the event-type and next-action tables → their headers on the page.
TYPE_COLUMNS: dict[str, str] = {"name": "type (as in events)", "points": "points", "cap": "cap on decayed sum",
                                "label": "label"}
ACTION_COLUMNS: dict[str, str] = {"cell": "cell", "risk": "risk", "action": "action", "why": "why"}


def field_range(name: str, model: type[BaseModel] = EngagementConfig) -> tuple[float | int | None, float | int | None]:
    """(lowest, highest) valid value of the numeric field ``name`` of ``model``, both inclusive, from its
    ``Field(ge=/gt=/le=/lt=)`` constraints; None where the field has no bound. A strict bound becomes
    the nearest valid value: ``gt=0`` on a float → the smallest positive float, on an int → 1.

    Raises KeyError for a field ``model`` does not have."""
    info = model.model_fields[name]
    whole = info.annotation is int
    low: float | int | None = None
    high: float | int | None = None
    for item in info.metadata:  # annotated_types' Ge / Gt / Le / Lt, as pydantic keeps them
        if getattr(item, "ge", None) is not None:
            low = item.ge
        elif getattr(item, "gt", None) is not None:
            low = item.gt + 1 if whole else math.nextafter(float(item.gt), math.inf)
        elif getattr(item, "le", None) is not None:
            high = item.le
        elif getattr(item, "lt", None) is not None:
            high = item.lt - 1 if whole else math.nextafter(float(item.lt), -math.inf)
    if not whole:
        low, high = (None if v is None else float(v) for v in (low, high))
    return low, high


def max_length(name: str, model: type[BaseModel]) -> int | None:
    """The ``max_length`` constraint of the text field ``name`` of ``model`` (None when unbounded)."""
    return next((item.max_length for item in model.model_fields[name].metadata
                 if getattr(item, "max_length", None) is not None), None)


# Config keys as messages name them (``level_2_min (40) must be …``): whole snake_case words only.
_FIELD_NAMES = re.compile(r"\b(" + "|".join(sorted((re.escape(f) for f in FIELD_LABELS if "_" in f), key=len,
                                                    reverse=True)) + r")\b")


def _label_of(path: str) -> str:
    """A problem's field path (``engagement.types.2.points``) → where the user sees it."""
    parts = path.split(".")
    if parts and parts[0] == "engagement":
        parts = parts[1:]
    if not parts:
        return "Engagement settings"
    head = parts[0]
    if head in ("types", "next_actions") and len(parts) >= 2 and parts[1].isdigit():
        columns = TYPE_COLUMNS if head == "types" else ACTION_COLUMNS
        row = f"{FIELD_LABELS[head]}, row {int(parts[1]) + 1}"
        return row + (f", {columns.get(parts[2], parts[2])}" if len(parts) > 2 else "")
    return FIELD_LABELS.get(head, head.replace("_", " "))


def problems_in_words(exc: ConfigError) -> list[str]:
    """Each engagement validation problem as one sentence naming the control as the user sees it:
    ``level_2_min (40) must be lower than level_1_min (30)`` → “Level 2 from (engagement ≥)” (40) must
    be below “Level 1 from (engagement ≥)” (30)."""
    sentences = []
    for path, message in exc.problems or [("", str(exc))]:
        message = message.replace("must be lower than", "must be below")
        message = _FIELD_NAMES.sub(lambda m: f"“{FIELD_LABELS[m.group(0)]}”", message)
        where = _label_of(path) if path else ""
        if where == "Engagement settings" and message.startswith("“"):
            where = ""  # the message names its controls itself
        joint = " " if message.startswith(("must", "(", "is ", "needs", "at most", "each", "one ")) else ": "
        sentences.append((f"“{where}”{joint}" if where else "") + message.rstrip(".") + ".")
    return sentences
