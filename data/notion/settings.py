"""Notion connection settings (environment first, then .streamlit/secrets.toml) and the error type.
"""

from __future__ import annotations

import logging
import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

log = logging.getLogger("leadscore.notion")


DEFAULT_BASE_URL = "https://api.notion.com"
SECRETS_PATH = Path(".streamlit") / "secrets.toml"


class NotionError(Exception):
    """A Notion problem worth a clear sentence (not configured, unreachable, refused)."""


# ---- settings and mapping -------------------------------------------------------------------------


@dataclass(frozen=True)
class NotionSettings:
    api_key: str | None = field(default=None, repr=False)  # never printed, logged or shown
    database_id: str | None = None
    base_url: str = DEFAULT_BASE_URL

    @property
    def configured(self) -> bool:
        return bool(self.api_key and self.database_id)

    @classmethod
    def load(cls, env: Mapping[str, str] | None = None, secrets_path: Path | None = None) -> NotionSettings:
        """Environment variables first, then ``.streamlit/secrets.toml`` (top level or a [notion] table)."""
        env = os.environ if env is None else env
        secrets = _read_secrets(secrets_path or SECRETS_PATH)
        table = secrets.get("notion", {}) if isinstance(secrets.get("notion"), dict) else {}

        def pick(var: str, key: str) -> str | None:
            value = env.get(var) or secrets.get(var) or table.get(key)
            return str(value).strip() if value else None

        return cls(
            api_key=pick("NOTION_API_KEY", "api_key"),
            database_id=pick("NOTION_DATABASE_ID", "database_id"),
            base_url=(pick("NOTION_BASE_URL", "base_url") or DEFAULT_BASE_URL).rstrip("/"),
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
        return f"database {self.database_id} at {self.base_url} (token set)"


def _read_secrets(path: Path) -> dict[str, Any]:
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        return {}
    except (OSError, tomllib.TOMLDecodeError) as exc:
        log.warning("ignoring unreadable secrets file %s: %s", path, exc)
        return {}


