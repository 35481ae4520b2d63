"""The workbench's session and cross-site rules, its roles, and a decision taken on it.

The pages themselves are driven in a real browser in ``tests/browser``; here the rules are
checked request by request, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient

from credit_scoring.workflows import audit_entries, connect
from credit_scoring.workflows.keys import create_key, parse_token, revoke_key


def _browser(service) -> TestClient:
    """A client of its own (its own cookie jar) on the running service."""
    return TestClient(service.client.app, base_url="http://testserver")


def _signed_in(service, role: str, key: str | None = None) -> TestClient:
    browser = _browser(service)
    response = browser.post(
        "/workbench/login", data={"api_key": key or service.keys[role]},
        headers={"sec-fetch-site": "same-origin"}, follow_redirects=False,
    )  # fmt: skip
    assert response.status_code == 303, response.text
    return browser


def test_pages_without_a_session_redirect_to_sign_in_and_back(service):
    browser = _browser(service)
    response = browser.get("/workbench/subjects?q=91", follow_redirects=False)
    assert response.status_code == 303
    assert response.headers["location"] == "/workbench/login?next=/workbench/subjects%3Fq%3D91"
    form = browser.get(response.headers["location"])
    assert 'lang="zh-CN"' in form.text and 'name="api_key"' in form.text
    assert 'value="/workbench/subjects?q=91"' in form.text


def test_sign_in_sets_a_strict_http_only_cookie_and_refuses_bad_keys(service):
    browser = _browser(service)
    wrong = browser.post("/workbench/login", data={"api_key": "csk_00000000_nope"})
    assert wrong.status_code == 401 and "密钥无效" in wrong.text
    response = browser.post("/workbench/login", data={"api_key": service.keys["reviewer"],
                            "next": "https://evil.example/"}, follow_redirects=False)  # fmt: skip
    cookie = response.headers["set-cookie"].lower()
    assert response.headers["location"] == "/workbench/"  # never off the workbench
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/workbench" in cookie
    page = browser.get("/workbench/")
    assert page.status_code == 200 and "概览" in page.text
    assert "default-src 'none'" in page.headers["content-security-policy"]


def test_a_cross_site_form_is_refused(service):
    browser = _signed_in(service, "reviewer")
    for headers in ({"sec-fetch-site": "cross-site"}, {"origin": "https://evil.example"},
                    {"origin": "null"}):  # fmt: skip
        assert browser.post("/workbench/logout", headers=headers).status_code == 403
        login = browser.post("/workbench/login", headers=headers,
                             data={"api_key": service.keys["reviewer"]})  # fmt: skip
        assert login.status_code == 403
    assert browser.get("/workbench/").status_code == 200  # still signed in


def test_sign_out_and_revoking_the_key_end_the_session(service):
    browser = _signed_in(service, "analyst")
    browser.post("/workbench/logout", headers={"sec-fetch-site": "same-origin"})
    assert browser.get("/workbench/", follow_redirects=False).status_code == 303
    engine = connect(service.settings.workflow_db_url)
    _, token = create_key(engine, name="short-lived", role="regulator", actor="tests")
    browser = _signed_in(service, "regulator", token)
    assert browser.get("/workbench/plans").status_code == 200
    revoke_key(engine, parse_token(token)[0], actor="tests")
    assert browser.get("/workbench/plans", follow_redirects=False).status_code == 303


@pytest.mark.parametrize("role", ["regulator", "analyst", "admin"])
def test_only_reviewers_decide_and_only_regulators_draw(service, samples, role):
    browser = _signed_in(service, role)
    decided = browser.post("/workbench/objections/1/decision",
                           data={"decision": "accept", "note": "x"})  # fmt: skip
    assert decided.status_code == 403 and "无权" in decided.text
    drawn = browser.post("/workbench/plans", data={"as_of": "2026-09-30", "seed": "1"},
                         follow_redirects=False)  # fmt: skip
    assert drawn.status_code == (403 if role == "analyst" else 303)


def test_a_decision_on_the_workbench_regrades_serves_and_audits(service, samples):
    uscc, record_id = samples.black_listed
    filed = service.post("/v1/objections", json={
        "uscc": uscc, "record_table": "list_entries", "record_id": record_id,
        "reason": "名单认定有误", "filed_by": "丙公司"})  # fmt: skip
    case_id = filed.json()["id"]
    browser = _signed_in(service, "reviewer")
    case = browser.get(f"/workbench/objections/{case_id}")
    assert case.status_code == 200 and record_id in case.text and 'name="note"' in case.text
    preview = re.search(r'id="preview">.*?grade-([A-D])', case.text, re.S)
    assert preview and service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()["grade"] == "D"
    response = browser.post(f"/workbench/objections/{case_id}/decision",
                            data={"decision": "accept", "note": "核实名单已撤销"})  # fmt: skip
    assert response.status_code == 200 and "异议成立" in response.text
    after = re.search(r"决定后等级</th><td><span class=\"grade grade-([A-D])", response.text)
    served = service.get(f"/v1/subjects/{uscc}/grade", "regulator").json()["grade"]
    assert after and after.group(1) == served == preview.group(1) != "D"  # as previewed
    actions = [e["action"] for e in audit_entries(connect(service.settings.workflow_db_url), uscc)]
    assert "objection_upheld" in actions
    again = browser.post(f"/workbench/objections/{case_id}/decision",
                         data={"decision": "refuse", "note": "再次"})  # fmt: skip
    assert again.status_code == 409


def test_the_public_role_has_no_workbench_and_unknown_pages_say_so(service):
    browser = _signed_in(service, "reviewer")
    missing = browser.get("/workbench/subjects/91330100MA27XK6H3Y")
    record = browser.get("/workbench/records/nosuch/X1")
    assert missing.status_code == 404 and "<h1>未找到</h1>" in missing.text
    assert record.status_code == 404
    assert _browser(service).post("/workbench/login", data={"api_key": ""}).status_code in (
        401,
        422,
    )
