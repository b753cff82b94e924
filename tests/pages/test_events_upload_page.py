"""The events uploader on the Import page as a new user meets it (issues 9 and 11): cleared after an
import, naming unknown types and practice ids in the preview, a result in whole sentences, and the
same upload limit as the practices uploader."""

from __future__ import annotations

from pathlib import Path

from test_app import no_exception, page, plain

from data.files.limits import MAX_UPLOAD_BYTES
from data.store import Store
from pages.ui import md_escape

PAGE = "pages/import_export.py"
CSV = (b"event_id,practice_id,type,occurred_at\n"
       b"u1,demo-0001,meeting,2026-03-01T09:00:00Z\nu2,demo-0002,smoke_signal,2026-03-01\n"
       b"u3,nope,meeting,2026-03-02\nu4,demo-0003,meeting,2026-03-02\nu5,demo-0004,signup,2026-03-03\n")
JSONL = (b'{"event_id":"j1","practice_id":"demo-0005","type":"meeting","occurred_at":"2026-03-01"}\n'
         b'{"event_id":"j2","practice_id":"**ghost** [x](http://e.vil)","type":"Carrier Pigeon",'
         b'"occurred_at":"2026-03-01"}\n')


def events_uploader(at):  # type: ignore[no-untyped-def]
    return next(u for u in at.file_uploader if "events" in u.label)


def successes(at) -> list[str]:  # type: ignore[no-untyped-def]
    return [plain(s.value) for s in at.success]


def test_after_an_events_import_the_uploader_and_button_are_empty(db: Path) -> None:
    at = page(PAGE)
    events_uploader(at).set_value(("week.csv", CSV, "text/csv")).run()
    assert at.button(key="do_events_import").label == "Import 5 events"
    at.button(key="do_events_import").click().run()
    no_exception(at)
    # The file is gone: no "Duplicates 5 … Nothing new to import" for the file just imported.
    assert events_uploader(at).value is None
    assert not [b for b in at.button if b.key == "do_events_import"]
    assert not [i for i in at.info if "Nothing new" in i.value]
    # Another file (the same kind of fault, second round): imported, and the uploader clears again.
    before = Store.open(db).event_count()
    events_uploader(at).set_value(("more.jsonl", JSONL, "text/plain")).run()
    assert at.button(key="do_events_import").label == "Import 2 events"
    at.button(key="do_events_import").click().run()
    no_exception(at)
    assert Store.open(db).event_count() == before + 2
    assert events_uploader(at).value is None


def test_the_preview_names_the_unknown_types_and_practices(db: Path) -> None:
    at = page(PAGE)
    events_uploader(at).set_value(("week.csv", CSV, "text/csv")).run()
    captions = [plain(c.value) for c in at.caption]
    assert any("smoke_signal (1)" in c for c in captions), captions
    assert any("nope (1)" in c for c in captions), captions
    # A practice id and a type that look like Markdown are shown as they are, escaped.
    events_uploader(at).set_value(("more.jsonl", JSONL, "text/plain")).run()
    ghost = "**ghost** [x](http://e.vil)"
    sources = [c.value for c in at.caption]
    assert any(md_escape(ghost) in s for s in sources) and not any(ghost in s for s in sources)
    assert any("carrier_pigeon (1)" in plain(s) for s in sources)


def test_the_import_result_is_sentences_without_zero_counts(db: Path) -> None:
    at = page(PAGE)
    events_uploader(at).set_value(("week.csv", CSV, "text/csv")).run()
    at.button(key="do_events_import").click().run()
    lines = successes(at)
    assert lines[0] == "week.csv: 5 rows read, 5 events imported."
    assert "Types not in the configuration, kept but counted nowhere until configured: smoke_signal (1)." in lines
    assert "Practice ids the store does not know, kept: nope (1)." in lines
    assert any(line.startswith("Automation rules on ") and line.endswith(".") for line in lines)
    assert not any(" 0" in line or "unreadable 0" in line for line in lines), lines
    # Another example: duplicates and an unreadable row are counted in words, the zero ones left out.
    again = CSV + b"u6,demo-0001,meeting,yesterday-ish\nu7,demo-0001,meeting,2026-03-04\n"
    events_uploader(at).set_value(("again.csv", again, "text/csv")).run()
    at.button(key="do_events_import").click().run()
    no_exception(at)
    assert successes(at)[0] == ("again.csv: 7 rows read, 1 event imported; 5 duplicates skipped; "
                                "1 unreadable row not imported.")


def test_both_uploaders_take_the_same_limit_and_say_it(db: Path) -> None:
    at = page(PAGE)
    limit = MAX_UPLOAD_BYTES // 2**20
    assert [u.proto.max_upload_size_mb for u in at.file_uploader] == [limit, limit]  # not Streamlit's 200 MB
    assert f"{limit:,} MiB" in events_uploader(at).proto.help
