"""List identification (名单认定): candidates, notices, objections to them, decisions, exits."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import NOT_BLANK
from api.schemas.subjects import GradePublic

__all__ = [
    "CandidatePublic",
    "CandidatesPublic",
    "CriterionMet",
    "IdentifiedList",
    "ListingBrief",
    "ListingDecided",
    "ListingDecision",
    "ListingObjectionCreate",
    "ListingObjectionDecision",
    "ListingStaff",
    "ListingStatus",
]

IdentifiedList = Literal["black", "key_attention", "red"]
ListingStatus = Literal["noticed", "objected", "cancelled", "withdrawn", "listed", "exited"]


class _Input(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)


class CriterionMet(BaseModel):
    code: str = Field(description="The criterion of models/lists.yaml, e.g. B1")
    text_zh: str
    text_en: str
    count: int = Field(description="Matching records (0 for a criterion met by absence)")
    record_ids: list[str] = Field(description="The records behind it, newest first")


class CandidatePublic(BaseModel):
    uscc: str
    name: str
    region_code: str | None
    list_type: IdentifiedList
    department: str = Field(description="The identifying department")
    as_of: dt.date
    met: list[CriterionMet]
    record_ids: list[str]


class CandidatesPublic(BaseModel):
    as_of: dt.date
    total: int
    per_list: dict[str, int]
    candidates: list[CandidatePublic]


class ListingBrief(BaseModel):
    """What anyone who files an objection reads back: the case, its state and deadlines."""

    id: int
    uscc: str
    list_type: IdentifiedList
    status: ListingStatus
    noticed_on: dt.date
    objection_due: dt.date = Field(description="The last day an objection is heard")
    objection_status: Literal["pending", "upheld", "rejected"] | None
    objection_decide_due: dt.date | None


class ListingStaff(ListingBrief):
    """The whole case, for regulators and reviewers (the objector masked unless a reviewer)."""

    name: str
    department: str
    criteria: list[CriterionMet]
    record_ids: list[str]
    noticed_by: str
    objection_reason: str | None
    objection_by: str | None = Field(description="Masked unless you are a reviewer")
    objection_on: dt.date | None
    objection_decided_by: str | None
    objection_decided_on: dt.date | None
    objection_note: str | None
    decided_by: str | None
    decided_on: dt.date | None
    decision_note: str | None
    entry_record_id: str | None = Field(description="The list_entries record written")
    term_until: dt.date | None = Field(description="The day the entry's term ends")
    exited_on: dt.date | None
    exit_reason: str | None = Field(description="term_ended, repair_approved, objection_upheld…")


class ListingObjectionCreate(_Input):
    model_config = ConfigDict(
        json_schema_extra={"examples": [{"reason": "所涉处罚已被撤销", "filed_by": "甲便利店"}]}
    )
    reason: str = Field(min_length=1, max_length=2000, json_schema_extra=NOT_BLANK)
    filed_by: str = Field(min_length=1, max_length=128, json_schema_extra=NOT_BLANK)


class ListingObjectionDecision(_Input):
    upheld: bool
    note: str = Field(default="", max_length=2000)


class ListingDecision(_Input):
    confirm: bool = Field(description="true: enter the subject on the list; false: withdraw")
    note: str = Field(default="", max_length=2000)


class ListingDecided(BaseModel):
    listing: ListingStaff
    served: GradePublic | None = Field(description="The grade served now, after a confirmation")
