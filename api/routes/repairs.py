"""Credit repair (信用修复): applied for by anyone, listed by regulators and reviewers, decided by
reviewers."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import EVERYONE, Role, RoleRoute, allow
from api.convert import grade_public, repair_out, repair_reviewer, served_grade
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
    RepairCreate,
    RepairDecided,
    RepairDecision,
    RepairPublic,
    RepairReviewer,
)
from credit_scoring.workflows import apply_for_repair, decide_repair, list_repairs
from credit_scoring.workflows.audit import record_access

router = APIRouter(route_class=RoleRoute, prefix="/v1/repairs", tags=["repairs"])


# The limit runs before the workspace opens the store: a refused filing touches nothing.
@router.post("", status_code=201, dependencies=[Depends(limit_public_filing)], **allow(*EVERYONE))
def apply(
    body: RepairCreate, caller: CallerDep, served: ServedDep, space: WorkspaceDep,
    today: TodayDep,
) -> RepairReviewer | RepairPublic:  # fmt: skip
    """Apply for repair of one record; an ineligible application is refused with every failing
    check named (status ``ineligible``)."""
    application = apply_for_repair(
        space, uscc=body.uscc, table=body.record_table, record_id=body.record_id,
        applicant=body.applicant, fine_paid=body.fine_paid,
        behaviour_corrected=body.behaviour_corrected, commitment_signed=body.commitment_signed,
        today=today, grade_before=served_grade(served, body.uscc),
    )  # fmt: skip
    return repair_out(application, caller)


@router.get("", **allow(Role.regulator, Role.reviewer))
def list_all(
    caller: CallerDep,
    services: ServicesDep,
    space: ReadingWorkspaceDep,
    status: Literal["pending", "ineligible", "approved", "refused"] | None = None,
    uscc: Annotated[Uscc | None, Query()] = None,
) -> list[RepairReviewer | RepairPublic]:
    """Repair applications, filtered by status or subject."""
    found = list_repairs(space, status=status, uscc=uscc)
    if caller.sees_personal_data:
        record_access(services.engine, actor=caller.actor, action="repairs_read", uscc=uscc)
    return [repair_out(a, caller) for a in found]


@router.post("/{repair_id}/decision", **allow(Role.reviewer))
def decide(
    repair_id: ItemId,
    body: RepairDecision,
    caller: CallerDep,
    services: ServicesDep,
    served: ServedDep,
    space: WorkspaceDep,
    today: TodayDep,
) -> RepairDecided:
    """Approve (the record stops counting) or refuse; the subject is re-graded and served."""
    application, regraded = decide_repair(
        space, repair_id, approve=body.approve, reviewer=caller.actor, note=body.note, today=today
    )
    services.holder.add_regrades([regraded])
    now = services.holder.state or served
    return RepairDecided(
        repair=repair_reviewer(application), served=grade_public(now, application.uscc)
    )
