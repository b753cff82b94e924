"""The store and Notion commands of the `leadscore` CLI (data/cli_store.py): demo, rescore, sync,
push, notion check, notion setup."""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

import data.notion.sync
from data.cli import main
from data.notion import NotionGateway
from data.store import DEFAULT_DB, Store
from scoring.config import ScoringConfig
from tests.data.conftest import SCORE_NAMES, expected_scores, notion_scores, practice_row, schema_spec
from tests.notion_fake import FakeNotion, seed_practices


@pytest.fixture
def run() -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str, env: dict[str, str] | None = None) -> Result:
        return runner.invoke(main, list(args), env=env, catch_exceptions=False)

    return invoke


@pytest.fixture
def fast_cli_gateway(monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI builds its own NotionGateway (2.9 requests/s, seconds of back-off): make it quick."""
    fast = functools.partial(NotionGateway, rate=1000, burst=1000, backoff=0.001, max_backoff=0.01)
    monkeypatch.setattr(data.notion.sync, "NotionGateway", fast)


def notion_env(srv: FakeNotion, **extra: str) -> dict[str, str]:
    return {
        "NOTION_API_KEY": srv.token,
        "NOTION_DATABASE_ID": srv.database_id,
        "NOTION_BASE_URL": srv.base_url,
        **extra,
    }


def the_store() -> Store:
    return Store.open(DEFAULT_DB)  # the CLI's default, under the (temporary) working directory


def one_line_error(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("leadscore: error: ")
    return lines[0]


# ---- demo -------------------------------------------------------------------------------------------


def test_demo_loads_and_scores_the_sample_book(run: Callable[..., Result]) -> None:
    result = run("demo")
    assert result.exit_code == 0, result.output
    assert "Sample book: scored 500" in result.stdout
    store = the_store()
    assert store.sources() == {"demo": 500}
    assert store.history_count() == 500
    scored = store.query("SELECT scoring_status, COUNT(*) FROM scores GROUP BY scoring_status")
    assert sum(r[1] for r in scored) == 500
    statuses = set(store.frame("SELECT enrichment_status FROM practices")["enrichment_status"])
    assert {"Completed", "Partial"} <= statuses
    tiers = set(store.frame("SELECT priority_tier FROM scores")["priority_tier"])
    assert {"Hot", "Warm", "Cold", "Pending Enrichment"} <= tiers
    runs = store.runs()
    assert runs.iloc[0]["kind"] == "demo" and runs.iloc[0]["status"] == "completed"


def test_demo_again_refuses_without_reset(run: Callable[..., Result]) -> None:
    run("demo")
    before = the_store().history_count()
    result = run("demo")
    assert "already holds 500 practices" in result.output and "--reset" in result.output
    assert the_store().history_count() == before


def test_demo_reset_rebuilds(run: Callable[..., Result]) -> None:
    run("demo")
    store = the_store()
    saved = store.save_config("team", ScoringConfig(), activate=True)
    store.upsert_practices([practice_row("extra-1")])
    result = run("demo", "--reset")
    assert result.exit_code == 0, result.output
    assert store.sources() == {"demo": 500}
    assert store.practice("extra-1") is None
    assert store.history_count() == 500
    assert [c.id for c in store.configs()] == [saved.id]  # saved configurations survive a reset


def test_demo_reset_refuses_when_notion_practices_exist_unless_forced(run: Callable[..., Result]) -> None:
    run("demo", "--size", "50")
    store = the_store()
    store.upsert_practices([practice_row("11111111-1111-4111-8111-111111111111", source="notion")])
    refused = run("demo", "--reset")
    assert refused.exit_code == 2
    line = one_line_error(refused)
    assert "Notion" in line and "--force" in line
    assert store.sources() == {"demo": 50, "notion": 1}
    forced = run("demo", "--reset", "--force", "--size", "40")
    assert forced.exit_code == 0, forced.output
    assert store.sources() == {"demo": 40}


# ---- rescore on the demo book -----------------------------------------------------------------------


def test_rescore_on_a_fresh_store_loads_the_sample_book_first(run: Callable[..., Result]) -> None:
    result = run("rescore", "--all")
    assert result.exit_code == 0, result.output
    assert "loaded the sample book" in result.stderr
    assert "scored 500" in result.stdout
    assert the_store().history_count() == 1000  # the load scored it once, --all once more


def test_rescore_all_batch_practice_and_failed(run: Callable[..., Result]) -> None:
    run("demo")
    store = the_store()
    store.upsert_practices([{"practice_id": "broken", "source": "import", "record": {"practice_id": "broken"}}])

    every = run("rescore", "--all")
    assert every.exit_code == 0, every.output
    assert "scored 500" in every.stdout and "failed 1 (invalid_input 1)" in every.stdout

    pending = store.query("SELECT COUNT(*) FROM scores WHERE priority_tier = 'Pending Enrichment'")[0][0]
    assert pending > 0
    batch = run("rescore", "--batch", "--tier", "Pending Enrichment")
    assert batch.exit_code == 0, batch.output
    assert f"scored {pending} (Pending Enrichment {pending})" in batch.stdout

    one = run("rescore", "--practice-id", "demo-0007")
    assert one.exit_code == 0, one.output
    assert "scored 1" in one.stdout
    assert store.history("demo-0007")["trigger"].tolist()[-1] == "rescore"

    two = run("rescore", "--practice-id", "demo-0001", "--practice-id", "demo-0002")
    assert "scored 2" in two.stdout

    failed = run("rescore", "--failed")
    assert failed.exit_code == 0, failed.output
    assert "scored 0" in failed.stdout and "failed 1" in failed.stdout
    kinds = store.frame("SELECT kind, trigger, total FROM runs ORDER BY id")
    assert kinds["kind"].tolist()[-5:] == ["rescore"] * 5
    assert kinds["total"].tolist()[-5:] == [501, pending, 1, 2, 1]


def test_rescore_unknown_practice_without_notion(run: Callable[..., Result]) -> None:
    run("demo", "--size", "20")
    result = run("rescore", "--practice-id", "nope-1")
    assert result.exit_code == 2
    assert "nope-1" in one_line_error(result)


@pytest.mark.parametrize(
    "args",
    [
        (),
        ("--all", "--failed"),
        ("--all", "--practice-id", "demo-0001"),
        ("--batch",),
        ("--tier", "Hot"),
        ("--batch", "--all", "--tier", "Hot"),
        ("--all", "--tier", "Hot"),
        ("--failed", "--tier", "Cold"),
    ],
    ids=lambda a: " ".join(a) or "nothing",
)
def test_rescore_bad_combinations_exit_2_with_one_line(run: Callable[..., Result], args: tuple[str, ...]) -> None:
    run("demo", "--size", "20")
    before = the_store().history_count()
    result = run("rescore", *args)
    assert result.exit_code == 2
    assert "--" in one_line_error(result)
    assert the_store().history_count() == before


# ---- Notion commands without settings ---------------------------------------------------------------


@pytest.mark.parametrize("args", [("sync",), ("push",), ("notion", "check"), ("notion", "setup")])
def test_notion_commands_without_settings_exit_2_naming_the_variable(
    run: Callable[..., Result], args: tuple[str, ...]
) -> None:
    result = run(*args)
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "NOTION_API_KEY" in line
    assert line.endswith(".")
    assert the_store().practice_count(active_only=False) == 0  # no sample book sneaks in


def test_notion_commands_with_only_the_database_id(run: Callable[..., Result]) -> None:
    result = run("sync", env={"NOTION_DATABASE_ID": "abc"})
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "missing NOTION_API_KEY" in line


# ---- Notion commands against the fake ---------------------------------------------------------------


def test_notion_check_setup_sync_push_end_to_end(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, drop=(*SCORE_NAMES, "Vet Count")))
    ids = seed_practices(notion_fake, 12, seed=21)
    env = notion_env(notion_fake)

    check = run("notion", "check", env=env)
    assert check.exit_code == 0, check.output
    assert f"database {notion_fake.database_id}" in check.stdout
    assert "MISSING  vet_count → 'Vet Count'" in check.stdout
    assert "score properties missing: Lead Score" in check.stdout and "leadscore notion setup" in check.stdout

    setup = run("notion", "setup", env=env)
    assert setup.exit_code == 0, setup.output
    assert "added 'Lead Score' (number)" in setup.stdout
    assert "all five score properties present" in run("notion", "check", env=env).stdout

    sync = run("sync", env=env)
    assert sync.exit_code == 0, sync.output
    assert "pulled 12 pages (12 with changed inputs)" in sync.stdout
    assert "Notion: 12 written, 0 still pending" in sync.stdout
    assert "lacks mapped properties" in sync.stdout
    store = the_store()
    for pid in ids:
        assert notion_scores(notion_fake, pid) == expected_scores(store, pid)

    again = run("sync", env=env)
    assert "scored 0" in again.stdout

    push = run("push", env=env)
    assert push.exit_code == 0, push.output
    assert "0 pending → 0 written, 0 still pending" in push.stdout

    for result in (check, setup, sync, again, push):
        assert notion_fake.token not in result.output
        assert notion_fake.token not in result.stderr


def test_sync_and_push_exit_1_while_writes_are_still_pending(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    notion_fake.set_schema(schema_spec(notion_fake, {"Confidence Flags": "rich_text"}))
    seed_practices(notion_fake, 15, seed=22)
    env = notion_env(notion_fake)
    sync = run("sync", env=env)
    assert sync.exit_code == 1, sync.output  # not 0 pretending: some writes could not be delivered
    assert "'Confidence Flags' is a rich_text property; leadscore writes multi_select there" in sync.stdout
    pending = the_store().outbox_summary()["size"]
    assert pending > 0
    assert f"{pending} still pending" in sync.stdout
    notion_fake.reset_log()
    push = run("push", env=env)
    assert push.exit_code == 1
    assert f"{pending} pending → 0 written, {pending} still pending" in push.stdout
    assert "'Confidence Flags' is a rich_text property" in push.stdout
    assert notion_fake.count("PATCH") == 0  # a write that cannot succeed is never sent
    notion_fake.set_schema(schema_spec(notion_fake, {"Confidence Flags": "multi_select"}))
    fixed = run("push", env=env)
    assert fixed.exit_code == 0
    assert f"{pending} pending → {pending} written, 0 still pending" in fixed.stdout


def test_rescore_practice_id_with_notion_writes_back(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    ids = seed_practices(notion_fake, 5, seed=23)
    env = notion_env(notion_fake)
    run("sync", env=env)
    notion_fake.edit_upstream(
        ids[0], {"Enrichment Status": "Completed", "Vet Count": 6, "Enrichment Confidence": "high"}
    )
    result = run("rescore", "--practice-id", ids[0], env=env)
    assert result.exit_code == 0, result.output
    assert "scored 1" in result.stdout
    store = the_store()
    assert store.practice_count() == 5  # no sample book when Notion is configured
    assert notion_scores(notion_fake, ids[0]) == expected_scores(store, ids[0])


def test_bad_token_is_one_line_without_the_token(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    env = notion_env(notion_fake, NOTION_API_KEY="secret_wrong_token_value_1234")
    for args in (("notion", "check"), ("sync",)):
        result = run(*args, env=env)
        assert result.exit_code == 1
        line = one_line_error(result)
        assert "401" in line and "unauthorized" in line
        assert "secret_wrong_token_value_1234" not in result.output + result.stderr


def test_unreachable_notion_is_one_line(run: Callable[..., Result], fast_cli_gateway: None) -> None:
    env = {
        "NOTION_API_KEY": "secret_x",
        "NOTION_DATABASE_ID": "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0",
        "NOTION_BASE_URL": "http://127.0.0.1:9",
    }
    result = run("notion", "check", env=env)
    assert result.exit_code == 1
    assert "unreachable" in one_line_error(result)


def test_wrong_database_id_is_one_line(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    env = notion_env(notion_fake, NOTION_DATABASE_ID="00000000-0000-4000-8000-000000000000")
    result = run("sync", env=env)
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "404" in line and "object_not_found" in line


def test_bad_mapping_file_is_a_one_line_error(run: Callable[..., Result], notion_fake: FakeNotion) -> None:
    Path("map.toml").write_text('[fields]\nvet_cnt = "Vets"\n', encoding="utf-8")
    result = run("notion", "check", "--mapping", "map.toml", env=notion_env(notion_fake))
    assert result.exit_code == 2
    line = one_line_error(result)
    assert "map.toml" in line and "vet_cnt" in line


def test_settings_from_streamlit_secrets(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    Path(".streamlit").mkdir()
    Path(".streamlit/secrets.toml").write_text(
        f'[notion]\napi_key = "{notion_fake.token}"\ndatabase_id = "{notion_fake.database_id}"\n'
        f'base_url = "{notion_fake.base_url}"\n',
        encoding="utf-8",
    )
    result = run("notion", "check")
    assert result.exit_code == 0, result.output
    assert "all five score properties present" in result.stdout
    assert notion_fake.token not in result.output


def test_leadscore_db_env_chooses_the_store(run: Callable[..., Result], tmp_path: Path) -> None:
    target = tmp_path / "elsewhere" / "book.db"
    result = run("demo", "--size", "25", env={"LEADSCORE_DB": str(target)})
    assert result.exit_code == 0, result.output
    assert str(target) in result.stdout
    assert Store.open(target).practice_count() == 25
    assert not Path(DEFAULT_DB).exists()


# ---- issue 8: exit codes that tell the truth, no traceback ------------------------------------------


def test_sync_exits_1_when_every_write_failed(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    seed_practices(notion_fake, 12, seed=61)
    notion_fake.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])
    result = run("sync", env=notion_env(notion_fake))
    assert result.exit_code == 1
    assert "Notion: 0 written, 12 still pending" in result.stdout
    assert the_store().outbox_summary()["size"] == 12


def test_sync_no_push_reports_the_writes_it_left_queued(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    seed_practices(notion_fake, 12, seed=62)
    result = run("sync", "--no-push", env=notion_env(notion_fake))
    assert result.exit_code == 0, result.output
    assert "Notion: 12 writes left queued (deliver them with `leadscore push`)" in result.stdout
    assert notion_fake.count("PATCH") == 0
    assert "12 pending → 12 written, 0 still pending" in run("push", env=notion_env(notion_fake)).stdout


def test_an_outage_then_a_rescore_back_delivers_nothing_stale(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    """The issue's commands: `rescore --all --config hot60.toml` while Notion fails, `rescore --all`, `push`."""
    ids = seed_practices(notion_fake, 15, seed=63)
    env = notion_env(notion_fake)
    assert run("sync", env=env).exit_code == 0
    Path("hot60.toml").write_text("hot_tier_min = 60\nwarm_tier_min = 40\n", encoding="utf-8")
    notion_fake.faults.set(rate=1.0, kinds=["503"], methods=["PATCH"])
    assert "15 still pending" in run("rescore", "--all", "--config", "hot60.toml", env=env).stdout
    run("rescore", "--all", env=env)
    notion_fake.faults.clear()
    notion_fake.reset_log()
    push = run("push", env=env)
    assert push.exit_code == 0 and "0 pending → 0 written, 0 still pending" in push.stdout
    assert notion_fake.count("PATCH") == 0
    store = the_store()
    for pid in ids:
        assert notion_scores(notion_fake, pid) == expected_scores(store, pid)


@pytest.mark.parametrize("args", [("demo",), ("rescore", "--all"), ("sync",), ("notion", "check")])
def test_a_store_path_under_a_file_is_one_line(
    run: Callable[..., Result], tmp_path: Path, args: tuple[str, ...]
) -> None:
    (tmp_path / "hostname").write_text("box\n", encoding="utf-8")
    env = {"LEADSCORE_DB": str(tmp_path / "hostname" / "x.db"), "NOTION_API_KEY": "secret_x",
           "NOTION_DATABASE_ID": "0f1e2d3c-4b5a-4978-8796-a5b4c3d2e1f0"}
    result = run(*args, env=env)
    assert result.exit_code == 2
    assert "cannot create the store at" in one_line_error(result)


def test_a_foreign_database_as_the_store_is_one_line(run: Callable[..., Result], tmp_path: Path) -> None:
    import sqlite3

    path = tmp_path / "crm.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE contacts (id INTEGER)")
    conn.commit()
    conn.close()
    result = run("demo", env={"LEADSCORE_DB": str(path)})
    assert result.exit_code == 2
    assert "another application (tables contacts)" in one_line_error(result)


def test_a_non_ascii_api_key_is_one_line_without_the_token(
    run: Callable[..., Result], notion_fake: FakeNotion
) -> None:
    token = "secret_abc\u2019def\u00e9ghi"  # a curly quote and an accent pasted with it
    for args in (("sync",), ("notion", "check"), ("push",)):
        result = run(*args, env=notion_env(notion_fake, NOTION_API_KEY=token))
        assert result.exit_code == 2
        line = one_line_error(result)
        assert "NOTION_API_KEY has a character that cannot be in a Notion token (character 11 of 18" in line
        assert token not in result.output + result.stderr and "secret_abc" not in line


def test_rescore_help_says_what_config_really_defaults_to(run: Callable[..., Result]) -> None:
    text = " ".join(run("rescore", "--help").stdout.split())
    assert (
        "Default: the version applied in the What-if lab (the store's active configuration), else SPEC's numbers"
        in text
    )
    assert "defaults to SPEC's numbers" not in text
    assert "the version applied in the What-if lab" in " ".join(run("sync", "--help").stdout.split())


# ---- issue 7: notion check per field, the database by URL, a data source id by mistake ------------------


def test_notion_check_lists_each_field_with_its_type_and_readability(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    notion_fake.set_schema(
        schema_spec(notion_fake, {"Vet Count": "relation", "Priority Tier": ("status", ["Hot", "Cold"])})
    )
    result = run("notion", "check", env=notion_env(notion_fake))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    vet = next(line for line in lines if " vet_count " in line)
    assert vet.split()[:4] == ["CANNOT", "vet_count", "'Vet", "Count'"] and "relation" in vet
    assert "add a rollup of the linked pages' property" in vet
    name = next(line for line in lines if " name " in line)
    assert name.split()[:4] == ["ok", "name", "'Name'", "title"]
    tier = next(line for line in lines if " priority_tier " in line)
    assert tier.split()[0] == "ok" and "status" in tier
    assert any("'Priority Tier' is a status property without 'Warm', 'Pending Enrichment'" in line for line in lines)
    assert lines.index("Read (scoring inputs):") < lines.index("Read (shown, never written):") < lines.index(
        "Written (scores):"
    )


def test_the_database_url_works_on_the_command_line(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    compact = notion_fake.database_id.replace("-", "")
    url = f"https://www.notion.so/acme/Vet-Practices-{compact}?v=0f1e2d3c4b5a49788796a5b4c3d2e1f0&pvs=4"
    seed_practices(notion_fake, 3, seed=64)
    result = run("sync", env=notion_env(notion_fake, NOTION_DATABASE_ID=url))
    assert result.exit_code == 0, result.output
    assert "pulled 3 pages" in result.stdout


def test_a_data_source_id_as_the_database_is_one_line(
    run: Callable[..., Result], notion_fake: FakeNotion, fast_cli_gateway: None
) -> None:
    result = run("notion", "check", env=notion_env(notion_fake, NOTION_DATABASE_ID=notion_fake.data_source_id))
    assert result.exit_code == 1
    line = one_line_error(result)
    assert "holds the id of a data source ('Vet Practices'), not of a database" in line
    assert notion_fake.database_id in line


def test_an_unreadable_database_id_is_one_line(run: Callable[..., Result], notion_fake: FakeNotion) -> None:
    result = run("sync", env=notion_env(notion_fake, NOTION_DATABASE_ID="https://example.com/my-database"))
    assert result.exit_code == 2
    assert "is neither a Notion database id" in one_line_error(result)
