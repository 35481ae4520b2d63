"""Commitments verified, warning interviews, and inspection results published (issue 16)."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import NOT_BLANK, Uscc
from api.schemas.subjects import GradePublic
from credit_scoring.supervision.publicity import PublishedResult

__all__ = [
    "CandidateOut",
    "CommitmentDue",
    "CommitmentsDue",
    "InterviewCreate",
    "InterviewOut",
    "InterviewRecord",
    "PlanAnnouncementPublic",
    "PlanPublicationPublic",
    "PlanResultsDue",
    "RectificationCreate",
    "VerificationCreate",
    "VerificationDone",
    "VerificationOut",
]

_Note = Field(default="", max_length=2000)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CommitmentDue(BaseModel):
    record_id: str
    uscc: str
    name: str | None
    commitment_type: str
    domain: str | None
    signed_date: dt.date
    due_date: dt.date | None
    due_on: dt.date = Field(description="Its verification fell due then (working days)")
    verify_by: dt.date = Field(description="Its outcome is due by then (working days)")
    late: bool


class CommitmentsDue(BaseModel):
    as_of: dt.date
    total: int
    late: int
    commitments: list[CommitmentDue]


class VerificationCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"uscc": "91350200776049653A", "outcome": "breached",
                                         "verified_on": "2026-10-09",
                                         "note": "未在承诺期限内补齐材料"}]}
    )  # fmt: skip
    uscc: Uscc | None = Field(default=None, description="The commitment's subject: checked")
    outcome: Literal["fulfilled", "breached"]
    verified_on: dt.date | None = Field(default=None, description="Default: today")
    note: str = _Note


class VerificationOut(BaseModel):
    id: int
    record_id: str
    uscc: str
    commitment_type: str
    due_on: dt.date
    verify_by: dt.date
    outcome: str
    verified_on: dt.date
    recorded_by: str
    recorded_on: dt.date
    note: str
    grade_before: str | None
    grade_after: str | None


class VerificationDone(BaseModel):
    """The verification, and the subject's grade as now served (re-graded by the outcome)."""

    verification: VerificationOut
    served: GradePublic


class CandidateOut(BaseModel):
    uscc: str
    name: str | None
    grade: str | None
    grounds: str = Field(description="Why the subject may be called (grade, new list entry)")
    department: str | None = Field(description="The department supervising it")


class InterviewCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"uscc": "91350200776049653A", "interview_type": "warning",
                                         "meet_on": "2026-10-15"}]}
    )  # fmt: skip
    uscc: Uscc
    interview_type: Literal["prompt", "warning"] = Field(description="提示约谈 or 警示约谈")
    meet_on: dt.date = Field(description="The day the subject is called for")
    department: str | None = Field(
        default=None, max_length=128, description="Default: the department supervising it"
    )
    note: str = _Note


class InterviewRecord(_Input):
    held_on: dt.date
    rectification: str = Field(
        min_length=1, max_length=2000, description="What to put right", json_schema_extra=NOT_BLANK
    )
    interviewers: str = Field(min_length=1, max_length=256, json_schema_extra=NOT_BLANK)
    rectify_by: dt.date | None = Field(
        default=None, description="Default: the policy's working days"
    )
    note: str = _Note


class RectificationCreate(_Input):
    rectified_on: dt.date
    note: str = _Note


class InterviewOut(BaseModel):
    id: int
    uscc: str
    interview_type: str
    department: str
    grounds: str
    grade: str | None
    status: Literal["scheduled", "held", "rectified"]
    scheduled_on: dt.date
    meet_on: dt.date
    held_on: dt.date | None
    interviewers: str | None = Field(description="Shown to reviewers only")
    rectification: str | None
    rectify_by: dt.date | None
    rectified_on: dt.date | None
    overdue: bool = Field(description="Held, past its deadline and not rectified")
    record_id: str | None = Field(description="Its record in the subject's credit record")


class PlanAnnouncementPublic(BaseModel):
    plan_id: str
    as_of: dt.date
    department: str | None
    regions: list[str]
    domains: list[str]
    design: str
    inspections: int
    commitment: str = Field(description="SHA-256 sealed before the draw")
    period_end: dt.date
    results_due_by: dt.date
    results_published: int
    seed: int | None = Field(description="Revealed once the plan's period is over")


class PlanPublicationPublic(BaseModel):
    announcement: PlanAnnouncementPublic
    checklist: list[dict[str, str]] = Field(description="抽查事项 of the domains it covers")
    results: list[PublishedResult]  # the library's record of a published result, as it is


class PlanResultsDue(BaseModel):
    plan_id: str
    stored: bool = Field(description="Drawn here (else named by ingested results)")
    plan_as_of: dt.date | None
    department: str | None
    planned: int | None
    results: int
    published: int
    published_late: int
    overdue: int = Field(description="Unpublished past the deadline")
    pending: int
    first_missed: dt.date | None
    next_deadline: dt.date | None
    late: bool
