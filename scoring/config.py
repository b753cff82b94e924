"""The scoring configuration: every number of SPEC §§3–5, validated and versioned.

A config is immutable. Managers change it by building a new one (``cfg.model_copy(update=...)``
re-validated through :meth:`ScoringConfig.with_changes`), never by mutating a shared object.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tomllib
from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction
from functools import cached_property
from pathlib import Path
from typing import Annotated, Any

from pydantic import (
    BaseModel,
    ConfigDict,
    Field,
    StringConstraints,
    ValidationError,
    field_serializer,
    field_validator,
    model_validator,
)

from .depth import bounded_repr, exceeds_depth
from .engagement.config import EngagementConfig
from .evidence.config import OutcomeConfig
from .models import MAX_VETS

DEFAULT_VERSION = "default"
# Multipliers are exact decimals; a bounded number of places keeps total × multiplier in int64.
MULTIPLIER_DECIMALS = 6

# Upper bounds of the settings (README "Configuration"). Each is far above anything a manager needs
# and equal to the What-if lab's input limits, so any valid configuration can be shown there. With
# them the most a practice can score is 100 + 100 + 200 + 200 + 100 = 700 (size, calls, technology,
# baseline, decision maker), so no score, total or product with a multiplier comes near an SQLite
# INTEGER (2**63 - 1), numpy's int64, or orjson's 64-bit integers.
MAX_POINTS = 100  # any one points value: a band, a call-volume step, an EMR tier, a bonus
MAX_CAP = 200  # technology_cap, baseline_cap_full, baseline_cap_baseline_only
MAX_TIER_MIN = 150  # hot_tier_min, warm_tier_min (also at most the highest possible score)
MAX_REVIEWS_PER_POINT = 1000
MAX_ENTRIES = 20  # size bands, call-volume steps, EMR tiers, rating steps, names in one EMR tier
MAX_TIMEOUT_SECONDS = 300.0  # scoring_timeout_seconds
MAX_RESET_SECONDS = 3600.0  # circuit_breaker_reset_timeout
MAX_FAIL_MAX = 1000  # circuit_breaker_fail_max
MAX_CONCURRENCY = 100
# A configuration file is a few kilobytes; more is not a configuration (and is never read whole).
MAX_CONFIG_BYTES = 256 * 1024
# Settings nest at most 4 levels (emr_tiers → tier → names, inside an optional [scoring] table).
MAX_CONFIG_DEPTH = 10

# Fields that shape scores. The operational ones (timeouts, breaker, auto-trigger) do not change a
# score, so they are left out of the fingerprint and of `config_version`.
OPERATIONAL_FIELDS = frozenset(
    {
        "version",
        "auto_trigger_scoring",
        "auto_trigger_on_partial",
        "scoring_timeout_seconds",
        "circuit_breaker_fail_max",
        "circuit_breaker_reset_timeout",
        "max_concurrency",
        "outcomes",  # which sales Status means won or lost: evidence only, never a score (SPEC §13)
    }
)


class ConfigError(ValueError):
    """A configuration that cannot be used; the message names every offending field."""

    def __init__(self, message: str, problems: list[tuple[str, str]] | None = None) -> None:
        super().__init__(message)
        self.problems = problems or []


def _cut(text: str, limit: int) -> str:
    return text if len(text) <= limit else text[: limit - 1] + "…"


class _Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid", allow_inf_nan=False)


Points = Annotated[int, Field(ge=0, le=MAX_POINTS)]


class SizeBand(_Frozen):
    """Vet counts from ``min`` to ``max`` (inclusive; ``max`` None = no upper bound) score ``points``."""

    min: int = Field(ge=1, le=MAX_VETS)
    max: int | None = Field(default=None, ge=1, le=MAX_VETS)
    points: Points
    label: str = Field(default="", max_length=40)


class RatingStep(_Frozen):
    """A rating of at least ``min`` scores ``points`` (the highest step reached counts)."""

    min: float = Field(ge=0, le=5)
    points: Points


class EmrTier(_Frozen):
    """EMR names (case-insensitive substrings) that score ``points``."""

    label: str = Field(max_length=40)
    names: tuple[
        Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=40)], ...
    ] = Field(max_length=MAX_ENTRIES)
    points: Points


class ConfidenceMultipliers(_Frozen):
    high: Decimal = Decimal("1.0")
    medium: Decimal = Decimal("0.9")
    low: Decimal = Decimal("0.8")

    @field_validator("high", "medium", "low", mode="before")
    @classmethod
    def _exact_decimal(cls, value: Any) -> Any:
        # 0.7 from a TOML/JSON float must mean 7/10, not the nearest binary double.
        if isinstance(value, float):
            return Decimal(repr(value))
        return value

    @field_serializer("high", "medium", "low", when_used="json")
    def _as_number(self, value: Decimal) -> float:
        return float(value)

    @field_validator("high", "medium", "low")
    @classmethod
    def _in_unit_interval(cls, value: Decimal) -> Decimal:
        if not value.is_finite() or not (Decimal(0) < value <= Decimal(1)):
            raise ValueError(f"must be greater than 0 and at most 1, got {_cut(str(value), 40)}")
        if value.normalize().as_tuple().exponent < -MULTIPLIER_DECIMALS:
            raise ValueError(
                f"must have at most {MULTIPLIER_DECIMALS} decimal places, got {_cut(str(value), 40)}"
            )
        return value


_DEFAULT_SIZE_BANDS = (
    SizeBand(min=1, max=2, points=5, label="small practice"),
    SizeBand(min=3, max=4, points=15, label="good size"),
    SizeBand(min=5, max=7, points=30, label="sweet spot"),
    SizeBand(min=8, max=10, points=20, label="larger practice"),
    SizeBand(min=11, max=None, points=10, label="large practice"),
)
_DEFAULT_EMR_TIERS = (
    EmrTier(label="top tier", names=("CORNERSTONE", "IDEXX"), points=15),
    EmrTier(label="mid tier", names=("AVIMARK", "EVETPRACTICE"), points=10),
)
_DEFAULT_RATING_STEPS = (
    RatingStep(min=5.0, points=6),
    RatingStep(min=4.5, points=4),
    RatingStep(min=4.0, points=2),
)


class ScoringConfig(_Frozen):
    """The default scoring configuration of SPEC.md, field for field."""

    version: str | None = Field(
        default=None,
        max_length=64,
        description="Explicit version label; derived from the content when absent.",
    )

    # Tiers (SPEC §5); also at most max_total (checked below)
    hot_tier_min: int = Field(default=80, ge=0, le=MAX_TIER_MIN)
    warm_tier_min: int = Field(default=50, ge=0, le=MAX_TIER_MIN)
    # Confidence penalty (SPEC §4)
    confidence_multipliers: ConfidenceMultipliers = ConfidenceMultipliers()

    # Practice size (SPEC §3)
    size_bands: tuple[SizeBand, ...] = Field(default=_DEFAULT_SIZE_BANDS, max_length=MAX_ENTRIES)
    # Call volume: points by number of distinct phone numbers; the last entry applies to any more.
    call_volume_points: tuple[int, ...] = Field(default=(0, 10, 20, 30), max_length=MAX_ENTRIES)
    # Technology
    emr_tiers: tuple[EmrTier, ...] = Field(default=_DEFAULT_EMR_TIERS, max_length=MAX_ENTRIES)
    emr_other_points: Points = 5
    online_booking_points: Points = 10
    telemedicine_points: Points = 5
    technology_cap: int = Field(default=30, ge=0, le=MAX_CAP)
    # Baseline
    reviews_per_point: int = Field(default=10, ge=1, le=MAX_REVIEWS_PER_POINT)
    reviews_points_max: Points = 20
    rating_steps: tuple[RatingStep, ...] = Field(default=_DEFAULT_RATING_STEPS, max_length=MAX_ENTRIES)
    website_points: Points = 4
    multiple_locations_points: Points = 10
    baseline_cap_full: int = Field(default=20, ge=0, le=MAX_CAP)
    baseline_cap_baseline_only: int = Field(default=40, ge=0, le=MAX_CAP)
    # Decision maker
    decision_maker_points: Points = 10
    # Outcomes (SPEC §13): never an input to any score
    outcomes: OutcomeConfig = OutcomeConfig()

    # Engagement, the second axis (SPEC §12): points, caps, half-life, levels, risk, next actions
    engagement: EngagementConfig = EngagementConfig()

    # Operations (seed §6, SPEC §9)
    auto_trigger_scoring: bool = True
    auto_trigger_on_partial: bool = True
    scoring_timeout_seconds: float = Field(default=5.0, gt=0, le=MAX_TIMEOUT_SECONDS)
    circuit_breaker_fail_max: int = Field(default=5, ge=1, le=MAX_FAIL_MAX)
    circuit_breaker_reset_timeout: float = Field(default=60.0, gt=0, le=MAX_RESET_SECONDS)
    max_concurrency: int = Field(default=10, ge=1, le=MAX_CONCURRENCY)

    @field_validator("call_volume_points")
    @classmethod
    def _call_points(cls, value: tuple[int, ...]) -> tuple[int, ...]:
        if not value:
            raise ValueError("needs at least one entry (points for 0 phone numbers)")
        for points in value:
            if not 0 <= points <= MAX_POINTS:
                raise ValueError(f"must list points from 0 to {MAX_POINTS}, got {bounded_repr(points, 40)}")
        return value

    @field_validator("size_bands")
    @classmethod
    def _ordered_bands(cls, bands: tuple[SizeBand, ...]) -> tuple[SizeBand, ...]:
        if not bands:
            raise ValueError("needs at least one band")
        previous_max = 0
        for i, band in enumerate(bands):
            if band.max is not None and band.max < band.min:
                raise ValueError(f"band {i + 1} ({band.min}–{band.max}) ends before it starts")
            if band.min <= previous_max:
                raise ValueError(
                    f"band {i + 1} starts at {band.min} but the band before ends at {previous_max}: "
                    "bands must be in increasing order and must not overlap"
                )
            if band.max is None and i != len(bands) - 1:
                raise ValueError(f"band {i + 1} is open-ended, so it must be the last band")
            previous_max = band.max if band.max is not None else previous_max
        return bands

    @field_validator("rating_steps")
    @classmethod
    def _ordered_steps(cls, steps: tuple[RatingStep, ...]) -> tuple[RatingStep, ...]:
        mins = [s.min for s in steps]
        if mins != sorted(mins, reverse=True) or len(set(mins)) != len(mins):
            raise ValueError("steps must be listed from the highest rating down, without repeats")
        return steps

    @model_validator(mode="after")
    def _thresholds(self) -> ScoringConfig:
        top = self.max_total
        for name in ("hot_tier_min", "warm_tier_min"):
            value = getattr(self, name)
            if not 0 <= value <= top:
                raise ValueError(
                    f"{name} must be between 0 and {top} (the highest possible score), got {value}"
                )
        if self.warm_tier_min >= self.hot_tier_min:
            raise ValueError(
                f"warm_tier_min ({self.warm_tier_min}) must be lower than hot_tier_min ({self.hot_tier_min})"
            )
        return self

    # ---- derived values -------------------------------------------------------------------------

    @cached_property
    def component_maxima(self) -> dict[str, int]:
        """The most each component can score in full mode."""
        emr_best = max([t.points for t in self.emr_tiers] + [self.emr_other_points])
        technology = min(
            self.technology_cap, emr_best + self.online_booking_points + self.telemedicine_points
        )
        return {
            "practice_size": max(b.points for b in self.size_bands),
            "call_volume": max(self.call_volume_points),
            "technology": technology,
            "baseline": self.baseline_cap_full,
            "decision_maker": self.decision_maker_points,
        }

    @property
    def max_total(self) -> int:
        return sum(self.component_maxima.values())

    def multiplier(self, confidence: str | None) -> Decimal:
        if confidence is None:
            return Decimal(1)
        return getattr(self.confidence_multipliers, confidence)

    @cached_property
    def multiplier_fractions(self) -> dict[str | None, Fraction]:
        """Exact multipliers for integer arithmetic: floor(total × p/q) == (total × p) // q."""
        out: dict[str | None, Fraction] = {None: Fraction(1)}
        for level in ("high", "medium", "low"):
            out[level] = Fraction(self.multiplier(level))
        return out

    @cached_property
    def rulebook(self) -> Any:
        """The rules compiled for this config (:class:`scoring.rules.RuleBook`), built on first use."""
        from .rules import RuleBook  # rules depend on config, not the other way round

        return RuleBook(self)

    def scoring_dict(self) -> dict[str, Any]:
        """The fields that shape scores, as plain JSON-able data."""
        return self.model_dump(mode="json", exclude=set(OPERATIONAL_FIELDS))

    @cached_property
    def fingerprint(self) -> str:
        canonical = json.dumps(self.scoring_dict(), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(canonical.encode()).hexdigest()[:10]

    @cached_property
    def config_version(self) -> str:
        """Recorded in every breakdown: the explicit label, "default", or a content hash."""
        if self.version:
            return self.version
        if self.fingerprint == _default_fingerprint():
            return DEFAULT_VERSION
        return f"custom-{self.fingerprint}"

    # ---- building and loading -------------------------------------------------------------------

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any], *, source: str = "configuration") -> ScoringConfig:
        """Validate plain data (a parsed TOML/JSON file, a form) into a config or raise ConfigError."""
        if exceeds_depth(data, MAX_CONFIG_DEPTH):
            raise ConfigError(f"Invalid {source}: {_TOO_DEEP}")
        try:
            return cls.model_validate(dict(data))
        except ValidationError as exc:
            raise format_validation_error(exc, source) from None

    @classmethod
    def from_json(cls, text: str | bytes, *, source: str = "configuration") -> ScoringConfig:
        """A config saved as JSON (``model_dump_json``), e.g. a version in the store; ConfigError if it
        is not one (damaged, or saved before a bound it breaks was introduced)."""
        return cls.from_mapping(parse_settings(text, ".json", source), source=source)

    def with_changes(self, **changes: Any) -> ScoringConfig:
        """A new, validated config with ``changes`` applied (the what-if lab's entry point)."""
        data = self.model_dump(mode="python")
        data.update(changes)
        if "version" not in changes:
            data["version"] = None
        return ScoringConfig.from_mapping(data)

    def model_copy(self, *, update: Mapping[str, Any] | None = None, deep: bool = False) -> ScoringConfig:
        # pydantic's model_copy(update=...) skips validation and would carry stale cached
        # properties (fingerprint, rulebook); changes always go through validation instead.
        if update:
            return self.with_changes(**update)
        return super().model_copy(deep=deep)

    def to_toml(self) -> str:
        """The scoring fields as a TOML document that :func:`load_config` reads back."""
        return dict_to_toml(self.model_dump(mode="json", exclude_none=True))


def _default_fingerprint() -> str:
    global _DEFAULT_FP
    if _DEFAULT_FP is None:
        _DEFAULT_FP = ScoringConfig().fingerprint
    return _DEFAULT_FP


_DEFAULT_FP: str | None = None


# pydantic's bound errors, said the way the rest of our messages are.
_BOUND_MESSAGES = {
    "less_than_equal": "must be at most {le}",
    "greater_than_equal": "must be at least {ge}",
    "greater_than": "must be greater than {gt}",
    "less_than": "must be less than {lt}",
    "too_long": "must have at most {max_length} entries",
}


def validation_problems(exc: ValidationError) -> list[tuple[str, str]]:
    """(field, message) pairs; model-level messages already start with the field they blame.

    A field's message shows the offending value when it is a single value (cut to 40 characters).
    """
    problems = []
    for err in exc.errors():
        message = err["msg"].removeprefix("Value error, ")
        if err["type"] == "extra_forbidden":
            message = "is not a known setting"
        elif err["type"] in _BOUND_MESSAGES:
            message = _BOUND_MESSAGES[err["type"]].format(**err.get("ctx", {}))
        value = err.get("input")
        shown = err["loc"] and err["type"] not in ("missing", "extra_forbidden", "value_error")
        if shown and not isinstance(value, dict | list | tuple):
            message += f", got {bounded_repr(value, 40)}"
        loc = ".".join(str(p) for p in err["loc"])
        if not loc:
            loc, _, message = message.partition(" ")
        problems.append((loc, message))
    return problems


MAX_PROBLEMS_SHOWN = 10  # a file of 10,000 unknown keys gets one readable line, not a megabyte


def format_validation_error(exc: ValidationError, source: str) -> ConfigError:
    problems = validation_problems(exc)
    text = "; ".join(
        f"{field} {msg}" if msg.startswith(("must", "(")) else f"{field}: {msg}"
        for field, msg in problems[:MAX_PROBLEMS_SHOWN]
    )
    if len(problems) > MAX_PROBLEMS_SHOWN:
        text += f"; and {len(problems) - MAX_PROBLEMS_SHOWN:,} more problems"
    return ConfigError(f"Invalid {source}: {text}", problems)


# ---- files and environment ----------------------------------------------------------------------

ENV_OVERRIDES: dict[str, str] = {
    "AUTO_TRIGGER_SCORING": "auto_trigger_scoring",
    "SCORING_TIMEOUT_SECONDS": "scoring_timeout_seconds",
    "CIRCUIT_BREAKER_FAIL_MAX": "circuit_breaker_fail_max",
}


_TOO_DEEP = f"tables or arrays are nested more than {MAX_CONFIG_DEPTH} levels deep (settings need at most 4)"
# A dotted TOML key (``a.b.c = 1``, ``[a.b.c]``): tomllib's time and memory grow with the square
# of its parts (100,000 parts: killed), so long ones are refused before parsing. Text inside strings
# may match too; no valid setting has 32 dot-separated parts.
# (Possessive quantifiers and the look-behind keep the scan linear: a bare part starts only where
# no other bare-key character precedes it.)
_KEY_PART = r"""(?:(?<![A-Za-z0-9_-])[A-Za-z0-9_-]++|"[^"\n]*+"|'[^'\n]*+')"""
_DOTTED_KEY = re.compile(rf"{_KEY_PART}(?:[ \t]*+\.[ \t]*+{_KEY_PART})++")
_MAX_KEY_PARTS = 32


def read_config_file(path: str | Path) -> dict[str, Any]:
    """Parse a TOML or JSON config file (at most MAX_CONFIG_BYTES) into plain data.

    Raises ConfigError, one sentence naming the file, for anything else: a missing, unreadable or
    oversized file, a directory, bytes that are not UTF-8 text, an empty file, broken TOML/JSON,
    NaN/Infinity, nesting deeper than MAX_CONFIG_DEPTH, or a document that is not a table.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".toml", ".json"):
        raise ConfigError(f"Config file {path} must end in .toml or .json")
    try:
        with path.open("rb") as handle:
            raw = handle.read(MAX_CONFIG_BYTES + 1)
    except IsADirectoryError:
        raise ConfigError(f"Config file {path} is a directory, not a file") from None
    except OSError as exc:
        raise ConfigError(f"Cannot read config file {path}: {exc.strerror or exc}") from None
    if len(raw) > MAX_CONFIG_BYTES:
        raise ConfigError(
            f"Config file {path} is larger than {MAX_CONFIG_BYTES // 1024} KiB: "
            "a configuration is a few kilobytes of TOML or JSON"
        )
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise ConfigError(
            f"Config file {path} is not UTF-8 text (byte {exc.start}): a configuration is a TOML or JSON text file"
        ) from None
    return parse_settings(text, suffix, f"Config file {path}")


def parse_settings(text: str | bytes, suffix: str, source: str) -> dict[str, Any]:
    """TOML or JSON text (``suffix`` ".toml" or ".json") → the settings table; ConfigError naming
    ``source`` otherwise (see :func:`read_config_file`)."""
    kind = suffix[1:].upper()
    if isinstance(text, bytes):
        try:
            text = text.decode("utf-8")
        except UnicodeDecodeError as exc:
            raise ConfigError(f"{source} is not UTF-8 text (byte {exc.start})") from None
    if not text.strip():
        raise ConfigError(f"{source} is empty: it holds no settings (the defaults need no file)")
    if suffix == ".toml" and any(m.group().count(".") >= _MAX_KEY_PARTS for m in _DOTTED_KEY.finditer(text)):
        raise ConfigError(f"{source} has a dotted key of more than {_MAX_KEY_PARTS} parts: {_TOO_DEEP}")
    try:
        data = tomllib.loads(text) if suffix == ".toml" else json.loads(text, parse_constant=_no_constant)
    except RecursionError:  # the parsers recurse per level: [[[[…]]]] 1,000 deep ends here
        raise ConfigError(f"{source} is not usable: {_TOO_DEEP}") from None
    except ValueError as exc:  # TOMLDecodeError, JSONDecodeError, integers of more than 4,300 digits
        raise ConfigError(f"{source} is not valid {kind}: {_cut(str(exc), 200)}") from None
    if not isinstance(data, dict):
        raise ConfigError(f"{source} must hold a table/object of settings, not a {_json_type(data)}")
    if exceeds_depth(data, MAX_CONFIG_DEPTH):
        raise ConfigError(f"{source} is not usable: {_TOO_DEEP}")
    # A [scoring] table is accepted so the settings can live in a larger file.
    if set(data) == {"scoring"} and isinstance(data["scoring"], dict):
        data = data["scoring"]
    return data


def _no_constant(name: str) -> float:
    # Python's json reads NaN and Infinity, which JSON does not have; no setting can take them.
    raise ValueError(f"{name} is not a number JSON allows")


def _json_type(value: Any) -> str:
    if isinstance(value, list):
        return "list"
    if isinstance(value, str):
        return "string"
    if value is None:
        return "null"
    return "number" if isinstance(value, int | float) and not isinstance(value, bool) else type(value).__name__


def env_overrides(env: Mapping[str, str] | None = None) -> dict[str, str]:
    """The seed's operational settings given in the environment (field → raw text)."""
    env = os.environ if env is None else env
    return {field: env[var].strip() for var, field in ENV_OVERRIDES.items() if env.get(var, "").strip()}


def load_config(path: str | Path | None = None, env: Mapping[str, str] | None = None) -> ScoringConfig:
    """Defaults, then the file (if any), then the seed's environment overrides."""
    data: dict[str, Any] = dict(read_config_file(path)) if path is not None else {}
    data.update(env_overrides(env))
    source = f"configuration ({path})" if path is not None else "configuration"
    return ScoringConfig.from_mapping(data, source=source)


def with_env(config: ScoringConfig, env: Mapping[str, str] | None = None) -> ScoringConfig:
    """``config`` with the environment's operational overrides (a saved version keeps its label)."""
    overrides = env_overrides(env)
    if not overrides or all(str(getattr(config, f)).lower() == v.lower() for f, v in overrides.items()):
        return config
    try:
        return config.with_changes(**overrides, version=config.version)
    except ConfigError as exc:
        raise ConfigError(f"{exc} (from the environment)", exc.problems) from None


def dict_to_toml(data: Mapping[str, Any]) -> str:
    """A tiny TOML writer for our config shape (scalars, lists of scalars, tables, arrays of tables)."""
    scalars, tables, arrays = [], [], []
    for key, value in data.items():
        if isinstance(value, Mapping):
            tables.append((key, value))
        elif isinstance(value, list | tuple) and value and all(isinstance(v, Mapping) for v in value):
            arrays.append((key, value))
        else:
            scalars.append(f"{key} = {_toml_value(value)}")
    out = ["\n".join(scalars)] if scalars else []
    for key, table in tables:
        out.append(f"[{key}]\n" + "\n".join(f"{k} = {_toml_value(v)}" for k, v in table.items()))
    for key, items in arrays:
        for item in items:
            body = "\n".join(f"{k} = {_toml_value(v)}" for k, v in item.items() if v is not None)
            out.append(f"[[{key}]]\n{body}")
    return "\n\n".join(out) + "\n"


def _toml_value(value: Any) -> str:
    if isinstance(value, Mapping):  # an inline table (nested settings such as the engagement table's rows)
        return "{ " + ", ".join(f"{json.dumps(str(k))} = {_toml_value(v)}" for k, v in value.items()) + " }"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value)
    if isinstance(value, list | tuple):
        return "[" + ", ".join(_toml_value(v) for v in value) + "]"
    return json.dumps(str(value), ensure_ascii=False)
