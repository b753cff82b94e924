"""Shared display pieces for the app's tables: timestamp columns, share columns, missing values as "—"."""

from __future__ import annotations

from typing import Any

import pandas as pd
import streamlit as st

SHARE_FORMAT = "%.1f%%"  # shares shown as percentages (0–100) with one decimal each: "26.6%", "9.3%"


def time_column(label: str) -> Any:
    """A timestamp column (values from :func:`with_times`) shown to the second."""
    return st.column_config.DatetimeColumn(label, format="YYYY-MM-DD HH:mm:ss")


def with_times(frame: pd.DataFrame, *columns: str) -> pd.DataFrame:
    """``frame`` with the ISO 8601 text ``columns`` (as the store keeps times) read as UTC datetimes, so a
    DatetimeColumn shows them; an unreadable or missing time becomes missing (shown as "—")."""
    return frame.assign(**{c: pd.to_datetime(frame[c], utc=True, format="ISO8601", errors="coerce")
                           for c in columns if c in frame})
