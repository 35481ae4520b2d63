"""What the OpenAPI document promises (issue 19): every error an operation may answer, as problem
details; a 405 naming the methods a path has; re-grade times in UTC with their offset; the
USCC's pattern, exactly what the service accepts. ``test_fuzz.py`` holds every generated
response to the document; these are the promises one by one."""

from __future__ import annotations

import datetime as dt
import re

import pytest

from api.schemas.common import USCC_PATTERN, check_uscc

PROBLEM = {"application/problem+json": {"schema": {"$ref": "#/components/schemas/ProblemDetails"}}}
METHODS = {"get", "put", "post", "delete", "options", "head", "patch", "trace"}


@pytest.fixture(scope="module")
def document(service):
    return service.client.get("/openapi.json").json()


def _operations(document):
    for path, item in document["paths"].items():
        for method, operation in item.items():
            if method in METHODS:
                yield f"{method.upper()} {path}", operation


def test_every_operation_declares_its_errors_as_problem_details(document):
    for name, operation in _operations(document):
        responses = operation["responses"]
        errors = {status: r for status, r in responses.items() if status >= "400"}
        assert "401" in errors, f"{name}: a bad key is refused everywhere"
        assert ("403" in errors) == ("public" not in operation["x-roles"]), name
        if operation.get("parameters") or "requestBody" in operation:
            assert "422" in errors, name
        if "requestBody" in operation:
            assert {"400", "413"} <= set(errors), name
        for status, response in errors.items():
            assert response["content"] == PROBLEM, f"{name} {status}"
    schemas = document["components"]["schemas"]
    assert "HTTPValidationError" not in schemas  # FastAPI's 422 body, which is never sent
    assert set(schemas["ProblemDetails"]["required"]) == {
        "type", "title", "status", "detail", "instance"
    }  # fmt: skip


def test_the_headers_of_problems_are_declared(document):
    grade = document["paths"]["/v1/subjects/{uscc}/grade"]["get"]["responses"]
    assert grade["401"]["headers"]["WWW-Authenticate"]["required"]
    assert grade["503"]["headers"]["Retry-After"]["required"]
    objection = document["paths"]["/v1/objections"]["post"]["responses"]
    assert objection["429"]["headers"]["Retry-After"]["required"]
    assert "503" not in document["paths"]["/healthz"]["get"]["responses"]  # liveness only


def test_a_body_that_cannot_be_parsed_is_a_declared_400(service, document):
    assert "400" in document["paths"]["/v1/objections"]["post"]["responses"]
    response = service.client.post(
        "/v1/objections", content=b"\xa6\xa6Z", headers={"content-type": "application/json"}
    )
    assert response.status_code == 400
    assert response.headers["content-type"] == "application/problem+json"


def test_a_method_a_path_lacks_is_405_naming_the_methods_it_has(service, document):
    for path, item in document["paths"].items():
        declared = {m.upper() for m in item if m in METHODS}
        url = re.sub(r"\{[^}]+\}", "91350200776049653A", path)
        for method in {"TRACE", "PUT", "DELETE", "PATCH"} - declared:
            response = service.client.request(method, url)
            assert response.status_code == 405, f"{method} {path}"
            assert set(response.headers["allow"].split(", ")) == declared, f"{method} {path}"
            assert response.headers["content-type"] == "application/problem+json"


def test_regraded_at_is_in_utc_with_its_offset(service, samples):
    uscc, _ = samples.penalised
    made = service.post(f"/v1/subjects/{uscc}/regrade", "reviewer").json()["after"]
    grade = service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()
    explanation = service.get(f"/v1/subjects/{uscc}/explanation", "regulator").json()
    assert made["regraded_at"] == grade["regraded_at"] == explanation["regraded_at"]
    assert made["regraded_at"].endswith("+00:00")
    moment = dt.datetime.fromisoformat(made["regraded_at"])
    assert moment.utcoffset() == dt.timedelta(0)
    assert abs(dt.datetime.now(dt.UTC) - moment) < dt.timedelta(minutes=5)


def test_the_uscc_pattern_is_in_the_document(document):
    grade = document["paths"]["/v1/subjects/{uscc}/grade"]["get"]
    [uscc] = [p for p in grade["parameters"] if p["name"] == "uscc"]
    assert uscc["schema"]["pattern"] == USCC_PATTERN
    body = document["components"]["schemas"]["CreditCheckCreate"]["properties"]["uscc"]
    assert body["pattern"] == USCC_PATTERN


def test_the_uscc_pattern_accepts_exactly_what_the_service_does():
    pattern = re.compile(USCC_PATTERN)
    for character in map(chr, range(0x10000)):  # each character of the BMP, in two places
        for code in (f"91350200776049653{character}", f"{character}1350200776049653A"):
            assert bool(pattern.fullmatch(code)) == _accepted(code), repr(code)


def _accepted(code: str) -> bool:
    try:
        check_uscc(code)
    except ValueError:
        return False
    return len(code) == 18  # the field's length is checked before the code


def test_no_commitment_due_is_an_empty_list_not_a_server_error(service):
    # Found by schemathesis: a day before every commitment, late only, was a 500.
    response = service.get("/v1/commitments/due?as_of=2000-01-01&late=true", "regulator")
    assert response.status_code == 200, response.text
    assert (response.json()["total"], response.json()["commitments"]) == (0, [])
