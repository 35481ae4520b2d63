"""The closed loops' policy (``models/workflows.yaml``): when a credit commitment's verification
falls due and what a breach costs, who may be called to a warning interview and how long it has
to rectify, and how soon inspection results are published."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Annotated

from pydantic import AfterValidator, Field

from credit_scoring.errors import InvalidInput
from credit_scoring.policies._base import GRADES, Strict, load_yaml_model, policy_path
from credit_scoring.records.codes import COMMITMENT_TYPES, LIST_TYPES

__all__ = [
    "DAYS",
    "CommitmentRules",
    "InterviewRules",
    "ResultRules",
    "WorkflowPolicy",
    "check_day",
    "load_workflow_policy",
]


def _codes_of(known: tuple[str, ...], what: str) -> AfterValidator:
    def check(values: tuple[str, ...]) -> tuple[str, ...]:
        unknown = [v for v in values if v not in known]
        if unknown:
            raise ValueError(f"{unknown} are not {what}; known: {list(known)}")
        return values

    return AfterValidator(check)


# The days a deadline may be asked about: the official calendar and the records' own dates.
DAYS = (dt.date(1990, 1, 1), dt.date(2100, 12, 31))


def check_day(day: dt.date, field: str = "as_of") -> dt.date:
    """``day`` if it lies in :data:`DAYS`; else ``InvalidInput`` naming ``field``."""
    if not DAYS[0] <= day <= DAYS[1]:
        raise InvalidInput(f"{field} must lie between {DAYS[0]} and {DAYS[1]}; got {day}",
                           field=field)  # fmt: skip
    return day


class CommitmentRules(Strict):
    verified_types: Annotated[
        tuple[str, ...], _codes_of(COMMITMENT_TYPES.codes, "commitment types")
    ] = Field(min_length=1)
    due_without_term_working_days: int = Field(ge=1, le=250)
    record_within_working_days: int = Field(ge=1, le=250)
    breach_effect_months: int = Field(ge=1, le=120)


class InterviewRules(Strict):
    grades: Annotated[tuple[str, ...], _codes_of(GRADES, "grades")]
    lists: Annotated[tuple[str, ...], _codes_of(LIST_TYPES.codes, "list types")]
    newly_listed_days: int = Field(ge=1, le=3650)
    rectify_within_working_days: int = Field(ge=1, le=250)


class ResultRules(Strict):
    publish_within_working_days: int = Field(ge=1, le=250)


class WorkflowPolicy(Strict):
    version: str
    commitments: CommitmentRules
    interviews: InterviewRules
    inspection_results: ResultRules


def load_workflow_policy(path: Path | None = None) -> WorkflowPolicy:
    """Load and check ``models/workflows.yaml``; an error names the file and the key.

    Examples
    --------
    >>> load_workflow_policy().inspection_results.publish_within_working_days
    20
    """
    return load_yaml_model(path or policy_path("workflows.yaml"), WorkflowPolicy)
