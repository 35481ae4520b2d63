"""Credit checks: the joint incentive and punishment measures for a scenario."""

from __future__ import annotations

import datetime as dt
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import Uscc

__all__ = [
    "BatchCheckPublic",
    "BatchRowPublic",
    "CreditCheckCreate",
    "CreditCheckPublic",
    "MeasurePublic",
    "Outcome",
    "Scenario",
    "TriggerRecord",
]

Scenario = Literal["licensing", "procurement", "tendering", "funding", "honours"]
# The outcomes of a row of a batch check (credit_scoring.batch_checks.OUTCOMES).
Outcome = Literal[
    "checked", "checked_flagged", "unknown", "checksum_mismatch", "malformed", "missing",
    "unreadable",
]  # fmt: skip


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


class BatchRowPublic(BaseModel):
    row: int = Field(description="The row's number in the file (the header is row 1)")
    uscc: str = Field(description="The code as read (trimmed, upper-cased); empty if missing")
    outcome: Outcome
    outcome_zh: str
    reason: str = Field(description="Why the code was not checked, or what is irregular in it")
    repeat_of: int | None = Field(description="The row where this code first came")
    name: str | None
    grade: Literal["A", "B", "C", "D"] | None
    lists: list[str] = Field(description="The lists the subject is on that day (red, black…)")
    measures: list[MeasurePublic]
    green_channel: str | None = Field(description="是（incentives）, 否, or 本场景无")
    cells: dict[str, str] = Field(description="The row's own cells, as they were")


class BatchCheckPublic(BaseModel):
    file: str
    column: str
    scenario: Scenario
    day: dt.date
    snapshot_id: str
    policy_version: str
    rows_in: int = Field(description="Rows read from the file, readable or not")
    rows: int = Field(description="Rows in ``results``: every row of the file, none dropped")
    outcomes: dict[str, int] = Field(description="Rows per outcome")
    repeats: int = Field(description="Rows whose code came in an earlier row")
    measures: dict[str, int] = Field(description="Rows per measure of the scenario")
    results: list[BatchRowPublic]
