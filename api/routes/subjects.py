"""A subject's grade, explanation, records (reviewers) and an on-demand re-grade (reviewers)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Path, Request, Response

from api.auth import Role, RoleRoute, allow
from api.convert import explanation_json, grade_json, grade_public
from api.deps import CallerDep, ServedDep, ServicesDep, TodayDep, served_now
from api.path_only import path_only
from api.schemas.common import Uscc
from api.schemas.subjects import ExplanationPublic, GradePublic, RecordsReviewer, RegradeResult
from credit_scoring.records.dossier import subject_dossier
from credit_scoring.workflows import regrade_subject
from credit_scoring.workflows.audit import record_access

router = APIRouter(route_class=RoleRoute, prefix="/v1/subjects", tags=["subjects"])

UsccPath = Annotated[Uscc, Path(description="The subject's unified social credit code")]
READERS = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)


@router.get("/{uscc}/grade", response_model=GradePublic, **allow(*READERS))
@path_only  # the hottest two routes: called without FastAPI's parameter solving
async def get_grade(uscc: UsccPath, request: Request) -> Response:
    """The subject's current grade: the snapshot's, or a newer re-grade."""
    return Response(grade_json(served_now(request), uscc), media_type="application/json")


@router.get("/{uscc}/explanation", response_model=ExplanationPublic, **allow(*READERS))
@path_only
async def get_explanation(uscc: UsccPath, request: Request) -> Response:
    """Why the subject has its grade: overrides, adverse reasons with their records, positives."""
    return Response(explanation_json(served_now(request), uscc), media_type="application/json")


@router.get("/{uscc}/records", **allow(Role.reviewer))
def get_records(uscc: UsccPath, caller: CallerDep, services: ServicesDep) -> RecordsReviewer:
    """Every record the store holds on the subject, personal data in the clear (audited)."""
    with services.store.open(write=False) as store:
        dossier = subject_dossier(store, uscc)
    record_access(services.engine, actor=caller.actor, action="records_read", uscc=uscc)
    return RecordsReviewer(uscc=uscc, **dossier)


@router.post("/{uscc}/regrade", **allow(Role.reviewer))
def regrade(
    uscc: UsccPath, caller: CallerDep, services: ServicesDep, served: ServedDep, today: TodayDep
) -> RegradeResult:
    """Re-grade the subject from the store now; the API serves the new grade at once."""
    before = grade_public(served, uscc)
    with services.store.open(write=False) as store:
        regraded = regrade_subject(store, services.engine, uscc, day=today,
                                   grader=services.grader(store))  # fmt: skip
    services.holder.add_regrades([regraded])
    after = grade_public(services.holder.state or served, uscc)
    record_access(services.engine, actor=caller.actor, action="regraded", uscc=uscc,
                  before={"grade": before.grade}, after={"grade": after.grade})  # fmt: skip
    return RegradeResult(uscc=uscc, before=before, after=after)
