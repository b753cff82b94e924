"""Pytest fixtures for the fake Notion server.

``tests/notion_fake/conftest.py`` imports them. To use them from any test, register this module
once in the top-level ``tests/conftest.py``::

    pytest_plugins = ["tests.notion_fake.plugin"]

(or import all three names there: ``notion_fake`` needs ``notion_fake_factory``).

* ``notion_fake`` — a started :class:`FakeNotion` (default leadscore schema, no pages, unlimited
  rate); stopped afterwards, and the test fails if the fake hit an internal error.
* ``notion_fake_factory(**kwargs)`` — start more servers with custom options (all stopped afterwards).
* ``notion_client`` — a real ``notion_client.Client`` for ``notion_fake`` with a quiet logger and
  fast retries (``initial_retry_delay_ms=10``).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import pytest

from .server import FakeNotion


@pytest.fixture
def notion_fake_factory() -> Iterator[Callable[..., FakeNotion]]:
    servers: list[FakeNotion] = []

    def make(**kwargs: Any) -> FakeNotion:
        srv = FakeNotion(**kwargs).start()
        servers.append(srv)
        return srv

    yield make
    for srv in servers:
        srv.stop()
    errors = [e for srv in servers for e in srv.internal_errors]
    assert not errors, "the fake Notion server hit internal errors:\n" + "\n".join(errors)


@pytest.fixture
def notion_fake(notion_fake_factory: Callable[..., FakeNotion]) -> FakeNotion:
    return notion_fake_factory()


@pytest.fixture
def notion_client(notion_fake: FakeNotion) -> Any:
    from notion_client.client import RetryOptions

    client = notion_fake.client(retry=RetryOptions(max_retries=2, initial_retry_delay_ms=10))
    yield client
    client.close()
