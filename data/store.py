"""The local store: one SQLite file, safe for many Streamlit sessions and a CLI at once.

Concurrency (DESIGN's SQLite trap): WAL mode; every write runs in ``BEGIN IMMEDIATE`` (the write
lock is taken up front, so a transaction never has to upgrade from reader to writer, which is
what produces ``database is locked`` under WAL); writes in one process share a connection behind
a lock; each thread reads through its own connection. Migrations run inside the same immediate
transaction, so two processes starting together apply them once.

What it holds: practices as last seen in their source, the current score of each, an append-only
score history (triggers refuse UPDATE and DELETE), scoring runs, saved scoring configurations
(one active) and the Notion write-back outbox.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import os
import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pandas as pd
from sqlite_utils import Database, Migrations

from scoring.config import ConfigError, ScoringConfig
from scoring.depth import WRITABLE_DEPTH, clip_depth

DEFAULT_DB = Path(".leadscore") / "leadscore.db"
BUSY_TIMEOUT_MS = 60_000
HOLD_SUFFIX = ":hold"  # notion_pace row of an integration's Retry-After hold
MAX_SQL_PARAMETERS = 900  # well under SQLite's limit on variables in one statement (999 in old builds)
EVENTS_PER_STATEMENT = MAX_SQL_PARAMETERS // 6  # events added by one INSERT (six fields each)
# Issue 11's tables, forgotten with the book by clear_book.
ENGAGEMENT_TABLES = ("events", "event_imports", "engagement_snapshots", "automation_state", "automation_log",
                     "property_outbox")

migrations = Migrations("leadscore")


@migrations()
def m001_initial(db: Database) -> None:
    db["practices"].create(
        {
            "practice_id": str,
            "source": str,  # notion | demo | import
            "name": str,
            "address": str,
            "url": str,
            "record_json": str,  # the ScoringInput-shaped record
            "inputs_hash": str,
            "enrichment_status": str,
            "source_edited_time": str,
            "initial_score": float,
            "status": str,
            "assigned_to": str,
            "call_notes": str,
            "last_contact": str,
            "tags": str,  # JSON list
            "notion_scores_json": str,  # the five score properties as the page last held them
            "problems": str,  # JSON list of mapping/page problems
            "in_trash": int,
            "deleted": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="practice_id",
        not_null={"practice_id", "record_json", "inputs_hash"},
        defaults={"in_trash": 0, "deleted": 0},
    )
    db["scores"].create(
        {
            "practice_id": str,
            "lead_score": int,
            "priority_tier": str,
            "original_score": int,
            "practice_size": int,
            "call_volume": int,
            "technology": int,
            "baseline": int,
            "decision_maker": int,
            "confidence_flags": str,  # JSON list
            "score_breakdown": str,
            "scoring_status": str,
            "scoring_timestamp": str,
            "scoring_duration_ms": int,
            "error_type": str,
            "error_message": str,
            "config_version": str,
            "inputs_hash": str,
            "history_id": int,
            "trigger": str,
        },
        pk="practice_id",
    )
    db["score_history"].create(
        {
            "id": int,
            "practice_id": str,
            "run_id": int,
            "trigger": str,
            "scored_at": str,
            "inputs_hash": str,
            "config_version": str,
            "scoring_status": str,
            "lead_score": int,
            "priority_tier": str,
            "confidence_flags": str,
            "error_type": str,
            "error_message": str,
            "scoring_duration_ms": float,
            "score_breakdown": str,
        },
        pk="id",
    )
    db["score_history"].create_index(["practice_id", "id"])
    db.execute(
        "CREATE TRIGGER score_history_no_update BEFORE UPDATE ON score_history "
        "BEGIN SELECT RAISE(ABORT, 'score_history is append-only'); END"
    )
    db.execute(
        "CREATE TRIGGER score_history_no_delete BEFORE DELETE ON score_history "
        "BEGIN SELECT RAISE(ABORT, 'score_history is append-only'); END"
    )
    db["runs"].create(
        {
            "id": int,
            "kind": str,
            "trigger": str,
            "status": str,  # running | completed | failed | interrupted
            "started_at": str,
            "finished_at": str,
            "config_version": str,
            "total": int,
            "scored": int,
            "failed": int,
            "written": int,
            "write_failures": int,
            "p50_ms": float,
            "p95_ms": float,
            "p99_ms": float,
            "pid": int,
            "error": str,
            "details": str,  # JSON
        },
        pk="id",
        defaults={"total": 0, "scored": 0, "failed": 0, "written": 0, "write_failures": 0},
    )
    db["configs"].create(
        {
            "id": int,
            "name": str,
            "version": int,
            "label": str,  # the config_version recorded in breakdowns
            "config_json": str,
            "note": str,
            "created_at": str,
            "active": int,
        },
        pk="id",
        defaults={"active": 0},
    )
    db["configs"].create_index(["name", "version"], unique=True)
    db.execute("CREATE UNIQUE INDEX configs_one_active ON configs(active) WHERE active = 1")
    db["outbox"].create(
        {
            "practice_id": str,  # one pending write per page: the newest score replaces an older one
            "history_id": int,
            "properties_json": str,
            "queued_at": str,
            "attempts": int,
            "last_error": str,
            "last_attempt_at": str,
        },
        pk="practice_id",
        defaults={"attempts": 0},
    )
    db["state"].create({"key": str, "value": str}, pk="key")
    db["state"].insert({"key": "revision", "value": "0"})


@migrations()
def m002_extra_columns(db: Database) -> None:
    # Columns an imported file carried beyond SPEC §1: kept and exported again (SPEC §1).
    db["practices"].add_column("extra", str)


@migrations()
def m003_outcomes_and_inputs(db: Database) -> None:
    # Every sales Status a practice was seen with, and when first (SPEC §13: the date a practice was
    # first seen won or lost comes from the store's own observations over syncs and imports).
    db["status_seen"].create(
        {"practice_id": str, "status": str, "first_seen": str}, pk=("practice_id", "status"), not_null={"first_seen"}
    )
    # The record behind each inputs_hash, so any two history entries can be diffed input by input.
    db["record_versions"].create({"inputs_hash": str, "record_json": str, "first_seen": str}, pk="inputs_hash")
    # Before this version nothing was observed: what the store holds now is the best there is.
    db.execute(
        "INSERT OR IGNORE INTO status_seen (practice_id, status, first_seen) "
        "SELECT practice_id, TRIM(status), last_seen FROM practices WHERE status IS NOT NULL AND TRIM(status) != ''"
    )
    db.execute(
        "INSERT OR IGNORE INTO record_versions (inputs_hash, record_json, first_seen) "
        "SELECT inputs_hash, record_json, last_seen FROM practices"
    )


@migrations()
def m004_models(db: Database) -> None:
    # Learned models beside the rules (issue 10): versioned, with their metrics; one is current.
    db["models"].create(
        {
            "id": int,
            "method": str,
            "trained_at": str,
            "config_version": str,  # the configuration whose inputs and folds it was compared on
            "labelled": int,
            "won": int,
            "lost": int,
            "auc_cv": float,
            "auc_rules_cv": float,
            "metrics_json": str,
            "params_json": str,
            "current": int,
        },
        pk="id",
        defaults={"current": 0},
    )
    db.execute("CREATE UNIQUE INDEX models_one_current ON models(current) WHERE current = 1")


@migrations()
def m005_notion_pace_and_blocked_writes(db: Database) -> None:
    # One request schedule per Notion integration, shared by every process using the store (the rate
    # limit is the integration's, not a process's); ``next_at`` is a Unix time in seconds.
    db["notion_pace"].create({"key": str, "next_at": float}, pk="key")
    # A pending write that cannot succeed as Notion is set up now (a status option the API cannot
    # create, a property of another type): why, so it is never sent until that changes.
    db["outbox"].add_column("blocked", str)


@migrations()
def m006_engagement(db: Database) -> None:
    # Issue 11 / SPEC §12. The event log: one row per event_id (a repeat is a duplicate and changes
    # nothing). Keyed by event_id without a rowid, so a bulk import maintains one B-tree, not two.
    db.execute(
        """CREATE TABLE events (
               event_id TEXT PRIMARY KEY NOT NULL, practice_id TEXT NOT NULL, type TEXT NOT NULL,
               occurred_us INTEGER NOT NULL, source TEXT, detail TEXT, import_id INTEGER
           ) WITHOUT ROWID"""
    )
    db["event_imports"].create(
        {
            "id": int,
            "source": str,  # file | notion | demo
            "name": str,
            "imported_at": str,
            "rows": int,
            "imported": int,
            "duplicates": int,
            "unknown_type": int,
            "unknown_practice": int,
            "unreadable": int,
        },
        pk="id",
    )
    # Daily engagement snapshots (history: what it was then). One per practice and day.
    db.execute(
        """CREATE TABLE engagement_snapshots (
               practice_id TEXT NOT NULL, day TEXT NOT NULL, engagement_score INTEGER NOT NULL,
               engagement_level INTEGER NOT NULL, velocity_24h INTEGER NOT NULL, recency_risk TEXT NOT NULL,
               grid_cell TEXT, next_action TEXT, config_version TEXT, taken_at TEXT NOT NULL, source TEXT,
               PRIMARY KEY (practice_id, day)
           ) WITHOUT ROWID"""
    )
    db.execute(
        "CREATE TRIGGER engagement_snapshots_no_update BEFORE UPDATE ON engagement_snapshots "
        "BEGIN SELECT RAISE(ABORT, 'engagement snapshots are append-only'); END"
    )
    # Automation rules: whether each rule matched each practice at the last evaluation, and the log of
    # firings — unique per (practice, rule, day), so a retried or second run never fires twice.
    db.execute(
        """CREATE TABLE automation_state (
               practice_id TEXT NOT NULL, rule_id TEXT NOT NULL, matched INTEGER NOT NULL, changed_at TEXT,
               PRIMARY KEY (practice_id, rule_id)
           ) WITHOUT ROWID"""
    )
    db["automation_log"].create(
        {
            "id": int,
            "practice_id": str,
            "rule_id": str,
            "day": str,
            "fired_at": str,
            "action": str,  # log | notion_property | webhook
            "target": str,  # the property name or the webhook URL
            "payload": str,  # JSON
            "status": str,  # done | pending | queued | failed | skipped
            "attempts": int,
            "last_error": str,
            "done_at": str,
        },
        pk="id",
        not_null={"practice_id", "rule_id", "day"},
        defaults={"attempts": 0},
    )
    db["automation_log"].create_index(["practice_id", "rule_id", "day"], unique=True)
    # Single Notion property writes (automation's `notion_property` action), apart from the score
    # outbox: one pending value per page and property, the newest replacing an older one.
    db.execute(
        """CREATE TABLE property_outbox (
               practice_id TEXT NOT NULL, property TEXT NOT NULL, value_json TEXT NOT NULL, queued_at TEXT NOT NULL,
               origin TEXT, log_id INTEGER, attempts INTEGER NOT NULL DEFAULT 0, last_error TEXT,
               last_attempt_at TEXT, PRIMARY KEY (practice_id, property)
           ) WITHOUT ROWID"""
    )


@migrations()
def m007_property_outbox_blocked(db: Database) -> None:
    # Issue 11 review: an automation property write Notion cannot take as it is set up now (no such
    # property, a type leadscore cannot write, a value Notion refused with a validation error) is marked
    # with why, and with the property's schema then (JSON; "null": absent), so it is not resent until
    # that schema changes or a newer value replaces it — as the score outbox's ``blocked``.
    db["property_outbox"].add_column("blocked", str)
    db["property_outbox"].add_column("blocked_on", str)


NOTION_SOURCE = "notion"  # practices pulled from a Notion data source (their pages receive score writes)
SAMPLE_SOURCE = "demo"  # the built-in sample book's practices (data/demo.py); never the user's own book
# Compares a new scoring output with what its Notion page holds (None: nothing known) and returns the
# score values that differ — data.notion.properties decides; the store only applies it in its transaction.
PageDiff = Callable[[dict[str, Any], "dict[str, Any] | None"], dict[str, Any]]


class SavedScores(list[int | None]):
    """History ids of a ``save_scores`` call, in the order of its outputs (None for a stale output, which
    is not saved), plus how many pages it queued and which practices' outputs were stale."""

    def __init__(self) -> None:
        super().__init__()
        self.queued = 0
        self.stale: list[str] = []  # practices whose inputs changed after they were read for scoring


class StoreError(Exception):
    """A store we cannot use (wrong file, unreadable, newer schema); the message says what to do."""


class InvalidActiveConfig(ConfigError):
    """The active saved configuration no longer validates (saved by a leadscore with looser bounds):
    nothing may be scored with it, and the message says how to choose another. ``label`` names it."""

    def __init__(self, label: str, problem: str) -> None:
        self.label = label
        super().__init__(
            f"The active saved configuration {label} no longer validates ({problem}), so nothing is scored "
            "with it: choose the SPEC defaults or another version in the app, or with `leadscore config use`."
        )


def utc_now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def inputs_hash(record: Any) -> str:
    """A stable hash of what scoring reads (trigger metadata excluded)."""
    if isinstance(record, dict):
        record = {k: v for k, v in record.items() if k not in ("triggered_by", "trigger_timestamp")}
    return hashlib.sha256(orjson.dumps(record, option=orjson.OPT_SORT_KEYS)).hexdigest()[:16]


def default_db_path() -> Path:
    return Path(os.environ.get("LEADSCORE_DB") or DEFAULT_DB)


@dataclass(frozen=True)
class SavedConfig:
    id: int
    name: str
    version: int
    label: str
    config: ScoringConfig
    note: str
    created_at: str
    active: bool


class Store:
    """The application's SQLite store. Open with :meth:`open`; share one per process."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._local = threading.local()
        self._write_lock = threading.RLock()
        self._writer: sqlite3.Connection | None = None

    # ---- connections ----------------------------------------------------------------------------

    @classmethod
    def open(cls, path: str | Path | None = None) -> Store:
        """Open (creating when needed) and migrate the store at ``path`` (default ``$LEADSCORE_DB`` or
        ``.leadscore/leadscore.db``).

        Raises:
            StoreError: one sentence naming the path when the store cannot be used — its folder cannot
                be made (a file in the way, no permission), the file is not a leadscore store (left
                untouched), or it was written by a newer leadscore.
        """
        store = cls(path or default_db_path())
        try:
            store.path.parent.mkdir(parents=True, exist_ok=True)
        except FileExistsError:
            raise StoreError(_folder_problem(store.path, "a file is in the way of its folder")) from None
        except NotADirectoryError:
            raise StoreError(_folder_problem(store.path, "part of its folder path is a file")) from None
        except PermissionError:
            raise StoreError(_folder_problem(store.path, "no permission to create its folder")) from None
        except OSError as exc:
            raise StoreError(_folder_problem(store.path, exc.strerror or str(exc))) from None
        if store.path.is_dir():
            raise StoreError(f"{store.path}: is a folder, not a store file; set LEADSCORE_DB to a file path")
        store.migrate()
        return store

    def _connect(self) -> sqlite3.Connection:
        try:
            conn = sqlite3.connect(
                self.path, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
            )
            conn.execute(f"PRAGMA busy_timeout = {BUSY_TIMEOUT_MS}")
            conn.execute("PRAGMA foreign_keys = ON")
            conn.execute("PRAGMA synchronous = FULL")
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc})") from None
        conn.row_factory = sqlite3.Row
        return conn

    @property
    def reader(self) -> sqlite3.Connection:
        conn = getattr(self._local, "conn", None)
        if conn is None:
            conn = self._local.conn = self._connect()
        return conn

    @contextlib.contextmanager
    def write(self, *, revision: bool = True) -> Iterator[sqlite3.Connection]:
        """One write transaction (BEGIN IMMEDIATE), serialised within the process by a lock.

        ``revision=False`` for bookkeeping no view depends on (request pacing): the revision, which
        keys the pages' caches, stays as it is."""
        with self._write_lock:
            if self._writer is None:
                self._writer = self._connect()
            conn = self._writer
            if conn.in_transaction:  # nested use: join the outer transaction
                yield conn
                return
            conn.execute("BEGIN IMMEDIATE")
            try:
                yield conn
                if revision:
                    conn.execute("UPDATE state SET value = CAST(value AS INTEGER) + 1 WHERE key = 'revision'")
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise

    def migrate(self) -> None:
        """Switch to WAL and apply pending migrations; waits (with back-off) while another process
        is creating or migrating the same file, since the WAL switch itself does not honour the
        busy timeout."""
        deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
        delay = 0.01
        while True:
            try:
                self._migrate_once()
                return
            except sqlite3.OperationalError as exc:
                if "locked" not in str(exc) and "busy" not in str(exc):
                    raise StoreError(f"{self.path}: cannot prepare the store ({exc})") from None
                if time.monotonic() > deadline:
                    raise StoreError(
                        f"{self.path}: another process has held the store locked for over "
                        f"{BUSY_TIMEOUT_MS // 1000} s; try again when it finishes"
                    ) from None
                time.sleep(delay)
                delay = min(delay * 2, 0.5)
            except sqlite3.DatabaseError as exc:
                raise StoreError(f"{self.path}: not a leadscore store, or damaged ({exc})") from None

    def _migrate_once(self) -> None:
        # Look before touching: a file that is not a leadscore store (or is one from a newer leadscore)
        # is refused as it is — never switched to WAL, never given our tables.
        self._check_is_a_store()
        conn = self._connect()
        try:
            mode = conn.execute("PRAGMA journal_mode = WAL").fetchone()[0]
            if mode.lower() != "wal":
                raise StoreError(f"{self.path}: could not switch the store to WAL mode (got {mode})")
            conn.execute("BEGIN IMMEDIATE")
            try:
                # sqlite-utils' own atomic() blocks become savepoints inside this transaction.
                migrations.apply(Database(conn, execute_plugins=False, recursive_triggers=False))
                conn.execute("COMMIT")
            except BaseException:
                if conn.in_transaction:
                    conn.execute("ROLLBACK")
                raise
        finally:
            conn.close()

    def _check_is_a_store(self) -> None:
        """Read-only look at an existing file: empty, or a leadscore store this version knows.

        Raises StoreError (not a SQLite file, another application's database, a newer schema);
        sqlite3.OperationalError when the file is locked (the caller waits and tries again)."""
        try:
            if not self.path.exists() or self.path.stat().st_size == 0:
                return
        except OSError as exc:
            raise StoreError(f"{self.path}: cannot read the store ({exc.strerror or exc})") from None
        try:
            conn = sqlite3.connect(f"{self.path.resolve().as_uri()}?mode=ro", uri=True, timeout=1)
        except sqlite3.OperationalError as exc:
            raise StoreError(f"{self.path}: cannot open the store ({exc})") from None
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
            if not tables:
                return
            applied: list[str] = []
            if Migrations.migrations_table in tables:
                applied = [
                    r[0]
                    for r in conn.execute(
                        f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ? ORDER BY rowid",
                        (migrations.name,),
                    )
                ]
        except sqlite3.OperationalError as exc:
            if "locked" in str(exc) or "busy" in str(exc):
                raise
            raise StoreError(f"{self.path}: not a leadscore store ({exc}); set LEADSCORE_DB to another file") from None
        except sqlite3.DatabaseError as exc:
            raise StoreError(
                f"{self.path}: not a leadscore store ({exc}); set LEADSCORE_DB to another file"
            ) from None
        finally:
            conn.close()
        if not applied:
            shown = ", ".join(sorted(tables)[:5]) + (", …" if len(tables) > 5 else "")
            raise StoreError(
                f"{self.path}: a SQLite database of another application (tables {shown}), not a leadscore "
                "store; it was left untouched — set LEADSCORE_DB to another file"
            )
        known = {m.name for m in migrations._migrations}
        newer = [name for name in applied if name not in known]
        if newer:
            raise StoreError(
                f"{self.path}: written by a newer leadscore (schema {', '.join(newer)}, which this version does "
                "not know); upgrade leadscore, or set LEADSCORE_DB to another file — the store was left untouched"
            )

    def schema_version(self) -> list[str]:
        """The migrations applied to this store, in order (its schema version, as sqlite-utils records it)."""
        sql = f"SELECT name FROM {Migrations.migrations_table} WHERE migration_set = ? ORDER BY rowid"
        return [r[0] for r in self.query(sql, (migrations.name,))]

    def close(self) -> None:
        with self._write_lock:
            if self._writer is not None:
                self._writer.close()
                self._writer = None
        conn = getattr(self._local, "conn", None)
        if conn is not None:
            conn.close()
            self._local.conn = None

    def query(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> list[sqlite3.Row]:
        return self.reader.execute(sql, params).fetchall()

    def frame(self, sql: str, params: Sequence[Any] | dict[str, Any] = ()) -> pd.DataFrame:
        cursor = self.reader.execute(sql, params)
        columns = [d[0] for d in cursor.description]
        return pd.DataFrame(cursor.fetchall(), columns=columns)

    def revision(self) -> int:
        """A number that grows with every committed write (cache key for derived views)."""
        return int(self.query("SELECT value FROM state WHERE key = 'revision'")[0][0])

    def clear_book(self) -> None:
        """Forget every practice, score, history row, run and pending write (saved configs stay).

        Only for rebuilding the sample book: history is otherwise append-only, so its guard
        triggers are dropped and recreated inside the same transaction.
        """
        with self.write() as w:
            w.execute("DROP TRIGGER score_history_no_delete")
            for table in ("outbox", "scores", "score_history", "runs", "practices", "status_seen", "record_versions",
                          *ENGAGEMENT_TABLES):
                w.execute(f"DELETE FROM {table}")
            w.execute("DELETE FROM state WHERE key != 'revision'")
            w.execute(
                "CREATE TRIGGER score_history_no_delete BEFORE DELETE ON score_history "
                "BEGIN SELECT RAISE(ABORT, 'score_history is append-only'); END"
            )

    def sources(self) -> dict[str, int]:
        """Practices per source (notion | import | demo, the sample book), trashed and deleted ones included."""
        return {r[0]: r[1] for r in self.query("SELECT source, COUNT(*) FROM practices GROUP BY source")}

    def remove_sample(self) -> int:
        """Set the sample book aside: delete everything current of the sample's practices (source
        ``SAMPLE_SOURCE``) — practice, score, pending writes, events and their import record, engagement
        snapshots, automation state and log, statuses seen — and return how many practices went.

        Their score_history stays (it is append-only); `leadscore demo` brings the whole sample back."""
        sample = f"SELECT practice_id FROM practices WHERE source = '{SAMPLE_SOURCE}'"
        with self.write() as w:
            for table in ("outbox", "scores", "status_seen", *ENGAGEMENT_TABLES):
                if table != "event_imports":
                    w.execute(f"DELETE FROM {table} WHERE practice_id IN ({sample})")
            w.execute("DELETE FROM event_imports WHERE source = ?", (SAMPLE_SOURCE,))  # the sample's history
            return int(w.execute("DELETE FROM practices WHERE source = ?", (SAMPLE_SOURCE,)).rowcount)

    def upsert_own_practices(self, rows: Sequence[dict[str, Any]]) -> tuple[list[str], int]:
        """``upsert_practices`` for the user's own book (an import, a Notion pull), which replaces the
        sample (issue 7): when the store holds nothing but the sample book, the sample is set aside
        (``remove_sample``) in the same transaction as these rows arrive. So the first batch of a book
        that arrives in several (a Notion pull of many pages) sets it aside with itself, and a pull or
        import interrupted after it never leaves the sample mixed with the book. A store holding
        anything else keeps its sample. No rows: nothing happens.

        Returns (ids whose scoring inputs changed or are new, sample practices set aside)."""
        if not rows:
            return [], 0
        with self.write() as w:
            others = w.execute("SELECT 1 FROM practices WHERE source != ? LIMIT 1", (SAMPLE_SOURCE,)).fetchone()
            set_aside = 0 if others else self.remove_sample()
            return self.upsert_practices(rows), set_aside

    # ---- key/value state --------------------------------------------------------------------------

    def get_state(self, key: str, default: Any = None) -> Any:
        rows = self.query("SELECT value FROM state WHERE key = ?", (key,))
        return orjson.loads(rows[0][0]) if rows and key != "revision" else default

    def set_state(self, key: str, value: Any) -> None:
        sql = "INSERT INTO state(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        with self.write() as w:
            w.execute(sql, (key, orjson.dumps(value).decode()))

    # ---- practices --------------------------------------------------------------------------------

    def upsert_practices(self, rows: Iterable[dict[str, Any]]) -> list[str]:
        """Insert or update practices; returns the ids whose scoring inputs changed (or are new)."""
        now = utc_now_iso()
        changed: list[str] = []
        with self.write() as w:
            for row in rows:
                record = clip_depth(row["record"], WRITABLE_DEPTH)  # scoring.depth: orjson-safe, scores the same
                digest = inputs_hash(record)
                old = w.execute(
                    "SELECT inputs_hash FROM practices WHERE practice_id = ?", (row["practice_id"],)
                ).fetchone()
                if old is None or old[0] != digest:
                    changed.append(row["practice_id"])
                w.execute(
                    """
                    INSERT INTO practices (practice_id, source, name, address, url, record_json, inputs_hash,
                        enrichment_status, source_edited_time, initial_score, status, assigned_to, call_notes,
                        last_contact, tags, notion_scores_json, problems, extra, in_trash, deleted, first_seen,
                        last_seen)
                    VALUES (:practice_id, :source, :name, :address, :url, :record_json, :inputs_hash,
                        :enrichment_status, :source_edited_time, :initial_score, :status, :assigned_to, :call_notes,
                        :last_contact, :tags, :notion_scores_json, :problems, :extra, :in_trash, 0, :now, :now)
                    ON CONFLICT(practice_id) DO UPDATE SET
                        source = excluded.source, name = excluded.name, address = excluded.address,
                        url = excluded.url, record_json = excluded.record_json, inputs_hash = excluded.inputs_hash,
                        enrichment_status = excluded.enrichment_status,
                        source_edited_time = excluded.source_edited_time,
                        initial_score = excluded.initial_score, status = excluded.status,
                        assigned_to = excluded.assigned_to, call_notes = excluded.call_notes,
                        last_contact = excluded.last_contact, tags = excluded.tags,
                        notion_scores_json = excluded.notion_scores_json, problems = excluded.problems,
                        extra = COALESCE(excluded.extra, practices.extra),
                        in_trash = excluded.in_trash, deleted = 0, last_seen = excluded.last_seen
                    """,
                    {
                        "practice_id": row["practice_id"],
                        "source": row.get("source", "import"),
                        "name": row.get("name"),
                        "address": row.get("address"),
                        "url": row.get("url"),
                        "record_json": orjson.dumps(record).decode(),
                        "inputs_hash": digest,
                        "enrichment_status": row.get("enrichment_status"),
                        "source_edited_time": row.get("source_edited_time"),
                        "initial_score": row.get("initial_score"),
                        "status": row.get("status"),
                        "assigned_to": row.get("assigned_to"),
                        "call_notes": row.get("call_notes"),
                        "last_contact": row.get("last_contact"),
                        "tags": orjson.dumps(row.get("tags") or []).decode(),
                        "notion_scores_json": orjson.dumps(row["notion_scores"]).decode()
                        if row.get("notion_scores") is not None
                        else None,
                        "problems": orjson.dumps(row.get("problems") or []).decode(),
                        "extra": orjson.dumps(row["extra"], default=str).decode() if row.get("extra") else None,
                        "in_trash": int(bool(row.get("in_trash"))),
                        "now": now,
                    },
                )
                self._observe(w, row["practice_id"], row.get("status"), digest, record, now)
        return changed

    def mark_gone(self, practice_ids: Iterable[str], *, trashed: bool) -> None:
        """Pages trashed or deleted at the source: kept (history stays explainable) but flagged. Every
        write still waiting for them — score write-backs and automation property writes, blocked ones
        too — is dropped, its firing logged failed: there is no page to write to."""
        column = "in_trash" if trashed else "deleted"
        ids = [(p,) for p in practice_ids]
        why = f"the page was {'trashed' if trashed else 'deleted'} in Notion; dropped the write"
        with self.write() as w:
            w.executemany(f"UPDATE practices SET {column} = 1 WHERE practice_id = ?", ids)
            w.executemany("DELETE FROM outbox WHERE practice_id = ?", ids)
            w.executemany(
                """UPDATE automation_log SET status = 'failed', last_error = ? WHERE id IN
                   (SELECT log_id FROM property_outbox WHERE practice_id = ? AND log_id IS NOT NULL)""",
                [(why, p) for (p,) in ids],
            )
            w.executemany("DELETE FROM property_outbox WHERE practice_id = ?", ids)

    def practice_count(self, *, active_only: bool = True) -> int:
        where = " WHERE in_trash = 0 AND deleted = 0" if active_only else ""
        return int(self.query(f"SELECT COUNT(*) FROM practices{where}")[0][0])

    def records(self, practice_ids: Iterable[str] | None = None, *, active_only: bool = True) -> list[Any]:
        """Stored records (ScoringInput-shaped), in store order."""
        return [record for _, record in self.records_by_id(practice_ids, active_only=active_only)]

    def records_by_id(
        self, practice_ids: Iterable[str] | None = None, *, active_only: bool = True
    ) -> list[tuple[str, Any]]:
        """(practice id, stored record) pairs in store order; the id is the store's, whatever the record says."""
        return [(pid, record) for pid, record, _ in self.scoring_inputs(practice_ids, active_only=active_only)]

    def scoring_inputs(
        self, practice_ids: Iterable[str] | None = None, *, active_only: bool = True
    ) -> list[tuple[str, Any, str]]:
        """(practice id, stored record, its inputs_hash) triples in store order, each read in one row: the
        hash names the inputs a scoring of that record is made from (``save_scores``' ``scored_from``)."""
        where = ["in_trash = 0", "deleted = 0"] if active_only else []
        params: list[Any] = []
        wanted: set[str] | None = None
        if practice_ids is not None:
            ids = list(practice_ids)
            if not ids:
                return []
            if len(ids) <= MAX_SQL_PARAMETERS:
                where.append(f"practice_id IN ({','.join('?' * len(ids))})")
                params.extend(ids)
            else:  # more ids than one statement may carry: read all, keep the wanted ones
                wanted = set(ids)
        sql = "SELECT practice_id, record_json, inputs_hash FROM practices" + (
            " WHERE " + " AND ".join(where) if where else ""
        )
        rows = self.query(sql + " ORDER BY rowid", params)
        return [(r[0], orjson.loads(r[1]), r[2]) for r in rows if wanted is None or r[0] in wanted]

    def practice(self, practice_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM practices WHERE practice_id = ?", (practice_id,))
        return dict(rows[0]) if rows else None

    def unscored_ids(self) -> list[str]:
        """Practices to (re)score: never scored, scored from different inputs, or failed for a
        reason other than their data (timeouts and an open breaker are picked up again)."""
        rows = self.query(
            """SELECT p.practice_id FROM practices p LEFT JOIN scores s ON s.practice_id = p.practice_id
               WHERE p.in_trash = 0 AND p.deleted = 0
                 AND (s.practice_id IS NULL OR s.inputs_hash IS NOT p.inputs_hash
                      OR (s.scoring_status = 'Failed' AND s.error_type IS NOT 'invalid_input'))
               ORDER BY p.rowid"""
        )
        return [r[0] for r in rows]

    # ---- scores -----------------------------------------------------------------------------------

    def save_scores(
        self,
        outputs: Sequence[dict[str, Any]],
        *,
        trigger: str,
        run_id: int | None,
        config_version: str,
        durations_ms: Sequence[float] | None = None,
        scored_from: Sequence[str] | None = None,
        write_back: PageDiff | None = None,
    ) -> SavedScores:
        """Record scorings: append history, replace current scores, queue write-backs — atomically.

        ``scored_from`` gives, in the order of ``outputs``, the inputs_hash each output was scored from, as
        read with its record (``scoring_inputs``). An output whose practice's inputs changed since — a sync
        or an import landed while it was scored — is stale (issue 8): it is not saved at all (no history
        entry, since history is the course of the current score and "why did this score change" compares
        its last entries; no current score; no write queued or cancelled), its history id is None and its
        practice is listed in ``.stale``; the practice keeps its current score (or none), so while that
        belongs to older inputs ``unscored_ids`` picks it up. Without ``scored_from`` the caller vouches that
        the outputs were scored from the inputs stored now (it upserted and scored them in this
        transaction, as the importer does).

        ``write_back`` (Notion write-back on): for every output of a Notion practice (source 'notion'),
        ``write_back(output, held)`` compares the new score with ``held`` — what its page is known to hold
        (``practices.notion_scores_json``), read inside this same transaction, so a sync or a delivered
        write landing while the batch was scored cannot make the decision stale (issue 8). A non-empty
        result queues the page (kept for the record; the write itself is computed when delivered), an
        empty one cancels a pending write (the page already holds the new score). Other practices keep
        their outbox state.

        Returns the history ids, in the order of ``outputs``, with ``.queued`` (how many pages were
        queued) and ``.stale``. ValueError when ``scored_from`` and ``outputs`` differ in length.
        """
        if scored_from is not None and len(scored_from) != len(outputs):
            raise ValueError(f"save_scores: {len(outputs)} outputs but {len(scored_from)} scored_from hashes")
        now = utc_now_iso()
        ids = SavedScores()
        with self.write() as w:
            hashes: dict[str, str] = {}
            held: dict[str, dict[str, Any] | None] = {}  # Notion practices: what their page holds now
            pids = [o["practice_id"] for o in outputs]
            for start in range(0, len(pids), MAX_SQL_PARAMETERS):
                chunk = pids[start : start + MAX_SQL_PARAMETERS]
                marks = ",".join("?" * len(chunk))
                sql = (
                    "SELECT practice_id, inputs_hash, source, notion_scores_json FROM practices "
                    f"WHERE practice_id IN ({marks})"
                )
                for pid, digest, source, notion_json in w.execute(sql, chunk).fetchall():
                    hashes[pid] = digest
                    if source == NOTION_SOURCE:
                        held[pid] = orjson.loads(notion_json) if notion_json else None
            for i, out in enumerate(outputs):
                pid = out["practice_id"]
                if scored_from is not None and scored_from[i] != hashes.get(pid):
                    ids.append(None)  # scored from inputs that are no longer the practice's: not its score
                    ids.stale.append(pid)
                    continue
                flags = orjson.dumps(out["confidence_flags"]).decode()
                duration = durations_ms[i] if durations_ms is not None else float(out["scoring_duration_ms"])
                cursor = w.execute(
                    """INSERT INTO score_history (practice_id, run_id, trigger, scored_at, inputs_hash, config_version,
                           scoring_status, lead_score, priority_tier, confidence_flags, error_type, error_message,
                           scoring_duration_ms, score_breakdown)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (
                        pid,
                        run_id,
                        trigger,
                        out["scoring_timestamp"],
                        hashes.get(pid),
                        config_version,
                        out["scoring_status"],
                        out["lead_score"],
                        out["priority_tier"],
                        flags,
                        out["error_type"],
                        out["error_message"],
                        duration,
                        out["score_breakdown"],
                    ),
                )
                history_id = int(cursor.lastrowid or 0)
                ids.append(history_id)
                parts = _components_of(out)
                w.execute(
                    """INSERT INTO scores (practice_id, lead_score, priority_tier, original_score, practice_size,
                           call_volume, technology, baseline, decision_maker, confidence_flags, score_breakdown,
                           scoring_status, scoring_timestamp, scoring_duration_ms, error_type, error_message,
                           config_version, inputs_hash, history_id, trigger)
                       VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                       ON CONFLICT(practice_id) DO UPDATE SET
                           lead_score = excluded.lead_score, priority_tier = excluded.priority_tier,
                           original_score = excluded.original_score, practice_size = excluded.practice_size,
                           call_volume = excluded.call_volume, technology = excluded.technology,
                           baseline = excluded.baseline, decision_maker = excluded.decision_maker,
                           confidence_flags = excluded.confidence_flags, score_breakdown = excluded.score_breakdown,
                           scoring_status = excluded.scoring_status, scoring_timestamp = excluded.scoring_timestamp,
                           scoring_duration_ms = excluded.scoring_duration_ms, error_type = excluded.error_type,
                           error_message = excluded.error_message, config_version = excluded.config_version,
                           inputs_hash = excluded.inputs_hash, history_id = excluded.history_id,
                           trigger = excluded.trigger""",
                    (
                        pid,
                        out["lead_score"],
                        out["priority_tier"],
                        parts.get("original"),
                        parts.get("practice_size"),
                        parts.get("call_volume"),
                        parts.get("technology"),
                        parts.get("baseline"),
                        parts.get("decision_maker"),
                        flags,
                        out["score_breakdown"],
                        out["scoring_status"],
                        out["scoring_timestamp"],
                        out["scoring_duration_ms"],
                        out["error_type"],
                        out["error_message"],
                        config_version,
                        hashes.get(pid),
                        history_id,
                        trigger,
                    ),
                )
                if write_back is not None and pid in held:
                    values = write_back(out, held[pid])
                    if values:
                        _queue(w, pid, history_id, values, now)
                        ids.queued += 1
                    else:  # the new score is what the page already holds: nothing left to write
                        w.execute("DELETE FROM outbox WHERE practice_id = ?", (pid,))
        return ids

    def history(self, practice_id: str) -> pd.DataFrame:
        return self.frame("SELECT * FROM score_history WHERE practice_id = ? ORDER BY id", (practice_id,))

    def history_count(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM score_history")[0][0])

    def score(self, practice_id: str) -> dict[str, Any] | None:
        rows = self.query("SELECT * FROM scores WHERE practice_id = ?", (practice_id,))
        return dict(rows[0]) if rows else None

    def leads_frame(self) -> pd.DataFrame:
        """Every active practice with its current score and sales fields (the Leads table's source)."""
        return self.frame(
            """SELECT p.practice_id, p.name, p.address, p.url, p.source, p.enrichment_status, p.initial_score,
                      p.status, p.assigned_to, p.last_contact, p.tags, p.problems, p.extra,
                      s.lead_score, s.priority_tier, s.confidence_flags, s.scoring_status, s.error_type,
                      s.error_message, s.original_score, s.practice_size, s.call_volume, s.technology,
                      s.baseline, s.decision_maker, s.scoring_timestamp, s.config_version
               FROM practices p LEFT JOIN scores s ON s.practice_id = p.practice_id
               WHERE p.in_trash = 0 AND p.deleted = 0
               ORDER BY p.rowid"""
        )

    # ---- outbox -----------------------------------------------------------------------------------
    # A row means "this page needs syncing": what is sent is computed when it is delivered, from the
    # current score and what the page is known to hold (``practices.notion_scores_json``), so an old
    # score can never overwrite a newer one (issue 8). ``history_id`` is the score the row was queued
    # for; ``properties_json`` what differed then (for people, not for delivery).

    def outbox(self, limit: int | None = None) -> list[dict[str, Any]]:
        sql = "SELECT * FROM outbox ORDER BY queued_at, practice_id"
        rows = self.query(sql + (f" LIMIT {int(limit)}" if limit else ""))
        return [dict(r) | {"properties": orjson.loads(r["properties_json"] or "{}")} for r in rows]

    def outbox_summary(self) -> dict[str, Any]:
        """Every write waiting for Notion — score write-backs and automation property writes alike:
        ``size``, ``oldest`` (queued_at), ``oldest_error``, ``blocked`` (writes Notion cannot take as it
        is set up now) and ``blocked_reasons`` (reason → writes); ``scores`` and ``properties`` split
        ``size`` (pages with a score write, automation property writes)."""
        row = self.query(
            """SELECT COUNT(*) AS size, MIN(queued_at) AS oldest,
                      (SELECT last_error FROM outbox WHERE last_error IS NOT NULL
                       ORDER BY queued_at LIMIT 1) AS oldest_error,
                      COUNT(blocked) AS blocked
               FROM outbox"""
        )[0]
        reasons = self.query("SELECT blocked, COUNT(*) FROM outbox WHERE blocked IS NOT NULL GROUP BY blocked")
        scores = dict(row) | {"blocked_reasons": {r[0]: r[1] for r in reasons}}
        props = self.property_outbox_summary()
        errors = [(s["oldest"], s["oldest_error"]) for s in (scores, props) if s["oldest_error"]]
        merged = dict(scores["blocked_reasons"])
        for reason, count in props["blocked_reasons"].items():
            merged[reason] = merged.get(reason, 0) + count
        return {
            "size": scores["size"] + props["size"],
            "scores": scores["size"],
            "properties": props["size"],
            "oldest": min((o for o in (scores["oldest"], props["oldest"]) if o), default=None),
            "oldest_error": min(errors)[1] if errors else None,
            "blocked": scores["blocked"] + props["blocked"],
            "blocked_reasons": merged,
        }

    def delivery(self, practice_id: str) -> dict[str, Any] | None:
        """What delivering one page's write needs, read now: ``history_id`` and score values of the
        current score, ``notion_scores`` (what the page is known to hold) — None when there is no
        current score or the page is gone."""
        rows = self.query(
            """SELECT s.history_id, s.lead_score, s.priority_tier, s.score_breakdown, s.confidence_flags,
                      s.scoring_status, p.notion_scores_json
               FROM scores s JOIN practices p USING (practice_id)
               WHERE s.practice_id = ? AND p.in_trash = 0 AND p.deleted = 0""",
            (practice_id,),
        )
        if not rows:
            return None
        r = rows[0]
        return {
            "history_id": r["history_id"],
            "scores": {
                "lead_score": r["lead_score"],
                "priority_tier": r["priority_tier"],
                "score_breakdown": r["score_breakdown"],
                "confidence_flags": orjson.loads(r["confidence_flags"] or "[]"),
                "scoring_status": r["scoring_status"],
            },
            "notion_scores": orjson.loads(r["notion_scores_json"]) if r["notion_scores_json"] else None,
        }

    def write_done(
        self, practice_id: str, history_id: int, written: dict[str, Any], *, blocked: str | None = None
    ) -> None:
        """Score values reached the page: remember them as what it holds. The row goes when the score
        written is still the current one and nothing is ``blocked``; otherwise it stays (re-queued if a
        newer score cancelled it meanwhile), so the next delivery sends what is current then."""
        now = utc_now_iso()
        with self.write() as w:
            current = w.execute(
                "SELECT notion_scores_json FROM practices WHERE practice_id = ?", (practice_id,)
            ).fetchone()
            merged = {**(orjson.loads(current[0]) if current and current[0] else {}), **written}
            w.execute(
                "UPDATE practices SET notion_scores_json = ? WHERE practice_id = ?",
                (orjson.dumps(merged).decode(), practice_id),
            )
            score = w.execute("SELECT history_id FROM scores WHERE practice_id = ?", (practice_id,)).fetchone()
            latest = score[0] if score else history_id
            if latest == history_id and blocked is None:
                w.execute("DELETE FROM outbox WHERE practice_id = ?", (practice_id,))
                return
            _queue(w, practice_id, latest, {}, now, reset=False)
            w.execute(
                "UPDATE outbox SET blocked = ?, last_error = COALESCE(?, last_error), last_attempt_at = ? "
                "WHERE practice_id = ?",
                (blocked, blocked, now, practice_id),
            )

    def write_failed(self, practice_id: str, history_id: int, error: str, *, unsure: Iterable[str] = ()) -> None:
        """A write did not land (Notion's message in ``error``); the row stays for the next delivery.

        ``unsure``: score fields the failed request may have changed after all (a timeout, a dropped
        answer): the store stops assuming the page holds its old values there, so a later score equal to
        them is still written."""
        unsure = list(unsure)
        with self.write() as w:
            w.execute(
                """UPDATE outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?
                   WHERE practice_id = ?""",
                (error[:1000], utc_now_iso(), practice_id),
            )
            if unsure:
                _forget_page_values(w, [practice_id], unsure)

    def write_blocked(self, practice_id: str, reason: str) -> None:
        """Nothing of this page's write can be sent as Notion is set up now: say why, send nothing."""
        with self.write() as w:
            w.execute(
                "UPDATE outbox SET blocked = ?, last_error = ?, last_attempt_at = ? WHERE practice_id = ?",
                (reason[:1000], reason[:1000], utc_now_iso(), practice_id),
            )

    def cancel_write(self, practice_id: str, history_id: int | None) -> bool:
        """Drop a pending write found to be unneeded (the page holds the score ``history_id``), unless a
        newer score arrived since; ``None``: there is nothing to write (no score, or the page is gone).
        Returns whether it was dropped."""
        with self.write() as w:
            if history_id is None:
                cursor = w.execute("DELETE FROM outbox WHERE practice_id = ?", (practice_id,))
            else:
                cursor = w.execute(
                    """DELETE FROM outbox WHERE practice_id = ?
                       AND (SELECT history_id FROM scores WHERE practice_id = ?) IS ?""",
                    (practice_id, practice_id, history_id),
                )
            return cursor.rowcount > 0

    def queue_writes(self, writes: dict[str, tuple[int, dict[str, Any]]]) -> None:
        """Queue write-backs (practice id → (history id, score values that differ)) unless one already waits."""
        now = utc_now_iso()
        with self.write() as w:
            w.executemany(
                "INSERT OR IGNORE INTO outbox (practice_id, history_id, properties_json, queued_at) "
                "VALUES (?, ?, ?, ?)",
                [(pid, hid, orjson.dumps(values).decode(), now) for pid, (hid, values) in writes.items()],
            )

    def forget_notion_values(self, fields: Iterable[str]) -> int:
        """Notion's copy of these score fields is no longer known (a score property was added again,
        empty): every scored, active Notion page needs syncing. Returns how many pages were queued."""
        fields = list(fields)
        now = utc_now_iso()
        with self.write() as w:
            rows = w.execute(
                """SELECT p.practice_id, s.history_id FROM practices p JOIN scores s USING (practice_id)
                   WHERE p.source = 'notion' AND p.in_trash = 0 AND p.deleted = 0"""
            ).fetchall()
            ids = [r[0] for r in rows]
            _forget_page_values(w, ids, fields)
            for pid, hid in rows:
                _queue(w, pid, hid, dict.fromkeys(fields), now, reset=False)
        return len(ids)

    # ---- Notion request pacing --------------------------------------------------------------------

    def take_request_slot(self, key: str, interval: float, burst: int = 1, now: float | None = None) -> float:
        """Reserve the next request slot of the schedule ``key`` (one per Notion integration, shared by
        every process on this store): seconds to wait before sending (0 when it may go now).

        A generic cell rate: on average one request per ``interval`` seconds, up to ``burst`` at once."""
        now = time.time() if now is None else now
        with self.write(revision=False) as w:
            row = w.execute("SELECT next_at FROM notion_pace WHERE key = ?", (key,)).fetchone()
            held = w.execute("SELECT next_at FROM notion_pace WHERE key = ?", (key + HOLD_SUFFIX,)).fetchone()
            due = max(row[0] if row else now, now)
            # A hold (Notion's Retry-After) is not softened by the burst allowance.
            start = max(now, due - (burst - 1) * interval, held[0] if held else now)
            w.execute(
                "INSERT INTO notion_pace(key, next_at) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET next_at = excluded.next_at",
                (key, max(due, start) + interval),
            )
        return start - now

    def hold_requests(self, key: str, until: float) -> None:
        """Notion asked the integration to wait (429 + Retry-After): no process sends before ``until``."""
        with self.write(revision=False) as w:
            w.execute(
                "INSERT INTO notion_pace(key, next_at) VALUES (?, ?) "
                "ON CONFLICT(key) DO UPDATE SET next_at = MAX(next_at, excluded.next_at)",
                (key + HOLD_SUFFIX, until),
            )

    # ---- runs -------------------------------------------------------------------------------------

    def start_run(self, kind: str, trigger: str, config_version: str | None = None) -> int:
        with self.write() as w:
            # A run still "running" from a process that no longer exists was interrupted.
            for row in w.execute("SELECT id, pid FROM runs WHERE status = 'running'").fetchall():
                if row[1] and not _process_alive(row[1]):
                    w.execute(
                        "UPDATE runs SET status = 'interrupted', finished_at = ? WHERE id = ?",
                        (utc_now_iso(), row[0]),
                    )
            cursor = w.execute(
                "INSERT INTO runs (kind, trigger, status, started_at, config_version, pid) VALUES (?, ?, ?, ?, ?, ?)",
                (kind, trigger, "running", utc_now_iso(), config_version, os.getpid()),
            )
            return int(cursor.lastrowid or 0)

    def finish_run(self, run_id: int, *, status: str = "completed", **stats: Any) -> None:
        allowed = {
            "total",
            "scored",
            "failed",
            "written",
            "write_failures",
            "p50_ms",
            "p95_ms",
            "p99_ms",
            "error",
            "config_version",
        }
        values = {k: v for k, v in stats.items() if k in allowed}
        details = {k: v for k, v in stats.items() if k not in allowed}
        sets = ", ".join(f"{k} = :{k}" for k in values)
        with self.write() as w:
            w.execute(
                f"UPDATE runs SET status = :status, finished_at = :finished, details = :details"
                f"{', ' + sets if sets else ''} WHERE id = :id",
                {
                    **values,
                    "status": status,
                    "finished": utc_now_iso(),
                    "details": orjson.dumps(details, default=str).decode(),
                    "id": run_id,
                },
            )

    def runs(self, limit: int = 20) -> pd.DataFrame:
        return self.frame("SELECT * FROM runs ORDER BY id DESC LIMIT ?", (limit,))

    # ---- saved configurations ---------------------------------------------------------------------

    def save_config(self, name: str, config: ScoringConfig, note: str = "", *, activate: bool = False) -> SavedConfig:
        name = name.strip()
        if not name:
            raise ConfigError("A configuration needs a name", [("name", "must not be empty")])
        with self.write() as w:
            row = w.execute("SELECT MAX(version) FROM configs WHERE name = ?", (name,)).fetchone()
            version = int(row[0] or 0) + 1
            label = f"{name}-v{version}"
            stored = config.model_copy(update={"version": label})
            cursor = w.execute(
                "INSERT INTO configs (name, version, label, config_json, note, created_at, active) "
                "VALUES (?, ?, ?, ?, ?, ?, 0)",
                (name, version, label, stored.model_dump_json(), note, utc_now_iso()),
            )
            config_id = int(cursor.lastrowid or 0)
            if activate:
                w.execute("UPDATE configs SET active = 0 WHERE active = 1")
                w.execute("UPDATE configs SET active = 1 WHERE id = ?", (config_id,))
        saved = self.config_by_id(config_id)
        assert saved is not None
        return saved

    def activate_config(self, config_id: int) -> SavedConfig:
        with self.write() as w:
            if w.execute("SELECT 1 FROM configs WHERE id = ?", (config_id,)).fetchone() is None:
                raise ConfigError(f"No saved configuration with id {config_id}")
            w.execute("UPDATE configs SET active = 0 WHERE active = 1")
            w.execute("UPDATE configs SET active = 1 WHERE id = ?", (config_id,))
        saved = self.config_by_id(config_id)
        assert saved is not None
        return saved

    def deactivate_configs(self) -> None:
        """No saved configuration active: the SPEC defaults are in force again."""
        with self.write() as w:
            w.execute("UPDATE configs SET active = 0 WHERE active = 1")

    def configs(self) -> list[SavedConfig]:
        """Every saved configuration that still validates (one saved under looser bounds is left out
        of the list; if it is the active one, :meth:`active_config` says so)."""
        listed = []
        for row in self.query("SELECT * FROM configs ORDER BY name, version"):
            with contextlib.suppress(ConfigError):
                listed.append(_saved(row))
        return listed

    def config_by_id(self, config_id: int) -> SavedConfig | None:
        rows = self.query("SELECT * FROM configs WHERE id = ?", (config_id,))
        return _saved(rows[0]) if rows else None

    def active_config(self) -> SavedConfig | None:
        """The active saved configuration, None when the SPEC defaults are in force.
        InvalidActiveConfig when it no longer validates."""
        rows = self.query("SELECT * FROM configs WHERE active = 1")
        if not rows:
            return None
        try:
            return _saved(rows[0])
        except ConfigError as exc:
            problem = str(exc).split(": ", 1)[-1]
            raise InvalidActiveConfig(rows[0]["label"], problem) from None

    # ---- outcomes, recorded inputs and learned models (issue 10) ------------------------------------

    def _observe(
        self, w: sqlite3.Connection, practice_id: str, status: Any, digest: str, record: Any, now: str
    ) -> None:
        """Inside an upsert: note a Status seen for the first time, and the record behind ``digest``."""
        text = str(status).strip() if status is not None else ""
        if text:
            w.execute(
                "INSERT OR IGNORE INTO status_seen (practice_id, status, first_seen) VALUES (?, ?, ?)",
                (practice_id, text, now),
            )
        w.execute(
            "INSERT OR IGNORE INTO record_versions (inputs_hash, record_json, first_seen) VALUES (?, ?, ?)",
            (digest, orjson.dumps(record).decode(), now),
        )

    def statuses_seen(self) -> pd.DataFrame:
        """Every (practice_id, status, first_seen) the store has observed, oldest first."""
        return self.frame("SELECT practice_id, status, first_seen FROM status_seen ORDER BY first_seen, practice_id")

    def recorded_input(self, inputs_hash: str | None) -> Any:
        """The record scored under ``inputs_hash`` (from any history entry), or None when not kept."""
        if not inputs_hash:
            return None
        rows = self.query("SELECT record_json FROM record_versions WHERE inputs_hash = ?", (inputs_hash,))
        return orjson.loads(rows[0][0]) if rows else None

    def save_model(
        self, *, method: str, config_version: str, metrics: dict[str, Any], params: dict[str, Any]
    ) -> int:
        """Store a trained model as the new current one; returns its id (its version)."""
        with self.write() as w:
            w.execute("UPDATE models SET current = 0 WHERE current = 1")
            cursor = w.execute(
                """INSERT INTO models (method, trained_at, config_version, labelled, won, lost, auc_cv, auc_rules_cv,
                       metrics_json, params_json, current) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 1)""",
                (
                    method,
                    utc_now_iso(),
                    config_version,
                    metrics.get("labelled"),
                    metrics.get("won"),
                    metrics.get("lost"),
                    metrics.get("auc_cv"),
                    metrics.get("auc_rules_cv"),
                    orjson.dumps(metrics).decode(),
                    orjson.dumps(params).decode(),
                ),
            )
            return int(cursor.lastrowid or 0)

    def models(self) -> pd.DataFrame:
        """Every stored model, newest first (without parameters)."""
        return self.frame(
            "SELECT id, method, trained_at, config_version, labelled, won, lost, auc_cv, auc_rules_cv, current "
            "FROM models ORDER BY id DESC"
        )

    def current_model(self) -> dict[str, Any] | None:
        """The current model's row with ``metrics`` and ``params`` decoded, or None when none is trained."""
        rows = self.query("SELECT * FROM models WHERE current = 1")
        if not rows:
            return None
        row = dict(rows[0])
        return row | {"metrics": orjson.loads(row["metrics_json"]), "params": orjson.loads(row["params_json"])}

    def make_model_current(self, model_id: int) -> None:
        with self.write() as w:
            if w.execute("SELECT 1 FROM models WHERE id = ?", (model_id,)).fetchone() is None:
                raise StoreError(f"No stored model with id {model_id}")
            w.execute("UPDATE models SET current = 0 WHERE current = 1")
            w.execute("UPDATE models SET current = 1 WHERE id = ?", (model_id,))

    # ---- engagement: events, snapshots, automation (issue 11, SPEC §12) ---------------------------

    def add_events(self, rows: Sequence[tuple[Any, ...]], import_record: dict[str, Any] | None = None) -> int:
        """Append events — (event_id, practice_id, type, occurred_us, source, detail) tuples — in one
        transaction; an event_id already stored is a duplicate and changes nothing (SPEC §12). An empty
        detail is stored as none (NULL).

        ``import_record`` (source, name, rows, duplicates, unknown_type, unknown_practice, unreadable)
        is logged in ``event_imports`` in the same transaction, with ``imported`` = the events added.
        Returns the number of events added.
        """
        if import_record is None:
            return self.add_event_chunks([rows])
        record = dict(import_record)
        record.setdefault("rows", len(rows))
        return self.add_event_chunks([rows], log=(record.get("source"), record.get("name")), summary=lambda: record)

    def add_event_chunks(
        self,
        chunks: Iterable[Sequence[tuple[Any, ...]]],
        *,
        log: tuple[str | None, str | None] | None = None,
        summary: Callable[[], dict[str, Any]] | None = None,
    ) -> int:
        """Append events chunk by chunk in ONE transaction (see :meth:`add_events` for the rows): while a
        chunk is being added, the next one is produced (``chunks`` may parse a file lazily), so reading
        and writing overlap. An exception from ``chunks`` rolls everything back: nothing is stored.

        ``log`` = (source, name) records the import in ``event_imports``; ``summary()``, called after the
        last chunk, gives its counts (rows, duplicates, unknown_type, unknown_practice, unreadable).
        Returns the number of events added.
        """
        with self.write() as w, ThreadPoolExecutor(max_workers=1, thread_name_prefix="events") as pool:
            import_id = None
            if log is not None:
                cursor = w.execute(
                    "INSERT INTO event_imports (source, name, imported_at, rows, imported, duplicates, unknown_type, "
                    "unknown_practice, unreadable) VALUES (?, ?, ?, 0, 0, 0, 0, 0, 0)",
                    (log[0], log[1], utc_now_iso()),
                )
                import_id = int(cursor.lastrowid or 0)
            columns = "(event_id, practice_id, type, occurred_us, source, detail, import_id)"
            # No detail is bound as '' (Python's sqlite3 binds None four times slower than text: it looks
            # for an adapter first) and stored as NULL; an empty detail is no detail either way.
            values = f"(?, ?, ?, ?, ?, NULLIF(?, ''), {import_id if import_id is not None else 'NULL'})"
            one = f"INSERT OR IGNORE INTO events {columns} VALUES {values}"
            many = f"INSERT OR IGNORE INTO events {columns} VALUES " + ", ".join([values] * EVENTS_PER_STATEMENT)
            width = 6 * EVENTS_PER_STATEMENT
            before = w.total_changes

            def insert(rows: Sequence[tuple[Any, ...]]) -> None:
                # The cursor must die here, in the worker: dropped later in this thread it would reset the
                # cached statement the next chunk is running on (SQLite: "bad parameter or API misuse").
                flat = _flat_in_key_order(rows)
                whole = len(flat) - len(flat) % width
                # Many rows a statement: a third less time than one row a statement (measured, 1M rows).
                w.executemany(many, [flat[i : i + width] for i in range(0, whole, width)])
                w.executemany(one, [flat[i : i + 6] for i in range(whole, len(flat), 6)])

            pending: Future[None] | None = None
            try:
                for chunk in chunks:  # producing the next chunk (parsing) overlaps adding this one
                    if pending is not None:
                        pending.result()
                    pending = pool.submit(insert, chunk)
            finally:
                if pending is not None:
                    pending.result()  # the connection is never left to a running worker
            added = w.total_changes - before
            if import_id is not None:
                counts = summary() if summary is not None else {}
                w.execute(
                    "UPDATE event_imports SET rows = ?, imported = ?, duplicates = ?, unknown_type = ?, "
                    "unknown_practice = ?, unreadable = ? WHERE id = ?",
                    (counts.get("rows", 0), added, counts.get("duplicates", 0), counts.get("unknown_type", 0),
                     counts.get("unknown_practice", 0), counts.get("unreadable", 0), import_id),
                )
        return added

    def stored_event_ids(self, event_ids: Iterable[str]) -> set[str]:
        """Which of ``event_ids`` the log already holds."""
        ids = list(event_ids)
        found: set[str] = set()
        if not ids or not self.query("SELECT 1 FROM events LIMIT 1"):
            return found
        for start in range(0, len(ids), MAX_SQL_PARAMETERS):
            chunk = ids[start : start + MAX_SQL_PARAMETERS]
            sql = f"SELECT event_id FROM events WHERE event_id IN ({','.join('?' * len(chunk))})"
            found.update(r[0] for r in self.reader.execute(sql, chunk))
        return found

    def event_count(self) -> int:
        return int(self.query("SELECT COUNT(*) FROM events")[0][0])

    def events_frame(self) -> pd.DataFrame:
        """Every event as the engagement engine reads it: ``practice_id`` and ``type`` (categoricals) and
        ``occurred_us`` (int64), in the log's order (by event_id)."""
        rows = self.reader.execute("SELECT practice_id, type, occurred_us FROM events").fetchall()
        practice_ids, types, when = zip(*rows, strict=True) if rows else ((), (), ())
        return pd.DataFrame(
            {
                "practice_id": pd.Categorical(practice_ids),
                "type": pd.Categorical(types),
                "occurred_us": np.asarray(when, dtype=np.int64),
            }
        )

    def practice_events(self, practice_id: str) -> pd.DataFrame:
        """One practice's events with every column, newest first (the Practice page's timeline)."""
        return self.frame(
            "SELECT event_id, practice_id, type, occurred_us, source, detail FROM events WHERE practice_id = ? "
            "ORDER BY occurred_us DESC, event_id",
            (practice_id,),
        )

    def event_imports(self, limit: int = 20) -> pd.DataFrame:
        return self.frame("SELECT * FROM event_imports ORDER BY id DESC LIMIT ?", (limit,))

    def known_practice_ids(self) -> set[str]:
        """Every practice id the store knows (trashed and deleted ones included)."""
        return {r[0] for r in self.reader.execute("SELECT practice_id FROM practices")}

    def save_engagement_snapshot(self, rows: Sequence[tuple[Any, ...]]) -> int:
        """Record snapshots — (practice_id, day, engagement_score, engagement_level, velocity_24h,
        recency_risk, grid_cell, next_action, config_version, taken_at, source) tuples; a practice's
        snapshot for a day that already has one changes nothing. Returns how many were recorded."""
        with self.write() as w:
            before = w.total_changes
            w.executemany("INSERT OR IGNORE INTO engagement_snapshots VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)", rows)
            return w.total_changes - before

    def engagement_history(self, practice_id: str) -> pd.DataFrame:
        return self.frame(
            "SELECT * FROM engagement_snapshots WHERE practice_id = ? ORDER BY day", (practice_id,)
        )

    def snapshot_days(self) -> list[str]:
        return [r[0] for r in self.query("SELECT DISTINCT day FROM engagement_snapshots ORDER BY day")]

    def queue_property_write(
        self, practice_id: str, prop: str, value: Any, *, origin: str | None = None, log_id: int | None = None
    ) -> None:
        """Queue one Notion property value for a page (automation's `notion_property` action).

        One pending row per page and property: a newer value replaces an older one (latest wins, and
        whatever blocked the older one is forgotten); the firing it replaced is logged ``replaced``.
        Delivered with the score outbox by :func:`data.events.delivery.deliver_property_writes`."""
        now = utc_now_iso()
        with self.write() as w:
            old = w.execute(
                "SELECT log_id, origin FROM property_outbox WHERE practice_id = ? AND property = ?", (practice_id, prop)
            ).fetchone()
            if old and old[0] is not None and old[0] != log_id:
                w.execute(
                    "UPDATE automation_log SET status = 'replaced', last_error = ?, done_at = ? WHERE id = ?",
                    (f"replaced by a newer value for {prop!r}" + (f" ({origin})" if origin else "")
                     + " before it was written", now, old[0]),
                )
            w.execute(
                """INSERT INTO property_outbox (practice_id, property, value_json, queued_at, origin, log_id)
                   VALUES (?, ?, ?, ?, ?, ?)
                   ON CONFLICT(practice_id, property) DO UPDATE SET value_json = excluded.value_json,
                       queued_at = excluded.queued_at, origin = excluded.origin, log_id = excluded.log_id,
                       attempts = 0, last_error = NULL, last_attempt_at = NULL, blocked = NULL, blocked_on = NULL""",
                (practice_id, prop, orjson.dumps(value).decode(), now, origin, log_id),
            )

    def property_writes(self, practice_ids: Collection[str] | None = None) -> list[dict[str, Any]]:
        """The queued property writes (of ``practice_ids``, or all), oldest first: the table's columns
        plus ``value`` (decoded)."""
        rows = self.query("SELECT * FROM property_outbox ORDER BY queued_at, practice_id, property")
        return [dict(r) | {"value": orjson.loads(r["value_json"])} for r in rows
                if practice_ids is None or r["practice_id"] in practice_ids]

    # What was sent is identified by everything a newer value changes (issue 11 review): an outcome of a
    # send applies only while the row still holds that value, never to a value queued meanwhile.
    _SENT_ROW = "practice_id = ? AND property = ? AND value_json = ? AND log_id IS ? AND queued_at = ?"

    @staticmethod
    def _sent_key(practice_id: str, item: Mapping[str, Any]) -> tuple[Any, ...]:
        return (practice_id, item["property"], item["value_json"], item["log_id"], item["queued_at"])

    def property_writes_done(self, practice_id: str, written: Iterable[Mapping[str, Any]]) -> None:
        """Property writes (rows of :meth:`property_writes`) reached the page: each is dropped and its
        firing logged done — unless a newer value replaced it meanwhile (then that one waits, and the
        older firing stays logged ``replaced``)."""
        now = utc_now_iso()
        with self.write() as w:
            for item in written:
                dropped = w.execute(f"DELETE FROM property_outbox WHERE {self._SENT_ROW}",
                                    self._sent_key(practice_id, item)).rowcount
                if dropped and item["log_id"] is not None:
                    w.execute(
                        "UPDATE automation_log SET status = 'done', done_at = ?, last_error = NULL, "
                        "attempts = attempts + 1 WHERE id = ? AND status != 'replaced'",
                        (now, item["log_id"]),
                    )

    def property_write_failed(
        self, practice_id: str, item: Mapping[str, Any], error: str, *, drop: bool = False
    ) -> bool:
        """A property write (a row of :meth:`property_writes`) did not land: keep it queued with Notion's
        message for the next delivery (or ``drop`` it when the page is gone); its automation log row says
        why. Nothing changes when a newer value replaced it meanwhile (that one is still to be sent).
        Returns whether the row still held the value sent."""
        now = utc_now_iso()
        with self.write() as w:
            if drop:
                cursor = w.execute(f"DELETE FROM property_outbox WHERE {self._SENT_ROW}",
                                   self._sent_key(practice_id, item))
            else:
                cursor = w.execute(
                    f"""UPDATE property_outbox SET attempts = attempts + 1, last_error = ?, last_attempt_at = ?
                       WHERE {self._SENT_ROW}""",
                    (error[:1000], now, *self._sent_key(practice_id, item)),
                )
            if cursor.rowcount and item["log_id"] is not None:
                w.execute(
                    "UPDATE automation_log SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                    ("failed" if drop else "queued", error[:1000], item["log_id"]),
                )
            return bool(cursor.rowcount)

    def property_write_blocked(self, practice_id: str, item: Mapping[str, Any], reason: str, blocked_on: str) -> bool:
        """Notion cannot take this write (a row of :meth:`property_writes`) as it is set up now
        (``reason``, a sentence): it is not sent again while the property's schema stays ``blocked_on``
        (JSON) and no newer value replaces it; its firing is logged ``failed`` with the reason. Nothing
        changes when a newer value replaced it meanwhile (that one is judged on its own). Returns whether
        the row still held the value judged."""
        with self.write() as w:
            cursor = w.execute(
                f"""UPDATE property_outbox SET blocked = ?, blocked_on = ?, last_error = ?, last_attempt_at = ?,
                       attempts = attempts + 1 WHERE {self._SENT_ROW}""",
                (reason[:1000], blocked_on, reason[:1000], utc_now_iso(), *self._sent_key(practice_id, item)),
            )
            if cursor.rowcount and item["log_id"] is not None:
                w.execute(
                    "UPDATE automation_log SET status = 'failed', attempts = attempts + 1, last_error = ? WHERE id = ?",
                    (reason[:1000], item["log_id"]),
                )
            return bool(cursor.rowcount)

    def property_outbox_summary(self) -> dict[str, Any]:
        """The automation property writes waiting: ``size``, ``oldest`` (queued_at), ``oldest_error``,
        ``blocked`` (Notion cannot take them as set up now) and ``blocked_reasons`` (reason → writes)."""
        row = self.query(
            """SELECT COUNT(*) AS size, MIN(queued_at) AS oldest,
                      (SELECT last_error FROM property_outbox WHERE last_error IS NOT NULL
                       ORDER BY queued_at LIMIT 1) AS oldest_error,
                      COUNT(blocked) AS blocked
               FROM property_outbox"""
        )[0]
        reasons = self.query(
            "SELECT blocked, COUNT(*) FROM property_outbox WHERE blocked IS NOT NULL GROUP BY blocked"
        )
        return dict(row) | {"blocked_reasons": {r[0]: r[1] for r in reasons}}

    def automation_log(self, limit: int = 200) -> pd.DataFrame:
        return self.frame("SELECT * FROM automation_log ORDER BY id DESC LIMIT ?", (limit,))

    def automation_fire(
        self,
        rule_id: str,
        day: str,
        matched: Sequence[str],
        payloads: dict[str, dict[str, Any]],
        action: str,
        target: str | None,
        fired_at: str,
    ) -> list[tuple[int, str]]:
        """Record one rule's evaluation atomically: the practices whose condition holds now but did not at
        the previous evaluation fire — a log row unique per (practice, rule, day), plus, for a
        ``notion_property`` action, the queued write — and every practice's matched state is kept for
        the next evaluation. A firing already logged for the day is not repeated. Returns the
        (log id, practice id) pairs that fired."""
        fired: list[tuple[int, str]] = []
        with self.write() as w:
            before = dict(w.execute("SELECT practice_id, matched FROM automation_state WHERE rule_id = ?", (rule_id,)))
            entering = [p for p in matched if not before.get(p)]
            sample = {r[0] for r in w.execute("SELECT practice_id FROM practices WHERE source = ?", (SAMPLE_SOURCE,))}
            for pid in entering:
                payload = payloads[pid]
                if action == "log":
                    status, note = "done", None
                elif pid in sample:  # made-up practices: nothing real is sent on their behalf
                    status, note = "skipped", "a sample-book practice: no webhook or Notion write is sent for it"
                elif action == "webhook":
                    status, note = "pending", None
                elif payload.get("notion_page"):
                    status, note = "queued", None
                else:
                    status, note = "skipped", "no Notion page to write to (a sample-book or imported practice)"
                cursor = w.execute(
                    """INSERT OR IGNORE INTO automation_log (practice_id, rule_id, day, fired_at, action, target,
                           payload, status, last_error, done_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)""",
                    (pid, rule_id, day, fired_at, action, target, orjson.dumps(payload).decode(), status, note,
                     fired_at if status == "done" else None),
                )
                if not cursor.rowcount:
                    continue  # fired already today (SPEC: once per practice, rule and day)
                log_id = int(cursor.lastrowid or 0)
                fired.append((log_id, pid))
                if status == "queued" and target:
                    self.queue_property_write(pid, target, payload.get("value"), origin=f"automation:{rule_id}",
                                              log_id=log_id)
            now = set(matched)
            changes = [(p, rule_id, 1, fired_at) for p in entering]
            changes += [(p, rule_id, 0, fired_at) for p, was in before.items() if was and p not in now]
            w.executemany(
                """INSERT INTO automation_state (practice_id, rule_id, matched, changed_at) VALUES (?, ?, ?, ?)
                   ON CONFLICT(practice_id, rule_id) DO UPDATE SET matched = excluded.matched,
                       changed_at = excluded.changed_at""",
                changes,
            )
        return fired

    def pending_webhooks(self) -> list[dict[str, Any]]:
        rows = self.query("SELECT * FROM automation_log WHERE action = 'webhook' AND status = 'pending' ORDER BY id")
        return [dict(r) for r in rows]

    def webhook_attempted(self, log_id: int, error: str | None, *, give_up: bool = False) -> None:
        """A webhook delivery: done when ``error`` is None; else pending again with the reason (failed
        for good when ``give_up``)."""
        with self.write() as w:
            if error is None:
                w.execute(
                    "UPDATE automation_log SET status = 'done', attempts = attempts + 1, last_error = NULL, "
                    "done_at = ? WHERE id = ?",
                    (utc_now_iso(), log_id),
                )
            else:
                w.execute(
                    "UPDATE automation_log SET status = ?, attempts = attempts + 1, last_error = ? WHERE id = ?",
                    ("failed" if give_up else "pending", error[:1000], log_id),
                )


def _saved(row: sqlite3.Row) -> SavedConfig:
    return SavedConfig(
        id=row["id"],
        name=row["name"],
        version=row["version"],
        label=row["label"],
        config=ScoringConfig.from_json(row["config_json"], source=f"saved configuration {row['label']}"),
        note=row["note"] or "",
        created_at=row["created_at"],
        active=bool(row["active"]),
    )


def _components_of(out: dict[str, Any]) -> dict[str, Any]:
    if out["scoring_status"] != "Scored":
        return {}
    doc = orjson.loads(out["score_breakdown"])
    parts = {name: c.get("score") for name, c in doc.get("components", {}).items()}
    parts["original"] = doc.get("original_score")
    return parts


def _queue(
    w: sqlite3.Connection, practice_id: str, history_id: int, values: Any, now: str, *, reset: bool = True
) -> None:
    """Mark a page as needing syncing (one row per page); ``reset`` clears a previous failure."""
    if reset:
        w.execute(
            """INSERT INTO outbox (practice_id, history_id, properties_json, queued_at, attempts)
               VALUES (?, ?, ?, ?, 0)
               ON CONFLICT(practice_id) DO UPDATE SET history_id = excluded.history_id,
                   properties_json = excluded.properties_json, queued_at = excluded.queued_at,
                   attempts = 0, last_error = NULL, last_attempt_at = NULL, blocked = NULL""",
            (practice_id, history_id, orjson.dumps(values).decode(), now),
        )
    else:
        w.execute(
            """INSERT INTO outbox (practice_id, history_id, properties_json, queued_at, attempts)
               VALUES (?, ?, ?, ?, 0)
               ON CONFLICT(practice_id) DO UPDATE SET history_id = excluded.history_id""",
            (practice_id, history_id, orjson.dumps(values).decode(), now),
        )


UNKNOWN_VALUE = {"unknown": "a write may or may not have reached the page"}


def _forget_page_values(w: sqlite3.Connection, practice_ids: Sequence[str], fields: Sequence[str]) -> None:
    """Stop assuming what these pages hold in ``fields``: an unknown value differs from every score."""
    for pid in practice_ids:
        row = w.execute("SELECT notion_scores_json FROM practices WHERE practice_id = ?", (pid,)).fetchone()
        held = orjson.loads(row[0]) if row and row[0] else {}
        held.update(dict.fromkeys(fields, UNKNOWN_VALUE))
        w.execute(
            "UPDATE practices SET notion_scores_json = ? WHERE practice_id = ?", (orjson.dumps(held).decode(), pid)
        )


def _folder_problem(path: Path, why: str) -> str:
    return f"cannot create the store at {path}: {why}; set LEADSCORE_DB to a file in a folder you can write"

def _flat_in_key_order(rows: Sequence[tuple[Any, ...]]) -> list[Any]:
    """Events' six fields one after another (no detail as ''), the events sorted by event_id: the log
    is keyed by it, so adding in key order appends to its B-tree instead of splitting pages all over it
    (derived ids are hashes, in no order). ValueError for a row that does not have six fields."""
    if set(map(len, rows)) - {6}:  # flattened, a short row would shift every field after it
        bad = next(r for r in rows if len(r) != 6)
        raise ValueError(f"an event row has {len(bad)} fields, not 6 (event_id, practice_id, type, occurred_us, "
                         "source, detail)")
    flat = list(itertools.chain.from_iterable(rows))
    ids = flat[0::6]
    if ids != sorted(ids):
        flat = list(itertools.chain.from_iterable(sorted(rows, key=lambda r: r[0])))
    flat[5::6] = ["" if detail is None else detail for detail in flat[5::6]]
    return flat


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def percentiles(durations_ms: Sequence[float]) -> dict[str, float | None]:
    if not durations_ms:
        return {"p50_ms": None, "p95_ms": None, "p99_ms": None}
    import numpy as np

    values = np.asarray(durations_ms, dtype=float)
    p50, p95, p99 = np.percentile(values, [50, 95, 99])
    return {"p50_ms": round(float(p50), 3), "p95_ms": round(float(p95), 3), "p99_ms": round(float(p99), 3)}
