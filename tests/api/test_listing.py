"""List identification and joint measures end to end on the test city, through the service and
its workbench, on SQLite and PostgreSQL: identify → notice → objection upheld → no entry;
identify → notice → confirm → the public black list shows it → a credit check returns its
measures → tasks for two departments → one responds, one goes overdue → 50% response."""

from __future__ import annotations

import datetime as dt

from fastapi.testclient import TestClient

from .conftest import TODAY, start_service

LATER = dt.date(2026, 10, 19)  # after the five working days of a notice served on TODAY
OVERDUE = dt.date(2026, 10, 27)  # the day after the tasks' response deadline


def _candidate(service, role="regulator", penalties=True):
    """A black-list candidate of the city (by its penalties, B1/B2) with no notice yet."""
    response = service.get("/v1/lists/candidates?list_type=black", role)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["as_of"] == TODAY.isoformat() and body["total"] == len(body["candidates"])
    for candidate in body["candidates"]:
        if not penalties or any(m["code"] in ("B1", "B2") for m in candidate["met"]):
            return candidate
    raise AssertionError("the test city has no black-list candidate left")


def _notice(service, uscc):
    response = service.post(f"/v1/lists/candidates/black/{uscc}/notice", "regulator")
    assert response.status_code == 201, response.text
    return response.json()


def _later(service, day) -> TestClient:
    """Another worker of the same service, running on a later day."""
    client, _ = start_service(service.folder, service.settings.workflow_db_url, today=day)
    return client


def test_an_upheld_objection_to_a_notice_leaves_no_entry(service):
    candidate = _candidate(service)
    case = _notice(service, candidate["uscc"])
    assert case["objection_due"] == "2026-10-15" and case["status"] == "noticed"
    assert case["criteria"][0]["record_ids"] and case["department"] == candidate["department"]

    filed = service.post(
        f"/v1/lists/cases/{case['id']}/objection",
        json={"reason": "处罚已申请复议", "filed_by": "法定代表人"},
    )
    assert filed.status_code == 201, filed.text
    assert filed.json() == {
        **{k: case[k] for k in ("id", "uscc", "list_type", "noticed_on", "objection_due")},
        "status": "objected",
        "objection_status": "pending",
        "objection_decide_due": "2026-10-15",
    }
    upheld = service.post(
        f"/v1/lists/cases/{case['id']}/objection/decision",
        "reviewer",
        json={"upheld": True, "note": "复议撤销了处罚"},
    )
    assert upheld.status_code == 200 and upheld.json()["status"] == "cancelled"
    refused = service.post(
        f"/v1/lists/cases/{case['id']}/decision", "regulator", json={"confirm": True}
    )
    assert refused.status_code == 409 and "cancelled" in refused.json()["detail"]

    with _later(service, LATER) as later:
        listed = later.get("/public/lists/black?limit=1000").json()["entries"]
        assert candidate["uscc"] not in {e["uscc"] for e in listed}
        again = later.get(
            "/v1/lists/candidates?list_type=black", headers=service.headers("regulator")
        ).json()
        assert candidate["uscc"] not in {c["uscc"] for c in again["candidates"]}


def test_a_confirmed_entry_is_public_checked_tasked_and_its_feedback_counted(service):
    candidate = _candidate(service)
    uscc = candidate["uscc"]
    case = _notice(service, uscc)
    early = service.post(
        f"/v1/lists/cases/{case['id']}/decision", "regulator", json={"confirm": True}
    )
    assert early.status_code == 409 and "2026-10-15" in early.json()["detail"]

    with _later(service, LATER) as later:
        regulator = service.headers("regulator")
        decided = later.post(
            f"/v1/lists/cases/{case['id']}/decision",
            headers=regulator,
            json={"confirm": True, "note": "依法列入"},
        )
        assert decided.status_code == 200, decided.text
        listing, served = decided.json()["listing"], decided.json()["served"]
        assert listing["status"] == "listed" and listing["term_until"] == "2029-10-19"
        assert served["grade"] == "D" and served["regraded_at"]  # served before any publish

        public = later.get("/public/lists/black?limit=1000").json()["entries"]
        entry = next(e for e in public if e["uscc"] == uscc)
        assert entry["record_id"] == listing["entry_record_id"]
        assert entry["entered"] == LATER.isoformat()

        check = later.post(
            "/v1/credit-checks", headers=regulator, json={"uscc": uscc, "scenario": "honours"}
        ).json()
        p07 = next(m for m in check["measures"] if m["code"] == "P07")
        assert listing["entry_record_id"] in {r["record_id"] for r in p07["records"]}

        issued = later.post(
            "/v1/sanctions/tasks", headers=regulator, json={"uscc": uscc, "scenario": "honours"}
        )
        assert issued.status_code == 201, issued.text
        tasks = {t["department"]: t for t in issued.json()}
        assert set(tasks) == {"civilisation", "city_management"}  # P07 and G02 (grade D)
        assert {t["respond_due"] for t in tasks.values()} == {"2026-10-26"}
        answered = later.post(
            f"/v1/sanctions/tasks/{tasks['civilisation']['id']}/response",
            headers=regulator,
            json={"action": "apply", "note": "取消年度评优资格"},
        )
        assert answered.status_code == 200 and answered.json()["status"] == "applied"

        # The list decision itself issued the black list's measures to their departments.
        decision_tasks = later.get(
            f"/v1/sanctions/tasks?uscc={uscc}&source=list_decision",
            headers=service.headers("analyst"),
        ).json()
        assert {t["measure_code"] for t in decision_tasks} == {"P01", "P03", "P04", "P05", "P07"}

    with _later(service, OVERDUE) as overdue:
        late = overdue.get(
            "/v1/sanctions/tasks?overdue=true&department=宁波市综合行政执法局&source=credit_check",
            headers=service.headers("regulator"),
        ).json()
        assert [t["id"] for t in late if t["uscc"] == uscc] == [tasks["city_management"]["id"]]
        assert all(t["overdue"] for t in late)
        stats = overdue.get(
            "/v1/sanctions/statistics?source=credit_check", headers=service.headers("analyst")
        ).json()
        rows = {r["department"]: r for r in stats["departments"]}
        assert rows["*"]["issued"] == 2 and rows["*"]["response_rate"] == 0.5
        assert rows["civilisation"]["response_rate"] == 1.0
        assert (rows["city_management"]["response_rate"], rows["city_management"]["overdue"]) == (
            0.0,
            1,
        )


def _signed_in(service, role) -> TestClient:
    browser = TestClient(service.client.app, base_url="http://testserver")
    response = browser.post(
        "/workbench/login",
        data={"api_key": service.keys[role]},
        headers={"sec-fetch-site": "same-origin"},
        follow_redirects=False,
    )
    assert response.status_code == 303, response.text
    return browser


FORM = {"sec-fetch-site": "same-origin"}


def test_the_workbench_serves_notices_hears_objections_and_takes_responses(service):
    regulator, reviewer = _signed_in(service, "regulator"), _signed_in(service, "reviewer")
    page = regulator.get("/workbench/listing?list_type=black")
    assert page.status_code == 200 and "送达告知书" in page.text and "名单认定" in page.text
    assert 'href="/workbench/sanctions"' in page.text  # in the navigation
    assert "送达告知书" not in reviewer.get("/workbench/listing").text  # reviewers do not notice

    uscc = _candidate(service, penalties=False)["uscc"]
    served = regulator.post(
        "/workbench/listing/notice",
        headers=FORM,
        data={"list_type": "black", "uscc": uscc},
        follow_redirects=False,
    )
    assert served.status_code == 303, served.text
    case_url = served.headers["location"]
    case_page = regulator.get(case_url).text
    assert uscc in case_page and 'for="filed_by"' in case_page and "listing_noticed" in case_page

    recorded = regulator.post(
        f"{case_url}/objection",
        headers=FORM,
        follow_redirects=False,
        data={"reason": "已履行判决", "filed_by": "代理人"},
    )
    assert recorded.status_code == 303
    assert 'name="decision" value="uphold"' in reviewer.get(case_url).text
    refused = regulator.post(
        f"{case_url}/objection-decision", headers=FORM, data={"decision": "uphold", "note": "x"}
    )
    assert refused.status_code == 403  # only reviewers decide objections
    decided = reviewer.post(
        f"{case_url}/objection-decision",
        headers=FORM,
        follow_redirects=False,
        data={"decision": "reject", "note": "未提供履行证明"},
    )
    assert decided.status_code == 303
    withdrawn = regulator.post(
        f"{case_url}/decision",
        headers=FORM,
        follow_redirects=False,
        data={"decision": "withdraw", "note": "移交法院名单"},
    )
    assert withdrawn.status_code == 303 and "已撤回" in regulator.get(case_url).text

    issued = service.post(
        "/v1/sanctions/tasks",
        "regulator",
        json={"uscc": uscc, "scenario": "procurement", "reference": "WB-1"},
    )
    task = issued.json()[0]
    tasks_page = regulator.get(f"/workbench/sanctions?department={task['department']}").text
    assert f'for="action-{task["id"]}"' in tasks_page and "响应率" in tasks_page
    answered = regulator.post(
        f"/workbench/sanctions/{task['id']}/response",
        headers=FORM,
        data={"action": "acknowledge"},
        follow_redirects=False,
    )
    assert answered.status_code == 303
    assert "已签收" in regulator.get(answered.headers["location"]).text
    assert (
        reviewer.post(
            f"/workbench/sanctions/{task['id']}/response", headers=FORM, data={"action": "apply"}
        ).status_code
        == 403
    )
