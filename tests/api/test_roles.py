"""Every endpoint × every role gives the expected status: the roles table, tested whole."""

from __future__ import annotations

import itertools

import pytest

from api.auth import Role
from credit_scoring.workflows.keys import ROLES

from . import closed_loop_roles as closed_loop
from . import listing_roles as listing

CALLERS = [None, *[str(r) for r in Role]]  # None: no key at all
READERS = {"regulator", "reviewer", "analyst", "admin"}
EVERYONE = set(CALLERS)
ACTING = {"regulator", "admin"}

# (method, path template, body maker, statuses on success, who may call). {u} is a graded
# subject; objection and repair ids are made fresh for each call that may succeed.
ENDPOINTS = [
    ("GET", "/healthz", None, 200, EVERYONE),
    ("GET", "/readyz", None, 200, EVERYONE),
    ("GET", "/v1/subjects/{u}/grade", None, 200, READERS),
    ("GET", "/v1/subjects/{u}/explanation", None, 200, READERS),
    ("GET", "/v1/subjects/{u}/records", None, 200, {"reviewer"}),
    ("GET", "/v1/subjects/{u}/report.pdf", None, 200, {"regulator", "reviewer"}),
    ("POST", "/v1/subjects/{u}/regrade", None, 200, {"reviewer"}),
    ("POST", "/v1/objections", "objection", 201, EVERYONE),
    ("GET", "/v1/objections", None, 200, {"regulator", "reviewer"}),
    ("POST", "/v1/objections/{objection}/decision", "uphold", 200, {"reviewer"}),
    ("POST", "/v1/repairs", "repair", 201, EVERYONE),
    ("GET", "/v1/repairs", None, 200, {"regulator", "reviewer"}),
    ("POST", "/v1/repairs/{repair}/decision", "approve", 200, {"reviewer"}),
    ("POST", "/v1/credit-checks", "check", 200, {"regulator", "reviewer"}),
    ("POST", "/v1/credit-checks/batch", "batch", 200, {"regulator", "reviewer"}),
    ("POST", "/v1/plans", "plan", 201, {"regulator", "admin"}),
    ("GET", "/v1/plans", None, 200, READERS),
    ("GET", "/v1/plans/{plan}", None, 200, READERS),
    ("GET", "/v1/statistics", None, 200, {"regulator", "analyst", "admin"}),
    ("POST", "/v1/plans/{plan}/verify", None, 200, READERS),
    ("GET", "/public/merchants/{u}", None, 200, EVERYONE),
    ("GET", "/public/merchants/{u}/qr.png", None, 200, EVERYONE),
    ("GET", "/public/lists/red", None, 200, EVERYONE),
    ("GET", "/public/lists/black", None, 200, EVERYONE),
    ("GET", "/public/reports/{report}", None, 200, EVERYONE),
    # Issue 16: commitments verified, warning interviews, 一公开 (ids: closed_loop_roles.py);
    # ACTING: the supervising departments' roles, as for drawing plans.
    ("GET", "/v1/commitments/due", None, 200, READERS),
    ("POST", "/v1/commitments/{commitment}/verification", "verification", 200, ACTING),
    ("GET", "/v1/interviews", None, 200, READERS),
    ("GET", "/v1/interviews/candidates", None, 200, READERS),
    ("POST", "/v1/interviews", "interview", 201, ACTING),
    ("POST", "/v1/interviews/{interview}/record", "held", 200, ACTING),
    ("POST", "/v1/interviews/{held}/rectification", "rectified", 200, ACTING),
    ("GET", "/v1/plan-results", None, 200, {"regulator", "analyst", "admin"}),
    ("GET", "/public/plans", None, 200, EVERYONE),
    ("GET", "/public/plans/{plan}", None, 200, EVERYONE),
    # Issue 16: list identification and joint measures' tasks (ids: listing_roles.py).
    ("GET", "/v1/lists/candidates", None, 200, {"regulator", "reviewer"}),
    ("POST", "/v1/lists/candidates/black/{candidate}/notice", None, 201, {"regulator"}),
    ("GET", "/v1/lists/cases", None, 200, {"regulator", "reviewer"}),
    ("GET", "/v1/lists/cases/{listing}", None, 200, {"regulator", "reviewer"}),
    ("POST", "/v1/lists/cases/{listing}/objection", "notice_objection", 201, EVERYONE),
    ("POST", "/v1/lists/cases/{objected}/objection/decision", "uphold", 200, {"reviewer"}),
    ("POST", "/v1/lists/cases/{listing}/decision", "withdraw", 200, {"regulator"}),
    ("POST", "/v1/lists/exits", None, 200, {"regulator"}),
    ("POST", "/v1/sanctions/tasks", "check", 201, {"regulator"}),
    ("GET", "/v1/sanctions/tasks", None, 200, {"regulator", "analyst"}),
    ("POST", "/v1/sanctions/tasks/{task}/response", "acknowledge", 200, {"regulator"}),
    ("GET", "/v1/sanctions/statistics", None, 200, {"regulator", "analyst", "admin"}),
]


_FILINGS = itertools.count(1)  # each filing its own reason: an identical pending one is refused


def _body(kind, samples):
    uscc, penalty = samples.penalised
    complained, complaint = samples.complained
    return {
        None: None,
        "objection": {"uscc": uscc, "record_table": "penalties", "record_id": penalty,
                      "reason": f"记录有误（第{next(_FILINGS)}次）", "filed_by": "甲便利店"},
        "uphold": {"upheld": False, "note": "事实清楚"},
        "repair": {"uscc": complained, "record_table": "complaints", "record_id": complaint,
                   "applicant": "乙餐馆", "behaviour_corrected": True, "commitment_signed": True},
        "approve": {"approve": False, "note": "材料不全"},
        "check": {"uscc": uscc, "scenario": "procurement"},
        "plan": PLAN_REQUEST,
    }[kind]  # fmt: skip


PLAN_REQUEST = {"as_of": "2026-09-30", "rate": 0.1, "seed": 7}


def _payload(kind, samples, service=None):
    """A batch check uploads a file (multipart); every other endpoint takes JSON."""
    if kind in closed_loop.BODIES:
        return {"json": closed_loop.body(kind, service)}
    if kind in listing.BODIES:
        return {"json": listing.body(kind, service)}
    if kind == "batch":
        content = f"统一社会信用代码\n{samples.penalised[0]}\n".encode()
        return {"files": {"file": ("list.csv", content)}, "data": {"scenario": "procurement"}}
    return {"json": _body(kind, samples)}


def _report(service, samples):
    """The number of a credit report, issued once per service by a regulator."""
    if not hasattr(service, "report_no"):
        issued = service.get(f"/v1/subjects/{samples.penalised[0]}/report.pdf", "regulator")
        service.report_no = issued.headers["X-Report-No"]
    return service.report_no


def _plan(service):
    """A stored plan, drawn once per service by a regulator."""
    if not hasattr(service, "plan_id"):
        response = service.post("/v1/plans", "regulator", json=PLAN_REQUEST)
        assert response.status_code == 201, response.text
        service.plan_id = response.json()["plan_id"]
    return service.plan_id


def _pending(service, samples, kind):
    """A fresh pending objection or (eligible) repair, filed by the public."""
    if kind == "objection":
        response = service.post("/v1/objections", json=_body("objection", samples))
    else:
        response = service.post("/v1/repairs", json=_body("repair", samples))
    assert response.status_code == 201, response.text
    assert response.json()["status"] == "pending"
    return response.json()["id"]


@pytest.mark.parametrize("method, template, body, success, allowed", ENDPOINTS,
                         ids=[f"{m} {p}" for m, p, *_ in ENDPOINTS])  # fmt: skip
@pytest.mark.parametrize("role", CALLERS, ids=[r or "no-key" for r in CALLERS])
def test_every_endpoint_admits_exactly_its_roles(
    service, samples, role, method, template, body, success, allowed
):
    path = template.format(
        u=samples.penalised[0],
        objection=_pending(service, samples, "objection") if "{objection}" in template else "",
        repair=_pending(service, samples, "repair") if "{repair}" in template else "",
        plan=_plan(service) if "{plan}" in template else "",
        report=_report(service, samples) if "{report}" in template else "",
        **closed_loop.path_ids(service, template),
        **listing.path_ids(service, template, samples),
    )
    response = service.client.request(
        method, path, headers=service.headers(role), **_payload(body, samples, service)
    )
    expected = success if role in allowed else 401 if role is None else 403
    assert response.status_code == expected, response.text
    if expected in (401, 403):
        assert response.headers["content-type"] == "application/problem+json"


def test_the_table_covers_every_route_and_every_route_declares_its_roles(service):
    """A new router (plans) fails here until its endpoints join the table above."""
    schema = service.client.get("/openapi.json").json()
    declared = {(m.upper(), p) for p, ops in schema["paths"].items() for m in ops}
    tested = {(m, _as_schema_path(p)) for m, p, *_ in ENDPOINTS}
    assert declared == tested
    for path, operations in schema["paths"].items():
        for method, operation in operations.items():
            assert operation.get("x-roles"), f"{method} {path} declares no roles"


def _as_schema_path(template):
    for placeholder, name in {**closed_loop.SCHEMA_PATHS, **listing.SCHEMA_PATHS}.items():
        template = template.replace(placeholder, name)
    return (
        template.replace("{u}", "{uscc}")
        .replace("{objection}", "{objection_id}")
        .replace("{repair}", "{repair_id}")
        .replace("{plan}", "{plan_id}")
        .replace("{report}", "{report_no}")
        .replace("/lists/red", "/lists/{list_type}")
        .replace("/lists/black", "/lists/{list_type}")
    )


def test_an_unknown_or_revoked_key_is_refused_even_where_the_public_may_call(service):
    response = service.client.get("/healthz", headers={"X-API-Key": "csk_00000000_nope"})
    assert response.status_code == 401
    assert response.json()["type"] == "/problems/not-authenticated"
    forged = service.keys["reviewer"][:-2] + "xx"
    assert service.client.get("/healthz", headers={"X-API-Key": forged}).status_code == 401


def test_the_api_roles_are_the_roles_keys_can_have():
    assert tuple(str(r) for r in Role) == ROLES
