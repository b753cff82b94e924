"""Small helpers for the sentences the app and the CLI print: counts with the right noun form and
thousands separators, lists of names with their counts, missing values shown as a dash."""

from __future__ import annotations

from collections import Counter
from typing import Any

MISSING = "—"  # how every page and report shows a missing value (never "None" or "nan")


def count(n: int, word: str, plural: str | None = None) -> str:
    """``1 event``, ``2 events``, ``1,234 events`` (``plural`` for irregular nouns: ``1 entry``)."""
    return f"{n:,} {word if n == 1 else plural or word + 's'}"


def shown(value: Any) -> str:
    """A value as text for a sentence: missing (None, NaN, blank) → ``—``."""
    if value is None or (isinstance(value, float) and value != value) or not str(value).strip():
        return MISSING
    return str(value)


def listed(counts: Counter[str], limit: int = 10) -> str:
    """``smoke_signal (3), nope (1)`` — the ``limit`` most common names with their counts, then
    ``and N more``; a missing name shows as ``—``."""
    names = ", ".join(f"{shown(name)} ({n:,})" for name, n in counts.most_common(limit))
    more = len(counts) - limit
    return names + (f" and {more:,} more" if more > 0 else "")


def capitalised(sentence: str) -> str:
    """The sentence with its first letter upper-case (the rest untouched: names keep their case)."""
    return sentence[:1].upper() + sentence[1:]


def automation_sentence(report: Any) -> str:
    """An automation run (:class:`data.events.automation.AutomationReport`) as one sentence for the app:
    ``Automation rules on 2026-11-30: nothing fired.`` / ``… enters-a1 fired for 2 practices; 1 webhook
    delivered.`` (zero counts left out)."""
    fired = "; ".join(f"{rule} fired for {count(n, 'practice')}" for rule, n in sorted(report.fired.items()))
    parts = [fired or "nothing fired"]
    if report.delivered:
        parts.append(f"{count(report.delivered, 'webhook')} delivered")
    if report.failed:
        parts.append(f"{count(report.failed, 'webhook attempt')} failed (retried on the next run)")
    return f"Automation rules on {report.day}: " + "; ".join(parts) + "."
