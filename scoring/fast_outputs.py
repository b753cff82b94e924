"""The ScoringOutput JSON Lines of a whole :class:`~scoring.features.FeatureTable`, assembled column-wise.

An output line is made of pieces that repeat from practice to practice. For a scored practice without
invalid fields it is, piece by piece (what each distinct piece depends on on the right)::

    {"practice_id":"                                                                       constant
    <id>                                                                                   per row
    ","lead_score":..,"priority_tier":..,"score_breakdown":"{"total_score":..,"components":{
                                                          pre-penalty total, confidence, mode
    "practice_size":{..},  "call_volume":{..},  "technology":{..},           each by its inputs
    "baseline":{"score":..,"max":..,"detail":"                                          score, mode
    <reviews text>,                                                                review count
    <rating text>, <website>, <locations> (capped ..)"},"decision_maker":{...,"detail":"
                                                   rating, presence, cap, mode, decision-maker state
    <decision-maker detail>                                                                per row
    "}},"warnings":[..],"config_version":..}","confidence_flags":[..],..."error_message":null}
                                                       mode, confidence, status, flags, DM state

Each distinct piece is made once, by the code the per-practice path uses (:class:`RuleBook`
fragments and sub-rule texts, :func:`~scoring.breakdown.head_json`, :func:`~scoring.engine.scored_output`
through orjson), already escaped for its place inside the ``score_breakdown`` string; Arrow then joins
the rows in C++. Rows that do not fit this mould — unreadable records, records with invalid fields,
a breakdown over the 2,000-character limit, an id or name with control characters — are rendered one
by one by the ordinary path and spliced in, so every line is byte-for-byte what
:func:`~scoring.engine.book_outputs` and ``orjson.dumps`` write.
"""

from __future__ import annotations

import warnings
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import numpy as np
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from .breakdown import MAX_BREAKDOWN_CHARS, head_json, plain_warnings_json, tail_json
from .config import ScoringConfig
from .engine import DEFAULT_CONFIG, failed_dict, iso_timestamp, scored_dict, scored_output, utc_now
from .features import CONFIDENCE_NAMES, STATUS_NAMES, FeatureTable, PracticeFeatures
from .rules import Component, RuleBook, apply_multiplier, flags_for, fragment

CHUNK_ROWS = 65_536  # rows per joined Arrow array (bounded memory, a progress step)
_SENTINEL = "\ue000"  # a private-use character: orjson writes it as is, no input piece contains it
_ONE = Decimal(1)
_AWAITING, _NOT_FOUND, _FOUND = 0, 1, 2  # decision-maker states


@dataclass
class Rendered:
    """One chunk of output lines and what they hold."""

    body: bytes | memoryview
    rows: int
    tiers: Counter[str] = field(default_factory=Counter)
    errors: Counter[str] = field(default_factory=Counter)


def render_jsonl(
    table: FeatureTable,
    config: ScoringConfig | None = None,
    *,
    now: datetime | None = None,
    duration_ms: int = 0,
    chunk_rows: int = CHUNK_ROWS,
) -> Iterator[Rendered]:
    """``orjson.dumps(out) + b"\\n"`` for every ``out`` of :func:`book_outputs`, chunk by chunk."""
    cfg = config or DEFAULT_CONFIG
    stamp = iso_timestamp(now or utc_now())
    renderer = _Renderer(table, cfg, stamp, duration_ms)
    fast = len(table) > 0 and _agrees(cfg, stamp, duration_ms)
    for lo in range(0, len(table), chunk_rows):
        hi = min(lo + chunk_rows, len(table))
        yield renderer.chunk(lo, hi) if fast else renderer.slow_chunk(lo, hi)


_CHECKED: dict[tuple[str, str, str, int], bool] = {}


def _agrees(cfg: ScoringConfig, stamp: str, duration_ms: int) -> bool:
    """Do the pieces still add up to what the per-practice code writes? Checked once per config on a
    few sample practices, so a change to the breakdown's layout cannot silently change outputs: it
    only costs speed (and a warning) until this module follows."""
    key = (cfg.fingerprint, cfg.config_version, stamp, duration_ms)
    if key not in _CHECKED:
        samples = FeatureTable.from_features(_SAMPLES)
        renderer = _Renderer(samples, cfg, stamp, duration_ms)
        fast = bytes(renderer.chunk(0, len(samples)).body)
        slow = bytes(renderer.slow_chunk(0, len(samples)).body)
        if len(_CHECKED) > 100:
            _CHECKED.clear()
        _CHECKED[key] = fast == slow
        if fast != slow:
            warnings.warn(
                "scoring.fast_outputs no longer matches the breakdown layout; rendering row by row",
                RuntimeWarning,
                stacklevel=3,
            )
    return _CHECKED[key]


_SAMPLES = [
    PracticeFeatures(
        practice_id='p-"1"\\',
        full=True,
        status="Partial",
        confidence="low",
        vet_count=6,
        phone_count=2,
        emr="IDEXX Neo",
        online_booking=True,
        telemedicine=True,
        technologies_count=1,
        dm_name='Dr. "Zoë" \\ Ünal 🐾',
        dm_title="Owner",
        reviews=450,
        rating=4.5,
        website=True,
        multiple_locations=True,
    ),
    PracticeFeatures(practice_id="p-2", full=True, confidence="medium", vet_count=None, dm_name="Ana"),
    PracticeFeatures(practice_id="p-3", full=True, status="Completed", confidence="high", reviews=0, rating=0.0),
    PracticeFeatures(practice_id="p-4", full=False, confidence="low", reviews=37, rating=3.9, website=True),
    PracticeFeatures(practice_id="p-5", full=True, dm_name="🐾" * 900, dm_title="x" * 40, vet_count=12),
]


def _esc(text: str) -> str:
    """``text`` as it appears inside a JSON string written by orjson."""
    return orjson.dumps(text).decode()[1:-1]


def _take(texts: list[str], codes: np.ndarray) -> pa.Array:
    return pa.array(texts, type=pa.string()).take(pa.array(codes, type=pa.int32()))


def _groups(key: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(code per row, distinct keys): a hash factorisation, no sorting; NaN gets code -1."""
    encoded = pa.array(key, from_pandas=True).dictionary_encode()  # from_pandas: NaN becomes null
    codes = encoded.indices.fill_null(-1).to_numpy(zero_copy_only=False).astype(np.int32)
    return codes, encoded.dictionary.to_numpy(zero_copy_only=False)


class _Renderer:
    def __init__(self, t: FeatureTable, cfg: ScoringConfig, stamp: str, duration_ms: int) -> None:
        self.t = t
        self.cfg = cfg
        self.rules: RuleBook = cfg.rulebook
        self.stamp = stamp
        self.duration_ms = duration_ms
        top = cfg.decision_maker_points
        dm_open, dm_close = fragment("decision_maker", Component(top, top, _SENTINEL)).split(_SENTINEL)
        awaiting = self.rules.awaiting["decision_maker"][1]
        not_found = self.rules.decision_maker(None, None)[1]
        # (text before the per-row detail, text after it) for each decision-maker state
        self.dm_parts = {_AWAITING: (awaiting, ""), _NOT_FOUND: (not_found, ""), _FOUND: (dm_open, dm_close)}
        self.dm_score = {_AWAITING: 0, _NOT_FOUND: 0, _FOUND: top}
        self.line_start = self._outer(0, "", [])[0]

    # -- one chunk -----------------------------------------------------------------------------------

    def chunk(self, lo: int, hi: int) -> Rendered:
        t = self.t
        part = slice(lo, hi)
        n = hi - lo
        readable = t.readable[part]
        fast = readable & ~t.invalid[part]
        try:
            ids = pa.array(np.where(fast, t.practice_id[part], None), type=pa.string())
            found = fast & t.full[part] & t.dm_found[part]
            names = pa.array(np.where(found, t.dm_name[part], None), type=pa.string())
            titles = pa.array(np.where(found, t.dm_title[part], None), type=pa.string())
        except (UnicodeError, pa.ArrowException):  # text orjson would refuse too: let it say so
            return self.slow_chunk(lo, hi)

        full = t.full[part]
        conf = t.confidence[part].astype(np.int64)
        status = t.status[part].astype(np.int64)
        dm_state = np.where(full, np.where(found, _FOUND, _NOT_FOUND), _AWAITING)

        ps_codes, ps_pieces = self._practice_size(np.where(full, t.vet_count[part], -2))
        cv_codes, cv_pieces = self._call_volume(np.where(full, t.phone_count[part], -2))
        emr = t.emr_code[part].astype(np.int64)
        tech_key = (emr + 1) * 4 + t.online_booking[part] * 2 + t.telemedicine[part]
        tech_codes, tech_pieces = self._technology(np.where(full, tech_key, -1))
        base, base_score = self._baseline_dm(
            t.reviews[part], t.rating[part], t.website[part], t.multiple_locations[part], full, dm_state
        )
        dm_scores = np.array([self.dm_score[s] for s in range(3)], dtype=np.int64)[dm_state]
        original = (
            _scores(ps_pieces)[ps_codes]
            + _scores(cv_pieces)[cv_codes]
            + _scores(tech_pieces)[tech_codes]
            + base_score
            + dm_scores
        )
        head_codes, head_pieces, tiers = self._heads(original, conf, full)
        limited = (t.emr_code[part] < 0) & (t.technologies_count[part] == 0)
        tail_key = (((full.astype(np.int64) * 8 + conf) * 8 + status) * 4 + dm_state) * 2 + limited
        tail_codes, tail_pieces = self._tails(tail_key)

        # The per-row texts: the id (escaped once) and the decision-maker detail (escaped twice).
        detail = pc.coalesce(pc.binary_join_element_wise(names, " (", titles, ")", ""), names)
        quotes = _counted(detail, '"') + _counted(detail, "\\")
        detail_len = _utf16_units(detail) + quotes
        if quotes.any():
            detail = pc.replace_substring(pc.replace_substring(detail, "\\", "\\" * 4), '"', '\\\\\\"')
        if (_counted(ids, '"') + _counted(ids, "\\")).any():
            ids = pc.replace_substring(pc.replace_substring(ids, "\\", "\\\\"), '"', '\\"')
        control = _has_control(ids) | _has_control(detail)

        length = (
            _lengths(head_pieces)[head_codes]
            + _lengths(ps_pieces)[ps_codes]
            + _lengths(cv_pieces)[cv_codes]
            + _lengths(tech_pieces)[tech_codes]
            + sum(_lengths(pieces)[codes] for codes, pieces in base)
            + detail_len
            + _lengths(tail_pieces)[tail_codes]
        )
        fast &= ~control & (length <= MAX_BREAKDOWN_CHARS)

        try:
            lines = pc.binary_join_element_wise(
                pa.scalar(self.line_start),
                ids,
                _take(_texts(head_pieces), head_codes),
                _take(_texts(ps_pieces), ps_codes),
                _take(_texts(cv_pieces), cv_codes),
                _take(_texts(tech_pieces), tech_codes),
                *(_take(_texts(pieces), codes) for codes, pieces in base),
                detail.fill_null(""),
                _take(_texts(tail_pieces), tail_codes),
                "",
            )
        except pa.ArrowCapacityError:  # over 2 GiB of text in one chunk (enormous ids)
            return self.slow_chunk(lo, hi)
        out = Rendered(b"", n)
        fast_tiers = np.bincount(head_codes[fast], minlength=len(tiers))
        for code, count in enumerate(fast_tiers.tolist()):
            if count:
                out.tiers[tiers[code]] += count
        slow = np.flatnonzero(~fast)
        if len(slow):
            texts = [orjson.dumps(self._slow_dict(lo + i, out)).decode() + "\n" for i in slow.tolist()]
            mask = np.zeros(n, dtype=bool)
            mask[slow] = True
            lines = pc.replace_with_mask(lines, pa.array(mask), pa.array(texts, type=pa.string()))
        out.body = _body(lines)
        return out

    # -- pieces: (text already escaped for the breakdown string, its length inside the breakdown, score)

    def _practice_size(self, key: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        codes, uniques = _groups(key)
        rules = self.rules
        pieces = [
            _fragment_piece(
                rules.awaiting["practice_size"]
                if k == -2
                else rules.practice_size(None if k < 0 else int(k), False)
            )
            for k in uniques.tolist()
        ]
        return codes, pieces

    def _call_volume(self, key: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        codes, uniques = _groups(key)
        rules = self.rules
        pieces = [
            _fragment_piece(rules.awaiting["call_volume"] if k == -2 else rules.call_volume(int(k), False))
            for k in uniques.tolist()
        ]
        return codes, pieces

    def _technology(self, key: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        codes, uniques = _groups(key)
        rules, emr_values = self.rules, self.t.emr_values
        pieces = []
        for k in uniques.tolist():
            if k < 0:
                pieces.append(_fragment_piece(rules.awaiting["technology"]))
                continue
            emr = k // 4 - 1
            pieces.append(
                _fragment_piece(
                    rules.technology(None if emr < 0 else emr_values[emr], bool(k & 2), bool(k & 1), False)
                )
            )
        return codes, pieces

    def _baseline_dm(
        self,
        reviews: np.ndarray,
        rating: np.ndarray,
        website: np.ndarray,
        multi: np.ndarray,
        full: np.ndarray,
        dm_state: np.ndarray,
    ) -> tuple[list[tuple[np.ndarray, list[tuple[str, int, int]]]], np.ndarray]:
        """The baseline fragment, its comma and the decision-maker fragment up to the detail.

        Review counts and ratings multiply into too many combinations to render each one, so the
        fragment is joined from the rule book's sub-rule texts: (score and max), (reviews), (rating,
        presence points, cap note, decision-maker opening). Returns the three (codes, pieces) and scores.
        """
        rules = self.rules
        review_codes, review_values = _groups(reviews)
        review_parts = [rules.reviews_part(None if v < 0 else int(v)) for v in review_values.tolist()]
        rating_codes, ratings = _groups(rating)  # NaN (no rating) → code -1
        rating_parts = [rules.rating_part(float(v)) for v in ratings.tolist()] + [rules.rating_part(None)]
        presence = [rules.presence_parts(bool(w), bool(m)) for w in (0, 1) for m in (0, 1)]
        presence_code = website.astype(np.int64) * 2 + multi
        cap = np.where(full, rules.baseline_cap(True), rules.baseline_cap(False))
        raw = (
            np.array([p for _, p in review_parts], dtype=np.int64)[review_codes]
            + np.array([p for _, p in rating_parts], dtype=np.int64)[rating_codes]
            + np.array([sum(p for _, p in parts) for parts in presence], dtype=np.int64)[presence_code]
        )
        capped = raw > cap
        score = np.minimum(raw, cap)

        open_codes, open_keys = _groups(score * 2 + full)
        opens = []
        for k in open_keys.tolist():
            points, is_full = divmod(k, 2)
            head = fragment("baseline", Component(points, rules.baseline_cap(bool(is_full)), _SENTINEL))
            text = head.split(_SENTINEL)[0]
            opens.append((_esc(text), _units(text), points))
        reviews_pieces = [(_esc(text + ", "), _units(text) + 2, 0) for text, _ in review_parts]

        key = (((rating_codes.astype(np.int64) + 1) * 4 + presence_code) * 2 + capped) * 2 + full
        rest_codes, rest_keys = _groups(key * 3 + dm_state)
        rests = []
        for k in rest_keys.tolist():
            k, state = divmod(k, 3)
            k, is_full = divmod(k, 2)
            k, is_capped = divmod(k, 2)
            rating_code, presence_key = divmod(k, 4)
            top = rules.baseline_cap(bool(is_full))
            text = ", ".join([rating_parts[rating_code - 1][0], *(t for t, _ in presence[presence_key])])
            if is_capped:
                text += rules.capped_suffix(top)
            close = fragment("baseline", Component(0, top, _SENTINEL)).split(_SENTINEL)[1]
            text += close + "," + self.dm_parts[state][0]
            rests.append((_esc(text), _units(text), 0))
        pieces = [(open_codes, opens), (review_codes, reviews_pieces), (rest_codes, rests)]
        return pieces, score

    def _heads(
        self, original: np.ndarray, conf: np.ndarray, full: np.ndarray
    ) -> tuple[np.ndarray, list[tuple[str, int, int]], list[str]]:
        """The line up to the breakdown's components: id end, lead score, tier, breakdown head."""
        codes, uniques = _groups((original * 8 + conf) * 2 + full)
        pieces, tiers = [], []
        for k in uniques.tolist():
            rest, is_full = divmod(k, 2)
            total, conf_code = divmod(rest, 8)
            confidence = CONFIDENCE_NAMES[conf_code]
            multiplier = self.cfg.multiplier(confidence) if is_full else _ONE
            lead = total if multiplier == _ONE else apply_multiplier(total, multiplier)
            tier = self.rules.tier_for(lead, bool(is_full))
            head = head_json(lead, total, bool(is_full), confidence, multiplier, tier)
            middle = self._outer(lead, tier, [])[1]
            pieces.append((middle + _esc(head), _units(head), 0))
            tiers.append(tier)
        return codes, pieces, tiers

    def _tails(self, key: np.ndarray) -> tuple[np.ndarray, list[tuple[str, int, int]]]:
        """The line after the decision-maker detail: the rest of the breakdown, flags, status, ..."""
        codes, uniques = _groups(key)
        pieces = []
        for k in uniques.tolist():
            k, limited = divmod(k, 2)
            k, state = divmod(k, 4)
            k, status_code = divmod(k, 8)
            is_full, conf_code = divmod(k, 8)
            full, confidence, status = bool(is_full), CONFIDENCE_NAMES[conf_code], STATUS_NAMES[status_code]
            multiplier = self.cfg.multiplier(confidence) if full else _ONE
            inner = (
                self.dm_parts[state][1]
                + '},"warnings":'
                + plain_warnings_json(full, confidence, status, multiplier)
                + tail_json(self.cfg.config_version, full)
            )
            facts = PracticeFeatures(
                practice_id="",
                full=full,
                status=status,
                confidence=confidence,
                emr=None if limited else "-",
                dm_name="-" if state == _FOUND else None,
            )
            end = self._outer(0, "", list(flags_for(facts)))[2]
            pieces.append((_esc(inner) + end + "\n", _units(inner), 0))
        return codes, pieces

    def _outer(self, lead: int, tier: str, flags: list[str]) -> tuple[str, str, str]:
        """The output line's text around the practice id and the breakdown: (start, middle, end)."""
        line = orjson.dumps(
            scored_output(_SENTINEL, lead, tier, _SENTINEL, flags, self.stamp, self.duration_ms)
        ).decode()
        start, middle, end = line.split(_SENTINEL)
        return start, middle, end

    # -- rows rendered one by one ---------------------------------------------------------------------

    def slow_chunk(self, lo: int, hi: int) -> Rendered:
        out = Rendered(b"", hi - lo)
        out.body = b"".join([orjson.dumps(self._slow_dict(i, out)) + b"\n" for i in range(lo, hi)])
        return out

    def _slow_dict(self, i: int, out: Rendered) -> dict[str, Any]:
        t = self.t
        if not t.readable[i]:
            out.errors["invalid_input"] += 1
            return failed_dict(t.practice_id[i], "invalid_input", t.unreadable[i], self.stamp, self.duration_ms)
        f = t.row(i)
        d = scored_dict(f, self.rules.evaluate(f), self.cfg, self.stamp, self.duration_ms)
        out.tiers[d["priority_tier"]] += 1
        return d


def _fragment_piece(hit: tuple[Component, str]) -> tuple[str, int, int]:
    comp, frag = hit
    inner = frag + ","
    return _esc(inner), _units(inner), comp.score


def _texts(pieces: list[tuple[str, int, int]]) -> list[str]:
    return [p[0] for p in pieces]


def _lengths(pieces: list[tuple[str, int, int]]) -> np.ndarray:
    return np.array([p[1] for p in pieces], dtype=np.int64)


def _scores(pieces: list[tuple[str, int, int]]) -> np.ndarray:
    return np.array([p[2] for p in pieces], dtype=np.int64)


def _units(text: str) -> int:
    """Length in UTF-16 code units: never less than len(text), so a breakdown within the limit by
    this count is within it whether the limit counts characters or (as Notion does) UTF-16 units."""
    return len(text.encode("utf-16-le")) // 2


def _utf16_units(arr: pa.Array) -> np.ndarray:
    """Per row, :func:`_units` of the text (0 for nulls): code points plus one per astral character."""
    points = pc.utf8_length(arr).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)
    body = arr.buffers()[2]
    if body is None or body.size == 0:
        return points
    offsets = np.frombuffer(arr.buffers()[1], dtype=np.int32)[arr.offset : arr.offset + len(arr) + 1]
    text = np.frombuffer(body, dtype=np.uint8)[offsets[0] : offsets[-1]]
    astral = text >= 0xF0  # the lead byte of a 4-byte UTF-8 sequence: a character beyond U+FFFF
    if not astral.any():
        return points
    seen = np.concatenate([[0], np.cumsum(astral, dtype=np.int64)])
    return points + (seen[offsets[1:] - offsets[0]] - seen[offsets[:-1] - offsets[0]])


def _counted(arr: pa.Array, char: str) -> np.ndarray:
    return pc.count_substring(arr, char).fill_null(0).to_numpy(zero_copy_only=False).astype(np.int64)


def _has_control(arr: pa.Array) -> np.ndarray:
    """Rows whose text holds a control character (orjson escapes those as \\n, \\u0001, ...)."""
    hit = pc.match_substring_regex(arr, r"[\x00-\x1f]")
    return hit.fill_null(False).to_numpy(zero_copy_only=False)


def _body(lines: pa.Array) -> memoryview:
    """The bytes of a string array's values, back to back (each line ends with a newline)."""
    offsets = np.frombuffer(lines.buffers()[1], dtype=np.int32)[lines.offset : lines.offset + len(lines) + 1]
    data = lines.buffers()[2]
    if data is None:
        return memoryview(b"")
    return memoryview(data)[int(offsets[0]) : int(offsets[-1])]


__all__ = ["CHUNK_ROWS", "Rendered", "render_jsonl"]
