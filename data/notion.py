"""Notion (API 2025-09-03): settings, the property mapping, page ↔ record, and a careful gateway.

The gateway wraps the real ``notion_client.Client``: a client-side throttle keeps under Notion's
3 requests/s, and one retry policy covers what notion-client leaves alone (it retries 429 for every
method but 5xx only for GET/DELETE, and never 502-with-HTML, 504, 409, timeouts or dropped
connections — DESIGN). notion-client's own retries are switched off so attempts never multiply.
"""

from __future__ import annotations

import logging
import os
import random
import threading
import time
import tomllib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from notion_client import APIResponseError, Client
from notion_client.errors import HTTPResponseError, RequestTimeoutError

from scoring.breakdown import MAX_BREAKDOWN_CHARS
from scoring.fields import nest, split_flat_list

log = logging.getLogger("leadscore.notion")

DEFAULT_BASE_URL = "https://api.notion.com"
SECRETS_PATH = Path(".streamlit") / "secrets.toml"
MAPPING_ENV = "LEADSCORE_NOTION_MAPPING"
DEFAULT_MAPPING_FILE = Path("notion-mapping.toml")

# Record field (SPEC §1 flat column) → default property name (SPEC §11).
DEFAULT_FIELDS: dict[str, str] = {
    "name": "Name",
    "address": "Address",
    "phone": "Phone",
    "website": "Website",
    "rating": "Rating",
    "reviews_count": "Reviews",
    "place_id": "Place ID",
    "has_multiple_locations": "Multiple Locations",
    "enrichment_status": "Enrichment Status",
    "enrichment_confidence": "Enrichment Confidence",
    "vet_count": "Vet Count",
    "vet_count_confidence": "Vet Count Confidence",
    "phone_numbers": "Phone Numbers",
    "email_addresses": "Emails",
    "emr_system": "EMR System",
    "has_online_booking": "Online Booking",
    "has_telemedicine": "Telemedicine",
    "technologies": "Technologies",
    "decision_maker_name": "Decision Maker",
    "decision_maker_title": "Decision Maker Title",
    "decision_maker_linkedin": "Decision Maker LinkedIn",
}
DEFAULT_SALES: dict[str, str] = {
    "initial_score": "Initial Score",
    "status": "Status",
    "assigned_to": "Assigned To",
    "call_notes": "Call Notes",
    "last_contact": "Last Contact",
    "tags": "Tags",
}
DEFAULT_SCORES: dict[str, str] = {
    "lead_score": "Lead Score",
    "priority_tier": "Priority Tier",
    "score_breakdown": "Score Breakdown",
    "confidence_flags": "Confidence Flags",
    "scoring_status": "Scoring Status",
}
SCORE_TYPES = {
    "lead_score": "number",
    "priority_tier": "select",
    "score_breakdown": "rich_text",
    "confidence_flags": "multi_select",
    "scoring_status": "select",
}
SCORE_OPTIONS = {
    "priority_tier": [("Hot", "red"), ("Warm", "orange"), ("Cold", "blue"), ("Pending Enrichment", "gray")],
    "confidence_flags": [
        ("Low Confidence Vet Count", "yellow"),
        ("Medium Confidence Data", "yellow"),
        ("Partial Enrichment", "orange"),
        ("Missing Decision Maker", "purple"),
        ("Limited Technology Data", "brown"),
        ("Data Validation Error", "red"),
    ],
    "scoring_status": [("Not Scored", "gray"), ("Scored", "green"), ("Failed", "red")],
}
LIST_FIELDS = {"phone_numbers", "email_addresses", "technologies"}
ENRICHED_STATUSES = {"completed", "partial"}


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


@dataclass(frozen=True)
class PropertyMapping:
    """Which Notion property holds which field. Every name is configurable (DESIGN: real FEAT-002
    databases say "Vet Count (Total)" or "Decision Maker Name")."""

    fields: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_FIELDS))
    sales: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SALES))
    scores: dict[str, str] = field(default_factory=lambda: dict(DEFAULT_SCORES))
    source: str = "built-in defaults"

    @classmethod
    def load(cls, path: str | Path | None = None, env: Mapping[str, str] | None = None) -> PropertyMapping:
        env = os.environ if env is None else env
        chosen = Path(path) if path else Path(env[MAPPING_ENV]) if env.get(MAPPING_ENV) else None
        if chosen is None:
            if not DEFAULT_MAPPING_FILE.exists():
                return cls()
            chosen = DEFAULT_MAPPING_FILE
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise NotionError(f"{chosen}: property mapping file not found") from None
        except tomllib.TOMLDecodeError as exc:
            raise NotionError(f"{chosen}: not valid TOML ({exc})") from None
        problems = []
        sections = {"fields": DEFAULT_FIELDS, "sales": DEFAULT_SALES, "scores": DEFAULT_SCORES}
        merged: dict[str, dict[str, str]] = {}
        for section, defaults in sections.items():
            given = data.get(section, {})
            if not isinstance(given, dict):
                problems.append(f"[{section}] must be a table")
                continue
            for key, value in given.items():
                if key not in defaults:
                    problems.append(f"[{section}] {key} is not a known field (known: {', '.join(defaults)})")
                elif not isinstance(value, str) or not value.strip():
                    problems.append(f"[{section}] {key} must be a property name")
            merged[section] = {
                **defaults,
                **{
                    k: v.strip()
                    for k, v in given.items()
                    if k in defaults and isinstance(v, str) and v.strip()
                },
            }
        for section in set(data) - set(sections):
            problems.append(f"[{section}] is not a known section (use fields, sales, scores)")
        if problems:
            raise NotionError(f"{chosen}: " + "; ".join(problems))
        return cls(merged["fields"], merged["sales"], merged["scores"], source=str(chosen))


# ---- reading pages --------------------------------------------------------------------------------


def plain_value(prop: Mapping[str, Any] | None) -> Any:
    """A Notion property value as plain Python: text, number, bool, list of names, ISO date."""
    if not prop:
        return None
    kind = prop.get("type")
    value = prop.get(kind) if kind else None
    if kind in ("title", "rich_text"):
        text = "".join(
            part.get("plain_text") or part.get("text", {}).get("content", "") for part in value or []
        )
        return text if text.strip() else None
    if kind in ("number", "checkbox", "url", "email", "phone_number", "created_time", "last_edited_time"):
        return value
    if kind in ("select", "status"):
        return value.get("name") if value else None
    if kind == "multi_select":
        return [o.get("name") for o in value or []]
    if kind == "date":
        return value.get("start") if value else None
    if kind == "people":
        return ", ".join(p.get("name") or p.get("id", "") for p in value or []) or None
    if kind == "formula" and value:
        return value.get(value.get("type"))
    if kind == "unique_id" and value:
        return f"{value.get('prefix') or ''}{value.get('number')}"
    return None


def _as_list(value: Any) -> Any:
    """Text holding a list: items on separate lines or separated by ';' (as in flat files)."""
    if isinstance(value, str):
        return split_flat_list(value.replace("\r", "\n").replace("\n", ";"))
    return value


@dataclass
class PracticePage:
    """One page, read: the scoring record, the sales fields and the score properties it holds now."""

    practice_id: str
    record: dict[str, Any]
    name: str | None
    url: str | None
    edited: str | None
    in_trash: bool
    sales: dict[str, Any]
    scores: dict[str, Any]

    def store_row(self) -> dict[str, Any]:
        return {
            "practice_id": self.practice_id,
            "source": "notion",
            "name": self.name,
            "address": self.record["google_maps_data"].get("address"),
            "url": self.url,
            "record": self.record,
            "enrichment_status": self.record.get("enrichment_status"),
            "source_edited_time": self.edited,
            "in_trash": self.in_trash,
            "notion_scores": self.scores,
            **{k: self.sales.get(k) for k in DEFAULT_SALES},
            "tags": self.sales.get("tags") or [],
        }


def read_page(page: Mapping[str, Any], mapping: PropertyMapping) -> PracticePage:
    """Turn a page into the ScoringInput-shaped record of SPEC §1 (values are validated later)."""
    props = page.get("properties") or {}
    values = {f: plain_value(props.get(name)) for f, name in mapping.fields.items()}
    for f in LIST_FIELDS:
        values[f] = _as_list(values[f])
    status = values.get("enrichment_status")
    # SPEC §11: a page has enrichment data exactly when its status is Completed or Partial.
    enriched = isinstance(status, str) and status.strip().casefold() in ENRICHED_STATUSES
    record = nest({**values, "practice_id": page["id"]}, with_enrichment=enriched)
    sales = {f: plain_value(props.get(name)) for f, name in mapping.sales.items()}
    scores = {f: plain_value(props.get(name)) for f, name in mapping.scores.items()}
    return PracticePage(
        practice_id=page["id"],
        record=record,
        name=values.get("name"),
        url=page.get("url"),
        edited=page.get("last_edited_time"),
        in_trash=bool(page.get("in_trash") or page.get("archived")),
        sales=sales,
        scores=scores,
    )


def schema_report(schema: Mapping[str, Any], mapping: PropertyMapping) -> dict[str, list[str]]:
    """What the mapping finds and lacks in a data source schema."""
    props = schema.get("properties") or {}
    report: dict[str, list[str]] = {"found": [], "missing": [], "missing_scores": [], "wrong_type": []}
    for section in (mapping.fields, mapping.sales):
        for f, name in section.items():
            if name in props:
                report["found"].append(f"{f} → {name!r} ({props[name].get('type')})")
            else:
                report["missing"].append(f"{f} → {name!r}")
    for f, name in mapping.scores.items():
        if name not in props:
            report["missing_scores"].append(name)
        elif props[name].get("type") != SCORE_TYPES[f]:
            report["wrong_type"].append(f"{name!r} is {props[name].get('type')}, expected {SCORE_TYPES[f]}")
    return report


# ---- writing scores -------------------------------------------------------------------------------


def score_values(output: Mapping[str, Any]) -> dict[str, Any]:
    """The five score fields of SPEC §10 as plain values (comparable with what a page holds)."""
    return {
        "lead_score": output["lead_score"],
        "priority_tier": output["priority_tier"],
        "score_breakdown": output["score_breakdown"],
        "confidence_flags": list(output["confidence_flags"]),
        "scoring_status": output["scoring_status"],
    }


def changed_values(new: Mapping[str, Any], current: Mapping[str, Any] | None) -> dict[str, Any]:
    """Only the score fields whose value differs from what the page already holds."""
    current = current or {}
    return {k: v for k, v in new.items() if _normal(current.get(k)) != _normal(v)}


def _normal(value: Any) -> Any:
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if value == []:
        return None
    return value


def score_properties(values: Mapping[str, Any], mapping: PropertyMapping) -> dict[str, Any]:
    """Notion property payloads for score fields (only the ones given)."""
    out: dict[str, Any] = {}
    for f, value in values.items():
        name = mapping.scores[f]
        kind = SCORE_TYPES[f]
        if kind == "number":
            out[name] = {"number": value}
        elif kind == "select":
            out[name] = {"select": {"name": value} if value else None}
        elif kind == "multi_select":
            out[name] = {"multi_select": [{"name": v} for v in value or []]}
        else:
            out[name] = {"rich_text": [{"type": "text", "text": {"content": part}} for part in text_pieces(value)]}
    return out


def text_pieces(text: str | None, limit: int = MAX_BREAKDOWN_CHARS) -> list[str]:
    """Rich-text objects hold at most 2,000 UTF-16 units each (Notion counts like JavaScript)."""
    pieces: list[str] = []
    current, units = [], 0
    for ch in text or "":
        size = 2 if ord(ch) > 0xFFFF else 1
        if units + size > limit:
            pieces.append("".join(current))
            current, units = [], 0
        current.append(ch)
        units += size
    if current:
        pieces.append("".join(current))
    return pieces


# ---- the gateway ----------------------------------------------------------------------------------

T = TypeVar("T")


class Throttle:
    """A token bucket: at most ``rate`` requests per second on average, ``burst`` at once."""

    def __init__(
        self,
        rate: float,
        burst: float = 1.0,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.rate, self.burst = rate, burst
        self.clock, self.sleep = clock, sleep
        self.tokens = burst
        self.stamp = clock()
        self.lock = threading.Lock()

    def wait(self) -> None:
        with self.lock:
            now = self.clock()
            self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                delay = (1 - self.tokens) / self.rate
                self.sleep(delay)
                self.stamp = self.clock()
                self.tokens = 0.0
            else:
                self.tokens -= 1


def is_transient(exc: BaseException) -> bool:
    """Worth retrying: rate limits, conflicts, server errors, gateways, timeouts, dropped connections."""
    if isinstance(exc, (RequestTimeoutError, httpx.TransportError)):
        return True
    if isinstance(exc, HTTPResponseError):
        # By status, not code: a non-JSON 400/401/404 (e.g. a wrong NOTION_BASE_URL) is not transient.
        return exc.status in (409, 429) or exc.status >= 500
    return False


def describe_error(exc: BaseException) -> str:
    """One line for people: Notion's own message where there is one."""
    if isinstance(exc, APIResponseError):
        code = exc.code.value if hasattr(exc.code, "value") else exc.code
        return f"Notion {exc.status} {code}: {exc}"
    if isinstance(exc, HTTPResponseError):
        return f"Notion answered HTTP {exc.status} with a non-JSON body"
    if isinstance(exc, RequestTimeoutError):
        return "Notion did not answer in time"
    if isinstance(exc, httpx.ConnectError):
        return "Notion is unreachable (connection refused or DNS failure)"
    if isinstance(exc, httpx.TransportError):
        return f"the connection to Notion broke ({type(exc).__name__})"
    return f"{type(exc).__name__}: {exc}"


# Request pacing and retries. 2.9 req/s stays under Notion's 3 req/s average; five attempts with
# back-off from 0.5 s ride out a short outage (about 7.5 s) without stalling a sync for minutes.
GATEWAY_DEFAULTS: dict[str, float] = {
    "rate": 2.9,
    "burst": 1.0,
    "max_attempts": 5,
    "backoff": 0.5,
    "max_backoff": 20.0,
    "timeout_s": 30.0,
}


class NotionGateway:
    def __init__(
        self,
        settings: NotionSettings,
        *,
        rate: float | None = None,
        burst: float | None = None,
        max_attempts: int | None = None,
        backoff: float | None = None,
        max_backoff: float | None = None,
        timeout_s: float | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        if not settings.configured:
            raise NotionError(settings.describe())
        d = GATEWAY_DEFAULTS
        rate = d["rate"] if rate is None else rate
        burst = d["burst"] if burst is None else burst
        max_attempts = int(d["max_attempts"]) if max_attempts is None else max_attempts
        backoff = d["backoff"] if backoff is None else backoff
        max_backoff = d["max_backoff"] if max_backoff is None else max_backoff
        timeout_s = d["timeout_s"] if timeout_s is None else timeout_s
        self.settings = settings
        self.client = Client(
            auth=settings.api_key,
            base_url=settings.base_url,
            timeout_ms=int(timeout_s * 1000),
            logger=logging.getLogger("leadscore.notion.client"),
            log_level=logging.ERROR,
            retry=False,
        )
        self.throttle = Throttle(rate, burst, sleep=sleep)
        self.max_attempts = max_attempts
        self.backoff, self.max_backoff = backoff, max_backoff
        self.sleep = sleep
        self.requests = 0
        self.retries = 0
        self.rate_limited = 0
        self._data_source_id: str | None = None

    def call(self, what: str, fn: Callable[..., T], **kwargs: Any) -> T:
        """One API call with throttle and retries; raises the last error when it keeps failing."""
        for attempt in range(1, self.max_attempts + 1):
            self.throttle.wait()
            self.requests += 1
            try:
                return fn(**kwargs)
            except Exception as exc:
                if not is_transient(exc) or attempt == self.max_attempts:
                    raise
                delay = self._delay(exc, attempt)
                self.retries += 1
                log.info(
                    "retrying %s after %s (attempt %d, %.2fs)",
                    what,
                    describe_error(exc),
                    attempt,
                    delay,
                    extra={"event": "notion_retry", "attempt": attempt, "delay_s": delay},
                )
                self.sleep(delay)
        raise AssertionError("unreachable")  # pragma: no cover

    def _delay(self, exc: BaseException, attempt: int) -> float:
        if isinstance(exc, HTTPResponseError) and exc.status == 429:
            self.rate_limited += 1
            retry_after = exc.headers.get("retry-after") if exc.headers else None
            try:
                return min(float(retry_after), self.max_backoff) if retry_after else self.backoff
            except ValueError:
                return self.backoff
        return min(self.max_backoff, self.backoff * 2 ** (attempt - 1)) * (0.75 + random.random() / 2)

    # ---- endpoints ------------------------------------------------------------------------------

    def data_source_id(self) -> str:
        if self._data_source_id is None:
            db = self.call(
                "databases.retrieve", self.client.databases.retrieve, database_id=self.settings.database_id
            )
            sources = db.get("data_sources") or []
            if not sources:
                raise NotionError(f"database {self.settings.database_id} has no data source")
            self._data_source_id = sources[0]["id"]
        return self._data_source_id

    def database_reachable(self) -> bool:
        """Whether the integration can still see the database (Notion answers 404 when it lost access)."""
        try:
            self.call("databases.retrieve", self.client.databases.retrieve, database_id=self.settings.database_id)
        except APIResponseError as exc:
            if exc.status == 404:
                return False
            raise
        return True

    def schema(self) -> dict[str, Any]:
        return self.call(
            "data_sources.retrieve", self.client.data_sources.retrieve, data_source_id=self.data_source_id()
        )

    def update_schema(self, properties: dict[str, Any]) -> dict[str, Any]:
        return self.call(
            "data_sources.update",
            self.client.data_sources.update,
            data_source_id=self.data_source_id(),
            properties=properties,
        )

    def pages(self, edited_since: str | None = None) -> Iterator[dict[str, Any]]:
        """Every (non-trashed) page, oldest edit first; ``edited_since`` narrows to recent edits."""
        cursor: str | None = None
        while True:
            body: dict[str, Any] = {
                "page_size": 100,
                "sorts": [{"timestamp": "last_edited_time", "direction": "ascending"}],
            }
            if edited_since:
                body["filter"] = {
                    "timestamp": "last_edited_time",
                    "last_edited_time": {"on_or_after": edited_since},
                }
            if cursor:
                body["start_cursor"] = cursor
            answer = self.call(
                "data_sources.query",
                self.client.data_sources.query,
                data_source_id=self.data_source_id(),
                **body,
            )
            yield from answer.get("results", [])
            if not answer.get("has_more"):
                return
            cursor = answer.get("next_cursor")

    def page(self, page_id: str) -> dict[str, Any] | None:
        """A page, or None when it no longer exists (404)."""
        try:
            return self.call("pages.retrieve", self.client.pages.retrieve, page_id=page_id)
        except APIResponseError as exc:
            if exc.status == 404:
                return None
            raise

    def update_page(self, page_id: str, properties: dict[str, Any]) -> dict[str, Any]:
        return self.call("pages.update", self.client.pages.update, page_id=page_id, properties=properties)
