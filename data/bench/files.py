"""Benchmarks of files in and out, as a user meets them:

* ``leadscore score`` on a 100,000-line JSON Lines file of *varied* records (key order, lax values,
  missing parts, unknown keys, spreadsheet phone numbers — generated here, differently from the other
  benchmarks' synthetic book), timed as a whole process (start-up included, as a shell sees it), against
  the seed-design baseline run the same way on the same file;
* importing a 10,000-row CSV the way the Import page and ``leadscore import`` do (validate, store, score);
* ``leadscore score`` on a 100,000-row CSV, to JSON Lines and to CSV.
"""

from __future__ import annotations

import os
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import orjson

from scoring.config import ScoringConfig

from .core import Echo, Result, best_of

_WORDS = ("Paws", "Whiskers", "Harbor", "Prairie", "Canyon", "Birch", "Juniper", "Mesa", "Delta", "Ñandú", "Zoë")
_KINDS = ("Animal Hospital", "Vet Clinic", "Pet Wellness", "Veterinary Group", "Cat Clinic", "Equine & Small Animal")
_EMRS = ("Cornerstone", "IDEXX Neo", "AVImark", "eVetPractice", "ezyVet", "Provet Cloud", "", None, "  ")
_TECH = ("online booking", "SMS reminders", "Telehealth", "patient portal", "Vetstoria", "PetDesk", "Weave")


def _phone(r: random.Random) -> str:
    a, b, c = r.randint(201, 989), r.randint(200, 999), r.randint(0, 9999)
    return r.choice((f"({a}) {b}-{c:04d}", f"{a}-{b}-{c:04d}", f"+1 {a} {b} {c:04d}", f"{a}{b}{c:04d}.0"))


def varied_record(r: random.Random, i: int) -> dict[str, Any]:
    """One practice as enrichment pipelines write them: optional parts, lax and odd values, shuffled keys."""
    gm: dict[str, Any] = {
        "name": f"{r.choice(_WORDS)} {r.choice(_KINDS)}",
        "address": f"{r.randint(1, 99999)} {r.choice(_WORDS)} Rd, Suite {r.randint(1, 400)}",
    }
    if r.random() < 0.9:
        gm["phone"] = _phone(r)
    if r.random() < 0.8:
        gm["website"] = f"https://{r.choice(_WORDS).lower()}{i}.example.org"
    roll = r.random()
    gm["rating"] = None if roll < 0.05 else (r.choice((3, 4, 5)) if roll < 0.25 else round(r.uniform(2.5, 5.0), 2))
    gm["reviews_count"] = None if r.random() < 0.05 else int(r.paretovariate(1.2) * 5)
    gm["has_multiple_locations"] = r.random() < 0.1
    status = r.choices(("Completed", "Partial", "Failed", "Not Started"), (0.5, 0.2, 0.1, 0.2))[0]
    rec: dict[str, Any] = {"practice_id": f"{r.getrandbits(48):012x}-{i}", "google_maps_data": gm,
                           "enrichment_status": status, "triggered_by": r.choice(("auto", "manual", "rescore"))}
    if status in ("Completed", "Partial"):
        en: dict[str, Any] = {
            "vet_count_confidence": r.choice(("high", "medium", "low", None)),
            "phone_numbers": [_phone(r) for _ in range(r.choice((0, 1, 1, 2, 2, 3, 5)))],
            "email_addresses": [f"front{j}@{r.choice(_WORDS).lower()}.example.org" for j in range(r.randint(0, 2))],
            "emr_system": r.choice(_EMRS),
            "has_online_booking": r.random() < 0.4,
            "has_telemedicine": r.random() < 0.2,
            "technologies": r.sample(_TECH, r.randint(0, 3)),
            "decision_maker": {"name": f"Dr. {r.choice(_WORDS)}", "title": r.choice(("Owner", None))}
            if r.random() < 0.6
            else None,
            "extraction_timestamp": f"2025-{r.randint(1, 12):02d}-{r.randint(1, 28):02d}T10:00:00Z",
        }
        if r.random() < 0.92:
            en["vet_count"] = max(0, int(r.gauss(5, 3)))
        keys = list(en)
        r.shuffle(keys)
        rec["enrichment_data"] = {k: en[k] for k in keys}
        rec["enrichment_confidence"] = r.choice(("high", "medium", "low", None))
    if r.random() < 0.3:
        rec["source_row"] = r.randint(1, 10**6)  # a key no contract knows
    keys = list(rec)
    r.shuffle(keys)
    return {k: rec[k] for k in keys}


def write_varied_jsonl(path: Path, n: int, seed: int = 99) -> None:
    r = random.Random(seed)
    with open(path, "wb") as handle:
        for i in range(n):
            handle.write(orjson.dumps(varied_record(r, i)) + b"\n")


def _process(args: list[str]) -> float:
    """Wall time of a whole process, start-up included."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
    started = time.perf_counter()
    subprocess.run(args, check=True, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - started


_BASELINE = (
    "import sys; from pathlib import Path; from data.bench import baseline; from scoring.config import ScoringConfig; "
    "baseline.score_jsonl_file(Path(sys.argv[1]), Path(sys.argv[2]), ScoringConfig())"
)


def bench_files(n: int, echo: Echo) -> list[Result]:
    results: list[Result] = []
    with tempfile.TemporaryDirectory(prefix="leadscore-bench-files-") as tmp:
        root = Path(tmp)
        results += _score_process(root, n, echo)
        results += _import_csv(root, max(n // 10, 1_000), echo)
        results += _score_csv(root, n, echo)
    return results


def _score_process(root: Path, n: int, echo: Echo) -> list[Result]:
    source, ours_out, base_out = root / "varied.jsonl", root / "ours.jsonl", root / "baseline.jsonl"
    write_varied_jsonl(source, n)
    command = [sys.executable, "-m", "data.cli", "score", str(source), "-o", str(ours_out), "-q", "--no-progress"]
    ours = min(_process(command) for _ in range(3))
    base = _process([sys.executable, "-c", _BASELINE, str(source), str(base_out)])
    same = _same_scores(ours_out, base_out)
    note = "same lead scores, tiers and flags as the baseline" if same else "OUTPUTS DIFFER from the baseline"
    return [
        Result(f"`leadscore score` on {n:,} varied JSONL lines, whole process", ours, "s",
               note=f"{n / ours:,.0f} practices/s, start-up included"),
        Result("  seed-design baseline, whole process, same file", base, "s", note=f"{n / base:,.0f} practices/s"),
        Result("  speed-up over the baseline (whole processes)", base / ours, "x", 10.0, higher_is_better=True,
               note=note),
    ]


def _same_scores(a: Path, b: Path) -> bool:
    def key(path: Path) -> list[tuple[Any, ...]]:
        with open(path, "rb") as handle:
            rows = [orjson.loads(line) for line in handle]
        return [(r["lead_score"], r["priority_tier"], r["confidence_flags"], r["scoring_status"]) for r in rows]

    return key(a) == key(b)


def _import_csv(root: Path, n: int, echo: Echo) -> list[Result]:
    from ..files.importer import import_preview, preview_import
    from ..store import Store
    from ..synthetic import synthetic_frame

    source = root / "book.csv"
    synthetic_frame(n, seed=21).to_csv(source, index=False)
    runs = iter(range(100))

    def whole() -> Any:
        store = Store.open(root / f"import-{next(runs)}.db")
        try:
            return import_preview(store, preview_import(source))
        finally:
            store.close()

    validate_s, _ = best_of(3, lambda: preview_import(source))
    import_s, report = best_of(3, whole)
    return [
        Result(f"importing a {n:,}-row CSV: validate, store and score", import_s, "s", 2.0,
               note=f"scored {report.scored:,}"),
        Result("  of which validation (the row report)", validate_s, "s"),
    ]


def _score_csv(root: Path, n: int, echo: Echo) -> list[Result]:
    from ..files.batch import score_file
    from ..synthetic import synthetic_frame

    source = root / "book.csv"
    synthetic_frame(n, seed=3).to_csv(source, index=False)
    cfg = ScoringConfig()
    to_jsonl, _ = best_of(3, lambda: score_file(source, root / "out.jsonl", cfg, show_progress=False))
    to_csv, _ = best_of(3, lambda: score_file(source, root / "out.csv", cfg, show_progress=False))
    return [
        Result(f"`leadscore score` on a {n:,}-row CSV → JSON Lines (in process)", to_jsonl, "s",
               note=f"{n / to_jsonl:,.0f} practices/s"),
        Result(f"`leadscore score` on a {n:,}-row CSV → CSV (in process)", to_csv, "s",
               note=f"{n / to_csv:,.0f} practices/s"),
    ]
