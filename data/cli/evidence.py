"""`leadscore evidence`, `leadscore thresholds` and `leadscore explain`: does the score win deals, tiers
from capacity, and why one practice's score changed (SPEC §13, issue 10)."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import click

from ..wording import count
from .app import config_option, fail, main, open_workbench


def _dump(value: Any) -> str:
    def clean(v: Any) -> Any:
        if isinstance(v, float) and math.isnan(v):
            return None
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, list | tuple):
            return [clean(x) for x in v]
        return v

    return json.dumps(clean(value), ensure_ascii=False, default=str)


def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.0f} %"


def _auc(value: float | None) -> str:
    return "—" if value is None else f"{value:.3f}"


@main.command()
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--train", is_flag=True, help="Train the learned model on the store's won/lost first (a new version).")
def evidence(config_path: Path | None, as_json: bool, train: bool) -> None:
    """The evidence of the active (or given) configuration over the store: conversion per tier, AUC."""
    from scoring.evidence.model import TooFewLabels

    from ..evidence.book import load_evidence_book
    from ..evidence.training import current_model, train_and_store

    bench = open_workbench(config_path)
    cfg = bench.config
    book = load_evidence_book(bench.store, cfg)
    ev = book.evidence()
    if train:
        try:
            model_id, trained = train_and_store(bench.store, book, cfg)
        except TooFewLabels as exc:
            click.echo(f"leadscore: {exc}", err=True)
        else:
            click.echo(f"Model v{model_id} trained: AUC {trained.auc_cv:.3f} out of sample, rules "
                       f"{trained.auc_rules_cv:.3f} on the same folds.", err=True)
    try:
        stored = current_model(bench.store)
    except ValueError as exc:
        click.echo(f"leadscore: the stored model is ignored: {exc}", err=True)
        stored = None
    if as_json:
        click.echo(_dump(ev.to_json() | {"model": stored.summary() if stored else None}))
        return
    click.echo(f"Evidence of configuration {ev.config_version} over {count(ev.scored, 'scored practice')}: "
               f"{ev.labelled:,} labelled ({ev.won} won, {ev.lost} lost), base rate {_pct(ev.base_rate)}")
    click.echo(f"  {'tier':<20}{'practices':>10}{'won':>6}{'lost':>6}  {'conversion (95 % interval)':<28}{'lift':>6}")
    for name in ev.tiers.index:
        t = ev.tier(name)
        conv = "—" if t["conversion"] is None else (
            f"{_pct(t['conversion'])} ({_pct(t['conversion_low'])}–{_pct(t['conversion_high'])})")
        lift = "—" if t["lift"] is None else f"{t['lift']:.2f}×"
        click.echo(f"  {name:<20}{t['practices']:>10,}{t['won']:>6}{t['lost']:>6}  {conv:<28}{lift:>6}")
    initial = f"Initial Score {_auc(ev.initial_auc)}" + (
        f" ({count(ev.initial_missing, 'practice')} without an initial score left out)" if ev.initial_missing else "")
    click.echo(f"AUC: lead score {_auc(ev.auc)}, {initial}; wins in Hot + Warm {_pct(ev.share_won_hot_warm)}")
    if stored:
        s = stored.summary()
        click.echo(f"Model v{s['id']} ({s['method'].replace('_', ' ')}, trained {s['trained_at'][:16]}): AUC "
                   f"{_auc(s['auc_cv'])} out of sample, rules {_auc(s['auc_rules_cv'])} on the same folds")
    else:
        click.echo("No learned model yet (leadscore evidence --train)")
    if ev.warning:
        click.echo(f"Warning: {ev.warning}")


@main.command()
@click.option("--hot-capacity", type=click.IntRange(min=0), required=True, help="Hot practices the reps can work.")
@click.option("--warm-capacity", type=click.IntRange(min=0), default=0, show_default=True,
              help="Warm practices the reps can work besides.")
@config_option
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def thresholds(hot_capacity: int, warm_capacity: int, config_path: Path | None, as_json: bool) -> None:
    """Tier thresholds from capacity (SPEC §13): at most N practices Hot and N + M in Hot + Warm."""
    from scoring.evidence.capacity import capacity_thresholds
    from scoring.features import FeatureTable
    from scoring.vector import score_table

    bench = open_workbench(config_path)
    cfg = bench.config
    scores = score_table(FeatureTable.from_records(bench.store.records()), cfg)
    cut = capacity_thresholds(scores.lead_score, scores.full, scores.readable, hot_capacity, warm_capacity)
    counts = cut.counts | {"Pending Enrichment": int((scores.readable & ~scores.full).sum())}
    if as_json:
        click.echo(_dump(cut.to_json() | {"counts": counts, "config_version": cfg.config_version}))
        return
    click.echo(f"hot_tier_min = {cut.hot_tier_min}, warm_tier_min = {cut.warm_tier_min} "
               f"(now {cfg.hot_tier_min} and {cfg.warm_tier_min} in configuration {cfg.config_version})")
    click.echo("  " + ", ".join(f"{name} {n:,}" for name, n in counts.items()))
    if cut.warm_tier_min < 0:
        click.echo("Note: every enriched practice fits in Hot, so there is no Warm threshold to set "
                   "(warm_tier_min would be below 0, which no configuration accepts).")


def _position(history_len: int, value: int, option: str) -> int:
    index = value - 1 if value > 0 else history_len + value
    if value == 0 or not 0 <= index < history_len:
        fail(f"{option} {value}: this practice has {count(history_len, 'scoring')}; use 1…{history_len} or "
             f"-1…-{history_len}")
    return index


def _entry(row: dict[str, Any], position: int) -> dict[str, Any]:
    keys = ("id", "scored_at", "trigger", "config_version", "scoring_status", "lead_score", "priority_tier",
            "inputs_hash")
    return {"position": position + 1} | {k: row.get(k) for k in keys}


@main.command()
@click.argument("practice_id")
@click.option("--from", "from_", type=int, default=-2, show_default=True,
              help="The earlier scoring: its position in the practice's history (1 = first, -1 = last).")
@click.option("--to", "to", type=int, default=-1, show_default=True, help="The later scoring (same numbering).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
def explain(practice_id: str, from_: int, to: int, as_json: bool) -> None:
    """Why did PRACTICE_ID's score change between two scorings (default: the last two)."""
    from scoring.explain_change import explain_change

    from ..events.engagement import engagement_changes

    bench = open_workbench(fill=False)
    store = bench.store
    if store.practice(practice_id) is None:
        fail(f"no practice with id {practice_id!r} in {store.path}")
    history = store.history(practice_id)
    rows = [{k: (None if isinstance(v, float) and math.isnan(v) else v) for k, v in r.items()}
            for r in history.to_dict("records")]
    if not rows:
        fail(f"practice {practice_id!r} has not been scored yet (leadscore rescore --practice-id {practice_id})")
    if len(rows) == 1:
        sentence = "Only one scoring so far: nothing to compare."
        if as_json:
            click.echo(_dump({"practice_id": practice_id, "from": None, "to": _entry(rows[0], 0),
                              "sentence": sentence, "inputs_known": True, "changes": []}))
        else:
            click.echo(sentence)
        return
    i, j = _position(len(rows), from_, "--from"), _position(len(rows), to, "--to")
    before, after = rows[i], rows[j]
    change = explain_change(before, after, store.recorded_input(before.get("inputs_hash")),
                            store.recorded_input(after.get("inputs_hash")),
                            extra=engagement_changes(store, practice_id, before, after, bench.config.engagement))
    if as_json:
        click.echo(_dump({"practice_id": practice_id, "from": _entry(before, i), "to": _entry(after, j)}
                         | change.to_json()))
        return
    click.echo(change.sentence)
    click.echo(f"  from #{i + 1} ({before['scored_at']}, {before['config_version']}) "
               f"to #{j + 1} ({after['scored_at']}, {after['config_version']})")
    for item in change.changes:
        click.echo(f"  {item.kind:<10} {item.text or item.field}")
    if not change.inputs_known:
        click.echo("  (the inputs of one of these scorings were not kept, so only components and configuration "
                   "are compared)")
