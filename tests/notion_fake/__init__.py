"""A local, stdlib-only fake of the Notion API (version 2025-09-03) for leadscore's tests.

The real ``notion_client.Client`` talks to it over HTTP. See ``server.py`` for the full Python API;
in short::

    from tests.notion_fake import FakeNotion, seed_practices

    with FakeNotion(token="secret_test", rate_limit=None) as srv:
        seed_practices(srv, 50)
        client = Client(auth=srv.token, base_url=srv.base_url, logger=logging.getLogger("t"))
        ...
        srv.faults.queue("503", "drop")          # the next two requests fail
        srv.clock.advance(minutes=5)             # time moves on for last_edited_time

Standalone: ``python -m tests.notion_fake --pages 300 --port 8765``.
"""

from .faults import ALL_FAULT_KINDS, DEFAULT_FAULT_KINDS, FakeClock, Faults, TokenBucket
from .model import NotionError
from .seed import LEADSCORE_SCHEMA, PEOPLE, practice_values, seed_practices
from .server import NOTION_VERSION, FakeNotion, LoggedRequest

__all__ = [
    "ALL_FAULT_KINDS",
    "DEFAULT_FAULT_KINDS",
    "LEADSCORE_SCHEMA",
    "NOTION_VERSION",
    "PEOPLE",
    "FakeClock",
    "FakeNotion",
    "Faults",
    "LoggedRequest",
    "NotionError",
    "TokenBucket",
    "practice_values",
    "seed_practices",
]
