"""pages.ui.md_escape: user text shows as itself wherever Streamlit renders Markdown."""

from __future__ import annotations

import re

import pytest

from pages.ui import WORD_JOINER, md_escape

HOSTILE = [
    "[Open the CRM](http://evil.example/phish) **URGENT**",
    "![x](http://host/qp.png)",
    ":red[alarm] :material/warning:",
    "$x^2$ and $$\\int$$",
    "<img src=x onerror=alert(1)>",
    "=HYPERLINK(\"http://evil.example\",\"click\")",
    "# heading\n- list",
    "`code` _em_ ~~strike~~ | table |",
]


@pytest.mark.parametrize("text", HOSTILE)
def test_every_markdown_special_is_escaped_and_nothing_else_changes(text: str) -> None:
    escaped = md_escape(text)
    # No special character is left unescaped; removing the escapes gives the text back (line breaks → spaces).
    assert not re.search(r"(?<!\\)[\[\]()*_`:$<>#!|~=]", escaped.replace("\\\\", ""))
    assert re.sub(r"\\(.)", r"\1", escaped).replace(WORD_JOINER, "") == text.replace("\n", " ")


def test_plain_text_and_none() -> None:
    assert md_escape("Harbor Pet Hospital") == "Harbor Pet Hospital"
    assert md_escape(None) == "—"
    assert md_escape(42) == "42"


@pytest.mark.parametrize(
    "text",
    ['=HYPERLINK("http://evil.example","x")', "see HTTPS://evil.example/a_b", "www.evil.example", "bob@evil.example",
     "[x](mailto:bob@evil.example)"],
)
def test_bare_urls_and_addresses_cannot_be_auto_linked(text: str) -> None:
    # GFM turns "http://…", "www.…" and "a@b.c" into links after escapes are resolved (seen in Chromium),
    # so the resolved text must not contain those patterns; the word joiner keeps them apart.
    resolved = re.sub(r"\\(.)", r"\1", md_escape(text))
    assert not re.search(r"(?i)(https?|mailto)://|www\.|\w@\w", resolved)
    assert resolved.replace(WORD_JOINER, "") == text
