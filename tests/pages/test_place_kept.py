"""Issue 9, second pass: every page that opens a practice keeps its own view for the way back; the
What-if version picker starts on the version in force; Save says what it did by its button; counts
agree with their noun ("1 practice")."""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs

import pytest
from streamlit.testing.v1 import AppTest
from streamlit.testing.v1.element_tree import user_key_from_element_id
from test_app import all_text, click, no_exception, page, plain, save

from data.demo import demo_rows, load_sample_book
from data.store import Store
from pages import ui


def links(at: AppTest) -> list:  # type: ignore[type-arg]
    return [link.proto for link in at.get("page_link")]


def query(proto) -> dict[str, list[str]]:  # type: ignore[no-untyped-def]
    return parse_qs(proto.query_string)


# ---- the way back from a practice ------------------------------------------------------------------


def test_a_practice_opened_from_today_carries_the_rep(db: Path) -> None:
    at = page("pages/today.py", rep="Marcus Lee")
    no_exception(at)
    first = links(at)[0]
    assert first.page.endswith("practice")
    carried = query(first)
    assert carried["via"] == ["today"] and carried["from"] == ["rep=Marcus+Lee"] and len(carried["id"]) == 1


def test_the_practice_links_back_to_today_with_the_rep(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0456", via="today", **{"from": "rep=Marcus+Lee"})
    no_exception(at)
    back = links(at)[0]
    assert plain(back.label) == "← Today (Marcus Lee)"
    assert back.page.endswith("today") and back.query_string == "rep=Marcus+Lee"
    # A carried view is validated as Today validates it: one rep, and only an owner in the book.
    at = page("pages/practice.py", id="demo-0456", via="today", **{"from": "rep=a&rep=Marcus+Lee&rep=b"})
    back = links(at)[0]
    assert plain(back.label) == "← Today (Marcus Lee)" and back.query_string == "rep=Marcus+Lee"
    at = page("pages/practice.py", id="demo-0456", via="today", **{"from": "rep=Nobody+Here"})
    back = links(at)[0]
    assert plain(back.label) == "← Today" and back.query_string == ""


def test_back_on_today_restores_the_rep(db: Path) -> None:
    # The browser's Back lands on /today?id=…&from=…&via=today (an entry Streamlit's page switch leaves).
    at = page("pages/today.py", id="demo-0456", via="today", **{"from": "rep=Marcus+Lee"})
    no_exception(at)
    assert at.query_params.get("rep") in ("Marcus Lee", ["Marcus Lee"])
    assert not {"id", "from", "via"} & set(at.query_params)
    assert at.selectbox(key="rep").value == "Marcus Lee"
    assert "Choose yourself above" not in all_text(at)
    # A rep no longer in the book is dropped, not an error: the page asks who you are.
    at = page("pages/today.py", id="demo-0456", via="today", **{"from": "rep=Nobody+Here"})
    no_exception(at)
    assert "Choose yourself above" in all_text(at) and "rep" not in at.query_params


def test_the_practice_links_back_to_the_what_if_lab(db: Path) -> None:
    # The other page of the same kind: a mover opened from the What-if lab goes back to the lab.
    at = page("pages/practice.py", id="demo-0003", via="whatif", **{"from": "tier=Hot"})
    no_exception(at)
    back = links(at)[0]
    assert plain(back.label) == "← What-if lab" and back.page.endswith("whatif") and back.query_string == ""
    at = page("pages/whatif.py", id="demo-0003", via="whatif", **{"from": ""})
    no_exception(at)
    assert not {"id", "from", "via"} & set(at.query_params)


def test_an_older_link_without_its_page_still_goes_back_to_leads(db: Path) -> None:
    at = page("pages/practice.py", id="demo-0003", **{"from": "tier=Hot"})
    back = links(at)[0]
    assert plain(back.label) == "← Leads (tier Hot)" and back.page == ""  # the default page: "/"
    at = page("pages/practice.py", id="demo-0003", via="elsewhere", **{"from": "tier=Hot"})
    assert plain(links(at)[0].label) == "← Leads (tier Hot)"


def test_opening_a_practice_names_a_known_page() -> None:
    assert ui.practice_query("demo-1", "today", "rep=A") == {"id": "demo-1", "from": "rep=A", "via": "today"}
    with pytest.raises(ValueError, match="unknown page"):
        ui.practice_query("demo-1", "nowhere")
    assert ui.view_pairs("today", "rep=Marcus+Lee&tier=Hot") == [("rep", "Marcus Lee")]  # only its own keys


# ---- every download without a rerun ----------------------------------------------------------------


@pytest.mark.parametrize(("path", "query", "keys"), [
    ("pages/leads.py", {}, {"dl_csv", "dl_xlsx"}),
    ("pages/import_export.py", {}, {"template_csv", "export_csv", "export_xlsx"}),
    ("pages/practice.py", {"id": "demo-0003"}, {"practice_json", "practice_csv"}),
])
def test_every_download_button_downloads_without_a_rerun(db: Path, path: str, query: dict, keys: set) -> None:
    # A rerun re-registers deferred files under new ids: a second button pressed meanwhile had a dead id.
    at = page(path, **query)
    no_exception(at)
    buttons = {user_key_from_element_id(b.proto.id): b.proto for b in at.get("download_button")}
    assert keys <= set(buttons), set(buttons)
    assert all(b.ignore_rerun for b in buttons.values())


def test_the_movers_download_does_not_rerun(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(70).run()
    no_exception(at)
    [movers] = at.get("download_button")
    assert movers.proto.ignore_rerun and movers.proto.label.startswith("Download every practice")


# ---- the version in force ----------------------------------------------------------------------------


def test_the_version_picker_starts_on_the_active_version(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(70).run()
    save(at, "hot70")
    at.selectbox(key="w_version").set_value("hot70-v1").run()
    click(at, "apply")
    click(at, "confirm_apply")
    assert Store.open(db).active_config().label == "hot70-v1"
    at = page("pages/whatif.py")  # a reload: a new session
    no_exception(at)
    picker = at.selectbox(key="w_version")
    assert picker.value == "hot70-v1" and "hot70-v1 (active)" in picker.options
    assert not [b for b in at.button if b.key == "apply"]  # what is in force is not offered
    assert "hot70-v1 is the active configuration" in plain(all_text(at))
    picker.set_value("SPEC defaults").run()  # another version is offered, by its own name
    assert at.button(key="apply").label == "Apply SPEC defaults…"


def test_the_picker_follows_an_apply_made_elsewhere(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(75).run()
    save(at, "elsewhere")
    assert at.selectbox(key="w_version").value == "SPEC defaults"
    store = Store.open(db)
    from data.versions import activate, versions

    activate(store, next(v for v in versions(store) if v.label == "elsewhere-v1"))  # another session, the CLI
    at.run()
    no_exception(at)
    assert at.selectbox(key="w_version").value == "elsewhere-v1"
    assert not [b for b in at.button if b.key == "apply"]


# ---- saying what Save did, by its button ------------------------------------------------------------


def order(at: AppTest) -> list[tuple[str, str]]:
    """Every element of the main area in page order, as (type, text)."""
    out: list[tuple[str, str]] = []

    def walk(node) -> None:  # type: ignore[no-untyped-def]
        children = getattr(node, "children", None)
        if children:
            for child in children.values():
                walk(child)
            return
        text = getattr(node, "label", None) or getattr(node, "value", "")
        out.append((node.type, str(text)))

    walk(at.main)
    return out


def said_after_save(at: AppTest, words: str) -> None:
    shown = order(at)
    button = shown.index(("button", "Save version"))
    versions = shown.index(("subheader", "Versions"))
    where = [i for i, (_, text) in enumerate(shown) if words in plain(text)]
    assert where and all(button < i < versions for i in where), (where, button, versions)


def test_save_says_what_it_did_under_its_button_both_times(db: Path) -> None:
    at = page("pages/whatif.py")
    at.slider(key="w_hot").set_value(70).run()
    save(at, "hot70")
    said_after_save(at, "Saved as hot70-v1")
    save(at, "hot70")  # the same settings again
    said_after_save(at, "already saved as hot70-v1")
    at.slider(key="w_hot").set_value(65).run()
    save(at, "hot65")  # a second new version: in the same place again
    said_after_save(at, "Saved as hot65-v1")


# ---- "1 practice" --------------------------------------------------------------------------------------


def test_counts_agree_with_their_noun() -> None:
    assert ui.count(1, "practice") == "1 practice"
    assert ui.count(0, "practice") == "0 practices" and ui.count(1284, "practice") == "1,284 practices"


@pytest.fixture
def small_book(db: Path) -> Path:
    load_sample_book(Store.open(db), n=10)
    return db


def test_today_says_1_practice(small_book: Path) -> None:
    owners = Counter(r["assigned_to"] for r in demo_rows(10) if r["assigned_to"])
    one = next(o for o, n in owners.items() if n == 1)
    several, n = next((o, n) for o, n in owners.items() if n > 1)
    at = page("pages/today.py", rep=one)
    no_exception(at)
    headings = [s.value for s in at.subheader]
    assert "Your 1 practice" in headings and not [h for h in headings if "1 practices" in h]
    at = page("pages/today.py", rep=several)
    assert f"All {n} practices" in [s.value for s in at.subheader]


@pytest.mark.parametrize(("path", "said"), [
    ("pages/whatif.py", ["1 practice recomputed", "0 practices change tier"]),
    ("pages/leads.py", ["1 of 1 practice · all practices"]),
])
def test_a_one_practice_book_says_1_practice(db: Path, path: str, said: list[str]) -> None:
    load_sample_book(Store.open(db), n=1)
    at = page(path)
    no_exception(at)
    text = plain(all_text(at))
    assert all(s in text for s in said) and "1 practices" not in text
