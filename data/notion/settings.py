"""Notion connection settings (environment first, then .streamlit/secrets.toml) and the error type.

Settings (SPEC §11, README "Notion setup"):

- ``NOTION_API_KEY`` — the integration's token (plain ASCII; never printed, logged or shown).
- ``NOTION_DATABASE_ID`` — the database: its id (with or without dashes) or its URL as Notion's
  "Copy link" gives it (title slug, ``?v=…``, ``&pvs=…`` are fine).
- ``NOTION_DATA_SOURCE`` — optional: which of the database's data sources holds the practices (its id
  or its name); without it the first one is used, and the others are listed wherever it matters.
- ``NOTION_BASE_URL`` — default the public API; tests point it at a local server.
- ``NOTION_RATE_LIMIT`` — optional: requests per second for the integration, shared by every process
  using the same store (default 2.9: Notion allows 3 on average).
"""

from __future__ import annotations

import logging
import os
import re
import tomllib
import uuid
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from notion_client.helpers import extract_database_id

log = logging.getLogger("leadscore.notion")


DEFAULT_BASE_URL = "https://api.notion.com"
DEFAULT_RATE_LIMIT = 2.9  # requests/s: under Notion's average of 3 for an integration
MAX_RATE_LIMIT = 100.0
SECRETS_PATH = Path(".streamlit") / "secrets.toml"
_NOTION_HOSTS = ("notion.so", "notion.site", "notion.com")
_HEX32 = re.compile(r"[0-9a-f]{32}|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", re.IGNORECASE)


class NotionError(Exception):
    """A Notion problem worth a clear sentence (not configured, unreachable, refused)."""


# ---- settings and mapping -------------------------------------------------------------------------


@dataclass(frozen=True)
class NotionSettings:
    api_key: str | None = field(default=None, repr=False)  # never printed, logged or shown
    database_id: str | None = None
    base_url: str = DEFAULT_BASE_URL
    data_source: str | None = None  # a data source id (dashed) or name; None: the database's first
    rate_limit: float | None = None  # requests/s for the integration; None: the gateway's default (2.9)
    problem: str | None = None  # a setting that cannot work, as one sentence (the token never in it)

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.database_id)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, secrets_path: Path | None = None) -> NotionSettings:
        """Environment variables first, then ``.streamlit/secrets.toml`` (top level or a [notion] table).

        Never raises for a bad value: ``problem`` says what is wrong (the gateway refuses to start with
        it, the CLI prints it with exit status 2, the pages show it)."""
        env = os.environ if env is None else env
        secrets = _read_secrets(secrets_path or SECRETS_PATH)
        table = secrets.get("notion", {}) if isinstance(secrets.get("notion"), dict) else {}

        def pick(var: str, key: str) -> str | None:
            value = env.get(var) or secrets.get(var) or table.get(key)
            return str(value).strip() if value else None

        problems: list[str] = []
        api_key = pick("NOTION_API_KEY", "api_key")
        if api_key:
            problems += _token_problems(api_key)
        database_id = pick("NOTION_DATABASE_ID", "database_id")
        if database_id:
            try:
                database_id = database_ref(database_id)
            except NotionError as exc:
                problems.append(str(exc))
        data_source = pick("NOTION_DATA_SOURCE", "data_source")
        if data_source and re.fullmatch(r"[0-9a-fA-F]{32}", data_source.replace("-", "")):
            data_source = str(uuid.UUID(data_source.replace("-", "")))  # an id: the form Notion answers with
        rate: float | None = None
        raw_rate = pick("NOTION_RATE_LIMIT", "rate_limit")
        if raw_rate:
            try:
                rate = float(raw_rate)
                if not 0 < rate <= MAX_RATE_LIMIT:
                    raise ValueError
            except ValueError:
                problems.append(
                    f"NOTION_RATE_LIMIT={raw_rate[:40]!r} is not a number of requests per second between 0 and "
                    f"{MAX_RATE_LIMIT:g} (Notion allows 3 on average; the default is {DEFAULT_RATE_LIMIT})"
                )
                rate = None
        return cls(
            api_key=api_key,
            database_id=database_id,
            base_url=(pick("NOTION_BASE_URL", "base_url") or DEFAULT_BASE_URL).rstrip("/"),
            data_source=data_source,
            rate_limit=rate,
            problem="; ".join(problems) or None,
        )

    def describe(self) -> str:
        """Where we connect, never the token."""
        if not self.configured:
            missing = [
                n
                for n, v in (("NOTION_API_KEY", self.api_key), ("NOTION_DATABASE_ID", self.database_id))
                if not v
            ]
            return f"Notion not configured (missing {', '.join(missing)})"
        where = f"database {self.database_id} at {self.base_url} (token set)"
        return where + (f", data source {self.data_source!r}" if self.data_source else "")


def database_ref(raw: str) -> str:
    """A database id (dashed, lower case) from what a person pastes: an id with or without dashes, or the
    database's URL (title slug, ``?v=<view>``, ``&pvs=…``). NotionError with a sentence otherwise.

    notion-client's ``extract_database_id`` reads ids and notion.so / notion.site URLs (preferring the
    path's id over the view's); links Notion gives on other hosts (``app.notion.com/p/<id>``) are read
    from their path here."""
    text = raw.strip().strip("<>\"'")
    found = extract_database_id(text)
    if found is None and "://" in text:
        parts = urlsplit(text)
        host = (parts.hostname or "").lower()
        if any(host == h or host.endswith("." + h) for h in _NOTION_HOSTS):
            ids = _HEX32.findall(parts.path)
            found = str(uuid.UUID(ids[-1].replace("-", ""))) if ids else None
    if found is None:
        shown = text if len(text) <= 80 else text[:77] + "…"
        raise NotionError(
            f"NOTION_DATABASE_ID={shown!r} is neither a Notion database id (32 hexadecimal characters, dashes "
            "optional) nor a database link; in Notion open the database, choose ⋯ → Copy link, and paste that"
        )
    return found


def _token_problems(token: str) -> list[str]:
    """A token is plain ASCII: anything else cannot be sent in an HTTP header (and is a paste mistake)."""
    bad = next((i for i, ch in enumerate(token) if not ch.isascii() or not ch.isprintable() or ch.isspace()), None)
    if bad is None:
        return []
    return [
        f"NOTION_API_KEY has a character that cannot be in a Notion token (character {bad + 1} of {len(token)}: "
        "not plain ASCII, or a space); copy the token again from the integration's page (Notion → Settings → "
        "Connections → Develop or manage integrations)"
    ]


def _read_secrets(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        log.warning("ignoring unreadable secrets file %s: %s", path, exc)
        return {}
