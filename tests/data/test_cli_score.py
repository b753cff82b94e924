"""`leadscore score INPUT [-o OUTPUT] [--config FILE]`: every format, every bad input."""

from __future__ import annotations

import json
from pathlib import Path

import openpyxl
import orjson
import pandas as pd
import pytest
from click.testing import CliRunner

from data.cli import main
from scoring.engine import score_record
from scoring.features import record_from_flat_row
from scoring.fields import FLAT_COLUMNS
from tests.scoring.records import full_record


def run(*args: str) -> object:
    return CliRunner().invoke(main, list(args), catch_exceptions=False)


def records() -> list[dict]:
    return [
        full_record("a"),
        full_record("b", enrichment_confidence="low", enrichment_data__vet_count="five"),
        {"no": "practice id"},
        full_record("c", enrichment_data=None),
    ]


def flat_rows() -> list[dict]:
    return [
        {
            "practice_id": "f1",
            "name": "Flat One",
            "rating": "4.5",
            "reviews_count": "45",
            "website": "https://x",
            "enrichment_status": "Completed",
            "enrichment_confidence": "high",
            "vet_count": "6",
            "phone_numbers": "555-0100; 555-0101",
            "emr_system": "Cornerstone",
            "decision_maker_name": "Dr. A",
            "crm_owner": "keep me",
        },
        {
            "practice_id": "f2",
            "name": '=HYPERLINK("http://evil","x")',
            "rating": "7.3",
            "enrichment_status": "Not Started",
            "crm_owner": "+cmd|' /C calc'!A0",
        },
        {"practice_id": "", "name": "No id", "crm_owner": "-2+3"},
    ]


def expected_lines(raws: list) -> list[tuple]:
    outs = [score_record(r).model_dump(mode="json") for r in raws]
    return [
        (
            o["practice_id"],
            o["lead_score"],
            o["priority_tier"],
            o["confidence_flags"],
            o["scoring_status"],
            o["error_type"],
        )
        for o in outs
    ]


def key(outs: list[dict]) -> list[tuple]:
    return [
        (
            o["practice_id"],
            o["lead_score"],
            o["priority_tier"],
            o["confidence_flags"],
            o["scoring_status"],
            o["error_type"],
        )
        for o in outs
    ]


# ---- formats ------------------------------------------------------------------------------------


def test_jsonl_to_stdout_one_output_per_input_in_order(tmp_path: Path) -> None:
    source = tmp_path / "book.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(r) for r in records()) + b"\n\n")
    result = run("score", str(source))
    assert result.exit_code == 0
    lines = [json.loads(line) for line in result.stdout.splitlines()]
    assert key(lines) == expected_lines(records())
    assert lines[2]["error_type"] == "invalid_input" and lines[2]["lead_score"] is None
    assert "scored 3 · failed 1 (invalid_input 1)" in result.stderr


def test_json_list_to_jsonl_file(tmp_path: Path) -> None:
    source, out = tmp_path / "book.json", tmp_path / "scores.jsonl"
    source.write_text(json.dumps(records()))
    result = run("score", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    assert key([json.loads(line) for line in out.read_text().splitlines()]) == expected_lines(records())


@pytest.mark.parametrize("out_suffix", [".csv", ".xlsx"])
def test_csv_to_table_keeps_input_columns_and_neutralises_formulas(tmp_path: Path, out_suffix: str) -> None:
    source, out = tmp_path / "book.csv", tmp_path / f"scores{out_suffix}"
    pd.DataFrame(flat_rows()).to_csv(source, index=False)
    result = run("score", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    frame = (
        pd.read_csv(out, dtype=str, keep_default_na=False) if out_suffix == ".csv" else pd.read_excel(out, dtype=str)
    )
    assert list(frame.columns[:3]) == ["practice_id", "name", "rating"]
    assert "crm_owner" in frame.columns  # unknown columns survive
    assert {"lead_score", "priority_tier", "confidence_flags", "scoring_status", "score_breakdown"} <= set(frame)
    expected = expected_lines([record_from_flat_row(r) for r in flat_rows()])
    assert frame["priority_tier"].fillna("").tolist() == [e[2] or "" for e in expected]
    assert frame["scoring_status"].tolist() == ["Scored", "Scored", "Failed"]
    # cells a spreadsheet would run as formulas are text: CSV with OWASP's apostrophe, XLSX as text cells
    if out_suffix == ".csv":
        assert frame.loc[1, "name"].startswith("'=HYPERLINK")
        assert frame.loc[1, "crm_owner"].startswith("'+cmd")
        assert frame.loc[2, "crm_owner"] == "'-2+3"
    else:
        sheet = openpyxl.load_workbook(out).active
        cells = {c.value: c.data_type for row in sheet.iter_rows(min_row=2) for c in row if isinstance(c.value, str)}
        assert cells['=HYPERLINK("http://evil","x")'] == "s"  # a string cell, shown as written, never run
        assert cells["+cmd|' /C calc'!A0"] == "s" and cells["-2+3"] == "s"
        assert "f" not in cells.values()  # no live formula anywhere


def test_xlsx_input(tmp_path: Path) -> None:
    source, out = tmp_path / "book.xlsx", tmp_path / "scores.jsonl"
    frame = pd.DataFrame(flat_rows()[:2])
    frame["vet_count"] = [6, None]  # typed cells, as Excel stores them
    frame.to_excel(source, index=False)
    result = run("score", str(source), "-o", str(out))
    assert result.exit_code == 0, result.output
    lines = [json.loads(line) for line in out.read_text().splitlines()]
    assert [o["practice_id"] for o in lines] == ["f1", "f2"]
    assert lines[0]["lead_score"] == score_record(record_from_flat_row(flat_rows()[0])).lead_score


def test_jsonl_to_csv_flattens_records(tmp_path: Path) -> None:
    source, out = tmp_path / "book.jsonl", tmp_path / "scores.csv"
    source.write_bytes(b"\n".join(orjson.dumps(r) for r in records()))
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    frame = pd.read_csv(out, dtype=str, keep_default_na=False)
    assert list(frame.columns[: len(FLAT_COLUMNS)]) == list(FLAT_COLUMNS)
    assert frame["phone_numbers"].iloc[0].count(";") == 2


def test_config_file_changes_scores_and_is_recorded(tmp_path: Path) -> None:
    source, config = tmp_path / "book.jsonl", tmp_path / "cfg.toml"
    source.write_bytes(orjson.dumps(full_record("a", enrichment_confidence="medium")))
    config.write_text('version = "strict-2"\nhot_tier_min = 110\n[confidence_multipliers]\nmedium = 0.5\n')
    out = json.loads(run("score", str(source), "--config", str(config)).stdout)
    assert out["lead_score"] == 56 and out["priority_tier"] == "Warm"  # 112 × 0.5
    assert json.loads(out["score_breakdown"])["config_version"] == "strict-2"


def test_progress_bar_on_stderr_for_long_files(tmp_path: Path) -> None:
    source, out = tmp_path / "book.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(b"\n".join(orjson.dumps(full_record(f"p{i}")) for i in range(25_000)))
    result = run("score", str(source), "-o", str(out), "--progress")
    assert result.exit_code == 0
    assert "Scoring" in result.stderr and "practice" in result.stderr
    assert "scored 25,000" in result.stderr
    assert len(out.read_text().splitlines()) == 25_000


# ---- bad input ------------------------------------------------------------------------------------


def assert_clean_failure(result, *parts: str) -> None:  # type: ignore[no-untyped-def]
    assert result.exit_code == 2
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("leadscore: error: "), result.stderr
    for part in parts:
        assert part in lines[0]
    assert "Traceback" not in result.output


@pytest.mark.parametrize("suffix", [".jsonl", ".csv"])
def test_missing_file(tmp_path: Path, suffix: str) -> None:
    missing = tmp_path / f"nope{suffix}"
    assert_clean_failure(run("score", str(missing)), str(missing), "not found")


def test_wrong_extension(tmp_path: Path) -> None:
    source = tmp_path / "book.txt"
    source.write_text("practice_id\n1\n")
    assert_clean_failure(run("score", str(source)), "book.txt", "unsupported input type .txt")
    good = tmp_path / "book.jsonl"
    good.write_bytes(orjson.dumps(full_record()))
    assert_clean_failure(run("score", str(good), "-o", str(tmp_path / "out.pdf")), "out.pdf", "unsupported output")
    assert not (tmp_path / "out.pdf").exists()


def test_csv_without_practice_id_column(tmp_path: Path) -> None:
    source, out = tmp_path / "book.csv", tmp_path / "out.csv"
    source.write_text("name,rating\nA,4.5\n")
    assert_clean_failure(run("score", str(source), "-o", str(out)), "book.csv", "no practice_id column")
    assert not out.exists() and list(tmp_path.iterdir()) == [source]


def test_broken_json_line_names_the_line_and_leaves_no_output(tmp_path: Path) -> None:
    source, out = tmp_path / "book.jsonl", tmp_path / "out.jsonl"
    lines = [orjson.dumps(full_record(f"p{i}")) for i in range(5)]
    lines.insert(3, b'{"practice_id": "x", "google_maps_data": {')
    source.write_bytes(b"\n".join(lines))
    assert_clean_failure(run("score", str(source), "-o", str(out)), f"{source}:4", "line 4 is not valid JSON")
    assert not out.exists()
    assert sorted(p.name for p in tmp_path.iterdir()) == ["book.jsonl"]  # no temporary leftovers either


def test_ragged_csv_names_the_line(tmp_path: Path) -> None:
    source = tmp_path / "book.csv"
    source.write_text("practice_id,name\n1,A\n2,B,extra,cells\n")
    assert_clean_failure(run("score", str(source)), "book.csv", "line 3")


def test_unreadable_bytes_and_corrupt_workbooks(tmp_path: Path) -> None:
    csv = tmp_path / "latin.csv"
    csv.write_bytes("practice_id,name\n1,Caf\xe9\n".encode("latin-1"))
    assert_clean_failure(run("score", str(csv)), "latin.csv", "UTF-8")
    xlsx = tmp_path / "book.xlsx"
    xlsx.write_bytes(b"not a zip")
    assert_clean_failure(run("score", str(xlsx)), "book.xlsx", "XLSX")
    listing = tmp_path / "book.json"
    listing.write_text('{"practice_id": "a"}')
    assert_clean_failure(run("score", str(listing)), "book.json", "JSON array")


def test_bad_config_file_is_a_one_line_error(tmp_path: Path) -> None:
    source, config = tmp_path / "book.jsonl", tmp_path / "cfg.toml"
    source.write_bytes(orjson.dumps(full_record()))
    config.write_text("hot_tier_min = 40\nwarm_tier_min = 60\n")
    assert_clean_failure(run("score", str(source), "--config", str(config)), "warm_tier_min")


def test_rows_with_bad_values_are_scored_not_fatal(tmp_path: Path) -> None:
    source = tmp_path / "book.jsonl"
    rows = [full_record("ok"), full_record("bad", google_maps_data__rating=float("nan")), [1, 2], "text"]
    source.write_text("\n".join(json.dumps(r) for r in rows))  # json writes NaN, as some producers do
    result = run("score", str(source))
    assert result.exit_code == 0
    outs = [json.loads(line) for line in result.stdout.splitlines()]
    assert [o["scoring_status"] for o in outs] == ["Scored", "Scored", "Failed", "Failed"]
    assert "Data Validation Error" in outs[1]["confidence_flags"]


@pytest.mark.parametrize(
    ("line", "why"),
    [(b"[" * 5000 + b"]" * 5000, "depth"), (b'{"practice_id": "\\ud800", "google_maps_data": {}}', "surrogate")],
)
def test_lines_even_pythons_json_cannot_carry_are_one_line_errors(tmp_path: Path, line: bytes, why: str) -> None:
    source, out = tmp_path / "book.jsonl", tmp_path / "out.jsonl"
    source.write_bytes(orjson.dumps(full_record("ok")) + b"\n" + line + b"\n")
    assert_clean_failure(run("score", str(source), "-o", str(out)), f"{source}:2", why)
    assert not out.exists()


def test_headers_that_look_like_formulas_are_text_too(tmp_path: Path) -> None:
    source, out = tmp_path / "book.csv", tmp_path / "scores.xlsx"
    source.write_text('practice_id,"=HYPERLINK(""http://x"")"\np1,x\n')
    assert run("score", str(source), "-o", str(out)).exit_code == 0
    header = [(c.value, c.data_type) for c in next(openpyxl.load_workbook(out).active.iter_rows(max_row=1))]
    assert header[1] == ("=HYPERLINK(\"http://x\")", "s")  # text, with no visible apostrophe
    csv_out = tmp_path / "scores.csv"
    assert run("score", str(source), "-o", str(csv_out)).exit_code == 0
    assert csv_out.read_text().splitlines()[0].startswith("practice_id,\"'=HYPERLINK")


def test_an_output_path_we_cannot_write_is_one_line(tmp_path: Path) -> None:
    source = tmp_path / "book.jsonl"
    source.write_bytes(orjson.dumps(full_record()))
    blocked = tmp_path / "file-not-dir"
    blocked.write_text("x")
    assert_clean_failure(run("score", str(source), "-o", str(blocked / "out.jsonl")), "out.jsonl", "cannot write")


def test_output_files_get_ordinary_permissions(tmp_path: Path) -> None:
    import os
    import stat

    source, out = tmp_path / "book.jsonl", tmp_path / "out.csv"
    source.write_bytes(orjson.dumps(full_record()))
    old = os.umask(0o022)
    try:
        assert run("score", str(source), "-o", str(out)).exit_code == 0
    finally:
        os.umask(old)
    assert stat.S_IMODE(out.stat().st_mode) == 0o644
