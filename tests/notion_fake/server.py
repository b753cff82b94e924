"""A local HTTP server that answers like the Notion API (version 2025-09-03) for leadscore's calls.

The real ``notion_client.Client`` talks to it over HTTP::

    from tests.notion_fake import FakeNotion          # or: from .server import FakeNotion

    with FakeNotion(token="secret_test") as srv:      # started on 127.0.0.1, a free port
        client = Client(auth=srv.token, base_url=srv.base_url, logger=my_logger)
        ds_id = client.databases.retrieve(database_id=srv.database_id)["data_sources"][0]["id"]
        pid = srv.add_page({"Name": "Happy Paws", "Vet Count": 6, "Technologies": ["X-Ray"]})
        client.pages.update(page_id=pid, properties={"Lead Score": {"number": 88}})
        assert srv.plain(pid)["Lead Score"] == 88

Python API (all thread-safe; one lock guards the state):

* ``FakeNotion(token="secret_test", *, rate_limit=None, burst=3, schema=None, seed=0, clock=None,
  title="Vet Practices", host="127.0.0.1", port=0, slow_seconds=2.0)`` — ``rate_limit`` is the
  average requests/second of a token bucket (None: unlimited); ``schema`` defaults to
  :data:`LEADSCORE_SCHEMA`; ``seed`` makes ids deterministic; ``clock`` is a :class:`FakeClock`
  or a callable returning an aware datetime.
* ``start() -> self``, ``stop()``, context manager; ``base_url`` (``http://127.0.0.1:PORT``, no
  trailing slash: notion-client appends ``/v1/``), ``token``, ``database_id``, ``data_source_id``.
* ``set_schema({"Name": "title", "Vet Count": "number", "Tier": ("select", ["Hot", "Cold"]),
  "Status": ("status", {"To-do": ["New"], "Complete": ["Won"]}), "Raw": {"type": "select",
  "select": {"options": [{"name": "A", "color": "red"}]}}})`` — replaces the schema (same-named
  properties of the same type keep their id, options and values).
* ``add_page(values=None, *, created_time=None, last_edited_time=None, in_trash=False) -> page_id``
  — plain Python values or raw Notion property values (``{"select": {"name": "Hot"}}``):

  ======================== ============================================ ==========================
  type                     plain value in                               ``plain()`` gives back
  ======================== ============================================ ==========================
  title, rich_text         str (split into ≤2000-unit items), list[str] str ("" when empty)
  number                   int, float, None                             6.0 comes back as 6
  select                   option name or None (new names are created)  name or None
  status                   an existing option name or None              name or None
  multi_select             list of names (or one str)                   list of names
  checkbox                 bool                                         bool
  url, email, phone_number str or None                                  str or None
  date                     date, datetime, ISO str, {"start", "end"}    ISO start, or the dict
  people                   user names (``PEOPLE``) or ids               list of names
  relation                 page ids                                     list of ids
  formula (computed)       its result: 6, "x", True, or {"type": …}     the result's value
  rollup (computed)        6 (number), a list (array of property values the rollup's value
                           or plain items), {"type": "incomplete", …}
  created_time, last_ed..  read-only                                    minute-rounded ISO str
  ======================== ============================================ ==========================

  Formula and rollup values are what Notion would compute (the fake does not): set them with
  ``add_page``/``edit_upstream``; the API refuses to write them. A rollup's ``function`` comes from
  the schema (``("rollup", {"function": "sum"})``).

  Invalid values raise :class:`NotionError` (a ValueError) with the message the API would give.
* ``page(pid) -> dict`` (the page JSON as GET returns it, minus request_id), ``plain(pid) -> dict``,
  ``page_ids(include_trashed=False)``, ``data_source() -> dict``, ``database() -> dict``,
  ``options(prop_name) -> [names]``.
* ``edit_upstream(pid, values)`` — a person edits the page (bumps ``last_edited_time``).
* ``add_data_source(title="Archive", schema=None, first=False) -> FakeNotion`` — another data source
  of the same database (API 2025-09-03), served by the same server; use the returned fake's
  ``add_page``/``plain``/``data_source_id``. ``first`` lists it before the others.
* ``users_readable = False`` — the integration lacks "Read user information": people values come as
  partial users ``{"object": "user", "id": …}``.
* Status options cannot be changed through ``PATCH /v1/data_sources`` (Notion's API refuses it), and
  a page update naming a status option that does not exist answers 400.
* ``trash_page(pid)`` / ``restore_page(pid)`` / ``delete_page(pid)`` — trashed pages are still
  retrievable (``in_trash``/``archived`` true), never in query results, and PATCH answers 400
  ``validation_error`` unless it restores them; deleted pages are 404 ``object_not_found``.
* ``users`` (the bot + 4 people), ``bot_id``, ``person_id`` (who ``edit_upstream`` edits as).
* ``faults`` (:class:`Faults`: ``set``/``queue``/``clear``/``count``/``injected``, ``retry_after`` of an
  injected 429), ``clock``
  (:class:`FakeClock`: ``advance``/``freeze``/``unfreeze``), ``bucket`` (the token bucket or None).
* ``requests`` — list of ``LoggedRequest(method, path, body, status)`` (status 0: no answer sent);
  ``count(method=None, path_prefix=None, status=None)``; ``rate_limited`` (number of 429s);
  ``reset_log()``; ``internal_errors`` (tracebacks of bugs in the fake: should stay empty).
* ``client(**options)`` — a ``notion_client.Client`` wired to this server (quiet logger).

Timestamps are minute-rounded like Notion's and every successful write bumps ``last_edited_time``
(``last_edited_by`` is the bot for API writes, a person for ``edit_upstream``).

HTTP endpoints: ``GET /v1/databases/{id}``, ``GET|PATCH /v1/data_sources/{id}``,
``POST /v1/data_sources/{id}/query`` (filters and sorts: see ``query.py``), ``GET|PATCH
/v1/pages/{id}``, ``GET /v1/users/me``, ``GET /v1/users[/{id}]``; anything else is 400
``invalid_request_url``. Checks, in order: URL, ``Authorization: Bearer <token>`` (401
``unauthorized``), ``Notion-Version`` present (400 ``missing_version``), rate limit (429
``rate_limited`` + ``Retry-After``), injected fault, JSON body (400 ``invalid_json``; NaN/Infinity
are invalid JSON), then the endpoint's own validation (400 ``validation_error``).
"""

from __future__ import annotations

import copy
import json
import logging
import re
import socket
import sys
import threading
import time
import traceback
import uuid
from collections import OrderedDict
from collections.abc import Callable, Mapping
from contextlib import suppress
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, NamedTuple
from urllib.parse import parse_qs, urlsplit

from .faults import ERROR_FAULTS, FakeClock, Faults, TokenBucket
from .model import (
    OPTION_TYPES,
    PROPERTY_TYPES,
    IdFactory,
    NotionError,
    Page,
    Prop,
    Schema,
    Writer,
    as_utc,
    body_error,
    compact,
    empty_value,
    fmt_millis,
    fmt_minute,
    from_plain,
    js,
    normalize_id,
    plain_text,
    render_value,
    text_item,
    to_plain,
    validate_rich_text,
    validation_error,
)
from .query import Compiler, check_page_size, order_pages, parse_sorts, resume_index
from .seed import LEADSCORE_SCHEMA, PEOPLE

CLIENT_LOGGER = logging.getLogger("tests.notion_fake.client")
CLIENT_LOGGER.addHandler(logging.NullHandler())  # notion-client warns on every failed call: keep stderr clean
NOTION_VERSION = "2025-09-03"
JSON_CONTENT_TYPE = "application/json; charset=utf-8"
ARCHIVED_MESSAGE = "Can't edit block that is archived. You must unarchive the block before editing."
MISSING_VERSION_MESSAGE = (
    "Notion-Version header failed validation: Notion-Version header should be defined, "
    "instead was `undefined`."
)
FAULT_BODIES = {
    "500": (500, "internal_server_error", "Unexpected error occurred."),
    "503": (503, "service_unavailable", "Notion is unavailable. Try again later."),
    "504": (
        504,
        "gateway_timeout",
        "Notion timed out while attempting to complete this request. Please try again later.",
    ),
    "409": (409, "conflict_error", "Conflict occurred while saving. Please try again."),
    "429": (429, "rate_limited", "You have been rate limited. Please try again in a few minutes."),
}
BAD_GATEWAY_HTML = (
    b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
    b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>cloudflare</center>\r\n"
    b"</body>\r\n</html>\r\n"
)
PAGE_PATCH_KEYS = (
    "properties",
    "icon",
    "cover",
    "is_locked",
    "archived",
    "in_trash",
    "template",
    "erase_content",
)
QUERY_KEYS = ("filter", "sorts", "start_cursor", "page_size", "archived", "in_trash", "result_type")
DS_PATCH_KEYS = ("title", "icon", "properties", "in_trash", "archived", "parent", "description")
ROUTES: list[tuple[str, re.Pattern[str], str]] = [
    (method, re.compile(pattern), handler)
    for method, pattern, handler in (
        ("GET", r"/v1/databases/(?P<id>[^/]+)", "_api_get_database"),
        ("GET", r"/v1/data_sources/(?P<id>[^/]+)", "_api_get_data_source"),
        ("PATCH", r"/v1/data_sources/(?P<id>[^/]+)", "_api_patch_data_source"),
        ("POST", r"/v1/data_sources/(?P<id>[^/]+)/query", "_api_query"),
        ("GET", r"/v1/pages/(?P<id>[^/]+)", "_api_get_page"),
        ("PATCH", r"/v1/pages/(?P<id>[^/]+)", "_api_patch_page"),
        ("GET", r"/v1/users/me", "_api_me"),
        ("GET", r"/v1/users/(?P<id>[^/]+)", "_api_get_user"),
        ("GET", r"/v1/users", "_api_list_users"),
    )
]
Handler = Callable[[dict[str, str], dict[str, list[str]], Any], dict[str, Any]]


class LoggedRequest(NamedTuple):
    method: str
    path: str
    body: Any
    status: int


@dataclass
class Reply:
    status: int
    body: bytes = b""
    content_type: str = JSON_CONTENT_TYPE
    headers: dict[str, str] = field(default_factory=dict)
    delay: float = 0.0
    drop: bool = False


def _json_bytes(payload: Any) -> bytes:
    return json.dumps(payload, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def _error_reply(error: NotionError, headers: dict[str, str] | None = None) -> Reply:
    return Reply(error.status, _json_bytes(error.body(str(uuid.uuid4()))), headers=headers or {})


def _reject_constant(name: str) -> Any:
    raise ValueError(f"invalid JSON constant {name}")


class FakeNotion:
    """The fake Notion workspace (one database with one data source) and its HTTP server."""

    def __init__(
        self,
        token: str = "secret_test",
        *,
        rate_limit: float | None = None,
        burst: int = 3,
        schema: Mapping[str, Any] | None = None,
        seed: int | str | None = 0,
        clock: FakeClock | Callable[[], datetime] | None = None,
        title: str = "Vet Practices",
        host: str = "127.0.0.1",
        port: int = 0,
        slow_seconds: float = 2.0,
    ) -> None:
        self.token = token
        self.clock = clock if isinstance(clock, FakeClock) else FakeClock(clock)
        self.faults = Faults(slow_seconds)
        self.bucket = TokenBucket(rate_limit, burst) if rate_limit else None
        self.internal_errors: list[str] = []
        self._lock = threading.RLock()
        self._ids = IdFactory(seed)
        self._host, self._port = host, port
        self._httpd: _Server | None = None
        self._thread: threading.Thread | None = None
        self._init_workspace(title)
        self.set_schema(LEADSCORE_SCHEMA if schema is None else schema)

    def _init_workspace(self, title: str) -> None:
        self.workspace_id = self._ids.uuid4()
        self.users = self._make_users()
        self.bot_id = next(iter(self.users))
        self.person_id = list(self.users)[1]
        self.database_id = self._ids.uuid4()
        self.data_source_id = self._ids.workspace_id()
        self.parent_page_id = self._ids.workspace_id()
        self._title_items = [text_item(title)]
        self._created = self.clock()
        self._ds_edited = self._created
        self._ds_in_trash = False
        self._schema = Schema(self._ids)
        self._pages: dict[str, Page] = {}
        self._seq = 0
        self._cursors: OrderedDict[str, tuple[str, tuple[tuple, int]]] = OrderedDict()
        self._log: list[LoggedRequest] = []
        self.users_readable = True  # False: the integration lacks "Read user information" (partial users)
        self._sources: list[FakeNotion] = [self]  # the database's data sources, in the order Notion lists them

    def _make_users(self) -> dict[str, dict[str, Any]]:
        bot = {
            "object": "user",
            "id": self._ids.uuid4(),
            "name": "Leadscore (fake)",
            "avatar_url": None,
            "type": "bot",
            "bot": {
                "owner": {"type": "workspace", "workspace": True},
                "workspace_name": "Vet Practices (fake)",
                "workspace_id": self.workspace_id,
                "workspace_limits": {"max_file_upload_size_in_bytes": 5242880},
            },
        }
        users = {bot["id"]: bot}
        for name, email in PEOPLE:
            uid = self._ids.uuid4()
            users[uid] = {
                "object": "user",
                "id": uid,
                "name": name,
                "avatar_url": None,
                "type": "person",
                "person": {"email": email},
            }
        return users

    # ------------------------------------------------------------------------------ lifecycle

    def start(self) -> FakeNotion:
        if self._httpd is None:
            self._httpd = _Server((self._host, self._port), self)
            self._thread = threading.Thread(
                target=self._httpd.serve_forever,
                kwargs={"poll_interval": 0.05},
                name="fake-notion",
                daemon=True,
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

    def __enter__(self) -> FakeNotion:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._httpd is None:
            raise RuntimeError("FakeNotion is not started: call start() or use it as a context manager")
        host, port = self._httpd.server_address[:2]
        return f"http://{host}:{port}"

    def client(self, **options: Any) -> Any:
        """A ``notion_client.Client`` for this server; ``options`` go to ``Client`` as keyword arguments."""
        from notion_client import Client

        options.setdefault("auth", self.token)
        options.setdefault("base_url", self.base_url)
        options.setdefault("logger", CLIENT_LOGGER)
        return Client(**options)

    # ------------------------------------------------------------------------------ Python API

    def set_schema(self, spec: Mapping[str, Any]) -> None:
        """Replace the data source's properties (see the module docstring for the spec forms)."""
        with self._lock:
            new = Schema(self._ids)
            for name, item in spec.items():
                type_, config = _parse_spec(name, item)
                old = self._schema.props.get(name)
                if old is not None and old.type == type_:
                    prop = copy.deepcopy(old)
                    if config is not None:
                        prop.config = new.build_config(prop, config, f"schema.{name}")
                    new.props[name] = prop
                else:
                    new.add(name, type_, config, f"schema.{name}")
            if not any(p.type == "title" for p in new):
                raise NotionError(400, "validation_error", "A data source needs exactly one title property.")
            self._commit_schema(new, {})

    def add_page(
        self,
        values: Mapping[str, Any] | None = None,
        *,
        created_time: datetime | None = None,
        last_edited_time: datetime | None = None,
        in_trash: bool = False,
    ) -> str:
        """Create a page from plain Python values (or raw Notion property values); returns its id."""
        with self._lock:
            created = as_utc(created_time) if created_time else self.clock()
            self._seq += 1
            page = Page(
                id=self._ids.workspace_id(),
                seq=self._seq,
                created=created,
                edited=as_utc(last_edited_time) if last_edited_time else created,
                created_by=self.person_id,
                edited_by=self.person_id,
                values={p.id: empty_value(p.type) for p in self._schema},
                in_trash=in_trash,
            )
            page.values.update(self._stage_plain(values or {}))
            self._pages[page.id] = page
            return page.id

    def add_data_source(
        self, title: str = "Archive", schema: Mapping[str, Any] | None = None, *, first: bool = False
    ) -> FakeNotion:
        """Another data source of this database (API 2025-09-03: a database may have several). Returns
        a fake for it (same server, token, users, faults and log; not started on its own): use its
        ``add_page``/``plain``/``data_source_id``. ``first`` lists it before the others, as an archive
        made first would be."""
        with self._lock:
            child = FakeNotion(
                self.token, schema=schema, seed=f"{self._ids.prefix}-{len(self._sources)}", clock=self.clock,
                title=title,
            )
            child._lock = self._lock
            child.users, child.bot_id, child.person_id = self.users, self.bot_id, self.person_id
            child.workspace_id, child.database_id, child.parent_page_id = (
                self.workspace_id, self.database_id, self.parent_page_id,
            )
            self._sources.insert(0 if first else len(self._sources), child)
            return child

    def edit_upstream(self, page_id: str, values: Mapping[str, Any]) -> None:
        """Someone else edits the page in Notion: values change and ``last_edited_time`` moves."""
        with self._lock:
            page = self._page_or_key_error(page_id)
            page.values.update(self._stage_plain(values))
            self._bump(page, self.person_id)

    def trash_page(self, page_id: str) -> None:
        self._set_trash(page_id, True)

    def restore_page(self, page_id: str) -> None:
        self._set_trash(page_id, False)

    def delete_page(self, page_id: str) -> None:
        """Remove the page for good: every endpoint answers 404 ``object_not_found`` for it."""
        with self._lock:
            self._pages.pop(self._page_or_key_error(page_id).id)

    def page(self, page_id: str) -> dict[str, Any]:
        with self._lock:
            return self._render_page(self._page_or_key_error(page_id))

    def plain(self, page_id: str) -> dict[str, Any]:
        """``{property name: plain Python value}`` (text as str, options as names, people as names)."""
        with self._lock:
            page = self._page_or_key_error(page_id)
            return {p.name: to_plain(p, page.values.get(p.id), page, self.users) for p in self._schema}

    def page_ids(self, include_trashed: bool = False) -> list[str]:
        with self._lock:
            return [p.id for p in self._pages.values() if include_trashed or not p.in_trash]

    def data_source(self) -> dict[str, Any]:
        with self._lock:
            return self._render_data_source()

    def database(self) -> dict[str, Any]:
        with self._lock:
            return self._render_database()

    def options(self, prop_name: str) -> list[str]:
        with self._lock:
            return [o["name"] for o in self._schema.props[prop_name].options]

    @property
    def requests(self) -> list[LoggedRequest]:
        with self._lock:
            return list(self._log)

    def count(
        self, method: str | None = None, path_prefix: str | None = None, status: int | None = None
    ) -> int:
        with self._lock:
            return sum(
                1
                for r in self._log
                if (method is None or r.method == method.upper())
                and (path_prefix is None or r.path.startswith(path_prefix))
                and (status is None or r.status == status)
            )

    @property
    def rate_limited(self) -> int:
        return self.count(status=429)

    def reset_log(self) -> None:
        with self._lock:
            self._log.clear()
        self.faults.forget()

    # ------------------------------------------------------------------------------ state helpers

    def _page_or_key_error(self, page_id: str) -> Page:
        page = self._pages.get(normalize_id(page_id, "page_id"))
        if page is None:
            raise KeyError(f"no page {page_id} (deleted or never created)")
        return page

    def _set_trash(self, page_id: str, in_trash: bool) -> None:
        with self._lock:
            page = self._page_or_key_error(page_id)
            page.in_trash = in_trash
            self._bump(page, self.person_id)

    def _bump(self, page: Page, user_id: str) -> None:
        page.edited = self.clock()
        page.edited_by = user_id

    def _stage_plain(self, values: Mapping[str, Any]) -> dict[str, Any]:
        raws = {}
        for key, value in values.items():
            prop = self._schema.get(key)
            if prop is None:
                raise validation_error(f"{key} is not a property that exists.")
            raws[key] = from_plain(prop, value, self.users)
        return self._stage(raws, upstream=True)

    def _stage(self, raws: Mapping[str, Any], *, upstream: bool = False) -> dict[str, Any]:
        """Validate every value first (no side effects), then convert them (creating new options).
        ``upstream``: Notion or a person sets them (computed formula and rollup results are allowed)."""
        resolved: list[tuple[Prop, Any, str]] = []
        for key, raw in raws.items():
            prop = self._schema.get(key)
            if prop is None:
                raise validation_error(f"{key} is not a property that exists.")
            resolved.append((prop, raw, key))
        dry = Writer(self._schema, self.users, create_options=False, upstream=upstream)
        for prop, raw, key in resolved:
            dry.write(prop, raw, key)
        real = Writer(self._schema, self.users, create_options=True, upstream=upstream)
        return {prop.id: real.write(prop, raw, key) for prop, raw, key in resolved}

    def _commit_schema(self, new: Schema, converted: dict[str, Prop]) -> None:
        """Install a new schema and bring every page in line (removed props, deleted options, conversions)."""
        self._schema = new
        ids = {p.id for p in new}
        for page in self._pages.values():
            for pid in [k for k in page.values if k not in ids]:
                del page.values[pid]
            for prop in new:
                if prop.id in converted:
                    page.values[prop.id] = self._convert(converted[prop.id], prop, page)
                elif prop.id not in page.values:
                    page.values[prop.id] = empty_value(prop.type)
                elif prop.type in OPTION_TYPES:
                    page.values[prop.id] = _drop_dangling(prop, page.values[prop.id])

    def _convert(self, old: Prop, new: Prop, page: Page) -> Any:
        """Best-effort value conversion when a property changes type (empty when it can't)."""
        plain = to_plain(old, page.values.get(old.id), page, self.users)
        if isinstance(plain, list) and new.type in ("title", "rich_text", "select", "status"):
            plain = ", ".join(str(v) for v in plain) or None
        try:
            raw = from_plain(new, plain, self.users)
            return Writer(self._schema, self.users, create_options=True).write(new, raw, new.name)
        except (NotionError, TypeError, ValueError):
            return empty_value(new.type)

    # ------------------------------------------------------------------------------ rendering

    def _visible_users(self) -> Mapping[str, dict[str, Any]]:
        """Users as this integration sees them: without the "Read user information" capability Notion
        sends partial users, ``{"object": "user", "id": …}`` — no name, no email."""
        if self.users_readable:
            return self.users
        return {uid: {"object": "user", "id": uid} for uid in self.users}

    def _render_page(self, page: Page, only: set[str] | None = None) -> dict[str, Any]:
        props = {}
        users = self._visible_users()
        for prop in self._schema:
            if only is not None and prop.id not in only and prop.name not in only:
                continue
            stored = page.values.get(prop.id, empty_value(prop.type))
            value = render_value(prop, stored, page, users)
            props[prop.name] = {"id": prop.id, "type": prop.type, prop.type: value}
            if prop.type == "relation":  # Notion lists at most 25 references; has_more says there are more
                props[prop.name]["has_more"] = len(stored or []) > len(value)
        return {
            "object": "page",
            "id": page.id,
            "created_time": fmt_minute(page.created),
            "last_edited_time": fmt_minute(page.edited),
            "created_by": {"object": "user", "id": page.created_by},
            "last_edited_by": {"object": "user", "id": page.edited_by},
            "cover": copy.deepcopy(page.cover),
            "icon": copy.deepcopy(page.icon),
            "parent": {
                "type": "data_source_id",
                "data_source_id": self.data_source_id,
                "database_id": self.database_id,
            },
            "in_trash": page.in_trash,
            "is_archived": False,
            "is_locked": page.is_locked,
            "properties": props,
            "url": self._page_url(page),
            "public_url": None,
            "archived": page.in_trash,
        }

    def _page_url(self, page: Page) -> str:
        title = plain_text(page.values.get(self._schema.title().id) or [])
        slug = re.sub(r"[^A-Za-z0-9]+", "-", title).strip("-")
        return f"https://app.notion.com/p/{slug + '-' if slug else ''}{compact(page.id)}"

    def _render_data_source(self) -> dict[str, Any]:
        bot = {"object": "user", "id": self.bot_id}
        return {
            "object": "data_source",
            "id": self.data_source_id,
            "cover": None,
            "icon": None,
            "created_time": fmt_minute(self._created),
            "created_by": bot,
            "last_edited_by": bot,
            "last_edited_time": fmt_minute(self._ds_edited),
            "title": copy.deepcopy(self._title_items),
            "description": [],
            "is_inline": False,
            "properties": self._schema.render(),
            "parent": {"type": "database_id", "database_id": self.database_id},
            "database_parent": {"type": "page_id", "page_id": self.parent_page_id},
            "url": f"https://app.notion.com/p/{compact(self.database_id)}",
            "public_url": None,
            "in_trash": self._ds_in_trash,
            "archived": self._ds_in_trash,
        }

    def _render_database(self) -> dict[str, Any]:
        return {
            "object": "database",
            "id": self.database_id,
            "title": copy.deepcopy(self._title_items),
            "description": [],
            "parent": {"type": "page_id", "page_id": self.parent_page_id},
            "is_inline": False,
            "in_trash": False,
            "is_locked": False,
            "created_time": fmt_millis(self._created),
            "last_edited_time": fmt_millis(self._ds_edited),
            "data_sources": [{"id": f.data_source_id, "name": plain_text(f._title_items)} for f in self._sources],
            "icon": None,
            "cover": None,
            "url": f"https://app.notion.com/p/{compact(self.database_id)}",
            "public_url": None,
            "archived": False,
        }

    # ------------------------------------------------------------------------------ HTTP

    def _respond(self, method: str, target: str, headers: Message, raw: bytes) -> Reply:
        """Answer one HTTP request (called by the handler thread)."""
        url = urlsplit(target)
        body, body_error_ = _parse_body(raw)
        try:
            reply = self._answer(method, url.path, parse_qs(url.query), headers, body, body_error_)
        except NotionError as error:
            reply = _error_reply(error)
        except Exception:  # a bug in the fake: answer like Notion would, and keep the traceback
            self.internal_errors.append(traceback.format_exc())
            reply = _error_reply(NotionError(500, "internal_server_error", "Unexpected error occurred."))
        with self._lock:
            self._log.append(LoggedRequest(method, url.path, body, 0 if reply.drop else reply.status))
        return reply

    def _answer(
        self,
        method: str,
        path: str,
        query: dict[str, list[str]],
        headers: Message,
        body: Any,
        body_error_: NotionError | None,
    ) -> Reply:
        name, params = self._route(method, path)
        if headers.get("Authorization") != f"Bearer {self.token}":
            raise NotionError(401, "unauthorized", "API token is invalid.")
        if not headers.get("Notion-Version"):
            raise NotionError(400, "missing_version", MISSING_VERSION_MESSAGE)
        wait = self.bucket.take() if self.bucket else 0
        if wait:
            return _error_reply(NotionError(*FAULT_BODIES["429"]), {"Retry-After": str(wait)})
        fault = self.faults.pick(method, path)
        if fault in ERROR_FAULTS:
            return _fault_reply(fault, self.faults.retry_after)
        if fault == "drop":
            return Reply(0, drop=True)
        if body_error_ is not None and method in ("POST", "PATCH"):
            raise body_error_
        with self._lock:
            handler = getattr(self._owner(name, params), name)
            result = handler(params, query, body if body is not None else {})
        reply = Reply(200, _json_bytes({**result, "request_id": str(uuid.uuid4())}))
        reply.delay = self.faults.slow_seconds if fault == "slow" else 0.0
        reply.drop = fault == "drop_after_apply"
        return reply

    def _route(self, method: str, path: str) -> tuple[str, dict[str, str]]:
        for route_method, pattern, name in ROUTES:
            match = pattern.fullmatch(path)
            if match and route_method == method:
                return name, match.groupdict()
        raise NotionError(400, "invalid_request_url", "Invalid request URL.")

    def _owner(self, handler: str, params: dict[str, str]) -> FakeNotion:
        """The data source (this fake or one added with ``add_data_source``) a request is about."""
        if len(self._sources) == 1 or "id" not in params:
            return self
        if "data_source" in handler or "query" in handler:
            try:
                wanted = normalize_id(params["id"], "data_source_id")
            except NotionError:
                return self
            return next((f for f in self._sources if f.data_source_id == wanted), self)
        if "page" in handler:
            try:
                wanted = normalize_id(params["id"], "page_id")
            except NotionError:
                return self
            return next((f for f in self._sources if wanted in f._pages), self)
        return self

    # ------------------------------------------------------------------------------ endpoints

    def _api_get_database(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        if normalize_id(params["id"], "database_id") != self.database_id:
            raise _not_found("database", params["id"])
        return self._render_database()

    def _api_get_data_source(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        self._check_data_source(params["id"])
        return self._render_data_source()

    def _api_patch_data_source(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        self._check_data_source(params["id"])
        _check_keys(_object(body), DS_PATCH_KEYS)
        title = validate_rich_text(body["title"], "body.title") if "title" in body else None
        trash = _trash_flag(body)
        if "properties" in body:
            self._update_schema(body["properties"])  # validates everything before changing anything
        if title is not None:
            self._title_items = title
        if trash is not None:
            self._ds_in_trash = trash
        self._ds_edited = self.clock()
        return self._render_data_source()

    def _api_query(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        self._check_data_source(params["id"])
        _check_keys(_object(body), QUERY_KEYS)
        for key, expected in (("filter", "an object or `undefined`"), ("sorts", "an array or `undefined`")):
            if key in body and body[key] is None:
                raise body_error(f"body.{key}", expected, None)
        predicate = Compiler(self._schema, self.users).compile(body["filter"]) if "filter" in body else None
        spec = parse_sorts(body.get("sorts", []), self._schema)
        size = check_page_size(body.get("page_size"))
        pages = [p for p in self._pages.values() if not p.in_trash and (predicate is None or predicate(p))]
        ordered = order_pages(pages, spec, self._schema, self.users)
        signature = json.dumps(spec)
        start = (
            self._cursor_start(body.get("start_cursor"), signature, ordered, spec)
            if "start_cursor" in body
            else 0
        )
        chunk = ordered[start : start + size]
        has_more = start + size < len(ordered)
        next_cursor = self._issue_cursor(signature, ordered[start + size][1]) if has_more else None
        only = set(query["filter_properties"]) if "filter_properties" in query else None
        return {
            "object": "list",
            "results": [self._render_page(p, only) for p, _ in chunk],
            "next_cursor": next_cursor,
            "has_more": has_more,
            "type": "page_or_data_source",
            "page_or_data_source": {},
        }

    def _cursor_start(self, cursor: Any, signature: str, ordered: list, spec: Any) -> int:
        if not isinstance(cursor, str):
            raise body_error("body.start_cursor", "a string or `undefined`", cursor)
        saved = self._cursors.get(cursor)
        if saved is None or saved[0] != signature:
            raise validation_error(f"start_cursor provided is invalid: {cursor}")
        return resume_index(ordered, spec, saved[1])

    def _issue_cursor(self, signature: str, anchor: tuple[tuple, int]) -> str:
        token = str(uuid.uuid4())
        self._cursors[token] = (signature, anchor)
        while len(self._cursors) > 10_000:
            self._cursors.popitem(last=False)
        return token

    def _api_get_page(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        page = self._page_or_404(params["id"])
        only = set(query["filter_properties"]) if "filter_properties" in query else None
        return self._render_page(page, only)

    def _api_patch_page(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        page = self._page_or_404(params["id"])
        _check_keys(_object(body), PAGE_PATCH_KEYS)
        trash = _trash_flag(body)
        if page.in_trash and trash is not False:
            if trash is True and set(body) <= {"in_trash", "archived"}:
                return self._render_page(page)
            raise validation_error(ARCHIVED_MESSAGE)
        properties = body.get("properties", {})
        if not isinstance(properties, dict):
            raise body_error("body.properties", "an object", properties)
        if not isinstance(body.get("is_locked", False), bool):
            raise body_error("body.is_locked", "a boolean", body["is_locked"])
        staged = self._stage(properties)  # validates every value before changing anything
        page.values.update(staged)
        self._apply_page_fields(page, body, trash)
        self._bump(page, self.bot_id)
        return self._render_page(page)

    def _apply_page_fields(self, page: Page, body: dict, trash: bool | None) -> None:
        if trash is not None:
            page.in_trash = trash
        if "is_locked" in body:
            page.is_locked = body["is_locked"]
        for key in ("icon", "cover"):
            if key in body:
                setattr(page, key, copy.deepcopy(body[key]))

    def _api_me(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        return copy.deepcopy(self.users[self.bot_id])

    def _api_get_user(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        uid = normalize_id(params["id"], "user_id")
        if uid not in self.users:
            raise _not_found("user", params["id"])
        return copy.deepcopy(self.users[uid])

    def _api_list_users(self, params: dict[str, str], query: dict[str, list[str]], body: Any) -> dict:
        return {
            "object": "list",
            "results": copy.deepcopy(list(self.users.values())),
            "next_cursor": None,
            "has_more": False,
            "type": "user",
            "user": {},
        }

    # ------------------------------------------------------------------------------ endpoint helpers

    def _check_data_source(self, raw_id: str) -> None:
        if normalize_id(raw_id, "data_source_id") != self.data_source_id:
            raise _not_found("data_source", raw_id)

    def _page_or_404(self, raw_id: str) -> Page:
        page = self._pages.get(normalize_id(raw_id, "page_id"))
        if page is None:
            raise _not_found("page", raw_id)
        return page

    def _update_schema(self, changes: Any) -> None:
        """``PATCH /v1/data_sources/{id}`` properties: add, rename, retype, replace options, remove (null)."""
        if not isinstance(changes, dict):
            raise body_error("body.properties", "an object", changes)
        new = self._schema.clone()
        converted: dict[str, Prop] = {}
        for key, spec in changes.items():
            path = f"body.properties.{key}"
            prop = new.get(key)
            if spec is None:
                if prop is None:
                    raise validation_error(f"Could not find property with name or id: {key}")
                if prop.type == "title":
                    raise validation_error(f"Cannot delete the title property `{prop.name}`.")
                new.remove(prop)
            elif not isinstance(spec, dict):
                raise body_error(path, "an object or `null`", spec)
            else:
                self._apply_prop_spec(new, prop, key, spec, path, converted)
        self._commit_schema(new, converted)

    def _apply_prop_spec(
        self, new: Schema, prop: Prop | None, key: str, spec: dict, path: str, converted: dict[str, Prop]
    ) -> None:
        type_key = spec.get("type") or next((k for k in spec if k in PROPERTY_TYPES), None)
        if type_key is not None and type_key not in PROPERTY_TYPES:
            raise validation_error(
                f"body failed validation: {path}.type `{type_key}` is not supported by the fake."
            )
        name = spec.get("name")
        if name is not None and (not isinstance(name, str) or not name.strip()):
            raise body_error(f"{path}.name", "a non-empty string", name)
        if prop is None:
            if type_key is None:
                raise validation_error(f"Could not find property with name or id: {key}")
            new.add(name or key, type_key, spec.get(type_key), path)
            return
        if name and name != prop.name:
            new.rename(prop, name)
        if "description" in spec:
            prop.description = spec["description"]
        if type_key is None:
            return
        config = spec.get(type_key) or {}
        if type_key == "status" and isinstance(config, dict) and {"options", "groups"} & config.keys():
            # Notion: "It's not possible to update the name or options values of a status property via the API."
            raise validation_error(
                f"Cannot update the options of status property `{prop.name}` through the API; "
                "edit them in Notion."
            )
        if type_key != prop.type:
            if "title" in (type_key, prop.type):
                raise validation_error(f"Cannot change the type of the title property `{prop.name}`.")
            old = self._schema.get(prop.id)
            if old is not None:
                converted[prop.id] = old
            prop.type, prop.config = type_key, {}
            prop.config = new.build_config(prop, config, path)
        elif type_key not in OPTION_TYPES or "options" in config:
            prop.config = new.build_config(prop, config, path)


# ---------------------------------------------------------------------------------- module helpers


def _parse_spec(name: str, item: Any) -> tuple[str, Any]:
    if isinstance(item, str):
        type_, config = item, None
    elif isinstance(item, tuple | list) and len(item) == 2:
        type_, config = item
    elif isinstance(item, dict) and "type" in item:
        type_, config = item["type"], item.get(item["type"])
    else:
        raise ValueError(f"bad schema spec for {name!r}: {item!r}")
    if type_ not in PROPERTY_TYPES:
        raise ValueError(
            f"unsupported property type {type_!r} for {name!r}; supported: {', '.join(PROPERTY_TYPES)}"
        )
    return type_, config


def _drop_dangling(prop: Prop, stored: Any) -> Any:
    valid = {o["id"] for o in prop.options}
    if isinstance(stored, list):
        return [i for i in stored if i in valid]
    return stored if stored in valid else None


def _parse_body(raw: bytes) -> tuple[Any, NotionError | None]:
    if not raw.strip():
        return None, None
    try:
        return json.loads(raw.decode("utf-8"), parse_constant=_reject_constant), None
    except (UnicodeDecodeError, ValueError):
        return None, NotionError(400, "invalid_json", "Error parsing JSON body.")


def _object(body: Any) -> dict:
    if not isinstance(body, dict):
        raise body_error("body", "an object", body)
    return body


def _check_keys(body: dict, allowed: tuple[str, ...]) -> None:
    for key, value in body.items():
        if key not in allowed:
            raise validation_error(
                f"body failed validation: body.{key} should be not present, instead was `{js(value)}`."
            )


def _trash_flag(body: dict) -> bool | None:
    flags = {k: body[k] for k in ("in_trash", "archived") if k in body}
    for key, value in flags.items():
        if not isinstance(value, bool):
            raise body_error(f"body.{key}", "a boolean", value)
    if len(set(flags.values())) > 1:
        raise validation_error("body failed validation: body.archived and body.in_trash disagree.")
    return next(iter(flags.values()), None)


def _not_found(kind: str, raw_id: str) -> NotionError:
    return NotionError(
        404,
        "object_not_found",
        f"Could not find {kind} with ID: {raw_id}. "
        "Make sure the relevant pages and databases are shared with your integration.",
    )


def _fault_reply(kind: str, retry_after: int = 1) -> Reply:
    if kind == "502":
        return Reply(502, BAD_GATEWAY_HTML, content_type="text/html")
    status, code, message = FAULT_BODIES[kind]
    headers = {"Retry-After": str(retry_after)} if kind == "429" else None
    return _error_reply(NotionError(status, code, message), headers)


# ---------------------------------------------------------------------------------- HTTP plumbing


class _Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    disable_nagle_algorithm = True  # else Nagle + delayed ACK add ~40 ms to every keep-alive answer
    wbufsize = 1 << 16  # headers and body leave in one write (flushed after each request)
    server_version = "FakeNotion/1.0"
    sys_version = ""
    server: _Server

    def do_GET(self) -> None:
        self._serve()

    do_POST = do_PATCH = do_DELETE = do_PUT = do_GET

    def _serve(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        raw = self.rfile.read(length) if length > 0 else b""
        reply = self.server.fake._respond(self.command, self.path, self.headers, raw)
        if reply.drop:
            self.close_connection = True
            with suppress(OSError):
                self.connection.shutdown(socket.SHUT_RDWR)
            return
        if reply.delay:
            time.sleep(reply.delay)
        try:
            self.send_response(reply.status)
            self.send_header("Content-Type", reply.content_type)
            self.send_header("Content-Length", str(len(reply.body)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(reply.body)
            self.wfile.flush()
        except OSError:  # the client gave up (timeout) before we answered
            self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False
    allow_reuse_address = True

    def __init__(self, address: tuple[str, int], fake: FakeNotion) -> None:
        self.fake = fake
        super().__init__(address, _Handler)

    def handle_error(self, request: Any, client_address: Any) -> None:
        if isinstance(sys.exc_info()[1], OSError):
            return  # a client closed its connection: not our problem
        super().handle_error(request, client_address)
