"""The event log and importing events from files (SPEC §12, issue 11): idempotent by event_id, derived
ids, unknown types and practices kept and reported, unreadable rows named, unusable files refused."""

from __future__ import annotations

import io
from datetime import UTC, datetime

import openpyxl
import orjson
import pytest

from data.events.importer import import_events, prepare_events
from data.events.records import derive_event_id
from data.events.timestamps import TimestampError, iso_from_us, parse_timestamp
from data.files.readers import InputError
from data.store import Store
from scoring.engagement import EngagementConfig, to_us
from tests.data.conftest import practice_row

CFG = EngagementConfig()
HEADER = "event_id,practice_id,type,occurred_at,source,detail\n"


def csv(*rows: str, header: str = HEADER) -> bytes:
    return (header + "\n".join(rows) + "\n").encode()


def jsonl(*rows: dict | str) -> bytes:
    return b"\n".join(r.encode() if isinstance(r, str) else orjson.dumps(r) for r in rows) + b"\n"


@pytest.fixture
def book(store: Store) -> Store:
    store.upsert_practices([practice_row("p1"), practice_row("p2")])
    return store


def stored(store: Store) -> list[tuple]:
    return [tuple(r) for r in store.query("SELECT event_id, practice_id, type, occurred_us, source, detail FROM events "
                                          "ORDER BY event_id")]


# ---- timestamps: one cell at a time, ISO 8601, no zone = UTC --------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2026-03-01T09:30:00Z", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01T09:30:00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),  # no zone means UTC
        ("2026-03-01T10:30:00+01:00", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("2026-03-01 09:30:00.250000+00:00", datetime(2026, 3, 1, 9, 30, 0, 250000, tzinfo=UTC)),
        ("2026-03-01", datetime(2026, 3, 1, tzinfo=UTC)),
        (" 2026-03-01t09:30z ", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        ("20260301T093000Z", datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),
        (datetime(2026, 3, 1, 9, 30), datetime(2026, 3, 1, 9, 30, tzinfo=UTC)),  # a spreadsheet cell
    ],
)
def test_timestamps_are_iso_8601_utc_by_default(text: object, expected: datetime) -> None:
    assert parse_timestamp(text) == to_us(expected)


@pytest.mark.parametrize("text", ["03/01/2026", "March 2026", "2026-03", "yesterday", "", None, 20260301, "2026-13-01"])
def test_anything_else_is_unreadable_never_guessed(text: object) -> None:
    with pytest.raises(TimestampError):
        parse_timestamp(text)


def test_iso_from_us_round_trips() -> None:
    assert iso_from_us(parse_timestamp("2026-03-01T09:30:00Z")) == "2026-03-01T09:30:00Z"
    assert iso_from_us(parse_timestamp("2026-03-01T09:30:00.5Z")) == "2026-03-01T09:30:00.500000Z"


# ---- idempotent by event_id ----------------------------------------------------------------------------


def test_import_stores_events_and_reports(book: Store) -> None:
    data = csv("e1,p1,email_open,2026-03-01T09:00:00Z,mailer,Opened “Spring offer”",
               "e2,p2,meeting,2026-03-02T15:00:00+01:00,,Demo")
    report = import_events(book, "events.csv", data, CFG)
    assert (report.rows, report.imported, report.duplicates, report.unknown_type, report.unknown_practice) == (
        2, 2, 0, 0, 0)
    assert report.unreadable == []
    assert stored(book) == [
        ("e1", "p1", "email_open", parse_timestamp("2026-03-01T09:00:00Z"), "mailer", "Opened “Spring offer”"),
        ("e2", "p2", "meeting", parse_timestamp("2026-03-02T14:00:00Z"), "events.csv", "Demo"),  # source: the file
    ]
    assert report.summary() == (
        "events.csv: 2 rows — imported 2, duplicates 0, unknown type 0, unknown practice 0, unreadable 0")


def test_reimporting_a_file_changes_nothing(book: Store) -> None:
    data = csv("e1,p1,email_open,2026-03-01T09:00:00Z,,", "e2,p2,meeting,2026-03-02T15:00:00Z,,")
    import_events(book, "events.csv", data, CFG)
    before, revision = stored(book), book.revision()
    again = import_events(book, "events.csv", data, CFG)
    assert (again.imported, again.duplicates) == (0, 2)
    assert stored(book) == before
    assert book.event_count() == 2
    assert book.revision() == revision + 1  # only the import's own record was written


def test_the_same_event_from_two_sources_is_one_event(book: Store) -> None:
    import_events(book, "crm.csv", csv("e1,p1,meeting,2026-03-01T09:00:00Z,crm,"), CFG)
    report = import_events(book, "web.jsonl", jsonl(
        {"event_id": "e1", "practice_id": "p1", "type": "meeting", "occurred_at": "2026-03-01T10:00:00+01:00",
         "source": "web"},
        {"event_id": "e9", "practice_id": "p1", "type": "page_view", "occurred_at": "2026-03-01T10:00:00Z"},
    ), CFG)
    assert (report.imported, report.duplicates) == (1, 1)
    assert [r[4] for r in stored(book)] == ["crm", "web.jsonl"]  # the first source's copy stays


def test_duplicates_within_a_file_count_once(book: Store) -> None:
    report = import_events(book, "e.csv", csv("e1,p1,meeting,2026-03-01T09:00:00Z,,",
                                              "e1,p1,meeting,2026-03-01T09:00:00Z,,"), CFG)
    assert (report.imported, report.duplicates) == (1, 1)


def test_events_without_an_id_get_one_from_practice_type_and_instant(book: Store) -> None:
    header = "practice_id,type,occurred_at\n"
    first = import_events(book, "a.csv", csv("p1,meeting,2026-03-01T09:00:00Z", "p1,meeting,2026-03-01T09:00:01Z",
                                             header=header), CFG)
    assert first.imported == 2
    # The same events written differently (zone spelled out, type in words) are the same events.
    second = import_events(book, "b.csv", csv("p1,Meeting,2026-03-01T10:00:00+01:00",
                                              "p1,meeting,2026-03-01T09:00:01", header=header), CFG)
    assert (second.imported, second.duplicates) == (0, 2)
    assert {r[0] for r in stored(book)} == {
        derive_event_id("p1", "meeting", parse_timestamp("2026-03-01T09:00:00Z")),
        derive_event_id("p1", "meeting", parse_timestamp("2026-03-01T09:00:01Z")),
    }


# ---- kept and reported ------------------------------------------------------------------------------------


def test_unknown_types_and_practices_are_kept_and_reported(book: Store) -> None:
    data = csv("e1,p1,webinar,2026-03-01T09:00:00Z,,", "e2,p1,Webinar,2026-03-01T10:00:00Z,,",
               "e3,stranger,meeting,2026-03-01T09:00:00Z,,", "e4,p2,Email Open,2026-03-01T09:00:00Z,,")
    report = import_events(book, "e.csv", data, CFG)
    assert (report.imported, report.unknown_type, report.unknown_practice) == (4, 2, 1)
    assert report.unknown_types == {"webinar": 2}
    assert report.unknown_practices == {"stranger": 1}
    assert {r[0]: r[2] for r in stored(book)} == {"e1": "webinar", "e2": "webinar", "e3": "meeting",
                                                   "e4": "email_open"}
    notes = " ".join(report.notes())
    assert "webinar (2)" in notes and "stranger (1)" in notes


# ---- unreadable rows: named, not stored -------------------------------------------------------------------


def test_unreadable_rows_name_row_and_field_and_the_rest_is_imported(book: Store) -> None:
    data = csv("e1,p1,meeting,2026-03-01T09:00:00Z,,",
               "e2,p1,meeting,03/01/2026,,",
               "e3,,meeting,2026-03-01T09:00:00Z,,",
               "e4,p1,,2026-03-01T09:00:00Z,,",
               "e5,p1,meeting,,,",
               ",,,,,",  # an empty row is not an event
               "e6,p2,page_view,2026-03-01T09:00:00Z,,")
    report = import_events(book, "e.csv", data, CFG)
    assert report.imported == 2 and report.rows == 6
    assert [(row, name) for row, name, _ in report.unreadable] == [
        (3, "occurred_at"), (4, "practice_id"), (5, "type"), (6, "occurred_at")]
    assert "'03/01/2026' is not an ISO 8601 time" in report.problem_lines()[0]
    assert report.problem_lines()[0].startswith("row 3: occurred_at ")
    assert {r[0] for r in stored(book)} == {"e1", "e6"}


def test_json_lines_name_the_line(book: Store) -> None:
    data = jsonl(
        {"event_id": "e1", "practice_id": "p1", "type": "meeting", "occurred_at": "2026-03-01T09:00:00Z"},
        "",
        '["not", "an", "object"]',
        {"event_id": "e2", "practice_id": 1001, "type": "meeting", "occurred_at": "2026-03-01"},
        {"event_id": "e3", "practice_id": "p1", "type": "meeting", "occurred_at": "tomorrow"},
    )
    report = import_events(book, "e.jsonl", data, CFG)
    assert report.row_word == "line"
    assert [(line, name) for line, name, _ in report.unreadable] == [(3, "line"), (5, "occurred_at")]
    assert {r[0]: r[1] for r in stored(book)} == {"e1": "p1", "e2": "1001"}


def test_xlsx_events_with_date_cells_and_number_ids(book: Store) -> None:
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["event_id", "practice_id", "type", "occurred_at", "detail"])
    ws.append([1001, "p1", "download", datetime(2026, 3, 1, 9, 30), "Guide"])
    ws.append(["e2", "p2", "signup", "2026-03-02T08:00:00-05:00", None])
    ws.append(["e3", "p2", "signup", 45000, None])  # a bare number is not a time
    buffer = io.BytesIO()
    wb.save(buffer)
    report = import_events(book, "events.xlsx", buffer.getvalue(), CFG)
    assert report.imported == 2
    assert report.unreadable == [(4, "occurred_at", "45000 is not an ISO 8601 time (e.g. 2026-03-01T09:30:00Z)")]
    rows = {r[0]: r for r in stored(book)}
    assert rows["1001"][3] == parse_timestamp("2026-03-01T09:30:00Z")
    assert rows["e2"][3] == parse_timestamp("2026-03-02T13:00:00Z")


# ---- unusable files: one sentence, nothing stored --------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "data", "message"),
    [
        ("e.csv", b"event_id,practice_id,occurred_at\ne1,p1,2026-03-01\n", "no type column in the header row"),
        ("e.csv", b"", "the file is empty"),
        ("e.csv", b"practice_id,type,occurred_at\n", "has a header but no rows"),
        ("e.txt", b"whatever", "unsupported events file type .txt"),
        ("e.jsonl", b'{"practice_id": "p1", "type": "meeting", "occurred_at": "2026-03-01"}\n{oops\n',
         "e.jsonl:2: line 2 is not valid JSON"),
        ("e.jsonl", b"\n\n", "holds no events"),
        ("e.jsonl", b'{"name": "a practice, not an event"}\n', "no line holds an event object"),
        ("e.xlsx", b"not a workbook", "not a readable XLSX workbook"),
    ],
)
def test_unusable_files_are_one_sentence_and_store_nothing(book: Store, name: str, data: bytes, message: str) -> None:
    revision = book.revision()
    with pytest.raises(InputError, match=message):
        import_events(book, name, data, CFG)
    assert book.event_count() == 0 and book.revision() == revision


def test_prepare_does_not_touch_the_store() -> None:
    prepared = prepare_events("e.csv", csv("e1,p1,meeting,2026-03-01T09:00:00Z,,"))
    assert [r[0] for r in prepared.rows] == ["e1"]


# ---- the log in the store ------------------------------------------------------------------------------------


def test_events_frame_is_what_the_engine_reads(book: Store) -> None:
    import_events(book, "e.csv", csv("e2,p2,meeting,2026-03-01T09:00:00Z,,", "e1,p1,page_view,2026-03-02,,"), CFG)
    frame = book.events_frame()
    assert list(frame.columns) == ["practice_id", "type", "occurred_us"]
    assert frame["practice_id"].dtype == "category" and str(frame["occurred_us"].dtype) == "int64"
    assert frame["practice_id"].astype(str).tolist() == ["p1", "p2"]  # the log's order: by event id
    assert book.practice_events("p1")["type"].tolist() == ["page_view"]


def test_an_empty_log_reads_as_an_empty_table(store: Store) -> None:
    frame = store.events_frame()
    assert frame.empty and list(frame.columns) == ["practice_id", "type", "occurred_us"]


def test_imports_are_logged(book: Store) -> None:
    import_events(book, "e.csv", csv("e1,p1,meeting,2026-03-01T09:00:00Z,,", "e2,x,meeting,nope,,"), CFG)
    log = book.event_imports().iloc[0]
    assert (log["source"], log["name"], log["rows"], log["imported"], log["unreadable"], log["unknown_practice"]) == (
        "file", "e.csv", 2, 1, 1, 0)


def test_clear_book_forgets_events_and_engagement_history(book: Store) -> None:
    import_events(book, "e.csv", csv("e1,p1,meeting,2026-03-01T09:00:00Z,,"), CFG)
    book.save_engagement_snapshot([("p1", "2026-03-01", 25, 3, 1, "low", "A3", "Start outreach", "default",
                                    "2026-03-01T10:00:00Z", "daily")])
    book.clear_book()
    assert book.event_count() == 0
    assert book.query("SELECT COUNT(*) FROM engagement_snapshots")[0][0] == 0


# ---- big files: read and written a piece at a time, still all or nothing -----------------------------


@pytest.fixture
def small_pieces(monkeypatch: pytest.MonkeyPatch) -> None:
    import data.events.importer as importer

    monkeypatch.setattr(importer, "CHUNK_BYTES", 150)  # a couple of lines per parsed piece
    monkeypatch.setattr(importer, "CHUNK_ROWS", 2)  # two events per written chunk


def event_line(i: int, when: str = "2026-03-01T09:00:00Z") -> dict:
    return {"event_id": f"e{i:03d}", "practice_id": "p1", "type": "page_view", "occurred_at": when}


def test_pieces_keep_line_numbers_and_duplicates_across_them(book: Store, small_pieces: None) -> None:
    lines: list[dict | str] = [event_line(i) for i in range(12)]
    lines[5] = ""  # a blank line
    lines[9] = event_line(9, when="soon")
    lines.append(event_line(0))  # a duplicate of line 1, many pieces later
    report = import_events(book, "e.jsonl", jsonl(*lines), CFG)
    assert [(line, name) for line, name, _ in report.unreadable] == [(10, "occurred_at")]
    assert (report.rows, report.imported, report.duplicates) == (12, 10, 1)
    assert book.event_count() == 10
    log = book.event_imports().iloc[0]
    assert (log["rows"], log["imported"], log["duplicates"], log["unreadable"]) == (12, 10, 1, 1)


def test_a_broken_line_far_into_a_big_file_stores_nothing(book: Store, small_pieces: None) -> None:
    data = jsonl(*[event_line(i) for i in range(30)], "{not json")
    with pytest.raises(InputError, match=r"e.jsonl:31: line 31 is not valid JSON"):
        import_events(book, "e.jsonl", data, CFG)
    assert book.event_count() == 0  # earlier pieces had been written inside the transaction: rolled back
    assert book.event_imports().empty


def test_many_chunks_written_while_the_next_are_read(store: Store, monkeypatch: pytest.MonkeyPatch) -> None:
    # Reading the next chunk overlaps writing this one: hundreds of hand-overs, then two re-imports.
    import data.events.importer as importer

    monkeypatch.setattr(importer, "CHUNK_ROWS", 40)
    data = jsonl(*[{"event_id": f"e{i:06d}", "practice_id": f"p{i % 7}", "type": "email_open",
                    "occurred_at": f"2026-03-01T09:{i % 60:02d}:00Z"} for i in range(20_000)])
    for attempt in range(3):
        report = import_events(store, "e.jsonl", data, CFG)
        assert report.imported == (20_000 if attempt == 0 else 0)
        assert report.duplicates == (0 if attempt == 0 else 20_000)
    assert store.event_count() == 20_000


def test_an_upload_over_the_apps_limit_is_one_sentence(monkeypatch: pytest.MonkeyPatch) -> None:
    import data.files.limits as limits
    from data.events.importer import prepare_upload

    monkeypatch.setattr(limits, "MAX_UPLOAD_BYTES", 100)
    small = csv("e1,p1,meeting,2026-03-01T09:00:00Z,crm,")
    assert len(prepare_upload("ok.csv", small).rows) == 1
    big = csv(*[f"e{i},p1,meeting,2026-03-01T09:00:00Z,crm," for i in range(5)])
    with pytest.raises(InputError, match=r"^big.csv: 0.0 MiB; the app imports events files up to 0 MiB \(use "
                                         r"`leadscore events import` for bigger ones, or split the file\)$"):
        prepare_upload("big.csv", big)
