"""The closed loops from the command line (issue 16): commitments due and verified, an interview
scheduled, recorded and listed overdue, and the plans whose results are late."""

import datetime as dt
import json

from typer.testing import CliRunner

from credit_scoring.cli import app
from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.store import Store
from tests.conftest import write_table
from tests.workflows.closed_loop_city import SHOP, STALL, YINZHOU, build_store

runner = CliRunner()


def _run(*args):
    result = runner.invoke(app, [*args, "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.stdout)


def _workflow_db(tmp_path):
    return ["--workflow-db", f"sqlite:///{tmp_path / 'workflow.db'}"]


def test_commitments_due_then_verified_from_the_command_line(tmp_path):
    db, wf = str(build_store(tmp_path)), _workflow_db(tmp_path)
    due = _run("commitments", "due", "--as-of", "2026-10-09", "--db", db)
    assert [c["record_id"] for c in due["commitments"]] == ["CN_DUE", "CN_NOTERM"]
    assert (due["due"], due["late"]) == (2, 1)
    done = _run(
        "commitments",
        "verify",
        "CN_DUE",
        "--outcome",
        "breached",
        "--by",
        "核查员",
        "--db",
        db,
        *wf,
    )
    assert (done[0]["record_id"], done[0]["outcome"]) == ("CN_DUE", "breached")
    again = runner.invoke(
        app, ["commitments", "verify", "CN_DUE", "--outcome", "fulfilled", "--db", db, *wf]
    )
    assert again.exit_code == 1 and "a verification is final" in again.stderr


def test_an_interview_scheduled_recorded_and_listed_overdue(tmp_path):
    db, wf = str(build_store(tmp_path)), _workflow_db(tmp_path)
    today = dt.date.today()
    refused = runner.invoke(
        app,
        [
            "interviews",
            "schedule",
            SHOP,
            "--type",
            "prompt",
            "--on",
            today.isoformat(),
            "--db",
            db,
            *wf,
        ],
    )
    assert refused.exit_code == 1 and "an interview is for subjects graded" in refused.stderr
    # Yesterday the stall entered the black list: newly listed, and graded D by that entry.
    entry = {
        "record_id": "MD_BLACK",
        "uscc": STALL,
        "list_type": "black",
        "entered_date": (today - dt.timedelta(days=1)).isoformat(),
        "removed_date": "",
        "reason": "严重违法",
        "authority": YINZHOU,
    }
    with Store(db) as store:
        ingest_file(store, "list_entries", write_table([entry], tmp_path / "black.csv"))
    candidates = _run("interviews", "candidates", "--db", db, *wf)["candidates"]
    assert candidates[0]["uscc"] == STALL and candidates[0]["grade"] == "D"
    scheduled = _run(
        "interviews",
        "schedule",
        STALL,
        "--type",
        "警示约谈",
        "--on",
        today.isoformat(),
        "--db",
        db,
        *wf,
    )
    assert (scheduled[0]["status"], scheduled[0]["department"]) == ("scheduled", YINZHOU)
    held = _run(
        "interviews",
        "record",
        str(scheduled[0]["id"]),
        "--held-on",
        today.isoformat(),
        "--rectification",
        "停止占道经营",
        "--interviewers",
        "执法人员甲",
        "--rectify-by",
        (today + dt.timedelta(days=14)).isoformat(),
        "--db",
        db,
        *wf,
    )
    assert held[0]["status"] == "held" and held[0]["record_id"].startswith("YT")
    later = (today + dt.timedelta(days=15)).isoformat()
    overdue = _run("interviews", "list", "--overdue", "--as-of", later, *wf)
    assert [i["id"] for i in overdue] == [scheduled[0]["id"]]
    assert _run("interviews", "list", "--overdue", *wf) == []


def test_plan_results_due_lists_the_late_plans(tmp_path):
    db = str(build_store(tmp_path))
    result = {
        "record_id": "JC_EXT",
        "uscc": SHOP,
        "inspection_date": "2026-07-06",
        "result": "compliant",
        "plan_id": "SSJ-2026Q3-EXT",
        "department": YINZHOU,
        "inspectors": "",
        "random_sample": "true",
        "inclusion_prob": "",
        "published_date": "2026-09-01",
    }
    with Store(db) as store:
        ingest_file(store, "inspections", write_table([result], tmp_path / "results.csv"))
    late = _run("plan", "results-due", "--as-of", "2026-10-09", "--db", db)["plans"]
    assert [(p["plan_id"], p["published_late"], p["first_missed"]) for p in late] == [
        ("SSJ-2026Q3-EXT", 1, None)
    ]
    shown = runner.invoke(app, ["plan", "results-due", "--as-of", "2026-10-09", "--db", db])
    assert shown.exit_code == 0 and "1 plans late" in shown.stdout
