"""The plan, plan verify, plan list, evaluate and frequencies commands, as a user runs them."""

import json
import shutil

import pandas as pd
import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.policies import policy_path
from credit_scoring.records.store import Store

runner = CliRunner()


@pytest.fixture
def cli_store(city_store, tmp_path, monkeypatch):
    """A copy of the city's store, graded by the rule scorecard (no trained model needed)."""
    policies = tmp_path / "models"
    shutil.copytree(policy_path("grading.yaml").parent, policies)
    grading = policies / "grading.yaml"
    grading.write_text(grading.read_text().replace("authoritative: gbm", "authoritative: rules"))
    monkeypatch.setenv("CREDIT_SCORING_POLICY_DIR", str(policies))
    db = tmp_path / "city.duckdb"
    shutil.copy(city_store[0], db)
    return str(db)


def _run(*args):
    result = runner.invoke(app, [*args, "--json"])
    return result, (json.loads(result.stdout) if result.exit_code == 0 else None)


def test_plan_then_verify_then_list(cli_store, tmp_path):
    out = tmp_path / "plan.xlsx"
    result, plan = _run("plan", "--as-of", "2026-06-30", "--budget", "120", "--seed", "9",
                        "--db", cli_store, "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert (
        plan["inspections"] == 120 + plan["mandated"]
        and plan["seed"] == 9
        and len(plan["commitment"]) == 64
    )
    assert out.stat().st_size > 0
    result, verified = _run("plan", "verify", plan["plan_id"], "--db", cli_store)
    assert result.exit_code == 0 and verified["ok"] is True
    result, plans = _run("plan", "list", "--db", cli_store)
    assert [p["plan_id"] for p in plans] == [plan["plan_id"]]


def test_a_rate_and_a_department_scope_the_plan(cli_store, tmp_path):
    out = tmp_path / "plan.csv"
    result, plan = _run("plan", "--as-of", "2026-06-30", "--rate", "0.2", "--seed", "1",
                        "--department", "宁波市江北区综合行政执法局", "--domain", "catering",
                        "--domain", "market", "--db", cli_store, "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    written = pd.read_csv(out, encoding="utf-8-sig")
    assert set(written["检查部门"]) == {"宁波市江北区综合行政执法局"}
    with Store(cli_store, read_only=True) as store:
        outside = store.con.execute(
            "SELECT count(*) FROM subjects WHERE list_contains(?, uscc) "
            "AND NOT list_has_any(domains, ['catering', 'market'])",
            [written["统一社会信用代码"].tolist()],
        ).fetchone()
    assert outside == (0,)
    assert plan["inspections"] == len(written)


def test_evaluate_and_frequencies(cli_store, tmp_path, truth):
    from credit_scoring.supervision import load_plan
    from credit_scoring.synth.plan_truth import simulate_results

    _, plan = _run("plan", "--as-of", "2026-06-30", "--rate", "0.1", "--seed", "2",
                   "--db", cli_store)  # fmt: skip
    with Store(cli_store, read_only=True) as store:
        results = simulate_results(load_plan(store, plan["plan_id"]), truth, seed=0)
    path = tmp_path / "results.csv"
    results.to_csv(path, index=False)
    result = runner.invoke(app, ["ingest", "inspections", str(path), "--db", cli_store,
                                 "--today", "2026-11-29", "--json"])  # fmt: skip
    assert result.exit_code == 0, result.output
    result, evaluation = _run("evaluate", "--plan", plan["plan_id"], "--truth", str(truth),
                              "--replicates", "100", "--db", cli_store)  # fmt: skip
    assert result.exit_code == 0, result.output
    assert evaluation["inspections"] == plan["inspections"]
    assert {p["policy"] for p in evaluation["truth"][0]["policies"]} >= {"uniform", "plan"}
    out = tmp_path / "frequencies.xlsx"
    result, summary = _run("frequencies", "--as-of", "2026-06-30", "--db", cli_store,
                           "--out", str(out))  # fmt: skip
    assert result.exit_code == 0, result.output
    assert summary["subjects"] > 5000 and out.stat().st_size > 0


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["plan", "--as-of", "2026-06-30"], "plan needs --as-of and --seed"),
        (["plan", "--as-of", "2026-06-30", "--seed", "1", "--budget", "999999"], "budget of"),
        (["plan", "--as-of", "2026-06-30", "--seed", "1", "--rate", "0.1", "--budget", "3"],
         "a budget or a rate, not both"),
        (["plan", "--as-of", "2026-06-30", "--seed", "1", "--design", "pps"],
         "the pps design needs the model's probability"),  # rule grades carry none
        (["plan", "verify", "P0"], "no inspection plan 'P0'"),
        (["evaluate", "--plan", "P0"], "no inspection plan 'P0'"),
    ],
)  # fmt: skip
def test_a_bad_request_fails_with_one_line_and_exit_1(cli_store, args, message):
    result = runner.invoke(app, [*args, "--db", cli_store])
    assert result.exit_code == 1
    assert message in result.stderr and len(result.stderr.strip().splitlines()) == 1
