"""Workbench page for joint incentives and punishments (联合奖惩): the tasks of one department or
all, with a response form on each open one (regulators), and the response and feedback rates
per department. The same library calls as ``/v1/sanctions``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Depends, Form, Path, Query, Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response

from api.auth import Caller, Role
from api.deps import ServicesDep, TodayDep
from api.workbench.render import page
from api.workbench.session import StaffDep, require
from credit_scoring.policies import load_measures
from credit_scoring.workflows.sanctions import list_tasks, respond, task_statistics

router = APIRouter(prefix="/workbench", include_in_schema=False)
RegulatorDep = Annotated[Caller, Depends(require(Role.regulator))]
Department = Annotated[str, Query(max_length=32)]
SHOWN = 100  # tasks per page


@router.get("/sanctions", response_class=HTMLResponse)
def tasks(
    request: Request, caller: StaffDep, services: ServicesDep, today: TodayDep,
    department: Department = "", overdue: bool = False, status: Department = "",
    start: Annotated[int, Query(ge=0)] = 0,
) -> Response:  # fmt: skip
    """Tasks filtered by department, status and lateness; statistics per department."""
    policy = load_measures()
    code = policy.department(department) if department else None
    found = list_tasks(services.engine, department=code, status=status or None,
                       overdue_on=today if overdue else None)  # fmt: skip
    return page(request, "sanctions.html", today=today, tasks=found[start : start + SHOWN],
                total=len(found), start=start, page_size=SHOWN, department=code or "",
                overdue=overdue, status=status, departments=policy.departments,
                statistics=task_statistics(services.engine, day=today, policy=policy),
                can_respond=caller.role == "regulator")  # fmt: skip


@router.post("/sanctions/{task_id}/response")
def response(
    task_id: Annotated[int, Path(ge=1, le=2**31 - 1)], caller: RegulatorDep,
    services: ServicesDep, today: TodayDep,
    action: Annotated[Literal["acknowledge", "apply", "decline", "report"], Form()],
    note: Annotated[str, Form(max_length=2000)] = "",
) -> Response:  # fmt: skip
    """Respond for the task's department; back to that department's tasks."""
    task = respond(services.engine, task_id, action=action, actor=caller.actor, note=note,
                   today=today)  # fmt: skip
    return RedirectResponse(f"/workbench/sanctions?department={task.department}",
                            status_code=303)  # fmt: skip
