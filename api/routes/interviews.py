"""Warning interviews (约谈): candidates and interviews read by staff; scheduled, recorded and
their rectification recorded by regulators. An interview held joins the subject's credit
record; one past its deadline unrectified joins the department's next plan (``/v1/plans``)."""

from __future__ import annotations

from typing import Annotated

import pandas as pd
from fastapi import APIRouter, Query

from api.auth import Caller, Role, RoleRoute, allow
from api.convert import served_grade
from api.deps import (
    CallerDep,
    ReadingWorkspaceDep,
    ServedDep,
    ServicesDep,
    TodayDep,
    WorkspaceDep,
)
from api.schemas.closed_loop import (
    CandidateOut,
    InterviewCreate,
    InterviewOut,
    InterviewRecord,
    RectificationCreate,
)
from api.schemas.common import ItemId, Uscc
from credit_scoring.snapshots import Served, plain
from credit_scoring.workflows.interviews import (
    Interview,
    interview_candidates,
    list_interviews,
    record_interview,
    record_rectification,
    schedule_interview,
)

router = APIRouter(route_class=RoleRoute, prefix="/v1/interviews", tags=["interviews"])

STAFF = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)
ACTING = (Role.regulator, Role.admin)  # the identifying departments: 谁认定、谁约谈


@router.get("", **allow(*STAFF))
def list_all(
    caller: CallerDep, services: ServicesDep, today: TodayDep,
    status: Annotated[str | None, Query(pattern="^(scheduled|held|rectified)$")] = None,
    uscc: Annotated[Uscc | None, Query()] = None,
    department: Annotated[str | None, Query(max_length=128)] = None,
    overdue: Annotated[bool, Query(description="Held, past the deadline, unrectified")] = False,
) -> list[InterviewOut]:  # fmt: skip
    """Interviews, oldest first (from the workflow database alone)."""
    found = list_interviews(services.engine, status=status, uscc=uscc, department=department,
                            overdue_on=today if overdue else None)  # fmt: skip
    return [interview_out(i, caller, today) for i in found]


@router.get("/candidates", **allow(*STAFF))
def candidates(
    served: ServedDep, space: ReadingWorkspaceDep, services: ServicesDep, today: TodayDep,
    department: Annotated[str | None, Query(max_length=128)] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[CandidateOut]:  # fmt: skip
    """Subjects graded C/D (the grades being served) or newly listed, without an open
    interview, the graver first."""
    found = interview_candidates(space.store, served_grades(served), services.engine, as_of=today)
    if department:
        found = found[found["department"] == department]
    rows = found.head(limit).astype(object).where(found.head(limit).notna(), None)
    return [CandidateOut.model_validate(row) for row in rows.to_dict("records")]


@router.post("", status_code=201, **allow(*ACTING, errors=[404, 409]))
def schedule(
    body: InterviewCreate, caller: CallerDep, served: ServedDep, space: WorkspaceDep,
    today: TodayDep,
) -> InterviewOut:  # fmt: skip
    """Call a subject graded C/D or newly listed to a 提示约谈 or 警示约谈."""
    done = schedule_interview(
        space, uscc=body.uscc, interview_type=body.interview_type, meet_on=body.meet_on,
        department=body.department, scheduled_by=caller.actor, note=body.note, today=today,
        in_force=served_grade(served, body.uscc),
    )  # fmt: skip
    return interview_out(done, caller, today)


@router.post("/{interview_id}/record", **allow(*ACTING, errors=[404, 409]))
def record(
    interview_id: ItemId, body: InterviewRecord, caller: CallerDep, space: WorkspaceDep,
    today: TodayDep,
) -> InterviewOut:  # fmt: skip
    """Record the interview held, the rectification required and its deadline (working days);
    its record joins the subject's credit record."""
    done = record_interview(
        space, interview_id, held_on=body.held_on, rectification=body.rectification,
        interviewers=body.interviewers, rectify_by=body.rectify_by, recorded_by=caller.actor,
        note=body.note, today=today,
    )  # fmt: skip
    return interview_out(done, caller, today)


@router.post("/{interview_id}/rectification", **allow(*ACTING, errors=[404, 409]))
def rectification(
    interview_id: ItemId, body: RectificationCreate, caller: CallerDep, space: WorkspaceDep,
    today: TodayDep,
) -> InterviewOut:  # fmt: skip
    """Record that the subject rectified (on time or late: the audit says which)."""
    done = record_rectification(space, interview_id, rectified_on=body.rectified_on,
                                recorded_by=caller.actor, note=body.note, today=today)  # fmt: skip
    return interview_out(done, caller, today)


def interview_out(interview: Interview, caller: Caller, today: object) -> InterviewOut:
    """An interview as ``caller`` may read it: the officials' names for reviewers only."""
    fields = {f: getattr(interview, f) for f in InterviewOut.model_fields if f != "overdue"}
    out = InterviewOut(**fields, overdue=interview.overdue_on(today))  # type: ignore[arg-type]
    return out if caller.sees_personal_data else out.model_copy(update={"interviewers": None})


def served_grades(served: Served) -> pd.DataFrame:
    """``uscc``, ``grade`` as served now: the snapshot's, a re-graded subject's newer one."""
    grades = plain(served.snapshot.tables["grades"].select(["uscc", "grade"])).to_pandas()
    for uscc in served.regrades:
        grades.loc[grades["uscc"] == uscc, "grade"] = served.grade_fields(uscc)["grade"]
    return grades
