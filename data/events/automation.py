"""Automation rules (seed 002's S2): "when a practice enters cell A1 (or its risk becomes high while it
is Hot), do X" — X is recording it (``log``), writing a Notion property (``notion_property``, queued
like every write) or POSTing a JSON webhook (``webhook``).

Rules run after scoring has committed (on sync, `leadscore snapshot`, an events import). A rule
*fires* for a practice when its condition holds now and did not hold at the previous evaluation.
Each firing is logged under a unique (practice, rule, day) key in the same transaction that records
the new state (and queues a Notion write), so a retried sync, a second sync the same day or a run
killed halfway never fires twice. Webhooks are delivered after that commit and retried on later runs
until they succeed (at most ``MAX_ATTEMPTS``); every attempt carries the same ``Idempotency-Key``
(``practice:rule:day``), so a receiver can drop a repeat when a run died between its POST and
recording the answer.

Rules live in ``automation.toml`` (or the file named by ``LEADSCORE_AUTOMATION``)::

    [[rules]]
    id = "a1-next-action"
    description = "Hot and highly engaged: tell the owner in Notion"
    cells = ["A1"]                 # the practice enters any of these grid cells …
    # tiers = ["Hot"]              # … and/or has one of these fit tiers
    # risks = ["high"]             # … and/or this recency risk
    action = "notion_property"     # log | notion_property | webhook
    property = "Next Action"       # a select, status, rich_text, … property of the practices database
    value = "{next_action}"        # text; {next_action} {grid_cell} {engagement_score} {recency_risk} …

Without a file, two built-in rules only log (A1 entries, Hot practices going quiet), so the
Operations page shows what automation would do before anyone wires it to Notion or a webhook.
"""

from __future__ import annotations

import os
import re
import string
import tomllib
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import TYPE_CHECKING, Any

import httpx
import numpy as np
import pandas as pd

from scoring.config import ScoringConfig
from scoring.engagement import GRID_CELLS, GRID_LETTERS, RISKS, EngagementBook

from ..store import Store, utc_now_iso
from .engagement import book_engagement, now_utc

if TYPE_CHECKING:
    from ..notion.mapping import PropertyMapping

AUTOMATION_ENV = "LEADSCORE_AUTOMATION"
DEFAULT_AUTOMATION_FILE = Path("automation.toml")
ACTIONS = ("log", "notion_property", "webhook")
PLACEHOLDERS = ("next_action", "next_action_why", "grid_cell", "engagement_score", "engagement_level",
                "recency_risk", "velocity_24h", "priority_tier", "practice_id", "name")
MAX_ATTEMPTS = 5  # webhook deliveries before a firing is marked failed
WEBHOOK_TIMEOUT_S = 10.0
UNREACHABLE_LIMIT = 3  # failures in a row at one URL before its other webhooks wait for the next run
_RULE_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$")


class AutomationError(Exception):
    """An automation rules file that cannot be used; the message names the file, rule and setting."""


@dataclass(frozen=True)
class Rule:
    """One rule: a condition on grid cell, fit tier and recency risk (all given ones must hold) and an
    action."""

    id: str
    description: str = ""
    cells: tuple[str, ...] = ()
    tiers: tuple[str, ...] = ()
    risks: tuple[str, ...] = ()
    action: str = "log"
    property: str | None = None
    value: str = "{next_action}"
    url: str | None = None

    def matches(self, book: EngagementBook) -> np.ndarray:
        """A bool per practice of ``book``: does the condition hold now?"""
        hit = np.ones(len(book), dtype=bool)
        if self.cells:
            hit &= np.isin(book.grid_cell.astype(str), self.cells)
        if self.tiers:
            hit &= np.isin(book.priority_tier.astype(str), self.tiers)
        if self.risks:
            hit &= np.isin(book.recency_risk.astype(str), self.risks)
        return hit

    def condition(self) -> str:
        parts = []
        if self.cells:
            parts.append("enters " + " or ".join(self.cells))
        if self.tiers:
            parts.append("is " + " or ".join(self.tiers))
        if self.risks:
            parts.append("has " + " or ".join(self.risks) + " recency risk")
        return "a practice " + " and ".join(parts)

    def effect(self) -> str:
        if self.action == "notion_property":
            return f"write “{self.value}” to the Notion property {self.property!r}"
        if self.action == "webhook":
            return f"POST a JSON webhook to {self.url}"
        return "record it in the automation log"

    def target(self) -> str | None:
        return self.property if self.action == "notion_property" else self.url if self.action == "webhook" else None


DEFAULT_RULES = (
    Rule("enters-a1", "Hot fit and highly engaged: the best call of the day", cells=("A1",)),
    Rule("hot-goes-quiet", "A Hot practice has been silent for over a week", tiers=("Hot",), risks=("high",)),
)


@dataclass(frozen=True)
class RuleSet:
    rules: tuple[Rule, ...]
    source: str

    @classmethod
    def load(
        cls, path: str | Path | None = None, env: Mapping[str, str] | None = None,
        mapping: PropertyMapping | None = None,
    ) -> RuleSet:
        """The rules file (``path``, else $LEADSCORE_AUTOMATION, else ./automation.toml), or the built-in
        log-only rules when there is none. AutomationError for a file that cannot be used — including a
        ``notion_property`` rule aimed at a property leadscore reads or writes itself (``mapping``'s;
        default: the mapping file in use, see :func:`protected_properties`)."""
        env = os.environ if env is None else env
        chosen = Path(path) if path else Path(env[AUTOMATION_ENV]) if env.get(AUTOMATION_ENV) else None
        if chosen is None:
            if not DEFAULT_AUTOMATION_FILE.exists():
                return cls(DEFAULT_RULES, "built-in rules (log only)")
            chosen = DEFAULT_AUTOMATION_FILE
        try:
            data = tomllib.loads(chosen.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise AutomationError(f"{chosen}: automation rules file not found") from None
        except (OSError, UnicodeDecodeError) as exc:
            raise AutomationError(f"{chosen}: cannot read ({exc})") from None
        except tomllib.TOMLDecodeError as exc:
            raise AutomationError(f"{chosen}: not valid TOML ({exc})") from None
        rules = parse_rules(data, str(chosen))
        check_targets(rules, _mapping_in_use(env) if mapping is None else mapping, str(chosen))
        return cls(rules, str(chosen))


def protected_properties(mapping: PropertyMapping) -> dict[str, str]:
    """Property name → what it is to leadscore, for every property an automation rule must not write:
    the mapped scoring inputs (a write would change the score it feeds), the five score properties
    (the score write-back owns them) and the sales properties SPEC §11 says are shown but never
    written. Names compare case-insensitively, as people type them."""
    out: dict[str, str] = {}
    for names, what in ((mapping.scores, "one of the five score properties leadscore writes"),
                        (mapping.fields, "a scoring input leadscore reads"),
                        (mapping.sales, "a sales property leadscore shows but never writes (SPEC §11)")):
        for f, name in names.items():
            out.setdefault(name.strip().casefold(), f"{name!r} is {what} ({f})")
    return out


def protected_reason(prop: str, mapping: PropertyMapping) -> str | None:
    """Why an automation rule may not write ``prop`` (a sentence fragment), or None when it may."""
    return protected_properties(mapping).get(prop.strip().casefold())


def check_targets(rules: tuple[Rule, ...], mapping: PropertyMapping, where: str) -> None:
    """AutomationError (one sentence per rule) when a ``notion_property`` rule writes a protected property."""
    problems = [
        f"rule {rule.id!r} writes the Notion property {rule.property!r}, but {why}: choose another property"
        for rule in rules
        if rule.action == "notion_property" and rule.property and (why := protected_reason(rule.property, mapping))
    ]
    if problems:
        raise AutomationError(f"{where}: " + "; ".join(problems))


def _mapping_in_use(env: Mapping[str, str]) -> PropertyMapping:
    from ..notion.mapping import PropertyMapping
    from ..notion.settings import NotionError

    try:
        return PropertyMapping.load(env=env)
    except NotionError:  # a broken mapping file is reported where it is used; the defaults still protect
        return PropertyMapping()


def parse_rules(data: Mapping[str, Any], where: str) -> tuple[Rule, ...]:
    """Rules from parsed TOML (``[[rules]]`` tables); AutomationError naming every problem."""
    unknown = set(data) - {"rules"}
    problems = [f"[{k}] is not a known section (use [[rules]])" for k in sorted(unknown)]
    items = data.get("rules", [])
    if not isinstance(items, list) or not all(isinstance(i, dict) for i in items):
        raise AutomationError(f"{where}: rules must be [[rules]] tables")
    rules, seen = [], set()
    for n, item in enumerate(items, start=1):
        rule_problems: list[str] = []
        rule = _rule(item, rule_problems)
        label = f"rule {n}" + (f" ({item.get('id')})" if isinstance(item.get("id"), str) else "")
        problems += [f"{label}: {p}" for p in rule_problems]
        if rule is not None:
            if rule.id in seen:
                problems.append(f"{label}: id {rule.id!r} is used twice")
            seen.add(rule.id)
            rules.append(rule)
    if problems:
        raise AutomationError(f"{where}: " + "; ".join(problems))
    return tuple(rules)


def _rule(item: dict[str, Any], problems: list[str]) -> Rule | None:
    known = {"id", "description", "cells", "tiers", "risks", "action", "property", "value", "url"}
    problems += [f"{k} is not a known setting" for k in sorted(set(item) - known)]
    rule_id = item.get("id")
    if not isinstance(rule_id, str) or not _RULE_ID.match(rule_id):
        problems.append("id must be a short name of letters, digits, '-', '_' or '.'")
    lists = {}
    for key, allowed in (("cells", GRID_CELLS), ("tiers", tuple(GRID_LETTERS)), ("risks", RISKS)):
        value = item.get(key, [])
        value = [value] if isinstance(value, str) else value
        if not isinstance(value, list) or any(v not in allowed for v in value):
            problems.append(f"{key} must be a list of {', '.join(allowed)}")
            value = []
        lists[key] = tuple(value)
    if not any(lists.values()):
        problems.append("needs a condition: cells, tiers and/or risks")
    action = item.get("action", "log")
    if action not in ACTIONS:
        problems.append(f"action must be one of {', '.join(ACTIONS)}")
    prop, url, value = item.get("property"), item.get("url"), item.get("value", "{next_action}")
    if action == "notion_property" and (not isinstance(prop, str) or not prop.strip()):
        problems.append("a notion_property action needs property = \"<Notion property name>\"")
    if action == "webhook" and (not isinstance(url, str) or not url.startswith(("http://", "https://"))):
        problems.append("a webhook action needs url = \"https://…\"")
    if not isinstance(value, str):
        problems.append("value must be text")
    else:
        fields = [f for _, f, _, _ in string.Formatter().parse(value) if f is not None]
        bad = [f for f in fields if f not in PLACEHOLDERS]
        if bad:
            problems.append(f"value uses {', '.join('{' + b + '}' for b in bad)}; known: "
                            + ", ".join("{" + p + "}" for p in PLACEHOLDERS))
    if problems:
        return None
    return Rule(rule_id, str(item.get("description", "")), lists["cells"], lists["tiers"], lists["risks"],
                action, prop.strip() if isinstance(prop, str) else None, value, url)


# ---- running the rules ------------------------------------------------------------------------------


@dataclass
class AutomationReport:
    day: str
    fired: Counter[str] = field(default_factory=Counter)  # rule id → practices that fired
    delivered: int = 0  # webhooks answered 2xx
    failed: int = 0  # webhook attempts that failed (each stays pending until MAX_ATTEMPTS)
    notes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        fired = ", ".join(f"{r} {n}" for r, n in sorted(self.fired.items())) or "nothing fired"
        tail = []
        if self.delivered:
            tail.append(f"{self.delivered} webhooks delivered")
        if self.failed:
            tail.append(f"{self.failed} webhook attempts failed (retried on the next run)")
        return f"automation {self.day}: {fired}" + (f"; {', '.join(tail)}" if tail else "")


PostFn = Callable[[str, bytes, dict[str, str]], int]  # url, body, headers → HTTP status


def run_automation(
    store: Store,
    config: ScoringConfig,
    rules: RuleSet,
    *,
    as_of: datetime | None = None,
    book: EngagementBook | None = None,
    leads: pd.DataFrame | None = None,
    post: PostFn | None = None,
) -> AutomationReport:
    """Evaluate every rule on the book's engagement as of ``as_of`` (default now), record the firings
    (one transaction per rule), then deliver pending webhooks. Never raises for a failing webhook."""
    as_of = as_of or now_utc()
    day = as_of.astimezone(UTC).date().isoformat()
    report = AutomationReport(day)
    leads = store.leads_frame() if leads is None else leads
    book = book or book_engagement(store, config.engagement, as_of, leads=leads)
    facts = _facts(book, leads)
    fired_at = utc_now_iso()
    for rule in rules.rules:
        matched = book.practice_id[rule.matches(book)].tolist()
        payloads = {pid: _payload(rule, facts[pid], day, fired_at) for pid in matched}
        fired = store.automation_fire(rule.id, day, matched, payloads, rule.action, rule.target(), fired_at)
        if fired:
            report.fired[rule.id] += len(fired)
    report_deliveries(store, report, post)
    return report


def _facts(book: EngagementBook, leads: pd.DataFrame) -> dict[str, dict[str, Any]]:
    frame = book.frame()
    info = leads.set_index("practice_id")[["name", "url", "source", "lead_score", "assigned_to"]]
    joined = frame.join(info, on="practice_id")
    joined["priority_tier"] = book.priority_tier
    out = {}
    for row in joined.to_dict("records"):
        row["last_event_at"] = None if pd.isna(row["last_event_at"]) else row["last_event_at"].isoformat()
        out[row["practice_id"]] = {k: (None if _missing(v) else v) for k, v in row.items()}
    return out


def _missing(value: Any) -> bool:
    return value is None or (isinstance(value, float) and value != value) or value is pd.NA


def _payload(rule: Rule, facts: dict[str, Any], day: str, fired_at: str) -> dict[str, Any]:
    text = rule.value.format(**{k: "" if facts.get(k) is None else facts.get(k) for k in PLACEHOLDERS})
    return {
        "rule": rule.id,
        "description": rule.description,
        "day": day,
        "fired_at": fired_at,
        "value": text,
        "notion_page": facts.get("source") == "notion",
        **{k: _plain(facts.get(k)) for k in ("practice_id", "name", "url", "assigned_to", "priority_tier",
                                                "lead_score", "grid_cell", "engagement_score", "engagement_level",
                                                "velocity_24h", "recency_risk", "next_action", "next_action_why",
                                                "last_event_at")},
    }


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def report_deliveries(store: Store, report: AutomationReport, post: PostFn | None = None) -> None:
    delivered, failed = deliver_webhooks(store, post)
    report.delivered += delivered
    report.failed += failed


def deliver_webhooks(store: Store, post: PostFn | None = None, max_attempts: int = MAX_ATTEMPTS) -> tuple[int, int]:
    """POST every pending webhook firing (oldest first); 2xx marks it done, anything else keeps it
    pending with the reason until ``max_attempts``. After ``UNREACHABLE_LIMIT`` failures in a row at one
    URL, the rest for that URL wait for the next run untried (a dead endpoint must not stall a sync
    for minutes). Returns (delivered, failed attempts)."""
    pending = store.pending_webhooks()
    if not pending:
        return 0, 0
    delivered = failed = 0
    streak: Counter[str] = Counter()
    with httpx.Client(timeout=WEBHOOK_TIMEOUT_S) as client:
        send = post or (lambda url, body, headers: client.post(url, content=body, headers=headers).status_code)
        for item in pending:
            url = item["target"]
            if streak[url] >= UNREACHABLE_LIMIT:
                continue
            key = f"{item['practice_id']}:{item['rule_id']}:{item['day']}"
            headers = {"Content-Type": "application/json", "Idempotency-Key": key, "User-Agent": "leadscore"}
            try:
                status = send(url, item["payload"].encode(), headers)
                error = None if 200 <= status < 300 else f"the webhook answered HTTP {status}"
            except httpx.HTTPError as exc:
                error = f"the webhook could not be reached ({type(exc).__name__}: {exc})"
            if error is None:
                delivered += 1
                streak[url] = 0
            else:
                failed += 1
                streak[url] += 1
            store.webhook_attempted(item["id"], error, give_up=item["attempts"] + 1 >= max_attempts)
    return delivered, failed

