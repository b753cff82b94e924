"""Every page, driven through streamlit.testing.v1.AppTest against a real store."""

from __future__ import annotations

import socket
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.store import Store
from data.views import prepare_leads
from scoring.config import ScoringConfig
from scoring.engine import failed_output
from scoring.features import FeatureTable
from scoring.vector import retier, score_table
from scoring.whatif import movement_matrix

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/leads.py", "pages/practice.py", "pages/whatif.py", "pages/operations.py", "pages/import_export.py"]
TIMEOUT = 120


@pytest.fixture
def db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A fresh store path, no Notion: the app fills it with the sample book on first run."""
    for var in ("NOTION_API_KEY", "NOTION_DATABASE_ID", "NOTION_BASE_URL", "LEADSCORE_NOTION_MAPPING"):
        monkeypatch.delenv(var, raising=False)
    path = tmp_path / "store.db"
    monkeypatch.setenv("LEADSCORE_DB", str(path))
    monkeypatch.chdir(ROOT)
    return path


def app(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def page(path: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.switch_page(path).run()


def all_text(at: AppTest) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error", "text")
    return " ".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def leads_table(at: AppTest) -> pd.DataFrame:
    return at.dataframe(key="leads_table").value if hasattr(at, "dataframe") else pd.DataFrame()


def table_of(at: AppTest) -> pd.DataFrame:
    return frame_with(at, "lead_score")


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe showing these columns (display-only dataframes carry no key in AppTest)."""
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


# ---- rendering ----------------------------------------------------------------------------------


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_on_the_sample_book(db: Path, path: str) -> None:
    at = page(path, **({"id": "demo-0003"} if path.endswith("practice.py") else {}))
    no_exception(at)
    assert at.title, "each page has a title"
    store = Store.open(db)
    assert store.practice_count() == 500 and store.history_count() >= 500


def test_leads_shows_counts_and_the_whole_scored_book(db: Path) -> None:
    at = app()
    no_exception(at)
    labels = [m.label for m in at.metric]
    assert [label.split()[-1] for label in labels[:4]] == ["Hot", "Warm", "Cold", "Enrichment"]
    table = table_of(at)
    assert len(table) == 500
    counts = table["tier"].value_counts()
    assert int(at.metric[0].value.replace(",", "")) == counts.get("Hot", 0)
    # sorted by score, highest first
    scores = table["lead_score"].dropna().astype(int).tolist()
    assert scores == sorted(scores, reverse=True)


@pytest.fixture
def empty_store_with_unreachable_notion(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Notion configured (so no sample book) but nothing listening: an empty store."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    monkeypatch.setenv("NOTION_API_KEY", "secret_not_a_real_token_1234")
    monkeypatch.setenv("NOTION_DATABASE_ID", "db-unreachable")
    monkeypatch.setenv("NOTION_BASE_URL", f"http://127.0.0.1:{port}")
    path = tmp_path / "empty.db"
    monkeypatch.setenv("LEADSCORE_DB", str(path))
    monkeypatch.chdir(ROOT)
    return path


@pytest.mark.parametrize("path", PAGES)
def test_every_page_renders_on_an_empty_store(empty_store_with_unreachable_notion: Path, path: str) -> None:
    at = page(path)
    no_exception(at)
    text = all_text(at)
    if path in ("pages/leads.py", "pages/practice.py", "pages/whatif.py"):
        assert "no practices" in text.lower() and "sample book" in text.lower()


def test_sync_with_notion_unreachable_says_so_without_a_traceback(empty_store_with_unreachable_notion: Path) -> None:
    at = app()
    at.button(key="load_sample").click().run()  # the empty state's next step works
    no_exception(at)
    at.button(key="sync_now").click().run()
    no_exception(at)
    errors = " ".join(e.value for e in at.error)
    assert "Sync failed" in errors and "unreachable" in errors
    assert "secret_not_a_real_token_1234" not in all_text(at)


# ---- filters and navigation -----------------------------------------------------------------------


def test_filters_change_the_rows(db: Path) -> None:
    at = app()
    everything = table_of(at)
    at.multiselect(key="tier").set_value(["Hot"]).run()
    hot = table_of(at)
    assert 0 < len(hot) < len(everything)
    assert set(hot["tier"]) == {"Hot"}
    at.slider(key="min").set_value(100).run()
    top = table_of(at)
    assert len(top) < len(hot) and (top["lead_score"] >= 100).all()
    at.multiselect(key="tier").set_value([]).run()
    at.slider(key="min").set_value(0).run()
    name = everything["name"].iloc[0]
    at.text_input(key="q").set_value(name.split()[0].lower()).run()
    found = table_of(at)
    assert (found["name"].str.casefold().str.contains(name.split()[0].casefold())).all()
    at.multiselect(key="flags").set_value(["Missing Decision Maker"]).run()
    flagged = table_of(at)
    assert all("Missing Decision Maker" in flags for flags in flagged["flags"])


def test_a_link_with_filters_reproduces_the_view(db: Path) -> None:
    # The other direction (widgets writing the URL) happens in the browser: tests/e2e checks it.
    at = app(tier="Warm", min="60", owner="Priya Shah", sort="Practice name")
    no_exception(at)
    table = table_of(at)
    assert len(table) > 0
    assert set(table["tier"]) == {"Warm"} and (table["lead_score"] >= 60).all()
    assert set(table["owner"]) == {"Priya Shah"}
    assert table["name"].tolist() == sorted(table["name"].tolist())


def test_choosing_a_practice_opens_it(db: Path) -> None:
    at = app()
    first = table_of(at).iloc[0]
    at.selectbox(key="open_practice").set_value(first["practice_id"]).run()
    no_exception(at)
    assert at.title[0].value == first["name"]
    assert at.query_params.get("id") in (first["practice_id"], [first["practice_id"]])


# ---- the practice page ---------------------------------------------------------------------------


def test_practice_page_explains_the_score(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0003")
    no_exception(at)
    store = Store.open(db)
    score = store.score("demo-0003")
    assert at.metric[0].value == str(score["lead_score"])
    charts = [c.key for c in at.get("plotly_chart")]
    assert charts[:3] == ["components_chart", "steps_chart", "history_chart"]  # components, steps, history
    # … then engagement (issue 11): over time, by type, and the activity timeline
    assert charts[3:] == ["engagement_history_chart", "engagement_breakdown_chart", "timeline_chart"]
    why = " ".join(m.value for m in at.markdown)
    assert "Practice size" in why and "lead score" in why.lower()


def test_rescore_updates_the_store_and_history(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0010")
    store = Store.open(db)
    before = len(store.history("demo-0010"))
    at.button(key="rescore").click().run()
    no_exception(at)
    assert len(store.history("demo-0010")) == before + 1
    assert store.score("demo-0010")["trigger"] == "manual"
    assert any("Rescored" in s.value for s in at.success)


def test_rescore_failure_is_shown_with_its_reason(db: Path) -> None:
    page("pages/leads.py")  # creates the sample book
    store = Store.open(db)
    with store.write() as w:  # break the stored record: unreadable → Failed invalid_input
        w.execute("UPDATE practices SET record_json = '[1, 2]' WHERE practice_id = 'demo-0011'")
    at = page("pages/practice.py", id="demo-0011")
    at.button(key="rescore").click().run()
    no_exception(at)
    message = " ".join(e.value for e in at.error)
    assert "Failed (invalid_input)" in message and "not an object" in message


# ---- the what-if lab -----------------------------------------------------------------------------


def test_whatif_movement_matrix_is_right_for_a_known_change(db: Path) -> None:
    at = page("pages/whatif.py")
    no_exception(at)
    at.slider(key="w_hot").set_value(70).run()
    no_exception(at)
    shown = next(df.value for df in at.dataframe if df.value.index.name == "from")
    store = Store.open(db)
    table = FeatureTable.from_records(store.records())
    before = score_table(table, ScoringConfig())
    expected = movement_matrix(before, retier(before, ScoringConfig(hot_tier_min=70)))
    assert np.array_equal(shown.to_numpy(), expected.to_numpy())
    assert shown.loc["Warm", "Hot"] > 0 and shown.loc["Hot", "Warm"] == 0


def test_whatif_rejects_bad_settings_naming_the_field(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_warm").set_value(90).run()  # warm above hot (80)
    no_exception(at)
    assert any("warm_tier_min" in e.value for e in at.error)


def test_whatif_save_then_apply_rescores_the_book(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(70).run()
    at.text_input(key="w_save_name").set_value("conference")
    at.text_input(key="w_save_note").set_value("more hot leads")
    at.button[next(i for i, b in enumerate(at.button) if b.label == "Save version")].click().run()
    no_exception(at)
    store = Store.open(db)
    saved = store.configs()
    assert [c.label for c in saved] == ["conference-v1"] and saved[0].config.hot_tier_min == 70
    assert store.active_config() is None  # saving does not apply
    at.button(key="apply").click().run()
    no_exception(at)
    assert store.active_config().label == "conference-v1"
    versions = {r[0] for r in store.query("SELECT DISTINCT config_version FROM scores")}
    assert versions == {"conference-v1"}
    leads = prepare_leads(store.leads_frame())
    assert (leads.loc[leads["tier"] == "Hot", "lead_score"] >= 70).all()


# ---- operations and import -----------------------------------------------------------------------


def test_operations_lists_failures_and_retries_them(db: Path) -> None:
    at = page("pages/operations.py")  # creates the sample book
    store = Store.open(db)
    out = failed_output("demo-0020", "timeout", "Scoring exceeded the 5000 ms limit").model_dump(mode="json")
    store.save_scores([out], trigger="auto", run_id=None, config_version="default")
    at = page("pages/operations.py")
    no_exception(at)
    failures = frame_with(at, "error_type", "error_message")
    assert list(failures["practice_id"]) == ["demo-0020"] and failures["error_type"].iloc[0] == "timeout"
    at.button(key="retry_failed").click().run()
    no_exception(at)
    assert store.score("demo-0020")["scoring_status"] == "Scored"
    assert any("Retried" in s.value for s in at.success)


def test_a_bad_upload_shows_its_row_by_row_report_and_imports_the_good_rows(db: Path) -> None:
    csv = (
        b"practice_id,name,rating,reviews_count,enrichment_status,vet_count,phone_numbers,owner\n"
        b"imp-1,Good Paws,4.6,120,Completed,6,555-0100;555-0101,Priya Shah\n"
        b"imp-2,Odd Paws,7.3,-5,Completed,five,555-0102,\n"
        b",No Id Clinic,4.0,10,Not Started,,,\n"
    )
    at = page("pages/import_export.py")
    at.file_uploader(key="upload").upload("practices.csv", csv, "text/csv").run()
    no_exception(at)
    report = frame_with(at, "outcome", "problems")
    assert list(report["row"]) == [2, 3, 4]
    assert list(report["outcome"]) == ["ok", "scored with warnings", "not imported"]
    assert "rating" in report["problems"].iloc[1] and "vet_count" in report["problems"].iloc[1]
    assert Store.open(db).practice("imp-1") is None  # nothing stored before Import
    at.button(key="do_import").click().run()
    no_exception(at)
    store = Store.open(db)
    assert store.score("imp-1")["scoring_status"] == "Scored"
    assert "Data Validation Error" in store.score("imp-2")["confidence_flags"]
    assert store.practice("imp-1")["assigned_to"] == "Priya Shah"


def test_a_corrupt_upload_is_a_sentence_not_a_traceback(db: Path) -> None:
    at = page("pages/import_export.py")
    at.file_uploader(key="upload").upload("book.xlsx", b"this is not a workbook", "application/octet-stream").run()
    no_exception(at)
    assert any("cannot be imported" in e.value and "XLSX" in e.value for e in at.error)
    at.file_uploader(key="upload").clear().upload("book.csv", b"name,city\nA,B\n", "text/csv").run()
    assert any("no practice_id column" in e.value for e in at.error)


def test_a_broken_mapping_file_is_a_sentence_on_every_page(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[fields]\nvet_cnt = "Vet Count (Total)"\n')
    monkeypatch.setenv("LEADSCORE_NOTION_MAPPING", str(mapping))
    for path in PAGES:
        at = page(path)
        no_exception(at)
        assert any("cannot start" in e.value and "vet_cnt" in e.value for e in at.error), path
