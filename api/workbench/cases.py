"""Workbench queues: objections (异议) and credit-repair applications (信用修复), each case with
its record, the reasons that cite it, and the reviewer's decision form."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.deps import ServedDep, ServicesDep, TodayDep
from api.services import Services
from api.workbench.render import page
from api.workbench.session import ReviewerDep, StaffDep
from credit_scoring.errors import SubjectNotFound
from credit_scoring.snapshots import Served
from credit_scoring.workflows import (
    audit_entries,
    decide_objection,
    decide_repair,
    list_objections,
    list_repairs,
)
from credit_scoring.workflows.cases import get_case, preview_decision
from credit_scoring.workflows.database import Objection, RepairApplication
from credit_scoring.workflows.workspace import Workspace

router = APIRouter(prefix="/workbench", include_in_schema=False)
Kind = Literal["objections", "repairs"]
_KINDS: dict[str, Any] = {"objections": Objection, "repairs": RepairApplication}
Note = Annotated[str, Form(min_length=1, max_length=2000)]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
PAGE = 100  # cases per page: a queue of thousands renders in one page's time


@router.get("/{kind}", response_class=HTMLResponse)
def queue(
    request: Request, kind: Kind, caller: StaffDep, services: ServicesDep, today: TodayDep,
    status: Annotated[str, Query(max_length=16)] = "pending", overdue: bool = False,
    start: Annotated[int, Query(ge=0)] = 0,
) -> Response:  # fmt: skip
    """The queue, filtered by status and by being past the decision deadline (working days)."""
    wanted = status or None
    cases: list[Any]
    if kind == "objections":
        late = today if overdue else None
        cases = list_objections(services.engine, status=wanted, overdue_on=late)
    else:
        cases = list_repairs(services.engine, status=wanted)
    if kind == "repairs" and overdue:
        cases = [c for c in cases if c.status == "pending" and c.decide_due < today]
    return page(request, "queue.html", kind=kind, cases=cases[start : start + PAGE],
                total=len(cases), start=start, page_size=PAGE, status=status, overdue=overdue,
                today=today)  # fmt: skip


@router.get("/{kind}/{case_id}", response_class=HTMLResponse)
def case(
    request: Request, kind: Kind, case_id: CaseId, caller: StaffDep, services: ServicesDep,
    served: ServedDep, today: TodayDep,
) -> Response:  # fmt: skip
    found = _case(services, kind, case_id)
    target = f"{found.noun}:{found.id}"
    trail = [e for e in audit_entries(services.engine, found.uscc) if e["target"] == target]
    preview = None
    if found.status == "pending":  # what accepting would do, graded now and stored nowhere
        event = "objection_upheld" if kind == "objections" else "repair_approved"
        with services.store.open(write=False) as store:
            space = Workspace(services.engine, store, services.grader(store))
            preview = preview_decision(space, found, event=event, today=today)
    return page(request, "case.html", kind=kind, case=found, today=today, trail=trail,
                citing=_citing(served, found), can_decide=caller.role == "reviewer",
                preview=preview)  # fmt: skip


@router.post("/{kind}/{case_id}/decision")
def decide(
    kind: Kind, case_id: CaseId, caller: ReviewerDep, services: ServicesDep, today: TodayDep,
    decision: Annotated[Literal["accept", "refuse"], Form()], note: Note,
) -> Response:  # fmt: skip
    """Decide with a note: the subject is re-graded, served at once and the decision audited."""
    accept = decision == "accept"
    with services.workspace(write=True) as space:
        if kind == "objections":
            _, regraded = decide_objection(space, case_id, upheld=accept, reviewer=caller.actor,
                                           note=note, today=today)  # fmt: skip
        else:
            _, regraded = decide_repair(space, case_id, approve=accept, reviewer=caller.actor,
                                        note=note, today=today)  # fmt: skip
    services.holder.add_regrades([regraded])
    return RedirectResponse(f"/workbench/{kind}/{case_id}", status_code=303)


def _case(services: Services, kind: str, case_id: int) -> Any:
    return get_case(services.engine, _KINDS[kind], case_id)


def _citing(served: Served, found: Any) -> list[Any]:
    """The reasons of the grade being served that cite the case's record."""
    try:
        explanation = served.explanation(found.uscc)
    except SubjectNotFound:
        return []
    cited = [*explanation.overrides, *explanation.reasons]
    return [r for r in cited if found.record_id in r.record_ids]
