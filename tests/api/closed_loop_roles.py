"""Fresh targets for the roles table (``test_roles.py``) of the closed loops (issue 16): a
pending commitment to verify, an interview scheduled or held, a subject that may be called.

Each call that may succeed gets its own target, made through the API by a regulator, as the
objections and repairs of the table do.
"""

from __future__ import annotations

from typing import Any

TODAY = "2026-10-09"  # the service's pinned date (tests/api/conftest.py)
BODIES = {"verification", "interview", "held", "rectified"}
SCHEMA_PATHS = {
    "{commitment}": "{record_id}",
    "{interview}": "{interview_id}",
    "{held}": "{interview_id}",
}


def path_ids(service: Any, template: str) -> dict[str, Any]:
    """The values of this module's placeholders in ``template`` (empty where absent)."""
    return {
        "commitment": _commitment(service) if "{commitment}" in template else "",
        "interview": _interview(service) if "{interview}" in template else "",
        "held": _interview(service, held=True) if "{held}" in template else "",
    }


def body(kind: str, service: Any) -> dict[str, Any]:
    """The request body of ``kind``; an interview calls a subject nobody has called yet."""
    if kind == "interview":
        return {"uscc": _candidate(service), "interview_type": "warning", "meet_on": TODAY}
    return {
        "verification": {"outcome": "fulfilled", "note": "核查属实"},
        "held": {
            "held_on": TODAY,
            "rectification": "清理店外堆放物品",
            "interviewers": "执法人员甲",
        },
        "rectified": {"rectified_on": TODAY, "note": "复查已整改"},
    }[kind]


def _commitment(service: Any) -> str:
    """A commitment still pending: each verified one leaves the list."""
    response = service.get("/v1/commitments/due", "regulator", params={"within_days": 366})
    assert response.status_code == 200, response.text
    used = getattr(service, "verified", set())
    record_id = next(
        c["record_id"] for c in response.json()["commitments"] if c["record_id"] not in used
    )
    service.verified = used | {record_id}
    return record_id


def _candidate(service: Any) -> str:
    response = service.get("/v1/interviews/candidates", "regulator")
    assert response.status_code == 200 and response.json(), response.text
    return response.json()[0]["uscc"]


def _interview(service: Any, *, held: bool = False) -> int:
    response = service.post("/v1/interviews", "regulator", json=body("interview", service))
    assert response.status_code == 201, response.text
    interview_id = response.json()["id"]
    if held:
        done = service.post(
            f"/v1/interviews/{interview_id}/record", "regulator", json=body("held", service)
        )
        assert done.status_code == 200, done.text
    return interview_id
