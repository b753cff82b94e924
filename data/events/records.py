"""An event's fields as the log keeps them: clean ids, normalised type names, derived event ids."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

import pandas as pd

_SEPARATORS = re.compile(r"[\s\-/]+")


def clean_text(value: Any) -> str | None:
    """A cell as text: stripped; None when blank. A whole-number float (a spreadsheet's ``1001.0``) is
    the number it displays (``1001``), as SPEC §1 says for ids."""
    if value is None or value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, str):
        text = value.strip()
        return text or None
    if isinstance(value, float):
        if value != value:
            return None
        if value.is_integer():
            return str(int(value))
    if isinstance(value, bool):
        return str(value).lower()
    return str(value).strip() or None


@lru_cache(maxsize=4096)
def normalise_type(text: str) -> str:
    """``Email Open`` / ``email-open`` / `` EMAIL_OPEN `` → ``email_open`` (the configuration's names)."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_")


def derive_event_id(practice_id: str, type_name: str, occurred_us: int) -> str:
    """SPEC §12: an event without an id gets one from its practice, type and instant, so re-importing a
    file (or reading the same event written as ``…Z`` or ``…+00:00``) changes nothing."""
    digest = hashlib.blake2b(f"{practice_id}\x1f{type_name}\x1f{occurred_us}".encode(), digest_size=12)
    return "d-" + digest.hexdigest()
