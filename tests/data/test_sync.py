"""Notion workflows (data/sync.py) against the fake Notion server, with the real notion-client over HTTP:
setup, check, sync, write-back, auto-trigger, faults, per-page rejections, a killed sync, two writers."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

from data.demo import load_sample_book
from data.notion import DEFAULT_SCORES, SCORE_OPTIONS, NotionError, PropertyMapping
from data.notion.sync import Workbench
from data.store import Store
from scoring.config import ScoringConfig
from tests.data.conftest import (
    ENV_VARS,
    SCORE_NAMES,
    expected_scores,
    fast_gateway,
    make_bench,
    notion_scores,
    other_properties,
    schema_spec,
)
from tests.notion_fake import DEFAULT_FAULT_KINDS, FakeNotion, seed_practices


def _leadscore_cmd() -> list[str]:
    script = Path(sys.executable).with_name("leadscore")
    if script.exists():
        return [str(script)]
    return [sys.executable, "-c", "import sys; from data.cli import main; sys.exit(main())"]


def cli_env(srv: FakeNotion, db: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if k not in ENV_VARS}
    env.update(
        NOTION_API_KEY=srv.token,
        NOTION_DATABASE_ID=srv.database_id,
        NOTION_BASE_URL=srv.base_url,
        LEADSCORE_DB=str(db),
    )
    return env


def assert_notion_matches_store(srv: FakeNotion, store: Store, page_ids: list[str]) -> None:
    wrong = [pid for pid in page_ids if notion_scores(srv, pid) != expected_scores(store, pid)]
    assert not wrong, f"{len(wrong)} pages differ from the store, e.g. {wrong[0]}: {notion_scores(srv, wrong[0])}"


def history_per_practice(store: Store) -> dict[str, int]:
    return {r[0]: r[1] for r in store.query("SELECT practice_id, COUNT(*) FROM score_history GROUP BY practice_id")}


def statuses(srv: FakeNotion, page_ids: list[str]) -> dict[str, str]:
    return {pid: srv.plain(pid)["Enrichment Status"] for pid in page_ids}


# ---- setup and check --------------------------------------------------------------------------------


def test_setup_adds_the_five_score_properties_and_keeps_everything(
    notion_fake: FakeNotion, workbench: Workbench
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, drop=SCORE_NAMES))
    ids = seed_practices(notion_fake, 20, seed=3)
    before = notion_fake.data_source()["properties"]
    pages_before = {pid: other_properties(notion_fake, pid) for pid in ids}

    done = workbench.setup()

    assert sorted(done) == sorted(
        f"added {name!r} ({kind})"
        for name, kind in zip(SCORE_NAMES, ("number", "select", "rich_text", "multi_select", "select"), strict=True)
    )
    after = notion_fake.data_source()["properties"]
    for name, prop in before.items():
        assert after[name] == prop, f"{name} changed"
    for field, name in DEFAULT_SCORES.items():
        kind = after[name]["type"]
        if field in SCORE_OPTIONS:
            assert [(o["name"], o["color"]) for o in after[name][kind]["options"]] == SCORE_OPTIONS[field]
    assert {name: after[name]["type"] for name in SCORE_NAMES} == {
        "Lead Score": "number",
        "Priority Tier": "select",
        "Score Breakdown": "rich_text",
        "Confidence Flags": "multi_select",
        "Scoring Status": "select",
    }
    assert {pid: other_properties(notion_fake, pid) for pid in ids} == pages_before
    # Running it again changes nothing.
    notion_fake.reset_log()
    assert workbench.setup() == ["nothing to do: all five score properties exist"]
    assert notion_fake.count("PATCH") == 0


def test_setup_adds_missing_options_without_dropping_others(notion_fake: FakeNotion, workbench: Workbench) -> None:
    tier = {
        "type": "select",
        "select": {"options": [{"name": "Lukewarm", "color": "pink"}, {"name": "Hot", "color": "green"}]},
    }
    flags = {"type": "multi_select", "multi_select": {"options": [{"name": "Checked by Dana", "color": "default"}]}}
    notion_fake.set_schema(
        schema_spec(
            notion_fake, {"Priority Tier": tier, "Confidence Flags": flags}, drop=("Priority Tier", "Confidence Flags")
        )
    )
    pid = notion_fake.add_page(
        {"Name": "Keeps Options", "Priority Tier": "Lukewarm", "Confidence Flags": ["Checked by Dana"]}
    )
    before = notion_fake.data_source()["properties"]
    other_before = {n: p for n, p in before.items() if n not in ("Priority Tier", "Confidence Flags")}

    done = workbench.setup()

    assert any("Priority Tier" in line and "Warm" in line for line in done)
    assert any("Confidence Flags" in line for line in done)
    after = notion_fake.data_source()["properties"]
    assert {n: p for n, p in after.items() if n in other_before} == other_before
    for name in ("Priority Tier", "Confidence Flags"):
        kind = before[name]["type"]
        old = before[name][kind]["options"]
        new = after[name][kind]["options"]
        assert new[: len(old)] == old  # same ids, names, colours, order
    tier_options = [o["name"] for o in after["Priority Tier"]["select"]["options"]]
    assert tier_options == ["Lukewarm", "Hot", "Warm", "Cold", "Pending Enrichment"]
    assert "Data Validation Error" in [o["name"] for o in after["Confidence Flags"]["multi_select"]["options"]]
    # Page values that use the old options are untouched.
    assert notion_fake.plain(pid)["Priority Tier"] == "Lukewarm"
    assert notion_fake.plain(pid)["Confidence Flags"] == ["Checked by Dana"]


def test_setup_leaves_a_score_property_of_the_wrong_type_alone(notion_fake: FakeNotion, workbench: Workbench) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Lead Score": "rich_text"}))
    done = workbench.setup()
    assert any("left 'Lead Score' alone" in line for line in done)
    assert notion_fake.data_source()["properties"]["Lead Score"]["type"] == "rich_text"


def test_check_reports_what_the_mapping_finds_and_lacks(notion_fake: FakeNotion, workbench: Workbench) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Vet Count", "Tags", "Lead Score")))
    report = workbench.check()
    assert "vet_count → 'Vet Count'" in report["missing"]
    assert "tags → 'Tags'" in report["missing"]
    assert report["missing_scores"] == ["Lead Score"]
    assert "name → 'Name' (title)" in report["found"]
    assert report["data_source"] == [notion_fake.data_source_id]
    assert notion_fake.token not in json.dumps(report)


# ---- full sync, write-back, no write loops ----------------------------------------------------------


def test_full_sync_setup_and_write_back_of_300_pages(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, drop=SCORE_NAMES))
    ids = seed_practices(notion_fake, 300, seed=11)
    before = {pid: other_properties(notion_fake, pid) for pid in ids}
    workbench.setup()

    report = workbench.sync()

    assert report.pulled == 300 and report.changed == 300
    assert report.total == 300 and report.written == 300
    assert report.failures == [] and report.write_failures == 0
    changed_props = [pid for pid in ids if other_properties(notion_fake, pid) != before[pid]]
    assert not changed_props, f"{len(changed_props)} pages had non-score properties changed"
    assert_notion_matches_store(notion_fake, store, ids)
    patches = [r for r in notion_fake.requests if r.method == "PATCH" and r.path.startswith("/v1/pages/")]
    assert len(patches) == 300
    assert all(set(r.body) == {"properties"} and set(r.body["properties"]) <= set(SCORE_NAMES) for r in patches)
    assert store.outbox() == []
    assert store.history_count() == 300
    assert set(store.frame("SELECT trigger FROM score_history")["trigger"]) == {"auto"}
    runs = store.runs()
    assert runs.iloc[0]["status"] == "completed" and runs.iloc[0]["written"] == 300

    # The second sync scores nothing and writes nothing, even though our writes bumped last_edited_time.
    notion_fake.reset_log()
    second = workbench.sync()
    assert second.total == 0 and second.written == 0 and second.queued == 0
    assert notion_fake.count("PATCH") == 0
    assert store.history_count() == 300
    # Nor does a later one, when time has moved on.
    notion_fake.clock.advance(minutes=30)
    third = workbench.sync()
    assert third.total == 0 and notion_fake.count("PATCH") == 0
    assert {pid: other_properties(notion_fake, pid) for pid in ids} == before


def test_sync_is_incremental_after_the_first_run(
    notion_fake: FakeNotion, bench_factory: Callable[..., Workbench]
) -> None:
    # Auto-trigger off: no write-back, so last_edited_time only moves when someone edits a page.
    bench = bench_factory(notion_fake, config=ScoringConfig(auto_trigger_scoring=False))
    ids = seed_practices(notion_fake, 40, seed=5, spread_days=14)
    first = bench.sync()
    assert first.pulled == 40
    newest = max(notion_fake.page(pid)["last_edited_time"] for pid in ids)
    recent = [pid for pid in ids if notion_fake.page(pid)["last_edited_time"] >= _iso_minus(newest, 3)]
    notion_fake.reset_log()
    second = bench.sync()
    assert second.pulled == len(recent) < 40  # only the overlap window is read again
    assert second.changed == 0
    queries = [r.body for r in notion_fake.requests if r.method == "POST"]
    assert queries and queries[0]["filter"]["timestamp"] == "last_edited_time"
    notion_fake.clock.advance(minutes=30)
    notion_fake.edit_upstream(ids[0], {"Call Notes": "edited"})
    third = bench.sync()
    assert third.pulled == len({*recent, ids[0]})
    assert third.changed == 0  # a sales field is not a scoring input
    assert bench.store.practice(ids[0])["call_notes"] == "edited"
    assert bench.sync().pulled == 1  # the mark moved to the newest edit
    full = bench.sync(full=True)
    assert full.pulled == 40 and full.total == 0


def _iso_minus(iso: str, minutes: int) -> str:
    from datetime import datetime, timedelta

    moment = datetime.fromisoformat(iso.replace("Z", "+00:00")) - timedelta(minutes=minutes)
    return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")


def test_enrichment_completing_upstream_is_auto_scored_and_written(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 30, seed=2)
    workbench.sync()
    waiting = [pid for pid, s in statuses(notion_fake, ids).items() if s == "Not Started"]
    assert waiting
    pid = waiting[0]
    assert store.score(pid)["priority_tier"] == "Pending Enrichment"
    notion_fake.clock.advance(minutes=2)
    notion_fake.edit_upstream(
        pid,
        {
            "Enrichment Status": "Completed",
            "Enrichment Confidence": "high",
            "Vet Count": 6,
            "Phone Numbers": "(512) 555-0100; (512) 555-0101\n(512) 555-0102",
            "EMR System": "Cornerstone",
            "Online Booking": True,
            "Decision Maker": "Dr. Ana Ruiz",
        },
    )
    notion_fake.reset_log()
    history_before = store.history_count()

    report = workbench.sync()

    assert report.total == 1 and report.written == 1
    score = store.score(pid)
    assert score["trigger"] == "auto"
    assert score["priority_tier"] == "Hot"
    assert store.history(pid)["trigger"].tolist() == ["auto", "auto"]
    assert store.history_count() == history_before + 1
    assert notion_fake.plain(pid)["Priority Tier"] == "Hot"
    assert_notion_matches_store(notion_fake, store, ids)
    assert [r.path for r in notion_fake.requests if r.method == "PATCH"] == [f"/v1/pages/{pid}"]


def test_auto_trigger_off_leaves_practices_waiting_until_rescore(
    notion_fake: FakeNotion, bench_factory: Callable[..., Workbench], store: Store
) -> None:
    ids = seed_practices(notion_fake, 25, seed=4)
    bench = bench_factory(notion_fake, config=ScoringConfig(auto_trigger_scoring=False))

    report = bench.sync()

    assert report.total == 0 and report.waiting == 25
    assert any("auto-trigger is off" in n for n in report.notes)
    assert store.history_count() == 0 and notion_fake.count("PATCH") == 0
    assert "25 wait for a manual rescore" in report.summary()

    rescored = bench.rescore()
    assert rescored.total == 25 and rescored.written == 25
    assert set(store.frame("SELECT trigger FROM score_history")["trigger"]) == {"rescore"}
    assert_notion_matches_store(notion_fake, store, ids)
    assert bench.sync().waiting == 0


def test_auto_trigger_on_partial_off_leaves_partial_pages_waiting(
    notion_fake: FakeNotion, bench_factory: Callable[..., Workbench], store: Store
) -> None:
    ids = seed_practices(notion_fake, 40, seed=6)
    partial = [pid for pid, s in statuses(notion_fake, ids).items() if s == "Partial"]
    assert partial
    bench = bench_factory(notion_fake, config=ScoringConfig(auto_trigger_on_partial=False))

    report = bench.sync()

    assert report.waiting == len(partial)
    assert report.total == 40 - len(partial)
    assert all(store.score(pid) is None for pid in partial)
    assert all(notion_fake.plain(pid)["Lead Score"] is None for pid in partial)
    done = bench.rescore(practice_ids=partial[:1])
    assert done.total == 1 and store.score(partial[0]) is not None
    assert_notion_matches_store(notion_fake, store, partial[:1])


def test_hand_edited_score_in_notion_is_restored(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    ids = seed_practices(notion_fake, 20, seed=7)
    workbench.sync()
    pid = ids[3]
    right = expected_scores(store, pid)
    notion_fake.clock.advance(minutes=1)
    notion_fake.edit_upstream(
        pid, {"Lead Score": 1, "Confidence Flags": ["Data Validation Error", "Partial Enrichment"]}
    )
    notion_fake.reset_log()

    report = workbench.sync()

    assert report.total == 0  # inputs did not change: nothing rescored
    assert report.written == 1
    assert notion_scores(notion_fake, pid) == right
    patch = [r for r in notion_fake.requests if r.method == "PATCH"]
    assert len(patch) == 1 and set(patch[0].body["properties"]) == {"Lead Score", "Confidence Flags"}
    assert store.history(pid).shape[0] == 1
    notion_fake.reset_log()
    assert workbench.sync().written == 0 and notion_fake.count("PATCH") == 0


def test_trashed_and_deleted_pages_are_flagged_by_a_full_sync(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 12, seed=8)
    workbench.sync()
    trashed, deleted = ids[0], ids[1]
    notion_fake.trash_page(trashed)
    notion_fake.delete_page(deleted)

    report = workbench.sync(full=True)

    assert report.trashed == [trashed]
    assert report.deleted == [deleted]
    assert "1 trashed" in report.summary() and "1 deleted" in report.summary()
    assert store.practice(trashed)["in_trash"] == 1
    assert store.practice(deleted)["deleted"] == 1
    assert set(store.leads_frame()["practice_id"]) == set(ids[2:])
    assert store.history(trashed).shape[0] == 1  # kept, history stays explainable
    # Restored from the trash: active again.
    notion_fake.restore_page(trashed)
    workbench.sync()
    assert store.practice(trashed)["in_trash"] == 0
    assert trashed in set(store.leads_frame()["practice_id"])


def test_pending_writes_for_trashed_or_deleted_pages_are_dropped_and_reported(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 6, seed=9)
    workbench.sync()
    trashed, deleted = ids[0], ids[1]
    for pid in (trashed, deleted):
        out = {**json.loads(json.dumps(store.score(pid))), "practice_id": pid}
        store.save_scores(
            [
                {
                    "practice_id": pid,
                    "lead_score": 1,
                    "priority_tier": "Cold",
                    "score_breakdown": out["score_breakdown"],
                    "confidence_flags": [],
                    "scoring_status": "Scored",
                    "scoring_timestamp": out["scoring_timestamp"],
                    "scoring_duration_ms": 0,
                    "error_type": None,
                    "error_message": None,
                }
            ],
            trigger="manual",
            run_id=None,
            config_version="default",
            write_back=lambda out, held: {"lead_score": 1},
        )
    notion_fake.trash_page(trashed)
    notion_fake.delete_page(deleted)

    report = workbench.push()

    assert store.outbox() == []
    assert any(trashed in f and "trash" in f for f in report.failures)
    assert any(deleted in f and "no longer exists" in f for f in report.failures)
    assert store.practice(trashed)["in_trash"] == 1
    assert store.practice(deleted)["deleted"] == 1


def test_pages_missing_mapped_properties_are_reported_not_fatal(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Vet Count", "Emails")))
    ids = seed_practices(notion_fake, 15, seed=10)

    report = workbench.sync()

    assert report.missing_properties == ["vet_count → 'Vet Count'", "email_addresses → 'Emails'"]
    assert any("lacks mapped properties" in n for n in report.notes)
    assert report.total == 15 and report.written == 15
    problems = json.loads(store.practice(ids[0])["problems"])
    assert "missing property vet_count → 'Vet Count'" in problems
    assert_notion_matches_store(notion_fake, store, ids)


# ---- faults, rejections ---------------------------------------------------------------------------


def test_every_score_reaches_notion_under_30_percent_faults(
    notion_fake_factory: Callable[..., FakeNotion], store: Store
) -> None:
    srv = notion_fake_factory(slow_seconds=0.6)
    ids = seed_practices(srv, 80, seed=12)
    bench = make_bench(store, srv, timeout_s=0.25, max_attempts=4)
    srv.faults.set(rate=0.3, kinds=DEFAULT_FAULT_KINDS, seed=1234)

    synced = None
    for _ in range(5):  # a sync whose query keeps failing stops (run marked failed); the next one goes on
        try:
            synced = bench.sync()
            break
        except Exception:
            continue
    assert synced is not None, "no sync got through 30% faults in 5 tries"
    pushes = 0
    while store.outbox() and pushes < 20:
        bench.push()
        pushes += 1
    injected = {kind: srv.faults.count(kind) for kind in DEFAULT_FAULT_KINDS}
    srv.faults.clear()

    assert store.outbox() == [], f"still pending after {pushes} pushes"
    assert all(n > 0 for n in injected.values()), injected
    assert_notion_matches_store(srv, store, ids)
    # One history row per scoring: retries and repeated pushes never score again.
    assert history_per_practice(store) == dict.fromkeys(ids, 1)
    srv.reset_log()
    assert bench.sync().total == 0 and srv.count("PATCH") == 0


def test_a_property_notion_would_refuse_is_never_sent_and_the_rest_lands(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """Confidence Flags made a rich_text by the team: Notion would refuse every page update carrying it.
    It is left out (the other score properties land), the outbox says why, and nothing is resent."""
    notion_fake.set_schema(schema_spec(notion_fake, {"Confidence Flags": "rich_text"}))
    ids = seed_practices(notion_fake, 40, seed=13)

    report = workbench.sync()

    flagged = [pid for pid in ids if json.loads(store.score(pid)["confidence_flags"])]
    clean = [pid for pid in ids if pid not in flagged]
    assert flagged and clean
    assert report.written == len(clean)
    assert report.partly_written == report.write_failures == len(flagged)
    assert notion_fake.count(status=400) == 0  # nothing Notion would refuse was sent
    patches = [r.body["properties"] for r in notion_fake.requests if r.method == "PATCH"]
    assert len(patches) == 40 and not any("Confidence Flags" in props for props in patches)
    for pid in ids:  # everything else landed, on every page
        assert notion_fake.plain(pid)["Lead Score"] == store.score(pid)["lead_score"]
        assert notion_fake.plain(pid)["Priority Tier"] == store.score(pid)["priority_tier"]
    [note] = [n for n in report.notes if "wait in the outbox" in n]
    assert note.startswith(f"{len(flagged)} pages wait in the outbox: 'Confidence Flags' is a rich_text property")
    assert "Notion: 17 written, 23 partly written, 23 still pending" in report.summary()
    pending = {o["practice_id"]: o for o in store.outbox()}
    assert set(pending) == set(flagged)
    assert all("'Confidence Flags' is a rich_text property" in o["blocked"] for o in pending.values())
    assert all(o["attempts"] == 0 for o in pending.values())  # never sent, so never failed
    # Pushing again sends nothing: the write still cannot succeed.
    notion_fake.reset_log()
    again = workbench.push()
    assert notion_fake.count("PATCH") == 0 and again.write_failures == len(flagged) and again.written == 0
    # Once the property is fixed, push delivers what waited — only the missing property.
    notion_fake.set_schema(schema_spec(notion_fake, {"Confidence Flags": "multi_select"}))
    pushed = workbench.push()
    assert pushed.written == len(flagged) and store.outbox() == []
    bodies = [r.body["properties"] for r in notion_fake.requests if r.method == "PATCH"]
    assert all(set(b) == {"Confidence Flags"} for b in bodies)
    assert_notion_matches_store(notion_fake, store, ids)


def test_a_breakdown_over_2000_utf16_units_still_reaches_notion(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """SPEC §8 caps the breakdown at 2,000 characters for Notion, but Notion counts UTF-16 units:
    a decision maker name full of emoji makes a 1,600-character breakdown 2,600 units long."""
    pid = notion_fake.add_page(
        {"Name": "Paw Prints", "Enrichment Status": "Completed", "Vet Count": 6, "Decision Maker": "🐾" * 1000}
    )
    other = notion_fake.add_page({"Name": "Plain Vet", "Enrichment Status": "Not Started"})

    report = workbench.sync()

    assert notion_fake.plain(other)["Scoring Status"] == "Scored"
    assert report.failures == [], report.failures
    assert notion_fake.plain(pid)["Score Breakdown"] == store.score(pid)["score_breakdown"]


def test_demo_practices_are_never_queued_for_notion(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """A Notion book with the sample brought back beside it (`leadscore demo`): rescoring everything must
    not try to write demo practices (which have no Notion page) to Notion."""
    seed_practices(notion_fake, 10, seed=14)
    workbench.sync()
    load_sample_book(store, n=20)
    notion_fake.reset_log()

    report = workbench.rescore()

    assert report.total == 30
    assert report.failures == [], report.failures[:3]
    assert [o["practice_id"] for o in store.outbox()] == []
    assert notion_fake.count("PATCH") == 0


def test_client_throttle_keeps_under_the_server_rate_limit(notion_fake_factory: Callable[..., FakeNotion]) -> None:
    """Rate limiting is the point here: the server allows 40 requests/s, the client keeps 20/s. The
    server's burst of 3 absorbs arrival jitter (a busy machine can deliver two paced requests close
    together); the elapsed time shows the pacing itself."""
    srv = notion_fake_factory(rate_limit=40, burst=3)
    pid = srv.add_page({"Name": "Throttled"})
    gateway = fast_gateway(srv, rate=20, burst=1)
    started = time.monotonic()
    for i in range(20):
        gateway.update_page(pid, {"Lead Score": {"number": i}})
    elapsed = time.monotonic() - started
    assert elapsed >= 19 / 20 * 0.95
    assert srv.rate_limited == 0 and gateway.retries == 0
    assert srv.plain(pid)["Lead Score"] == 19


def test_429_with_retry_after_is_retried(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    ids = seed_practices(notion_fake, 5, seed=15)
    notion_fake.faults.queue("429", "429", methods=["PATCH"])
    report = workbench.sync()
    assert report.written == 5 and workbench.gateway.rate_limited == 2
    assert_notion_matches_store(notion_fake, store, ids)


# ---- rescore ----------------------------------------------------------------------------------------


def test_rescore_practice_id_reloads_the_page_from_notion_first(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 10, seed=16)
    workbench.sync()
    pid = next(p for p, s in statuses(notion_fake, ids).items() if s == "Not Started")
    notion_fake.edit_upstream(
        pid,
        {"Enrichment Status": "Completed", "Enrichment Confidence": "high", "Vet Count": 6, "Decision Maker": "Dr. K"},
    )
    notion_fake.reset_log()

    report = workbench.rescore(practice_ids=[pid])

    assert notion_fake.count("GET", f"/v1/pages/{pid}") == 1
    assert report.total == 1 and report.written == 1
    assert store.practice(pid)["enrichment_status"] == "Completed"
    assert store.score(pid)["trigger"] == "rescore"
    assert store.score(pid)["practice_size"] == 30
    assert_notion_matches_store(notion_fake, store, [pid])


def test_rescore_writes_back_only_what_changed(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    ids = seed_practices(notion_fake, 30, seed=24)
    workbench.sync()
    notion_fake.reset_log()

    same = workbench.rescore(tier="Pending Enrichment")  # same inputs, same config: same values
    assert same.total == store.query("SELECT COUNT(*) FROM scores WHERE priority_tier = 'Pending Enrichment'")[0][0]
    assert same.written == 0 and notion_fake.count("PATCH") == 0

    stricter = ScoringConfig().with_changes(hot_tier_min=100, warm_tier_min=90)
    report = workbench.rescore(config=stricter)
    assert report.total == 30
    assert notion_fake.count("PATCH") == report.written > 0
    assert_notion_matches_store(notion_fake, store, ids)
    assert set(store.frame("SELECT config_version FROM scores")["config_version"]) == {stricter.config_version}
    hot = store.query("SELECT MIN(lead_score) FROM scores WHERE priority_tier = 'Hot'")[0][0]
    assert hot is None or hot >= 100


def test_rescore_practice_id_of_a_page_the_store_has_not_seen(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    pid = notion_fake.add_page({"Name": "Brand New", "Rating": 4.8, "Reviews": 200})
    report = workbench.rescore(practice_ids=[pid])
    assert report.total == 1 and store.practice(pid)["name"] == "Brand New"
    assert_notion_matches_store(notion_fake, store, [pid])


def test_rescore_practice_id_of_a_deleted_page(notion_fake: FakeNotion, workbench: Workbench, store: Store) -> None:
    ids = seed_practices(notion_fake, 3, seed=17)
    workbench.sync()
    notion_fake.delete_page(ids[0])
    report = workbench.rescore(practice_ids=[ids[0]])
    assert report.total == 0
    assert any("not in Notion any more" in n for n in report.notes)
    assert store.practice(ids[0])["deleted"] == 1


# ---- processes: a killed sync, two writers ----------------------------------------------------------


def test_a_sync_killed_mid_write_resumes_cleanly(notion_fake: FakeNotion, store: Store) -> None:
    ids = seed_practices(notion_fake, 30, seed=18)
    proc = subprocess.Popen(
        [*_leadscore_cmd(), "sync"],
        env=cli_env(notion_fake, store.path),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 60
        while notion_fake.count("PATCH") < 3 and proc.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert proc.poll() is None, f"sync ended before it could be killed: {proc.communicate()}"
        proc.send_signal(signal.SIGKILL)
    finally:
        out, err = proc.communicate(timeout=30)  # reaps the process (a zombie would look alive)
    assert proc.returncode == -signal.SIGKILL
    assert notion_fake.token not in out + err
    written_before_kill = notion_fake.count("PATCH")
    assert 3 <= written_before_kill < 30
    killed_run = store.runs().iloc[0]
    assert killed_run["status"] == "running" and killed_run["kind"] == "sync"
    history_before = history_per_practice(store)

    report = make_bench(store, notion_fake).sync()

    runs = store.runs().set_index("id")
    assert runs.loc[killed_run["id"], "status"] == "interrupted"
    assert runs.loc[report.run_id, "status"] == "completed"
    assert store.outbox() == []
    assert_notion_matches_store(notion_fake, store, ids)
    assert history_per_practice(store) == dict.fromkeys(ids, 1)
    assert history_before in ({}, dict.fromkeys(ids, 1))
    assert report.total == 30 - sum(history_before.values())


def test_two_writers_at_once_never_error(notion_fake: FakeNotion, store: Store) -> None:
    ids = seed_practices(notion_fake, 150, seed=19)
    bench = make_bench(store, notion_fake)
    bench.sync()
    env = cli_env(notion_fake, store.path)
    procs = [
        subprocess.Popen(
            [*_leadscore_cmd(), "rescore", "--all"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
        )
        for _ in range(2)
    ]
    mine = 0
    try:
        deadline = time.monotonic() + 120
        while any(p.poll() is None for p in procs) and time.monotonic() < deadline:
            bench.rescore()
            bench.sync()
            mine += 1
    finally:
        outputs = [p.communicate(timeout=120) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "locked" not in err and "Traceback" not in err, err
        assert "scored 150" in out
        assert notion_fake.token not in out + err
    assert mine >= 1
    rescores = store.query("SELECT COUNT(*), SUM(total) FROM runs WHERE kind = 'rescore' AND status = 'completed'")[0]
    assert rescores[0] == mine + 2 and rescores[1] == 150 * (mine + 2)
    assert store.history_count() == 150 * (mine + 3)
    assert store.query("SELECT COUNT(*) FROM runs WHERE status != 'completed'")[0][0] == 0
    assert store.outbox() == []
    assert_notion_matches_store(notion_fake, store, ids)


def test_sync_with_a_mapping_of_other_property_names(notion_fake: FakeNotion, store: Store, tmp_path: Path) -> None:
    renamed = {
        "Vet Count": "Vet Count (Total)",
        "Decision Maker": "Decision Maker Name",
        "Telemedicine": "Telemedicine / Virtual Care",
        "Lead Score": "ICP Score",
    }
    notion_fake.set_schema(
        schema_spec(
            notion_fake,
            {new: notion_fake.data_source()["properties"][old]["type"] for old, new in renamed.items()},
            drop=tuple(renamed),
        )
    )
    pid = notion_fake.add_page(
        {
            "Name": "Renamed Vet",
            "Enrichment Status": "Completed",
            "Enrichment Confidence": "high",
            "Vet Count (Total)": 6,
            "Decision Maker Name": "Dr. Lee",
            "Telemedicine / Virtual Care": True,
        }
    )
    path = tmp_path / "mapping.toml"
    path.write_text(
        '[fields]\nvet_count = "Vet Count (Total)"\ndecision_maker_name = "Decision Maker Name"\n'
        'has_telemedicine = "Telemedicine / Virtual Care"\n[scores]\nlead_score = "ICP Score"\n',
        encoding="utf-8",
    )
    bench = make_bench(store, notion_fake, mapping=PropertyMapping.load(path))
    report = bench.sync()
    assert report.missing_properties == [] and report.failures == []
    score = store.score(pid)
    assert score["practice_size"] == 30 and score["decision_maker"] == 10
    assert notion_fake.plain(pid)["ICP Score"] == score["lead_score"]


def test_missing_score_properties_stop_before_any_write(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    spec = schema_spec(notion_fake, {})
    spec.pop("Lead Score")
    notion_fake.set_schema(spec)
    seed_practices(notion_fake, 12, seed=31)
    with pytest.raises(NotionError, match="no 'Lead Score' property yet; run `leadscore notion setup`"):
        workbench.sync()
    assert notion_fake.count(method="PATCH") == 0
    assert store.outbox_summary()["size"] == 12  # scored, queued, nothing lost
    assert store.runs(1)["status"].iloc[0] == "failed"
    workbench.setup()
    assert workbench.push().written == 12


def test_a_systemic_rejection_stops_after_twenty_identical_errors(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    ids = seed_practices(notion_fake, 30, seed=32)
    workbench.sync(push=False)
    gateway = workbench.gateway
    real = gateway.update_page
    rejection = _rejection(notion_fake)

    def refuse(page_id: str, properties: dict) -> dict:  # type: ignore[type-arg]
        raise rejection

    monkeypatch.setattr(gateway, "update_page", refuse)
    report = workbench.push()
    assert report.written == 0 and report.write_failures == 30
    assert len(report.failures) == 20 and any("same error" in n for n in report.notes)
    assert store.outbox_summary()["size"] == 30
    monkeypatch.setattr(gateway, "update_page", real)
    assert workbench.push().written == 30
    assert_notion_matches_store(notion_fake, store, ids)


def _rejection(notion_fake: FakeNotion) -> Exception:
    """A real 400 validation_error from the fake, as notion-client raises it."""
    from notion_client import APIResponseError

    client = notion_fake.client()
    try:
        client.pages.update(page_id=notion_fake.page_ids()[0], properties={"No Such Property": {"number": 1}})
    except APIResponseError as exc:
        return exc
    raise AssertionError("the fake accepted an unknown property")


def test_losing_access_to_the_database_drops_nothing(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Notion answers 404 for every page once the database is no longer shared: not a deleted page."""
    seed_practices(notion_fake, 5, seed=33)
    workbench.sync(push=False)
    gateway = workbench.gateway
    lost = _not_found(notion_fake)

    def unshared(*_args, **_kwargs):  # type: ignore[no-untyped-def]
        raise lost

    monkeypatch.setattr(gateway, "update_page", unshared)
    monkeypatch.setattr(gateway.client.databases, "retrieve", unshared)
    with pytest.raises(NotionError, match="can no longer see database"):
        workbench.push()
    assert store.outbox_summary()["size"] == 5
    assert store.practice_count() == 5  # nobody marked deleted


def test_a_page_that_is_really_gone_is_dropped_when_the_database_is_still_there(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 3, seed=34)
    workbench.sync(push=False)
    notion_fake.delete_page(ids[0])
    report = workbench.push()
    assert report.written == 2 and store.practice(ids[0])["deleted"] == 1
    assert any("no longer exists" in f for f in report.failures)


def test_rescoring_an_imported_practice_never_asks_notion(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    load_sample_book(store, n=3)
    notion_fake.reset_log()
    report = workbench.rescore(practice_ids=["demo-0001"], trigger="manual")
    assert report.total == 1 and report.failed == 0
    assert notion_fake.count() == 0
    assert store.practice("demo-0001")["deleted"] == 0


def _not_found(notion_fake: FakeNotion) -> Exception:
    from notion_client import APIResponseError

    try:
        notion_fake.client().pages.retrieve(page_id="00000000-0000-4000-8000-000000000000")
    except APIResponseError as exc:
        return exc
    raise AssertionError("the fake found a page that does not exist")


def test_the_first_sync_into_a_sample_only_store_sets_the_sample_aside(
    store: Store, workbench: Workbench, notion_fake: FakeNotion
) -> None:
    """Issue 7: the team's own book replaces the sample; history stays, `leadscore demo` brings it back."""
    load_sample_book(store, n=15)
    seed_practices(notion_fake, 6, seed=21)

    report = workbench.sync()

    assert store.sources() == {"notion": 6}
    assert any("15 sample practices were set aside" in note for note in report.notes)
    assert store.query("SELECT COUNT(*) FROM score_history WHERE practice_id LIKE 'demo-%'")[0][0] >= 15
    # A later sync says nothing more about the sample.
    assert not any("sample" in note for note in workbench.sync().notes)


def test_a_sync_that_pulls_nothing_keeps_the_sample(
    store: Store, workbench: Workbench, notion_fake: FakeNotion
) -> None:
    """An empty (or unreachable) database must not leave the user with an empty book."""
    load_sample_book(store, n=15)

    workbench.sync()

    assert store.sources() == {"demo": 15}
