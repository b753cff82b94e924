"""Several fake databases behind one HTTP server, as Notion serves every database from one base URL.

A :class:`FakeNotion` models one database with one data source. A workspace puts more of them (say,
practices and the activities that relate to them) behind a single server and routes each request by
the id in its path — a database, data source or page id — to the fake that holds it; requests without
one (``/v1/users``) go to the first fake. The fakes are not started themselves; their Python APIs
(``add_page``, ``plain``, ``faults``, …) work as usual::

    practices = FakeNotion(seed=1)
    activities = FakeNotion(seed=2, title="Activities", schema={
        "Name": "title", "Practice": ("relation", {"data_source_id": practices.data_source_id}),
        "Type": ("select", ["Email Open", "Meeting"]), "Date": "date"})
    with FakeWorkspace(practices, activities) as ws:
        client = Client(auth=ws.token, base_url=ws.base_url)
"""

from __future__ import annotations

import re
import threading
import uuid
from email.message import Message
from typing import Any
from urllib.parse import urlsplit

from .server import FakeNotion, Reply, _Server

_ID_IN_PATH = re.compile(r"^/v1/(?:databases|data_sources|pages)/([^/]+)")


class FakeWorkspace:
    def __init__(self, *fakes: FakeNotion, host: str = "127.0.0.1", port: int = 0) -> None:
        if not fakes:
            raise ValueError("a workspace needs at least one FakeNotion")
        tokens = {f.token for f in fakes}
        if len(tokens) != 1:
            raise ValueError("every fake in a workspace must use the same token (one integration)")
        self.fakes = fakes
        self.token = fakes[0].token
        self._address = (host, port)
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None

    def _owner(self, path: str) -> FakeNotion:
        match = _ID_IN_PATH.match(path)
        if match:
            try:
                wanted = str(uuid.UUID(match.group(1)))
            except ValueError:
                return self.fakes[0]  # the fake answers Notion's "should be a valid uuid" error
            for fake in self.fakes:
                if wanted in (fake.database_id, fake.data_source_id) or wanted in fake.page_ids(include_trashed=True):
                    return fake
        return self.fakes[0]

    def _respond(self, method: str, target: str, headers: Message, raw: bytes) -> Reply:
        return self._owner(urlsplit(target).path)._respond(method, target, headers, raw)

    @property
    def internal_errors(self) -> list[str]:
        return [e for f in self.fakes for e in f.internal_errors]

    def start(self) -> FakeWorkspace:
        if self._httpd is None:
            self._httpd = _Server(self._address, self)  # type: ignore[arg-type]  # routes like one fake
            self._thread = threading.Thread(
                target=self._httpd.serve_forever, kwargs={"poll_interval": 0.05}, name="fake-notion-ws", daemon=True
            )
            self._thread.start()
        return self

    def stop(self) -> None:
        if self._httpd is not None:
            self._httpd.shutdown()
            self._httpd.server_close()
            if self._thread is not None:
                self._thread.join(timeout=5)
            self._httpd, self._thread = None, None

    def __enter__(self) -> FakeWorkspace:
        return self.start()

    def __exit__(self, *exc: Any) -> None:
        self.stop()

    def client(self, **options: Any) -> Any:
        """A ``notion_client.Client`` for this workspace (quiet logger)."""
        from notion_client import Client

        from .server import CLIENT_LOGGER

        return Client(**{"auth": self.token, "base_url": self.base_url, "logger": CLIENT_LOGGER, **options})

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeWorkspace is not started: call start() or use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"
