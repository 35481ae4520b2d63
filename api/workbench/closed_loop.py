"""Workbench pages for the closed loops (issue 16): credit commitments falling due and their
verification, warning interviews from candidates to rectification, and the plans whose
inspection results are late. Staff read; regulators (and administrators, as for plans) act."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.convert import served_grade
from api.deps import ServedDep, ServicesDep, TodayDep
from api.routes.interviews import served_grades
from api.workbench.render import page
from api.workbench.session import PlannerDep, StaffDep
from credit_scoring.policies.sampling import load_sampling_policy
from credit_scoring.records.codes import COMMITMENT_TYPES, INTERVIEW_TYPES
from credit_scoring.supervision.publicity import results_due
from credit_scoring.workflows import audit_entries
from credit_scoring.workflows.commitments import (
    commitments_due,
    list_verifications,
    verify_commitment,
)
from credit_scoring.workflows.interviews import (
    get_interview,
    interview_candidates,
    list_interviews,
    record_interview,
    record_rectification,
    schedule_interview,
)

router = APIRouter(prefix="/workbench", include_in_schema=False)
Note = Annotated[str, Form(max_length=2000)]
Text = Annotated[str, Form(min_length=1, max_length=2000)]
InterviewId = Annotated[int, Path(ge=1, le=2**31 - 1)]
RecordId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[^/\s]+$")]
PAGE = 200  # rows a list shows; the API and the CLI give every one


def _acts(caller: Any) -> bool:
    return caller.role in ("regulator", "admin")


@router.get("/commitments", response_class=HTMLResponse)
def commitments(
    request: Request, caller: StaffDep, services: ServicesDep, today: TodayDep,
    late: bool = False, within: Annotated[int, Query(ge=0, le=366)] = 0,
) -> Response:  # fmt: skip
    """The verifications falling due (告知承诺 within its period), the late ones marked, with
    a form per row; and the latest outcomes recorded."""
    with services.store.open(write=False) as store:
        due = commitments_due(store, as_of=today, within_days=within)
    if late:
        due = due[due["late"]]
    return page(request, "commitments.html", due=due.head(PAGE).to_dict("records"),
                total=len(due), late_count=int(due["late"].sum()), late=late, within=within,
                today=today, done=list_verifications(services.engine, limit=50),
                types=COMMITMENT_TYPES.labels, can_act=_acts(caller))  # fmt: skip


@router.post("/commitments/{record_id}/verification")
def verify(
    record_id: RecordId, caller: PlannerDep, services: ServicesDep, served: ServedDep,
    today: TodayDep, uscc: Annotated[str, Form(min_length=18, max_length=18)],
    outcome: Annotated[Literal["fulfilled", "breached"], Form()],
    verified_on: Annotated[dt.date | None, Form()] = None, note: Note = "",
) -> Response:  # fmt: skip
    """Record the outcome (the API's own call): the subject is re-graded and served at once."""
    with services.workspace(write=True) as space:
        _, regraded = verify_commitment(
            space, record_id, uscc=uscc, outcome=outcome, actor=caller.actor, note=note,
            verified_on=verified_on, today=today, in_force=lambda u: served_grade(served, u),
        )  # fmt: skip
    services.holder.add_regrades([regraded])
    return RedirectResponse(f"/workbench/commitments?verified={record_id}", status_code=303)


@router.get("/interviews", response_class=HTMLResponse)
def interviews(
    request: Request, caller: StaffDep, services: ServicesDep, served: ServedDep,
    today: TodayDep, status: Annotated[str, Query(max_length=16)] = "",
    overdue: bool = False, department: Annotated[str, Query(max_length=128)] = "",
) -> Response:  # fmt: skip
    """The interviews (filtered), and the subjects that may be called, with a form each."""
    found = list_interviews(services.engine, status=status or None,
                            department=department or None,
                            overdue_on=today if overdue else None)  # fmt: skip
    with services.store.open(write=False) as store:
        candidates = interview_candidates(store, served_grades(served), services.engine,
                                          as_of=today)  # fmt: skip
    if department:
        candidates = candidates[candidates["department"] == department]
    departments = [d.name for d in load_sampling_policy().departments]
    return page(request, "interviews.html", interviews=found[-PAGE:][::-1], total=len(found),
                candidates=candidates.head(PAGE).to_dict("records"),
                candidate_total=len(candidates), status=status, overdue=overdue,
                department=department, departments=departments, today=today,
                types=INTERVIEW_TYPES.labels, can_act=_acts(caller))  # fmt: skip


@router.post("/interviews")
def schedule(
    caller: PlannerDep, services: ServicesDep, served: ServedDep, today: TodayDep,
    uscc: Annotated[str, Form(min_length=18, max_length=18)],
    interview_type: Annotated[Literal["prompt", "warning"], Form()],
    meet_on: Annotated[dt.date, Form()], department: Annotated[str, Form(max_length=128)] = "",
    note: Note = "",
) -> Response:  # fmt: skip
    with services.workspace(write=True) as space:
        done = schedule_interview(
            space, uscc=uscc, interview_type=interview_type, meet_on=meet_on,
            department=department or None, scheduled_by=caller.actor, note=note, today=today,
            in_force=served_grade(served, uscc),
        )  # fmt: skip
    return RedirectResponse(f"/workbench/interviews/{done.id}", status_code=303)


@router.get("/interviews/{interview_id}", response_class=HTMLResponse)
def interview(
    request: Request, interview_id: InterviewId, caller: StaffDep, services: ServicesDep,
    today: TodayDep,
) -> Response:  # fmt: skip
    found = get_interview(services.engine, interview_id)
    target = f"interview:{found.id}"
    trail = [e for e in audit_entries(services.engine, found.uscc) if e["target"] == target]
    return page(request, "interview.html", interview=found, trail=trail, today=today,
                types=INTERVIEW_TYPES.labels, can_act=_acts(caller),
                sees_names=caller.sees_personal_data)  # fmt: skip


@router.post("/interviews/{interview_id}/record")
def record(
    interview_id: InterviewId, caller: PlannerDep, services: ServicesDep, today: TodayDep,
    held_on: Annotated[dt.date, Form()], rectification: Text,
    interviewers: Annotated[str, Form(min_length=1, max_length=256)],
    rectify_by: Annotated[dt.date | None, Form()] = None, note: Note = "",
) -> Response:  # fmt: skip
    with services.workspace(write=True) as space:
        record_interview(space, interview_id, held_on=held_on, rectification=rectification,
                         interviewers=interviewers, rectify_by=rectify_by,
                         recorded_by=caller.actor, note=note, today=today)  # fmt: skip
    return RedirectResponse(f"/workbench/interviews/{interview_id}", status_code=303)


@router.post("/interviews/{interview_id}/rectification")
def rectification(
    interview_id: InterviewId, caller: PlannerDep, services: ServicesDep, today: TodayDep,
    rectified_on: Annotated[dt.date, Form()], note: Note = "",
) -> Response:  # fmt: skip
    with services.workspace(write=True) as space:
        record_rectification(space, interview_id, rectified_on=rectified_on,
                             recorded_by=caller.actor, note=note, today=today)  # fmt: skip
    return RedirectResponse(f"/workbench/interviews/{interview_id}", status_code=303)


@router.get("/plan-results", response_class=HTMLResponse)
def plan_results(
    request: Request, caller: StaffDep, services: ServicesDep, today: TodayDep,
    every: Annotated[bool, Query(alias="all")] = False,
) -> Response:  # fmt: skip
    """一公开: the plans whose results are late (or every plan), the most overdue first."""
    with services.store.open(write=False) as store:
        found = results_due(store, as_of=today, late_only=not every)
    return page(request, "plan_results.html", plans=found.head(PAGE).to_dict("records"),
                total=len(found), every=every, today=today)  # fmt: skip
