"""Every page, driven through streamlit.testing.v1.AppTest against a real store."""

from __future__ import annotations

import io
import re
import socket
from pathlib import Path

import numpy as np
import openpyxl
import orjson
import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from data.demo import demo_rows, load_sample_book
from data.files import table_bytes
from data.scoring_runs import run_scoring
from data.store import Store
from data.views import LeadFilters, export_frame, filter_leads, prepare_leads
from pages.ui import WORD_JOINER, md_escape
from scoring.config import MAX_TIER_MIN, ScoringConfig
from scoring.engine import failed_output
from scoring.features import FeatureTable
from scoring.vector import retier, score_table
from scoring.whatif import movement_matrix, movers

ROOT = Path(__file__).resolve().parents[2]
PAGES = ["pages/leads.py", "pages/practice.py", "pages/whatif.py", "pages/operations.py", "pages/import_export.py"]
TIMEOUT = 120




def app(**query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.run()


def page(path: str, **query: str) -> AppTest:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    at.query_params.update(query)
    return at.switch_page(path).run()


def plain(text: str) -> str:
    """Markdown source as the reader sees it: escapes resolved, word joiners gone."""
    return re.sub(r"\\(.)", r"\1", text).replace(WORD_JOINER, "")


def all_text(at: AppTest) -> str:
    kinds = ("title", "header", "subheader", "markdown", "caption", "info", "success", "warning", "error", "text")
    return " ".join(str(e.value) for kind in kinds for e in getattr(at, kind))


def no_exception(at: AppTest) -> None:
    assert not at.exception, [e.value for e in at.exception]


def table_of(at: AppTest) -> pd.DataFrame:
    return frame_with(at, "lead_score", "tier")


def frame_with(at: AppTest, *columns: str) -> pd.DataFrame:
    """The first dataframe showing these columns (display-only dataframes carry no key in AppTest)."""
    return next(df.value for df in at.dataframe if set(columns) <= set(df.value.columns))


def leads_view(db: Path, filters: LeadFilters | None = None) -> pd.DataFrame:
    """The Leads view as the page computes it, with the ids the grid does not carry."""
    return filter_leads(prepare_leads(Store.open(db).leads_frame()), filters or LeadFilters())


def metric_values(at: AppTest) -> dict[str, tuple[str, str]]:
    return {m.label.split()[-1]: (m.value, m.delta) for m in at.metric}


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
    assert not at.metric[0].delta  # no filter: no "of N in the book"
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


# ---- filters, counts and navigation ------------------------------------------------------------


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
    assert len(flagged) and all("No decision maker" in flags for flags in flagged["flags"])


def test_tier_counts_follow_the_filters_with_the_book_count_beside(db: Path) -> None:
    at = app(tier="Hot")
    book = leads_view(db)["tier"].value_counts()
    counts = metric_values(at)
    assert counts["Hot"] == (f"{book['Hot']:,}", f"of {book['Hot']:,} in the book")
    assert counts["Warm"] == ("0", f"of {book['Warm']:,} in the book")  # filtered out, the book's count beside
    owner = "Priya Shah"
    view = leads_view(db, LeadFilters(owners=[owner]))["tier"].value_counts()
    at = app(owner=owner)
    counts = metric_values(at)
    assert counts["Warm"] == (f"{view['Warm']:,}", f"of {book['Warm']:,} in the book")
    assert counts["Cold"][0] == f"{view.get('Cold', 0):,}"


def test_a_link_with_filters_reproduces_the_view(db: Path) -> None:
    # The other direction (widgets writing the URL) happens in the browser: tests/e2e checks it.
    at = app(tier="Warm", min="60", owner="Priya Shah", sort="Practice name")
    no_exception(at)
    table = table_of(at)
    assert len(table) > 0
    assert set(table["tier"]) == {"Warm"} and (table["lead_score"] >= 60).all()
    assert set(table["owner"]) == {"Priya Shah"}
    assert table["name"].tolist() == sorted(table["name"].tolist())


def test_coming_back_from_a_practice_restores_the_filters(db: Path) -> None:
    # The browser's Back lands on /?id=…&from=… (an entry Streamlit's page switch leaves in the history).
    at = app(id="demo-0003", **{"from": "tier=Hot&tier=Warm&q=paws"})
    no_exception(at)
    assert at.query_params.get("tier") in (["Hot", "Warm"], "Hot") and "id" not in at.query_params
    assert "from" not in at.query_params
    table = table_of(at)
    expected = leads_view(db, LeadFilters(tiers=["Hot", "Warm"], text="paws"))
    assert table["name"].tolist() == expected["name"].tolist() and len(table) < 500
    # An unknown tier or owner in the address is dropped, not an error.
    at = app(id="demo-0003", **{"from": "tier=Lukewarm&owner=Nobody&min=5"})
    no_exception(at)
    assert (table_of(at)["lead_score"] >= 5).all()


def test_choosing_a_practice_opens_it_and_carries_the_view(db: Path) -> None:
    at = app(tier="Hot")
    first = leads_view(db, LeadFilters(tiers=["Hot"])).iloc[0]
    assert not [s for s in at.selectbox if s.key == "open_practice"]  # the list is sent only on demand
    click(at, "open_practice_button")
    at.selectbox(key="open_practice").set_value(first["practice_id"]).run()
    no_exception(at)
    assert plain(at.title[0].value) == first["name"]
    assert at.query_params.get("id") in (first["practice_id"], [first["practice_id"]])
    assert at.query_params.get("from") in ("tier=Hot", ["tier=Hot"])


def test_the_practice_page_links_back_to_the_exact_view(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0003", **{"from": "tier=Hot&q=paws&min=50"})
    link = at.get("page_link")[0].proto
    assert plain(link.label) == "← Leads (tier Hot, score ≥ 50, matching “paws”)"
    assert link.query_string == "tier=Hot&min=50&q=paws"


def test_the_practice_picker_covers_every_matching_practice(db: Path) -> None:
    store = Store.open(db)
    load_sample_book(store, n=700)  # more than the 500 the picker used to stop at
    at = click(app(), "open_practice_button")
    assert len(at.selectbox(key="open_practice").options) == 700
    at = click(app(tier="Warm"), "open_practice_button")
    warm = leads_view(db, LeadFilters(tiers=["Warm"]))
    assert len(at.selectbox(key="open_practice").options) == len(warm) == len(table_of(at))
    at = click(page("pages/practice.py", id="demo-0001"), "practice_pick_button")  # the Practice page's own
    assert len(at.selectbox(key="practice_pick").options) == 700
    at.selectbox(key="practice_pick").set_value("demo-0650").run()
    no_exception(at)
    assert plain(at.title[0].value) == Store.open(db).practice("demo-0650")["name"]


def test_missing_values_show_a_dash_and_flags_read_in_full(db: Path) -> None:
    at = app()
    grid = next(d for d in at.dataframe if "lead_score" in d.value.columns)
    assert grid.proto.placeholder == "—"  # never "None"
    flags = set(grid.value["flags"].dropna())
    assert "Medium confidence · No decision maker" in flags or "No decision maker" in flags
    assert all(len(f) <= 60 for f in flags if f.count("·") < 2)  # short enough for the column


# ---- exports after an import with extra columns ---------------------------------------------------


@pytest.mark.parametrize(
    ("rows", "with_territory"),
    [
        (["imp-1,Good Paws,4.6,North", "imp-2,Odd Paws,4.1,"], ["imp-1"]),  # extras on some rows only
        (["imp-1,Good Paws,4.6,North", "imp-2,Odd Paws,4.1,South"], ["imp-1", "imp-2"]),  # on all
        (["imp-1,Good Paws,4.6,", "imp-2,Odd Paws,4.1,"], []),  # a column no row fills
    ],
    ids=["some", "all", "none"],
)
def test_export_works_after_an_import_with_an_extra_column(db: Path, rows: list[str], with_territory: list) -> None:
    csv = ("practice_id,name,rating,territory\n" + "\n".join(rows) + "\n").encode()
    at = page("pages/import_export.py")
    at.file_uploader(key="upload").upload("book.csv", csv, "text/csv").run()
    at.button(key="do_import").click().run()
    no_exception(at)  # the Export section used to show an orjson traceback here
    for path in ("pages/leads.py", "pages/import_export.py"):
        no_exception(page(path))
    frame = export_frame(leads_view(db))  # what both Download buttons build
    if with_territory:
        filled = frame.loc[frame["territory"].notna(), "practice_id"].tolist()
        assert sorted(filled) == with_territory
    for kind in ("csv", "xlsx"):
        data = table_bytes(frame, kind)
        assert data
    text = table_bytes(frame, "csv").decode()
    assert "nan" not in text.replace("Nanaimo", "") and ".0," not in text.split("\n", 1)[1]
    sheet = openpyxl.load_workbook(io.BytesIO(table_bytes(frame, "xlsx"))).active
    assert len(frame) == 2  # the imported book replaced the sample (issue 7)
    assert sheet.max_row == len(frame) + 1


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
    why = plain(" ".join(m.value for m in at.markdown))
    assert "Practice size" in why and "lead score" in why.lower()
    assert any(line in why for line in ("top tier", "would move it to", "moves it to", "stays"))
    # The configuration's version in full, in a line of its own (a metric cut it off).
    assert f"with configuration {score['config_version']}." in plain(" ".join(c.value for c in at.caption))


def test_inputs_read_as_a_person_writes_them(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0003")
    tables = [d.value.rename(columns=str.capitalize) for d in at.dataframe
              if list(d.value.columns) == ["input", "value"]]
    assert len(tables) == 2
    values = " | ".join(str(v) for t in tables for v in t["Value"])
    assert "['" not in values and "True" not in values and "False" not in values and "None" not in values
    assert "{" not in values
    inputs = dict(zip(tables[1]["Input"], tables[1]["Value"], strict=True))
    assert inputs["Online booking"] in ("Yes", "No") and ";" in inputs["Phone numbers"] + ";"
    assert "Decision maker title" in inputs


def test_rescore_result_is_one_clear_sentence(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0010")
    store = Store.open(db)
    before = len(store.history("demo-0010"))
    at.button(key="rescore").click().run()
    no_exception(at)
    assert len(store.history("demo-0010")) == before + 1
    score = store.score("demo-0010")
    assert score["trigger"] == "manual"
    messages = [plain(s.value) for s in at.success]
    assert messages == [f"Rescored: lead score {score['lead_score']} ({score['priority_tier']}), unchanged."]


def test_rescore_failure_is_shown_with_its_reason(db: Path) -> None:
    page("pages/leads.py")  # creates the sample book
    store = Store.open(db)
    with store.write() as w:  # break the stored record: unreadable → Failed invalid_input
        w.execute("UPDATE practices SET record_json = '[1, 2]' WHERE practice_id = 'demo-0011'")
    at = page("pages/practice.py", id="demo-0011")
    at.button(key="rescore").click().run()
    no_exception(at)
    message = plain(" ".join(e.value for e in at.error))
    assert message.startswith("Rescore failed (invalid_input)") and "not an object" in message


def test_a_practice_can_be_exported(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0003")
    labels = [b.proto.label for b in at.get("download_button")]
    assert labels == ["Download JSON", "Download CSV"]


# ---- user text is text -----------------------------------------------------------------------------

HOSTILE = [
    "[Open the CRM](http://evil.example/phish) **URGENT**",
    '=HYPERLINK("http://evil.example","x")',
    "![x](http://host/qp.png)",
    ":red[alarm] $x^2$",
]


@pytest.fixture
def hostile_db(db: Path) -> Path:
    """The sample book with four practices named (and addressed, and with an EMR) like an attacker would."""
    store = Store.open(db)
    rows = demo_rows(40)
    for row, name in zip(rows, HOSTILE, strict=False):
        row["name"] = row["record"]["google_maps_data"]["name"] = name
        row["address"] = row["record"]["google_maps_data"]["address"] = name
        if row["record"].get("enrichment_data"):
            row["record"]["enrichment_data"]["emr_system"] = name
            row["record"]["enrichment_data"]["decision_maker"] = {"name": name, "title": name, "linkedin": None}
    store.upsert_practices(rows)
    run_scoring(store, None, kind="demo", trigger="manual")
    return db


def markdown_sources(at: AppTest) -> list[str]:
    kinds = ("title", "subheader", "markdown", "caption", "info", "success", "warning", "error")
    sources = [str(e.value) for kind in kinds for e in getattr(at, kind)]
    sources += [m.label for m in at.metric] + [str(m.value) for m in at.metric]
    sources += [b.proto.label for b in at.get("page_link")]
    return sources


def assert_literal(sources: list[str]) -> None:
    """No Markdown source holds a hostile name unescaped (so nothing renders as a link, image, bold,
    colour or formula), and no URL in them can be auto-linked once escapes are resolved."""
    for text in sources:
        for hostile in HOSTILE:
            assert hostile not in text, text
        assert not re.search(r"(?i)https?://|www\.", re.sub(r"\\(.)", r"\1", text)), text


@pytest.mark.parametrize("index", range(len(HOSTILE)))
def test_hostile_names_are_text_on_the_practice_page(hostile_db: Path, index: int) -> None:
    at = page("pages/practice.py", id=f"demo-{index + 1:04d}")
    no_exception(at)
    assert plain(at.title[0].value) == HOSTILE[index]
    assert HOSTILE[index] in plain(" ".join(c.value for c in at.caption))  # the address
    assert_literal(markdown_sources(at))


def test_hostile_names_are_text_on_leads_and_whatif(hostile_db: Path) -> None:
    at = app(q="evil")
    no_exception(at)
    assert_literal(markdown_sources(at))
    assert set(HOSTILE[:2]) <= set(table_of(at)["name"])  # the grid shows them as they are (canvas text)
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(40).run()
    no_exception(at)
    assert_literal(markdown_sources(at))


def test_a_query_parameter_is_text(db: Path) -> None:
    for wanted in HOSTILE:
        at = page("pages/practice.py", id=wanted)
        no_exception(at)
        message = " ".join(i.value for i in at.info)
        assert plain(message).startswith(f"No practice has id “{wanted}” in the store.")
        assert_literal(markdown_sources(at))
        at = app(**{"from": wanted, "id": wanted})  # Back to Leads with a hostile "from": ignored
        no_exception(at)
        at = app(q=wanted)  # a search echoed in the Leads caption
        no_exception(at)
        assert_literal(markdown_sources(at))
        assert f"matching “{wanted}”" in plain(" ".join(c.value for c in at.caption))


# ---- the what-if lab -----------------------------------------------------------------------------


def whatif() -> AppTest:
    return page("pages/whatif.py")


def click(at: AppTest, key: str) -> AppTest:
    at.button(key=key).click().run()
    no_exception(at)
    return at


def save(at: AppTest, name: str, note: str = "") -> AppTest:
    at.text_input(key="w_save_name").set_value(name)
    at.text_input(key="w_save_note").set_value(note)
    at.button[next(i for i, b in enumerate(at.button) if b.label == "Save version")].click().run()
    no_exception(at)
    return at


def apply_chosen(at: AppTest, label: str) -> AppTest:
    at.selectbox(key="w_version").set_value(label).run()
    click(at, "apply")  # opens the confirmation
    return click(at, "confirm_apply")


def test_whatif_movement_matrix_is_right_for_a_known_change(db: Path) -> None:
    at = whatif()
    no_exception(at)
    at.slider(key="w_hot").set_value(70).run()
    no_exception(at)
    shown = frame_with(at, "Now ↓ · with these settings →").set_index("Now ↓ · with these settings →")
    store = Store.open(db)
    table = FeatureTable.from_records(store.records())
    before = score_table(table, ScoringConfig())
    expected = movement_matrix(before, retier(before, ScoringConfig(hot_tier_min=70)))
    assert np.array_equal(shown.to_numpy(), expected.to_numpy())
    assert shown.loc["Warm", "→ Hot"] > 0 and shown.loc["Hot", "→ Warm"] == 0
    moved = frame_with(at, "Practice", "Tier now")
    assert list(moved.columns)[:6] == ["Practice", "Tier now", "New tier", "Score now", "New score", "Score change"]
    assert len(moved) == len(movers(before, retier(before, ScoringConfig(hot_tier_min=70))))
    # Count changes read "↑ 58" / "↓ 58" (the metric's arrow and an unsigned number), never "↓ -58".
    deltas = {m.label.split()[-1]: (m.delta, m.proto.direction) for m in at.metric if m.label.startswith(":material/")}
    moved_up = int(expected.loc["Warm", "Hot"])
    up, down = 1, 0  # Metric.direction: DOWN, UP, NONE
    assert deltas["Hot"] == (f"{moved_up}", up) and deltas["Warm"] == (f"{moved_up}", down)


def test_whatif_validation_names_the_control_and_keeps_versions_usable(db: Path) -> None:
    at = whatif()
    at.slider(key="w_warm").set_value(95).run()  # warm above hot (80)
    no_exception(at)
    errors = plain(" ".join(e.value for e in at.error))
    assert "“Warm from” (95) must be below “Hot from” (80)." in errors and "warm_tier_min" not in errors
    assert frame_with(at, "Version", "Active")["Version"].tolist() == ["SPEC defaults"]  # still usable
    assert not [d for d in at.dataframe if "Tier now" in d.value.columns]  # what it invalidates is hidden
    at.slider(key="w_warm").set_value(50).run()
    at.text_input(key="w_calls").set_value("0, ten, 20").run()
    errors = plain(" ".join(e.value for e in at.error))
    assert "“Call volume points” must be whole numbers" in errors and "call_volume_points" not in errors


def test_whatif_sliders_end_at_the_highest_possible_score(db: Path) -> None:
    at = whatif()
    assert at.slider(key="w_hot").max == 120 and at.slider(key="w_warm").max == 120
    at.number_input(key="w_dm").set_value(25).run()  # decision maker 10 → 25: the highest score is 135
    no_exception(at)
    assert at.slider(key="w_hot").max == 135 and at.slider(key="w_hot").value == 80


def test_reset_shows_what_the_results_use(db: Path) -> None:
    at = whatif()
    hot_now = at.metric[0].value
    at.slider(key="w_hot").set_value(90).run()
    at.number_input(key="w_high").set_value(0.5).run()
    assert at.metric[0].value != hot_now
    click(at, "reset_controls")
    assert at.slider(key="w_hot").value == 80 and at.number_input(key="w_high").value == 1.0
    assert at.metric[0].value == hot_now and not at.metric[0].delta
    at.slider(key="w_warm").set_value(55).run()  # the next change does not bring 90 back
    assert at.slider(key="w_hot").value == 80


def test_whatif_save_then_apply_rescores_the_book_and_the_controls_show_it(db: Path) -> None:
    at = whatif()
    at.slider(key="w_hot").set_value(70).run()
    save(at, "conference", "more hot leads")
    store = Store.open(db)
    saved = store.configs()
    assert [c.label for c in saved] == ["conference-v1"] and saved[0].config.hot_tier_min == 70
    assert store.active_config() is None  # saving does not apply
    at.slider(key="w_hot").set_value(85).run()  # moved again before applying
    apply_chosen(at, "conference-v1")
    assert store.active_config().label == "conference-v1"
    versions = {r[0] for r in store.query("SELECT DISTINCT config_version FROM scores")}
    assert versions == {"conference-v1"}
    leads = prepare_leads(store.leads_frame())
    assert (leads.loc[leads["tier"] == "Hot", "lead_score"] >= 70).all()
    # The controls show the applied version (70), not the 85 left on the slider.
    assert at.slider(key="w_hot").value == 70
    assert all(not m.delta for m in at.metric)


def test_apply_asks_first_saying_how_many_change_tier_and_whether_notion_is_written(db: Path) -> None:
    at = whatif()
    at.slider(key="w_hot").set_value(70).run()
    save(at, "wide")
    at.selectbox(key="w_version").set_value("wide-v1").run()
    click(at, "apply")
    store = Store.open(db)
    assert store.active_config() is None  # nothing applied before confirming
    text = plain(" ".join(m.value for m in at.markdown))
    table = FeatureTable.from_records(store.records())
    before = score_table(table, ScoringConfig())
    moving = len(movers(before, retier(before, ScoringConfig(hot_tier_min=70))))
    assert f"{moving:,} practices change tier" in text
    assert "Notion will not be written" in text
    click(at, "cancel_apply")
    assert store.active_config() is None


def test_the_spec_defaults_are_a_version_like_any_other(db: Path) -> None:
    at = whatif()
    listed = frame_with(at, "Version", "Active")
    assert listed["Version"].tolist() == ["SPEC defaults"] and listed["Active"].tolist() == ["✓ active"]
    assert at.selectbox(key="w_version").options == ["SPEC defaults (active)"]
    assert not [b for b in at.button if b.key == "apply"]  # the active version is not offered to apply
    at.slider(key="w_hot").set_value(70).run()
    save(at, "spring")
    apply_chosen(at, "spring-v1")
    listed = frame_with(at, "Version", "Active")
    assert listed["Version"].tolist() == ["SPEC defaults", "spring-v1"]  # still listed after an Apply
    assert listed["Active"].tolist() == ["", "✓ active"]
    assert at.selectbox(key="w_version").options == ["SPEC defaults", "spring-v1 (active)"]
    at.selectbox(key="w_version").set_value("SPEC defaults").run()
    click(at, "compare")
    assert "SPEC defaults" in frame_with(at, "Tier", "Change").columns
    apply_chosen(at, "SPEC defaults")  # re-activated
    store = Store.open(db)
    assert store.active_config() is None
    assert {r[0] for r in store.query("SELECT DISTINCT config_version FROM scores")} == {"default"}
    assert at.slider(key="w_hot").value == 80


def test_saving_settings_that_exist_says_so_instead_of_a_new_version(db: Path) -> None:
    at = whatif()
    save(at, "copy-of-defaults")  # unchanged controls: the SPEC defaults
    assert "already saved as SPEC defaults (active)" in plain(" ".join(i.value for i in at.info))
    store = Store.open(db)
    assert store.configs() == []
    at.slider(key="w_hot").set_value(75).run()
    save(at, "seventy-five")
    save(at, "seventy-five")  # the same settings again: no v2
    assert [c.label for c in store.configs()] == ["seventy-five-v1"]
    assert "already saved as seventy-five-v1" in plain(" ".join(i.value for i in at.info))


def test_a_draft_from_another_page_loads_every_control_not_applied(db: Path) -> None:
    at = AppTest.from_file(str(ROOT / "app.py"), default_timeout=TIMEOUT)
    draft = ScoringConfig().with_changes(hot_tier_min=72, warm_tier_min=41, decision_maker_points=15,
                                         confidence_multipliers={"high": 1.0, "medium": 0.85, "low": 0.7},
                                         call_volume_points=[0, 5, 20, 30])
    at.session_state["whatif_draft"] = {"config": draft, "source": "Evidence (capacity 40 Hot)"}
    at.switch_page("pages/whatif.py").run()
    no_exception(at)
    assert at.slider(key="w_hot").value == 72 and at.slider(key="w_warm").value == 41
    assert at.number_input(key="w_dm").value == 15 and at.number_input(key="w_medium").value == 0.85
    assert at.text_input(key="w_calls").value == "0, 5, 20, 30"
    assert plain(" ".join(i.value for i in at.info)) == (
        "Draft from Evidence (capacity 40 Hot) — not applied; save and apply it to use it.")
    assert Store.open(db).active_config() is None and "whatif_draft" not in at.session_state
    at.slider(key="w_warm").set_value(45).run()  # later changes keep the draft's other values
    assert at.number_input(key="w_dm").value == 15 and at.slider(key="w_hot").value == 72
    # A draft at the edges of the valid ranges loads as it is (points 100, a multiplier of 0.005); the
    # threshold sliders end where valid thresholds end (the highest score, at most MAX_TIER_MIN).
    at.session_state["whatif_draft"] = {"config": draft.with_changes(
        decision_maker_points=100, confidence_multipliers={"high": 1.0, "medium": 0.85, "low": 0.005}),
        "source": "a file"}
    at.run()
    no_exception(at)
    assert at.number_input(key="w_dm").value == 100 and at.number_input(key="w_low").value == 0.005
    assert at.slider(key="w_hot").max == min(120 - 10 + 100, MAX_TIER_MIN)


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
    assert any("no practice\\_id column" in e.value for e in at.error)  # shown literally (md_escape)


def test_a_broken_mapping_file_is_a_sentence_on_every_page(db: Path, tmp_path: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    mapping = tmp_path / "mapping.toml"
    mapping.write_text('[fields]\nvet_cnt = "Vet Count (Total)"\n')
    monkeypatch.setenv("LEADSCORE_NOTION_MAPPING", str(mapping))
    for path in PAGES:
        at = page(path)
        no_exception(at)
        assert any("cannot start" in e.value and "vet_cnt" in plain(e.value) for e in at.error), path  # escaped


def test_the_sample_records_are_json_objects(db: Path) -> None:
    # Guards the fixtures above: hostile names must reach the page through a readable record.
    page("pages/leads.py")
    record = orjson.loads(Store.open(db).practice("demo-0001")["record_json"])
    assert isinstance(record, dict) and md_escape("a") == "a"
