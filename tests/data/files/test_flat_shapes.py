"""Issue 7 §1: flat files as teams have them — read right or refused clearly, by one reader serving
`leadscore score`, `leadscore import` and the Import page alike."""

from __future__ import annotations

from pathlib import Path

import pytest

from data.files import FileSource, read_book
from scoring.engine import score_record
from scoring.features import record_from_flat_row

from .helpers import all_three, refusals, xlsx_bytes

# A practice that scores Hot when read right (every column in its place).
HOT = {
    "practice_id": "P1",
    "name": "Harbor Pet Hospital",
    "rating": "4.8",
    "reviews_count": "212",
    "website": "https://harbor.example.com",
    "enrichment_status": "Completed",
    "enrichment_confidence": "high",
    "vet_count": "6",
    "phone_numbers": "(512) 555-0100; (512) 555-0101; (512) 555-0102",
    "emr_system": "Cornerstone",
    "has_online_booking": "true",
    "decision_maker_name": "Dr. Ana Ruiz",
}
COLD = {"practice_id": "P2", "name": "Cedar Lane Clinic", "rating": "3.9", "vet_count": "1"}


def expected(*rows: dict[str, str]) -> dict[str, tuple[int | None, str | None]]:
    outs = [score_record(record_from_flat_row(r)) for r in rows]
    return {o.practice_id: (o.lead_score, o.priority_tier) for o in outs}


def write_csv(path: Path, rows: list[dict[str, str]], sep: str = ",", *, end: str = "", header_end: str = "") -> Path:
    columns = list(HOT)
    lines = [sep.join(columns) + header_end]
    for row in rows:
        cells = [row.get(c, "") for c in columns]
        cells = [f'"{c}"' if sep in c or '"' in c else c for c in cells]
        lines.append(sep.join(cells) + end)
    path.write_text("\n".join(lines) + "\n")
    return path


def test_the_expected_scores_are_hot_and_cold() -> None:
    assert expected(HOT, COLD)["P1"][1] == "Hot" and expected(HOT, COLD)["P2"][1] == "Cold"


# ---- trailing separator on data rows only ---------------------------------------------------------


def test_issue_example_trailing_separator_never_shifts_columns(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_text("practice_id,name,vet_count\nP1,Harbor Pet Hospital,6,\n")
    book = read_book(source)
    assert book.frame is not None
    assert book.frame.iloc[0].tolist() == ["P1", "Harbor Pet Hospital", "6"]
    want = expected({"practice_id": "P1", "name": "Harbor Pet Hospital", "vet_count": "6"})
    assert all(got == want for got in all_three(source, tmp_path))


@pytest.mark.parametrize(
    ("sep", "end", "header_end"), [(",", ",", ""), (";", ";", ""), ("\t", "\t", ""), (",", ",", ",")]
)
def test_a_hot_practice_stays_hot_with_trailing_separators(
    tmp_path: Path, sep: str, end: str, header_end: str
) -> None:
    """The issue's Hot practice came out 4 Cold; on every row, with any separator, with or without one on
    the header too."""
    source = write_csv(tmp_path / "book.csv", [HOT, COLD], sep, end=end, header_end=header_end)
    assert all(got == expected(HOT, COLD) for got in all_three(source, tmp_path))


def test_trailing_separators_on_some_rows_only(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    columns = ",".join(HOT)
    hot = ",".join(f'"{v}"' if "," in v else v for v in HOT.values())
    cold = ",".join(COLD.get(c, "") for c in HOT)
    source.write_text(f"{columns}\n{hot},\n{cold}\n{hot.replace('P1', 'P3')},\n")
    third = dict(HOT, practice_id="P3")
    assert all(got == expected(HOT, COLD, third) for got in all_three(source, tmp_path))


@pytest.mark.parametrize(
    ("text", "line", "fields", "header"),
    [
        # A `;` file with a trailing `;` on every row; the second row's unquoted list `555-1;555-2` pushes
        # every later cell right, and its last columns were blank: two blank cells beyond the header.
        ("practice_id;name;phone;vet_count;status;owner\n"
         "P1;Harbor;555-0;6;New;Ann;\n"
         "P2;Pine;555-1;555-2;4;;;\n", 3, 8, 6),
        # the same with commas: an unquoted "Smith, DVM" in a file whose rows end in a separator
        ("practice_id,name,decision_maker,owner\nP1,Harbor,Jo,Ann,\nP2,Pine,Smith, DVM,,\n", 3, 6, 4),
    ],
)
def test_a_row_shifted_by_an_unquoted_separator_is_never_read_shifted(
    tmp_path: Path, text: str, line: int, fields: int, header: int
) -> None:
    """The tryout's `;` file: read shifted, the owner became "New" and last_contact "Tom Becker". More than
    one blank cell beyond the header is not a trailing separator: the row is ragged, named, refused."""
    source = tmp_path / "book.csv"
    source.write_text(text)
    for message in refusals(source):
        assert f"line {line} has {fields} fields but the header has {header}" in message


@pytest.mark.parametrize(
    ("body", "line", "fields"),
    [
        ("P1,Harbor,6\nP2,B,7,extra\n", 3, 4),  # a value beyond the header
        ("P1,Harbor,6\nP2,B\n", 3, 2),  # a row short of the header
        ('P1,"Harbor\nPet",6\nP2,B,7,8,9\n', 4, 5),  # line numbers count a quoted line break
    ],
)
def test_a_genuinely_ragged_row_is_one_line_naming_line_and_counts(
    tmp_path: Path, body: str, line: int, fields: int
) -> None:
    source = tmp_path / "book.csv"
    source.write_text("practice_id,name,vet_count\n" + body)
    for message in refusals(source):
        assert f"line {line} has {fields} fields but the header has 3" in message


def test_a_ragged_row_far_down_a_big_file_is_found(tmp_path: Path) -> None:
    """Arrow reads regular rows in blocks; the first irregular one hands over to the Python reader."""
    source = tmp_path / "book.csv"
    rows = [f"P{i},Clinic {i},{i % 9}" for i in range(60_000)]
    rows[45_000] += ",oops"
    source.write_text("practice_id,name,vet_count\n" + "\n".join(rows) + "\n")
    for message in refusals(source):
        assert "line 45002 has 4 fields but the header has 3" in message


# ---- separators ----------------------------------------------------------------------------------


def test_issue_example_semicolons_are_found_with_decimal_commas(tmp_path: Path) -> None:
    """European Excel: `;` between cells, `4,5` a decimal — never "no practice_id column (found:
    practice_id;name;…)"."""
    source = tmp_path / "book.csv"
    source.write_text(
        "practice_id;name;rating;reviews_count;website;vet_count;enrichment_status\n"
        'P1;"Harbor, Pet Hospital";4,5;40;https://h.example.com;6;Completed\n'
        "P2;Cedar;3,9;12;;2;Completed\n"
    )
    book = read_book(source)
    assert book.features.rating.tolist() == [4.5, 3.9]
    want = expected(
        {"practice_id": "P1", "name": "Harbor, Pet Hospital", "rating": "4.5", "reviews_count": "40",
         "website": "https://h.example.com", "vet_count": "6", "enrichment_status": "Completed"},
        {"practice_id": "P2", "name": "Cedar", "rating": "3.9", "reviews_count": "12", "vet_count": "2",
         "enrichment_status": "Completed"},
    )
    assert all(got == want for got in all_three(source, tmp_path))


@pytest.mark.parametrize("sep", [",", ";", "\t", "|"])
def test_every_separator_reads_the_same_book(tmp_path: Path, sep: str) -> None:
    source = write_csv(tmp_path / "book.csv", [HOT, COLD], sep)
    assert all(got == expected(HOT, COLD) for got in all_three(source, tmp_path))


def test_excels_sep_line_names_the_separator(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_text("sep=;\npractice_id;name;vet_count\nP1;Harbor, Pet;6\n")
    book = read_book(source)
    assert book.frame is not None and book.frame["name"].tolist() == ["Harbor, Pet"]
    assert book.rows.tolist() == [2]


@pytest.mark.parametrize(
    "header",
    ["practice_id:name:rating", "Practice ID;Name", "id,name,rating", "practice_id name rating"],
)
def test_a_missing_practice_id_column_is_never_listed_as_found(tmp_path: Path, header: str) -> None:
    source = tmp_path / "book.csv"
    source.write_text(header + "\nP1;x;4\n")
    for message in refusals(source):
        found = message.split("found", 1)[-1]
        assert "no practice_id column" in message
        assert "practice_id" not in [part.strip(" :(),“”") for part in found.split(",")]


# ---- blank rows ---------------------------------------------------------------------------------


def test_blank_rows_are_not_records_and_rows_keep_their_numbers(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_text("practice_id,name,vet_count\nP1,Harbor,6\n,,\n   ,  ,\n\nP2,Cedar,2\n , \t, \n")
    book = read_book(source)
    assert book.features.practice_id.tolist() == ["P1", "P2"]
    assert book.rows.tolist() == [2, 6]  # as a spreadsheet numbers them
    results = all_three(source, tmp_path)
    assert all(set(r) == {"P1", "P2"} for r in results)  # no Failed records for blank rows


def test_blank_xlsx_rows_are_not_records(tmp_path: Path) -> None:
    source = tmp_path / "book.xlsx"
    source.write_bytes(
        xlsx_bytes([["practice_id", "name", "vet_count"], ["P1", "Harbor", 6], [None, "  ", None], ["P2", "Cedar", 2]])
    )
    book = read_book(source)
    assert book.features.practice_id.tolist() == ["P1", "P2"] and book.rows.tolist() == [2, 4]
    assert all(set(r) == {"P1", "P2"} for r in all_three(source, tmp_path))


# ---- number cells in text or list columns (XLSX) ---------------------------------------------------


def test_issue_example_number_cells_are_the_text_they_display(tmp_path: Path) -> None:
    """A phone-number column holding 5552010001 as a number: call volume 10, not "Input should be a valid
    list"; a numeric practice id is 1001, never 1001.0."""
    source = tmp_path / "book.xlsx"
    source.write_bytes(
        xlsx_bytes(
            [
                ["practice_id", "name", "vet_count", "phone_numbers", "enrichment_status"],
                [1001, "Harbor", 6, 5552010001, "Completed"],
                [1002.0, 42, 3, "5552010001; 5552010002", "Completed"],
            ]
        )
    )
    book = read_book(source)
    assert book.features.practice_id.tolist() == ["1001", "1002"]
    assert book.features.phone_count.tolist() == [1, 2]
    assert not book.features.issues  # no "valid list", no "valid string" for the name 42
    want = expected(
        {"practice_id": "1001", "name": "Harbor", "vet_count": "6", "phone_numbers": "5552010001",
         "enrichment_status": "Completed"},
        {"practice_id": "1002", "name": "42", "vet_count": "3", "phone_numbers": "5552010001; 5552010002",
         "enrichment_status": "Completed"},
    )
    assert want["1001"][0] is not None
    assert all(got == want for got in all_three(source, tmp_path))


def test_number_cells_elsewhere_keep_their_meaning(tmp_path: Path) -> None:
    """Ratings and counts stay numbers; dates, booleans and big numbers in text columns show as written."""
    from datetime import datetime

    source = tmp_path / "book.xlsx"
    source.write_bytes(
        xlsx_bytes(
            [
                ["practice_id", "rating", "reviews_count", "place_id", "decision_maker_name", "vet_count", "crm_rank"],
                ["P1", 4.5, 120, 123456789012345, True, 6, 7],
                ["P2", 4, 3.0, datetime(2024, 3, 12), 1.5, 2, 8.25],
            ]
        )
    )
    book = read_book(source)
    frame = book.frame
    assert frame is not None
    assert frame["place_id"].tolist() == ["123456789012345", "2024-03-12"]
    assert frame["decision_maker_name"].tolist() == ["TRUE", "1.5"]
    assert frame["rating"].tolist() == [4.5, 4] and frame["crm_rank"].tolist() == [7, 8.25]  # extras as they were
    assert book.features.reviews.tolist() == [120, 3] and book.features.rating.tolist() == [4.5, 4.0]


def test_phones_written_as_spreadsheet_numbers_in_csv_count_once(tmp_path: Path) -> None:
    """SPEC §3: a CSV written from a spreadsheet may say 5552010001.0; that is 5552010001."""
    source = tmp_path / "book.csv"
    source.write_text(
        "practice_id,vet_count,phone_numbers,enrichment_status\nP1,6,5552010001.0;5552010001;(555) 201-0001,Completed\n"
    )
    assert read_book(source).features.phone_count.tolist() == [1]
    for got in all_three(source, tmp_path):
        assert got["P1"] == expected({"practice_id": "P1", "vet_count": "6", "phone_numbers": "5552010001",
                                      "enrichment_status": "Completed"})["P1"]


# ---- the header ------------------------------------------------------------------------------------


@pytest.mark.parametrize("suffix", [".csv", ".xlsx"])
def test_a_repeated_column_name_is_a_duplicate(tmp_path: Path, suffix: str) -> None:
    """`name,name` was read as name and name.1, and the duplicate check never fired for CSV."""
    source = tmp_path / f"book{suffix}"
    rows = [["practice_id", "name", "vet_count", "name"], ["P1", "A", 6, "B"]]
    if suffix == ".csv":
        source.write_text("\n".join(",".join(map(str, r)) for r in rows) + "\n")
    else:
        source.write_bytes(xlsx_bytes(rows))
    for message in refusals(source):
        assert "duplicate column names in the header row: name" in message


def test_a_value_under_a_column_without_a_name_is_refused(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_text("practice_id,,name\nP1,,A\nP2,oops,B\n")
    for message in refusals(source):
        assert "row 3 has a value in column 2" in message
    fine = tmp_path / "spacer.csv"
    fine.write_text("practice_id,,name\nP1,,A\n")
    assert read_book(FileSource.of(fine)).frame.columns.tolist() == ["practice_id", "name"]  # type: ignore[union-attr]
