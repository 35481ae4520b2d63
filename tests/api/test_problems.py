"""Request validation and errors: 422 naming the field and the reason, RFC 9457 problem details."""

from __future__ import annotations

import re

import pytest

BAD = [
    ("9135020077604965", "not a unified social credit code"),  # too short
    ("91350200776049653I", "not a unified social credit code"),  # I is not in the alphabet
]


@pytest.mark.parametrize("code, reason", BAD)
def test_a_bad_uscc_in_a_body_is_422_naming_the_field_and_the_reason(service, code, reason):
    response = service.post("/v1/objections", json={
        "uscc": code, "record_table": "penalties", "record_id": "CF1", "reason": "x",
        "filed_by": "x"})  # fmt: skip
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert problem["status"] == 422 and problem["type"] == "/problems/validation-error"
    fields = {e["field"]: e["reason"] for e in problem["errors"]}
    assert "body.uscc" in fields
    assert reason in fields["body.uscc"] or "characters" in fields["body.uscc"]
    assert "body.uscc" in problem["detail"]


def test_a_bad_uscc_in_a_path_is_422_naming_the_path_parameter(service):
    response = service.get("/v1/subjects/not-a-code/grade", "regulator")
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["path.uscc"]


def test_a_code_failing_only_its_check_character_is_looked_up_and_the_404_says_so(service):
    response = service.get("/v1/subjects/91350200776049653B/grade", "regulator")
    assert response.status_code == 404
    problem = response.json()
    assert problem["type"] == "/problems/subject-not-found"
    assert "should be A" in problem["detail"]


def test_unknown_fields_and_wrong_types_are_named(service, samples):
    uscc, _ = samples.penalised
    response = service.post("/v1/credit-checks", "regulator",
                            json={"uscc": uscc, "scenario": "lottery", "extra": 1})  # fmt: skip
    assert response.status_code == 422
    fields = {e["field"] for e in response.json()["errors"]}
    assert fields == {"body.scenario", "body.extra"}


def test_an_unknown_route_is_a_problem_too(service):
    response = service.get("/v1/nothing-here")
    assert response.status_code == 404
    assert response.headers["content-type"] == "application/problem+json"
    assert response.json()["instance"] == "/v1/nothing-here"


def test_the_documentation_pages_load_nothing_from_outside(service):
    # Offices run the service on intranets: /docs and /redoc must not need a CDN.
    for page in ("/docs", "/redoc"):
        html = service.get(page).text
        sources = re.findall(r'(?:src|href)="([^"]+)"', html)
        assert sources and all(s.startswith("/") for s in sources), (page, sources)
        for source in sources:
            if not source.endswith("openapi.json"):
                assert service.get(source).status_code == 200, source
    assert "cdn" not in service.get("/docs").text.lower()
