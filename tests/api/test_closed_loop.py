"""The closed loops through the service (issue 16.3–16.5), on SQLite and PostgreSQL: a breach
recorded and served at once with its measure, an interview from candidate to rectification on
the workbench, a plan's results on the public pages, and the late-results report."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from credit_scoring.records.ingestion import ingest_file
from credit_scoring.records.store import Store
from credit_scoring.workflows import audit_entries, connect
from tests.conftest import write_table

from .conftest import TODAY

SAME_SITE = {"sec-fetch-site": "same-origin"}


def _signed_in(service, role):
    browser = TestClient(service.client.app, base_url="http://testserver")
    response = browser.post(
        "/workbench/login",
        data={"api_key": service.keys[role]},
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


def _due(service):
    response = service.get("/v1/commitments/due", "analyst", params={"within_days": 366})
    assert response.status_code == 200, response.text
    return response.json()


def test_a_breach_is_recorded_served_at_once_and_triggers_its_measure(service):
    listed = _due(service)
    assert listed["total"] == len(listed["commitments"]) > 0
    commitment = listed["commitments"][0]
    uscc, record_id = commitment["uscc"], commitment["record_id"]
    check = {"uscc": uscc, "scenario": "licensing"}
    before = service.post("/v1/credit-checks", "regulator", json=check).json()
    assert "P08" not in {m["code"] for m in before["measures"]}

    response = service.post(
        f"/v1/commitments/{record_id}/verification",
        "regulator",
        json={"uscc": uscc, "outcome": "breached", "note": "未履约"},
    )
    assert response.status_code == 200, response.text
    done = response.json()
    assert (done["verification"]["outcome"], done["served"]["uscc"]) == ("breached", uscc)
    assert done["served"]["regraded_at"] is not None  # the re-grade is served at once

    after = service.post("/v1/credit-checks", "regulator", json=check).json()
    p08 = next(m for m in after["measures"] if m["code"] == "P08")
    assert [r["record_id"] for r in p08["records"]] == [record_id]
    records = service.get(f"/v1/subjects/{uscc}/records", "reviewer").json()["records"]
    stored = next(r for r in records["commitments"] if r["record_id"] == record_id)
    assert (stored["fulfilment"], stored["verified_date"]) == ("breached", TODAY.isoformat())
    assert record_id not in {c["record_id"] for c in _due(service)["commitments"]}
    engine = connect(service.settings.workflow_db_url)
    assert "commitment_breached" in [e["action"] for e in audit_entries(engine, uscc)]
    again = service.post(
        f"/v1/commitments/{record_id}/verification", "regulator", json={"outcome": "fulfilled"}
    )
    assert again.status_code == 409 and "a verification is final" in again.json()["detail"]
    wrong = service.post(
        f"/v1/commitments/{record_id}/verification",
        "regulator",
        json={"uscc": "91350200776049653A", "outcome": "fulfilled"},
    )
    assert wrong.status_code == 404


def test_the_commitments_page_records_an_outcome_and_only_regulators_may(service):
    browser = _signed_in(service, "regulator")
    page = browser.get("/workbench/commitments", params={"within": 366})
    assert page.status_code == 200 and "信用承诺核查" in page.text
    record_id = re.search(r'/workbench/commitments/([^/"]+)/verification', page.text).group(1)
    uscc = next(c["uscc"] for c in _due(service)["commitments"] if c["record_id"] == record_id)
    form = {"uscc": uscc, "outcome": "fulfilled", "verified_on": TODAY.isoformat(), "note": "x"}
    reviewer = _signed_in(service, "reviewer")
    refused = reviewer.post(
        f"/workbench/commitments/{record_id}/verification", data=form, headers=SAME_SITE
    )
    assert refused.status_code == 403
    done = browser.post(
        f"/workbench/commitments/{record_id}/verification",
        data=form,
        headers=SAME_SITE,
        follow_redirects=False,
    )
    assert done.status_code == 303
    shown = browser.get(done.headers["location"])
    assert 'id="verified"' in shown.text and record_id in shown.text


def test_an_interview_goes_from_candidate_to_rectification_on_the_workbench(service):
    browser = _signed_in(service, "regulator")
    page = browser.get("/workbench/interviews")
    assert page.status_code == 200 and "可约谈的主体" in page.text
    uscc = service.get("/v1/interviews/candidates", "regulator").json()[0]["uscc"]
    form = {"uscc": uscc, "interview_type": "warning", "meet_on": TODAY.isoformat()}
    scheduled = browser.post(
        "/workbench/interviews", data=form, headers=SAME_SITE, follow_redirects=False
    )
    assert scheduled.status_code == 303
    location = scheduled.headers["location"]
    held = browser.post(
        f"{location}/record",
        headers=SAME_SITE,
        follow_redirects=False,
        data={
            "held_on": TODAY.isoformat(),
            "rectification": "清理店外堆放物品",
            "interviewers": "执法人员丙;执法人员丁",
        },
    )
    assert held.status_code == 303
    shown = browser.get(location).text
    assert "整改要求" in shown and "清理店外堆放物品" in shown
    assert "执法人员丙" not in shown  # officials' names: reviewers only, as on record pages
    interview_id = int(location.rsplit("/", 1)[1])
    as_reviewer = service.get("/v1/interviews", "reviewer", params={"uscc": uscc}).json()
    as_regulator = service.get("/v1/interviews", "regulator", params={"uscc": uscc}).json()
    assert as_reviewer[-1]["interviewers"] == "执法人员丙;执法人员丁"
    assert as_regulator[-1]["interviewers"] is None
    record_id = as_reviewer[-1]["record_id"]
    records = service.get(f"/v1/subjects/{uscc}/records", "reviewer").json()["records"]
    assert [r["record_id"] for r in records["interviews"]] == [record_id]

    rectified = browser.post(
        f"{location}/rectification",
        headers=SAME_SITE,
        data={"rectified_on": TODAY.isoformat()},
        follow_redirects=False,
    )
    assert rectified.status_code == 303
    assert "已整改" in browser.get(location).text
    api = service.get("/v1/interviews", "analyst", params={"status": "rectified"}).json()
    assert interview_id in {i["id"] for i in api}
    again = service.post(
        f"/v1/interviews/{interview_id}/rectification",
        "regulator",
        json={"rectified_on": TODAY.isoformat()},
    )
    assert again.status_code == 409


def test_a_subject_neither_graded_c_d_nor_newly_listed_may_not_be_called(service):
    grades = service.served.snapshot.tables["grades"].to_pandas()
    good = grades.loc[grades["grade"] == "A", "uscc"].iloc[0]
    response = service.post(
        "/v1/interviews",
        "regulator",
        json={"uscc": good, "interview_type": "prompt", "meet_on": TODAY.isoformat()},
    )
    assert response.status_code == 422
    assert "graded A" in response.json()["detail"]


@pytest.fixture
def plan_with_results(service):
    """A plan drawn through the API, with results recorded for two of its subjects."""
    drawn = service.post(
        "/v1/plans", "regulator", json={"as_of": "2026-09-30", "rate": 0.05, "seed": 16}
    )
    assert drawn.status_code == 201, drawn.text
    plan = drawn.json()
    items = plan["items"][:2]
    rows = [
        {
            "record_id": f"PR{i}",
            "uscc": item["uscc"],
            "inspection_date": "2026-10-08",
            "result": "compliant",
            "plan_id": plan["plan_id"],
            "department": item["department"],
            "inspectors": "ZF7771;ZF7772",
            "random_sample": "true",
            "inclusion_prob": "",
            "published_date": "2026-10-09",
        }
        for i, item in enumerate(items)
    ]
    with Store(service.folder / "credit.duckdb") as store:
        path = write_table(rows, service.folder / "plan-results.csv")
        assert ingest_file(store, "inspections", path, today=TODAY).accepted == 2
    return plan, [item["uscc"] for item in items]


def test_the_public_pages_publish_a_plans_results_and_nothing_more(service, plan_with_results):
    plan, inspected = plan_with_results
    listing = service.get("/public/plans")
    assert listing.status_code == 200 and plan["plan_id"] in listing.text
    assert "default-src 'none'" in listing.headers["content-security-policy"]
    page = service.get(f"/public/plans/{plan['plan_id']}")
    assert page.status_code == 200 and "<script" not in page.text
    assert plan["commitment"] in page.text and "抽查事项" in page.text
    data = service.get(f"/public/plans/{plan['plan_id']}", params={"format": "json"}).json()
    assert [r["uscc"] for r in data["results"]] == sorted(inspected)
    assert data["announcement"]["seed"] is None  # the period runs to 30 December
    names = {
        s["uscc"]: s["name"]
        for s in service.served.snapshot.tables["subjects"].to_pylist()
        if s["uscc"] in inspected
    }
    assert {r["uscc"]: r["name"] for r in data["results"]} == names  # the snapshot's names
    not_inspected = {i["uscc"] for i in plan["items"]} - set(inspected)
    for text in (page.text, str(data)):
        assert "ZF777" not in text  # no inspector
        assert not any(uscc in text for uscc in not_inspected)  # the drawn list stays secret
    assert [p["plan_id"] for p in service.get("/public/plans?format=json").json()] == [
        plan["plan_id"]
    ]
    missing = service.get("/public/plans/P20990101-000000000000")
    assert missing.status_code == 404


def test_the_late_results_report_names_the_plans_behind_their_deadline(service):
    late = service.get("/v1/plan-results", "regulator")
    assert late.status_code == 200, late.text
    rows = late.json()
    assert rows and all(r["late"] for r in rows)
    assert all(r["overdue"] + r["published_late"] > 0 for r in rows)
    every = service.get("/v1/plan-results", "analyst", params={"all": True}).json()
    assert len(every) >= len(rows)
    browser = _signed_in(service, "analyst")
    page = browser.get("/workbench/plan-results")
    assert page.status_code == 200 and rows[0]["plan_id"] in page.text
