"""Statistics for higher authorities: a period's figures by department and region.

Each list holds the rows of one table of ``credit_scoring.statistics`` (the total first, under
department and region ``全部``); a rate is a fraction in [0, 1], or null where nothing was
counted. Rows forbid unknown fields, so a figure added to the library fails the tests until it
is described here.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["StatisticsPublic"]

Rate = float | None


class _Row(BaseModel):
    model_config = ConfigDict(extra="forbid")


class _UnitRow(_Row):
    department: str = Field(description="The supervising department, 全部 for the total")
    region_code: str


class GradeRow(_UnitRow):
    subjects: int
    A: int
    B: int
    C: int
    D: int
    upgraded: int
    downgraded: int
    A_share: Rate
    B_share: Rate
    C_share: Rate
    D_share: Rate


class MigrationRow(_UnitRow):
    from_grade: str = Field(description="The opening grade, or 未评级 for a new subject")
    A: int
    B: int
    C: int
    D: int
    total: int


class DisclosureRow(_Row):
    table: Literal["licences", "penalties"]
    authority: str
    decisions: int
    rejected: int
    published: int
    reporting_rate: Rate
    compliance_rate: Rate
    timeliness_rate_7wd: Rate
    timeliness_rate_20wd: Rate
    wrong_codes: int
    duplicate_codes: int
    uscc_errors: int
    uscc_error_rate: Rate


class DuplicateCodeRow(_Row):
    uscc: str
    names: list[str]
    decisions: int


class CommitmentRow(_UnitRow):
    signed: int
    due: int
    fulfilled: int
    breached: int
    fulfilment_rate: Rate


class CaseRow(_UnitRow):
    objections_filed: int
    objections_decided: int
    objections_upheld: int
    objections_overdue: int
    objections_late: int
    repairs_filed: int
    repairs_ineligible: int
    repairs_decided: int
    repairs_approved: int
    repairs_overdue: int
    repairs_late: int
    imported_objections_filed: int
    imported_objections_decided: int
    imported_repairs_approved: int


class InspectionRow(_UnitRow):
    grade: str
    planned: int
    done: int
    violations: int
    violation_rate: Rate


class MeasureRow(_Row):
    code: str
    kind: Literal["incentive", "punishment"]
    text: str
    scenario: str
    scenario_text: str
    subjects: int = Field(description="Subjects it applies to at the period's end")
    share: Rate


class StatisticsPublic(_Row):
    period: str
    start: dt.date
    end: dt.date
    opening: dt.date = Field(description="The day the opening grades are as of")
    reported_on: dt.date = Field(description="双公示 publications are counted up to this day")
    department: str | None
    grading: dict[str, Any] = Field(description="Who decided the grades")
    grades: list[GradeRow]
    migrations: list[MigrationRow]
    disclosure: list[DisclosureRow]
    duplicate_codes: list[DuplicateCodeRow]
    commitments: list[CommitmentRow]
    cases: list[CaseRow]
    inspections: list[InspectionRow]
    measures: list[MeasureRow]
