"""The ``[activities]`` section of the Notion mapping file: an optional data source of activity pages
that relate to practices (issue 11). Without it, sync reads no activities.

```toml
[activities]
database_id = "…"            # the activities database: its id (dashes optional) or its link
data_source = "Activities"   # optional: which of its data sources (id or name); default its first
practice = "Practice"        # the relation property pointing at the practices database
type = "Type"                # a select/status/text property holding the event type ("Email Open" → email_open)
date = "Date"                # a date property; when empty, the page's created time is used
detail = "Name"              # optional: a text property kept as the event's detail (default: the title)
```
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

ACTIVITY_KEYS = ("database_id", "data_source", "practice", "type", "date", "detail")
ACTIVITY_DEFAULTS = {"practice": "Practice", "type": "Type", "date": "Date"}


@dataclass(frozen=True)
class ActivityMapping:
    database_id: str
    practice: str = "Practice"
    type: str = "Type"
    date: str = "Date"
    detail: str | None = None  # None: the page title
    data_source: str | None = None  # None: the database's first data source

    def describe(self) -> str:
        return (f"activities database {self.database_id}: practice ← {self.practice!r}, type ← {self.type!r}, "
                f"date ← {self.date!r}")


def parse_activities(section: Any) -> tuple[ActivityMapping | None, list[str]]:
    """The ``[activities]`` table of a mapping file → (mapping or None, problems as sentences)."""
    if section is None:
        return None, []
    if not isinstance(section, dict):
        return None, ["[activities] must be a table"]
    problems = [f"[activities] {k} is not a known setting (known: {', '.join(ACTIVITY_KEYS)})"
                for k in section if k not in ACTIVITY_KEYS]
    for key, value in section.items():
        if key in ACTIVITY_KEYS and (not isinstance(value, str) or not value.strip()):
            problems.append(f"[activities] {key} must be a name or id")
    if not isinstance(section.get("database_id"), str) or not section.get("database_id", "").strip():
        problems.append("[activities] needs database_id (the activities database)")
    if problems:
        return None, problems
    values = {k: v.strip() for k, v in section.items() if k in ACTIVITY_KEYS}
    # Read like NOTION_DATABASE_ID (settings.database_ref): an id with or without dashes, or a link.
    from ..notion.settings import NotionError, database_ref

    try:
        values["database_id"] = database_ref(values["database_id"])
    except NotionError:
        shown = values["database_id"] if len(values["database_id"]) <= 80 else values["database_id"][:77] + "…"
        return None, [f"[activities] database_id {shown!r} is neither a Notion database id (32 hexadecimal "
                      "characters, dashes optional) nor a database link"]
    return ActivityMapping(**values), []
