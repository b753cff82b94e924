"""Notion object model used by the fake server: ids, timestamps, rich text, schema, property values.

Everything here is plain data plus pure functions; locking and HTTP live in ``server.py``.
Validation failures raise :class:`NotionError`, which the server turns into Notion's error body
``{"object": "error", "status": .., "code": .., "message": .., "request_id": ..}``.
"""

from __future__ import annotations

import copy
import json
import math
import random
import re
import string
import uuid
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from typing import Any
from urllib.parse import quote

JSON = Any

COLORS = ("default", "gray", "brown", "orange", "yellow", "green", "blue", "purple", "pink", "red")
WRITABLE_TYPES = (
    "title",
    "rich_text",
    "number",
    "select",
    "multi_select",
    "status",
    "checkbox",
    "url",
    "phone_number",
    "email",
    "date",
    "people",
    "relation",  # page references into another data source (Notion's page-property-values#relation)
)
READ_ONLY_TYPES = ("created_time", "last_edited_time")
# Values Notion computes (a formula's result, a rollup over related pages): the fake cannot compute
# them, so tests set them (``add_page``/``edit_upstream``) in the shape Notion returns; API writes
# are refused as Notion refuses them.
COMPUTED_TYPES = ("formula", "rollup")
LINK_TYPES = ("relation",)
PROPERTY_TYPES = WRITABLE_TYPES + READ_ONLY_TYPES + COMPUTED_TYPES + LINK_TYPES
OPTION_TYPES = ("select", "multi_select", "status")
TEXT_TYPES = ("title", "rich_text", "url", "phone_number", "email")
LIST_TYPES = ("title", "rich_text", "multi_select", "people", "relation")
FORMULA_RESULTS = ("string", "number", "boolean", "date")
ROLLUP_RESULTS = ("number", "date", "array", "incomplete", "unsupported")
RELATION_LIMIT = 100  # page references a request may set (Notion's limit)
RELATION_SHOWN = 25  # references a page object lists; the rest are behind has_more (Notion's limit)

TEXT_CONTENT_LIMIT = 2000
RICH_TEXT_ITEMS_LIMIT = 100
OPTION_NAME_LIMIT = 100
MULTI_SELECT_LIMIT = 100
URL_LIMIT = 2000
ANNOTATION_DEFAULTS: dict[str, Any] = {
    "bold": False,
    "italic": False,
    "strikethrough": False,
    "underline": False,
    "code": False,
    "color": "default",
}
STATUS_GROUPS = (("To-do", "gray"), ("In progress", "blue"), ("Complete", "green"))
DEFAULT_STATUS = ("Not started", "In progress", "Done")


class NotionError(ValueError):
    """An API error: HTTP status, Notion error ``code`` and message (raised by the Python API too)."""

    def __init__(self, status: int, code: str, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.code = code
        self.message = message

    def body(self, request_id: str) -> dict[str, Any]:
        return {
            "object": "error",
            "status": self.status,
            "code": self.code,
            "message": self.message,
            "request_id": request_id,
        }


def validation_error(message: str) -> NotionError:
    return NotionError(400, "validation_error", message)


def body_error(path: str, expectation: str, value: Any) -> NotionError:
    """Notion's wording: ``body failed validation: <path> should be <x>, instead was `<json>`.``"""
    return validation_error(
        f"body failed validation: {path} should be {expectation}, instead was `{js(value)}`."
    )


def js(value: Any) -> str:
    return "undefined" if value is _UNDEFINED else json.dumps(value, ensure_ascii=False)


_UNDEFINED = object()


def utf16_len(text: str) -> int:
    """Length as Notion (JavaScript) counts it: UTF-16 code units, so an emoji counts 2."""
    return len(text.encode("utf-16-le")) // 2


# --------------------------------------------------------------------------------------------- ids


class IdFactory:
    """Deterministic ids shaped like Notion's (seeded, so seeded servers get the same ids)."""

    _PROP_ID_CHARS = string.ascii_letters + string.digits + ":;<=>?@[]^_`{|}~"

    def __init__(self, seed: int | str | None) -> None:
        self._rng = random.Random(seed)
        self.prefix = self._hex(12)
        self._used_prop_ids: set[str] = {"title"}

    def _hex(self, n: int) -> str:
        return "".join(self._rng.choice("0123456789abcdef") for _ in range(n))

    def workspace_id(self) -> str:
        """Page / data-source ids: ``393abc1e-edcd-81e9-afca-e7cba9d39cff`` (workspace prefix, version 8)."""
        p = self.prefix
        return f"{p[:8]}-{p[8:]}-8{self._hex(3)}-{self._rng.choice('89ab')}{self._hex(3)}-{self._hex(12)}"

    def uuid4(self) -> str:
        """Database / option ids: random version-4 UUIDs."""
        return str(uuid.UUID(int=self._rng.getrandbits(128), version=4))

    def property_id(self) -> str:
        """Short URL-encoded property ids such as ``%3AUPp`` or ``BJXS``."""
        while True:
            raw = "".join(self._rng.choice(self._PROP_ID_CHARS) for _ in range(4))
            pid = quote(raw, safe="")
            if pid not in self._used_prop_ids:
                self._used_prop_ids.add(pid)
                return pid

    def choice(self, seq: list[Any] | tuple[Any, ...]) -> Any:
        return self._rng.choice(seq)


def is_uuid(raw: Any) -> bool:
    if not isinstance(raw, str) or len(raw.replace("-", "")) != 32:
        return False
    try:
        uuid.UUID(raw)
    except ValueError:
        return False
    return True


def normalize_id(raw: str, what: str) -> str:
    """Accept ids with or without dashes; reject anything that is not a UUID like Notion does."""
    if not is_uuid(raw):
        raise validation_error(
            f"path failed validation: path.{what} should be a valid uuid, instead was `{js(raw)}`."
        )
    return str(uuid.UUID(raw))


def compact(uid: str) -> str:
    return uid.replace("-", "")


# -------------------------------------------------------------------------------------- timestamps


def as_utc(moment: datetime) -> datetime:
    """Aware UTC datetime (a naive one is taken as UTC, not local time)."""
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


def minute_floor(moment: datetime) -> datetime:
    return moment.astimezone(UTC).replace(second=0, microsecond=0)


def fmt_minute(moment: datetime) -> str:
    """Pages and data sources: ``2026-07-04T09:08:00.000Z`` (rounded down to the minute)."""
    return minute_floor(moment).strftime("%Y-%m-%dT%H:%M:00.000Z")


def fmt_millis(moment: datetime) -> str:
    """Databases (as recorded): ``2026-07-04T09:08:57.778+00:00``."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def parse_iso(text: Any, path: str) -> tuple[datetime, bool]:
    """Parse an ISO 8601 date or date-time; returns (aware UTC datetime, is_date_only)."""
    if not isinstance(text, str):
        raise body_error(path, "a valid ISO 8601 date string", text)
    try:
        if re.fullmatch(r"\d{4}-\d{2}-\d{2}", text):
            return datetime.combine(date.fromisoformat(text), datetime.min.time(), UTC), True
        moment = datetime.fromisoformat(text)
    except ValueError:
        raise body_error(path, "a valid ISO 8601 date string", text) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(UTC), False


# -------------------------------------------------------------------------------------- rich text


def text_item(content: str, link: str | None = None, annotations: Mapping[str, Any] | None = None) -> dict:
    """A rich text object exactly as Notion returns it."""
    return {
        "type": "text",
        "text": {"content": content, "link": {"url": link} if link else None},
        "annotations": {**ANNOTATION_DEFAULTS, **(annotations or {})},
        "plain_text": content,
        "href": link,
    }


def split_text(text: str, limit: int = TEXT_CONTENT_LIMIT) -> list[str]:
    """Split long text into ≤ ``limit`` UTF-16-unit chunks (how Notion's UI stores long values)."""
    chunks: list[str] = []
    current: list[str] = []
    size = 0
    for char in text:
        width = utf16_len(char)
        if size + width > limit:
            chunks.append("".join(current))
            current, size = [], 0
        current.append(char)
        size += width
    if current:
        chunks.append("".join(current))
    return chunks


def validate_rich_text(raw: Any, path: str) -> list[dict]:
    if not isinstance(raw, list):
        raise body_error(path, "an array", raw)
    if len(raw) > RICH_TEXT_ITEMS_LIMIT:
        raise validation_error(
            f"body failed validation: {path}.length should be ≤ `{RICH_TEXT_ITEMS_LIMIT}`, "
            f"instead was `{len(raw)}`."
        )
    return [_rich_text_item(item, f"{path}[{i}]") for i, item in enumerate(raw)]


def _rich_text_item(item: Any, path: str) -> dict:
    if not isinstance(item, dict):
        raise body_error(path, "an object", item)
    kind = item.get("type", "equation" if "equation" in item and "text" not in item else "text")
    annotations = _annotations(item.get("annotations"), f"{path}.annotations")
    if kind == "equation":
        expression = (item.get("equation") or {}).get("expression")
        if not isinstance(expression, str):
            raise body_error(f"{path}.equation.expression", "a string", expression)
        return {
            "type": "equation",
            "equation": {"expression": expression},
            "annotations": annotations,
            "plain_text": expression,
            "href": None,
        }
    if kind != "text":
        raise validation_error(
            f"body failed validation: {path}.type `{kind}` is not supported by the fake server "
            "(only text and equation rich text are)."
        )
    text = item.get("text", _UNDEFINED)
    if not isinstance(text, dict):
        raise body_error(f"{path}.text", "an object" if text is not _UNDEFINED else "defined", text)
    content = text.get("content", _UNDEFINED)
    if not isinstance(content, str):
        raise body_error(
            f"{path}.text.content", "a string" if content is not _UNDEFINED else "defined", content
        )
    if utf16_len(content) > TEXT_CONTENT_LIMIT:
        raise validation_error(
            f"body failed validation: {path}.text.content.length should be ≤ "
            f"`{TEXT_CONTENT_LIMIT}`, instead was `{utf16_len(content)}`."
        )
    link = text.get("link")
    url = _link_url(link, f"{path}.text.link")
    return text_item(content, url, annotations)


def _link_url(link: Any, path: str) -> str | None:
    if link is None:
        return None
    if not isinstance(link, dict) or not isinstance(link.get("url"), str):
        raise body_error(f"{path}.url", "a string", link)
    if utf16_len(link["url"]) > URL_LIMIT:
        raise validation_error(
            f"body failed validation: {path}.url.length should be ≤ `{URL_LIMIT}`, "
            f"instead was `{utf16_len(link['url'])}`."
        )
    return link["url"]


def _annotations(raw: Any, path: str) -> dict[str, Any]:
    if raw is None:
        return dict(ANNOTATION_DEFAULTS)
    if not isinstance(raw, dict):
        raise body_error(path, "an object", raw)
    result = dict(ANNOTATION_DEFAULTS)
    for key, value in raw.items():
        if key not in ANNOTATION_DEFAULTS:
            raise validation_error(
                f"body failed validation: {path}.{key} should be not present, instead was `{js(value)}`."
            )
        if key == "color" and value not in _TEXT_COLORS:
            raise body_error(f"{path}.color", "a valid color", value)
        if key != "color" and not isinstance(value, bool):
            raise body_error(f"{path}.{key}", "a boolean", value)
        result[key] = value
    return result


_TEXT_COLORS = set(COLORS) | {f"{c}_background" for c in COLORS if c != "default"}


def plain_text(items: Iterable[dict]) -> str:
    return "".join(item.get("plain_text", "") for item in items)


# ----------------------------------------------------------------------------------------- schema


@dataclass
class Prop:
    """A data-source property; ``config`` is its type object (``{"options": [...]}``, ``{"format": ..}``)."""

    id: str
    name: str
    type: str
    config: dict[str, Any] = field(default_factory=dict)
    description: str | None = None

    def render(self) -> dict[str, Any]:
        return {
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "type": self.type,
            self.type: copy.deepcopy(self.config),
        }

    @property
    def options(self) -> list[dict[str, Any]]:
        return self.config.setdefault("options", [])

    def option_by_name(self, name: str) -> dict[str, Any] | None:
        return next((o for o in self.options if o["name"] == name), None)

    def option_by_id(self, option_id: str) -> dict[str, Any] | None:
        return next((o for o in self.options if o["id"] == option_id), None)

    def option_index(self, option_id: str | None) -> int | None:
        return next((i for i, o in enumerate(self.options) if o["id"] == option_id), None)


class Schema:
    """Ordered properties of the data source, addressable by name or by property id."""

    def __init__(self, ids: IdFactory) -> None:
        self.ids = ids
        self.props: dict[str, Prop] = {}

    def __iter__(self) -> Any:
        return iter(list(self.props.values()))

    def get(self, key: str) -> Prop | None:
        if key in self.props:
            return self.props[key]
        return next((p for p in self.props.values() if p.id == key), None)

    def title(self) -> Prop:
        return next(p for p in self.props.values() if p.type == "title")

    def render(self) -> dict[str, Any]:
        return {p.name: p.render() for p in self.props.values()}

    def clone(self) -> Schema:
        other = Schema(self.ids)
        other.props = copy.deepcopy(self.props)
        return other

    def add(self, name: str, type_: str, config: Any, path: str = "schema") -> Prop:
        if type_ not in PROPERTY_TYPES:
            raise validation_error(
                f"body failed validation: {path}.type `{type_}` is not supported by the fake."
            )
        if type_ == "title" and any(p.type == "title" for p in self.props.values()):
            raise validation_error("Cannot create a second title property: a data source has exactly one.")
        prop = Prop(id="title" if type_ == "title" else self.ids.property_id(), name=name, type=type_)
        prop.config = self.build_config(prop, config, path)
        self.props[name] = prop
        return prop

    def remove(self, prop: Prop) -> None:
        del self.props[prop.name]

    def rename(self, prop: Prop, new_name: str) -> None:
        if new_name in self.props and self.props[new_name] is not prop:
            raise validation_error(f"Property name `{new_name}` is already in use.")
        self.props = {(new_name if k == prop.name else k): v for k, v in self.props.items()}
        prop.name = new_name

    def build_config(self, prop: Prop, config: Any, path: str) -> dict[str, Any]:
        """Type object from a spec: ``{}``/None, a list of option names, or a Notion config object.

        Status also takes ``{"To-do": [...], "In progress": [...], "Complete": [...]}``; a plain list
        puts the first option in To-do, the last in Complete and the rest In progress.
        """
        config = {} if config is None else config
        if isinstance(config, list | tuple):
            config = {"options": list(config)}
        if not isinstance(config, dict):
            raise body_error(f"{path}.{prop.type}", "an object", config)
        if prop.type == "status" and config and not {"options", "groups"} & config.keys():
            config = {"options": config}
        if prop.type == "number":
            return {"format": config.get("format", "number")}
        if prop.type == "formula":
            return {"expression": str(config.get("expression", ""))}
        if prop.type == "rollup":
            # As Notion describes a rollup in a schema: which relation, which related property, which function.
            return {
                "function": config.get("function", "show_original"),
                "relation_property_name": config.get("relation_property_name", ""),
                "relation_property_id": config.get("relation_property_id", ""),
                "rollup_property_name": config.get("rollup_property_name", ""),
                "rollup_property_id": config.get("rollup_property_id", ""),
            }
        if prop.type == "relation":
            return relation_config(config, path)
        if prop.type == "status" and not prop.config.get("groups"):
            return self._status_config(prop, config.get("options") or DEFAULT_STATUS, path)
        if prop.type in OPTION_TYPES:
            result = {"options": self.replace_options(prop, config.get("options", []), f"{path}.{prop.type}")}
            if prop.type == "status":
                result["groups"] = self._groups_for(result["options"], prop.config.get("groups"))
            return result
        return {}

    def _status_config(self, prop: Prop, spec: Any, path: str) -> dict[str, Any]:
        """Status options from a list (first → To-do, last → Complete) or ``{group: [names]}``."""
        if isinstance(spec, dict):
            grouped = {g: list(names) for g, names in spec.items()}
        else:
            names = [o["name"] if isinstance(o, dict) else o for o in spec]
            grouped = {
                "To-do": names[:1],
                "In progress": names[1:-1],
                "Complete": names[-1:] if len(names) > 1 else [],
            }
        options = self.replace_options(prop, [{"name": n} for names in grouped.values() for n in names], path)
        by_name = {o["name"]: o["id"] for o in options}
        groups = [
            {
                "id": self.ids.uuid4(),
                "name": g,
                "color": dict(STATUS_GROUPS).get(g, "gray"),
                "option_ids": [by_name[n] for n in names],
            }
            for g, names in grouped.items()
        ]
        return {"options": options, "groups": groups}

    def _groups_for(self, options: list[dict], old_groups: list[dict] | None) -> list[dict]:
        groups = copy.deepcopy(old_groups) or [
            {"id": self.ids.uuid4(), "name": n, "color": c, "option_ids": []} for n, c in STATUS_GROUPS
        ]
        ids = [o["id"] for o in options]
        placed = {i for g in groups for i in g["option_ids"]}
        for group in groups:
            group["option_ids"] = [i for i in group["option_ids"] if i in ids]
        groups[0]["option_ids"] += [i for i in ids if i not in placed]
        return groups

    def replace_options(self, prop: Prop, specs: Any, path: str) -> list[dict[str, Any]]:
        """The new option list; options matched by id (or name) keep their id and colour."""
        if not isinstance(specs, list):
            raise body_error(f"{path}.options", "an array", specs)
        result: list[dict[str, Any]] = []
        for i, spec in enumerate(specs):
            spec = {"name": spec} if isinstance(spec, str) else spec
            if not isinstance(spec, dict):
                raise body_error(f"{path}.options[{i}]", "an object", spec)
            existing = (
                prop.option_by_id(spec["id"]) if "id" in spec else prop.option_by_name(spec.get("name", ""))
            )
            name = spec.get("name", existing["name"] if existing else _UNDEFINED)
            check_option_name(name, f"{path}.options[{i}].name", prop.name)
            if any(o["name"] == name for o in result):
                raise validation_error(f"Duplicate option name `{name}` in {path}.options.")
            color = spec.get("color", existing["color"] if existing else self.next_color(len(result)))
            if color not in COLORS:
                raise body_error(f"{path}.options[{i}].color", "a valid color", color)
            result.append(
                {
                    "id": existing["id"] if existing else self.ids.uuid4(),
                    "name": name,
                    "color": color,
                    "description": spec.get("description", existing.get("description") if existing else None),
                }
            )
        return result

    def new_option(self, prop: Prop, name: str) -> dict[str, Any]:
        option = {
            "id": self.ids.uuid4(),
            "name": name,
            "color": self.next_color(len(prop.options)),
            "description": None,
        }
        prop.options.append(option)
        if prop.type == "status":
            prop.config["groups"] = self._groups_for(prop.options, prop.config.get("groups"))
        return option

    @staticmethod
    def next_color(index: int) -> str:
        return COLORS[(index + 1) % len(COLORS)]


def check_option_name(name: Any, path: str, prop_name: str) -> None:
    if not isinstance(name, str):
        raise body_error(path, "a string" if name is not _UNDEFINED else "defined", name)
    if "," in name:
        raise validation_error(f"Invalid select option, commas not allowed: {name} (property `{prop_name}`)")
    if not name.strip():
        raise validation_error(
            f"body failed validation: {path} should be a non-empty string (property `{prop_name}`)."
        )
    if utf16_len(name) > OPTION_NAME_LIMIT:
        raise validation_error(
            f"body failed validation: {path}.length should be ≤ `{OPTION_NAME_LIMIT}`, "
            f"instead was `{utf16_len(name)}`."
        )


# ------------------------------------------------------------------------------------------- pages


@dataclass
class Page:
    """A page row. ``values`` are keyed by property id, in the stored form (see :func:`coerce`)."""

    id: str
    seq: int
    created: datetime
    edited: datetime
    created_by: str
    edited_by: str
    values: dict[str, Any] = field(default_factory=dict)
    in_trash: bool = False
    is_locked: bool = False
    icon: Any = None
    cover: Any = None


def empty_value(type_: str) -> Any:
    if type_ in LIST_TYPES:
        return []
    return False if type_ == "checkbox" else None


class Writer:
    """Validates request-shaped property values and turns them into stored values.

    With ``create_options=False`` nothing is mutated (a dry run, so a request that fails halfway
    leaves no new select options behind); the real pass creates unknown select options.
    """

    def __init__(
        self, schema: Schema, users: Mapping[str, dict], create_options: bool, *, upstream: bool = False
    ) -> None:
        self.schema = schema
        self.users = users
        self.create_options = create_options
        self.upstream = upstream  # Notion itself (a formula, a rollup) or a person, not the API

    def write(self, prop: Prop, raw: Any, name: str) -> Any:
        path = f"body.properties.{name}"
        if prop.type in READ_ONLY_TYPES or (prop.type in COMPUTED_TYPES and not self.upstream):
            raise validation_error(f"{name} is a {prop.type} property and cannot be updated.")
        if prop.type in COMPUTED_TYPES:
            return getattr(self, f"_w_{prop.type}")(prop, raw, path)
        if not isinstance(raw, dict):
            raise body_error(path, "an object", raw)
        sent = raw.get("type") or next((k for k in raw if k in PROPERTY_TYPES), None)
        if sent is None:
            raise validation_error(
                f"body failed validation. Fix one:\n{path}.{prop.type} should be defined, "
                "instead was `undefined`."
            )
        if sent != prop.type:
            raise validation_error(f"{name} is expected to be {prop.type}.")
        if sent not in raw:
            raise body_error(f"{path}.{sent}", "defined", _UNDEFINED)
        return getattr(self, f"_w_{prop.type}")(prop, raw[sent], f"{path}.{sent}")

    def _w_title(self, prop: Prop, raw: Any, path: str) -> list[dict]:
        return validate_rich_text(raw, path)

    _w_rich_text = _w_title

    def _w_number(self, prop: Prop, raw: Any, path: str) -> int | float | None:
        if raw is None:
            return None
        if isinstance(raw, bool) or not isinstance(raw, int | float) or not math.isfinite(raw):
            raise body_error(path, "a number or `null`", raw)
        return int(raw) if isinstance(raw, float) and raw.is_integer() and abs(raw) < 2**53 else raw

    def _w_checkbox(self, prop: Prop, raw: Any, path: str) -> bool:
        if not isinstance(raw, bool):
            raise body_error(path, "a boolean", raw)
        return raw

    def _w_url(self, prop: Prop, raw: Any, path: str) -> str | None:
        if raw is not None and not isinstance(raw, str):
            raise body_error(path, "a string or `null`", raw)
        if raw is not None and utf16_len(raw) > URL_LIMIT:
            raise validation_error(
                f"body failed validation: {path}.length should be ≤ `{URL_LIMIT}`, "
                f"instead was `{utf16_len(raw)}`."
            )
        return raw

    _w_email = _w_url
    _w_phone_number = _w_url

    def _w_date(self, prop: Prop, raw: Any, path: str) -> dict | None:
        if raw is None:
            return None
        if not isinstance(raw, dict):
            raise body_error(path, "an object or `null`", raw)
        parse_iso(raw.get("start"), f"{path}.start")
        if raw.get("end") is not None:
            parse_iso(raw["end"], f"{path}.end")
        return {"start": raw["start"], "end": raw.get("end"), "time_zone": raw.get("time_zone")}

    def _w_relation(self, prop: Prop, raw: Any, path: str) -> list[str]:
        """``[{"id": page_id}, …]`` → page ids (deduplicated, order kept)."""
        if not isinstance(raw, list):
            raise body_error(path, "an array", raw)
        if len(raw) > RELATION_LIMIT:
            raise validation_error(
                f"body failed validation: {path}.length should be ≤ `{RELATION_LIMIT}`, instead was `{len(raw)}`."
            )
        ids: list[str] = []
        for i, ref in enumerate(raw):
            if not isinstance(ref, dict) or not isinstance(ref.get("id"), str) or not is_uuid(ref["id"]):
                raise body_error(f"{path}[{i}].id", "a valid uuid", ref.get("id") if isinstance(ref, dict) else ref)
            pid = str(uuid.UUID(ref["id"]))
            if pid not in ids:
                ids.append(pid)
        return ids

    def _w_people(self, prop: Prop, raw: Any, path: str) -> list[str]:
        if not isinstance(raw, list):
            raise body_error(path, "an array", raw)
        ids: list[str] = []
        for i, user in enumerate(raw):
            if not isinstance(user, dict) or not isinstance(user.get("id"), str):
                raise body_error(f"{path}[{i}].id", "a string", user)
            if not is_uuid(user["id"]):
                raise body_error(f"{path}[{i}].id", "a valid uuid", user["id"])
            uid = str(uuid.UUID(user["id"]))
            if uid not in ids:
                ids.append(uid)
        return ids

    def _w_relation(self, prop: Prop, raw: Any, path: str) -> list[str]:
        if not isinstance(raw, list):
            raise body_error(path, "an array", raw)
        ids: list[str] = []
        for i, ref in enumerate(raw):
            if not isinstance(ref, dict) or not is_uuid(ref.get("id")):
                raise body_error(f"{path}[{i}].id", "a valid uuid", ref)
            ids.append(str(uuid.UUID(ref["id"])))
        return ids

    def _w_formula(self, prop: Prop, raw: Any, path: str) -> dict[str, Any]:
        """A formula's result as Notion returns it: ``{"type": "number", "number": 6}`` (or a plain value)."""
        while isinstance(raw, dict) and "formula" in raw:
            raw = raw["formula"]
        if not isinstance(raw, dict):
            kind = "boolean" if isinstance(raw, bool) else "number" if isinstance(raw, int | float) else "string"
            raw = {"type": kind, kind: raw if kind != "string" or raw is None else str(raw)}
        kind = raw.get("type")
        if kind not in FORMULA_RESULTS:
            raise body_error(f"{path}.type", f"one of {FORMULA_RESULTS}", kind)
        return {"type": kind, kind: copy.deepcopy(raw.get(kind))}

    def _w_rollup(self, prop: Prop, raw: Any, path: str) -> dict[str, Any]:
        """A rollup's result as Notion returns it (``{"type": "array", "array": [<property values>]}``,
        ``{"type": "number", "number": 6}``, ``{"type": "incomplete", "incomplete": {}}``…), or a plain
        number / list (items: property values, numbers or strings); the schema's function is added."""
        while isinstance(raw, dict) and "rollup" in raw:
            raw = raw["rollup"]
        function = prop.config.get("function", "show_original")
        if isinstance(raw, int | float) and not isinstance(raw, bool):
            raw = {"type": "number", "number": raw}
        elif isinstance(raw, list):
            raw = {"type": "array", "array": [_rollup_item(item) for item in raw]}
        if not isinstance(raw, dict) or raw.get("type") not in ROLLUP_RESULTS:
            raise body_error(f"{path}.type", f"one of {ROLLUP_RESULTS}", raw)
        kind = raw["type"]
        value = raw.get(kind, {} if kind in ("incomplete", "unsupported") else None)
        return {"type": kind, kind: copy.deepcopy(value), "function": raw.get("function", function)}

    def _w_select(self, prop: Prop, raw: Any, path: str) -> str | None:
        return None if raw is None else self._option(prop, raw, path)

    def _w_status(self, prop: Prop, raw: Any, path: str) -> str | None:
        if raw is None:
            return None
        if (
            isinstance(raw, dict)
            and "name" in raw
            and "id" not in raw
            and prop.option_by_name(raw["name"]) is None
        ):
            raise validation_error(
                f'Invalid status option. Status option "{raw["name"]}" does not exist '
                f"for property `{prop.name}`."
            )
        return self._option(prop, raw, path)

    def _w_multi_select(self, prop: Prop, raw: Any, path: str) -> list[str]:
        if not isinstance(raw, list):
            raise body_error(path, "an array", raw)
        if len(raw) > MULTI_SELECT_LIMIT:
            raise validation_error(
                f"body failed validation: {path}.length should be ≤ `{MULTI_SELECT_LIMIT}`, "
                f"instead was `{len(raw)}`."
            )
        ids: list[str] = []
        for i, item in enumerate(raw):
            option_id = self._option(prop, item, f"{path}[{i}]")
            if option_id not in ids:
                ids.append(option_id)
        return ids

    def _option(self, prop: Prop, raw: Any, path: str) -> str:
        if not isinstance(raw, dict):
            raise body_error(path, "an object", raw)
        if "id" in raw:
            option = prop.option_by_id(raw["id"])
            if option is None:
                raise validation_error(f"Invalid option id `{raw['id']}` for property `{prop.name}`.")
            return option["id"]
        name = raw.get("name", _UNDEFINED)
        check_option_name(name, f"{path}.name", prop.name)
        option = prop.option_by_name(name)
        if option is not None:
            return option["id"]
        if not self.create_options:
            return f"new:{name}"
        return self.schema.new_option(prop, name)["id"]


def _rollup_item(item: Any) -> dict[str, Any]:
    """One element of an array rollup: a property value without its id (Notion's shape)."""
    if isinstance(item, dict):
        return copy.deepcopy(item)
    if isinstance(item, bool):
        return {"type": "checkbox", "checkbox": item}
    if isinstance(item, int | float) or item is None:
        return {"type": "number", "number": item}
    return {"type": "rich_text", "rich_text": [text_item(str(item))]}


def from_plain(prop: Prop, value: Any, users: Mapping[str, dict]) -> dict[str, Any]:
    """Request-shaped value (``{"number": 6}``) from a plain Python value; raw Notion dicts pass through."""
    if prop.type in COMPUTED_TYPES:
        return {prop.type: value}
    if isinstance(value, dict) and (prop.type in value or "type" in value):
        return value
    if prop.type == "relation":
        return {"relation": [{"id": ref} for ref in _as_list(value)]}
    return {prop.type: _plain_to_raw(prop, value, users)}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list | tuple | set) else [value]


def _plain_to_raw(prop: Prop, value: Any, users: Mapping[str, dict]) -> Any:
    kind = prop.type
    if kind in ("title", "rich_text"):
        parts = [str(part) for part in _as_list(value)]
        return [{"text": {"content": chunk}} for part in parts for chunk in split_text(part)]
    if kind in ("select", "status"):
        return None if value is None else {"name": str(value)}
    if kind == "multi_select":
        return [{"name": str(n)} for n in _as_list(value)]
    if kind == "date":
        return _plain_date(value)
    if kind == "people":
        return [{"object": "user", "id": _user_id(str(ref), users)} for ref in _as_list(value)]
    if kind == "relation":
        return [{"id": str(ref)} for ref in _as_list(value)]
    return value


def _plain_date(value: Any) -> dict | None:
    if value is None or isinstance(value, dict):
        return value
    if isinstance(value, datetime):
        return {"start": value.isoformat()}
    if isinstance(value, date):
        return {"start": value.isoformat()}
    return {"start": str(value)}


def _user_id(ref: str, users: Mapping[str, dict]) -> str:
    for uid, user in users.items():
        if ref in (uid, user.get("name")):
            return uid
    return ref


def render_value(prop: Prop, stored: Any, page: Page, users: Mapping[str, dict]) -> Any:
    kind = prop.type
    if kind == "formula":
        return copy.deepcopy(stored) if stored else {"type": "string", "string": None}
    if kind == "rollup":
        function = prop.config.get("function", "show_original")
        return copy.deepcopy(stored) if stored else {"type": "array", "array": [], "function": function}
    if kind == "relation":
        return [{"id": pid} for pid in (stored or [])[:RELATION_SHOWN]]
    if kind in ("select", "status"):
        option = prop.option_by_id(stored) if stored else None
        return (
            None if option is None else {"id": option["id"], "name": option["name"], "color": option["color"]}
        )
    if kind == "multi_select":
        options = [prop.option_by_id(i) for i in stored or []]
        return [{"id": o["id"], "name": o["name"], "color": o["color"]} for o in options if o]
    if kind == "people":
        return [copy.deepcopy(users.get(uid, {"object": "user", "id": uid})) for uid in stored or []]
    if kind == "created_time":
        return fmt_minute(page.created)
    if kind == "last_edited_time":
        return fmt_minute(page.edited)
    return copy.deepcopy(stored)


def to_plain(prop: Prop, stored: Any, page: Page, users: Mapping[str, dict]) -> Any:
    """Plain Python value: str, number, option name(s), bool, ISO string, list of user names."""
    rendered = render_value(prop, stored, page, users)
    kind = prop.type
    if kind == "formula":
        return rendered.get(rendered.get("type"))
    if kind == "rollup":
        return rendered.get(rendered.get("type"))
    if kind in ("title", "rich_text"):
        return plain_text(rendered)
    if kind in ("select", "status"):
        return rendered["name"] if rendered else None
    if kind == "multi_select":
        return [o["name"] for o in rendered]
    if kind == "people":
        return [users.get(u["id"], u).get("name", u["id"]) for u in rendered]
    if kind == "relation":
        return list(stored or [])  # every related page id, not only the 25 a page object lists
    if kind == "date" and rendered is not None:
        return (
            rendered["start"]
            if rendered.get("end") is None
            else {"start": rendered["start"], "end": rendered["end"]}
        )
    return rendered


def comparable(prop: Prop, stored: Any, page: Page, users: Mapping[str, dict]) -> Any:
    """Normalised value for filters: text → str, options → names, dates → minute/day datetimes."""
    kind = prop.type
    if kind in ("created_time", "last_edited_time"):
        return minute_floor(page.created if kind == "created_time" else page.edited)
    if kind == "date":
        return None if not stored else parse_iso(stored["start"], "date")[0]
    if kind in ("people", "relation"):
        return list(stored or [])
    if kind in COMPUTED_TYPES:
        plain = to_plain(prop, stored, page, users)
        return plain if isinstance(plain, int | float | str) else None
    plain = to_plain(prop, stored, page, users)
    return plain if plain != "" else None


def sort_key_value(prop: Prop, stored: Any, page: Page, users: Mapping[str, dict]) -> Any:
    """Value used for sorting: select/status sort by option order, like Notion."""
    if prop.type in ("select", "status"):
        return prop.option_index(stored)
    if prop.type == "multi_select":
        return prop.option_index(stored[0]) if stored else None
    value = comparable(prop, stored, page, users)
    if isinstance(value, str):
        return value.casefold()
    if isinstance(value, list):
        return ",".join(value) or None
    return value


def timestamp_value(page: Page, which: str) -> datetime:
    return minute_floor(page.created if which == "created_time" else page.edited)


def day_bounds(moment: datetime) -> tuple[datetime, datetime]:
    start = moment.replace(hour=0, minute=0, second=0, microsecond=0)
    return start, start + timedelta(days=1)


def relation_config(config: dict[str, Any], path: str) -> dict[str, Any]:
    """A relation's schema object as API 2025-09-03 returns it: the related ``data_source_id`` (and its
    ``database_id`` when given), ``type`` ``single_property`` with an empty ``single_property`` object, or
    ``dual_property`` with the synced property's id and name."""
    target = config.get("data_source_id")
    if target is not None and not is_uuid(target):
        raise body_error(f"{path}.relation.data_source_id", "a valid uuid", target)
    kind = config.get("type", "single_property")
    if kind not in ("single_property", "dual_property"):
        raise body_error(f"{path}.relation.type", "`single_property` or `dual_property`", kind)
    out: dict[str, Any] = {"data_source_id": str(uuid.UUID(target)) if target else None}
    if config.get("database_id"):
        out["database_id"] = config["database_id"]
    out["type"] = kind
    out[kind] = dict(config.get(kind) or {})
    return out
