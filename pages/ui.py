"""Shared pieces for the pages: the cached workbench, cached views of the store, small widgets.

Caches are keyed by the store's path and revision (a counter every write bumps), so every session
sees fresh data right after any writer — this app, another session or the CLI — commits.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pandas as pd
import streamlit as st

from data.demo import ensure_sample_book
from data.notion import NotionError, NotionSettings, PropertyMapping
from data.notion.sync import Workbench
from data.store import Store, StoreError, default_db_path
from data.views import picker_labels, prepare_leads
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
        return _workbench(str(default_db_path()))
    except (StoreError, NotionError, ConfigError) as exc:
        st.error(f"leadscore cannot start: {md_escape(exc)}")
        st.info("Fix the file named above (or the LEADSCORE_DB / NOTION_* settings) and reload the page.")
        st.stop()
        raise  # st.stop() does not return


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
