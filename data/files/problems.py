"""Row problems in plain words, for the import report (the Import page and `leadscore import`).

pydantic says "Input should be less than or equal to 5"; a sales rep needs "rating 7.3 is not a rating
from 0 to 5, so it counts as missing". The words come from the field's own type and bounds (the model
in scoring.models), so a changed rule changes the message with it.
"""

from __future__ import annotations

import math
import re
import typing
from typing import Any

from scoring.fields import FLAT_COLUMNS, check
from scoring.models import Issue, ScoringInput, VeterinaryPractice, VetPracticeExtraction

_COLUMN_OF_PATH = {path: column for column, path in FLAT_COLUMNS.items()}
_SHOWN_CHARS = 40
_NUMBER = re.compile(r"[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)")


def shown(value: Any) -> str:
    """A cell's value as the report quotes it: text in quotes (cut at 40 characters), numbers as written."""
    if isinstance(value, str):
        if _NUMBER.fullmatch(value.strip()):
            return value.strip()  # a number written in a text cell reads as the number
        text = value if len(value) <= _SHOWN_CHARS else value[: _SHOWN_CHARS - 1] + "…"
        return f"“{text}”"
    if isinstance(value, float) and math.isnan(value):
        return "NaN"
    if isinstance(value, list | tuple | dict):
        text = repr(value)
        return text if len(text) <= _SHOWN_CHARS else text[: _SHOWN_CHARS - 1] + "…"
    return str(value)


def column_name(path: str) -> str:
    """The flat column a field is read from (``enrichment_data.vet_count`` → ``vet_count``)."""
    return _COLUMN_OF_PATH.get(path, path.rsplit(".", 1)[-1])


def plain_issue(issue: Issue) -> str:
    """One invalid value in plain words, saying what happens to it (SPEC §7: it scores as missing)."""
    return f"{column_name(issue.field)} {shown(issue.value)} {_expected(issue.field)}, so it counts as missing"


def plain_unreadable(reason: str) -> str:
    """Why a row cannot be imported at all (SPEC §7's unreadable records), in plain words."""
    if reason.startswith("practice_id must be"):
        return "practice_id is blank or not text, so the row cannot be imported"
    if reason.startswith("practice_id is missing"):
        return "practice_id is missing, so the row cannot be imported"
    if reason.startswith("record is not an object"):
        return "the line is not a practice record (a JSON object), so it cannot be imported"
    if reason.startswith("google_maps_data"):
        return reason.replace("google_maps_data", "google_maps_data (the practice's name, address, …)") + (
            ", so the row cannot be imported"
        )
    return f"{reason}, so the row cannot be imported"


def _expected(path: str) -> str:
    if path in ("enrichment_data", "enrichment_data.decision_maker"):
        return "is not a group of fields (a JSON object)"
    try:
        chk = check(path)
    except (KeyError, AttributeError):
        return "is not valid"
    kind, lo, hi = chk.kind, chk.lo, chk.hi
    if kind == "int":
        if math.isfinite(hi):
            return f"is not a whole number from {lo:,} to {hi:,}"
        return f"is not a whole number of {lo:,} or more"
    if kind == "float":
        noun = "a rating" if path.endswith("rating") else "a number"
        return f"is not {noun} from {lo:g} to {hi:g}"
    if kind == "bool":
        return "is not yes or no (true/false, 1/0)"
    if kind == "list":
        return "is not a list of text"
    if kind in ("str", "id"):
        return "is not text"
    choices = _choices(path)
    if choices:
        return "is not one of " + ", ".join(choices)
    if path.endswith("timestamp"):
        return "is not a date and time"
    return "is not valid"


def _choices(path: str) -> tuple[str, ...]:
    model: Any = ScoringInput
    name = path
    if path.startswith("google_maps_data."):
        model, name = VeterinaryPractice, path.split(".", 1)[1]
    elif path.startswith("enrichment_data."):
        model, name = VetPracticeExtraction, path.split(".", 1)[1]
    info = model.model_fields.get(name)
    if info is None:
        return ()
    return tuple(_literals(info.annotation))


def _literals(annotation: Any) -> list[str]:
    """The strings of every Literal inside an annotation (through Optional and Annotated)."""
    if typing.get_origin(annotation) is typing.Literal:
        return [a for a in typing.get_args(annotation) if isinstance(a, str)]
    out: list[str] = []
    for arg in typing.get_args(annotation):
        out.extend(x for x in _literals(arg) if x not in out)
    return out
