"""Automation rules (issue 11, seed 002 S2): rules files, firing on entering a condition, once per
(practice, rule, day) under retries and killed runs, webhooks against a local server."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import orjson
import pytest

from data.events.automation import (
    DEFAULT_RULES,
    AutomationError,
    Rule,
    RuleSet,
    deliver_webhooks,
    run_automation,
)
from data.scoring_runs import run_scoring
from data.store import Store
from scoring.config import ScoringConfig
from scoring.engagement import US_PER_DAY, US_PER_HOUR, to_us
from tests.scoring.records import full_record

from .webhook_server import WebhookServer

AS_OF = datetime(2026, 3, 2, 12, 0, tzinfo=UTC)
NOW = to_us(AS_OF)
CFG = ScoringConfig()
A1 = Rule("a1", "enters A1", cells=("A1",))
QUIET = Rule("quiet", "Hot goes quiet", tiers=("Hot",), risks=("high",))


def rules(*items: Rule) -> RuleSet:
    return RuleSet(items, "test")


@pytest.fixture
def book(store: Store) -> Store:
    """hot-a: Hot and busy (A1); hot-q: Hot, silent for 10 days (A3, high risk); pend: Pending Enrichment."""
    store.upsert_practices([
        {"practice_id": "hot-a", "source": "import", "name": "Busy Paws", "record": full_record("hot-a")},
        {"practice_id": "hot-q", "source": "import", "name": "Quiet Paws", "record": full_record("hot-q")},
        {"practice_id": "pend", "source": "import", "name": "Pending Paws",
         "record": full_record("pend", enrichment_data=None)},
    ])
    run_scoring(store, None, kind="test", trigger="manual")
    store.add_events([
        ("e1", "hot-a", "meeting", NOW - US_PER_HOUR, "t", None),
        ("e2", "hot-a", "demo_request", NOW - US_PER_HOUR, "t", None),
        ("e3", "hot-a", "download", NOW - US_PER_HOUR, "t", None),
        ("e4", "hot-a", "signup", NOW - US_PER_HOUR, "t", None),
        ("e5", "hot-q", "meeting", NOW - 10 * US_PER_DAY, "t", None),
    ])
    return store


def log(store: Store) -> list[tuple]:
    frame = store.automation_log()
    return sorted(zip(frame["practice_id"], frame["rule_id"], frame["day"], frame["status"], strict=True))


# ---- rules files -------------------------------------------------------------------------------------------


def test_without_a_file_the_built_in_rules_only_log(tmp_path: Path) -> None:
    loaded = RuleSet.load(env={})
    assert loaded.rules == DEFAULT_RULES and all(r.action == "log" for r in loaded.rules)


def test_a_rules_file_is_read(tmp_path: Path) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(
        '[[rules]]\nid = "a1-next"\ncells = ["A1"]\naction = "notion_property"\nproperty = "Next Action"\n\n'
        '[[rules]]\nid = "quiet"\ntiers = ["Hot"]\nrisks = "high"\naction = "webhook"\nurl = "https://h.example/x"\n',
        encoding="utf-8",
    )
    loaded = RuleSet.load(env={"LEADSCORE_AUTOMATION": str(path)})
    assert [r.id for r in loaded.rules] == ["a1-next", "quiet"]
    assert loaded.rules[0].property == "Next Action" and loaded.rules[0].value == "{next_action}"
    assert loaded.rules[1].risks == ("high",)
    assert "enters A1" in loaded.rules[0].condition() and "Next Action" in loaded.rules[0].effect()


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ('[[rules]]\nid = "x"\naction = "log"\n', "rule 1 (x): needs a condition"),
        ('[[rules]]\nid = "x"\ncells = ["D1"]\n', "cells must be a list of A1"),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\naction = "email"\n', "action must be one of log, notion_property"),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\naction = "webhook"\nurl = "ftp://x"\n', "needs url ="),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\naction = "notion_property"\n', "needs property ="),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\nvalue = "{owner}"\n', "value uses {owner}"),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\ncolour = "red"\n', "colour is not a known setting"),
        ('[[rules]]\nid = "x"\ncells = ["A1"]\n[[rules]]\nid = "x"\ncells = ["A2"]\n', "id 'x' is used twice"),
        ('[[rules]]\nid = "has space"\ncells = ["A1"]\n', "id must be a short name"),
        ("[rule]\nid = 1\n", "[rule] is not a known section"),
        ("rules = [", "not valid TOML"),
    ],
)
def test_bad_rules_files_are_one_sentence_naming_the_rule(tmp_path: Path, body: str, message: str) -> None:
    path = tmp_path / "rules.toml"
    path.write_text(body, encoding="utf-8")
    with pytest.raises(AutomationError) as caught:
        RuleSet.load(path)
    assert message in str(caught.value) and str(path) in str(caught.value)


def test_a_named_rules_file_that_is_missing_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AutomationError, match="not found"):
        RuleSet.load(env={"LEADSCORE_AUTOMATION": str(tmp_path / "nope.toml")})


# ---- firing once -----------------------------------------------------------------------------------------


def test_rules_fire_for_practices_entering_their_condition(book: Store) -> None:
    report = run_automation(book, CFG, rules(A1, QUIET), as_of=AS_OF)
    assert report.fired == {"a1": 1, "quiet": 1}
    assert log(book) == [("hot-a", "a1", "2026-03-02", "done"), ("hot-q", "quiet", "2026-03-02", "done")]
    payload = orjson.loads(book.automation_log().set_index("rule_id").loc["a1", "payload"])
    assert payload["grid_cell"] == "A1" and payload["next_action"] == "Call today" and payload["value"] == "Call today"
    assert payload["name"] == "Busy Paws" and payload["engagement_score"] == 84  # 85 points, an hour old


def test_a_second_run_the_same_day_fires_nothing(book: Store) -> None:
    run_automation(book, CFG, rules(A1, QUIET), as_of=AS_OF)
    again = run_automation(book, CFG, rules(A1, QUIET), as_of=AS_OF + timedelta(hours=1))
    assert not again.fired
    assert len(log(book)) == 2


def test_staying_in_the_cell_does_not_fire_again_the_next_day(book: Store) -> None:
    run_automation(book, CFG, rules(A1), as_of=AS_OF)
    book.add_events([("e6", "hot-a", "meeting", NOW + 20 * US_PER_HOUR, "t", None)])  # still busy tomorrow
    assert not run_automation(book, CFG, rules(A1), as_of=AS_OF + timedelta(days=1)).fired


def test_leaving_and_re_entering_fires_again_but_only_once_a_day(book: Store) -> None:
    run_automation(book, CFG, rules(A1), as_of=AS_OF)
    later = AS_OF + timedelta(days=3)  # six days on, 85 points have decayed to ~46: out of A1 …
    assert not run_automation(book, CFG, rules(A1), as_of=later + timedelta(days=3)).fired
    state = book.query("SELECT matched FROM automation_state WHERE practice_id = 'hot-a' AND rule_id = 'a1'")[0][0]
    assert state == 0
    book.add_events([("e7", "hot-a", "meeting", to_us(later + timedelta(days=3, hours=1)), "t", None)])
    back = run_automation(book, CFG, rules(A1), as_of=later + timedelta(days=3, hours=2))  # … and back in
    assert back.fired == {"a1": 1}
    assert [r[2] for r in log(book)] == ["2026-03-02", "2026-03-08"]


def test_the_same_day_re_entry_is_not_logged_twice(book: Store) -> None:
    run_automation(book, CFG, rules(A1), as_of=AS_OF)
    # The state is lost (say, restored from an old backup): the day's key still holds.
    with book.write() as w:
        w.execute("DELETE FROM automation_state")
    assert not run_automation(book, CFG, rules(A1), as_of=AS_OF + timedelta(hours=2)).fired
    assert len(log(book)) == 1


def test_a_failed_fit_scoring_never_enters_a_cell(book: Store) -> None:
    book.upsert_practices([{"practice_id": "broken", "source": "import", "record": {"practice_id": "broken"}}])
    run_scoring(book, ["broken"], kind="test", trigger="manual")
    book.add_events([(f"b{i}", "broken", "meeting", NOW, "t", None) for i in range(5)])
    report = run_automation(book, CFG, rules(Rule("any1", cells=("A1", "B1", "C1", "P1"))), as_of=AS_OF)
    assert report.fired == {"any1": 1}  # hot-a only


# ---- webhooks --------------------------------------------------------------------------------------------------


def test_webhook_posts_json_once_with_an_idempotency_key(book: Store) -> None:
    with WebhookServer() as hook:
        rule = Rule("a1-hook", cells=("A1",), action="webhook", url=hook.url)
        report = run_automation(book, CFG, rules(rule), as_of=AS_OF)
        run_automation(book, CFG, rules(rule), as_of=AS_OF + timedelta(minutes=5))  # a retried run
    assert (report.fired["a1-hook"], report.delivered) == (1, 1)
    assert len(hook.received) == 1
    sent = hook.received[0]
    assert sent["headers"]["Idempotency-Key"] == "hot-a:a1-hook:2026-03-02"
    assert sent["headers"]["Content-Type"] == "application/json"
    assert sent["json"]["practice_id"] == "hot-a" and sent["json"]["grid_cell"] == "A1"
    assert log(book) == [("hot-a", "a1-hook", "2026-03-02", "done")]


def test_a_failing_webhook_stays_pending_and_is_retried(book: Store) -> None:
    with WebhookServer() as hook:
        hook.statuses.extend([500])
        rule = Rule("a1-hook", cells=("A1",), action="webhook", url=hook.url)
        first = run_automation(book, CFG, rules(rule), as_of=AS_OF)
        row = book.automation_log().iloc[0]
        assert (first.failed, row["status"], row["attempts"]) == (1, "pending", 1)
        assert row["last_error"] == "the webhook answered HTTP 500"
        second = run_automation(book, CFG, rules(rule), as_of=AS_OF + timedelta(minutes=5))
    assert (second.fired.total(), second.delivered) == (0, 1)
    assert [r["headers"]["Idempotency-Key"] for r in hook.received] == ["hot-a:a1-hook:2026-03-02"] * 2
    assert book.automation_log().iloc[0]["status"] == "done"


def test_a_dead_endpoint_does_not_stall_the_run(book: Store) -> None:
    calls: list[str] = []

    def down(url: str, body: bytes, headers: dict[str, str]) -> int:
        calls.append(headers["Idempotency-Key"])
        raise httpx.ConnectError("connection refused")

    many = [(f"m{i}", f"hot-{i}") for i in range(6)]
    book.upsert_practices([{"practice_id": p, "source": "import", "record": full_record(p)} for _, p in many])
    run_scoring(book, [p for _, p in many], kind="test", trigger="manual")
    book.add_events([(f"{e}-{t}", p, t, NOW - US_PER_HOUR, "t", None) for e, p in many
                     for t in ("meeting", "demo_request", "signup")])
    rule = Rule("h", cells=("A1",), action="webhook", url="http://127.0.0.1:9/down")
    report = run_automation(book, CFG, rules(rule), as_of=AS_OF, post=down)
    assert report.fired["h"] == 7  # hot-a and the six new ones
    assert len(calls) == 3 and report.failed == 3  # three failures in a row: the rest wait
    statuses = book.automation_log()["attempts"].tolist()
    assert sorted(statuses) == [0, 0, 0, 0, 1, 1, 1]
    assert set(book.automation_log()["status"]) == {"pending"}


def test_a_webhook_that_keeps_failing_is_given_up(book: Store) -> None:
    dead = "http://127.0.0.1:9/unreachable"
    run_automation(book, CFG, rules(Rule("h", cells=("A1",), action="webhook", url=dead)), as_of=AS_OF)
    for _ in range(6):
        deliver_webhooks(book)
    row = book.automation_log().iloc[0]
    assert (row["status"], row["attempts"]) == ("failed", 5)
    assert row["last_error"].startswith("the webhook could not be reached")


# ---- killed runs --------------------------------------------------------------------------------------------


def test_a_run_killed_before_delivery_delivers_once_on_the_next_run(book: Store) -> None:
    def killed(url: str, body: bytes, headers: dict[str, str]) -> int:
        raise KeyboardInterrupt  # the process dies after the firing was committed

    with WebhookServer() as hook:
        rule = Rule("a1-hook", cells=("A1",), action="webhook", url=hook.url)
        with pytest.raises(KeyboardInterrupt):
            run_automation(book, CFG, rules(rule), as_of=AS_OF, post=killed)
        assert log(book) == [("hot-a", "a1-hook", "2026-03-02", "pending")]
        report = run_automation(book, CFG, rules(rule), as_of=AS_OF + timedelta(minutes=1))
    assert (report.fired.total(), report.delivered, len(hook.received)) == (0, 1, 1)
    assert log(book) == [("hot-a", "a1-hook", "2026-03-02", "done")]


def test_a_run_killed_inside_its_transaction_leaves_nothing_and_fires_once_later(
    book: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = Store.queue_property_write

    def crash(*args: object, **kwargs: object) -> None:
        raise SystemExit("killed")

    book.upsert_practices([{"practice_id": "hot-n", "source": "notion", "name": "Notion Paws",
                            "record": full_record("hot-n")}])
    run_scoring(book, ["hot-n"], kind="test", trigger="manual")
    book.add_events([(f"n{i}", "hot-n", t, NOW - US_PER_HOUR, "t", None)
                     for i, t in enumerate(["meeting", "demo_request", "signup"])])
    rule = Rule("a1-prop", cells=("A1",), action="notion_property", property="Next Action")
    monkeypatch.setattr(Store, "queue_property_write", crash)
    with pytest.raises(SystemExit):
        run_automation(book, CFG, rules(rule), as_of=AS_OF)
    assert log(book) == [] and book.property_writes() == []
    assert book.query("SELECT COUNT(*) FROM automation_state")[0][0] == 0
    monkeypatch.setattr(Store, "queue_property_write", real)
    report = run_automation(book, CFG, rules(rule), as_of=AS_OF)
    assert report.fired == {"a1-prop": 2}
    assert log(book) == [("hot-a", "a1-prop", "2026-03-02", "skipped"), ("hot-n", "a1-prop", "2026-03-02", "queued")]
    assert [(w["practice_id"], w["property"], w["value"]) for w in book.property_writes()] == [
        ("hot-n", "Next Action", "Call today")]
    skipped = book.automation_log().set_index("practice_id").loc["hot-a"]
    assert "no Notion page" in skipped["last_error"]


def test_a_process_killed_mid_webhook_never_fires_twice(book: Store, tmp_path: Path) -> None:
    now = to_us(datetime.now(UTC))
    book.add_events([(f"live{i}", "hot-a", t, now - US_PER_HOUR, "t", None)
                     for i, t in enumerate(["meeting", "demo_request", "signup"])])
    with WebhookServer() as hook:
        rules_file = tmp_path / "rules.toml"
        rules_file.write_text(f'[[rules]]\nid = "a1-hook"\ncells = ["A1"]\naction = "webhook"\nurl = "{hook.url}"\n',
                              encoding="utf-8")
        hook.hold.clear()  # the POST arrives and waits: the process is killed while it is in flight
        env = {**os.environ, "LEADSCORE_DB": str(book.path), "LEADSCORE_AUTOMATION": str(rules_file)}
        env = {k: v for k, v in env.items() if not k.startswith("NOTION_")}
        code = "import sys; from data.cli import main; sys.exit(main())"
        proc = subprocess.Popen([sys.executable, "-c", code, "snapshot"], env=env, cwd=tmp_path,
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        try:
            assert hook.arrived.wait(60), "the webhook was never called"
            proc.send_signal(signal.SIGKILL)
        finally:
            proc.communicate(timeout=30)
        assert proc.returncode == -signal.SIGKILL
        assert log(book) == [("hot-a", "a1-hook", time.strftime("%Y-%m-%d", time.gmtime()), "pending")]
        hook.hold.set()
        # The next run (a later sync, `leadscore snapshot`) delivers the pending firing with the same key.
        again = subprocess.run([sys.executable, "-c", code, "snapshot"], env=env, cwd=tmp_path,
                               capture_output=True, text=True, timeout=120)
        assert again.returncode == 0, again.stderr
    assert len(book.automation_log()) == 1
    assert book.automation_log().iloc[0]["status"] == "done"
    keys = {r["headers"]["Idempotency-Key"] for r in hook.received}
    assert len(keys) == 1 and len(hook.received) == 2  # one firing; its delivery retried with the same key
