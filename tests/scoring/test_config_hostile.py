"""Hostile configuration files and out-of-range settings (issue 8, "No traceback, ever"): every one is a
ConfigError whose one line names the file (or saved version) and the problem; numbers have upper bounds
so no score can overflow (README "Configuration")."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from scoring.config import (
    MAX_CAP,
    MAX_CONCURRENCY,
    MAX_CONFIG_BYTES,
    MAX_ENTRIES,
    MAX_FAIL_MAX,
    MAX_POINTS,
    MAX_RESET_SECONDS,
    MAX_REVIEWS_PER_POINT,
    MAX_TIER_MIN,
    MAX_TIMEOUT_SECONDS,
    ConfigError,
    ScoringConfig,
    load_config,
)
from scoring.engine import score_record

from .records import full_record

INT64_MAX = 2**63 - 1


def write(tmp_path: Path, name: str, content: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(content, bytes):
        path.write_bytes(content)
    else:
        path.write_text(content, encoding="utf-8")
    return path


def refused(path: Path) -> str:
    """The ConfigError's message for ``path``: one line that names the file."""
    with pytest.raises(ConfigError) as exc:
        load_config(path, env={})
    message = str(exc.value)
    assert str(path) in message
    assert "\n" not in message
    assert len(message) < 1200
    return message


def deep(n: int, opening: str, closing: str, leaf: str = "1") -> str:
    return opening * n + leaf + closing * n


HOSTILE_FILES = [
    # binary content (was UnicodeDecodeError)
    pytest.param("binary.toml", b"\xff\xfe\x00garbage\x80\x81", "not UTF-8 text (byte 0)", id="binary-toml"),
    pytest.param("latin1.json", b'{"version": "caf\xe9"}', "not UTF-8 text (byte 16)", id="latin1-json"),
    pytest.param("png.json", b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "not UTF-8 text (byte 0)", id="png-json"),
    # an integer above 2**63 (was TypeError when the rules compiled)
    pytest.param("big.toml", "decision_maker_points = 18446744073709551616\n",
                 "decision_maker_points must be at most 100, got 18446744073709551616", id="int-2^64-toml"),
    pytest.param("big.json", '{"technology_cap": 99999999999999999999999}',
                 "technology_cap must be at most 200", id="int-10^23-json"),
    pytest.param("big-band.json", '{"size_bands": [{"min": 1, "points": 36893488147419103232}]}',
                 "size_bands.0.points must be at most 100", id="int-2^65-in-a-band"),
    pytest.param("digits.json", '{"hot_tier_min": ' + "9" * 5000 + "}", "not valid JSON", id="int-5000-digits"),
    pytest.param("digits.toml", "hot_tier_min = " + "9" * 5000 + "\n", "not valid TOML", id="int-5000-digits-toml"),
    # 2**63 - 1 was accepted, scored 7378697629483820721 and then overflowed SQLite
    pytest.param("max.toml", f"decision_maker_points = {INT64_MAX}\n",
                 f"decision_maker_points must be at most 100, got {INT64_MAX}", id="int64-max-points"),
    pytest.param("max-steps.json", json.dumps({"call_volume_points": [0, 10, INT64_MAX]}),
                 f"call_volume_points must list points from 0 to 100, got {INT64_MAX}", id="int64-max-call-points"),
    # nesting 1,000 deep (was RecursionError)
    pytest.param("deep.toml", "x = " + deep(1000, "[", "]") + "\n", "nested more than 10 levels", id="toml-arrays"),
    pytest.param("deep-inline.toml", "x = " + deep(1000, "{a = ", "}") + "\n", "nested more than 10 levels",
                 id="toml-inline-tables"),
    pytest.param("deep-keys.toml", "a" + ".a" * 1000 + " = 1\n", "dotted key of more than 32 parts",
                 id="toml-dotted-key"),
    pytest.param("deep-header.toml", "[" + ".".join(["t"] * 1000) + "]\nx = 1\n", "dotted key of more than 32",
                 id="toml-table-header"),
    pytest.param("deep-but-parses.toml", "[" + ".".join(["t"] * 20) + "]\nx = 1\n", "nested more than 10 levels",
                 id="toml-20-level-header"),
    pytest.param("deep.json", '{"x": ' + deep(1000, "[", "]") + "}", "nested more than 10 levels", id="json-arrays"),
    pytest.param("deep-objects.json", '{"x": ' + deep(1000, '{"a": ', "}") + "}", "nested more than 10 levels",
                 id="json-objects"),
    pytest.param("deep-shallow.json", '{"x": ' + deep(50, "[", "]") + "}", "nested more than 10 levels",
                 id="json-50-levels"),
    # empty
    pytest.param("empty.toml", "", "is empty", id="empty-toml"),
    pytest.param("empty.json", "", "is empty", id="empty-json"),
    pytest.param("blank.toml", " \n\t\n", "is empty", id="whitespace-toml"),
    # not an object
    pytest.param("array.json", "[1, 2]", "must hold a table/object of settings, not a list", id="json-array"),
    pytest.param("string.json", '"hot_tier_min = 80"', "not a string", id="json-string"),
    pytest.param("null.json", "null", "not a null", id="json-null"),
    pytest.param("number.json", "80", "not a number", id="json-number"),
    # a TOML date or time where a number belongs
    pytest.param("date.toml", "decision_maker_points = 1979-05-27\n",
                 "decision_maker_points: Input should be a valid integer, got datetime.date(1979, 5, 27)", id="date"),
    pytest.param("time.toml", "scoring_timeout_seconds = 07:32:00\n", "scoring_timeout_seconds: Input should be",
                 id="time"),
    pytest.param("datetime.toml", "hot_tier_min = 1979-05-27T07:32:00Z\n", "hot_tier_min: Input should be",
                 id="datetime"),
    # NaN and infinities
    pytest.param("nan.json", '{"decision_maker_points": NaN}', "NaN is not a number JSON allows", id="json-nan"),
    pytest.param("inf.json", '{"scoring_timeout_seconds": Infinity}', "Infinity is not a number JSON allows",
                 id="json-inf"),
    pytest.param("ninf.json", '{"confidence_multipliers": {"low": -Infinity}}', "-Infinity is not a number",
                 id="json-minus-inf"),
    pytest.param("1e999.json", '{"circuit_breaker_reset_timeout": 1e999}',
                 "circuit_breaker_reset_timeout: Input should be a finite number", id="json-overflowing-float"),
    pytest.param("nan.toml", "scoring_timeout_seconds = nan\n", "scoring_timeout_seconds: Input should be a finite",
                 id="toml-nan"),
    pytest.param("inf.toml", "circuit_breaker_reset_timeout = inf\n", "circuit_breaker_reset_timeout: Input should",
                 id="toml-inf"),
    # too many settings to list
    pytest.param("many.toml", "".join(f"k{i} = {i}\n" for i in range(5000)), "and 4,990 more problems",
                 id="5000-unknown-keys"),
]


@pytest.mark.parametrize(("name", "content", "problem"), HOSTILE_FILES)
def test_a_hostile_config_file_is_one_line_naming_the_file(
    tmp_path: Path, name: str, content: str | bytes, problem: str
) -> None:
    assert problem in refused(write(tmp_path, name, content))


def test_a_huge_file_is_refused_without_reading_it_whole(tmp_path: Path) -> None:
    big = write(tmp_path, "big.toml", "# padding\n" * (MAX_CONFIG_BYTES // 10 + 1))
    assert "larger than 256 KiB" in refused(big)
    endless = tmp_path / "zero.json"
    endless.symlink_to("/dev/zero")  # a file with no end: only the first 256 KiB + 1 bytes are read
    assert "larger than 256 KiB" in refused(endless)


def test_a_file_just_under_the_size_cap_is_read(tmp_path: Path) -> None:
    text = "hot_tier_min = 70\n" + "# padding\n" * ((MAX_CONFIG_BYTES - 100) // 10)
    assert len(text.encode()) <= MAX_CONFIG_BYTES
    assert load_config(write(tmp_path, "padded.toml", text), env={}).hot_tier_min == 70


def test_a_directory_or_a_path_through_a_file_is_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "configs.toml"
    folder.mkdir()
    assert "is a directory, not a file" in refused(folder)
    through = write(tmp_path, "plain.txt", "x") / "inside.toml"
    assert "Not a directory" in refused(through)


def test_an_unreadable_file_is_one_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write(tmp_path, "secret.toml", "hot_tier_min = 70\n")
    if os.geteuid() != 0:  # root reads anything: then the refusal is simulated
        path.chmod(0)
    else:

        def denied(self: Path, *args: Any, **kwargs: Any) -> Any:
            raise PermissionError(13, "Permission denied", str(self))

        monkeypatch.setattr(Path, "open", denied)
    assert f"Cannot read config file {path}: Permission denied" == refused(path)


def test_a_byte_order_mark_is_fine(tmp_path: Path) -> None:
    path = write(tmp_path, "bom.json", b'\xef\xbb\xbf{"hot_tier_min": 70}')
    assert load_config(path, env={}).hot_tier_min == 70


def test_comments_only_is_not_empty_it_is_the_defaults(tmp_path: Path) -> None:
    path = write(tmp_path, "notes.toml", "# nothing changed yet\n")
    assert load_config(path, env={}) == ScoringConfig()


# ---- bounds ----------------------------------------------------------------------------------------

# (setting, the largest value it takes, extra settings that make that value valid on its own)
BOUNDS: list[tuple[str, Any, dict[str, Any]]] = [
    *((name, MAX_POINTS, {}) for name in (
        "emr_other_points", "online_booking_points", "telemedicine_points", "reviews_points_max",
        "website_points", "multiple_locations_points", "decision_maker_points",
    )),
    ("technology_cap", MAX_CAP, {}),
    ("baseline_cap_full", MAX_CAP, {}),
    ("baseline_cap_baseline_only", MAX_CAP, {}),
    ("reviews_per_point", MAX_REVIEWS_PER_POINT, {}),
    ("hot_tier_min", MAX_TIER_MIN, {"baseline_cap_full": MAX_CAP}),
    ("warm_tier_min", MAX_TIER_MIN - 1, {"baseline_cap_full": MAX_CAP, "hot_tier_min": MAX_TIER_MIN}),
    ("scoring_timeout_seconds", MAX_TIMEOUT_SECONDS, {}),
    ("circuit_breaker_fail_max", MAX_FAIL_MAX, {}),
    ("circuit_breaker_reset_timeout", MAX_RESET_SECONDS, {}),
    ("max_concurrency", MAX_CONCURRENCY, {}),
]


@pytest.mark.parametrize(("name", "top", "context"), BOUNDS, ids=[b[0] for b in BOUNDS])
def test_every_number_has_an_upper_bound_named_in_the_message(name: str, top: Any, context: dict[str, Any]) -> None:
    assert getattr(ScoringConfig.from_mapping({**context, name: top}), name) == top
    above = top + 1 if name != "warm_tier_min" else MAX_TIER_MIN + 1
    for value in (above, INT64_MAX, 2**64):
        with pytest.raises(ConfigError) as exc:
            ScoringConfig.from_mapping({**context, name: value})
        assert name in str(exc.value)
        assert "must be at most" in str(exc.value)


@pytest.mark.parametrize(
    ("changes", "field"),
    [
        ({"size_bands": [{"min": 1, "points": MAX_POINTS + 1}]}, "size_bands.0.points"),
        ({"size_bands": [{"min": 1, "max": 200_000, "points": 5}]}, "size_bands.0.max"),
        ({"size_bands": [{"min": 100_001, "points": 5}]}, "size_bands.0.min"),
        ({"call_volume_points": [0, MAX_POINTS + 1]}, "call_volume_points"),
        ({"emr_tiers": [{"label": "t", "names": ["X"], "points": MAX_POINTS + 1}]}, "emr_tiers.0.points"),
        ({"rating_steps": [{"min": 4.0, "points": MAX_POINTS + 1}]}, "rating_steps.0.points"),
        ({"size_bands": [{"min": i + 1, "max": i + 1, "points": 1} for i in range(MAX_ENTRIES + 1)]}, "size_bands"),
        ({"call_volume_points": [1] * (MAX_ENTRIES + 1)}, "call_volume_points"),
        ({"emr_tiers": [{"label": "t", "names": ["X"] * (MAX_ENTRIES + 1), "points": 1}]}, "emr_tiers.0.names"),
        ({"rating_steps": [{"min": 5 - i / 10, "points": 1} for i in range(MAX_ENTRIES + 1)]}, "rating_steps"),
    ],
)
def test_points_and_lists_inside_settings_are_bounded(changes: dict[str, Any], field: str) -> None:
    with pytest.raises(ConfigError) as exc:
        ScoringConfig.from_mapping(changes)
    assert f"{field} must" in str(exc.value)


def top_config() -> ScoringConfig:
    """Every points value, cap and threshold at its upper bound."""
    return ScoringConfig.from_mapping(
        {
            "size_bands": [{"min": 1, "points": MAX_POINTS}],
            "call_volume_points": [MAX_POINTS],
            "emr_tiers": [{"label": "top", "names": ["CORNERSTONE"], "points": MAX_POINTS}],
            "emr_other_points": MAX_POINTS,
            "online_booking_points": MAX_POINTS,
            "telemedicine_points": MAX_POINTS,
            "technology_cap": MAX_CAP,
            "reviews_per_point": 1,
            "reviews_points_max": MAX_POINTS,
            "rating_steps": [{"min": 0, "points": MAX_POINTS}],
            "website_points": MAX_POINTS,
            "multiple_locations_points": MAX_POINTS,
            "baseline_cap_full": MAX_CAP,
            "baseline_cap_baseline_only": MAX_CAP,
            "decision_maker_points": MAX_POINTS,
            "hot_tier_min": MAX_TIER_MIN,
            "warm_tier_min": MAX_TIER_MIN - 1,
        }
    )


def test_the_highest_possible_score_is_700() -> None:
    cfg = top_config()
    assert cfg.max_total == 700 == 2 * MAX_POINTS + 2 * MAX_CAP + MAX_POINTS
    out = score_record(
        full_record("top", google_maps_data__reviews_count=10**9, google_maps_data__has_multiple_locations=True),
        cfg,
    )
    assert (out.lead_score, out.priority_tier) == (700, "Hot")
    baseline_only = score_record(
        full_record("b", enrichment_data=None, google_maps_data__reviews_count=10**9), cfg
    )
    assert baseline_only.lead_score == MAX_CAP


def test_the_top_config_round_trips_through_toml(tmp_path: Path) -> None:
    cfg = top_config()
    assert load_config(write(tmp_path, "top.toml", cfg.to_toml()), env={}) == cfg


# ---- saved configurations --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        (json.dumps({"decision_maker_points": INT64_MAX}), "decision_maker_points must be at most 100"),
        ('{"hot_tier_min": ' + deep(1000, "[", "]") + "}", "nested more than 10 levels"),
        ("{not json", "not valid JSON"),
        ("", "is empty"),
        (b"\xff\xfe", "not UTF-8 text"),
    ],
)
def test_a_saved_configuration_that_no_longer_validates_is_one_line(text: str | bytes, problem: str) -> None:
    with pytest.raises(ConfigError) as exc:
        ScoringConfig.from_json(text, source="saved configuration hot-v2")
    message = str(exc.value)
    assert "saved configuration hot-v2" in message and problem in message
    assert "\n" not in message


def test_a_saved_configuration_reads_back() -> None:
    cfg = ScoringConfig().with_changes(version="lab-v1", hot_tier_min=70, warm_tier_min=40)
    assert ScoringConfig.from_json(cfg.model_dump_json()) == cfg
    assert ScoringConfig.from_json(top_config().model_dump_json().encode()) == top_config()
