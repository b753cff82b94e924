"""Automation's Notion property writes are delivered like score write-backs (issue 11 review): by push as
well as sync, counted with the outbox, one PATCH per page with the latest value of each property, and a
write Notion cannot take is marked with why and not resent until Notion changes."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from click.testing import Result

from data.events.automation import AutomationError, RuleSet
from data.events.delivery import deliver_property_writes
from data.notion import PropertyMapping
from data.notion.settings import NotionError
from data.notion.sync import GIVE_UP_AFTER, Workbench
from data.scoring_runs import RunReport
from data.store import Store
from tests.data.conftest import make_bench, schema_spec
from tests.data.test_cli_store import fast_cli_gateway, notion_env, run  # noqa: F401 (fixtures)
from tests.data.test_engagement_notion import HOT_PAGE, bench_for, busy_day, notion  # noqa: F401 (fixture)
from tests.notion_fake import FakeNotion, seed_practices


def rules_file(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, *rules: dict[str, Any]) -> Path:
    lines = []
    for rule in rules:
        lines.append("[[rules]]")
        lines += [f"{k} = {v!r}".replace("'", '"') if isinstance(v, str) else f"{k} = {v}".replace("'", '"')
                  for k, v in rule.items()]
    path = tmp_path / "automation.toml"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    monkeypatch.setenv("LEADSCORE_AUTOMATION", str(path))
    return path


def a1_rule(rule_id: str, prop: str, value: str = "{next_action}", **extra: Any) -> dict[str, Any]:
    return {"id": rule_id, "cells": ["A1"], "action": "notion_property", "property": prop, "value": value, **extra}


def patches_of(srv: FakeNotion, prop: str) -> list[dict[str, Any]]:
    return [r.body["properties"] for r in srv.requests
            if r.method == "PATCH" and r.path.startswith("/v1/pages/") and prop in (r.body or {}).get("properties", {})]


def hot_practice(workspace, store: Store, **mapping: Any) -> tuple[Workbench, FakeNotion, str]:  # type: ignore[no-untyped-def]
    ws, practices, activities = workspace
    pid = practices.add_page(HOT_PAGE)
    busy_day(activities, pid, datetime.now(UTC) - timedelta(hours=1))
    return bench_for(store, ws, practices, activities, **mapping), practices, pid


# ---- b: push delivers them; --no-push and the outbox count them -------------------------------------------


def test_push_delivers_the_property_writes_a_sync_left_queued(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"))
    bench, practices, pid = hot_practice(notion, store)

    synced = bench.sync(push=False)
    assert synced.left_queued == 2  # the page's score write and its automation property write
    summary = store.outbox_summary()
    assert (summary["size"], summary["scores"], summary["properties"]) == (2, 1, 1)
    assert practices.plain(pid)["Next Action"] is None

    pushed = bench.push()
    assert practices.plain(pid)["Next Action"] == "Call today"
    assert practices.plain(pid)["Lead Score"] == store.score(pid)["lead_score"]
    assert (pushed.written, pushed.write_failures, pushed.left_queued) == (2, 0, 0)
    assert store.outbox_summary()["size"] == 0 and store.automation_log().iloc[0]["status"] == "done"


def test_a_rescore_of_one_practice_delivers_its_property_writes_too(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync(push=False)
    bench.rescore(practice_ids=[pid], trigger="manual")
    assert practices.plain(pid)["Next Action"] == "Call today"
    assert store.outbox_summary()["size"] == 0


def test_push_with_only_property_writes_waiting_does_not_need_the_score_properties(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync()
    store.queue_property_write(pid, "Next Action", "Call today", origin="test")
    practices.edit_upstream(pid, {"Next Action": None})
    practices.set_schema(schema_spec(practices, drop=("Score Breakdown",)))  # a score property gone
    assert bench.push().written == 1
    assert practices.plain(pid)["Next Action"] == "Call today"


# ---- c: one row per (page, property), the latest value wins, one PATCH per page ------------------------


def test_two_rules_writing_one_property_send_one_patch_with_the_latest_value(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"),
               {"id": "hot-label", "tiers": ["Hot"], "action": "notion_property", "property": "Next Action",
                "value": "Hot {grid_cell}"})
    bench, practices, pid = hot_practice(notion, store)
    bench.sync(push=False)
    [queued] = store.property_writes()
    assert (queued["property"], queued["value"], queued["origin"]) == ("Next Action", "Hot A1", "automation:hot-label")

    practices.reset_log()
    bench.push()
    assert practices.plain(pid)["Next Action"] == "Hot A1"
    assert len(patches_of(practices, "Next Action")) == 1
    statuses = dict(zip(store.automation_log()["rule_id"], store.automation_log()["status"], strict=True))
    assert statuses == {"a1-next": "replaced", "hot-label": "done"}


def test_the_properties_due_for_a_page_go_in_one_patch(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                       monkeypatch: pytest.MonkeyPatch) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Cell": "rich_text", "Engaged": "checkbox"}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"), a1_rule("a1-cell", "Cell", "{grid_cell}"),
               a1_rule("a1-engaged", "Engaged", "yes"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync(push=False)
    practices.reset_log()
    report = bench.push()
    [patch] = patches_of(practices, "Cell")
    assert set(patch) == {"Next Action", "Cell", "Engaged"}
    assert (practices.plain(pid)["Cell"], practices.plain(pid)["Engaged"]) == ("A1", True)
    assert report.written == 4  # 1 score page + 3 properties, as the outbox counted them


# ---- a: what Notion cannot take is marked, shown and not resent -------------------------------------------


def test_a_value_notion_refuses_is_marked_failed_and_not_resent(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                               monkeypatch: pytest.MonkeyPatch) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Follow Up": "date"}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"), a1_rule("a1-follow", "Follow Up", "{name}"))
    bench, practices, pid = hot_practice(notion, store)

    report = bench.sync()  # "Busy Paws" is no date: Notion answers 400 validation_error
    assert practices.plain(pid)["Next Action"] == "Call today"  # the other property of the page still lands
    [blocked] = store.property_writes()
    assert blocked["property"] == "Follow Up"
    assert blocked["blocked"].startswith("Notion refused it: Notion 400 validation_error:")
    assert "Follow Up" in blocked["blocked"]
    log = store.automation_log().set_index("rule_id")
    assert (log.loc["a1-follow", "status"], log.loc["a1-next", "status"]) == ("failed", "done")
    assert f"1 automation property writes wait until Notion is changed: {blocked['blocked']}" in report.notes

    practices.reset_log()
    again = bench.sync()  # the same property as before: not resent
    assert patches_of(practices, "Follow Up") == []
    assert again.write_failures == 1 and store.outbox_summary()["blocked"] == 1

    practices.set_schema(schema_spec(practices, {"Follow Up": "rich_text"}))  # Notion changed: tried again
    bench.sync()
    assert practices.plain(pid)["Follow Up"] == "Busy Paws" and store.property_writes() == []


@pytest.mark.parametrize(
    ("prop_type", "value", "why"),
    [
        (("formula", {"expression": "now()"}), "{next_action}",
         "'Due' is a formula property, which leadscore cannot write (change the rule's property)"),
        ("number", "{next_action}", "'Due' is a number property and 'Call today' is not a number"),
        (("status", {"options": ["Open"]}), "{next_action}",
         "'Due' is a status property without the option 'Call today' (Notion's API cannot create status options): "
         "add it to the property in Notion"),
    ],
)
def test_writes_leadscore_knows_notion_cannot_take_are_never_sent(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,  # noqa: F811
    prop_type: Any, value: str, why: str,
) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Due": prop_type}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-due", "Due", value))
    bench, practices, _pid = hot_practice(notion, store)
    practices.reset_log()
    bench.sync()
    bench.push()
    assert patches_of(practices, "Due") == []
    [waiting] = store.property_writes()
    assert (waiting["blocked"], waiting["attempts"]) == (why, 1)  # judged once, not on every run
    assert store.automation_log().iloc[0]["last_error"] == why


def test_a_newer_value_replaces_a_blocked_write_and_is_tried(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                            monkeypatch: pytest.MonkeyPatch) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Score Note": "number"}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-note", "Score Note", "{next_action}"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync()
    assert store.property_writes()[0]["blocked"]
    store.queue_property_write(pid, "Score Note", "42", origin="test")
    bench.push()
    assert practices.plain(pid)["Score Note"] == 42 and store.property_writes() == []


# ---- d: a rule may not write what leadscore reads or writes itself ------------------------------------------


@pytest.mark.parametrize(
    ("prop", "mapping", "message"),
    [
        ("Lead Score", PropertyMapping(),
         "rule 'a1-next' writes the Notion property 'Lead Score', but 'Lead Score' is one of the five score "
         "properties leadscore writes (lead_score): choose another property"),
        ("vet count (total)", PropertyMapping(fields={**PropertyMapping().fields, "vet_count": "Vet Count (Total)"}),
         "rule 'a1-next' writes the Notion property 'vet count (total)', but 'Vet Count (Total)' is a scoring input "
         "leadscore reads (vet_count): choose another property"),
        ("Status", PropertyMapping(),
         "rule 'a1-next' writes the Notion property 'Status', but 'Status' is a sales property leadscore shows but "
         "never writes (SPEC §11) (status): choose another property"),
    ],
)
def test_a_rule_writing_a_property_leadscore_owns_is_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, prop: str, mapping: PropertyMapping, message: str
) -> None:
    path = rules_file(tmp_path, monkeypatch, a1_rule("a1-next", prop))
    with pytest.raises(AutomationError) as caught:
        RuleSet.load(mapping=mapping)
    assert str(caught.value) == f"{path}: {message}"


def test_a_mapped_away_default_name_is_free_to_write(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Vet Count"))
    moved = PropertyMapping(fields={**PropertyMapping().fields, "vet_count": "Vet Count (Total)"})
    assert [r.property for r in RuleSet.load(mapping=moved).rules] == ["Vet Count"]
    with pytest.raises(AutomationError):
        RuleSet.load(mapping=PropertyMapping())


def test_a_sync_with_such_a_rule_scores_and_says_why_the_rules_did_not_run(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-tier", "Priority Tier", "Call"))
    bench, practices, pid = hot_practice(notion, store)
    report = bench.sync()
    assert practices.plain(pid)["Priority Tier"] == store.score(pid)["priority_tier"]
    assert any(n.startswith("automation rules not run:") and "'Priority Tier' is one of the five score" in n
               for n in report.notes)
    assert store.property_writes() == []


def test_cli_sync_no_push_counts_property_writes_and_push_delivers_them(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None,  # noqa: F811
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Risk": "rich_text"}))
    ids = seed_practices(notion_fake, 6, seed=64)
    path = rules_file(tmp_path, monkeypatch, {"id": "quiet", "risks": ["high"], "action": "notion_property",
                                              "property": "Risk", "value": "{recency_risk}"})
    env = notion_env(notion_fake, LEADSCORE_AUTOMATION=str(path))
    synced = run("sync", "--no-push", env=env)
    assert synced.exit_code == 0, synced.output
    assert "Notion: 12 writes left queued (deliver them with `leadscore push`)" in synced.stdout  # 6 + 6
    assert notion_fake.count("PATCH") == 0
    pushed = run("push", env=env)
    assert "12 pending → 12 written, 0 still pending" in pushed.stdout, pushed.output
    assert [notion_fake.plain(p)["Risk"] for p in ids] == ["high"] * 6
    assert notion_fake.count("PATCH") == 12  # a PATCH of scores, a PATCH of automation properties, per page


def test_a_value_queued_while_an_older_one_was_being_sent_is_kept(store: Store) -> None:
    store.queue_property_write("p1", "Next Action", "Call today", origin="automation:a")
    [in_flight] = store.property_writes()
    store.queue_property_write("p1", "Next Action", "Nurture", origin="automation:b")  # meanwhile
    store.property_writes_done("p1", [in_flight])  # the older PATCH landed
    [left] = store.property_writes()
    assert (left["value"], left["origin"], left["blocked"]) == ("Nurture", "automation:b", None)
    store.property_writes_done("p1", [left])
    assert store.property_writes() == []


def test_a_newer_value_forgets_why_the_older_one_was_blocked(store: Store) -> None:
    store.queue_property_write("p1", "Due", "soon")
    [judged] = store.property_writes()
    store.property_write_blocked("p1", judged, "'Due' is a number property and 'soon' is not a number",
                                 '{"number":{"format":"number"},"type":"number"}')
    assert store.outbox_summary()["blocked_reasons"] == {"'Due' is a number property and 'soon' is not a number": 1}
    store.queue_property_write("p1", "Due", "3")
    [row] = store.property_writes()
    assert (row["value"], row["blocked"], row["blocked_on"], row["attempts"]) == ("3", None, None, 0)
    assert store.outbox_summary()["blocked"] == 0


def test_a_page_going_drops_every_write_waiting_for_it_blocked_ones_too(store: Store) -> None:
    """Found gone by any path (a sync, a score write, a property write), a page takes its writes with it:
    a blocked write would otherwise stay on Operations forever, a queued one wait for its own 404."""
    store.upsert_practices([{"practice_id": p, "source": "notion", "name": p, "record": {"practice_id": p}}
                            for p in ("p1", "p2")])
    store.queue_property_write("p1", "Due", "soon")
    [judged] = store.property_writes()
    store.property_write_blocked("p1", judged, "'Due' is a number property and 'soon' is not a number", "{}")
    store.queue_property_write("p1", "Next Action", "Call today")
    store.queue_property_write("p2", "Next Action", "Nurture")
    store.mark_gone(["p1"], trashed=True)
    assert [(r["practice_id"], r["value"]) for r in store.property_writes()] == [("p2", "Nurture")]
    assert store.outbox_summary()["blocked"] == 0


def test_when_notion_is_down_property_writes_wait_untried_after_the_scores_gave_up(
    notion_fake: FakeNotion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Risk": "rich_text"}))
    ids = seed_practices(notion_fake, 5, seed=65)
    rules_file(tmp_path, monkeypatch, {"id": "quiet", "risks": ["high"], "action": "notion_property",
                                       "property": "Risk", "value": "{recency_risk}"})
    bench = make_bench(store, notion_fake)
    notion_fake.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])
    report = bench.sync()
    assert "Notion kept failing; 5 automation property writes stay queued" in report.notes
    assert patches_of(notion_fake, "Risk") == []  # the same give-up rule as the scores: not one tried
    assert store.outbox_summary()["properties"] == 5 and report.left_queued == 10

    notion_fake.faults.clear()
    bench.push()
    assert [notion_fake.plain(p)["Risk"] for p in ids] == ["high"] * 5
    assert store.outbox_summary()["size"] == 0


# ---- an outcome applies only to the value that was sent (issue 11 review) ----------------------------------


def fire(store: Store, rule_id: str, pid: str, prop: str, value: str) -> int:
    """One automation firing that queues ``value`` for ``prop`` of ``pid``'s page; its log id."""
    [(log_id, _)] = store.automation_fire(rule_id, "2026-11-30", [pid], {pid: {"notion_page": pid, "value": value}},
                                          "notion_property", prop, "2026-11-30T09:00:00+00:00")
    return log_id


def statuses(store: Store) -> dict[str, tuple[str, Any]]:
    return {r[0]: (r[1], r[2]) for r in store.query("SELECT rule_id, status, last_error FROM automation_log")}


def test_an_older_values_refusal_does_not_block_the_newer_value(store: Store) -> None:
    fire(store, "older", "p1", "Next Action", "Bad,Value")
    [sent] = store.property_writes()  # read as pending, then another process fires meanwhile
    fire(store, "newer", "p1", "Next Action", "Good")
    assert not store.property_write_blocked("p1", sent, "Notion refused it: Notion 400 validation_error: …", "null")
    [row] = store.property_writes()
    assert (row["value"], row["blocked"], row["last_error"], row["attempts"]) == ("Good", None, None, 0)
    assert statuses(store)["newer"] == ("queued", None)  # still to be sent, not logged failed
    assert statuses(store)["older"][0] == "replaced"


@pytest.mark.parametrize("drop", [False, True], ids=["transient", "page-gone"])
def test_an_older_values_failure_does_not_touch_the_newer_value(store: Store, drop: bool) -> None:
    fire(store, "older", "p1", "Next Action", "Call today")
    [sent] = store.property_writes()
    fire(store, "newer", "p1", "Next Action", "Nurture")
    assert not store.property_write_failed("p1", sent, "Notion 503 service_unavailable", drop=drop)
    [row] = store.property_writes()
    assert (row["value"], row["last_error"], row["attempts"]) == ("Nurture", None, 0)
    assert statuses(store)["newer"] == ("queued", None)
    assert statuses(store)["older"][0] == "replaced"


def test_outcomes_still_apply_to_the_value_sent_when_nothing_replaced_it(store: Store) -> None:
    fire(store, "only", "p1", "Next Action", "Call today")
    [sent] = store.property_writes()
    assert store.property_write_failed("p1", sent, "Notion 503 service_unavailable")
    [row] = store.property_writes()
    assert (row["attempts"], row["last_error"]) == (1, "Notion 503 service_unavailable")
    assert statuses(store)["only"] == ("queued", "Notion 503 service_unavailable")
    assert store.property_write_blocked("p1", row, "no such property", "null")
    assert statuses(store)["only"] == ("failed", "no such property")
    assert store.property_write_failed("p1", store.property_writes()[0], "the page is gone", drop=True)
    assert store.property_writes() == [] and statuses(store)["only"] == ("failed", "the page is gone")


def test_a_value_queued_while_notion_refused_the_older_one_is_sent_next(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Follow Up": "date"}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-follow", "Follow Up", "{name}"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync(push=False)  # "Busy Paws" queued for a date property: Notion will answer 400
    real = bench.gateway.update_page

    def another_process_queues_meanwhile(page_id: str, properties: dict[str, Any]) -> Any:
        if properties.get("Follow Up") and "2026" not in str(properties):  # the older value's PATCH in flight
            store.queue_property_write(pid, "Follow Up", "2026-12-01", origin="automation:other")
        return real(page_id, properties)

    monkeypatch.setattr(bench.gateway, "update_page", another_process_queues_meanwhile)
    report = bench.push()
    [row] = store.property_writes()
    assert (row["value"], row["blocked"]) == ("2026-12-01", None)  # not blocked by the older value's 400
    assert not any("wait until Notion is changed" in n for n in report.notes)

    monkeypatch.setattr(bench.gateway, "update_page", real)
    bench.push()
    assert practices.plain(pid)["Follow Up"] == "2026-12-01"
    assert store.property_writes() == []


# ---- a page gone: found by an automation write just as by a score write ------------------------------------


@pytest.mark.parametrize("how", ["trashed", "deleted"])
def test_a_property_write_to_a_gone_page_marks_the_practice_gone(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, how: str  # noqa: F811
) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync()
    store.queue_property_write(pid, "Next Action", "Nurture", origin="automation:later")
    assert store.outbox() == []  # no score write waits: only the automation write can notice
    (practices.trash_page if how == "trashed" else practices.delete_page)(pid)

    report = bench.push()
    practice = store.practice(pid)
    assert practice is not None
    assert (practice["in_trash"], practice["deleted"]) == ((1, 0) if how == "trashed" else (0, 1))
    gone = "is in the trash" if how == "trashed" else "no longer exists"
    assert f"{pid}: the page {gone}; dropped its automation property writes" in report.failures
    assert store.property_writes() == []
    assert pid not in set(store.leads_frame()["practice_id"])


def test_losing_the_database_drops_no_property_write(notion, store: Store, tmp_path: Path,  # noqa: F811
                                                     monkeypatch: pytest.MonkeyPatch) -> None:
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"))
    bench, practices, pid = hot_practice(notion, store)
    bench.sync()
    store.queue_property_write(pid, "Next Action", "Nurture", origin="automation:later")
    practices.delete_page(pid)
    monkeypatch.setattr(bench.gateway, "database_reachable", lambda: False)
    with pytest.raises(NotionError, match="nothing was dropped"):
        bench.push()
    assert [w["value"] for w in store.property_writes()] == ["Nurture"]
    assert store.practice(pid)["deleted"] == 0  # type: ignore[index]


# ---- a 400 for a page's PATCH, then Notion down: counts toward giving up -------------------------------------


def test_notion_going_down_while_a_refused_patch_is_split_counts_toward_giving_up(
    notion, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch  # noqa: F811
) -> None:
    practices = notion[1]
    practices.set_schema(schema_spec(practices, {"Follow Up": "date"}))
    rules_file(tmp_path, monkeypatch, a1_rule("a1-next", "Next Action"), a1_rule("a1-follow", "Follow Up", "{name}"))
    bench, practices, first = hot_practice(notion, store)
    second = practices.add_page({**HOT_PAGE, "Name": "Busy Claws"})
    busy_day(notion[2], second, datetime.now(UTC) - timedelta(hours=1))
    bench.sync(push=False)
    assert {w["practice_id"] for w in store.property_writes()} == {first, second}
    real = bench.gateway.update_page

    def refused_then_down(page_id: str, properties: dict[str, Any]) -> Any:
        try:
            return real(page_id, properties)  # the page's PATCH: 400, "Busy Paws" is no date
        finally:
            practices.faults.queue(*["503"] * 20, methods=["PATCH"])  # then every retry meets a 503

    monkeypatch.setattr(bench.gateway, "update_page", refused_then_down)
    practices.reset_log()
    report = RunReport("push")
    deliver_property_writes(bench, report, streak=GIVE_UP_AFTER - 1)

    assert "Notion kept failing; 2 automation property writes stay queued" in report.notes
    patched = {r.path.rsplit("/", 1)[-1] for r in practices.requests if r.method == "PATCH"}
    assert len(patched) == 1  # the other page was not tried
    tried = patched.pop()
    attempts = sorted(w["attempts"] for w in store.property_writes() if w["practice_id"] == tried)
    assert attempts == [0, 1]  # one sent alone and met the 503s; the other waits untried
    assert all(w["blocked"] is None for w in store.property_writes())  # nothing judged refused by a 503
    assert len(store.property_writes()) == 4
