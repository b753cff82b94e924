"""`leadscore evidence`, `thresholds` and `explain`: the JSON shapes other tools rely on, tables, errors."""

from __future__ import annotations

import json
from collections.abc import Callable

import pytest
from click.testing import CliRunner, Result

from data.cli import main
from data.store import DEFAULT_DB, Store
from scoring.evidence.metrics import TIERS
from tests.data.conftest import practice_row


@pytest.fixture
def run() -> Callable[..., Result]:
    runner = CliRunner()

    def invoke(*args: str) -> Result:
        return runner.invoke(main, list(args), catch_exceptions=False)

    return invoke


def one_line_error(result: Result) -> str:
    lines = [line for line in result.stderr.splitlines() if line.strip()]
    assert result.exit_code == 2 and len(lines) == 1 and lines[0].startswith("leadscore: error: "), result.stderr
    return lines[0]


def test_evidence_json_on_the_sample_book(run) -> None:
    result = run("evidence", "--json")
    assert result.exit_code == 0, result.stderr
    doc = json.loads(result.stdout)
    assert {"labelled", "won", "lost", "base_rate", "auc", "config_version", "tiers", "model"} <= set(doc)
    assert doc["labelled"] == doc["won"] + doc["lost"] > 0 and doc["config_version"] == "default"
    assert doc["base_rate"] == pytest.approx(doc["won"] / doc["labelled"])
    assert 0.5 < doc["auc"] < 1 and doc["model"] is None
    assert set(doc["tiers"]) == set(TIERS)
    for tier in doc["tiers"].values():
        assert {"practices", "won", "lost", "conversion", "lift"} <= set(tier)
        assert tier["conversion"] == pytest.approx(tier["won"] / (tier["won"] + tier["lost"]))
        assert tier["lift"] == pytest.approx(tier["conversion"] / doc["base_rate"])
    assert sum(t["won"] for t in doc["tiers"].values()) == doc["won"]
    assert sum(t["practices"] for t in doc["tiers"].values()) == 500


def test_evidence_trains_a_model_and_reports_it(run) -> None:
    result = run("evidence", "--json", "--train")
    doc = json.loads(result.stdout)
    assert doc["model"]["method"] == "logistic_regression" and 0.5 < doc["model"]["auc_cv"] < 1
    assert "Model v1 trained" in result.stderr
    table = run("evidence")
    assert "Model v1 (logistic regression, trained" in table.stdout and "Pending Enrichment" in table.stdout


def test_evidence_nulls_where_nothing_is_labelled(run) -> None:
    store = Store.open(DEFAULT_DB)
    store.upsert_practices([practice_row("a") | {"status": "Won"}, practice_row("b") | {"status": "New"}])
    result = run("evidence", "--json")
    doc = json.loads(result.stdout)
    assert (doc["labelled"], doc["won"], doc["lost"], doc["base_rate"], doc["auc"]) == (1, 1, 0, 1.0, None)
    assert doc["too_few_labels"] is True
    assert doc["tiers"]["Hot"] == {"practices": 0, "labelled": 0, "won": 0, "lost": 0, "conversion": None,
                                   "lift": None}
    assert doc["tiers"]["Pending Enrichment"]["conversion"] == 1.0
    assert "Warning: Only 1 won and 0 lost" in run("evidence").stdout


def test_evidence_of_a_given_configuration(run, tmp_path) -> None:
    config = tmp_path / "c.toml"
    config.write_text('version = "strict"\nhot_tier_min = 110\n\n[outcomes]\nwon = ["Won"]\nlost = ["Lost"]\n')
    doc = json.loads(run("evidence", "--json", "--config", str(config)).stdout)
    default = json.loads(run("evidence", "--json").stdout)
    assert doc["config_version"] == "strict" and doc["tiers"]["Hot"]["practices"] < default["tiers"]["Hot"]["practices"]
    assert doc["labelled"] < default["labelled"]  # "Customer" and friends are open under these lists
    bad = tmp_path / "bad.toml"
    bad.write_text('[outcomes]\nwon = ["Won"]\nlost = ["won"]\n')
    assert "outcomes" in one_line_error(run("evidence", "--config", str(bad)))


def test_thresholds_json(run) -> None:
    doc = json.loads(run("thresholds", "--hot-capacity", "40", "--warm-capacity", "100", "--json").stdout)
    assert {"hot_tier_min", "warm_tier_min", "counts"} <= set(doc)
    assert doc["counts"]["Hot"] <= 40 and doc["counts"]["Hot"] + doc["counts"]["Warm"] <= 140
    assert doc["warm_tier_min"] < doc["hot_tier_min"]
    assert set(doc["counts"]) == {"Hot", "Warm", "Cold", "Pending Enrichment"}
    store = Store.open(DEFAULT_DB)
    scores = store.frame("SELECT lead_score FROM scores WHERE priority_tier IN ('Hot', 'Warm', 'Cold')")["lead_score"]
    assert doc["counts"]["Hot"] == int((scores >= doc["hot_tier_min"]).sum())
    everyone = json.loads(run("thresholds", "--hot-capacity", "100000", "--json").stdout)
    assert (everyone["hot_tier_min"], everyone["warm_tier_min"]) == (0, -1)
    assert "no Warm threshold" in run("thresholds", "--hot-capacity", "100000").stdout
    assert run("thresholds", "--hot-capacity", "-1").exit_code == 2


def test_explain_json_and_errors(run) -> None:
    store = Store.open(DEFAULT_DB)
    store.upsert_practices([practice_row("p", reviews_count=10)])
    assert "has not been scored yet" in one_line_error(run("explain", "p"))
    run("rescore", "--practice-id", "p")
    one = json.loads(run("explain", "p", "--json").stdout)
    assert one["from"] is None and one["changes"] == [] and "Only one scoring" in one["sentence"]
    store.upsert_practices([practice_row("p", reviews_count=200)])
    run("rescore", "--practice-id", "p")
    doc = json.loads(run("explain", "p", "--json").stdout)
    assert doc["practice_id"] == "p" and (doc["from"]["position"], doc["to"]["position"]) == (1, 2)
    assert doc["sentence"] == "Pending Enrichment 9 → 28: reviews 10 → 200 (+19)"
    assert {"kind": "input", "field": "google_maps_data.reviews_count", "before": 10, "after": 200, "delta": None,
            "text": "reviews 10 → 200"} in doc["changes"]
    text = run("explain", "p", "--from", "1", "--to", "-1").stdout
    assert text.startswith("Pending Enrichment 9 → 28") and "from #1" in text
    assert "--from 3" in one_line_error(run("explain", "p", "--from", "3"))
    assert "no practice" in one_line_error(run("explain", "nope"))
