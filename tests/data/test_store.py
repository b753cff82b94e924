"""The local store (data/store.py): migrations, WAL, append-only history, atomic scoring writes,
the outbox, runs, saved configurations and concurrency (threads and processes)."""

from __future__ import annotations

import multiprocessing
import os
import sqlite3
import subprocess
import sys
import threading
import time
import traceback
from pathlib import Path
from typing import Any

import orjson
import pytest

from data.store import Store, StoreError, migrations
from scoring.config import ConfigError, ScoringConfig
from tests.data.conftest import output_for, practice_row

TABLES = {"practices", "scores", "score_history", "runs", "configs", "outbox", "state"}


def _page_lacks_the_score(out: dict[str, Any], held: dict[str, Any] | None) -> dict[str, Any]:
    """A write-back decision for a page that never holds the new score: queue its lead score."""
    return {"lead_score": out["lead_score"]}


def _save(store: Store, practice_id: str, *, outbox: bool = False, trigger: str = "manual", **changes: Any) -> int:
    """Upsert a Notion practice and record one scoring of it (its write queued with ``outbox``); returns the
    history id."""
    row = practice_row(practice_id, source="notion", **changes)
    store.upsert_practices([row])
    out = output_for(row["record"])
    [history_id] = store.save_scores(
        [out],
        trigger=trigger,
        run_id=None,
        config_version="default",
        write_back=_page_lacks_the_score if outbox else None,
    )
    assert history_id is not None
    return history_id


def _failed_output(practice_id: str, error_type: str) -> dict[str, Any]:
    out = output_for({"practice_id": practice_id})  # no google_maps_data: Failed, invalid_input
    assert out["scoring_status"] == "Failed"
    out["practice_id"] = practice_id
    out["error_type"] = error_type
    return out


def _dead_pid() -> int:
    done = subprocess.run([sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True)
    return int(done.stdout.strip())


# ---- schema and migrations --------------------------------------------------------------------------


def test_migrations_create_every_table(store: Store) -> None:
    names = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'table'")}
    assert names >= TABLES
    triggers = {r[0] for r in store.query("SELECT name FROM sqlite_master WHERE type = 'trigger'")}
    assert {"score_history_no_update", "score_history_no_delete"} <= triggers
    assert store.revision() == 0


def test_migrations_are_idempotent(tmp_path: Path) -> None:
    path = tmp_path / "again.db"
    first = Store.open(path)
    _save(first, "p1")
    schema = sorted(tuple(r) for r in first.query("SELECT type, name, sql FROM sqlite_master"))
    first.close()
    for _ in range(3):
        again = Store.open(path)
        again.migrate()
        assert sorted(tuple(r) for r in again.query("SELECT type, name, sql FROM sqlite_master")) == schema
        assert again.practice_count() == 1
        assert again.history_count() == 1
        applied = again.query("SELECT name, COUNT(*) FROM _sqlite_migrations GROUP BY name")
        assert [tuple(r) for r in applied] == [(m.name, 1) for m in migrations._migrations]
        again.close()


def test_store_is_in_wal_mode(store: Store) -> None:
    assert store.query("PRAGMA journal_mode")[0][0].lower() == "wal"
    other = sqlite3.connect(store.path)
    try:
        assert other.execute("PRAGMA journal_mode").fetchone()[0].lower() == "wal"
    finally:
        other.close()


def _open_at_once(paths: list[str], barrier: Any, results: Any) -> None:
    """Open each (new) store at the same moment as the other processes; report what happened."""
    for path in paths:
        try:
            barrier.wait(timeout=60)
            store = Store.open(path)
            store.upsert_practices([practice_row(f"proc-{os.getpid()}")])
            store.close()
            results.put(("ok", path))
        except BaseException:
            results.put(("error", traceback.format_exc()))


def test_processes_opening_a_new_store_at_once_all_succeed(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    n, rounds = 3, 20  # the race is narrow; see the deterministic test below
    paths = [str(tmp_path / f"fresh{i}" / "new.db") for i in range(rounds)]
    barrier, results = ctx.Barrier(n), ctx.Queue()
    procs = [ctx.Process(target=_open_at_once, args=(paths, barrier, results)) for _ in range(n)]
    for p in procs:
        p.start()
    outcomes = [results.get(timeout=120) for _ in range(n * rounds)]
    for p in procs:
        p.join(timeout=30)
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, f"{len(errors)} of {n * rounds} opens failed; first:\n{errors[0]}"
    for path in paths:
        store = Store.open(path)
        assert store.practice_count() == n
        # Each migration was applied exactly once.
        applied = store.query("SELECT name, COUNT(*) FROM _sqlite_migrations GROUP BY name")
        assert [tuple(r) for r in applied] == [(m.name, 1) for m in migrations._migrations]
        store.close()


def test_opening_a_new_store_waits_while_another_connection_is_creating_it(tmp_path: Path) -> None:
    """The deterministic form of the race above: another process has the brand-new file's write
    lock for a moment (as a process does while it switches the file to WAL). Opening must wait for
    it (the busy timeout is 60 s), not fail at once with ``database is locked``."""
    path = tmp_path / "creating.db"
    other = sqlite3.connect(path, isolation_level=None)
    other.execute("BEGIN IMMEDIATE")
    outcome: list[str] = []

    def open_store() -> None:
        try:
            Store.open(path).close()
            outcome.append("ok")
        except Exception as exc:
            outcome.append(f"{type(exc).__name__}: {exc}")

    opener = threading.Thread(target=open_store)
    opener.start()
    time.sleep(0.3)
    other.execute("ROLLBACK")
    other.close()
    opener.join(timeout=30)
    assert outcome == ["ok"]


# ---- append-only history ----------------------------------------------------------------------------


def test_score_history_refuses_update_and_delete(store: Store) -> None:
    _save(store, "p1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.write() as w:
        w.execute("UPDATE score_history SET lead_score = 1")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.write() as w:
        w.execute("DELETE FROM score_history")
    # Also for any other client of the file, not just through Store.
    raw = sqlite3.connect(store.path)
    try:
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("DELETE FROM score_history WHERE practice_id = 'p1'")
        with pytest.raises(sqlite3.DatabaseError, match="append-only"):
            raw.execute("UPDATE score_history SET trigger = 'x'")
    finally:
        raw.close()
    assert store.history_count() == 1
    assert store.history("p1")["trigger"].tolist() == ["manual"]


# ---- scoring writes ---------------------------------------------------------------------------------


def test_save_scores_writes_history_current_and_outbox(store: Store) -> None:
    rows = [practice_row("a", source="notion"), practice_row("b", rating=5.0)]  # only "a" has a page
    store.upsert_practices(rows)
    outs = [output_for(r["record"]) for r in rows]
    ids = store.save_scores(
        outs,
        trigger="auto",
        run_id=7,
        config_version="default",
        write_back=_page_lacks_the_score,
    )
    assert len(ids) == 2 and ids[0] < ids[1]
    history = store.frame("SELECT * FROM score_history ORDER BY id")
    assert history["practice_id"].tolist() == ["a", "b"]
    assert history["trigger"].tolist() == ["auto", "auto"]
    assert history["run_id"].tolist() == [7, 7]
    assert history["inputs_hash"].notna().all()
    current = store.score("a")
    assert current is not None
    assert current["history_id"] == ids[0]
    assert current["lead_score"] == outs[0]["lead_score"]
    assert current["inputs_hash"] == store.practice("a")["inputs_hash"]
    assert current["baseline"] == outs[0]["lead_score"]  # baseline-only: the baseline component is the score
    outbox = store.outbox()
    assert [(o["practice_id"], o["history_id"], o["properties"]) for o in outbox] == [
        ("a", ids[0], {"lead_score": outs[0]["lead_score"]})
    ]


def test_save_scores_is_atomic_when_it_fails_midway(store: Store) -> None:
    rows = [practice_row("a", source="notion"), practice_row("b", source="notion")]
    store.upsert_practices(rows)
    before = store.revision()
    outs = [output_for(r["record"]) for r in rows]

    def unserialisable_for_b(out: dict[str, Any], held: dict[str, Any] | None) -> dict[str, Any]:
        return {"lead_score": 1 if out["practice_id"] == "a" else object()}

    # The second practice's outbox payload cannot be serialised: history and current score of both
    # practices, and the first one's write, were already inserted inside the transaction when this fails.
    with pytest.raises(TypeError):
        store.save_scores(
            outs,
            trigger="manual",
            run_id=None,
            config_version="default",
            write_back=unserialisable_for_b,
        )
    assert store.history_count() == 0
    assert store.query("SELECT COUNT(*) FROM scores")[0][0] == 0
    assert store.outbox() == []
    assert store.revision() == before
    # The store is still usable afterwards.
    store.save_scores(outs, trigger="manual", run_id=None, config_version="default")
    assert store.history_count() == 2


def test_save_scores_rolls_back_on_a_bad_output(store: Store) -> None:
    rows = [practice_row("a"), practice_row("b")]
    store.upsert_practices(rows)
    good = output_for(rows[0]["record"])
    bad = output_for(rows[1]["record"])
    del bad["scoring_timestamp"]
    with pytest.raises(KeyError):
        store.save_scores([good, bad], trigger="manual", run_id=None, config_version="default")
    assert store.history_count() == 0
    assert store.score("a") is None


def test_an_output_scored_from_replaced_inputs_is_not_saved(store: Store) -> None:
    """Issue 8: an output scored from inputs a sync or import has since replaced is stale — not the current
    score, not in history, and neither queues nor cancels a Notion write; the practice stays unscored."""
    first = _save(store, "p1", outbox=True)  # current score of the old inputs; its write pending
    old_hash = store.practice("p1")["inputs_hash"]
    old_out = output_for(practice_row("p1")["record"])
    store.upsert_practices([practice_row("p1", source="notion", rating=3.0)])  # new inputs land
    assert store.practice("p1")["inputs_hash"] != old_hash

    for decision in (_page_lacks_the_score, lambda out, held: {}):  # would queue / would cancel
        saved = store.save_scores(
            [old_out], trigger="rescore", run_id=None, config_version="default", scored_from=[old_hash],
            write_back=decision,
        )
        assert list(saved) == [None] and saved.stale == ["p1"] and saved.queued == 0
        assert store.history("p1")["id"].tolist() == [first]
        current = store.score("p1")
        assert current["history_id"] == first and current["inputs_hash"] == old_hash
        assert [o["history_id"] for o in store.outbox()] == [first]
        assert store.unscored_ids() == ["p1"]


def test_a_batch_saves_its_current_outputs_and_skips_only_the_stale_ones(store: Store) -> None:
    rows = [practice_row("a"), practice_row("b"), practice_row("c")]
    store.upsert_practices(rows)
    read = store.scoring_inputs(["a", "b", "c", "gone"])
    assert [pid for pid, _, _ in read] == ["a", "b", "c"]
    outs = [output_for(record) for _, record, _ in read]
    store.upsert_practices([practice_row("b", reviews_count=900)])  # b's inputs change while scored
    ghost = {**output_for(practice_row("ghost")["record"]), "practice_id": "ghost"}  # removed meanwhile

    saved = store.save_scores(
        [*outs, ghost], trigger="auto", run_id=None, config_version="default",
        scored_from=[digest for _, _, digest in read] + ["a-hash-no-practice-has"],
    )

    assert saved[0] is not None and saved[1] is None and saved[2] is not None and saved[3] is None
    assert saved.stale == ["b", "ghost"]
    assert store.score("b") is None and store.score("ghost") is None and store.history("ghost").empty
    assert store.score("a")["inputs_hash"] == read[0][2] and store.score("c")["history_id"] == saved[2]
    assert store.unscored_ids() == ["b"]
    with pytest.raises(ValueError, match="3 outputs but 2"):
        store.save_scores(outs, trigger="auto", run_id=None, config_version="default", scored_from=["x", "y"])


def test_newer_score_replaces_a_pending_outbox_entry(store: Store) -> None:
    first = _save(store, "p1", outbox=True)
    store.write_failed("p1", first, "Notion 503 service_unavailable: try later")
    [pending] = store.outbox()
    assert pending["attempts"] == 1 and "503" in pending["last_error"]
    second = _save(store, "p1", outbox=True, rating=3.0)
    [pending] = store.outbox()
    assert pending["history_id"] == second != first
    assert pending["attempts"] == 0 and pending["last_error"] is None
    # Delivering the older write (a late answer) must not drop the newer one.
    store.write_done("p1", first, {"lead_score": 1})
    assert [o["history_id"] for o in store.outbox()] == [second]
    store.write_done("p1", second, {"lead_score": 2})
    assert store.outbox() == []
    assert orjson.loads(store.practice("p1")["notion_scores_json"]) == {"lead_score": 2}


def test_unscored_ids(store: Store) -> None:
    for pid in ("new", "same", "changed", "timeout", "breaker", "invalid", "trashed", "deleted"):
        store.upsert_practices([practice_row(pid)])
    for pid in ("same", "changed", "trashed", "deleted"):
        store.save_scores(
            [output_for(practice_row(pid)["record"])], trigger="manual", run_id=None, config_version="default"
        )
    store.save_scores(
        [
            _failed_output("timeout", "timeout"),
            _failed_output("breaker", "circuit_breaker"),
            _failed_output("invalid", "invalid_input"),
        ],
        trigger="manual",
        run_id=None,
        config_version="default",
    )
    store.upsert_practices([practice_row("changed", rating=3.0)])  # inputs changed since its scoring
    store.upsert_practices([practice_row("same")])  # seen again, nothing changed
    store.mark_gone(["trashed"], trashed=True)
    store.mark_gone(["deleted"], trashed=False)
    assert store.unscored_ids() == ["new", "changed", "timeout", "breaker"]


def test_upsert_reports_only_new_or_changed_inputs(store: Store) -> None:
    assert store.upsert_practices([practice_row("a"), practice_row("b")]) == ["a", "b"]
    assert store.upsert_practices([practice_row("a"), practice_row("b", rating=4.9)]) == ["b"]
    # Trigger metadata is not an input.
    row = practice_row("a")
    row["record"]["triggered_by"] = "auto"
    assert store.upsert_practices([row]) == []


# ---- runs -------------------------------------------------------------------------------------------


def test_runs_left_by_a_dead_process_are_marked_interrupted(store: Store) -> None:
    dead = store.start_run("sync", "sync", "default")
    alive = store.start_run("rescore", "manual", "default")
    with store.write() as w:
        w.execute("UPDATE runs SET pid = ? WHERE id = ?", (_dead_pid(), dead))
    newest = store.start_run("push", "manual")
    runs = {r["id"]: r for r in store.runs().to_dict("records")}
    assert runs[dead]["status"] == "interrupted"
    assert runs[dead]["finished_at"]
    assert runs[alive]["status"] == "running"  # this process is alive: not interrupted
    assert runs[newest]["status"] == "running"
    store.finish_run(newest, total=3, scored=2, failed=1, p50_ms=1.5, extra_note="x")
    finished = store.runs().set_index("id").loc[newest]
    assert finished["status"] == "completed"
    assert (finished["total"], finished["scored"], finished["failed"]) == (3, 2, 1)
    assert orjson.loads(finished["details"]) == {"extra_note": "x"}


# ---- saved configurations ---------------------------------------------------------------------------


def test_saved_config_versions_and_one_active(store: Store) -> None:
    base = ScoringConfig()
    strict = base.with_changes(hot_tier_min=90)
    a1 = store.save_config("team", base, "first")
    a2 = store.save_config("team", strict, "stricter", activate=True)
    b1 = store.save_config("other", base)
    assert (a1.version, a2.version, b1.version) == (1, 2, 1)
    assert (a1.label, a2.label, b1.label) == ("team-v1", "team-v2", "other-v1")
    assert store.active_config().id == a2.id
    assert [c.active for c in store.configs()] == [False, False, True]  # ordered by name, version
    store.activate_config(b1.id)
    assert store.active_config().id == b1.id
    assert sum(c.active for c in store.configs()) == 1
    store.save_config("team", base, activate=True)
    assert sum(c.active for c in store.configs()) == 1
    assert store.active_config().label == "team-v3"
    with pytest.raises(ConfigError):
        store.activate_config(9999)
    with pytest.raises(ConfigError):
        store.save_config("   ", base)
    # The database itself refuses two active rows.
    with pytest.raises(sqlite3.IntegrityError), store.write() as w:
        w.execute("UPDATE configs SET active = 1")


def test_saved_config_round_trips(store: Store) -> None:
    cfg = ScoringConfig().with_changes(hot_tier_min=85, warm_tier_min=40, website_points=7)
    saved = store.save_config("lab", cfg, "what-if")
    loaded = store.config_by_id(saved.id)
    assert loaded is not None
    assert loaded.config.scoring_dict() == cfg.scoring_dict()
    assert loaded.config.config_version == "lab-v1" == loaded.label
    assert loaded.note == "what-if" and loaded.name == "lab"
    assert loaded.config.hot_tier_min == 85 and loaded.config.website_points == 7


def test_clear_book_keeps_configs_and_history_guards(store: Store) -> None:
    saved = store.save_config("keep", ScoringConfig(), activate=True)
    _save(store, "p1", outbox=True)
    store.start_run("demo", "manual")
    store.set_state("notion_high_water", "2026-01-01T00:00:00.000Z")
    store.clear_book()
    assert store.practice_count(active_only=False) == 0
    assert store.history_count() == 0
    assert store.outbox() == []
    assert store.runs().empty
    assert store.get_state("notion_high_water") is None
    assert [c.id for c in store.configs()] == [saved.id]
    assert store.active_config().id == saved.id
    _save(store, "p2")
    with pytest.raises(sqlite3.DatabaseError, match="append-only"), store.write() as w:
        w.execute("DELETE FROM score_history")


def test_revision_grows_with_every_write(store: Store) -> None:
    seen = [store.revision()]
    store.upsert_practices([practice_row("a")])
    seen.append(store.revision())
    _save(store, "a")
    seen.append(store.revision())
    store.set_state("k", {"v": 1})
    seen.append(store.revision())
    store.save_config("c", ScoringConfig())
    seen.append(store.revision())
    assert seen == sorted(seen) and len(set(seen)) == len(seen)
    assert store.get_state("k") == {"v": 1}
    assert store.get_state("revision", "hidden") == "hidden"
    # A failed write does not count.
    before = store.revision()
    with pytest.raises(RuntimeError), store.write() as w:
        w.execute("INSERT INTO state(key, value) VALUES ('x', '1')")
        raise RuntimeError("boom")
    assert store.revision() == before
    assert store.get_state("x") is None


# ---- concurrency ------------------------------------------------------------------------------------


def test_threads_share_one_store_without_locking_errors(store: Store) -> None:
    errors: list[str] = []
    counts = [0] * 8
    stop = time.monotonic() + 2.5

    def work(n: int) -> None:
        try:
            i = 0
            while time.monotonic() < stop:
                pid = f"t{n}-{i % 20}"
                if n % 2 == 0:
                    _save(store, pid, outbox=True, rating=round(3 + (i % 20) / 10, 1))
                    store.set_state(f"thread-{n}", i)
                else:
                    store.leads_frame()
                    store.unscored_ids()
                    store.revision()
                    store.outbox(limit=5)
                    store.history_count()
                i += 1
                counts[n] = i
        except BaseException:
            errors.append(traceback.format_exc())

    threads = [threading.Thread(target=work, args=(n,)) for n in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert not errors, errors[0]
    assert all(c > 0 for c in counts)
    writes = sum(counts[n] for n in range(0, 8, 2))
    assert store.history_count() == writes


def _write_loop(path: str, tag: str, seconds: float, start: Any, results: Any) -> None:
    try:
        store = Store.open(path)
        start.wait(timeout=60)
        stop = time.monotonic() + seconds
        n = 0
        while time.monotonic() < stop:
            pid = f"{tag}-{n % 25}"
            _save(store, pid, outbox=True, rating=round(3 + (n % 20) / 10, 1))
            store.leads_frame()
            if n % 10 == 0:
                run = store.start_run("rescore", "manual")
                store.finish_run(run, total=1)
            n += 1
        store.close()
        results.put(("ok", n))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def test_two_processes_writing_at_once_never_fail(tmp_path: Path) -> None:
    ctx = multiprocessing.get_context("spawn")
    path = str(tmp_path / "shared.db")
    Store.open(path).close()
    start, results = ctx.Event(), ctx.Queue()
    procs = [ctx.Process(target=_write_loop, args=(path, tag, 3.0, start, results)) for tag in ("p", "q")]
    for p in procs:
        p.start()
    time.sleep(0.2)
    start.set()
    outcomes = [results.get(timeout=120) for _ in procs]
    for p in procs:
        p.join(timeout=30)
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, errors[0]
    total = sum(n for _, n in outcomes)
    assert all(n > 10 for _, n in outcomes), outcomes
    store = Store.open(path)
    assert store.history_count() == total
    assert store.query("SELECT COUNT(*) FROM runs WHERE status != 'completed'")[0][0] == 0
    store.close()


def test_an_older_store_is_upgraded_in_place_without_losing_anything(tmp_path: Path) -> None:
    import sqlite3

    from sqlite_utils import Database

    path = tmp_path / "old.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode = WAL")
    migrations.apply(Database(conn), stop_before="m002_extra_columns")  # the store as the first release made it
    conn.execute(
        "INSERT INTO practices (practice_id, record_json, inputs_hash, in_trash, deleted) "
        "VALUES ('p1', '{}', 'h', 0, 0)"
    )
    conn.commit()
    conn.close()
    store = Store.open(path)
    assert store.practice("p1")["extra"] is None
    assert {r[0] for r in store.query("SELECT name FROM _sqlite_migrations")} == {
        m.name for m in migrations._migrations
    }


# ---- stores that cannot be used: one sentence, and the file left as it was --------------------------


def _digest(path: Path) -> bytes:
    import hashlib

    return hashlib.sha256(path.read_bytes()).digest()


@pytest.mark.parametrize("under", ["hostname/x.db", "hostname/deeper/x.db"])
def test_a_store_path_under_a_file_is_one_sentence(tmp_path: Path, under: str) -> None:
    """LEADSCORE_DB=/etc/hostname/x.db: FileExistsError / NotADirectoryError became a traceback."""
    (tmp_path / "hostname").write_text("box\n", encoding="utf-8")
    target = tmp_path / under
    with pytest.raises(StoreError) as info:
        Store.open(target)
    message = str(info.value)
    assert str(target) in message and "\n" not in message
    assert "LEADSCORE_DB" in message
    assert (tmp_path / "hostname").read_text(encoding="utf-8") == "box\n"


def test_a_folder_as_the_store_path_is_one_sentence(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="is a folder, not a store file"):
        Store.open(tmp_path)


def test_a_store_from_a_newer_leadscore_is_refused_by_name_and_left_untouched(tmp_path: Path) -> None:
    path = tmp_path / "future.db"
    store = Store.open(path)
    _save(store, "p1")
    assert store.schema_version() == [m.name for m in migrations._migrations]
    with store.write() as w:
        w.execute(
            "INSERT INTO _sqlite_migrations (migration_set, name, applied_at) VALUES ('leadscore', ?, '2031-01-01')",
            ("m042_triggers_by_channel",),
        )
        w.execute("ALTER TABLE score_history ADD COLUMN channel TEXT")
    store.close()
    before = _digest(path)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert "written by a newer leadscore (schema m042_triggers_by_channel" in str(info.value)
    assert _digest(path) == before


def test_a_foreign_sqlite_file_is_refused_without_being_touched(tmp_path: Path) -> None:
    path = tmp_path / "crm.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE customers (id INTEGER PRIMARY KEY, name TEXT)")
    conn.execute("INSERT INTO customers (name) VALUES ('Harbor Pet Hospital')")
    conn.commit()
    conn.close()
    before = _digest(path)
    with pytest.raises(StoreError) as info:
        Store.open(path)
    assert "a SQLite database of another application (tables customers), not a leadscore store" in str(info.value)
    assert _digest(path) == before
    assert not (tmp_path / "crm.db-wal").exists()
    check = sqlite3.connect(path)
    try:
        assert check.execute("PRAGMA journal_mode").fetchone()[0] == "delete"  # never switched to WAL
        assert [r[0] for r in check.execute("SELECT name FROM sqlite_master")] == ["customers"]
    finally:
        check.close()


def test_a_file_that_is_not_sqlite_is_refused_without_being_touched(tmp_path: Path) -> None:
    path = tmp_path / "notes.db"
    path.write_text("practice_id,name\nP1,Harbor\n" * 200, encoding="utf-8")
    before = _digest(path)
    with pytest.raises(StoreError, match="not a leadscore store"):
        Store.open(path)
    assert _digest(path) == before


def test_an_empty_file_becomes_a_store(tmp_path: Path) -> None:
    path = tmp_path / "empty.db"
    path.touch()
    store = Store.open(path)
    assert store.practice_count() == 0 and store.schema_version()


# ---- the outbox: pages that need syncing ------------------------------------------------------------


def test_a_rescore_back_to_what_the_page_holds_cancels_the_pending_write(store: Store) -> None:
    first = _save(store, "p1", outbox=True)
    assert [o["history_id"] for o in store.outbox()] == [first]
    row = practice_row("p1", source="notion")
    out = output_for(row["record"])
    saved = store.save_scores(
        [out], trigger="rescore", run_id=None, config_version="default", write_back=lambda out, held: {}
    )
    assert store.outbox() == [] and saved.queued == 0


def test_a_late_write_of_an_older_score_re_queues_the_page(store: Store) -> None:
    first = _save(store, "p1", outbox=True)
    second = _save(store, "p1", outbox=False, rating=3.0)  # a newer score; its write was not queued (yet)
    store.cancel_write("p1", second)  # e.g. found the page already holds it
    assert store.outbox() == []
    store.write_done("p1", first, {"lead_score": 1})  # the older write lands afterwards
    [row] = store.outbox()
    assert row["history_id"] == second  # the page needs the current score again


def test_blocked_writes_say_why_and_are_counted(store: Store) -> None:
    _save(store, "p1", outbox=True)
    _save(store, "p2", outbox=True)
    store.write_blocked("p1", "'Priority Tier' is a status property without the option 'Warm'")
    store.write_done("p2", store.score("p2")["history_id"], {"lead_score": 1}, blocked="'Score Breakdown' is a number")
    summary = store.outbox_summary()
    assert summary["size"] == 2 and summary["blocked"] == 2
    assert summary["blocked_reasons"] == {
        "'Priority Tier' is a status property without the option 'Warm'": 1,
        "'Score Breakdown' is a number": 1,
    }
    assert orjson.loads(store.practice("p2")["notion_scores_json"]) == {"lead_score": 1}
    # A new score clears the reason: whether it can be written is decided again when it is delivered.
    _save(store, "p1", outbox=True, rating=3.0)
    assert store.outbox_summary()["blocked"] == 1
