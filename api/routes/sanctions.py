"""Joint incentive and punishment tasks (联合奖惩): issued from a credit check, answered by the
implementing departments, counted per department.

Regulators issue tasks from a check and respond for their department; regulators and analysts
list them; the statistics are for regulators, analysts and admins. Tasks from a list decision
are issued by the decision itself (:mod:`api.routes.lists`).
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import APIRouter, Query

from api.auth import Role, RoleRoute, allow
from api.convert import served_grade
from api.deps import CallerDep, ServedDep, ServicesDep, TodayDep
from api.schemas.common import ItemId, KnownDay, Uscc
from api.schemas.sanctions import (
    DepartmentStatisticsPublic,
    SanctionStatisticsPublic,
    TaskCreate,
    TaskPublic,
    TaskResponse,
    TaskSource,
    TaskStatus,
)
from credit_scoring.measures import credit_check
from credit_scoring.policies import load_measures
from credit_scoring.workflows.sanctions import (
    SanctionTask,
    issue_check_tasks,
    list_tasks,
    respond,
    task_statistics,
)

router = APIRouter(route_class=RoleRoute, prefix="/v1/sanctions", tags=["joint measures"])
Day = Annotated[KnownDay | None, Query()]


@router.post("/tasks", status_code=201, **allow(Role.regulator, errors=[404]))
def issue(
    body: TaskCreate, caller: CallerDep, services: ServicesDep, served: ServedDep, today: TodayDep
) -> list[TaskPublic]:
    """Check the subject for the scenario (as ``POST /v1/credit-checks`` does) and issue a task
    per measure that applies and per implementing department; the same check issued again
    returns its tasks."""
    served.subject(body.uscc)  # 404 for a subject the snapshot does not know
    check = credit_check(load_measures(), served.standing(body.uscc), body.scenario, today,
                         served_grade(served, body.uscc))  # fmt: skip
    tasks = issue_check_tasks(services.engine, check, uscc=body.uscc, actor=caller.actor,
                              today=today, reference=body.reference)  # fmt: skip
    return [_public(t, today) for t in tasks]


@router.get("/tasks", **allow(Role.regulator, Role.analyst))
def tasks(
    services: ServicesDep, today: TodayDep,
    department: Annotated[str | None, Query(max_length=64, description="Code or name")] = None,
    overdue: bool = False, status: TaskStatus | None = None, source: TaskSource | None = None,
    uscc: Annotated[Uscc | None, Query()] = None,
) -> list[TaskPublic]:  # fmt: skip
    """Tasks, oldest first, for one department or all; ``overdue`` keeps those late today."""
    code = load_measures().department(department) if department else None
    found = list_tasks(services.engine, department=code, status=status, uscc=uscc,
                       source=source, overdue_on=today if overdue else None)  # fmt: skip
    return [_public(t, today) for t in found]


@router.post("/tasks/{task_id}/response", **allow(Role.regulator, errors=[404, 409]))
def response(
    task_id: ItemId, body: TaskResponse, caller: CallerDep, services: ServicesDep,
    today: TodayDep,
) -> TaskPublic:  # fmt: skip
    """Acknowledge, apply, decline (the note is the reason) or report the outcome (the note)."""
    task = respond(services.engine, task_id, action=body.action, actor=caller.actor,
                   note=body.note, today=today)  # fmt: skip
    return _public(task, today)


@router.get("/statistics", **allow(Role.regulator, Role.analyst, Role.admin))
def statistics(
    services: ServicesDep, today: TodayDep, as_of: Day = None, since: Day = None,
    source: TaskSource | None = None,
) -> SanctionStatisticsPublic:  # fmt: skip
    """Per implementing department, then all (``*``): tasks issued, responded to (on time), fed
    back, overdue, and the rates, as they stood on ``as_of`` (default today)."""
    day = as_of or today
    rows = task_statistics(services.engine, day=day, since=since, source=source)
    return SanctionStatisticsPublic(
        as_of=day, since=since, source=source,
        departments=[DepartmentStatisticsPublic.model_validate(r.as_dict()) for r in rows],
    )  # fmt: skip


def _public(task: SanctionTask, today: dt.date) -> TaskPublic:
    fields = {k: getattr(task, k) for k in TaskPublic.model_fields if k not in ("record_ids",
              "overdue")}  # fmt: skip
    return TaskPublic.model_validate({
        **fields, "record_ids": [r for r in task.record_ids.split(";") if r],
        "overdue": task.overdue_on(today),
    })  # fmt: skip
