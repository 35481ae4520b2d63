"""From library objects to response models, with personal data masked by the caller's role."""

from __future__ import annotations

import datetime as dt
import json
import math
from typing import Any

from api.auth import Caller
from api.schemas.plans import PlanDetail, PlanItem
from api.schemas.subjects import GradePublic
from api.schemas.workflows import (
    FailedCheck,
    ObjectionPublic,
    ObjectionReviewer,
    RepairPublic,
    RepairReviewer,
)
from credit_scoring.errors import SubjectNotFound
from credit_scoring.explain.explanation import EXPLANATION_COLUMNS, JSON_COLUMNS
from credit_scoring.grading import GradeInForce
from credit_scoring.records.codes import mask_person_name
from credit_scoring.snapshots import Served
from credit_scoring.supervision import Plan
from credit_scoring.workflows.database import Objection, RepairApplication
from credit_scoring.workflows.repairs import CHECKS

__all__ = [
    "case_out",
    "case_reviewer",
    "explanation_json",
    "grade_json",
    "grade_public",
    "masked_name",
    "plan_detail",
    "served_grade",
]


def grade_public(served: Served, uscc: str) -> GradePublic:
    grade = served.grade(uscc)
    subject = served.subject(uscc, ("name", "legal_rep_name"))
    return GradePublic(
        name=subject["name"], legal_rep_name=subject["legal_rep_name"], **vars(grade)
    )


def served_grade(served: Served, uscc: str) -> GradeInForce | None:
    """The grade being served for ``uscc``, or None for a subject the snapshot lacks."""
    try:
        return GradeInForce.of(served.grade(uscc))
    except SubjectNotFound:
        return None


def grade_json(served: Served, uscc: str) -> bytes:
    """:class:`GradePublic` as JSON, written directly: the hottest path skips pydantic.

    ``tests/api/test_responses.py`` checks it against the model for every subject.
    """
    body = served.grade_fields(uscc) | served.subject(uscc, ("name", "legal_rep_name"))
    return _JSON.encode(body).encode()


def explanation_json(served: Served, uscc: str) -> bytes:
    """:class:`ExplanationPublic` as JSON, the snapshot's JSON text spliced in unparsed."""
    row = served.explanation_row(uscc)
    scalars = {c: row[c] for c in _EXPLANATION_SCALARS}
    scalars["pd"] = _finite(scalars["pd"])
    scalars["as_of"] = str(scalars["as_of"])[:10]  # a date, or its ISO text in a regrade
    scalars["snapshot_id"] = served.snapshot_id
    scalars["regraded_at"] = served.regraded_at(uscc)
    head = _JSON.encode(scalars)[:-1]
    lists = "".join(f', "{c}": {row[c]}' for c in JSON_COLUMNS)
    return f"{head}{lists}}}".encode()


_EXPLANATION_SCALARS = [c for c in EXPLANATION_COLUMNS if c not in JSON_COLUMNS]


def _iso(value: Any) -> str:
    if isinstance(value, dt.date | dt.datetime):
        return value.isoformat()
    raise TypeError(f"{type(value).__name__} is not JSON")


# Made once: json.dumps builds an encoder per call unless every option is the default (3 µs).
_JSON = json.JSONEncoder(ensure_ascii=False, default=_iso)


def _finite(value: float | None) -> float | None:
    return None if value is None or math.isnan(value) else value


def masked_name(name: str | None, caller: Caller) -> str | None:
    """A name that may be a natural person's (a filer, an applicant): surname only."""
    return name if caller.sees_personal_data else mask_person_name(name)


# Per kind of case: its reviewer and public views, and the field naming a natural person.
_CASE_VIEWS: dict[str, tuple[type[Any], type[Any], str]] = {
    "objection": (ObjectionReviewer, ObjectionPublic, "filed_by"),
    "repair": (RepairReviewer, RepairPublic, "applicant"),
}


def case_reviewer(case: Objection | RepairApplication) -> Any:
    """The reviewer's view of an objection or a repair application."""
    reviewer, _, _ = _CASE_VIEWS[case.noun]
    fields = {c: getattr(case, c) for c in reviewer.model_fields if c != "failed_checks"}
    if isinstance(case, RepairApplication):
        codes = [c for c in case.failed_checks.split(";") if c]
        fields["failed_checks"] = [FailedCheck(code=c, reason=CHECKS[c]) for c in codes]
    return reviewer(**fields)


def case_out(case: Objection | RepairApplication, caller: Caller) -> Any:
    """The reviewer's view for reviewers; for anyone else the public view, the person masked."""
    full = case_reviewer(case)
    if caller.sees_personal_data:
        return full
    _, public, person = _CASE_VIEWS[case.noun]
    shown = full.model_dump(include=set(public.model_fields))
    return public(**{**shown, person: masked_name(getattr(case, person), caller)})


def plan_detail(plan: Plan) -> PlanDetail:
    items = plan.items[list(PlanItem.model_fields)].astype(object)
    rows = items.where(items.notna(), None).to_dict("records")
    lift = plan.expected_lift
    return PlanDetail(
        **vars(plan.header), expected_lift=_finite(lift),
        excluded={str(k): int(v) for k, v in plan.excluded.items()},
        items=[PlanItem.model_validate(row) for row in rows],
    )  # fmt: skip
