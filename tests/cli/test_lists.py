"""``credit-scoring lists …`` and ``sanctions …`` on a synthetic city: identify, notice, decide
after the objection period, the tasks it issues, a response, the statistics; a mistake fails
with one line."""

import datetime as dt
import json

import pytest
from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.records.ingestion import ingest_directory
from credit_scoring.records.store import Store
from credit_scoring.synth import generate_city

runner = CliRunner()
AS_OF = dt.date(2026, 9, 30)


@pytest.fixture(scope="module")
def city(tmp_path_factory):
    folder = tmp_path_factory.mktemp("lists-city")
    made = generate_city(folder / "files", n_subjects=600, seed=5, end=AS_OF)
    with Store(folder / "credit.duckdb") as store:
        ingest_directory(store, made.out_dir)
    return folder


def _run(monkeypatch, today, *args, ok=True):
    monkeypatch.setenv("CREDIT_SCORING_TODAY", today)
    result = runner.invoke(app, list(args))
    assert (result.exit_code == 0) == ok, result.output
    return result


def test_a_black_list_entry_from_the_command_line(city, tmp_path, monkeypatch):
    db = ["--db", str(city / "credit.duckdb"), "--workflow-db",
          f"sqlite:///{tmp_path / 'workflow.db'}"]  # fmt: skip
    models = ["--mlruns", str(tmp_path / "mlruns")]  # none trained: the rule scorecard decides
    found = json.loads(_run(monkeypatch, "2026-10-09", "lists", "identify", "--as-of",
                            "2026-09-30", "--list", "black", "--json", *db).stdout)  # fmt: skip
    assert found["per_list"] == {"black": len(found["candidates"])} and found["candidates"]
    uscc = found["candidates"][0]["uscc"]

    noticed = _run(monkeypatch, "2026-10-09", "lists", "notice", uscc, "--list", "black",
                   "--by", "执法局", "--json", *db)  # fmt: skip
    case = json.loads(noticed.stdout)[0]
    assert (case["status"], case["objection_due"]) == ("noticed", "2026-10-15")
    early = _run(monkeypatch, "2026-10-09", "lists", "decide", str(case["id"]), "--confirm",
                 *db, *models, ok=False)  # fmt: skip
    assert "ends on 2026-10-15" in early.output and len(early.output.strip().splitlines()) == 1

    decided = _run(monkeypatch, "2026-10-19", "lists", "decide", str(case["id"]), "--confirm",
                   "--json", *db, *models)  # fmt: skip
    listed = json.loads(decided.stdout.strip().splitlines()[-1])[0]
    assert listed["status"] == "listed" and listed["entry_record_id"] == f"LIST-{case['id']:06d}"

    tasks = json.loads(_run(monkeypatch, "2026-10-19", "sanctions", "list", "--department",
                            "finance", "--json", "--workflow-db", db[3]).stdout)  # fmt: skip
    assert {t["measure_code"] for t in tasks} == {"P03", "P05"}
    _run(monkeypatch, "2026-10-20", "sanctions", "respond", str(tasks[0]["id"]), "apply",
         "--note", "已限制参加政府采购", "--workflow-db", db[3])  # fmt: skip
    stats = json.loads(_run(monkeypatch, "2026-10-30", "sanctions", "stats", "--json",
                            "--workflow-db", db[3]).stdout)  # fmt: skip
    every = stats["departments"][-1]
    assert every["department"] == "*" and every["responded"] == 1 and every["overdue"] == 8
    shown = _run(monkeypatch, "2026-10-30", "lists", "cases", "--workflow-db", db[3])
    assert "listed" in shown.stdout


@pytest.mark.parametrize("args, says", [
    (["lists", "identify", "--as-of", "2026-13-01"], "--as-of: '2026-13-01' is not a date"),
    (["lists", "identify", "--as-of", "2026-09-30", "--list", "purple"], "list must be one of"),
    (["lists", "cases", "--status", "done"], "status must be one of"),
    (["sanctions", "list", "--department", "税务局"], "department must be one of"),
    (["sanctions", "respond", "1", "shout"], "action must be one of"),
])  # fmt: skip
def test_a_mistake_fails_with_one_line(city, tmp_path, monkeypatch, args, says):
    options = ["--workflow-db", f"sqlite:///{tmp_path / 'workflow.db'}"]
    if args[1] == "identify":
        options += ["--db", str(city / "credit.duckdb")]
    result = _run(monkeypatch, "2026-10-09", *args, *options, ok=False)
    assert says in result.output and len(result.output.strip().splitlines()) == 1
