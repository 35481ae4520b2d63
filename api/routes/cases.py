"""Review cases: objections (异议) and credit-repair applications (信用修复).

Filed by anyone (the public within an hourly limit per address), listed by regulators and
reviewers, decided by reviewers. A decision re-grades the subject once in the library
(:mod:`credit_scoring.workflows.cases`); the route serves that re-grade at once.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from fastapi import APIRouter, Depends, Query

from api.auth import EVERYONE, Caller, Role, RoleRoute, allow
from api.convert import case_out, case_reviewer, grade_public, served_grade
from api.deps import (
    CallerDep,
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
    RepairCreate,
    RepairDecided,
    RepairDecision,
    RepairPublic,
    RepairReviewer,
)
from api.services import Services
from credit_scoring.snapshots import Served
from credit_scoring.workflows import (
    Regraded,
    apply_for_repair,
    decide_objection,
    decide_repair,
    file_objection,
    list_objections,
    list_repairs,
)
from credit_scoring.workflows.audit import record_access

objections = APIRouter(route_class=RoleRoute, prefix="/v1/objections", tags=["objections"])
repairs = APIRouter(route_class=RoleRoute, prefix="/v1/repairs", tags=["repairs"])
# The limit runs before the workspace opens the store: a refused filing touches nothing.
FILING: dict[str, Any] = {"status_code": 201, "dependencies": [Depends(limit_public_filing)]}
LISTING = allow(Role.regulator, Role.reviewer)


@objections.post("", **FILING, **allow(*EVERYONE, errors=[404, 409, 429]))
def file(
    body: ObjectionCreate, caller: CallerDep, served: ServedDep, space: WorkspaceDep,
    today: TodayDep,
) -> ObjectionReviewer | ObjectionPublic:  # fmt: skip
    """File an objection to one record; it is flagged, with deadlines in working days."""
    objection = file_objection(
        space, uscc=body.uscc, table=body.record_table, record_id=body.record_id,
        reason=body.reason, filed_by=body.filed_by, today=today,
        in_force=served_grade(served, body.uscc),
    )  # fmt: skip
    return case_out(objection, caller)


@objections.get("", **LISTING)
def list_all_objections(
    caller: CallerDep, services: ServicesDep, today: TodayDep,
    status: Literal["pending", "upheld", "rejected"] | None = None,
    uscc: Annotated[Uscc | None, Query()] = None, overdue: bool = False,
) -> list[ObjectionReviewer | ObjectionPublic]:  # fmt: skip
    """Objections, filtered by status, subject or overdue (pending past the 5-day deadline)."""
    found = list_objections(services.engine, status=status, uscc=uscc,
                            overdue_on=today if overdue else None)  # fmt: skip
    return _listed(found, caller, services, "objections_read", uscc)


@objections.post("/{objection_id}/decision", **allow(Role.reviewer, errors=[404, 409]))
def decide(
    objection_id: ItemId, body: ObjectionDecision, caller: CallerDep, services: ServicesDep,
    served: ServedDep, space: WorkspaceDep, today: TodayDep,
) -> ObjectionDecided:  # fmt: skip
    """Uphold (the record is removed) or reject; the subject is re-graded and served at once."""
    objection, regraded = decide_objection(
        space, objection_id, upheld=body.upheld, reviewer=caller.actor, note=body.note, today=today
    )
    now = _serve(services, served, regraded)
    return ObjectionDecided(objection=case_reviewer(objection), served=now)


@repairs.post("", **FILING, **allow(*EVERYONE, errors=[404, 429]))
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
        today=today, in_force=served_grade(served, body.uscc),
    )  # fmt: skip
    return case_out(application, caller)


@repairs.get("", **LISTING)
def list_all_repairs(
    caller: CallerDep, services: ServicesDep,
    status: Literal["pending", "ineligible", "approved", "refused"] | None = None,
    uscc: Annotated[Uscc | None, Query()] = None,
) -> list[RepairReviewer | RepairPublic]:  # fmt: skip
    """Repair applications, filtered by status or subject."""
    return _listed(list_repairs(services.engine, status=status, uscc=uscc), caller, services,
                   "repairs_read", uscc)  # fmt: skip


@repairs.post("/{repair_id}/decision", **allow(Role.reviewer, errors=[404, 409]))
def decide_application(
    repair_id: ItemId, body: RepairDecision, caller: CallerDep, services: ServicesDep,
    served: ServedDep, space: WorkspaceDep, today: TodayDep,
) -> RepairDecided:  # fmt: skip
    """Approve (the record stops counting) or refuse; the subject is re-graded and served."""
    application, regraded = decide_repair(
        space, repair_id, approve=body.approve, reviewer=caller.actor, note=body.note, today=today
    )
    now = _serve(services, served, regraded)
    return RepairDecided(repair=case_reviewer(application), served=now)


def _listed(
    found: list[Any], caller: Caller, services: Services, action: str, uscc: str | None
) -> list[Any]:
    """Cases as the caller may see them; a reading of personal data is audited."""
    if caller.sees_personal_data:
        record_access(services.engine, actor=caller.actor, action=action, uscc=uscc)
    return [case_out(case, caller) for case in found]


def _serve(services: Services, served: Served, regraded: Regraded) -> Any:
    """Serve the decision's re-grade at once; the subject's grade as now served."""
    services.holder.add_regrades([regraded])
    return grade_public(services.holder.state or served, regraded.uscc)
