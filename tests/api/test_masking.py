"""Personal data — legal representatives' IDs, natural persons' names — reaches reviewers only."""

from __future__ import annotations

import pytest

from api.auth import Role

NOT_REVIEWERS = [None, *[str(r) for r in Role if r is not Role.reviewer]]


@pytest.fixture(scope="module")
def filed(service, samples):
    """An objection and a repair application filed by a natural person, naming an ID."""
    _, name, resident_id = samples.person_led
    penalised, penalty = samples.penalised
    complained, complaint = samples.complained
    objection = service.post("/v1/objections", json={
        "uscc": penalised, "record_table": "penalties", "record_id": penalty,
        "reason": f"经营者{name}（身份证{resident_id}）称处罚对象有误", "filed_by": name,
    })  # fmt: skip
    repair = service.post("/v1/repairs", json={
        "uscc": complained, "record_table": "complaints", "record_id": complaint,
        "applicant": name, "behaviour_corrected": True, "commitment_signed": True,
    })  # fmt: skip
    assert objection.status_code == repair.status_code == 201
    return name, resident_id


def _responses(service, role, uscc):
    paths = [
        f"/v1/subjects/{uscc}/grade",
        f"/v1/subjects/{uscc}/explanation",
        f"/v1/subjects/{uscc}/records",
        "/v1/objections",
        "/v1/repairs",
        f"/public/merchants/{uscc}",
        "/public/lists/black",
        "/public/lists/red",
    ]
    texts = [service.get(path, role).text for path in paths]
    texts.append(
        service.post("/v1/credit-checks", role, json={"uscc": uscc, "scenario": "licensing"}).text
    )
    texts.append(service.post("/v1/objections", role, json={
        "uscc": uscc, "record_table": "penalties", "record_id": "NONE", "reason": "x",
        "filed_by": "x"}).text)  # fmt: skip
    return texts


@pytest.mark.parametrize("role", NOT_REVIEWERS, ids=[r or "no-key" for r in NOT_REVIEWERS])
def test_no_response_to_a_non_reviewer_holds_a_full_name_or_resident_id(
    service, samples, filed, role
):
    uscc, rep_name, rep_id = samples.person_led
    filer_name, filer_id = filed
    for text in _responses(service, role, uscc):
        for secret in (rep_name, rep_id, filer_name, filer_id):
            assert secret not in text


def test_the_masked_forms_are_what_non_reviewers_see(service, samples, filed):
    uscc, rep_name, _ = samples.person_led
    grade = service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()
    assert grade["legal_rep_name"] == rep_name[0] + "*" * (len(rep_name) - 1)
    page = service.get(f"/public/merchants/{uscc}").text
    assert rep_name[0] + "*" in page
    objections = service.get("/v1/objections", "regulator").json()
    assert any(o["filed_by"] == filed[0][0] + "*" * (len(filed[0]) - 1) for o in objections)
    assert all("reason" not in o for o in objections)  # free text stays with reviewers


def test_reviewers_see_personal_data_and_each_read_is_audited(service, samples, filed):
    uscc, rep_name, rep_id = samples.person_led
    records = service.get(f"/v1/subjects/{uscc}/records", "reviewer").json()
    assert records["subject"]["legal_rep_name"] == rep_name
    assert records["subject"]["legal_rep_id"] == rep_id
    objections = service.get("/v1/objections", "reviewer").json()
    assert any(o["filed_by"] == filed[0] and filed[1] in o["reason"] for o in objections)
    repairs = service.get("/v1/repairs", "reviewer").json()
    assert any(r["applicant"] == filed[0] for r in repairs)

    from credit_scoring.workflows import audit_entries

    entries = audit_entries(service.client.app.state.services.engine)
    actions = [(e["action"], e["uscc"]) for e in entries if "test-reviewer" in e["actor"]]
    assert ("records_read", uscc) in actions
    assert ("objections_read", None) in actions and ("repairs_read", None) in actions
