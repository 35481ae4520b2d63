"""A subject's grade, its explanation and (for reviewers) the records behind it."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from api.schemas.common import UtcDatetime
from credit_scoring.explain.explanation import Explanation

__all__ = ["ExplanationPublic", "GradePublic", "RecordsReviewer", "RegradeResult"]


class GradePublic(BaseModel):
    model_config = ConfigDict(
        json_schema_extra={
            "examples": [
                {"uscc": "91350200776049653A", "grade": "C", "score": 612.4, "pd": 0.21,
                 "source": "gbm", "overrides": ["O04"], "as_of": "2026-09-30",
                 "policy_version": "2026.1", "model_version": "credit-grade/3",
                 "snapshot_id": "20260930-20261001T020000-1a2b3c", "regraded_at": None,
                 "name": "甲便利店", "legal_rep_name": "张*"}
            ]
        }
    )  # fmt: skip
    uscc: str
    name: str
    legal_rep_name: str | None = Field(description="Masked: surname only.")
    grade: str = Field(description="A 信用风险低, B 一般, C 较高, D 高")
    score: float
    pd: float | None = Field(
        description="Calibrated probability of an adverse outcome in 12 months"
    )
    source: str = Field(description="The authoritative scorer: rules, scorecard or gbm")
    overrides: list[str] = Field(description="Codes of the hard overrides applied (O01…)")
    as_of: dt.date
    policy_version: str
    model_version: str
    snapshot_id: str
    regraded_at: UtcDatetime | None = Field(
        description="When the subject was re-graded after the snapshot (a decision, a request), "
        "in UTC"
    )


@dataclass(frozen=True)
class ExplanationPublic(Explanation):
    """The library's explanation (top adverse ``reasons`` largest first, the other scorers'
    ``second_opinion`` and whether one is more than a grade away) as served: from which
    snapshot, and when the subject was re-graded after it (a decision, a request)."""

    snapshot_id: str
    regraded_at: UtcDatetime | None


class RecordsReviewer(BaseModel):
    """Everything the store holds on a subject, personal data in the clear: reviewers only."""

    uscc: str
    subject: dict[str, Any]
    records: dict[str, list[dict[str, Any]]] = Field(description="By table, newest first")
    events: list[dict[str, Any]] = Field(description="Lifecycle events of those records")


class RegradeResult(BaseModel):
    uscc: str
    before: GradePublic
    after: GradePublic
