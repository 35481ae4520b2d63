"""Statistics for higher authorities (上级统计): a period's figures as JSON or a workbook."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query
from fastapi.responses import Response

from api.auth import Role, RoleRoute, allow
from api.deps import ReadingWorkspaceDep, ServicesDep, TodayDep
from api.files import FILE_RESPONSES, file_response
from api.schemas.statistics import StatisticsPublic
from credit_scoring.statistics import last_ended_quarter, period_statistics, statistics_xlsx_bytes

router = APIRouter(route_class=RoleRoute, prefix="/v1/statistics", tags=["statistics"])

Period = Annotated[
    str | None,
    Query(max_length=16, description="2026Q3, 2026-07 or 2026; default the last ended quarter"),
]
Department = Annotated[str | None, Query(min_length=1, max_length=128)]


# A plain ``def``: grading the city twice runs in the thread pool, not on the event loop.
@router.get("", response_model=StatisticsPublic, responses=FILE_RESPONSES,
            **allow(Role.regulator, Role.analyst, Role.admin))  # fmt: skip
def get(
    services: ServicesDep,
    space: ReadingWorkspaceDep,
    today: TodayDep,
    period: Period = None,
    department: Department = None,
    format: Annotated[Literal["json", "xlsx"], Query()] = "json",
) -> StatisticsPublic | Response:
    """Grades and their movements, 双公示 KPIs (publications counted up to today),
    commitments, objections and repairs, inspections and measures of a period, by department
    and region; ``?format=xlsx`` is the workbook with a chart on each sheet."""
    stats = period_statistics(
        space.store, space.engine, period=period or last_ended_quarter(today),
        department=department, grader=services.grader(space.store), reported_on=today,
    )  # fmt: skip
    if format == "json":
        return StatisticsPublic.model_validate(stats.to_json())
    return file_response(statistics_xlsx_bytes(stats), format, f"统计-{stats.period}")
