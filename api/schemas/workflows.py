"""Objections and repair applications: filed by anyone, decided by reviewers."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import NOT_BLANK, Uscc
from api.schemas.subjects import GradePublic

__all__ = [
    "FailedCheck",
    "ObjectionCreate",
    "ObjectionDecided",
    "ObjectionDecision",
    "ObjectionPublic",
    "ObjectionReviewer",
    "RepairCreate",
    "RepairDecided",
    "RepairDecision",
    "RepairPublic",
    "RepairReviewer",
]

RecordTable = Literal[
    "licences", "penalties", "commitments", "complaints", "inspections", "list_entries"
]
_Text = Field(min_length=1, max_length=2000, json_schema_extra=NOT_BLANK)
_Who = Field(min_length=1, max_length=128, json_schema_extra=NOT_BLANK)


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class _CaseCreate(_Input):
    """The record a case is about."""

    uscc: Uscc
    record_table: RecordTable
    record_id: str = Field(min_length=1, max_length=64, json_schema_extra=NOT_BLANK)


class ObjectionCreate(_CaseCreate):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"uscc": "91350200776049653A", "record_table": "penalties",
                                         "record_id": "CF1", "reason": "处罚已被撤销",
                                         "filed_by": "甲便利店"}]}
    )  # fmt: skip
    reason: str = _Text
    filed_by: str = _Who


class _Decision(_Input):
    note: str = Field(default="", max_length=2000, description="The reviewer's reasons")


class ObjectionDecision(_Decision):
    upheld: bool


class _CasePublic(BaseModel):
    """What anyone may read of a review case (objection or repair application)."""

    id: int
    uscc: str
    record_table: str
    record_id: str
    decide_due: dt.date
    decided_on: dt.date | None
    grade_before: str | None = Field(description="The grade served when the case was filed")
    before_as_of: dt.date | None
    before_scorer: str | None = Field(description="Who decided it: scorer and model version")
    grade_after: str | None = Field(description="The grade its decision's re-grade gave")
    after_as_of: dt.date | None
    after_scorer: str | None


class _CaseDecided(BaseModel):
    """What reviewers read besides: who decided and why."""

    decided_by: str | None
    decision_note: str | None


class ObjectionPublic(_CasePublic):
    status: Literal["pending", "upheld", "rejected"]
    filed_by: str = Field(description="Masked unless you are a reviewer")
    filed_on: dt.date
    flag_due: dt.date


class ObjectionReviewer(ObjectionPublic, _CaseDecided):
    reason: str


class RepairCreate(_CaseCreate):
    applicant: str = _Who
    fine_paid: bool = False
    behaviour_corrected: bool = False
    commitment_signed: bool = False


class RepairDecision(_Decision):
    approve: bool


class FailedCheck(BaseModel):
    code: str
    reason: str


class RepairPublic(_CasePublic):
    status: Literal["pending", "ineligible", "approved", "refused"]
    failed_checks: list[FailedCheck] = Field(description="Why an ineligible application fails")
    applicant: str = Field(description="Masked unless you are a reviewer")
    applied_on: dt.date


class RepairReviewer(RepairPublic, _CaseDecided):
    fine_paid: bool
    behaviour_corrected: bool
    commitment_signed: bool


class ObjectionDecided(BaseModel):
    """The decided objection, the grades before and after its re-grade, and the grade served."""

    objection: ObjectionReviewer
    served: GradePublic


class RepairDecided(BaseModel):
    """The decided application, the grades before and after its re-grade, and the grade served."""

    repair: RepairReviewer
    served: GradePublic
