"""Targets for the roles table (``test_roles.py``) of list identification and joint measures
(issue 16 items 1–2): a candidate with no notice, a notice open to objection, a notice under
objection, a task still to acknowledge.

A target is reused until a call changes it (an objection filed, a notice withdrawn, a task
acknowledged), then replaced: the test city has a few dozen candidates, not one per call.
"""

from __future__ import annotations

import itertools
from typing import Any

BODIES = {"notice_objection", "withdraw", "acknowledge"}
SCHEMA_PATHS = {
    "/candidates/black/{candidate}": "/candidates/{list_type}/{uscc}",
    "{listing}": "{case_id}",
    "{objected}": "{case_id}",
    "{task}": "{task_id}",
}
_REFERENCES = itertools.count(1)


def path_ids(service: Any, template: str, samples: Any) -> dict[str, Any]:
    """The values of this module's placeholders in ``template`` (empty where absent)."""
    return {
        "candidate": _candidate(service, ["black"])[1] if "{candidate}" in template else "",
        "listing": _noticed(service) if "{listing}" in template else "",
        "objected": _objected(service) if "{objected}" in template else "",
        "task": _task(service, samples) if "{task}" in template else "",
    }


def body(kind: str, service: Any) -> dict[str, Any]:
    return {
        "notice_objection": {"reason": "所涉处罚已申请复议", "filed_by": "法定代表人"},
        "withdraw": {"confirm": False, "note": "撤回告知"},
        "acknowledge": {"action": "acknowledge"},
    }[kind]


def _candidate(service: Any, lists: list[str]) -> tuple[str, str]:
    """(list, USCC) of a candidate with no notice, from the first of ``lists`` that has one."""
    response = service.get("/v1/lists/candidates", "regulator")
    assert response.status_code == 200, response.text
    found = {c["list_type"]: c["uscc"] for c in reversed(response.json()["candidates"])}
    kind = next((k for k in lists if k in found), None)
    assert kind, f"the test city has no {lists} candidate left"
    return kind, str(found[kind])


def _case(service: Any, case_id: int | None) -> dict[str, Any] | None:
    if case_id is None:
        return None
    response = service.get(f"/v1/lists/cases/{case_id}", "regulator")
    assert response.status_code == 200, response.text
    return dict(response.json())


def _noticed(service: Any) -> int:
    """A notice open to objection: key-attention and red candidates first, sparing the black
    ones the notice endpoint itself needs."""
    case = _case(service, getattr(service, "listing_noticed", None))
    if case is None or case["status"] != "noticed" or case["objection_status"]:
        kind, uscc = _candidate(service, ["key_attention", "red", "black"])
        response = service.post(f"/v1/lists/candidates/{kind}/{uscc}/notice", "regulator")
        assert response.status_code == 201, response.text
        service.listing_noticed = response.json()["id"]
    return int(service.listing_noticed)


def _objected(service: Any) -> int:
    """A notice whose objection awaits a reviewer."""
    case = _case(service, getattr(service, "listing_objected", None))
    if case is None or case["status"] != "objected":
        case_id = _noticed(service)
        response = service.post(f"/v1/lists/cases/{case_id}/objection",
                                json=body("notice_objection", service))  # fmt: skip
        assert response.status_code == 201, response.text
        service.listing_objected = case_id
    return int(service.listing_objected)


def _task(service: Any, samples: Any) -> int:
    """A task still to acknowledge, from a check of the black-listed sample."""
    task_id = getattr(service, "sanction_task", None)
    if task_id is not None:
        tasks = service.get("/v1/sanctions/tasks", "regulator", params={"status": "issued"})
        if task_id in {t["id"] for t in tasks.json()}:
            return int(task_id)
    check = {"uscc": samples.black_listed[0], "scenario": "procurement",
             "reference": f"roles-{next(_REFERENCES)}"}  # fmt: skip
    response = service.post("/v1/sanctions/tasks", "regulator", json=check)
    assert response.status_code == 201 and response.json(), response.text
    service.sanction_task = response.json()[0]["id"]
    return int(service.sanction_task)
