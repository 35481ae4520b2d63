"""Joint incentive and punishment tasks (联合奖惩): issued, responded to, fed back, counted."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.checks import Scenario
from api.schemas.common import NOT_BLANK, Uscc

__all__ = [
    "DepartmentStatisticsPublic",
    "SanctionStatisticsPublic",
    "TaskCreate",
    "TaskPublic",
    "TaskResponse",
    "TaskSource",
    "TaskStatus",
]

TaskStatus = Literal["issued", "acknowledged", "applied", "declined"]
TaskSource = Literal["list_decision", "credit_check"]


class TaskCreate(BaseModel):
    """A credit check whose measures become tasks for their implementing departments."""

    model_config = ConfigDict(
        extra="forbid", str_strip_whitespace=True,
        json_schema_extra={"examples": [{"uscc": "91350200776049653A", "scenario": "procurement",
                                         "reference": "采购项目 NBCG-2026-118"}]},
    )  # fmt: skip
    uscc: Uscc
    scenario: Scenario
    reference: str | None = Field(
        default=None, min_length=1, max_length=100, json_schema_extra=NOT_BLANK,
        description="The application checked; default: the scenario and the day",
    )  # fmt: skip


class TaskResponse(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    action: Literal["acknowledge", "apply", "decline", "report"]
    note: str = Field(default="", max_length=2000, description="Reason (decline) or outcome")


class TaskPublic(BaseModel):
    id: int
    uscc: str
    measure_code: str
    measure_kind: Literal["incentive", "punishment"]
    department: str = Field(description="The implementing department's code (measures.yaml)")
    source: TaskSource
    source_ref: str = Field(description="listing:<id>, or the application checked")
    scenario: str | None
    record_ids: list[str] = Field(description="The records that trigger the measure")
    status: TaskStatus
    issued_on: dt.date
    issued_by: str
    respond_due: dt.date
    feedback_due: dt.date
    responded_on: dt.date | None
    responded_by: str | None
    decline_reason: str | None
    outcome: str | None = Field(description="The outcome reported (执行反馈)")
    feedback_on: dt.date | None
    overdue: bool = Field(description="Late today: no response, or no outcome, by its deadline")


class DepartmentStatisticsPublic(BaseModel):
    department: str = Field(description="Its code; '*' for all departments")
    name: str
    issued: int
    responded: int
    responded_on_time: int
    fed_back: int
    overdue: int
    response_rate: float | None
    on_time_rate: float | None
    feedback_rate: float | None


class SanctionStatisticsPublic(BaseModel):
    as_of: dt.date
    since: dt.date | None
    source: TaskSource | None
    departments: list[DepartmentStatisticsPublic]
