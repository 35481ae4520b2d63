"""A reviewer's decision re-grades the subject, and the API serves the new grade at once."""

from __future__ import annotations

from credit_scoring.workflows import audit_entries

from .conftest import start_service


def _file(service, uscc, table, record_id):
    response = service.post("/v1/objections", json={
        "uscc": uscc, "record_table": table, "record_id": record_id,
        "reason": "该主体已依法移出名单", "filed_by": "代理人",
    })  # fmt: skip
    assert response.status_code == 201, response.text
    return response.json()["id"]


def test_an_upheld_objection_changes_the_grade_the_api_serves(service, samples):
    uscc, entry = samples.black_listed  # graded D by this black-list entry
    served = service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()
    assert served["grade"] == "D" and served["regraded_at"] is None

    objection_id = _file(service, uscc, "list_entries", entry)
    decided = service.post(f"/v1/objections/{objection_id}/decision", "reviewer",
                           json={"upheld": True, "note": "名单认定有误"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    body = decided.json()
    assert body["objection"]["status"] == "upheld"
    assert body["objection"]["grade_before"] == "D"  # the grade served when it was filed
    assert body["objection"]["grade_after"] != "D"
    # Each with its date and who decided it: the snapshot's, then the decision's re-grade.
    case = body["objection"]
    assert (case["before_as_of"], case["before_scorer"]) == (served["as_of"], "rules none")
    assert (case["after_as_of"], case["after_scorer"]) == ("2026-10-09", "rules none")
    assert body["served"]["grade"] == body["objection"]["grade_after"]

    now = service.get(f"/v1/subjects/{uscc}/grade", "analyst").json()
    assert now["grade"] == body["objection"]["grade_after"]
    assert now["regraded_at"] is not None
    explanation = service.get(f"/v1/subjects/{uscc}/explanation", "regulator").json()
    assert explanation["grade"] == now["grade"]
    assert all(
        entry not in r["record_ids"] for r in explanation["overrides"] + explanation["reasons"]
    )
    # The withdrawn entry is off the public black list and the public page at once.
    black = service.get("/public/lists/black").json()["entries"]
    assert entry not in {e["record_id"] for e in black}
    assert entry not in service.get(f"/public/merchants/{uscc}").text


def test_a_second_decision_on_the_same_objection_is_a_conflict(service, samples):
    uscc, penalty = samples.penalised
    objection_id = _file(service, uscc, "penalties", penalty)
    first = service.post(f"/v1/objections/{objection_id}/decision", "reviewer",
                         json={"upheld": False})  # fmt: skip
    assert first.status_code == 200
    assert first.json()["objection"]["grade_before"] == first.json()["objection"]["grade_after"]
    again = service.post(f"/v1/objections/{objection_id}/decision", "reviewer",
                         json={"upheld": True})  # fmt: skip
    assert again.status_code == 409
    assert again.json()["type"] == "/problems/already-decided"


def test_an_unknown_objection_or_record_is_not_found(service, samples):
    missing = service.post("/v1/objections/999999/decision", "reviewer", json={"upheld": True})
    assert missing.status_code == 404
    uscc, _ = samples.penalised
    response = service.post("/v1/objections", json={
        "uscc": uscc, "record_table": "penalties", "record_id": "NO-SUCH", "reason": "x",
        "filed_by": "x"})  # fmt: skip
    assert response.status_code == 404
    assert "NO-SUCH" in response.json()["detail"]


def test_an_ineligible_repair_is_refused_naming_every_failing_check(service, samples):
    uscc, penalty = samples.penalised
    response = service.post("/v1/repairs", json={
        "uscc": uscc, "record_table": "penalties", "record_id": penalty, "applicant": "代理人",
    })  # fmt: skip
    assert response.status_code == 201
    body = response.json()
    assert body["status"] == "ineligible"
    codes = {c["code"] for c in body["failed_checks"]}
    assert {"NOT_CORRECTED", "NO_COMMITMENT"} <= codes
    assert all(c["reason"] for c in body["failed_checks"])


def test_an_approved_repair_re_grades_and_every_change_is_audited(service, samples):
    uscc, complaint = samples.complained
    filed = service.post("/v1/repairs", json={
        "uscc": uscc, "record_table": "complaints", "record_id": complaint,
        "applicant": "代理人", "behaviour_corrected": True, "commitment_signed": True,
    }).json()  # fmt: skip
    decided = service.post(f"/v1/repairs/{filed['id']}/decision", "reviewer",
                           json={"approve": True, "note": "已整改"})  # fmt: skip
    assert decided.status_code == 200, decided.text
    repair = decided.json()["repair"]
    assert repair["status"] == "approved" and repair["grade_after"] in "ABCD"
    assert decided.json()["served"]["grade"] == repair["grade_after"]
    actions = {(e["action"], e["target"]) for e in audit_entries(
        service.client.app.state.services.engine, uscc)}  # fmt: skip
    assert ("repair_applied", f"repair:{filed['id']}") in actions
    assert ("repair_approved", f"repair:{filed['id']}") in actions


def test_an_on_demand_regrade_is_served_and_audited(service, samples):
    uscc, _ = samples.penalised
    response = service.post(f"/v1/subjects/{uscc}/regrade", "reviewer")
    assert response.status_code == 200
    after = response.json()["after"]
    assert after["regraded_at"] is not None
    assert service.get(f"/v1/subjects/{uscc}/grade", "admin").json() == after
    engine = service.client.app.state.services.engine
    assert any(e["action"] == "regraded" for e in audit_entries(engine, uscc))


def test_another_worker_serves_the_regrade_after_its_next_poll(service, samples):
    """Workers share the workflow database: a regrade made by one is served by all."""
    uscc, _ = samples.penalised
    made = service.post(f"/v1/subjects/{uscc}/regrade", "reviewer").json()["after"]
    other, _ = start_service(service.folder, service.settings.workflow_db_url)
    with other:
        other.app.state.services.poll()  # what its background loop does every poll_seconds
        served = other.get(f"/v1/subjects/{uscc}/grade",
                           headers=service.headers("regulator")).json()  # fmt: skip
    assert served["regraded_at"] == made["regraded_at"]
    assert served["grade"] == made["grade"]
