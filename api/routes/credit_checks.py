"""Credit checks (信用核查) for licensing, procurement, tendering, funding and honours."""

from __future__ import annotations

from dataclasses import asdict
from pathlib import Path
from typing import Annotated, Literal

from fastapi import APIRouter, File, Form, Query, UploadFile
from fastapi.responses import Response

from api.auth import Role, RoleRoute, allow
from api.convert import served_grade
from api.deps import ServedDep, TodayDep
from api.files import FILE_RESPONSES, file_response
from api.schemas.checks import (
    BatchCheckPublic,
    CreditCheckCreate,
    CreditCheckPublic,
    Scenario,
)
from credit_scoring.batch_checks import DEFAULT_COLUMN, check_list, read_list_bytes
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures

router = APIRouter(route_class=RoleRoute, prefix="/v1/credit-checks", tags=["credit checks"])


@router.post("", **allow(Role.regulator, Role.reviewer, errors=[404]))
async def check(body: CreditCheckCreate, served: ServedDep, today: TodayDep) -> CreditCheckPublic:
    """The measures of the list that apply to the subject in the scenario, with their records."""
    served.subject(body.uscc)  # 404 for a subject the snapshot does not know
    grade = served_grade(served, body.uscc)
    result = credit_check(load_measures(), served.standing(body.uscc), body.scenario, today, grade)
    return CreditCheckPublic(uscc=body.uscc, snapshot_id=served.snapshot_id, **asdict(result))


# A plain ``def``: checking thousands of rows runs in the thread pool, not on the event loop.
@router.post("/batch", response_model=BatchCheckPublic, responses=FILE_RESPONSES,
             **allow(Role.regulator, Role.reviewer))  # fmt: skip
def batch(
    file: Annotated[UploadFile, File(description="The list: .xlsx, or .csv in UTF-8 or GB18030")],
    scenario: Annotated[Scenario, Form()],
    served: ServedDep,
    today: TodayDep,
    column: Annotated[str, Form(min_length=1, max_length=200)] = DEFAULT_COLUMN,
    format: Annotated[Literal["xlsx", "csv", "json"], Query()] = "xlsx",
) -> BatchCheckPublic | Response:
    """Check every row of an uploaded list of codes (none dropped): the workbook with its 汇总
    sheet (``xlsx``), the result rows alone (``csv``), or ``json``."""
    listed = read_list_bytes(file.file.read(), file.filename or "upload", column)
    result = check_list(served, listed, scenario, today)
    if format == "json":
        rows = [row.as_dict() for row in result.rows]
        return BatchCheckPublic.model_validate({**result.summary(), "results": rows})
    content = result.xlsx() if format == "xlsx" else result.csv()
    return file_response(content, format, f"核查结果-{Path(listed.name).stem}")
