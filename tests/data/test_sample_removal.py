"""The sample book as a whole (issues 7 and 11): setting it aside leaves nothing of it behind — practices,
scores, writes, events, snapshots, automation — and `leadscore demo` brings it back whole; nothing real
(a webhook, a Notion write) is ever sent on behalf of its made-up practices."""

from __future__ import annotations

from pathlib import Path

from data.demo import load_sample_book
from data.events.automation import RuleSet, run_automation
from data.scoring_runs import run_scoring
from data.store import ENGAGEMENT_TABLES, Store
from scoring.config import ScoringConfig
from tests.scoring.records import full_record

from .webhook_server import WebhookServer

EVERY_TIER = '["Hot", "Warm", "Cold", "Pending Enrichment"]'
PER_PRACTICE = ("practices", "scores", "outbox", "status_seen", "events", "engagement_snapshots",
                "automation_state", "automation_log", "property_outbox")


def sample_rows(store: Store) -> dict[str, int]:
    """Rows of the sample's practices (ids demo-…) in every per-practice table, and its event imports."""
    counts = {t: store.query(f"SELECT COUNT(*) FROM {t} WHERE practice_id LIKE 'demo-%'")[0][0] for t in PER_PRACTICE}
    counts["event_imports"] = store.query("SELECT COUNT(*) FROM event_imports WHERE source = 'demo'")[0][0]
    return counts


def webhook_rules(path: Path, url: str) -> None:
    path.write_text(f'[[rules]]\nid = "hook"\ntiers = {EVERY_TIER}\naction = "webhook"\nurl = "{url}"\n\n'
                    f'[[rules]]\nid = "prop"\ntiers = {EVERY_TIER}\naction = "notion_property"\n'
                    'property = "Next Action"\n', encoding="utf-8")


def test_remove_sample_leaves_nothing_of_it_and_demo_brings_it_back_whole(store: Store) -> None:
    """The reviewer's run (s1.py): a 60-practice sample with its history, set aside, then loaded again."""
    load_sample_book(store, n=60)
    loaded = sample_rows(store)
    assert loaded["events"] > 0 and loaded["engagement_snapshots"] > 0 and loaded["automation_log"] > 0
    assert loaded["status_seen"] == 60 and loaded["automation_state"] > 0 and loaded["event_imports"] == 1
    store.queue_property_write("demo-0001", "Next Action", "call")  # a stray write of the sample's

    assert store.remove_sample() == 60
    assert sample_rows(store) == dict.fromkeys(loaded, 0)
    assert store.query("SELECT COUNT(*) FROM property_outbox")[0][0] == 0

    load_sample_book(store, n=60)  # what `leadscore demo` does
    back = sample_rows(store)
    assert back["events"] == loaded["events"]  # every event again, none counted as a duplicate
    assert store.event_imports(1)["imported"].tolist() == [loaded["events"]]
    assert back["practices"] == back["scores"] == back["status_seen"] == 60
    assert back["engagement_snapshots"] == loaded["engagement_snapshots"]
    assert back["automation_log"] == loaded["automation_log"]


def test_remove_sample_keeps_the_users_own_practices_and_their_history(store: Store) -> None:
    load_sample_book(store, n=10)
    store.upsert_practices([{"practice_id": "own", "source": "import", "status": "New", "record": full_record("own")}])
    run_scoring(store, ["own"], kind="test", trigger="manual")
    store.add_events([("own-ev1", "own", "meeting", 1_700_000_000_000_000, "t", None)],
                     {"source": "file", "name": "own.csv", "rows": 1})

    store.remove_sample()

    assert store.sources() == {"import": 1}
    assert store.query("SELECT practice_id FROM events")[0][0] == "own"
    assert store.event_imports()["source"].tolist() == ["file"]
    assert store.query("SELECT COUNT(*) FROM status_seen WHERE practice_id = 'own'")[0][0] == 1
    assert store.score("own") is not None
    assert set(ENGAGEMENT_TABLES) <= {*PER_PRACTICE, "event_imports"}  # every issue-11 table is looked at above


def test_loading_the_sample_never_calls_a_real_webhook(store: Store, isolated: Path) -> None:
    """A team's rules file (./automation.toml) with a webhook for every practice: the sample's history runs
    the rules, and nothing is POSTed or queued for Notion on the sample's behalf."""
    with WebhookServer() as hook:
        webhook_rules(isolated / "automation.toml", hook.url)
        load_sample_book(store, n=40)
        log = store.automation_log(1000)
        assert hook.received == []
    hook_rows = log[log["rule_id"] == "hook"]
    assert len(hook_rows) > 0 and set(hook_rows["status"]) == {"skipped"}
    assert hook_rows["last_error"].str.contains("sample-book practice").all()
    assert store.pending_webhooks() == [] and store.property_writes() == []


def test_rules_run_beside_the_sample_reach_only_the_users_practices(store: Store, isolated: Path) -> None:
    """The same rules run later (a sync, `leadscore snapshot`) over a book holding the sample and an
    imported practice: only the imported practice's webhook is sent."""
    load_sample_book(store, n=20)  # built-in rules: log only
    store.upsert_practices([{"practice_id": "own", "source": "import", "record": full_record("own")}])
    run_scoring(store, ["own"], kind="test", trigger="manual")
    with WebhookServer() as hook:
        webhook_rules(isolated / "automation.toml", hook.url)
        report = run_automation(store, ScoringConfig(), RuleSet.load())
        assert [r["json"]["practice_id"] for r in hook.received] == ["own"]
    assert report.delivered == 1 and report.fired["hook"] == 21
    log = store.automation_log(1000)
    sample_hooks = log[(log["rule_id"] == "hook") & log["practice_id"].str.startswith("demo-")]
    assert len(sample_hooks) == 20 and set(sample_hooks["status"]) == {"skipped"}
