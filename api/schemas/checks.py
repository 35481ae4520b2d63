"""Credit checks: the joint incentive and punishment measures for a scenario."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Uscc

__all__ = ["CreditCheckCreate", "CreditCheckPublic", "MeasurePublic", "TriggerRecord"]

Scenario = Literal["licensing", "procurement", "tendering", "funding", "honours"]


class CreditCheckCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={"examples": [{"uscc": "91350200776049653A", "scenario": "procurement"}]},
    )
    uscc: Uscc
    scenario: Scenario


class TriggerRecord(BaseModel):
    record_table: str
    record_id: str
    kind: str = Field(description="A list type (black, red…), a penalty tier (serious…) or a grade")
    title: str | None
    decision_no: str | None
    authority: str | None
    start: dt.date
    until: dt.date | None


class MeasurePublic(BaseModel):
    code: str
    kind: Literal["incentive", "punishment"]
    text_zh: str
    text_en: str
    basis: str
    records: list[TriggerRecord] = Field(description="The records that trigger the measure")


class CreditCheckPublic(BaseModel):
    uscc: str
    scenario: Scenario
    day: dt.date
    policy_version: str
    snapshot_id: str
    measures: list[MeasurePublic] = Field(description="Only measures of models/measures.yaml")
