"""Workbench pages for list identification (名单认定): the candidates with a notice form, the
open and decided cases, and each case with its trail and the forms its state allows —
regulators serve notices, record a written objection, decide and run exits; reviewers decide
objections. The same library calls as ``/v1/lists``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Caller, Role
from api.deps import ServicesDep, TodayDep
from api.workbench.render import page
from api.workbench.session import ReviewerDep, StaffDep, require
from credit_scoring.policies import load_list_policy
from credit_scoring.workflows import audit_entries
from credit_scoring.workflows.listing import (
    decide_listing,
    decide_notice_objection,
    get_listing,
    list_listings,
    object_to_notice,
    propose,
    serve_notice,
    sweep_exits,
)

router = APIRouter(prefix="/workbench", include_in_schema=False)
RegulatorDep = Annotated[Caller, Depends(require(Role.regulator))]
ListType = Literal["black", "key_attention", "red"]
CaseId = Annotated[int, Path(ge=1, le=2**31 - 1)]
Text = Annotated[str, Form(min_length=1, max_length=2000)]
Note = Annotated[str, Form(max_length=2000)]
SHOWN = 200  # candidates per page: the rest are counted and reached by list


@router.get("/listing", response_class=HTMLResponse)
def listing(
    request: Request, caller: StaffDep, services: ServicesDep, today: TodayDep,
    list_type: Annotated[ListType | None, Query()] = None,
) -> Response:  # fmt: skip
    """Candidates as of today with a notice form each, the open cases and the decided ones."""
    with services.store.open(write=False) as store:
        found = propose(store, services.engine, as_of=today,
                        list_types=[list_type] if list_type else None)  # fmt: skip
    cases = list_listings(services.engine)
    open_ = [c for c in cases if c.status in ("noticed", "objected")]
    decided = [c for c in reversed(cases) if c.status not in ("noticed", "objected")][:100]
    return page(request, "listing.html", today=today, list_type=list_type or "",
                candidates=found[:SHOWN], total=len(found), open_cases=open_, decided=decided,
                policy=load_list_policy(), can_act=caller.role == "regulator")  # fmt: skip


@router.post("/listing/notice")
def notice(
    caller: RegulatorDep, services: ServicesDep, today: TodayDep,
    list_type: Annotated[ListType, Form()],
    uscc: Annotated[str, Form(min_length=18, max_length=18, pattern=r"^[0-9A-Z]{18}$")],
) -> Response:  # fmt: skip
    with services.workspace(write=False) as space:
        case = serve_notice(space, uscc=uscc, list_type=list_type, actor=caller.actor,
                            today=today)  # fmt: skip
    return RedirectResponse(f"/workbench/listing/{case.id}", status_code=303)


@router.post("/listing/exits")
def exits(caller: RegulatorDep, services: ServicesDep, today: TodayDep) -> Response:
    with services.workspace(write=True) as space:
        done = sweep_exits(space, today=today, actor=caller.actor)
    services.holder.add_regrades([regraded for _, regraded in done])
    return RedirectResponse(f"/workbench/listing?exited={len(done)}", status_code=303)


@router.get("/listing/{case_id}", response_class=HTMLResponse)
def case_page(
    request: Request, case_id: CaseId, caller: StaffDep, services: ServicesDep, today: TodayDep
) -> Response:
    found = get_listing(services.engine, case_id)
    trail = [e for e in audit_entries(services.engine, found.uscc)
             if e["target"] == f"listing:{found.id}"]  # fmt: skip
    return page(request, "listing_case.html", case=found, today=today, trail=trail,
                role=str(caller.role))  # fmt: skip


@router.post("/listing/{case_id}/objection")
def objection(
    case_id: CaseId, caller: RegulatorDep, services: ServicesDep, today: TodayDep,
    reason: Text, filed_by: Annotated[str, Form(min_length=1, max_length=128)],
) -> Response:  # fmt: skip
    """A written objection the department received, recorded within the period."""
    object_to_notice(services.engine, case_id, reason=reason, filed_by=filed_by, today=today)
    return RedirectResponse(f"/workbench/listing/{case_id}", status_code=303)


@router.post("/listing/{case_id}/objection-decision")
def objection_decision(
    case_id: CaseId, caller: ReviewerDep, services: ServicesDep, today: TodayDep,
    decision: Annotated[Literal["uphold", "reject"], Form()], note: Text,
) -> Response:  # fmt: skip
    decide_notice_objection(services.engine, case_id, upheld=decision == "uphold",
                            reviewer=caller.actor, note=note, today=today)  # fmt: skip
    return RedirectResponse(f"/workbench/listing/{case_id}", status_code=303)


@router.post("/listing/{case_id}/decision")
def decision(
    case_id: CaseId, caller: RegulatorDep, services: ServicesDep, today: TodayDep,
    decision: Annotated[Literal["confirm", "withdraw"], Form()], note: Note = "",
) -> Response:  # fmt: skip
    """Confirm (entry written, subject re-graded and served at once, tasks issued) or withdraw."""
    confirm = decision == "confirm"
    with services.workspace(write=confirm) as space:
        _, regraded = decide_listing(space, case_id, confirm=confirm, actor=caller.actor,
                                     note=note, today=today)  # fmt: skip
    if regraded is not None:
        services.holder.add_regrades([regraded])
    return RedirectResponse(f"/workbench/listing/{case_id}", status_code=303)
