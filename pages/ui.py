"""Shared pieces for the pages: the cached workbench, cached views of the store, small widgets.

Caches are keyed by the store's path and revision (a counter every write bumps), so every session
sees fresh data right after any writer — this app, another session or the CLI — commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any, NoReturn
from urllib.parse import parse_qsl, urlencode

import pandas as pd
import streamlit as st

from data.demo import ensure_sample_book
from data.notion import NotionError, NotionSettings, PropertyMapping
from data.notion.sync import Workbench
from data.store import InvalidActiveConfig, Store, StoreError, default_db_path
from data.views import FILTER_KEYS, RETURN_PARAM, picker_labels, prepare_leads
from data.wording import count  # noqa: F401 — pages say ui.count; one rule in data/wording
from scoring.config import ConfigError
from scoring.features import FeatureTable
from scoring.vector import BookScores, score_table

# Everything Streamlit's Markdown gives meaning to: CommonMark's escapable punctuation (links, images,
# emphasis, code, headings, lists, tables, HTML) plus ":" (":red[…]" colours, ":material/…:" icons and
# "http:" autolinks) and "$" (KaTeX). Escaped with a backslash, each shows as itself.
_MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$:=\"'&%@^,;?/")


# GitHub-flavoured Markdown turns bare "http://…", "www.…" and "name@host.tld" into links *after*
# escapes are resolved (verified in Chromium: "http\\:\\/\\/evil\\.example" still became a live link), so
# escaping alone cannot stop them. An invisible WORD JOINER (U+2060) inside each trigger breaks the
# pattern while the text reads the same.
_AUTOLINK_TRIGGER = re.compile(r"(?i)(?<![a-z0-9])(https?|ftp|mailto|xmpp|www)(?=[:.])|(@)")
WORD_JOINER = "\u2060"


def md_escape(text: object) -> str:
    """User text (a name, address, note, file name, query parameter) for any Streamlit call that renders
    Markdown (titles, captions, messages, labels): every character Markdown could interpret is escaped
    and bare URLs / e-mail addresses are kept from being auto-linked, so it shows literally (with an
    invisible word joiner inside "http", "www" and "@"). None → "—"."""
    if text is None:
        return "—"
    text = _AUTOLINK_TRIGGER.sub(lambda m: m.group(0) + WORD_JOINER, str(text))
    out = []
    for ch in text:
        if ch in _MARKDOWN_SPECIALS:
            out.append("\\" + ch)
        elif ch in "\r\n":
            out.append(" ")  # a line break would start a new Markdown block (a heading, a list)
        else:
            out.append(ch)
    return "".join(out)


TIER_ICONS = {
    "Hot": ":material/local_fire_department:",
    "Warm": ":material/wb_sunny:",
    "Cold": ":material/ac_unit:",
    "Pending Enrichment": ":material/hourglass_top:",
    "Failed": ":material/error:",
    "Not scored": ":material/remove:",
}


@st.cache_resource(show_spinner="Opening the store…")
def _workbench(db_path: str) -> Workbench:
    store = Store.open(db_path)
    settings = NotionSettings.load()
    bench = Workbench(store, settings, PropertyMapping.load())
    ensure_sample_book(store, settings.configured)
    return bench


def _run_through_app() -> None:
    """A server's first session that opens a page's address (a bookmarked /practice?id=…) is run by
    Streamlit as an old-style pages/ page, without app.py: no wide layout, a navigation listing every
    file in pages/. Streamlit decides that from a class attribute that app.py's st.navigation clears;
    clear it here and rerun, so app.py runs and picks this same page (verified on streamlit 1.67)."""
    from streamlit.runtime.pages_manager import PagesManager

    # Only a session's first run can need it, and only that one may rerun: a rerun drops the widget
    # event that started a run (AppTest resets the attribute before every run; a server sets it once).
    if st.session_state.get("_through_app"):
        return
    st.session_state["_through_app"] = True
    if getattr(PagesManager, "uses_pages_directory", False):
        PagesManager.uses_pages_directory = False
        st.rerun()


def workbench() -> Workbench:
    """The shared workbench; a store or settings problem stops the page with a sentence, not a traceback."""
    _run_through_app()
    try:
        bench = _workbench(str(default_db_path()))
    except (StoreError, NotionError, ConfigError) as exc:
        st.error(f"leadscore cannot start: {md_escape(exc)}")
        st.info("Fix the file named above (or the LEADSCORE_DB / NOTION_* settings) and reload the page.")
        st.stop()
        raise  # st.stop() does not return
    try:
        bench.config  # noqa: B018 — the active configuration must validate before any page uses it
    except InvalidActiveConfig as exc:
        _choose_another_config(bench, exc)
    return bench


def _choose_another_config(bench: Workbench, exc: InvalidActiveConfig) -> None:
    """Every page stops at a saved configuration that no longer validates, with the way out: the SPEC
    defaults (the saved version stays in the store, untouched)."""
    st.error(md_escape(exc))
    if st.button("Use the SPEC defaults", type="primary", key="ui_invalid_config_defaults",
                 help=f"{exc.label} stays saved; the defaults are in force until you apply another version."):
        bench.store.deactivate_configs()
        st.rerun()
    st.stop()


@st.cache_resource(max_entries=4, show_spinner=False)
def _leads(db_path: str, revision: int) -> pd.DataFrame:
    return prepare_leads(_workbench(db_path).store.leads_frame())


def leads(bench: Workbench) -> pd.DataFrame:
    """The Leads view of the whole book, shared by every session: read it, filter it into new frames,
    never change it in place (a cache_data copy of 10,000 rows would cost more than the page)."""
    return _leads(str(bench.store.path), bench.store.revision())


@st.cache_resource(max_entries=2, show_spinner="Reading the book…")
def _book(db_path: str, revision: int) -> FeatureTable:
    return FeatureTable.from_records(_workbench(db_path).store.records())


def book(bench: Workbench) -> FeatureTable:
    """Every active practice as scoring features (shared, read-only)."""
    return _book(str(bench.store.path), bench.store.revision())


@st.cache_resource(max_entries=4, show_spinner=False)
def _scores(db_path: str, revision: int, fingerprint: str) -> BookScores:
    bench = _workbench(db_path)
    return score_table(_book(db_path, revision), bench.config)


def book_scores(bench: Workbench) -> BookScores:
    """The book scored under the active configuration (shared, read-only)."""
    return _scores(str(bench.store.path), bench.store.revision(), bench.config.fingerprint)


def practice_labels(frame: pd.DataFrame, extra: pd.Series | None = None) -> dict[str, str]:
    """Unique, short labels for pickers (practice id → label): the name alone, "name · address" where
    names repeat, then the id where those still repeat (``extra``, if given, is appended: "… — 92 Hot").
    Short, because a picker over 10,000 practices sends every label to the browser."""
    labels = picker_labels(frame)
    if extra is not None:
        labels = {pid: f"{label} — {e}" for (pid, label), e in zip(labels.items(), extra.tolist(), strict=True)}
    return labels


def practice_picker(frame: pd.DataFrame, *, key: str, button: str, on_pick: Callable[[str], None],
                    where: Any = st) -> None:
    """A button that opens a dialog listing every practice of ``frame`` by name (type to search); the
    chosen practice id goes to ``on_pick``. The list travels to the browser only when the dialog
    opens: 10,000 names in the page itself held back the Leads table's first paint by ~0.6 s."""
    flag = f"{key}_open"
    if where.button(button, key=f"{key}_button", width="stretch", help="Type a name to find any practice"):
        st.session_state[flag] = True
    if st.session_state.get(flag):  # open until a practice is chosen or the dialog is dismissed
        _picker_dialog(frame, key, on_pick)


def _close_picker(key: str) -> None:
    st.session_state.pop(f"{key}_open", None)


@st.dialog("Open a practice", width="large", on_dismiss=lambda: [_close_picker(k) for k in _PICKERS])
def _picker_dialog(frame: pd.DataFrame, key: str, on_pick: Callable[[str], None]) -> None:
    labels = practice_labels(frame)
    pick = st.selectbox(f"Open a practice ({len(labels):,} in this view)", list(labels), format_func=labels.get,
                        index=None, key=key, placeholder="Type a name to see why it scored what it did")
    if pick:
        _close_picker(key)
        on_pick(pick)


_PICKERS = ("open_practice", "practice_pick")  # every picker key (a dismissed dialog closes whichever is open)


def tier_label(tier: str | None) -> str:
    """A tier with its icon, for Markdown labels (metrics, captions); the word always stays."""
    tier = tier or "Not scored"
    return f"{TIER_ICONS.get(tier, '')} {tier}".strip()


def empty_book(bench: Workbench) -> None:
    """The no-data state: what happened and the next step."""
    if bench.notion_configured:
        st.info(
            "There are no practices in the store yet. Press **Sync now** (in the sidebar) to pull them from "
            "Notion, or load the sample book to explore first."
        )
    else:
        st.info(
            "There are no practices in the store yet. Load the sample book to explore, import a CSV or XLSX on "
            "**Import / export**, or connect Notion (README → Notion setup) and press **Sync now**."
        )
    if st.button("Load the sample book", key="load_sample", type="primary"):
        from data.demo import load_sample_book

        with st.spinner("Loading and scoring the sample book…"):
            report = load_sample_book(bench.store)
        st.success(f"Sample book loaded: {report.summary()}")
        st.rerun()


def notion_status(bench: Workbench) -> str:
    if not bench.notion_configured:
        return "Notion is not configured: the store holds the sample book or imported practices."
    return f"Connected to Notion database {bench.settings.database_id} at {bench.settings.base_url}."


def show_error(prefix: str, exc: BaseException) -> None:
    """``prefix`` (Markdown, user text in it already escaped): the error in one sentence, as text."""
    from data.notion import describe_error

    st.error(f"{prefix}: {md_escape(describe_error(exc))}")


def remember(key: str, value: Any) -> None:
    """Keep a result across the rerun that a button causes (shown once, then dropped)."""
    st.session_state[f"_flash_{key}"] = value


def recall(key: str) -> Any:
    return st.session_state.pop(f"_flash_{key}", None)


# ---- downloads ------------------------------------------------------------------------------------------


def download(where: Any, label: str, data: Any, file_name: str, mime: str, *, key: str, **kwargs: Any) -> None:
    """The one download button of the app: the file downloads and the page does not rerun. A rerun
    would register deferred (callable) files under new ids, and a second button clicked within that
    rerun would still hold its old id: nothing downloads (``MediaFileStorageError: Deferred file … not
    found``, issue 9). ``data``: bytes, str, or a callable building them only when clicked."""
    where.download_button(label, data, file_name, mime, key=key, on_click="ignore", **kwargs)


# ---- keeping the place a practice was opened from ------------------------------------------------------

# The Practice page carries the page it was opened from in this parameter (absent: Leads, as older
# links have it), and that page's view — its own query string — in data.views.RETURN_PARAM. The
# browser's Back lands on ``/<page>?id=…&from=…&via=…`` (an entry Streamlit's page switch leaves in
# the history), where :func:`return_to_view` puts the view back; the “← Page” link goes straight to it.
VIA_PARAM = "via"
PRACTICE_PARAMS = ("id", RETURN_PARAM, VIA_PARAM)


@dataclass(frozen=True)
class ViewPage:
    """A page that opens practices: its file, its name in links and the query keys that make its view."""

    path: str
    title: str
    keys: tuple[str, ...]


VIEW_PAGES = {
    "leads": ViewPage("pages/leads.py", "Leads", FILTER_KEYS),
    "today": ViewPage("pages/today.py", "Today", ("rep",)),
    "whatif": ViewPage("pages/whatif.py", "What-if lab", ()),  # its controls live in the session
}


def view_query(page: str, pairs: Sequence[tuple[str, str]] = ()) -> str:
    """The view of ``page`` as the query string carried in RETURN_PARAM (only the page's own keys)."""
    keys = VIEW_PAGES[page].keys
    return urlencode([(k, v) for k, v in pairs if k in keys])


def view_pairs(page: str, query: str) -> list[tuple[str, str]]:
    """A carried view back as (key, value) pairs; keys the page does not have are dropped."""
    keys = VIEW_PAGES[page].keys
    return [(k, v) for k, v in parse_qsl(query) if k in keys]


def today_view(query: str, owners: Sequence[str]) -> list[tuple[str, str]]:
    """Today's carried view, validated: the first rep that is an owner in the book (one rep; an unknown
    or repeated ``rep`` is dropped)."""
    reps = [v for k, v in view_pairs("today", query) if k == "rep" and v in owners]
    return [("rep", reps[0])] if reps else []


def practice_query(practice_id: str, page: str, view: str = "") -> dict[str, str]:
    """The Practice page's address parameters for ``practice_id`` opened from ``page`` showing ``view``."""
    if page not in VIEW_PAGES:
        raise ValueError(f"unknown page {page!r}: one of {', '.join(VIEW_PAGES)}")
    return {"id": practice_id, RETURN_PARAM: view, VIA_PARAM: page}


def open_practice(practice_id: str, page: str, view: str = "") -> NoReturn:
    """Open the Practice page from ``page`` (a VIEW_PAGES name), keeping ``view`` for the way back."""
    st.switch_page("pages/practice.py", query_params=practice_query(practice_id, page, view))


def practice_link(where: Any, practice_id: str, label: str, page: str, view: str = "") -> None:
    """A link to a practice (``label`` is Markdown, user text in it already escaped) that keeps the way back."""
    where.page_link("pages/practice.py", label=label, query_params=practice_query(practice_id, page, view))


def came_from() -> str:
    """The page the practice on screen was opened from (a VIEW_PAGES name; Leads when unknown)."""
    via = st.query_params.get(VIA_PARAM, "leads")
    return via if via in VIEW_PAGES else "leads"


def return_to_view(page: str, restore: Callable[[str], Sequence[tuple[str, str]]] | None = None) -> None:
    """On ``page`` coming back from a practice (the browser's Back): drop the Practice page's parameters
    and put the carried view back in the address, where the page's widgets (bound to it) read it.
    ``restore`` turns the carried query into pairs, validating them (default: :func:`view_pairs`)."""
    if not any(k in st.query_params for k in PRACTICE_PARAMS):
        return
    carried = st.query_params.get(RETURN_PARAM, "")
    if st.query_params.get(VIA_PARAM, page) != page:
        carried = ""  # another page's view: its keys mean nothing here
    pairs = restore(carried) if restore else view_pairs(page, carried)
    restored: dict[str, list[str]] = {}
    for key, value in pairs:
        restored.setdefault(key, []).append(value)
    for key in PRACTICE_PARAMS:
        if key in st.query_params:
            del st.query_params[key]
    if restored and not any(k in st.query_params for k in VIEW_PAGES[page].keys):
        # The page's widgets are not bound yet in this run (the Practice page ran last), so the address
        # may be set; they then start from it, as on any shared link.
        st.query_params.update(restored)
        st.rerun()  # widgets seed from the address a run starts with
