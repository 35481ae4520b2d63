"""A subject's grade, explanation, records (reviewers) and an on-demand re-grade (reviewers)."""

from __future__ import annotations

import datetime as dt
from typing import Annotated, Literal

from fastapi import APIRouter, Path, Query, Request, Response

from api.auth import Role, RoleRoute, allow
from api.convert import explanation_json, grade_json, grade_public
from api.deps import CallerDep, ServedDep, ServicesDep, TodayDep, served_now
from api.files import file_response
from api.path_only import path_only
from api.schemas.common import Uscc
from api.schemas.subjects import ExplanationPublic, GradePublic, RecordsReviewer, RegradeResult
from credit_scoring.records.dossier import subject_dossier
from credit_scoring.reports import issue_report
from credit_scoring.workflows import regrade_subject
from credit_scoring.workflows.audit import record_access

router = APIRouter(route_class=RoleRoute, prefix="/v1/subjects", tags=["subjects"])

UsccPath = Annotated[Uscc, Path(description="The subject's unified social credit code")]
READERS = (Role.regulator, Role.reviewer, Role.analyst, Role.admin)


@router.get("/{uscc}/grade", response_model=GradePublic, **allow(*READERS, errors=[404]))
@path_only  # the hottest two routes: called without FastAPI's parameter solving
async def get_grade(uscc: UsccPath, request: Request) -> Response:
    """The subject's current grade: the snapshot's, or a newer re-grade."""
    return Response(grade_json(served_now(request), uscc), media_type="application/json")


@router.get("/{uscc}/explanation", response_model=ExplanationPublic,
             **allow(*READERS, errors=[404]))  # fmt: skip
@path_only
async def get_explanation(uscc: UsccPath, request: Request) -> Response:
    """Why the subject has its grade: overrides, adverse reasons with their records, positives."""
    return Response(explanation_json(served_now(request), uscc), media_type="application/json")


@router.get("/{uscc}/records", **allow(Role.reviewer, errors=[404]))
def get_records(uscc: UsccPath, caller: CallerDep, services: ServicesDep) -> RecordsReviewer:
    """Every record the store holds on the subject, personal data in the clear (audited)."""
    with services.store.open(write=False) as store:
        dossier = subject_dossier(store, uscc)
    record_access(services.engine, actor=caller.actor, action="records_read", uscc=uscc)
    return RecordsReviewer(uscc=uscc, **dossier)


@router.post("/{uscc}/regrade", **allow(Role.reviewer, errors=[404]))
def regrade(
    uscc: UsccPath, caller: CallerDep, services: ServicesDep, served: ServedDep, today: TodayDep
) -> RegradeResult:
    """Re-grade the subject from the store now; the API serves the new grade at once."""
    before = grade_public(served, uscc)
    with services.store.open(write=False) as store:
        regraded = regrade_subject(store, services.engine, uscc, day=today,
                                   grader=services.grader(store), actor=caller.actor)  # fmt: skip
    services.holder.add_regrades([regraded])
    after = grade_public(services.holder.state or served, uscc)
    record_access(services.engine, actor=caller.actor, action="regraded", uscc=uscc,
                  before={"grade": before.grade}, after={"grade": after.grade})  # fmt: skip
    return RegradeResult(uscc=uscc, before=before, after=after)


@router.get(
    "/{uscc}/report.pdf",
    response_class=Response,
    responses={200: {"content": {"application/pdf": {}}, "description": "The credit report"}},
    **allow(Role.regulator, Role.reviewer, errors=[404]),
)
def get_report(
    uscc: UsccPath,
    caller: CallerDep,
    services: ServicesDep,
    served: ServedDep,
    today: TodayDep,
    audience: Annotated[Literal["official", "public"], Query()] = "official",
    as_of: Annotated[dt.date | None, Query(description="Records in publicity on this day")] = None,
) -> Response:
    """The subject's credit report (信用报告): A4 PDF with a verification QR code, registered
    so that ``/public/reports/{report_no}`` confirms it (audited: who issued it, for whom)."""
    settings = services.settings
    with services.store.open(write=False) as store:
        issued = issue_report(
            served, store, services.engine, uscc, day=as_of or today, audience=audience,
            file_format="pdf", office=settings.report_office,
            valid_days=settings.report_valid_days, verify_base_url=settings.public_base_url,
            issued_by=caller.actor,
        )  # fmt: skip
    response = file_response(issued.content, "pdf", f"信用报告-{issued.report_no}")
    response.headers["X-Report-No"] = issued.report_no
    return response
