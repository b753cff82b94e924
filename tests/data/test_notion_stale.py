"""Issue 8, "Stale writes must never win": what reaches Notion is what the store holds at delivery time;
schema changes recover without `--full`; one rate limit for the integration, shared by processes; a
429 is waited out. Against the fake Notion server with its fault injection and rate limiting."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from notion_client import APIResponseError

from data.notion.gateway import SharedThrottle, pace_key
from data.notion.sync import Workbench
from data.scoring_runs import RunReport, score_stored
from data.store import Store
from scoring.config import ScoringConfig
from tests.data.conftest import fast_gateway, make_bench, notion_scores, schema_spec, settings_for
from tests.data.test_sync import _leadscore_cmd, assert_notion_matches_store, cli_env
from tests.notion_fake import FakeNotion, seed_practices

HOT60 = ScoringConfig().with_changes(hot_tier_min=60, warm_tier_min=40)
STRICT = ScoringConfig().with_changes(hot_tier_min=100, warm_tier_min=90)


def outage(srv: FakeNotion) -> None:
    """Every page update fails (503) until cleared; reads still work."""
    srv.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])


def tiers(store: Store, ids: list[str]) -> dict[str, str]:
    return {pid: store.score(pid)["priority_tier"] for pid in ids}


# ---- what is delivered is what the store holds then ---------------------------------------------------


def test_a_write_queued_during_an_outage_never_overwrites_a_later_score(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """The issue's run: clean sync; Notion fails every PATCH; rescore with hot60 queues writes; rescore
    back to the defaults (which Notion already holds); Notion recovers; push must write nothing."""
    ids = seed_practices(notion_fake, 40, seed=51)
    workbench.sync()
    defaults = {pid: notion_scores(notion_fake, pid) for pid in ids}
    outage(notion_fake)

    hot = workbench.rescore(config=HOT60)
    assert hot.written == 0 and store.outbox_summary()["size"] == 40  # every page's breakdown changed
    assert any(t == "Hot" for t in tiers(store, ids).values())
    back = workbench.rescore(config=ScoringConfig())
    assert back.written == 0
    assert store.outbox() == []  # back on Notion's values: the pending writes are cancelled

    notion_fake.faults.clear()
    notion_fake.reset_log()
    pushed = workbench.push()
    assert pushed.written == 0 and notion_fake.count("PATCH") == 0
    assert {pid: notion_scores(notion_fake, pid) for pid in ids} == defaults
    assert_notion_matches_store(notion_fake, store, ids)


def test_applying_a_during_an_outage_then_b_delivers_b(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 30, seed=52)
    workbench.sync()
    outage(notion_fake)
    workbench.rescore(config=HOT60)
    workbench.rescore(config=STRICT)
    assert store.outbox_summary()["size"] == 30
    notion_fake.faults.clear()
    notion_fake.reset_log()

    pushed = workbench.push()

    assert pushed.written == 30
    assert_notion_matches_store(notion_fake, store, ids)
    breakdowns = [
        json.loads("".join(p["text"]["content"] for p in r.body["properties"]["Score Breakdown"]["rich_text"]))
        for r in notion_fake.requests
        if r.method == "PATCH"
    ]
    assert {b["config_version"] for b in breakdowns} == {STRICT.config_version}  # B's, never A's


def test_a_rescore_landing_back_on_notions_value_while_a_write_is_in_flight(
    notion_fake: FakeNotion, workbench: Workbench, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process rescores the page back to what Notion held while our (older) write is on its way:
    the older write lands, so the page needs syncing again — and the next delivery sends the current score."""
    ids = seed_practices(notion_fake, 4, seed=54)
    workbench.sync()
    outage(notion_fake)
    workbench.rescore(practice_ids=[ids[0]], config=STRICT)
    notion_fake.faults.clear()
    gateway = workbench.gateway
    real = gateway.update_page

    def racing(page_id: str, properties: dict) -> dict:  # type: ignore[type-arg]
        score_stored(store, [page_id], config=ScoringConfig(), trigger="rescore", report=RunReport("x"), notion=True)
        assert store.outbox() == []  # the other process found nothing to write any more
        return real(page_id, properties)  # …but our older write still lands

    monkeypatch.setattr(gateway, "update_page", racing)
    workbench.push()
    monkeypatch.setattr(gateway, "update_page", real)
    assert [o["practice_id"] for o in store.outbox()] == [ids[0]]  # Notion holds the old write: re-queued
    assert notion_scores(notion_fake, ids[0])["Score Breakdown"] != store.score(ids[0])["score_breakdown"]
    workbench.push()
    assert store.outbox() == []
    assert_notion_matches_store(notion_fake, store, ids)


def test_a_write_that_may_have_landed_is_not_assumed_lost(
    notion_fake_factory, store: Store  # type: ignore[no-untyped-def]
) -> None:
    """A timeout hides whether Notion applied the write (here it did): a later score equal to the page's
    old value must still be written, or the page would keep the value of the write that timed out."""
    srv = notion_fake_factory(slow_seconds=0.6)
    ids = seed_practices(srv, 3, seed=55)
    bench = make_bench(store, srv, timeout_s=0.25, max_attempts=1)
    bench.sync()
    before = {pid: notion_scores(srv, pid) for pid in ids}
    srv.faults.queue("slow", methods=["PATCH"])  # applied at once, but the answer comes too late
    bench.rescore(config=STRICT)
    [timed_out] = [o["practice_id"] for o in store.outbox()]
    assert notion_scores(srv, timed_out) != before[timed_out]  # it did land
    bench.rescore(config=ScoringConfig())  # back to what every page held before
    assert store.outbox() == []
    assert {pid: notion_scores(srv, pid) for pid in ids} == before
    assert_notion_matches_store(srv, store, ids)


# ---- schema changes recover without --full ---------------------------------------------------------


def test_score_breakdown_deleted_and_added_again_by_setup_reaches_every_page(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 40, seed=56)
    workbench.sync()
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Score Breakdown",)))  # someone deletes it in Notion
    assert any("added 'Score Breakdown' (rich_text)" in line for line in workbench.setup())
    assert all(notion_fake.plain(pid)["Score Breakdown"] == "" for pid in ids)

    synced = workbench.sync()

    assert synced.written == 40 and store.outbox() == []
    assert all(notion_fake.plain(pid)["Score Breakdown"] == store.score(pid)["score_breakdown"] for pid in ids)
    assert_notion_matches_store(notion_fake, store, ids)


def test_after_setup_a_push_alone_fills_the_added_property(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 15, seed=57)
    workbench.sync()
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Score Breakdown", "Confidence Flags")))
    done = workbench.setup()
    assert "queued 15 pages to fill the added properties (`leadscore push` or the next sync)" in done
    notion_fake.reset_log()
    assert workbench.push().written == 15
    assert all(set(r.body["properties"]) <= {"Score Breakdown", "Confidence Flags"}
               for r in notion_fake.requests if r.method == "PATCH")
    assert_notion_matches_store(notion_fake, store, ids)


def test_an_input_property_deleted_and_added_again_is_read_again(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    """Between two syncs Vet Count is deleted and added again (empty on every page, no page edited):
    the next sync sees the property changed, reads every page and rescores what changed."""
    ids = seed_practices(notion_fake, 30, seed=58)
    workbench.sync()
    notion_fake.clock.advance(minutes=30)
    with_vets = [pid for pid in ids if store.score(pid)["practice_size"]]
    assert with_vets
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Vet Count",)))
    notion_fake.set_schema(schema_spec(notion_fake, {"Vet Count": "number"}))

    report = workbench.sync()

    assert report.full_read_because == "the data source's mapped properties changed (changed 'Vet Count')"
    assert report.pulled == 30 and report.changed == len(with_vets)
    assert all(store.score(pid)["practice_size"] == 0 for pid in ids)
    assert_notion_matches_store(notion_fake, store, ids)
    assert workbench.sync().full_read_because is None  # and then incremental again


def test_an_input_property_deleted_is_noticed_without_full(
    notion_fake: FakeNotion, workbench: Workbench, store: Store
) -> None:
    ids = seed_practices(notion_fake, 20, seed=59)
    workbench.sync()
    notion_fake.clock.advance(minutes=30)
    notion_fake.set_schema(schema_spec(notion_fake, drop=("Technologies",)))
    report = workbench.sync()
    assert report.full_read_because == "the data source's mapped properties changed (removed 'Technologies')"
    assert report.pulled == 20
    assert all("technologies" not in json.loads(store.practice(pid)["record_json"]).get("enrichment_data", {})
               for pid in ids)


# ---- one rate limit for the integration -----------------------------------------------------------


def test_processes_sharing_a_store_share_one_request_schedule(tmp_path: Path) -> None:
    one, two = Store.open(tmp_path / "s.db"), Store.open(tmp_path / "s.db")
    key = "notion:test"
    waits = [s.take_request_slot(key, 0.5, now=100.0) for s in (one, two, one, two)]
    assert waits == [0.0, 0.5, 1.0, 1.5]  # interleaved, as if one process sent them all
    assert two.take_request_slot(key, 0.5, now=110.0) == 0.0  # idle time is not saved up beyond the burst
    one.hold_requests(key, 120.0)  # a 429 told one process to wait 10 s: the other waits too
    assert two.take_request_slot(key, 0.5, now=110.0) == pytest.approx(10.0)
    assert [one.take_request_slot("notion:burst", 1.0, burst=3, now=200.0) for _ in range(4)] == [0, 0, 0, 1.0]
    rev = one.revision()
    one.take_request_slot(key, 0.5)
    assert one.revision() == rev  # pacing never invalidates the pages' caches


def test_the_pace_key_names_the_integration_not_the_token(notion_fake: FakeNotion, store: Store) -> None:
    settings = settings_for(notion_fake)
    key = pace_key(settings)
    assert notion_fake.token not in key
    assert store.query("SELECT COUNT(*) FROM notion_pace")[0][0] == 0
    throttle = SharedThrottle(store, key, rate=1000)
    throttle.wait()
    assert [r[0] for r in store.query("SELECT key FROM notion_pace")] == [key]
    throttle.hold(5)
    assert {r[0] for r in store.query("SELECT key FROM notion_pace")} == {key, key + ":hold"}


def test_a_429_is_waited_out_not_fatal(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Patient"})
    gateway = fast_gateway(notion_fake, max_attempts=1)  # no retries for failures: 429s are not failures
    notion_fake.faults.retry_after = 0
    notion_fake.faults.queue(*["429"] * 8, methods=["PATCH"])
    gateway.update_page(pid, {"Lead Score": {"number": 9}})
    assert gateway.rate_limited == 8 and notion_fake.plain(pid)["Lead Score"] == 9


def test_a_429_holds_back_every_process_for_its_retry_after(notion_fake: FakeNotion, store: Store) -> None:
    pid = notion_fake.add_page({"Name": "Held"})
    slept: list[float] = []
    gateway = fast_gateway(notion_fake, store=store, sleep=slept.append)
    other = fast_gateway(notion_fake, store=store, sleep=slept.append)  # a second process on the same store
    notion_fake.faults.queue("429", methods=["PATCH"])  # Retry-After: 1
    gateway.update_page(pid, {"Lead Score": {"number": 1}})
    assert gateway.rate_limited == 1 and gateway.waited_for_rate_limit_s == 1.0
    other.update_page(pid, {"Lead Score": {"number": 2}})
    assert other.rate_limited == 0
    assert slept[-1] > 0.5  # the other process waited for the Retry-After Notion gave the first
    assert notion_fake.plain(pid)["Lead Score"] == 2


def test_rate_limit_patience_has_an_end(notion_fake: FakeNotion) -> None:
    pid = notion_fake.add_page({"Name": "Impatient"})
    gateway = fast_gateway(notion_fake, rate_limit_patience_s=0.5)
    notion_fake.faults.queue("429", methods=["PATCH"])
    with pytest.raises(APIResponseError) as info:
        gateway.update_page(pid, {"Lead Score": {"number": 1}})
    assert info.value.status == 429


def test_two_processes_sharing_a_token_share_the_rate_limit(
    notion_fake_factory, store: Store, tmp_path: Path  # type: ignore[no-untyped-def]
) -> None:
    """Two CLI rescores writing 20 pages each against a server allowing 12 requests/s: paced together at
    10/s through the store, Notion rate-limits (almost) nothing and neither run fails. (Paced each on its
    own, they would send 20/s and meet 429s on every other request.)"""
    srv = notion_fake_factory(rate_limit=12, burst=2)
    ids = seed_practices(srv, 20, seed=60)
    make_bench(store, srv, rate=10, burst=1).sync()
    srv.reset_log()
    env = cli_env(srv, store.path) | {"NOTION_RATE_LIMIT": "10"}
    configs = []
    for name, (hot, warm) in (("a", (60, 40)), ("b", (100, 90))):
        text = f"hot_tier_min = {hot}\nwarm_tier_min = {warm}\n"
        path = tmp_path / f"{name}.toml"
        path.write_text(text, encoding="utf-8")
        configs.append(path)
    procs = [
        subprocess.Popen(
            [*_leadscore_cmd(), "rescore", "--all", "--config", str(c)],
            env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        )
        for c in configs
    ]
    outputs = [p.communicate(timeout=180) for p in procs]
    for proc, (out, err) in zip(procs, outputs, strict=True):
        assert proc.returncode == 0, err
        assert "Traceback" not in err and srv.token not in out + err
    assert srv.count("PATCH", status=200) >= 20
    assert srv.rate_limited <= max(2, len(srv.requests) // 50), (srv.rate_limited, len(srv.requests))
    make_bench(store, srv).push()
    assert_notion_matches_store(srv, store, ids)
