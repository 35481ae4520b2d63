"""Inspection plans (双随机): the request that draws one, and what a plan looks like when read."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

from api.schemas.common import NOT_BLANK
from credit_scoring.supervision import PlanHeader

__all__ = ["PlanCreate", "PlanDetail", "PlanItem", "PlanSummary", "PlanVerification"]

_Code = Field(min_length=1, max_length=64)


class PlanCreate(BaseModel):
    model_config = ConfigDict(
        extra="forbid",
        str_strip_whitespace=True,
        json_schema_extra={
            "examples": [{"as_of": "2026-09-30", "rate": 0.1, "seed": 20261001,
                          "design": "stratified"}],
            # _budget_or_rate's rule, for the document: not a budget and a rate both.
            "not": {"required": ["budget", "rate"],
                    "properties": {"budget": {"type": "integer"}, "rate": {"type": "number"}}},
        },
    )  # fmt: skip
    as_of: dt.date
    # Up to 2**63 - 1 (a BIGINT); the document says 2**53 - 1, as far as a JSON number is exact
    # everywhere (a larger bound would be read as a float, and sent above the true one).
    seed: int = Field(ge=0, le=2**63 - 1, json_schema_extra={"maximum": 2**53 - 1})
    budget: int | None = Field(default=None, ge=1, le=10_000_000)
    rate: float | None = Field(default=None, gt=0, le=1)
    department: str | None = Field(
        default=None, min_length=1, max_length=128, json_schema_extra=NOT_BLANK
    )
    regions: list[str] = Field(default_factory=list, max_length=100)
    domains: list[str] = Field(default_factory=list, max_length=100)
    design: Literal["optimal", "stratified", "pps"] | None = None

    @model_validator(mode="after")
    def _budget_or_rate(self) -> PlanCreate:
        if self.budget is not None and self.rate is not None:
            raise ValueError("give a budget or a rate, not both")
        return self


class PlanSummary(BaseModel):
    plan_id: str
    created_at: str
    as_of: str
    seed: int
    commitment: str
    design: str
    budget: int
    policy_version: str
    inspections: int
    mandated: int  # subjects due under a minimum frequency, taken on top of the random budget
    pending: int


class PlanItem(BaseModel):
    uscc: str
    name: str | None
    address: str | None
    grade: str
    stratum: str  # "due" for a mandated inspection, else the grade stratum drawn from
    domains: str | None  # supervision domains, ";"-separated
    due_by: dt.date | None  # the date a minimum frequency requires the next inspection by
    department: str | None
    region_code: str | None
    inclusion_prob: float
    random_sample: bool
    exploration: bool
    inspectors: str | None  # ids, ";"-separated; empty while assignment is pending
    inspector_names: str | None
    assignment: str


@dataclass(frozen=True)
class PlanDetail(PlanHeader):
    """A plan as the service shows it: its header, the lift it expects by the model's own
    probabilities (None without them), the eligible subjects left out by reason, its items."""

    expected_lift: float | None
    excluded: dict[str, int]
    items: list[PlanItem]


class PlanVerification(BaseModel):
    plan_id: str
    ok: bool
    commitment_matches: bool
    draw_matches: bool
    assignment_matches: bool
    recomputed_commitment: str
    problems: list[str]
