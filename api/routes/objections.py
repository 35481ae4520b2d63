"""Objections (异议): filed by anyone, listed by regulators and reviewers, decided by reviewers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import EVERYONE, Role, RoleRoute, allow
from api.convert import grade_public, objection_out, objection_reviewer, served_grade
from api.deps import (
    CallerDep,
    ReadingWorkspaceDep,
    ServedDep,
    ServicesDep,
    TodayDep,
    WorkspaceDep,
    limit_public_filing,
)
from api.schemas.common import ItemId, Uscc
from api.schemas.workflows import (
    ObjectionCreate,
    ObjectionDecided,
    ObjectionDecision,
    ObjectionPublic,
    ObjectionReviewer,
)
from credit_scoring.workflows import decide_objection, file_objection, list_objections
from credit_scoring.workflows.audit import record_access

router = APIRouter(route_class=RoleRoute, prefix="/v1/objections", tags=["objections"])


# The limit runs before the workspace opens the store: a refused filing touches nothing.
@router.post("", status_code=201, dependencies=[Depends(limit_public_filing)], **allow(*EVERYONE))
def file(
    body: ObjectionCreate, caller: CallerDep, served: ServedDep, space: WorkspaceDep,
    today: TodayDep,
) -> ObjectionReviewer | ObjectionPublic:  # fmt: skip
    """File an objection to one record; it is flagged, with deadlines in working days."""
    objection = file_objection(
        space, uscc=body.uscc, table=body.record_table, record_id=body.record_id,
        reason=body.reason, filed_by=body.filed_by, today=today,
        grade_before=served_grade(served, body.uscc),
    )  # fmt: skip
    return objection_out(objection, caller)


@router.get("", **allow(Role.regulator, Role.reviewer))
def list_all(
    caller: CallerDep,
    services: ServicesDep,
    space: ReadingWorkspaceDep,
    today: TodayDep,
    status: Literal["pending", "upheld", "rejected"] | None = None,
    uscc: Annotated[Uscc | None, Query()] = None,
    overdue: bool = False,
) -> list[ObjectionReviewer | ObjectionPublic]:
    """Objections, filtered by status, subject or overdue (pending past the 5-day deadline)."""
    found = list_objections(space, status=status, uscc=uscc, overdue_on=today if overdue else None)
    if caller.sees_personal_data:
        record_access(services.engine, actor=caller.actor, action="objections_read", uscc=uscc)
    return [objection_out(o, caller) for o in found]


@router.post("/{objection_id}/decision", **allow(Role.reviewer))
def decide(
    objection_id: ItemId,
    body: ObjectionDecision,
    caller: CallerDep,
    services: ServicesDep,
    served: ServedDep,
    space: WorkspaceDep,
    today: TodayDep,
) -> ObjectionDecided:
    """Uphold (the record is removed) or reject; the subject is re-graded and served at once."""
    objection, regraded = decide_objection(
        space, objection_id, upheld=body.upheld, reviewer=caller.actor, note=body.note, today=today
    )
    services.holder.add_regrades([regraded])
    now = services.holder.state or served
    return ObjectionDecided(
        objection=objection_reviewer(objection), served=grade_public(now, objection.uscc)
    )
