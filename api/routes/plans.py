"""Inspection plans (双随机、一公开): drawn by regulators, read and verified by every staff role."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query
from fastapi.responses import Response

from api.auth import Role, RoleRoute, allow
from api.convert import plan_detail
from api.deps import CallerDep, ReadingWorkspaceDep, ServicesDep, WorkspaceDep
from api.files import FILE_RESPONSES, file_response
from api.schemas.plans import PlanCreate, PlanDetail, PlanSummary, PlanVerification
from credit_scoring.supervision import (
    create_plan,
    list_plans,
    load_plan,
    plan_csv_bytes,
    plan_xlsx_bytes,
    verify_plan,
)
from credit_scoring.workflows.audit import record_access

router = APIRouter(route_class=RoleRoute, prefix="/v1/plans", tags=["plans"])

STAFF = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)
PlanId = Annotated[str, Path(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9_-]+$")]


@router.post("", status_code=201, **allow(Role.regulator, Role.admin))
def create(
    body: PlanCreate, caller: CallerDep, services: ServicesDep, space: WorkspaceDep
) -> PlanDetail:
    """Draw and store a plan; its commitment is fixed before the draw and verifies after."""
    plan = create_plan(
        space.store, as_of=body.as_of, seed=body.seed, budget=body.budget, rate=body.rate,
        department=body.department, regions=tuple(body.regions), domains=tuple(body.domains),
        design=body.design, grader=space.grading(),
    )  # fmt: skip
    record_access(services.engine, actor=caller.actor, action="plan_created", uscc=None,
                  target=plan.plan_id, after={"commitment": plan.commitment,
                                              "inspections": len(plan.items)})  # fmt: skip
    return plan_detail(plan)


@router.get("", **allow(*STAFF))
def list_all(space: ReadingWorkspaceDep) -> list[PlanSummary]:
    """Every stored plan, newest first."""
    return [PlanSummary(**row) for row in list_plans(space.store)]


@router.get("/{plan_id}", response_model=PlanDetail, responses=FILE_RESPONSES,
            **allow(*STAFF, errors=[404]))  # fmt: skip
def get(
    plan_id: PlanId,
    space: ReadingWorkspaceDep,
    format: Annotated[Literal["json", "csv", "xlsx"], Query()] = "json",
) -> PlanDetail | Response:
    """One plan with its inspections; ``?format=csv|xlsx`` downloads the file inspectors use."""
    plan = load_plan(space.store, plan_id)
    if format == "json":
        return plan_detail(plan)
    content = plan_csv_bytes(plan) if format == "csv" else plan_xlsx_bytes(plan)
    return file_response(content, format, plan.plan_id)


@router.post("/{plan_id}/verify", **allow(*STAFF, errors=[404]))
def verify(plan_id: PlanId, space: ReadingWorkspaceDep) -> PlanVerification:
    """Rerun the draw from the revealed seed and the stored inputs: the same list, or why not."""
    result = verify_plan(space.store, plan_id)
    return PlanVerification(
        plan_id=result.plan_id, ok=result.ok, commitment_matches=result.commitment_matches,
        draw_matches=result.draw_matches, assignment_matches=result.assignment_matches,
        recomputed_commitment=result.recomputed_commitment, problems=result.problems,
    )  # fmt: skip
