"""An event's fields as the log keeps them: clean ids, normalised type names, derived event ids."""

from __future__ import annotations

import hashlib
import re
from functools import lru_cache
from typing import Any

import pandas as pd

from ..files.flat import display_text, is_blank

_SEPARATORS = re.compile(r"[\s\-/]+")


def clean_text(value: Any) -> str | None:
    """A cell as the text it displays (SPEC §1, ``flat.display_text``: ``1001.0`` → ``1001``), stripped;
    None when blank."""
    if value is pd.NA or value is pd.NaT or is_blank(value):
        return None
    return display_text(value).strip() or None


@lru_cache(maxsize=4096)
def normalise_type(text: str) -> str:
    """``Email Open`` / ``email-open`` / `` EMAIL_OPEN `` → ``email_open`` (the configuration's names)."""
    return _SEPARATORS.sub("_", text.strip().lower()).strip("_")


def derive_event_id(practice_id: str, type_name: str, occurred_us: int) -> str:
    """SPEC §12: an event without an id gets one from its practice, type and instant, so re-importing a
    file (or reading the same event written as ``…Z`` or ``…+00:00``) changes nothing."""
    digest = hashlib.blake2b(f"{practice_id}\x1f{type_name}\x1f{occurred_us}".encode(), digest_size=12)
    return "d-" + digest.hexdigest()
