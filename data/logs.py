"""Log output for the CLI: readable lines, or one JSON object per event (``--log-json``).

The scoring code logs with structured ``extra`` fields (practice id, score, tier, duration, error
type and message); the JSON formatter keeps every one of them.
"""

from __future__ import annotations

import logging
import sys
from datetime import UTC, datetime
from typing import Any

import orjson

_STANDARD = set(vars(logging.LogRecord("x", logging.INFO, "x", 0, "", (), None))) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        doc: dict[str, Any] = {
            "time": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        doc.update({k: v for k, v in vars(record).items() if k not in _STANDARD and not k.startswith("_")})
        if record.exc_info:
            doc["exception"] = self.formatException(record.exc_info)
        return orjson.dumps(doc, default=str).decode()


class _CliHandler(logging.StreamHandler):  # type: ignore[type-arg]
    """Marks the handler configure() installs, so a second call replaces it instead of adding one."""


def configure(level: str = "warning", json_lines: bool = False) -> None:
    """Send leadscore's logs to stderr at ``level`` (other libraries are left as they are)."""
    handler = _CliHandler(sys.stderr)
    handler.setFormatter(JsonFormatter() if json_lines else logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger = logging.getLogger("leadscore")
    logger.handlers[:] = [h for h in logger.handlers if not isinstance(h, _CliHandler)] + [handler]
    logger.setLevel(level.upper())
