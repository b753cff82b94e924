"""The review of the engagement and evidence pages, through AppTest: user and file text shown literally,
never as Markdown (the events uploader's file name and errors; Evidence's configuration version and
Status lists); the What-if lab taking any valid saved engagement configuration; the events uploader
bounded, read once per file, and storing a deeply nested detail clipped."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from streamlit.testing.v1 import AppTest
from test_app import markdown_sources, no_exception, page, plain

from data.store import Store
from pages.ui import md_escape
from scoring.config import ScoringConfig

NAMES = ["**bold** [x](http://e.vil).csv", "[Open](http://evil.example/x) **URGENT**.csv"]
GOOD = b"event_id,practice_id,type,occurred_at\nz1,demo-0001,meeting,2026-03-01T09:00:00Z\n"


def assert_shown_literally(at: AppTest, text: str) -> None:
    """``text`` appears only escaped: no Markdown source holds it raw (no link, no bold) and no URL in
    any source can be auto-linked once the escapes are resolved; the reader sees it as it is."""
    sources = markdown_sources(at)
    assert all(text not in source for source in sources), sources
    assert any(md_escape(text) in source for source in sources), sources
    assert any(text in plain(source) for source in sources)
    for source in sources:
        assert not re.search(r"(?i)https?://|www\.", re.sub(r"\\(.)", r"\1", source)), source


def events_uploader(at: AppTest):  # type: ignore[no-untyped-def]
    return next(u for u in at.file_uploader if "events" in u.label)


@pytest.mark.parametrize("name", NAMES)
def test_an_unusable_events_file_names_itself_literally(db: Path, name: str) -> None:
    at = page("pages/import_export.py")
    events_uploader(at).set_value((name, b"a,b\n1,2\n", "text/plain")).run()
    no_exception(at)
    assert any("cannot be imported" in e.value for e in at.error)
    assert_shown_literally(at, name)


@pytest.mark.parametrize("name", NAMES)
def test_an_imported_events_file_names_itself_literally(db: Path, name: str) -> None:
    at = page("pages/import_export.py")
    events_uploader(at).set_value((name, GOOD, "text/plain")).run()
    at.button(key="do_events_import").click().run()
    no_exception(at)
    assert any("1 event imported" in plain(s.value) for s in at.success)
    assert_shown_literally(at, name)


def test_evidence_shows_the_version_and_status_lists_literally(db: Path) -> None:
    no_exception(page("pages/evidence.py"))  # the sample book
    version_name = "[v](http://e.vil) **x**"
    won = "_Won_ [here](http://e.vil)"
    lost = ":red[Lost] $x$"
    cfg = ScoringConfig().with_changes(outcomes={"won": ["Won", won], "lost": ["Lost", lost]})
    Store.open(db).save_config(version_name, cfg, activate=True)
    at = page("pages/evidence.py")
    no_exception(at)
    caption = next(c.value for c in at.caption if "scored practices" in c.value)
    assert f"{version_name}-v1" in plain(caption) and won in plain(caption) and lost in plain(caption)
    for text in (version_name, won, lost):
        assert_shown_literally(at, text)


# ---- the What-if lab's engagement controls take any valid saved configuration ----------------------------

def _ends(end: int) -> dict:
    """Every engagement number at the low (0) or high (1) end of its field's range (data.engagement_controls)."""
    from data.engagement_controls import field_range

    names = ["half_life_days", "velocity_hours", "level_1_min", "level_2_min", "risk_medium_days", "risk_high_days"]
    return {name: field_range(name)[end] for name in names}


@pytest.mark.parametrize(
    "engagement",
    [
        {"half_life_days": 0.25, "velocity_hours": 0.5},  # the review's example
        _ends(0),
        _ends(1) | {"types": [{"name": "meeting", "points": 0, "cap": 0, "label": ""}]},
    ],
    ids=["review", "lowest", "highest"],
)
def test_the_lab_shows_a_saved_configuration_at_the_ends_of_every_range(db: Path, engagement: dict) -> None:
    from data.demo import load_sample_book

    store = Store.open(db)
    load_sample_book(store, n=30)
    cfg = ScoringConfig().with_changes(engagement=engagement)
    store.save_config("edge", cfg, activate=True)
    at = page("pages/whatif.py")
    no_exception(at)
    generation = at.session_state["w_gen"]
    for name, key in [("half_life_days", "w_eng_half"), ("velocity_hours", "w_eng_velocity"),
                      ("level_1_min", "w_eng_l1"), ("level_2_min", "w_eng_l2"), ("risk_medium_days", "w_eng_medium"),
                      ("risk_high_days", "w_eng_high")]:
        assert at.number_input(key=f"{key}_{generation}").value == getattr(cfg.engagement, name)
    assert not at.error  # the controls describe a valid configuration: the results show
    assert any("practices change grid cell or next action" in m.value for m in at.markdown)


# ---- the events uploader: bounded, and read once per uploaded file --------------------------------------

@pytest.fixture
def reads(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The names of the uploads the events preview read (data.events.importer.prepare_upload calls)."""
    import data.events.importer as importer

    seen: list[str] = []
    real = importer.prepare_upload

    def counting(name: str, data: bytes):  # type: ignore[no-untyped-def]
        seen.append(name)
        return real(name, data)

    monkeypatch.setattr(importer, "prepare_upload", counting)
    return seen


def test_an_events_upload_is_read_once_however_often_the_page_reruns(db: Path, reads: list[str]) -> None:
    at = page("pages/import_export.py")
    events_uploader(at).set_value(("a.csv", GOOD, "text/plain")).run()
    at.run()
    at.run()
    no_exception(at)
    assert reads == ["a.csv"]
    assert {m.label: m.value for m in at.metric}["New events"] == "1"
    events_uploader(at).set_value(("b.csv", b"a,b\n1,2\n", "text/plain")).run()  # another file: read
    at.run()
    assert reads == ["a.csv", "b.csv"]
    assert sum("cannot be imported" in e.value for e in at.error) == 1  # the unusable file's sentence stays


@pytest.mark.parametrize("suffix", [".csv", ".jsonl"])
def test_an_events_upload_over_the_limit_is_one_sentence(db: Path, monkeypatch: pytest.MonkeyPatch,
                                                         suffix: str) -> None:
    import data.files.limits as limits

    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 2**20)  # the Import page's one limit, made small: 1 MiB
    at = page("pages/import_export.py")
    if suffix == ".csv":
        data = GOOD + b"z2,demo-0002,meeting,2026-03-01T09:00:00Z\n" * 30_000
    else:
        data = b'{"practice_id":"demo-0001","type":"meeting","occurred_at":"2026-03-01T09:00:00Z"}\n' * 15_000
    assert 2**20 < len(data) < 1.5 * 2**20
    events_uploader(at).set_value((f"big{suffix}", data, "text/plain")).run()
    no_exception(at)
    (error,) = [e.value for e in at.error]
    assert plain(error) == (f"This file cannot be imported: big{suffix}: {len(data) / 2**20:.1f} MiB; the app imports "
                            "events files up to 1 MiB (use `leadscore events import` for bigger ones, or split the "
                            "file). Fix it and upload it again.")
    assert "New events" not in {m.label for m in at.metric}


def test_an_upload_with_a_deeply_nested_detail_is_previewed_and_stored_clipped(db: Path) -> None:
    from data.events.importer import DETAIL_DEPTH

    at = page("pages/import_export.py")
    line = (b'{"event_id":"deep","practice_id":"demo-0001","type":"meeting","occurred_at":"2026-03-01T09:00:00Z",'
            b'"detail":' + b"[" * 300 + b"]" * 300 + b"}\n")
    events_uploader(at).set_value(("deep.jsonl", line, "text/plain")).run()
    no_exception(at)
    assert {m.label: m.value for m in at.metric}["New events"] == "1"
    at.button(key="do_events_import").click().run()
    no_exception(at)
    (detail,) = Store.open(db).query("SELECT detail FROM events WHERE event_id = 'deep'")[0]
    assert detail.count("[") == DETAIL_DEPTH and detail.endswith('"…"' + "]" * DETAIL_DEPTH)


def test_the_session_keeps_the_events_preview_not_the_rows(db: Path, reads: list[str]) -> None:
    """A big upload's rows (hundreds of MiB as Python objects) do not stay in the session between reruns:
    only the report and its counts; Import reads the file again."""
    from data.events.importer import PreparedEvents
    from pages.engagement_panels import EVENTS_PREVIEW

    at = page("pages/import_export.py")
    events_uploader(at).set_value(("a.csv", GOOD, "text/plain")).run()
    (_, outcome) = at.session_state[EVENTS_PREVIEW]
    assert not any(isinstance(part, PreparedEvents) for part in outcome)
    assert not any(isinstance(part, list) and part and isinstance(part[0], tuple) for part in outcome)
    at.button(key="do_events_import").click().run()
    no_exception(at)
    assert reads == ["a.csv", "a.csv"]  # the preview, then the import
    assert Store.open(db).stored_event_ids(["z1"]) == {"z1"}
