"""Credit checks (信用核查) for licensing, procurement, tendering, funding and honours."""

from __future__ import annotations

from dataclasses import asdict

from fastapi import APIRouter

from api.auth import Role, RoleRoute, allow
from api.convert import served_grade
from api.deps import ServedDep, TodayDep
from api.schemas.checks import CreditCheckCreate, CreditCheckPublic
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures

router = APIRouter(route_class=RoleRoute, prefix="/v1/credit-checks", tags=["credit checks"])


@router.post("", **allow(Role.regulator, Role.reviewer))
async def check(body: CreditCheckCreate, served: ServedDep, today: TodayDep) -> CreditCheckPublic:
    """The measures of the list that apply to the subject in the scenario, with their records."""
    served.subject(body.uscc)  # 404 for a subject the snapshot does not know
    grade = served_grade(served, body.uscc)
    result = credit_check(load_measures(), served.standing(body.uscc), body.scenario, today, grade)
    return CreditCheckPublic(uscc=body.uscc, snapshot_id=served.snapshot_id, **asdict(result))
