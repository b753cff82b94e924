"""The fast JSONL paths (Arrow reader, column-wise output assembly) write exactly what the
single-practice path gives, byte for byte, and fall back whenever Arrow could read a file differently."""

from __future__ import annotations

import json
import math
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pytest
from click.testing import CliRunner
from hypothesis import given
from hypothesis import strategies as st

import data.files.batch as batch
from data.cli import main
from data.files.readers import parse_jsonl
from scoring.config import ScoringConfig
from scoring.engine import book_outputs, score_record
from scoring.fast_outputs import render_jsonl
from scoring.fast_records import table_from_jsonl
from scoring.features import FeatureTable

from .records import full_record
from .strategies import CONFIGS, flat_rows
from .strategies import records as mixed_records

NOW = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)


# ---- references -----------------------------------------------------------------------------------


def jsonl(records: list[Any], *, ascii_only: bool = False) -> bytes:
    """One JSON text per line (the stdlib writes integers of any size, and \\u escapes if asked).

    NaN and infinities are written as null, as orjson would: JSON has no literal for them.
    """
    return b"".join(
        json.dumps(_finite(r), ensure_ascii=ascii_only, allow_nan=False).encode() + b"\n" for r in records
    )


def _finite(value: Any) -> Any:
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {k: _finite(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(v) for v in value]
    return value


def single_path(data: bytes, cfg: ScoringConfig) -> bytes:
    """Every non-blank line scored on its own by score_record, as the CLI writes it."""
    out = []
    for line in data.split(b"\n"):
        if not line.strip():
            continue
        dumped = score_record(orjson.loads(line), cfg, now=NOW).model_dump(mode="json")
        dumped["scoring_duration_ms"] = 0
        out.append(orjson.dumps(dumped) + b"\n")
    return b"".join(out)


def rendered(table: FeatureTable, cfg: ScoringConfig, chunk_rows: int = 7) -> bytes:
    # Small chunks, so chunk boundaries are exercised too.
    return b"".join(bytes(part.body) for part in render_jsonl(table, cfg, now=NOW, chunk_rows=chunk_rows))


# ---- strategies: batches whose every field has one JSON type (what Arrow accepts) ------------------

MISSING = object()

tricky_text = st.one_of(
    st.text(max_size=12),
    st.sampled_from(
        [
            "",
            "   ",
            " padded ",
            'Dr. "Doc" O\'Neil',
            "back\\slash",
            '\\"',
            "Zoë Ünal-Ørsted",
            "李医生",
            "\u2003em space\u2003",
            "\x1cfile sep",
            "tab\there",
            "new\nline",
            "emoji 🐾",
            "\u00a0",
            "ends with \\",
        ]
    ),
)
emr_names = st.one_of(
    tricky_text,
    st.sampled_from(["Cornerstone", "IDEXX Neo", "avimark", "eVetPractice", "ezyVet", " Shepherd "]),
    st.integers(300, 2500).map(lambda n: "Cornerstone " + "x" * n),  # forces the 2,000-character fit
)
long_names = st.one_of(
    st.integers(500, 2200).map(lambda n: 'Dr. "' + "é" * n + '"'),
    st.integers(250, 1100).map(lambda n: "Dr. " + "🐾" * n),  # beyond U+FFFF: two UTF-16 units each
)
phone_items = st.sampled_from(
    [
        *("(555) 123-4567", "555-123-4567", "555 000 1111", "ext.", "", "+1 555 222 3333", "١٢٣", "5551234567"),
        *("5551234567.0", "5550001111.0", "555-123-4567.0", "5551234567.00", " 5551234567.0", ".0", "١٢٣.0"),
    ]
)
# Per field, the JSON types a batch may use for it; one is drawn per batch.
NUMBER_PLANS: dict[str, dict[str, st.SearchStrategy[Any]]] = {
    "int": {
        "count": st.one_of(st.integers(-3, 40), st.sampled_from([10**6, 2**63 + 5, 10**20])),
        "rating": st.integers(-1, 7),
        "flag": st.sampled_from([0, 1, 2, -1]),
    },
    "float": {
        "count": st.one_of(
            st.integers(0, 30).map(float), st.sampled_from([2.5, -1.0, 1e20, 7.0, -0.0, 1e-300])
        ),
        "rating": st.one_of(
            st.floats(-1, 6, allow_nan=False), st.sampled_from([4.0, 4.5, 5.0, 3.99, -0.0, 7.3])
        ),
        "flag": st.sampled_from([0.0, 1.0, 0.5, 2.0]),
    },
    "mixed number": {
        "count": st.one_of(st.integers(-3, 40), st.sampled_from([5.0, 2.5, 12.0])),
        "rating": st.one_of(st.integers(0, 6), st.floats(-1, 6, allow_nan=False)),
        "flag": st.sampled_from([0, 1, 1.0, 0.0, 0.5]),
    },
    "text": {
        "count": st.one_of(
            st.integers(0, 400).map(str), st.sampled_from(["five", "", " 7 ", "5.5", "1_0", "5.0"])
        ),
        "rating": st.sampled_from(["4.5", "5", "nan", "inf", "x", " 4 ", "-0"]),
        "flag": st.sampled_from(["yes", "no", "true", "False", "maybe", "", "on", "1"]),
    },
    "bool": {
        "count": st.booleans(),
        "rating": st.booleans(),
        "flag": st.booleans(),
    },
}
NUMERIC_FIELDS = {
    "rating": "rating",
    "reviews_count": "count",
    "has_multiple_locations": "flag",
    "vet_count": "count",
    "has_online_booking": "flag",
    "has_telemedicine": "flag",
}


def _maybe(draw: st.DrawFn, strategy: st.SearchStrategy[Any], present: float = 0.8) -> Any:
    roll = draw(st.integers(0, 9))
    if roll >= present * 10:
        return MISSING if roll % 2 else None
    return draw(strategy)


def _put(target: dict[str, Any], key: str, value: Any) -> None:
    if value is not MISSING:
        target[key] = value


@st.composite
def uniform_batches(draw: st.DrawFn) -> list[dict[str, Any]]:
    """Records whose fields keep one JSON type across the batch (nulls and missing keys anywhere)."""
    plans = {field: draw(st.sampled_from(sorted(NUMBER_PLANS))) for field in NUMERIC_FIELDS}

    def number(field: str) -> st.SearchStrategy[Any]:
        return NUMBER_PLANS[plans[field]][NUMERIC_FIELDS[field]]

    lists = st.lists(phone_items, max_size=5)
    null_items = draw(st.booleans())
    if null_items:  # a list with a null item is invalid (the row is re-read by orjson)
        lists = st.lists(st.one_of(phone_items, st.none()), max_size=4)
    extra_kind = draw(st.sampled_from(["none", "int", "text", "object"]))
    batch_records = []
    for _ in range(draw(st.integers(1, 12))):
        rec: dict[str, Any] = {}
        _put(rec, "practice_id", _maybe(draw, st.one_of(tricky_text, st.sampled_from(["p-1", "p-2"])), 0.9))
        gm: dict[str, Any] = {}
        for key in ("name", "address", "phone", "place_id"):
            _put(gm, key, _maybe(draw, tricky_text, 0.5))
        _put(gm, "website", _maybe(draw, st.one_of(tricky_text, st.just("https://vet.example.com"))))
        for key in ("rating", "reviews_count", "has_multiple_locations"):
            _put(gm, key, _maybe(draw, number(key)))
        _put(rec, "google_maps_data", _maybe(draw, st.just(gm), 0.9))
        _put(
            rec,
            "enrichment_status",
            _maybe(draw, st.sampled_from(["Completed", "Partial", "Failed", "Not Started", "partial", "Done"])),
        )
        _put(
            rec,
            "enrichment_confidence",
            _maybe(draw, st.sampled_from(["high", "medium", "low", "LOW", " Medium ", "certain"])),
        )
        _put(rec, "triggered_by", _maybe(draw, st.sampled_from(["auto", "manual", "rescore", "cron"]), 0.3))
        _put(
            rec,
            "trigger_timestamp",
            _maybe(draw, st.sampled_from(["2025-11-04T10:00:00Z", "2025-11-04", "soon"]), 0.3),
        )
        en: dict[str, Any] = {}
        for key in ("vet_count", "has_online_booking", "has_telemedicine"):
            _put(en, key, _maybe(draw, number(key)))
        _put(en, "vet_count_confidence", _maybe(draw, st.sampled_from(["high", "low", "unsure"]), 0.4))
        _put(en, "phone_numbers", _maybe(draw, lists))
        _put(en, "email_addresses", _maybe(draw, lists, 0.4))
        _put(en, "technologies", _maybe(draw, lists, 0.6))
        _put(en, "emr_system", _maybe(draw, emr_names))
        dm: dict[str, Any] = {}
        _put(dm, "name", _maybe(draw, st.one_of(tricky_text, long_names, st.just("Dr. Ana Ruiz"))))
        _put(dm, "title", _maybe(draw, st.one_of(tricky_text, st.just("Owner"))))
        _put(dm, "linkedin", _maybe(draw, tricky_text, 0.3))
        _put(en, "decision_maker", _maybe(draw, st.just(dm), 0.7))
        _put(
            en,
            "extraction_timestamp",
            _maybe(draw, st.sampled_from(["2025-11-04T10:00:00Z", "2025-11-04 10:00", "yesterday"]), 0.4),
        )
        _put(en, "extraction_method", _maybe(draw, st.sampled_from(["llm", "structured"]), 0.3))
        _put(rec, "enrichment_data", _maybe(draw, st.just(en), 0.7))
        if extra_kind == "int":
            _put(rec, "source_rank", _maybe(draw, st.integers(-5, 5)))
        elif extra_kind == "text":
            _put(rec, "notes", _maybe(draw, tricky_text))
        elif extra_kind == "object":
            _put(rec, "meta", _maybe(draw, st.fixed_dictionaries({"seen": st.booleans()})))
        batch_records.append(rec)
    return batch_records


# ---- (a) batches Arrow accepts -------------------------------------------------------------------


@given(uniform_batches(), CONFIGS, st.booleans())
def test_fast_path_matches_single_record_path(
    records: list[dict[str, Any]], cfg: ScoringConfig, ascii_only: bool
) -> None:
    data = jsonl(records, ascii_only=ascii_only)
    table = table_from_jsonl(data)
    assert table is not None, "a uniform-typed batch must take the Arrow path"
    assert rendered(table, cfg) == single_path(data, cfg)


@given(uniform_batches(), CONFIGS)
def test_fast_outputs_match_for_the_orjson_loader_too(records: list[dict[str, Any]], cfg: ScoringConfig) -> None:
    data = jsonl(records)
    table = FeatureTable.from_records([orjson.loads(line) for line in data.splitlines()])
    assert rendered(table, cfg, chunk_rows=5) == single_path(data, cfg)


@given(st.lists(mixed_records, min_size=1, max_size=8), CONFIGS)
def test_any_batch_matches_single_record_path(records: list[Any], cfg: ScoringConfig) -> None:
    """Whatever the records, whichever loader is used, the outputs are the single path's."""
    data = jsonl(records)
    table = table_from_jsonl(data)
    if table is None:
        table = FeatureTable.from_records([orjson.loads(line) for line in data.splitlines()])
    assert rendered(table, cfg) == single_path(data, cfg)


@given(st.lists(flat_rows, min_size=1, max_size=8), CONFIGS)
def test_fast_outputs_match_book_outputs_for_flat_files(rows: list[dict[str, Any]], cfg: ScoringConfig) -> None:
    """CSV/XLSX books written as JSON Lines take the column-wise renderer too."""
    table = FeatureTable.from_frame(pd.DataFrame(rows, dtype=object))
    expected = b"".join(orjson.dumps(out) + b"\n" for out in book_outputs(table, cfg, now=NOW))
    assert rendered(table, cfg, chunk_rows=3) == expected


def test_breakdown_fit_and_escaping_rows_agree() -> None:
    records = [
        full_record("p-long-emr", enrichment_data__emr_system="Cornerstone " + "y" * 2100),
        full_record('p-"quoted"\\', enrichment_data__decision_maker={"name": 'A "B" \\ C', "title": "Ü"}),
        full_record("p-long-dm", enrichment_data__decision_maker={"name": "é" * 1900, "title": "Owner"}),
        full_record("p-ctrl\u0007", enrichment_data__decision_maker={"name": "tab\tname", "title": None}),
        full_record("p-ok"),
    ]
    data = jsonl(records)
    table = table_from_jsonl(data)
    assert table is not None
    out = rendered(table, ScoringConfig())
    assert out == single_path(data, ScoringConfig())
    for line in out.splitlines():
        assert len(orjson.loads(line)["score_breakdown"]) <= 2000


def test_breakdown_limit_around_2000_with_astral_characters() -> None:
    """Names of characters beyond U+FFFF near the limit: fast rows and fitted rows both agree."""
    records = [
        full_record(f"p-{k}", enrichment_data__decision_maker={"name": "🐾" * k + "x" * extra, "title": "Owner"})
        for k in range(700, 1400, 23)
        for extra in (0, 1, 2)
    ]
    data = jsonl(records)
    table = table_from_jsonl(data)
    assert table is not None
    assert rendered(table, ScoringConfig(), chunk_rows=64) == single_path(data, ScoringConfig())


def test_a_layout_drift_falls_back_to_the_record_path(monkeypatch: pytest.MonkeyPatch) -> None:
    """If the pieces stop adding up to the per-practice text, outputs stay right (only slower)."""
    import scoring.fast_outputs as fast_outputs

    monkeypatch.setattr(fast_outputs, "_CHECKED", {})
    monkeypatch.setattr(fast_outputs, "tail_json", lambda version, full: ',"config_version":"drifted"}')
    data = jsonl(_book(30))
    table = table_from_jsonl(data)
    assert table is not None
    with pytest.warns(RuntimeWarning, match="breakdown layout"):
        out = rendered(table, ScoringConfig())
    assert out == single_path(data, ScoringConfig())


# ---- (b) batches that must fall back to orjson ---------------------------------------------------

# Lines no batch of uniform_batches() can share a schema with: Arrow must refuse the file.
POISON_LINES = [
    b'{"practice_id": 17, "google_maps_data": {}}',  # an integer id where the others are text
    b'{"practice_id": "x", "google_maps_data": "not an object"}',
    b'{"practice_id": "x", "google_maps_data": {}, "enrichment_data": {"phone_numbers": "555-1234"}}',
    b'{"practice_id": "x", "google_maps_data": {}, "enrichment_data": {"decision_maker": "Dr. Who"}}',
    b'{"practice_id": "x", "google_maps_data": {}, "enrichment_data": {"emr_system": 5}}',
    b'{"practice_id": "x", "practice_id": "y", "google_maps_data": {}}',  # duplicate key: last wins
    b"[1, 2]",
    b"7",
    b'"text"',
    b'{"practice_id": "x", "google_maps_data": {}, "junk": [1, "a"]}',
]
# Lines Arrow may or may not read with the rest (depending on the batch); if it does, their rows are
# re-read by orjson.
MAYBE_POISON_LINES = [
    b'{"practice_id": "x", "google_maps_data": {"rating": "4.5"}, "enrichment_data": {"vet_count": [3]}}',
    b'{"practice_id": "x", "google_maps_data": {"reviews_count": 18446744073709551615}}',
    b'{"practice_id": " x", "google_maps_data": {"rating": 9.5}, "enrichment_data": {"technologies": [null]}}',
]


@given(uniform_batches(), st.sampled_from(POISON_LINES + MAYBE_POISON_LINES), st.integers(0, 12), CONFIGS)
def test_mixed_batches_fall_back_and_still_match(
    records: list[dict[str, Any]], poison: bytes, position: int, cfg: ScoringConfig
) -> None:
    lines = jsonl(records).splitlines()
    lines.insert(min(position, len(lines)), poison)
    data = b"\n".join(lines) + b"\n"
    table = table_from_jsonl(data)
    if poison in POISON_LINES:
        assert table is None, "Arrow must not decide a batch with mixed types"
    if table is None:
        table = FeatureTable.from_records(parse_jsonl(data, Path("book.jsonl")))
    assert rendered(table, cfg) == single_path(data, cfg)


@pytest.mark.parametrize(
    "data",
    [
        b'{"practice_id": "a", "google_maps_data": {"rating": NaN}}\n',
        b'{"practice_id": "a", "google_maps_data": {"rating": Infinity}}\n',
        b'\xef\xbb\xbf{"practice_id": "a", "google_maps_data": {}}\n',
        b'{"practice_id": "a", "google_maps_data": {}} {"practice_id": "b", "google_maps_data": {}}\n',
        b'{"practice_id": "a", "google_maps_data": {}}\r{"practice_id": "b", "google_maps_data": {}}\n',
        b'{"practice_id": "a",\n"google_maps_data": {}}\n',
        b'{"practice_id": "a", "google_maps_data": {"name": "\xff"}}\n',
        b'{"practice_id": "a", "google_maps_data": {}}\n\x0c\n',
        b'{"practice_id": "a", "google_maps_data": {}, "deep": ' + b'{"x": ' * 1100 + b"1" + b"}" * 1101 + b"\n",
        b"null\n",
        b"",
        b"\n\n",
    ],
)
def test_files_arrow_could_misread_are_refused(data: bytes) -> None:
    assert table_from_jsonl(data) is None


def test_blank_lines_whitespace_and_crlf_take_the_fast_path() -> None:
    a, b = orjson.dumps(full_record("a")), orjson.dumps(full_record("b", enrichment_data=None))
    data = b"\n" + a + b"\r\n\n   \n  " + b + b" \t\r\n\n"
    table = table_from_jsonl(data)
    assert table is not None and len(table) == 2
    assert rendered(table, ScoringConfig()) == single_path(data, ScoringConfig())


# ---- the CLI --------------------------------------------------------------------------------------


def _write(data: bytes, name: str = "book.jsonl") -> Path:
    path = Path(name)
    path.write_bytes(data)
    return path


@pytest.fixture
def in_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setattr(batch, "utc_now", lambda: NOW)
    return tmp_path


def _cli(*args: str) -> Any:
    return CliRunner().invoke(main, ["score", *args, "--no-progress", "-q"])


def _book(n: int) -> list[dict[str, Any]]:
    out = []
    for i in range(n):
        rec = full_record(f"p-{i}", enrichment_data__vet_count=i % 13, google_maps_data__reviews_count=i * 7)
        if i % 5 == 0:
            rec["enrichment_data"] = None
        if i % 7 == 0:  # invalid, but still an integer like the others: Arrow reads the file
            rec["enrichment_data"] = {**(rec["enrichment_data"] or {}), "vet_count": -1}
        if i % 11 == 0:
            rec.pop("practice_id")
        out.append(rec)
    return out


def test_cli_output_is_identical_on_fast_and_fallback_paths(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    records = _book(300)
    source = _write(jsonl(records))
    fast = _cli(str(source), "-o", "fast.jsonl")
    assert fast.exit_code == 0, fast.output
    stdout = _cli(str(source))
    assert stdout.exit_code == 0
    monkeypatch.setattr(batch, "table_from_jsonl", lambda data: None)
    slow = _cli(str(source), "-o", "slow.jsonl")
    assert slow.exit_code == 0, slow.output
    fast_bytes = Path("fast.jsonl").read_bytes()
    assert fast_bytes == Path("slow.jsonl").read_bytes() == stdout.stdout_bytes
    assert fast_bytes == single_path(source.read_bytes(), ScoringConfig())
    ids = [orjson.loads(line)["practice_id"] for line in fast_bytes.splitlines()]
    assert ids == [r.get("practice_id") for r in records]  # input order, one output per record


@pytest.mark.parametrize("mixed", [False, True])
def test_cli_takes_the_fast_path_unless_types_are_mixed(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, mixed: bool
) -> None:
    calls = _spy_arrow(monkeypatch)
    records = _book(40)
    if mixed:
        records[3]["enrichment_data"]["vet_count"] = "many"  # text among integers
    source = _write(jsonl(records))
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 0
    assert calls == [not mixed]
    assert Path("out.jsonl").read_bytes() == single_path(source.read_bytes(), ScoringConfig())


@pytest.mark.parametrize("fast", [True, False])
def test_cli_broken_line_is_a_one_line_error_with_no_output(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, fast: bool
) -> None:
    if not fast:
        monkeypatch.setattr(batch, "table_from_jsonl", lambda data: None)
    lines = [orjson.dumps(r) for r in _book(20)]
    lines.insert(6, b'{"practice_id": "p-broken", "google_maps_data": {')
    source = _write(b"\n".join(lines) + b"\n")
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 2
    message = result.stderr.strip()
    assert "\n" not in message
    assert message.startswith(f"leadscore: error: {source}:7: line 7 is not valid JSON")
    assert not Path("out.jsonl").exists()
    assert sorted(p.name for p in in_tmp.iterdir()) == [source.name]  # no partial or temporary file


@pytest.mark.parametrize(
    "odd_line",
    [
        b'{"practice_id": "p-nan", "google_maps_data": {"rating": NaN}}',
        b'{"practice_id": "p-inf", "google_maps_data": {"reviews_count": -Infinity}}',
        b"[1, 2]",
        b'{"practice_id": "p-dup", "practice_id": "p-dup-2", "google_maps_data": {}}',
    ],
)
def test_cli_lines_arrow_reads_differently_get_the_record_path_verdict(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch, odd_line: bytes
) -> None:
    """Whatever the record-by-record reader makes of such a line (a score or an error), so does the CLI."""
    lines = [orjson.dumps(r) for r in _book(5)]
    lines.append(odd_line)
    source = _write(b"\n".join(lines) + b"\n")
    assert table_from_jsonl(source.read_bytes()) is None
    first = _cli(str(source), "-o", "first.jsonl")
    monkeypatch.setattr(batch, "table_from_jsonl", lambda data: None)
    second = _cli(str(source), "-o", "second.jsonl")
    assert (first.exit_code, first.stderr) == (second.exit_code, second.stderr)
    if first.exit_code == 0:
        assert Path("first.jsonl").read_bytes() == Path("second.jsonl").read_bytes()
    else:
        assert not Path("first.jsonl").exists() and not Path("second.jsonl").exists()


def _spy_arrow(monkeypatch: pytest.MonkeyPatch) -> list[bool]:
    calls: list[bool] = []
    real = batch.table_from_jsonl

    def spy(data: bytes) -> FeatureTable | None:
        table = real(data)
        calls.append(table is not None)
        return table

    monkeypatch.setattr(batch, "table_from_jsonl", spy)
    return calls


def test_cli_segments_mix_arrow_and_record_paths(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """Big files are read in segments: a segment with mixed types goes record by record, alone."""
    monkeypatch.setattr(batch, "SEGMENT_BYTES", 4000)
    calls = _spy_arrow(monkeypatch)
    records = _book(120)
    records[50]["google_maps_data"]["rating"] = "4.5"  # text among numbers, in one segment only
    lines = jsonl(records).splitlines()
    lines[70:70] = [b"", b"   "]  # blank lines keep their line numbers
    source = _write(b"\n".join(lines) + b"\n")
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert calls.count(False) == 1 and calls.count(True) > 5
    assert Path("out.jsonl").read_bytes() == single_path(source.read_bytes(), ScoringConfig())


def test_cli_segments_report_the_first_broken_line(in_tmp: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(batch, "SEGMENT_BYTES", 4000)
    lines = jsonl(_book(120)).splitlines()
    lines[30:30] = [b""]
    lines[90] = b'{"practice_id": "p-broken", '  # line 91
    lines[100] = b"{nope}"
    source = _write(b"\n".join(lines) + b"\n")
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 2
    assert result.stderr.startswith(f"leadscore: error: {source}:91: line 91 is not valid JSON")
    assert sorted(p.name for p in in_tmp.iterdir()) == [source.name]


def test_cli_stops_trying_arrow_when_most_segments_are_mixed(
    in_tmp: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(batch, "SEGMENT_BYTES", 3000)
    calls = _spy_arrow(monkeypatch)
    records = _book(150)
    for rec in records[::3]:
        rec["google_maps_data"]["reviews_count"] = "many"
    source = _write(jsonl(records))
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert calls == [False, False, False]  # then the record path only
    assert Path("out.jsonl").read_bytes() == single_path(source.read_bytes(), ScoringConfig())


def test_cli_json_list_input_matches_single_record_path(in_tmp: Path) -> None:
    records = _book(30)
    source = _write(json.dumps(records).encode(), "book.json")
    result = _cli(str(source), "-o", "out.jsonl")
    assert result.exit_code == 0, result.output
    assert Path("out.jsonl").read_bytes() == single_path(jsonl(records), ScoringConfig())


def test_summary_counts_match_the_outputs(in_tmp: Path) -> None:
    source = _write(jsonl(_book(120)))
    summary = batch.score_file(source, "out.jsonl", ScoringConfig(), show_progress=False)
    outs = [orjson.loads(line) for line in Path("out.jsonl").read_bytes().splitlines()]
    assert summary.rows == len(outs) == 120
    assert summary.failed == sum(o["scoring_status"] == "Failed" for o in outs)
    tiers = {t: sum(o["priority_tier"] == t for o in outs) for t in {o["priority_tier"] for o in outs}}
    tiers.pop(None, None)
    assert dict(summary.tiers) == tiers
    assert not math.isnan(summary.seconds)
